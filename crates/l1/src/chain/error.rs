//! Why an L1 read or write failed, with the severity a loop decides by.

use lamina_protocol::{Classify, Severity};

/// An L1 failure.
#[derive(Debug, thiserror::Error)]
pub enum L1Error {
    /// The node could not be reached, timed out or is rate limiting us after retries: worth
    /// trying again later.
    #[error("L1 unavailable: {0}")]
    Unavailable(String),
    /// The node answered with an error (a refused tx, an unknown method, a bad request).
    #[error("L1 node error {code}: {message}")]
    Rpc {
        /// JSON-RPC error code.
        code: i64,
        /// Its message.
        message: String,
    },
    /// A call reverted.
    #[error("call reverted: {reason}")]
    Reverted {
        /// The decoded reason, or the revert data in hex.
        reason: String,
        /// The revert data.
        data: alloy_primitives::Bytes,
    },
    /// The node served a block's transactions or receipts that its header does not commit to
    /// (a faulty or lying endpoint): nothing of it is believed, and another read, perhaps
    /// from another endpoint, may do.
    #[error("L1 endpoint {endpoint} served {what} that do not match the block's header")]
    Inconsistent {
        /// The endpoint (host and port only: a provider's URL path may hold an API key).
        endpoint: String,
        /// What was wrong, e.g. "receipts of block 0x…".
        what: String,
    },
    /// The node's answer does not make sense (a block whose hash differs from its header's).
    #[error("L1 answer malformed: {0}")]
    Malformed(String),
    /// A block's blobs could not be had: the beacon node does not have them (yet, or any
    /// more: past its retention an archive is needed).
    #[error("blobs of L1 block {block} missing: {reason}")]
    MissingBlobs {
        /// The L1 block.
        block: alloy_primitives::B256,
        /// What the source said.
        reason: String,
    },
    /// Blobs were asked of an L1 client without a beacon API.
    #[error("no beacon API configured (blobs need one: --l1.beacon)")]
    NoBeacon,
    /// An in-process chain (the dev L1) failed or refused.
    #[error(transparent)]
    Local(Box<dyn std::error::Error + Send + Sync>),
}

impl L1Error {
    /// Whether trying again later may succeed (the loop waits and retries; anything else is
    /// reported).
    pub const fn is_temporary(&self) -> bool {
        // A beacon node may lag its execution node by a slot; a pruned blob stays missing,
        // and says so in the retried error.
        matches!(self, Self::Unavailable(_) | Self::MissingBlobs { .. } | Self::Inconsistent { .. })
    }
}

impl Classify for L1Error {
    fn severity(&self) -> Severity {
        if self.is_temporary() { Severity::Temporary } else { Severity::Critical }
    }
}
