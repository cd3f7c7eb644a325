//! Why an engine operation failed. The Engine API maps each kind to its JSON-RPC error code;
//! [`EngineError::is_internal`] separates the caller's fault from the node's.

use lamina_evm::ExecError;

use crate::store::StoreError;

/// An Engine API or engine-service failure.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// `getPayload` for an id this engine never issued, or whose parent was reorged away.
    #[error("unknown payload")]
    UnknownPayload,
    /// The forkchoice state is inconsistent (safe or finalized not canonical, out of order,
    /// finality going back, a head below the finalized block).
    #[error("invalid forkchoice state: {0}")]
    InvalidForkchoiceState(String),
    /// The payload attributes cannot be built on the head.
    #[error("invalid payload attributes: {0}")]
    InvalidPayloadAttributes(String),
    /// The method version does not match the fork of the payload or attributes.
    #[error("unsupported fork: {0}")]
    UnsupportedFork(String),
    /// The request is malformed.
    #[error("invalid params: {0}")]
    InvalidParams(String),
    /// The genesis or data directory does not fit the configured chain.
    #[error("genesis: {0}")]
    Genesis(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Execution failed for a reason that is not the input's fault.
    #[error("execution: {0}")]
    Exec(ExecError),
}

impl EngineError {
    /// True when the node, not the request, is at fault (log it loudly; the caller may retry).
    pub const fn is_internal(&self) -> bool {
        matches!(self, Self::Store(_) | Self::Exec(_) | Self::Genesis(_))
    }
}
