//! Deposit source hashes: `keccak(u256(domain) ++ keccak(payload))` (digest §2.3).
//!
//! ```
//! use alloy_primitives::{B256, b256};
//! use lamina_protocol::deposit::DepositSource;
//!
//! let user = DepositSource::User { l1_block_hash: B256::ZERO, log_index: 0 };
//! assert_eq!(
//!     user.source_hash(),
//!     b256!("ed428e1c45e1d9561b62834e1a2d3015a0caae3bfdc16b4da059ac885b01a145")
//! );
//! ```

use alloy_primitives::{B256, U256, keccak256};

/// What a deposit came from; each kind is its own hash domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DepositSource<'a> {
    /// A user deposit: the L1 block and the log's block-global index.
    User {
        /// Hash of the L1 block holding the log.
        l1_block_hash: B256,
        /// Index of the log among all logs of that block.
        log_index: u64,
    },
    /// The L1-info deposit of an L2 block.
    L1Info {
        /// Hash of the epoch's L1 block.
        l1_block_hash: B256,
        /// Position of the L2 block in its epoch.
        seq_number: u64,
    },
    /// A network-upgrade deposit, named by its intent string.
    Upgrade {
        /// E.g. `"Ecotone: L1 Block Deployment"`.
        intent: &'a str,
    },
    /// Interop's "deposits complete" marker (domain 3); named for completeness.
    AfterForceInclude {
        /// Hash of the epoch's L1 block.
        l1_block_hash: B256,
        /// Position of the L2 block in its epoch.
        seq_number: u64,
    },
}

impl DepositSource<'_> {
    /// The domain number.
    pub const fn domain(&self) -> u64 {
        match self {
            Self::User { .. } => 0,
            Self::L1Info { .. } => 1,
            Self::Upgrade { .. } => 2,
            Self::AfterForceInclude { .. } => 3,
        }
    }

    /// The source hash.
    pub fn source_hash(&self) -> B256 {
        let inner = match self {
            Self::User { l1_block_hash, log_index: n }
            | Self::L1Info { l1_block_hash, seq_number: n }
            | Self::AfterForceInclude { l1_block_hash, seq_number: n } => {
                let mut payload = [0u8; 64];
                payload[..32].copy_from_slice(l1_block_hash.as_slice());
                payload[32..].copy_from_slice(&U256::from(*n).to_be_bytes::<32>());
                keccak256(payload)
            }
            Self::Upgrade { intent } => keccak256(intent.as_bytes()),
        };
        let mut outer = [0u8; 64];
        outer[..32].copy_from_slice(&U256::from(self.domain()).to_be_bytes::<32>());
        outer[32..].copy_from_slice(inner.as_slice());
        keccak256(outer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::b256;

    #[test]
    fn user_deposit_of_zero_block_matches_spec_vector() {
        let h = DepositSource::User { l1_block_hash: B256::ZERO, log_index: 0 }.source_hash();
        assert_eq!(h, b256!("ed428e1c45e1d9561b62834e1a2d3015a0caae3bfdc16b4da059ac885b01a145"));
    }
}
