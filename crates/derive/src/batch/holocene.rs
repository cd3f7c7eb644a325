//! Holocene's batch stages (digest §4.8, the Holocene rules): batches must arrive in order. A span
//! batch passes its prefix checks and is then streamed as singular batches, each judged by the
//! singular rules; the first invalid one drops the rest of the span and its channel. Nothing is
//! buffered for later.

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use lamina_protocol::{
    RollupConfig,
    batch::SingleBatch,
    block::{L1BlockInfo, L2BlockInfo},
};

use super::{
    IncludedBatch, ReadBatch,
    validity::{BatchContext, BatchValidity, SpanParent, check_single, check_span_prefix},
    window::L1Window,
};
use crate::ports::L2Source;

/// What the stream made of a batch read from a channel.
#[derive(Debug, PartialEq, Eq)]
pub enum Streamed {
    /// A singular batch to judge.
    Batch(SingleBatch, L1BlockInfo),
    /// Nothing (a span wholly in the past): read on.
    Skip,
    /// An invalid span: drop it and the rest of its channel.
    Flush,
}

/// The Holocene batch stream and validator state.
#[derive(Debug, Default)]
pub struct HoloceneBatches {
    span: VecDeque<SingleBatch>,
    span_inclusion: L1BlockInfo,
    /// A span was accepted since [`Self::take_fresh_span`] last looked.
    fresh: bool,
}

impl HoloceneBatches {
    /// Drops the rest of the current span.
    pub fn flush(&mut self) {
        self.span.clear();
    }

    /// The txs of the blocks left in a span accepted since the last call (`None`: no new span).
    pub fn take_fresh_span(&mut self) -> Option<alloc::vec::Vec<alloy_primitives::Bytes>> {
        core::mem::take(&mut self.fresh).then(|| super::queue::span_txs(&self.span))
    }

    /// Whether blocks of a span are waiting.
    pub fn has_span(&self) -> bool {
        !self.span.is_empty()
    }

    /// The span's next block, built on `safe`.
    pub fn pop_span(&mut self, safe: &L2BlockInfo) -> Option<(SingleBatch, L1BlockInfo)> {
        let mut batch = self.span.pop_front()?;
        batch.parent_hash = safe.hash;
        Some((batch, self.span_inclusion))
    }

    /// Turns a batch read from a channel into the next singular candidate.
    pub async fn stream<L2: L2Source>(
        &mut self,
        cfg: &RollupConfig,
        window: &L1Window,
        read: IncludedBatch,
        safe: &L2BlockInfo,
        l2: &L2,
    ) -> Streamed {
        let span = match read.batch {
            ReadBatch::Single(b) => return Streamed::Batch(b, read.inclusion),
            ReadBatch::Span(span) => span,
        };
        let ctx =
            BatchContext { cfg, l1_blocks: window.blocks(), safe, inclusion: &read.inclusion };
        match check_span_prefix(&ctx, &span, l2).await {
            Ok(SpanParent(_)) => {}
            Err(BatchValidity::Past) => {
                tracing::warn!(target: "lamina::derive", "span batch wholly in the past skipped");
                return Streamed::Skip;
            }
            Err(v) => {
                tracing::warn!(target: "lamina::derive", validity = ?v, "span batch dropped with its channel");
                return Streamed::Flush;
            }
        }
        let ids: Vec<_> = window.blocks().iter().map(L1BlockInfo::id).collect();
        match span.to_singular(&ids, safe) {
            Ok(batches) => {
                self.span = batches.into();
                self.span_inclusion = read.inclusion;
                self.fresh = true;
                match self.pop_span(safe) {
                    Some((b, inclusion)) => Streamed::Batch(b, inclusion),
                    None => Streamed::Skip,
                }
            }
            Err(e) => {
                tracing::warn!(target: "lamina::derive", %e, "span batch cannot be cut into blocks");
                Streamed::Flush
            }
        }
    }

    /// Judges a singular candidate for the block after `safe`.
    pub fn judge(
        cfg: &RollupConfig,
        window: &L1Window,
        batch: &SingleBatch,
        inclusion: &L1BlockInfo,
        safe: &L2BlockInfo,
    ) -> BatchValidity {
        let ctx = BatchContext { cfg, l1_blocks: window.blocks(), safe, inclusion };
        check_single(&ctx, batch)
    }
}
