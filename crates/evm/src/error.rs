//! Execution errors. A caller decides by kind: an invalid input (a bad tx or bad attributes) is
//! the block builder's or the batch's fault and leaves the state untouched; a database error is
//! the node's problem.

use alloc::string::String;
use alloy_primitives::B256;

/// Why a block could not be executed.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// The attributes cannot be built on this parent.
    #[error("invalid attributes: {0}")]
    InvalidAttributes(String),
    /// A transaction's bytes are not a valid EIP-2718 tx, or its signature does not recover.
    #[error("tx {index}: cannot decode: {reason}")]
    TxDecode {
        /// Position in the block.
        index: usize,
        /// What failed.
        reason: String,
    },
    /// A (non-deposit) transaction is invalid in this state (nonce, balance, gas, fee cap …).
    #[error("tx {index} ({hash}): invalid: {reason}")]
    InvalidTx {
        /// Position in the block.
        index: usize,
        /// Tx hash.
        hash: B256,
        /// Why the EVM rejected it.
        reason: String,
    },
    /// The state could not be read.
    #[error("state database: {0}")]
    Database(String),
    /// Computing the state root failed.
    #[error("state root: {0}")]
    StateRoot(String),
    /// A read-only call was stopped by its caller (a timeout) before it finished.
    #[error("execution interrupted")]
    Interrupted,
}

impl ExecError {
    /// True when the input was at fault (the block is invalid), false when the node was.
    pub const fn is_invalid_input(&self) -> bool {
        matches!(self, Self::InvalidAttributes(_) | Self::TxDecode { .. } | Self::InvalidTx { .. })
    }
}
