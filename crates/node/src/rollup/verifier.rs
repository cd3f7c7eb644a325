//! The verifier: the IO shell around the pure driver ([`lamina_derive::driver`]), with the
//! engine as its executor ([`EngineExecutor`]). Each derived block either confirms the unsafe
//! block already there (consolidation) or is built through the Engine API, replacing the
//! unsafe chain from that point; either way it becomes safe. The shell reads the safe head from
//! the engine, records safe heads per L1 block, and makes a safe block final when the L1 block
//! its batch came from is finalized.
//!
//! Progress lives in the engine's store (its safe and finalized heads), so a restarted verifier
//! resumes from a reset point ([`driver::reset()`](lamina_derive::driver::reset())) instead of
//! from genesis.

use std::{collections::VecDeque, sync::Arc};

use alloy_eips::BlockNumberOrTag;
use alloy_rpc_types_engine::ForkchoiceState;
use lamina_derive::{
    Classify, Pipeline, Severity,
    driver::{self, DriverStep, SafeBlock, SafeKind},
};
use lamina_engine::EngineHandle;
use lamina_l1::chain::{DeriveL1, L1Chain};
use lamina_protocol::{BlockId, block::L2BlockInfo};

use super::{
    RollupError, drive, executor::EngineExecutor, l2::EngineL2, port::ExecutionEngine,
    safe_db::SafeDb,
};

/// Most safe blocks waiting for their L1 block to finalize (older ones are forgotten: a later
/// block finalizes past them).
const MAX_PENDING_FINAL: usize = 4096;

/// What one verifier step did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifierStep {
    /// A derived block was built and is the new safe head.
    Derived(L2BlockInfo),
    /// The unsafe block matched the derived one and is now safe.
    Consolidated(L2BlockInfo),
    /// The engine refused the derived block; it was dropped (or, from Holocene, replaced by
    /// its deposits only, which is the returned block).
    Replaced(Option<L2BlockInfo>),
    /// Derivation moved on without a block (more data read, or the next L1 block).
    Progress,
    /// L1 reorged (or the engine surprised us): derivation restarted below the new safe head.
    Reset(L2BlockInfo),
    /// Everything L1 has was derived; wait for L1.
    Idle,
}

/// Counters of what the verifier did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VerifierStats {
    /// Blocks built from derived attributes.
    pub derived: u64,
    /// Unsafe blocks confirmed.
    pub consolidated: u64,
    /// Derived blocks the engine refused.
    pub invalid: u64,
    /// Resets.
    pub resets: u64,
}

/// The pipeline a verifier runs.
pub type VerifierPipeline<C, E> = Pipeline<DeriveL1<C>, DeriveL1<C>, EngineL2<E>>;

/// A verifier over L1 chain `C` and engine `E`.
#[derive(Debug)]
pub struct Verifier<C, E = EngineHandle> {
    l2: EngineL2<E>,
    l1: DeriveL1<C>,
    pipeline: VerifierPipeline<C, E>,
    /// Safe blocks not yet final, each with the L1 block number its batch was read from.
    pending_final: VecDeque<(L2BlockInfo, u64)>,
    stats: VerifierStats,
    /// Where safe heads are recorded per L1 block, if anywhere.
    safe_db: Option<Arc<SafeDb>>,
    /// The newest (L1 block, safe head) pair not yet written: written once derivation moves
    /// past that L1 block or waits, so a span of blocks costs one write.
    unrecorded: Option<(BlockId, BlockId)>,
}

impl<C: L1Chain, E: ExecutionEngine> Verifier<C, E> {
    /// A verifier resuming from the engine's safe head (genesis on a new chain).
    pub async fn new(engine: E, l1: DeriveL1<C>) -> Result<Self, RollupError> {
        let cfg = engine.rollup().clone();
        let l2 = EngineL2::new(engine);
        let pipeline = Pipeline::new(cfg, l1.clone(), l1.clone(), l2.clone());
        let mut v = Self {
            l2,
            l1,
            pipeline,
            pending_final: VecDeque::new(),
            stats: VerifierStats::default(),
            safe_db: None,
            unrecorded: None,
        };
        v.reset().await?;
        Ok(v)
    }

    /// Records every safe-head change in `db` (for `optimism_safeHeadAtL1Block`).
    pub fn with_safe_db(mut self, db: Arc<SafeDb>) -> Self {
        self.safe_db = Some(db);
        self
    }

    /// The engine it drives.
    pub const fn engine(&self) -> &E {
        self.l2.engine()
    }

    /// The safe head.
    pub async fn safe_head(&self) -> Result<L2BlockInfo, RollupError> {
        let n = self.engine().heads().await?.safe.number;
        self.l2.expect(n).await
    }

    /// The finalized head.
    pub async fn finalized_head(&self) -> Result<L2BlockInfo, RollupError> {
        let n = self.engine().heads().await?.finalized.number;
        self.l2.expect(n).await
    }

    /// What the verifier did so far.
    pub const fn stats(&self) -> VerifierStats {
        self.stats
    }

    /// The derivation pipeline (its origin, system config and counters).
    pub const fn pipeline(&self) -> &VerifierPipeline<C, E> {
        &self.pipeline
    }

    /// Restarts derivation from the [reset point](driver::reset()): unsafe blocks whose L1
    /// origin left the chain are unwound, and the safe head moves back a channel timeout (the
    /// blocks above it are consolidated again as their batches are read).
    pub async fn reset(&mut self) -> Result<L2BlockInfo, RollupError> {
        let fc = self.engine().heads().await?;
        let point = driver::reset(&mut self.pipeline, &fc).await?;
        if point.unsafe_head.number < fc.head.number {
            tracing::warn!(
                target: "lamina::verifier",
                from = fc.head.number,
                to = point.unsafe_head.number,
                "unsafe blocks on reorged-out L1 origins unwound"
            );
        }
        let fcu = ForkchoiceState {
            head_block_hash: point.unsafe_head.hash,
            safe_block_hash: point.safe.hash,
            ..Default::default()
        };
        drive::forkchoice(self.engine(), fcu).await?;
        self.pending_final.clear();
        self.unrecorded = None;
        if let Some(db) = &self.safe_db {
            db.truncate_above(point.safe.number)?;
        }
        self.stats.resets += 1;
        Ok(point.safe)
    }

    /// One step: derive, then build or consolidate; a reset-worthy failure resets here and
    /// is reported as [`VerifierStep::Reset`]. Temporary and critical failures are returned.
    pub async fn step(&mut self) -> Result<VerifierStep, RollupError> {
        match self.try_step().await {
            Err(e) if e.severity() == Severity::Reset => {
                tracing::warn!(target: "lamina::verifier", %e, "resetting derivation");
                Ok(VerifierStep::Reset(self.reset().await?))
            }
            other => other,
        }
    }

    async fn try_step(&mut self) -> Result<VerifierStep, RollupError> {
        let safe = self.safe_head().await?;
        let mut exec = EngineExecutor::new(self.l2.engine());
        let step = driver::step(&mut self.pipeline, &safe, &mut exec).await;
        // A span just accepted: its blocks' senders are recovered on the other core while
        // the blocks before them execute here.
        if let Some(txs) = self.pipeline.take_fresh_span_transactions() {
            self.l2.engine().prefetch_senders(txs);
        }
        match step? {
            DriverStep::Safe(block) => Ok(self.safe(block)),
            DriverStep::Dropped { .. } => {
                self.stats.invalid += 1;
                Ok(VerifierStep::Replaced(None))
            }
            DriverStep::Progress => Ok(VerifierStep::Progress),
            DriverStep::AdvancedOrigin(_) => {
                self.flush_safe_head()?;
                self.finalize().await?;
                Ok(VerifierStep::Progress)
            }
            DriverStep::Idle => {
                self.flush_safe_head()?;
                self.finalize().await?;
                Ok(VerifierStep::Idle)
            }
        }
    }

    /// Steps until derivation waits for L1; returns the safe head.
    pub async fn sync(&mut self) -> Result<L2BlockInfo, RollupError> {
        while self.step().await? != VerifierStep::Idle {}
        self.safe_head().await
    }

    /// Counts and tracks a block the driver made safe.
    fn safe(&mut self, block: SafeBlock) -> VerifierStep {
        self.track(block.info, block.derived_from.id(), block.derived_from.number);
        let info = block.info;
        match block.kind {
            SafeKind::Built => {
                self.stats.derived += 1;
                tracing::debug!(target: "lamina::verifier", number = info.number, hash = %info.hash, "derived");
                VerifierStep::Derived(info)
            }
            SafeKind::Consolidated => {
                self.stats.consolidated += 1;
                VerifierStep::Consolidated(info)
            }
            SafeKind::DepositsOnly => {
                self.stats.invalid += 1;
                VerifierStep::Replaced(Some(info))
            }
        }
    }

    fn flush_safe_head(&mut self) -> Result<(), RollupError> {
        if let (Some(db), Some((l1, safe))) = (&self.safe_db, self.unrecorded.take()) {
            db.record(l1, safe)?;
        }
        Ok(())
    }

    fn track(&mut self, block: L2BlockInfo, l1: BlockId, l1_number: u64) {
        if self.unrecorded.is_some_and(|(seen, _)| seen != l1)
            && let Err(e) = self.flush_safe_head()
        {
            tracing::error!(target: "lamina::verifier", %e, "safe head not recorded");
        }
        self.unrecorded = Some((l1, block.id()));
        if self.pending_final.len() == MAX_PENDING_FINAL {
            self.pending_final.pop_front();
        }
        self.pending_final.push_back((block, l1_number));
    }

    /// Marks final the newest safe block whose batch came from a finalized L1 block.
    async fn finalize(&mut self) -> Result<(), RollupError> {
        let Some((_, first)) = self.pending_final.front() else { return Ok(()) };
        let first = *first;
        let Some(fin) = self.l1.chain().header(BlockNumberOrTag::Finalized).await? else {
            return Ok(());
        };
        if fin.number < first {
            return Ok(());
        }
        let mut last = None;
        while let Some((b, from)) = self.pending_final.front() {
            if *from > fin.number {
                break;
            }
            last = Some(*b);
            self.pending_final.pop_front();
        }
        if let Some(b) = last {
            let head = self.engine().heads().await?.head.hash;
            let fcu = ForkchoiceState {
                head_block_hash: head,
                finalized_block_hash: b.hash,
                ..Default::default()
            };
            drive::forkchoice(self.engine(), fcu).await?;
            tracing::debug!(target: "lamina::verifier", number = b.number, "finalized");
        }
        Ok(())
    }
}
