//! Block references shared by derivation, the engine and the services.

use alloy_consensus::Header;
use alloy_primitives::B256;
use serde::{Deserialize, Serialize};

use crate::{
    RollupConfig,
    codec::{DecodeError, DecodeErrorKind},
    deposit::TxDeposit,
    l1_info::L1BlockInfoTx,
};

/// A block's number and hash: the `{hash, number}` objects of `rollup.json`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BlockId {
    /// Block hash.
    pub hash: B256,
    /// Block number.
    pub number: u64,
}

/// The three heads of an L2 chain: the engine persists them, the rollup node reads them
/// through its engine port, and derivation's reset search starts from them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Forkchoice {
    /// The newest block (unsafe: not yet derived from L1).
    pub head: BlockId,
    /// The newest block derived from L1.
    pub safe: BlockId,
    /// The newest block derived from finalized L1 data.
    pub finalized: BlockId,
}

/// What derivation needs to know of an L1 block.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct L1BlockInfo {
    /// Block hash.
    pub hash: B256,
    /// Block number.
    pub number: u64,
    /// Parent block hash.
    pub parent_hash: B256,
    /// Block timestamp.
    pub timestamp: u64,
}

impl L1BlockInfo {
    /// The `(hash, number)` of this block.
    pub const fn id(&self) -> BlockId {
        BlockId { hash: self.hash, number: self.number }
    }
}

/// What derivation needs to know of an L2 block: its identity, its L1 origin (epoch) and its
/// position in the epoch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct L2BlockInfo {
    /// Block hash.
    pub hash: B256,
    /// Block number.
    pub number: u64,
    /// Parent block hash.
    pub parent_hash: B256,
    /// Block timestamp.
    pub timestamp: u64,
    /// The L1 block this L2 block's epoch refers to.
    pub l1_origin: BlockId,
    /// Distance from the first L2 block of the epoch (0 for the first).
    pub seq_num: u64,
}

impl L2BlockInfo {
    /// The `(hash, number)` of this block.
    pub const fn id(&self) -> BlockId {
        BlockId { hash: self.hash, number: self.number }
    }

    /// The sequence number of a child of this block whose L1 origin is block `origin`: one more
    /// within the same epoch, 0 when the child starts a new one.
    pub const fn child_seq_num(&self, origin: u64) -> u64 {
        if origin == self.l1_origin.number { self.seq_num + 1 } else { 0 }
    }

    /// The info of a child of this block: block `hash` at `timestamp` with L1 origin
    /// `l1_origin`.
    pub const fn child(&self, hash: B256, timestamp: u64, l1_origin: BlockId) -> Self {
        Self {
            hash,
            number: self.number + 1,
            parent_hash: self.hash,
            timestamp,
            l1_origin,
            seq_num: self.child_seq_num(l1_origin.number),
        }
    }

    /// The info of an L2 block, recovered from its header and its first tx (the L1-info
    /// deposit, which names the epoch and the sequence number): how a restarted node, and the
    /// proof program, know a block's place without replaying L1. The genesis block has no
    /// L1-info tx; its origin is the rollup config's.
    pub fn of_block(
        cfg: &RollupConfig,
        header: &Header,
        first_tx: Option<&[u8]>,
    ) -> Result<Self, DecodeError> {
        let (number, hash) = (header.number, header.hash_slow());
        let (l1_origin, seq_num) = if number == cfg.genesis.l2.number {
            (cfg.genesis.l1, 0)
        } else {
            let first = first_tx.ok_or_else(|| {
                DecodeError::new("l1_info_tx", 0, DecodeErrorKind::Invalid("the block has no txs"))
            })?;
            let info = L1BlockInfoTx::decode_calldata(&TxDeposit::decode_2718(first)?.input)?;
            (BlockId { number: info.number(), hash: info.block_hash() }, info.sequence_number())
        };
        Ok(Self {
            hash,
            number,
            parent_hash: header.parent_hash,
            timestamp: header.timestamp,
            l1_origin,
            seq_num,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn children_count_within_their_epoch_and_restart_at_a_new_one() {
        let origin = BlockId { number: 7, hash: B256::repeat_byte(7) };
        let parent =
            L2BlockInfo { number: 10, seq_num: 2, l1_origin: origin, ..Default::default() };
        let same = parent.child(B256::repeat_byte(1), 22, origin);
        assert_eq!((same.number, same.seq_num, same.parent_hash), (11, 3, parent.hash));
        let next = BlockId { number: 8, hash: B256::repeat_byte(8) };
        assert_eq!(parent.child(B256::repeat_byte(2), 24, next).seq_num, 0);
    }

    #[test]
    fn a_block_without_an_l1_info_tx_is_an_error_and_genesis_needs_none() {
        let cfg = RollupConfig::dev();
        let genesis = Header { number: cfg.genesis.l2.number, ..Default::default() };
        let info = L2BlockInfo::of_block(&cfg, &genesis, None).unwrap();
        assert_eq!((info.l1_origin, info.seq_num), (cfg.genesis.l1, 0));
        let later = Header { number: cfg.genesis.l2.number + 1, ..Default::default() };
        assert!(L2BlockInfo::of_block(&cfg, &later, None).is_err());
        assert!(L2BlockInfo::of_block(&cfg, &later, Some(&[0x7e, 0xc0])).is_err());
    }
}
