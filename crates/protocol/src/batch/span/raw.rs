//! The span batch wire form (digest §4.7), without its `0x01` type byte:
//!
//! ```text
//! prefix  = rel_timestamp(uvarint) ++ l1_origin_num(uvarint) ++ parent_check(20) ++ l1_origin_check(20)
//! payload = block_count(uvarint) ++ origin_bits(bitlist[block_count]) ++ block_tx_counts(uvarint × block_count) ++ txs
//! ```

use alloc::{vec, vec::Vec};
use alloy_primitives::FixedBytes;

use super::{
    bits::{decode_bits, encode_bits},
    txs::SpanBatchTxs,
};
use crate::{
    codec::{Cursor, DecodeError, DecodeErrorKind, put_uvarint},
    constants::MAX_SPAN_BATCH_ELEMENT_COUNT,
};

/// A span batch exactly as encoded: the prefix and the columns of the payload.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawSpanBatch {
    /// First block's timestamp minus the L2 genesis time.
    pub rel_timestamp: u64,
    /// L1 origin number of the last block.
    pub l1_origin_num: u64,
    /// First 20 bytes of the first block's parent hash.
    pub parent_check: FixedBytes<20>,
    /// First 20 bytes of the last block's L1 origin hash.
    pub l1_origin_check: FixedBytes<20>,
    /// Per block: did it move to a new L1 origin?
    pub origin_bits: Vec<bool>,
    /// Per block: number of txs.
    pub block_tx_counts: Vec<u64>,
    /// The txs of all blocks, in order.
    pub txs: SpanBatchTxs,
}

impl RawSpanBatch {
    /// Number of blocks.
    pub fn block_count(&self) -> usize {
        self.block_tx_counts.len()
    }

    /// Encodes the batch (without the type byte).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + self.txs.len() * 128);
        put_uvarint(&mut out, self.rel_timestamp);
        put_uvarint(&mut out, self.l1_origin_num);
        out.extend_from_slice(self.parent_check.as_slice());
        out.extend_from_slice(self.l1_origin_check.as_slice());
        put_uvarint(&mut out, self.block_tx_counts.len() as u64);
        encode_bits(&self.origin_bits, &mut out);
        for n in &self.block_tx_counts {
            put_uvarint(&mut out, *n);
        }
        self.txs.encode_into(&mut out);
        out
    }

    /// Decodes a batch (without the type byte) from the cursor. Bytes after the batch are left
    /// unread: inside a channel item they are ignored (digest §4.5).
    pub fn decode(c: &mut Cursor<'_>) -> Result<Self, DecodeError> {
        let rel_timestamp = c.uvarint("rel_timestamp")?;
        let l1_origin_num = c.uvarint("l1_origin_num")?;
        let parent_check = FixedBytes(c.array::<20>("parent_check")?);
        let l1_origin_check = FixedBytes(c.array::<20>("l1_origin_check")?);
        let count_at = c.offset();
        let block_count = c.uvarint_max("block_count", MAX_SPAN_BATCH_ELEMENT_COUNT)?;
        if block_count == 0 {
            return Err(DecodeError::new(
                "block_count",
                count_at,
                DecodeErrorKind::Invalid("a span batch has at least one block"),
            ));
        }
        let block_count = block_count as usize;
        let origin_bits = decode_bits(c, block_count, "origin_bits")?;
        if c.remaining() < block_count {
            return Err(c.err(
                "block_tx_counts",
                DecodeErrorKind::UnexpectedEof { needed: block_count, available: c.remaining() },
            ));
        }
        let mut block_tx_counts = Vec::with_capacity(block_count);
        let mut total: u64 = 0;
        for _ in 0..block_count {
            let at = c.offset();
            let n = c.uvarint_max("block_tx_counts", MAX_SPAN_BATCH_ELEMENT_COUNT)?;
            total = total
                .checked_add(n)
                .filter(|t| *t <= MAX_SPAN_BATCH_ELEMENT_COUNT)
                .ok_or_else(|| {
                    DecodeError::new(
                        "block_tx_counts",
                        at,
                        DecodeErrorKind::TooLarge {
                            value: total.saturating_add(n),
                            limit: MAX_SPAN_BATCH_ELEMENT_COUNT,
                        },
                    )
                })?;
            block_tx_counts.push(n);
        }
        let txs = SpanBatchTxs::decode(c, total as usize)?;
        Ok(Self {
            rel_timestamp,
            l1_origin_num,
            parent_check,
            l1_origin_check,
            origin_bits,
            block_tx_counts,
            txs,
        })
    }

    /// Decodes a batch that must occupy all of `data`.
    pub fn decode_exact(data: &[u8]) -> Result<Self, DecodeError> {
        let mut c = Cursor::new(data);
        let batch = Self::decode(&mut c)?;
        if !c.is_empty() {
            return Err(c.err("span_batch", DecodeErrorKind::TrailingBytes(c.remaining())));
        }
        Ok(batch)
    }

    /// The L1 origin number of every block, reconstructed backwards from the last one. `None` if
    /// the origin bits would take it below zero or do not match the block count.
    pub fn l1_origin_numbers(&self) -> Option<Vec<u64>> {
        let n = self.block_count();
        if self.origin_bits.len() != n {
            return None;
        }
        let mut out = vec![0u64; n];
        let mut cur = self.l1_origin_num;
        for i in (0..n).rev() {
            out[i] = cur;
            if i > 0 && self.origin_bits[i] {
                cur = cur.checked_sub(1)?;
            }
        }
        Some(out)
    }
}
