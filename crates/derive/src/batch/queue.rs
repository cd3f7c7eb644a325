//! The pre-Holocene batch queue (digest §4.8): batches may arrive in any order; future ones wait
//! in a buffer, each is re-judged as the safe head moves, a span is judged whole and then handed
//! out block by block, and when nothing valid is left the sequencing window may force empty
//! batches.

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use lamina_protocol::{
    RollupConfig,
    batch::SingleBatch,
    block::{L1BlockInfo, L2BlockInfo},
};

use super::{
    IncludedBatch, ReadBatch,
    validity::{BatchContext, BatchValidity, check_single, check_span},
    window::L1Window,
};
use crate::{error::PipelineError, ports::L2Source};

/// The queue's state.
#[derive(Debug, Default)]
pub struct BatchQueue {
    batches: Vec<IncludedBatch>,
    /// Blocks of an accepted span not yet handed out.
    span: VecDeque<SingleBatch>,
    /// A span was accepted since [`Self::take_fresh_span`] last looked.
    fresh: bool,
}

impl BatchQueue {
    /// Forgets every batch.
    pub fn clear(&mut self) {
        self.batches.clear();
        self.span.clear();
    }

    /// The txs of the blocks left in a span accepted since the last call (`None`: no new span).
    pub fn take_fresh_span(&mut self) -> Option<Vec<alloy_primitives::Bytes>> {
        core::mem::take(&mut self.fresh).then(|| span_txs(&self.span))
    }

    /// Batches waiting.
    pub fn buffered(&self) -> usize {
        self.batches.len()
    }

    /// The next block of an accepted span, if it follows `safe`; a span that no longer follows
    /// the safe head (its previous block was not applied) is discarded.
    pub fn pop_span(&mut self, block_time: u64, safe: &L2BlockInfo) -> Option<(SingleBatch, bool)> {
        let next = self.span.front()?;
        if next.timestamp != safe.timestamp.saturating_add(block_time) {
            tracing::warn!(target: "lamina::derive", "safe head moved off the span: rest of the span dropped");
            self.span.clear();
            return None;
        }
        let mut batch = self.span.pop_front()?;
        batch.parent_hash = safe.hash;
        Some((batch, self.span.is_empty()))
    }

    /// Judges a newly read batch; keeps it unless it is dropped.
    pub async fn add<L2: L2Source>(
        &mut self,
        cfg: &RollupConfig,
        window: &L1Window,
        batch: IncludedBatch,
        safe: &L2BlockInfo,
        l2: &L2,
    ) {
        let validity = judge(cfg, window.blocks(), safe, &batch, l2).await;
        if let BatchValidity::Drop(reason) = validity {
            tracing::warn!(target: "lamina::derive", ?reason, inclusion = batch.inclusion.number, "batch dropped");
            return;
        }
        self.batches.push(batch);
    }

    /// The next batch for the block after `safe`: the first acceptable buffered batch (a span's
    /// first block), or an empty batch the window forces. `Eof` when L1 data is needed.
    pub async fn next<L2: L2Source>(
        &mut self,
        cfg: &RollupConfig,
        window: &mut L1Window,
        out_of_data: bool,
        safe: &L2BlockInfo,
        l2: &L2,
    ) -> Result<(SingleBatch, bool), PipelineError> {
        window.check_epoch(safe)?;
        let mut kept = Vec::with_capacity(self.batches.len());
        let mut found = None;
        let mut pending = core::mem::take(&mut self.batches).into_iter();
        for batch in pending.by_ref() {
            match judge(cfg, window.blocks(), safe, &batch, l2).await {
                BatchValidity::Accept => {
                    found = Some(batch);
                    break;
                }
                BatchValidity::Drop(reason) => {
                    tracing::warn!(target: "lamina::derive", ?reason, "buffered batch dropped");
                }
                BatchValidity::Undecided => {
                    kept.push(batch);
                    kept.extend(pending.by_ref());
                    self.batches = kept;
                    return Err(PipelineError::Eof);
                }
                BatchValidity::Future | BatchValidity::Past => kept.push(batch),
            }
        }
        kept.extend(pending);
        self.batches = kept;
        let Some(batch) = found else {
            let b = window.empty_batch(cfg.seq_window_size, cfg.block_time, out_of_data, safe)?;
            return Ok((b, true));
        };
        match batch.batch {
            ReadBatch::Single(b) => Ok((b, true)),
            ReadBatch::Span(span) => {
                let ids: Vec<_> = window.blocks().iter().map(L1BlockInfo::id).collect();
                match span.to_singular(&ids, safe) {
                    Ok(batches) => {
                        self.span = batches.into();
                        self.fresh = true;
                        self.pop_span(cfg.block_time, safe).ok_or(PipelineError::NotEnoughData)
                    }
                    Err(e) => {
                        tracing::warn!(target: "lamina::derive", %e, "accepted span cannot be cut into blocks: dropped");
                        Err(PipelineError::NotEnoughData)
                    }
                }
            }
        }
    }
}

async fn judge<L2: L2Source>(
    cfg: &RollupConfig,
    l1_blocks: &[L1BlockInfo],
    safe: &L2BlockInfo,
    batch: &IncludedBatch,
    l2: &L2,
) -> BatchValidity {
    let ctx = BatchContext { cfg, l1_blocks, safe, inclusion: &batch.inclusion };
    match &batch.batch {
        ReadBatch::Single(b) => check_single(&ctx, b),
        ReadBatch::Span(s) => check_span(&ctx, s, l2).await,
    }
}

/// Every tx of `span`'s blocks, in order (handles on the same bytes, not copies).
pub(crate) fn span_txs(span: &VecDeque<SingleBatch>) -> alloc::vec::Vec<alloy_primitives::Bytes> {
    span.iter().flat_map(|b| b.transactions.iter().cloned()).collect()
}
