//! Batches: what a channel carries (digest §4.5–4.7). Each channel item is an RLP byte string
//! holding `batch_type ++ batch_content`.

use alloc::vec::Vec;
pub mod single;
pub mod span;

use alloy_rlp::{Decodable, Encodable};

pub use single::{BlockToBatchError, SingleBatch};
pub use span::{RawSpanBatch, SpanBatch, SpanBatchElement, SpanBatchError, SpanTxError};

use crate::{
    codec::{Cursor, DecodeError, DecodeErrorKind},
    constants::{SINGLE_BATCH_TYPE, SPAN_BATCH_TYPE},
};

/// A batch as read from a channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Batch {
    /// Version 0: one block.
    Single(SingleBatch),
    /// Version 1: many blocks.
    Span(RawSpanBatch),
}

impl Batch {
    /// The batch type byte.
    pub const fn batch_type(&self) -> u8 {
        match self {
            Self::Single(_) => SINGLE_BATCH_TYPE,
            Self::Span(_) => SPAN_BATCH_TYPE,
        }
    }

    /// `batch_type ++ batch_content`.
    pub fn encode(&self) -> Vec<u8> {
        match self {
            Self::Single(b) => {
                let mut out = Vec::with_capacity(1 + b.length());
                out.push(SINGLE_BATCH_TYPE);
                b.encode(&mut out);
                out
            }
            Self::Span(b) => {
                let body = b.encode();
                let mut out = Vec::with_capacity(1 + body.len());
                out.push(SPAN_BATCH_TYPE);
                out.extend_from_slice(&body);
                out
            }
        }
    }

    /// The channel item: the encoding wrapped as an RLP byte string.
    pub fn encode_channel_item(&self) -> Vec<u8> {
        let inner = self.encode();
        let mut out = Vec::with_capacity(inner.len() + 5);
        inner.as_slice().encode(&mut out);
        out
    }

    /// Decodes `batch_type ++ batch_content`. Bytes after a complete batch are ignored, as
    /// derivation requires; an unknown type is an error.
    pub fn decode(data: &[u8]) -> Result<Self, DecodeError> {
        let mut c = Cursor::new(data);
        match c.u8("batch_type")? {
            SINGLE_BATCH_TYPE => {
                let mut rest = c.rest();
                SingleBatch::decode(&mut rest)
                    .map(Self::Single)
                    .map_err(|e| DecodeError::new("single_batch", 1, DecodeErrorKind::Rlp(e)))
            }
            SPAN_BATCH_TYPE => RawSpanBatch::decode(&mut c).map(Self::Span),
            _ => Err(DecodeError::new(
                "batch_type",
                0,
                DecodeErrorKind::Invalid("unknown batch type"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_type_is_rejected_at_byte_zero() {
        let err = Batch::decode(&[2, 0]).unwrap_err();
        assert_eq!((err.field, err.offset), ("batch_type", 0));
        assert_eq!(Batch::decode(&[]).unwrap_err().field, "batch_type");
    }

    #[test]
    fn single_batch_ignores_trailing_bytes() {
        let b = Batch::Single(SingleBatch { timestamp: 7, ..Default::default() });
        let mut enc = b.encode();
        enc.extend_from_slice(&[1, 2, 3]);
        assert_eq!(Batch::decode(&enc).unwrap(), b);
    }
}
