//! Block references shared by derivation, the engine and the services.

use alloy_primitives::B256;
use serde::{Deserialize, Serialize};

/// A block's number and hash: the `{hash, number}` objects of `rollup.json`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BlockId {
    /// Block hash.
    pub hash: B256,
    /// Block number.
    pub number: u64,
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
}
