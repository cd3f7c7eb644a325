//! Output roots, version 0 (digest §6.2): the commitment a proposer posts for an L2 block,
//! `keccak(bytes32(0) ++ stateRoot ++ messagePasserStorageRoot ++ blockHash)`.

use alloy_primitives::{B256, keccak256};
use serde::{Deserialize, Serialize};

/// The preimage of an output root v0.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutputRootV0 {
    /// The L2 block's state root.
    pub state_root: B256,
    /// Storage root of the L2ToL1MessagePasser in that state.
    pub message_passer_storage_root: B256,
    /// The L2 block hash.
    pub block_hash: B256,
}

impl OutputRootV0 {
    /// The version word (zero).
    pub const VERSION: B256 = B256::ZERO;

    /// The 128-byte preimage.
    pub fn preimage(&self) -> [u8; 128] {
        let mut out = [0u8; 128];
        out[32..64].copy_from_slice(self.state_root.as_slice());
        out[64..96].copy_from_slice(self.message_passer_storage_root.as_slice());
        out[96..].copy_from_slice(self.block_hash.as_slice());
        out
    }

    /// The output root.
    pub fn hash(&self) -> B256 {
        keccak256(self.preimage())
    }
}
