//! The node's view of both chains, as `optimism_syncStatus` reports it, in op-node's JSON shapes
//! (`parentHash`, `l1origin`, `sequenceNumber`), so existing tooling reads it unchanged.

use alloy_primitives::B256;
use lamina_protocol::{
    BlockId,
    block::{L1BlockInfo, L2BlockInfo},
};
use serde::Serialize;

/// An L1 block reference.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct L1Ref {
    /// Hash.
    pub hash: B256,
    /// Number.
    pub number: u64,
    /// Parent hash.
    pub parent_hash: B256,
    /// Timestamp.
    pub timestamp: u64,
}

impl From<L1BlockInfo> for L1Ref {
    fn from(b: L1BlockInfo) -> Self {
        Self { hash: b.hash, number: b.number, parent_hash: b.parent_hash, timestamp: b.timestamp }
    }
}

/// An L2 block reference.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct L2Ref {
    /// Hash.
    pub hash: B256,
    /// Number.
    pub number: u64,
    /// Parent hash.
    pub parent_hash: B256,
    /// Timestamp.
    pub timestamp: u64,
    /// The L1 origin.
    #[serde(rename = "l1origin")]
    pub l1_origin: BlockId,
    /// Position in the epoch.
    pub sequence_number: u64,
}

impl From<L2BlockInfo> for L2Ref {
    fn from(b: L2BlockInfo) -> Self {
        Self {
            hash: b.hash,
            number: b.number,
            parent_hash: b.parent_hash,
            timestamp: b.timestamp,
            l1_origin: b.l1_origin,
            sequence_number: b.seq_num,
        }
    }
}

/// `optimism_syncStatus`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncStatus {
    /// The L1 block derivation is reading.
    pub current_l1: L1Ref,
    /// The finalized L1 block when derivation last looked.
    pub current_l1_finalized: L1Ref,
    /// L1's head.
    pub head_l1: L1Ref,
    /// L1's safe block.
    pub safe_l1: L1Ref,
    /// L1's finalized block.
    pub finalized_l1: L1Ref,
    /// The unsafe L2 head.
    pub unsafe_l2: L2Ref,
    /// The safe L2 head.
    pub safe_l2: L2Ref,
    /// The finalized L2 head.
    pub finalized_l2: L2Ref,
    /// The safe head derivation works on (the safe head: blocks are applied one at a time).
    pub pending_safe_l2: L2Ref,
    /// No interop: the unsafe head.
    pub cross_unsafe_l2: L2Ref,
    /// No interop: the safe head.
    pub local_safe_l2: L2Ref,
}
