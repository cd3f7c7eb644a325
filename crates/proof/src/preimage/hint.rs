//! Hints: what the program tells the host it will read next, as OP's hint strings are built
//! (`"<route> 0x<hex payload>"`). A host turns a hint into preimages: `l1-transactions 0x…`
//! becomes every node of that block's tx trie. Hints carry no meaning for the result.

use alloc::{string::String, vec::Vec};
use alloy_primitives::{B256, Bytes};

/// A hint.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Hint {
    /// The L1 header with this hash.
    L1BlockHeader(B256),
    /// The tx trie of the L1 block with this hash.
    L1Transactions(B256),
    /// The receipt trie of the L1 block with this hash.
    L1Receipts(B256),
    /// A blob: its commitment and field elements.
    L1Blob {
        /// The versioned hash.
        hash: B256,
        /// The L1 block that carried it.
        block: B256,
    },
    /// The L2 header with this hash.
    L2BlockHeader(B256),
    /// The tx trie of the L2 block with this hash.
    L2Transactions(B256),
    /// The preimage of this L2 output root.
    L2Output(B256),
    /// Every state node and code needed to build these payload attributes on `parent` (and
    /// commit the block, or find it invalid).
    L2PayloadWitness {
        /// The parent block's hash.
        parent: B256,
        /// The Engine API payload attributes, JSON.
        attributes: Bytes,
    },
}

/// Why a hint string is not a hint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HintError {
    /// Not `"<route> 0x<hex>"`.
    #[error("malformed hint: {0}")]
    Malformed(&'static str),
    /// A route this program does not send.
    #[error("unknown hint route {0:?}")]
    UnknownRoute(String),
    /// The payload has the wrong length for the route.
    #[error("hint {route}: payload of {len} bytes, {want} expected")]
    Length {
        /// The route.
        route: &'static str,
        /// Its payload length.
        len: usize,
        /// The length the route has.
        want: usize,
    },
}

impl Hint {
    /// The route name.
    pub const fn route(&self) -> &'static str {
        match self {
            Self::L1BlockHeader(_) => "l1-block-header",
            Self::L1Transactions(_) => "l1-transactions",
            Self::L1Receipts(_) => "l1-receipts",
            Self::L1Blob { .. } => "l1-blob",
            Self::L2BlockHeader(_) => "l2-block-header",
            Self::L2Transactions(_) => "l2-transactions",
            Self::L2Output(_) => "l2-output",
            Self::L2PayloadWitness { .. } => "l2-payload-witness",
        }
    }

    /// The payload bytes.
    pub fn payload(&self) -> Vec<u8> {
        match self {
            Self::L1BlockHeader(h)
            | Self::L1Transactions(h)
            | Self::L1Receipts(h)
            | Self::L2BlockHeader(h)
            | Self::L2Transactions(h)
            | Self::L2Output(h) => h.to_vec(),
            Self::L1Blob { hash, block } => [hash.as_slice(), block.as_slice()].concat(),
            Self::L2PayloadWitness { parent, attributes } => {
                [parent.as_slice(), attributes.as_ref()].concat()
            }
        }
    }

    /// Parses a hint string.
    pub fn parse(s: &str) -> Result<Self, HintError> {
        let (route, data) = s.split_once(' ').ok_or(HintError::Malformed("no payload"))?;
        let hex = data.strip_prefix("0x").ok_or(HintError::Malformed("payload without 0x"))?;
        let bytes = alloy_primitives::hex::decode(hex)
            .map_err(|_| HintError::Malformed("payload is not hex"))?;
        let (route, want): (&'static str, usize) = match route {
            "l1-block-header" => ("l1-block-header", 32),
            "l1-transactions" => ("l1-transactions", 32),
            "l1-receipts" => ("l1-receipts", 32),
            "l1-blob" => ("l1-blob", 64),
            "l2-block-header" => ("l2-block-header", 32),
            "l2-transactions" => ("l2-transactions", 32),
            "l2-output" => ("l2-output", 32),
            "l2-payload-witness" => ("l2-payload-witness", 32),
            other => return Err(HintError::UnknownRoute(other.chars().take(64).collect())),
        };
        // The payload witness carries attributes of any length after the parent hash.
        let fits =
            if route == "l2-payload-witness" { bytes.len() >= want } else { bytes.len() == want };
        if !fits {
            return Err(HintError::Length { route, len: bytes.len(), want });
        }
        let word = |at: usize| B256::from_slice(&bytes[at..at + 32]);
        Ok(match route {
            "l1-block-header" => Self::L1BlockHeader(word(0)),
            "l1-transactions" => Self::L1Transactions(word(0)),
            "l1-receipts" => Self::L1Receipts(word(0)),
            "l1-blob" => Self::L1Blob { hash: word(0), block: word(32) },
            "l2-block-header" => Self::L2BlockHeader(word(0)),
            "l2-transactions" => Self::L2Transactions(word(0)),
            "l2-output" => Self::L2Output(word(0)),
            _ => Self::L2PayloadWitness {
                parent: word(0),
                attributes: Bytes::copy_from_slice(&bytes[32..]),
            },
        })
    }
}

impl core::fmt::Display for Hint {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{} 0x{}", self.route(), alloy_primitives::hex::encode(self.payload()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn hint() -> impl Strategy<Value = Hint> {
        let h = any::<[u8; 32]>().prop_map(B256::from);
        prop_oneof![
            h.clone().prop_map(Hint::L1BlockHeader),
            h.clone().prop_map(Hint::L1Transactions),
            h.clone().prop_map(Hint::L1Receipts),
            (h.clone(), h.clone()).prop_map(|(hash, block)| Hint::L1Blob { hash, block }),
            h.clone().prop_map(Hint::L2BlockHeader),
            h.clone().prop_map(Hint::L2Transactions),
            h.clone().prop_map(Hint::L2Output),
            (h, proptest::collection::vec(any::<u8>(), 0..64))
                .prop_map(|(parent, a)| Hint::L2PayloadWitness { parent, attributes: a.into() }),
        ]
    }

    proptest! {
        #[test]
        fn hints_round_trip(h in hint()) {
            prop_assert_eq!(Hint::parse(&h.to_string()), Ok(h));
        }

        #[test]
        fn any_string_parses_or_errs(s in ".{0,120}") {
            let _ = Hint::parse(&s);
        }
    }

    #[test]
    fn bad_hints_are_typed_errors() {
        assert_eq!(Hint::parse("l1-blob"), Err(HintError::Malformed("no payload")));
        assert_eq!(Hint::parse("l1-blob 00"), Err(HintError::Malformed("payload without 0x")));
        assert_eq!(Hint::parse("l1-blob 0xzz"), Err(HintError::Malformed("payload is not hex")));
        assert_eq!(
            Hint::parse("l1-blob 0x00"),
            Err(HintError::Length { route: "l1-blob", len: 1, want: 64 })
        );
        assert_eq!(Hint::parse("x 0x"), Err(HintError::UnknownRoute("x".into())));
    }
}
