//! Why a driver step failed, with the severity its caller acts on.

use alloc::string::String;
use lamina_protocol::{Classify, Severity};

use crate::{PipelineError, SourceError};

/// A driver step's failure over an executor whose errors are `E`.
#[derive(Debug, thiserror::Error)]
pub enum DriverError<E> {
    /// Derivation failed.
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    /// The executor failed (not the attributes: those are judged by the driver).
    #[error("executor: {0}")]
    Executor(#[source] E),
    /// Holocene: even the deposits-only replacement of an invalid block was refused. Deposits
    /// are L1's own data, so this is a broken executor or chain, never a bad batch.
    #[error("the deposits-only block {number} is invalid too: {reason}")]
    DepositsOnlyRejected {
        /// The block number.
        number: u64,
        /// The executor's reason.
        reason: String,
    },
}

impl<E: Classify> Classify for DriverError<E> {
    fn severity(&self) -> Severity {
        match self {
            Self::Pipeline(e) => e.severity(),
            Self::Executor(e) => e.severity(),
            Self::DepositsOnlyRejected { .. } => Severity::Critical,
        }
    }
}

/// Why no reset point could be found.
#[derive(Debug, thiserror::Error)]
pub enum ResetError {
    /// Reading L1 or L2 failed.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// The L1 origin of a finalized L2 block left the L1 chain: finality was broken, and no
    /// reset can mend it.
    #[error("the L1 origin {origin} of finalized L2 block {block} is not on the L1 chain")]
    FinalizedOriginGone {
        /// The L2 block.
        block: u64,
        /// Its L1 origin's hash.
        origin: alloy_primitives::B256,
    },
    /// The L2 chain lacks a block below its own head.
    #[error("L2 block {0} is missing below the head")]
    MissingL2(u64),
    /// L1 lacks a block below a block it served (a lagging or load-balanced node): try again.
    #[error("L1 block {0} is missing")]
    MissingL1(u64),
}

impl Classify for ResetError {
    fn severity(&self) -> Severity {
        match self {
            Self::Source(e) => e.severity(),
            Self::MissingL1(_) => Severity::Temporary,
            Self::FinalizedOriginGone { .. } | Self::MissingL2(_) => Severity::Critical,
        }
    }
}
