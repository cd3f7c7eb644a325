//! The pipeline's errors and their severity: what the driver loop does with each (digest §4.11).
//!
//! - [`Severity::Temporary`]: wait or retry; nothing is lost (a source was unavailable, or a
//!   stage needs more L1 data).
//! - [`Severity::Reset`]: L1 or L2 moved under the pipeline (a reorg); re-derive from a reset
//!   point.
//! - [`Severity::Critical`]: the chain's data breaks a rule that cannot be skipped (a malformed
//!   deposit, an unsupported fork); stop and tell the operator.
//!
//! Bad *batcher* data is never an error here: frames, channels and batches that fail their rules
//! are dropped with a log line, because anyone can post to the inbox.

use alloc::string::String;
use alloy_primitives::B256;

pub use lamina_protocol::{Classify, Severity};

/// A port's failure, with the severity the adapter judged it to have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SourceError {
    /// The source could not answer now (connection lost, rate limit, blobs not yet served).
    #[error("source unavailable: {0}")]
    Unavailable(String),
    /// Data the chain should have is not there: the block was reorged out.
    #[error("not found: {0}")]
    NotFound(String),
    /// The source answered with something that cannot be right.
    #[error("invalid source data: {0}")]
    Invalid(String),
}

/// Why a pipeline step did not produce payload attributes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PipelineError {
    /// The stages have consumed everything of the current L1 origin: advance L1.
    #[error("end of data at the current L1 origin")]
    Eof,
    /// A stage made progress but has nothing to hand up yet: step again.
    #[error("not enough data yet")]
    NotEnoughData,
    /// A port failed.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// The next L1 block does not build on the current origin.
    #[error("L1 reorg: block {number} has parent {parent}, the origin was {expected}")]
    L1Reorg {
        /// The new block's number.
        number: u64,
        /// Its parent hash.
        parent: B256,
        /// The hash of the origin it should have built on.
        expected: B256,
    },
    /// The safe head and the pipeline's view of L1 disagree (a reorg on either side).
    #[error("reset needed: {0}")]
    Inconsistent(String),
    /// The pipeline has no L1 origin: it was never reset.
    #[error("the pipeline has no L1 origin; reset it first")]
    NotStarted,
    /// A deposit or config-update log the chain carries cannot be read.
    #[error("unreadable L1 log in block {block}: {reason}")]
    BadL1Log {
        /// The L1 block.
        block: B256,
        /// What is wrong.
        reason: String,
    },
    /// Something this version does not implement is required by the chain.
    #[error("unsupported: {0}")]
    Unsupported(String),
}

impl Classify for SourceError {
    fn severity(&self) -> Severity {
        match self {
            Self::Unavailable(_) => Severity::Temporary,
            Self::NotFound(_) => Severity::Reset,
            Self::Invalid(_) => Severity::Critical,
        }
    }
}

impl Classify for PipelineError {
    fn severity(&self) -> Severity {
        match self {
            Self::Eof | Self::NotEnoughData => Severity::Temporary,
            Self::Source(e) => e.severity(),
            Self::L1Reorg { .. } | Self::Inconsistent(_) | Self::NotStarted => Severity::Reset,
            Self::BadL1Log { .. } | Self::Unsupported(_) => Severity::Critical,
        }
    }
}
