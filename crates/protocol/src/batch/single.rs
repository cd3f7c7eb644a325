//! Singular (version 0) batches: one L2 block's sequenced txs and its epoch (digest §4.6).
//!
//! `batch = 0x00 ++ rlp([parent_hash, epoch_number, epoch_hash, timestamp, transaction_list])`.

use alloc::{
    string::{String, ToString},
    vec::Vec,
};
use alloy_primitives::{B256, Bytes};
use alloy_rlp::{RlpDecodable, RlpEncodable};

use crate::{
    block::BlockId, constants::DEPOSIT_TX_TYPE, deposit::TxDeposit, l1_info::L1BlockInfoTx,
};

/// A singular batch.
#[derive(Debug, Clone, Default, PartialEq, Eq, RlpEncodable, RlpDecodable)]
pub struct SingleBatch {
    /// Hash of the L2 parent block.
    pub parent_hash: B256,
    /// L1 origin (epoch) number.
    pub epoch_num: u64,
    /// L1 origin (epoch) hash.
    pub epoch_hash: B256,
    /// L2 block timestamp.
    pub timestamp: u64,
    /// The block's non-deposit txs, EIP-2718 encoded.
    pub transactions: Vec<Bytes>,
}

/// Why an L2 block could not be turned into a batch.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlockToBatchError {
    /// The block has no transactions; every L2 block starts with the L1-info deposit.
    #[error("block has no transactions")]
    Empty,
    /// The first tx is not a deposit carrying L1-info calldata.
    #[error("first tx is not an L1-info deposit: {0}")]
    NotL1Info(String),
}

impl SingleBatch {
    /// The epoch as a block id.
    pub const fn epoch(&self) -> BlockId {
        BlockId { hash: self.epoch_hash, number: self.epoch_num }
    }

    /// Builds the batch of an L2 block from its parent hash, timestamp and raw txs: the epoch is
    /// read from the L1-info deposit (tx 0) and every deposit is left out.
    pub fn from_block_txs(
        parent_hash: B256,
        timestamp: u64,
        txs: &[Bytes],
    ) -> Result<Self, BlockToBatchError> {
        let first = txs.first().ok_or(BlockToBatchError::Empty)?;
        let deposit = TxDeposit::decode_2718(first)
            .map_err(|e| BlockToBatchError::NotL1Info(e.to_string()))?;
        let info = L1BlockInfoTx::decode_calldata(&deposit.input)
            .map_err(|e| BlockToBatchError::NotL1Info(e.to_string()))?;
        Ok(Self {
            parent_hash,
            epoch_num: info.number(),
            epoch_hash: info.block_hash(),
            timestamp,
            transactions: txs
                .iter()
                .filter(|tx| tx.first() != Some(&DEPOSIT_TX_TYPE))
                .cloned()
                .collect(),
        })
    }
}
