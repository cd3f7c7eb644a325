//! The driver: the one loop that joins derivation and execution, shared by the rollup node's
//! verifier and (later) the proof program. Given a pipeline, the safe head and an
//! [`Executor`], [`step`] produces the next safe block: it asks the pipeline for attributes,
//! has them executed, and applies the rules for a block the executor refuses — before
//! Holocene the batch is dropped; from Holocene its deposits are built alone and the rest of
//! the channel is flushed (digest §4.11). [`reset::find`] chooses where derivation restarts.
//!
//! The caller keeps the heads: it passes the safe head in and gets the new one back, so the
//! node can persist it in its engine and the proof program in memory.

use alloc::string::String;
mod error;
mod executor;
pub mod reset;

use lamina_protocol::{
    Hardfork,
    block::{L1BlockInfo, L2BlockInfo},
};

pub use error::{DriverError, ResetError};
pub use executor::{Execution, Executor};
pub use reset::ResetPoint;

use crate::{BlobSource, DerivedAttributes, L1Source, L2Source, Pipeline, Step};

/// How a safe block came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SafeKind {
    /// Built from the derived attributes.
    Built,
    /// The unsafe block already there matched them.
    Consolidated,
    /// Holocene: the derived block was invalid, and its deposits alone replaced it.
    DepositsOnly,
}

/// A block that became safe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SafeBlock {
    /// The block.
    pub info: L2BlockInfo,
    /// The L1 block its batch was read from (it is final when that block is).
    pub derived_from: L1BlockInfo,
    /// How.
    pub kind: SafeKind,
}

/// What one driver step did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DriverStep {
    /// A block became the new safe head.
    Safe(SafeBlock),
    /// Before Holocene: the derived block `number` was invalid and was dropped; the safe head
    /// stays.
    Dropped {
        /// The block number.
        number: u64,
        /// The executor's reason.
        reason: String,
    },
    /// Derivation worked but has no block yet: step again.
    Progress,
    /// The L1 origin moved to this block.
    AdvancedOrigin(L1BlockInfo),
    /// Everything L1 has was derived: wait for L1.
    Idle,
}

/// One step over `pipeline` from safe head `safe`, executing derived blocks with `exec`.
pub async fn step<L1: L1Source, B: BlobSource, L2: L2Source, X: Executor>(
    pipeline: &mut Pipeline<L1, B, L2>,
    safe: &L2BlockInfo,
    exec: &mut X,
) -> Result<DriverStep, DriverError<X::Error>> {
    match pipeline.step(safe).await? {
        Step::Attributes(a) => apply(pipeline, *a, exec).await,
        Step::Progress => Ok(DriverStep::Progress),
        Step::AdvancedOrigin(origin) => Ok(DriverStep::AdvancedOrigin(origin)),
        Step::Idle => Ok(DriverStep::Idle),
    }
}

/// Executes `a`, applying the rules for a refused block.
async fn apply<L1: L1Source, B: BlobSource, L2: L2Source, X: Executor>(
    pipeline: &mut Pipeline<L1, B, L2>,
    mut a: DerivedAttributes,
    exec: &mut X,
) -> Result<DriverStep, DriverError<X::Error>> {
    a.attributes.no_tx_pool = Some(true);
    let number = a.parent.number + 1;
    let safe = |a: &DerivedAttributes, hash, kind| {
        DriverStep::Safe(SafeBlock { info: a.block_info(hash), derived_from: a.derived_from, kind })
    };
    let reason = match exec.execute(&a).await.map_err(DriverError::Executor)? {
        Execution::Built(hash) => return Ok(safe(&a, hash, SafeKind::Built)),
        Execution::Consolidated(hash) => return Ok(safe(&a, hash, SafeKind::Consolidated)),
        Execution::Invalid(reason) => reason,
    };
    let ts = a.attributes.payload_attributes.timestamp;
    if !pipeline.config().is_active(Hardfork::Holocene, ts) {
        tracing::warn!(target: "lamina::driver", number, reason, "derived block invalid: dropped");
        return Ok(DriverStep::Dropped { number, reason });
    }
    // Holocene: the batch's txs go, the deposits stay, and the rest of the channel goes with
    // the batch.
    tracing::warn!(target: "lamina::driver", number, reason, "derived block invalid: deposits only");
    pipeline.flush_channel();
    let d = a.deposits_only();
    match exec.execute(&d).await.map_err(DriverError::Executor)? {
        Execution::Built(hash) | Execution::Consolidated(hash) => {
            Ok(safe(&d, hash, SafeKind::DepositsOnly))
        }
        Execution::Invalid(reason) => Err(DriverError::DepositsOnlyRejected { number, reason }),
    }
}

/// Finds the reset point of the pipeline's L2 chain (whose heads are `heads`) and restarts
/// the pipeline there.
pub async fn reset<L1: L1Source, B: BlobSource, L2: L2Source>(
    pipeline: &mut Pipeline<L1, B, L2>,
    heads: &lamina_protocol::block::Forkchoice,
) -> Result<ResetPoint, ResetError> {
    let point = reset::find(pipeline.config(), pipeline.l1(), pipeline.l2(), heads).await?;
    pipeline.reset(point.base.clone(), point.system_config.clone());
    Ok(point)
}
