//! Why a rollup-node loop step failed, with the severity its driver acts on: wait and retry,
//! reset derivation, or stop.

use lamina_derive::{
    PipelineError, SourceError,
    driver::{DriverError, ResetError},
};
use lamina_engine::{EngineError, StoreError};
use lamina_l1::chain::L1Error;
use lamina_protocol::{Classify, Severity};

/// A verifier or sequencer failure.
#[derive(Debug, thiserror::Error)]
pub enum RollupError {
    /// Derivation failed.
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    /// The engine refused or failed an operation.
    #[error("engine: {0}")]
    Engine(#[from] EngineError),
    /// Reading L1 failed.
    #[error(transparent)]
    L1(#[from] L1Error),
    /// The engine's chain cannot be read as a rollup chain.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// A remote engine could not be reached (or timed out, or answered garbage HTTP).
    #[error("engine unreachable: {0}")]
    EngineUnreachable(#[source] jsonrpsee::core::ClientError),
    /// A remote engine answered with an error code outside the Engine API's.
    #[error("engine refused the call: {code}: {message}")]
    EngineRefused {
        /// The JSON-RPC error code.
        code: i32,
        /// Its message.
        message: String,
    },
    /// A remote engine's answer does not have the shape the method defines.
    #[error("engine answer unreadable: {what}: {source}")]
    EngineAnswer {
        /// What was being read.
        what: String,
        /// Why it could not be.
        #[source]
        source: serde_json::Error,
    },
    /// No reset point could be found.
    #[error("reset: {0}")]
    Reset(#[from] ResetError),
    /// Holocene: the deposits-only replacement of an invalid derived block was refused too.
    #[error("the deposits-only block {number} is invalid too: {reason}")]
    DepositsOnlyRejected {
        /// The block number.
        number: u64,
        /// The engine's reason.
        reason: String,
    },
    /// The safe-head database failed.
    #[error(transparent)]
    SafeDb(#[from] super::safe_db::SafeDbError),
    /// The engine lacks a canonical block below its head (or that a caller was told exists).
    #[error("L2 block {0} is missing")]
    MissingBlock(u64),
    /// The engine refused a block the sequencer built on its own head: the engine and the
    /// node disagree on the rules.
    #[error("the engine refused the sequencer's own block {number}: {reason}")]
    OwnBlockRefused {
        /// The block number.
        number: u64,
        /// The engine's reason.
        reason: String,
    },
}

impl From<StoreError> for RollupError {
    fn from(e: StoreError) -> Self {
        Self::Engine(EngineError::Store(e))
    }
}

impl From<DriverError<Self>> for RollupError {
    fn from(e: DriverError<Self>) -> Self {
        match e {
            DriverError::Pipeline(e) => Self::Pipeline(e),
            DriverError::Executor(e) => e,
            DriverError::DepositsOnlyRejected { number, reason } => {
                Self::DepositsOnlyRejected { number, reason }
            }
        }
    }
}

impl Classify for RollupError {
    fn severity(&self) -> Severity {
        match self {
            Self::Pipeline(e) => e.severity(),
            Self::Source(e) => e.severity(),
            Self::Reset(e) => e.severity(),
            Self::L1(e) if e.is_temporary() => Severity::Temporary,
            Self::L1(_) => Severity::Reset,
            Self::EngineUnreachable(_) => Severity::Temporary,
            // The engine's own state is off (a block vanished): derive again from a reset.
            Self::Engine(EngineError::InvalidForkchoiceState(_) | EngineError::UnknownPayload) => {
                Severity::Reset
            }
            Self::Engine(_)
            | Self::EngineRefused { .. }
            | Self::EngineAnswer { .. }
            | Self::MissingBlock(_)
            | Self::OwnBlockRefused { .. }
            | Self::SafeDb(_)
            | Self::DepositsOnlyRejected { .. } => Severity::Critical,
        }
    }
}
