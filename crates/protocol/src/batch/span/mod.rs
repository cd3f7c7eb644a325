//! Span batches (Delta, digest §4.7): many consecutive L2 blocks in one batch, their txs stored
//! column by column so that compression finds the repetition.
//!
//! [`RawSpanBatch`] is the wire form, byte for byte. [`SpanBatch`] is the meaning: per block its
//! timestamp, L1 origin and full signed txs. Converting between them needs the L2 genesis time,
//! block time and chain id, which the wire form leaves out.

use alloc::vec::Vec;
pub mod bits;
mod raw;
pub mod tx_data;
pub mod txs;

use alloy_primitives::{B256, Bytes, FixedBytes};

pub use raw::RawSpanBatch;
pub use tx_data::SpanTxData;
pub use txs::{SpanBatchTxs, SpanTxError};

use super::single::SingleBatch;
use crate::block::{BlockId, L2BlockInfo};

/// One block of a span batch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpanBatchElement {
    /// L1 origin number.
    pub epoch_num: u64,
    /// L2 timestamp.
    pub timestamp: u64,
    /// Full signed txs, EIP-2718 encoded.
    pub transactions: Vec<Bytes>,
}

/// A decoded span batch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpanBatch {
    /// First 20 bytes of the first block's parent hash.
    pub parent_check: FixedBytes<20>,
    /// First 20 bytes of the last block's L1 origin hash.
    pub l1_origin_check: FixedBytes<20>,
    /// Whether the first block starts a new epoch relative to its parent (origin bit 0).
    pub first_block_new_epoch: bool,
    /// The blocks.
    pub elements: Vec<SpanBatchElement>,
}

/// Why a span batch could not be built or interpreted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpanBatchError {
    /// No blocks.
    #[error("span batch has no blocks")]
    Empty,
    /// A tx could not be converted.
    #[error(transparent)]
    Tx(#[from] SpanTxError),
    /// The origin bits would take an origin number below zero.
    #[error("origin bits underflow the l1 origin number")]
    OriginUnderflow,
    /// A timestamp computation overflowed.
    #[error("timestamp overflow")]
    TimestampOverflow,
    /// Block timestamps are not spaced by the block time, or start before genesis.
    #[error("block {index} has timestamp {timestamp}, expected {expected}")]
    MisalignedTimestamp {
        /// Index of the block.
        index: usize,
        /// Its timestamp.
        timestamp: u64,
        /// What the span requires.
        expected: u64,
    },
    /// Origins go backwards or jump by more than one between blocks.
    #[error("block {index} has epoch {epoch}, not the previous epoch or the next")]
    NonContiguousEpoch {
        /// Index of the block.
        index: usize,
        /// Its epoch number.
        epoch: u64,
    },
    /// An epoch number needed for a singular batch has no known hash.
    #[error("no l1 origin hash known for epoch {0}")]
    UnknownEpoch(u64),
    /// The block counts and tx columns disagree.
    #[error("span batch columns are inconsistent")]
    Inconsistent,
}

impl SpanBatch {
    /// Interprets a raw span batch for a chain with the given genesis time, block time and chain
    /// id: rebuilds timestamps, origins and full txs.
    pub fn from_raw(
        raw: &RawSpanBatch,
        genesis_time: u64,
        block_time: u64,
        chain_id: u64,
    ) -> Result<Self, SpanBatchError> {
        if raw.block_count() == 0 {
            return Err(SpanBatchError::Empty);
        }
        if raw.origin_bits.len() != raw.block_count() {
            return Err(SpanBatchError::Inconsistent);
        }
        let origins = raw.l1_origin_numbers().ok_or(SpanBatchError::OriginUnderflow)?;
        let start =
            genesis_time.checked_add(raw.rel_timestamp).ok_or(SpanBatchError::TimestampOverflow)?;
        let txs = raw.txs.full_txs(chain_id)?;
        let mut txs = txs.into_iter();
        let mut elements = Vec::with_capacity(raw.block_count());
        for (i, count) in raw.block_tx_counts.iter().enumerate() {
            let timestamp = (i as u64)
                .checked_mul(block_time)
                .and_then(|d| start.checked_add(d))
                .ok_or(SpanBatchError::TimestampOverflow)?;
            let transactions: Vec<Bytes> = txs.by_ref().take(*count as usize).collect();
            if transactions.len() as u64 != *count {
                return Err(SpanBatchError::Inconsistent);
            }
            elements.push(SpanBatchElement { epoch_num: origins[i], timestamp, transactions });
        }
        Ok(Self {
            parent_check: raw.parent_check,
            l1_origin_check: raw.l1_origin_check,
            first_block_new_epoch: raw.origin_bits[0],
            elements,
        })
    }

    /// Encodes into wire form for a chain with the given genesis time, block time and chain id.
    pub fn to_raw(
        &self,
        genesis_time: u64,
        block_time: u64,
        chain_id: u64,
    ) -> Result<RawSpanBatch, SpanBatchError> {
        let first = self.elements.first().ok_or(SpanBatchError::Empty)?;
        let last = self.elements.last().ok_or(SpanBatchError::Empty)?;
        let rel_timestamp = first.timestamp.checked_sub(genesis_time).ok_or(
            SpanBatchError::MisalignedTimestamp {
                index: 0,
                timestamp: first.timestamp,
                expected: genesis_time,
            },
        )?;
        let mut raw = RawSpanBatch {
            rel_timestamp,
            l1_origin_num: last.epoch_num,
            parent_check: self.parent_check,
            l1_origin_check: self.l1_origin_check,
            ..Default::default()
        };
        for (i, el) in self.elements.iter().enumerate() {
            let expected = (i as u64)
                .checked_mul(block_time)
                .and_then(|d| first.timestamp.checked_add(d))
                .ok_or(SpanBatchError::TimestampOverflow)?;
            if el.timestamp != expected {
                return Err(SpanBatchError::MisalignedTimestamp {
                    index: i,
                    timestamp: el.timestamp,
                    expected,
                });
            }
            let new_epoch = if i == 0 {
                self.first_block_new_epoch
            } else {
                let prev = self.elements[i - 1].epoch_num;
                if el.epoch_num != prev && Some(el.epoch_num) != prev.checked_add(1) {
                    return Err(SpanBatchError::NonContiguousEpoch {
                        index: i,
                        epoch: el.epoch_num,
                    });
                }
                el.epoch_num != prev
            };
            raw.origin_bits.push(new_epoch);
            raw.block_tx_counts.push(el.transactions.len() as u64);
            for tx in &el.transactions {
                raw.txs.push_tx(tx, chain_id)?;
            }
        }
        Ok(raw)
    }

    /// Builds a span batch from consecutive singular batches. `parent_epoch` is the L1 origin
    /// number of the first batch's parent block (it decides origin bit 0).
    pub fn from_singular(
        batches: &[SingleBatch],
        parent_epoch: u64,
    ) -> Result<Self, SpanBatchError> {
        let first = batches.first().ok_or(SpanBatchError::Empty)?;
        let last = batches.last().ok_or(SpanBatchError::Empty)?;
        Ok(Self {
            parent_check: FixedBytes::from_slice(&first.parent_hash[..20]),
            l1_origin_check: FixedBytes::from_slice(&last.epoch_hash[..20]),
            first_block_new_epoch: first.epoch_num != parent_epoch,
            elements: batches
                .iter()
                .map(|b| SpanBatchElement {
                    epoch_num: b.epoch_num,
                    timestamp: b.timestamp,
                    transactions: b.transactions.clone(),
                })
                .collect(),
        })
    }

    /// The singular batches of the blocks after `parent` (blocks at or before its timestamp are
    /// already on the chain and are skipped). `l1_origins` must hold the hash of every epoch the
    /// span refers to. The first batch's `parent_hash` is `parent.hash`; the later ones' are
    /// zero, because a block's hash is only known once its predecessor has been built: the batch
    /// queue fills them in as it goes.
    pub fn to_singular(
        &self,
        l1_origins: &[BlockId],
        parent: &L2BlockInfo,
    ) -> Result<Vec<SingleBatch>, SpanBatchError> {
        let mut out = Vec::new();
        for el in self.elements.iter().filter(|e| e.timestamp > parent.timestamp) {
            let epoch_hash = l1_origins
                .iter()
                .find(|o| o.number == el.epoch_num)
                .map(|o| o.hash)
                .ok_or(SpanBatchError::UnknownEpoch(el.epoch_num))?;
            out.push(SingleBatch {
                parent_hash: if out.is_empty() { parent.hash } else { B256::ZERO },
                epoch_num: el.epoch_num,
                epoch_hash,
                timestamp: el.timestamp,
                transactions: el.transactions.clone(),
            });
        }
        Ok(out)
    }

    /// Total number of txs.
    pub fn tx_count(&self) -> usize {
        self.elements.iter().map(|e| e.transactions.len()).sum()
    }
}
