//! The batch validity rules (digest §4.8): what a batch is worth given the safe head, the L1
//! blocks buffered from the safe head's epoch on, and the L1 block the batch was read in.
//!
//! Every drop names its rule ([`DropReason`]) so tests, logs and metrics can tell them apart.
//! From Holocene (judged by the inclusion block's time) batches from the future are dropped
//! instead of kept, and batches from the past are `Past`: skipped without discarding the rest of
//! their channel.

use alloc::vec::Vec;
use alloy_primitives::Bytes;
use lamina_protocol::{
    Hardfork, RollupConfig,
    batch::{SingleBatch, SpanBatch},
    block::{L1BlockInfo, L2BlockInfo},
    constants::DEPOSIT_TX_TYPE,
};

use crate::ports::L2Source;

/// EIP-7702 set-code tx type.
const SET_CODE_TX_TYPE: u8 = 4;

/// The rule a dropped batch broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropReason {
    /// Holocene: the batch is ahead of the next block.
    FutureTimestamp,
    /// Pre-Holocene: the batch is older than the next block.
    PastTimestamp,
    /// The batch does not build on the safe head.
    ParentHash,
    /// Included more than a sequencing window after its epoch.
    IncludedTooLate,
    /// Its epoch is older than the safe head's.
    EpochTooOld,
    /// Its epoch skips ahead more than one L1 block.
    EpochTooFar,
    /// Its epoch hash is not the canonical L1 block's.
    EpochHash,
    /// A block's timestamp is before its L1 origin's.
    BeforeOrigin,
    /// A block is past the sequencer drift (with txs, or when it could have moved on).
    SequencerDrift,
    /// An empty tx.
    EmptyTx,
    /// A deposit tx, which only L1 may create.
    DepositTx,
    /// A set-code tx before Isthmus.
    SetCodeBeforeIsthmus,
    /// A span batch whose origin is before Delta.
    SpanBeforeDelta,
    /// A span batch's start is not on the block grid of the safe chain.
    MisalignedSpan,
    /// The span's parent check does not match its parent block.
    ParentCheck,
    /// The span's L1 origin check does not match the canonical L1 block.
    OriginCheck,
    /// The span's first epoch is more than one after its parent's.
    StartEpochTooFar,
    /// The span's first epoch is before its parent's.
    StartEpochBeforeParent,
    /// An overlapped block differs from the safe chain.
    OverlapMismatch,
    /// The span cannot be cut into singular batches (an epoch with no known L1 block).
    Unconvertible,
}

/// What a batch is worth now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchValidity {
    /// Invalid: discard (from Holocene, with the rest of its channel).
    Drop(DropReason),
    /// Valid for the next block.
    Accept,
    /// Needs L1 blocks not yet buffered.
    Undecided,
    /// Pre-Holocene: for a later block; keep it.
    Future,
    /// Holocene: for a block already safe; skip it.
    Past,
}

impl BatchValidity {
    /// Whether the batch is dropped.
    pub const fn is_drop(&self) -> bool {
        matches!(self, Self::Drop(_))
    }
}

/// What a batch is judged against.
#[derive(Debug, Clone, Copy)]
pub struct BatchContext<'a> {
    /// The chain.
    pub cfg: &'a RollupConfig,
    /// L1 blocks from the current epoch on (`l1_blocks[0]` is the epoch).
    pub l1_blocks: &'a [L1BlockInfo],
    /// The safe head the batch must build on.
    pub safe: &'a L2BlockInfo,
    /// The L1 block the batch was read in.
    pub inclusion: &'a L1BlockInfo,
}

impl BatchContext<'_> {
    fn holocene(&self) -> bool {
        self.cfg.is_active(Hardfork::Holocene, self.inclusion.timestamp)
    }

    fn next_timestamp(&self) -> u64 {
        self.safe.timestamp.saturating_add(self.cfg.block_time)
    }
}

/// The tx rules shared by singular and span batches.
fn check_txs(cfg: &RollupConfig, timestamp: u64, txs: &[Bytes]) -> Option<DropReason> {
    let isthmus = cfg.is_active(Hardfork::Isthmus, timestamp);
    for tx in txs {
        match tx.first() {
            None => return Some(DropReason::EmptyTx),
            Some(&DEPOSIT_TX_TYPE) => return Some(DropReason::DepositTx),
            Some(&SET_CODE_TX_TYPE) if !isthmus => return Some(DropReason::SetCodeBeforeIsthmus),
            _ => {}
        }
    }
    None
}

/// Judges a singular batch.
pub fn check_single(ctx: &BatchContext<'_>, batch: &SingleBatch) -> BatchValidity {
    use BatchValidity::{Accept, Drop, Future, Past, Undecided};
    let Some(epoch) = ctx.l1_blocks.first() else { return Undecided };
    let next_ts = ctx.next_timestamp();
    let holocene = ctx.holocene();
    if batch.timestamp > next_ts {
        return if holocene { Drop(DropReason::FutureTimestamp) } else { Future };
    }
    if batch.timestamp < next_ts {
        return if holocene { Past } else { Drop(DropReason::PastTimestamp) };
    }
    if batch.parent_hash != ctx.safe.hash {
        return Drop(DropReason::ParentHash);
    }
    if batch.epoch_num.saturating_add(ctx.cfg.seq_window_size) < ctx.inclusion.number {
        return Drop(DropReason::IncludedTooLate);
    }
    let origin = if batch.epoch_num < epoch.number {
        return Drop(DropReason::EpochTooOld);
    } else if batch.epoch_num == epoch.number {
        epoch
    } else if batch.epoch_num == epoch.number + 1 {
        match ctx.l1_blocks.get(1) {
            Some(next) => next,
            None => return Undecided,
        }
    } else {
        return Drop(DropReason::EpochTooFar);
    };
    if batch.epoch_hash != origin.hash {
        return Drop(DropReason::EpochHash);
    }
    if batch.timestamp < origin.timestamp {
        return Drop(DropReason::BeforeOrigin);
    }
    let max = origin.timestamp.saturating_add(ctx.cfg.max_sequencer_drift(origin.timestamp));
    if batch.timestamp > max {
        if !batch.transactions.is_empty() {
            return Drop(DropReason::SequencerDrift);
        }
        // An empty batch may exceed the drift only to keep the chain going while it cannot
        // move to the next origin yet.
        if epoch.number == origin.number {
            match ctx.l1_blocks.get(1) {
                None => return Undecided,
                Some(next) if batch.timestamp >= next.timestamp => {
                    return Drop(DropReason::SequencerDrift);
                }
                Some(_) => {}
            }
        }
    }
    if let Some(reason) = check_txs(ctx.cfg, batch.timestamp, &batch.transactions) {
        return Drop(reason);
    }
    Accept
}

/// The span's parent block, once the prefix checks pass.
#[derive(Debug, Clone, Copy)]
pub struct SpanParent(pub L2BlockInfo);

/// The prefix checks of a span batch (Holocene runs only these before streaming the span as
/// singular batches). On success returns the span's parent block.
pub async fn check_span_prefix<L2: L2Source>(
    ctx: &BatchContext<'_>,
    span: &SpanBatch,
    l2: &L2,
) -> Result<SpanParent, BatchValidity> {
    use BatchValidity::{Drop, Future, Past, Undecided};
    let (Some(first), Some(last)) = (span.elements.first(), span.elements.last()) else {
        return Err(Drop(DropReason::Unconvertible));
    };
    let Some(epoch) = ctx.l1_blocks.first() else { return Err(Undecided) };
    let start_epoch = first.epoch_num;
    let mut origin = epoch;
    if start_epoch == epoch.number + 1 {
        origin = ctx.l1_blocks.get(1).ok_or(Undecided)?;
    }
    if !ctx.cfg.is_active(Hardfork::Delta, origin.timestamp) {
        return Err(Drop(DropReason::SpanBeforeDelta));
    }
    let holocene = ctx.holocene();
    let next_ts = ctx.next_timestamp();
    if first.timestamp > next_ts {
        return Err(if holocene { Drop(DropReason::FutureTimestamp) } else { Future });
    }
    if last.timestamp < next_ts {
        return Err(if holocene { Past } else { Drop(DropReason::PastTimestamp) });
    }
    let safe = ctx.safe;
    let mut parent = *safe;
    if first.timestamp < next_ts {
        if first.timestamp > safe.timestamp
            || !(safe.timestamp - first.timestamp).is_multiple_of(ctx.cfg.block_time)
        {
            return Err(Drop(DropReason::MisalignedSpan));
        }
        let back = (safe.timestamp - first.timestamp) / ctx.cfg.block_time + 1;
        let Some(number) = safe.number.checked_sub(back) else {
            return Err(Drop(DropReason::MisalignedSpan));
        };
        parent = match l2.block_info(number).await {
            Ok(Some(p)) => p,
            Ok(None) => return Err(Drop(DropReason::MisalignedSpan)),
            Err(e) => {
                tracing::warn!(target: "lamina::derive", %e, number, "span parent unavailable");
                return Err(Undecided);
            }
        };
    }
    if span.parent_check.as_slice() != &parent.hash[..20] {
        return Err(Drop(DropReason::ParentCheck));
    }
    if start_epoch.saturating_add(ctx.cfg.seq_window_size) < ctx.inclusion.number {
        return Err(Drop(DropReason::IncludedTooLate));
    }
    if start_epoch > parent.l1_origin.number + 1 {
        return Err(Drop(DropReason::StartEpochTooFar));
    }
    let end_epoch = last.epoch_num;
    match ctx.l1_blocks.iter().find(|b| b.number == end_epoch) {
        Some(b) if span.l1_origin_check.as_slice() != &b.hash[..20] => {
            return Err(Drop(DropReason::OriginCheck));
        }
        Some(_) => {}
        None => return Err(Undecided),
    }
    if start_epoch < parent.l1_origin.number {
        return Err(Drop(DropReason::StartEpochBeforeParent));
    }
    Ok(SpanParent(parent))
}

/// Judges a whole span batch, pre-Holocene: prefix, then every new block's origin, drift and
/// txs, then the overlapped blocks against the safe chain.
pub async fn check_span<L2: L2Source>(
    ctx: &BatchContext<'_>,
    span: &SpanBatch,
    l2: &L2,
) -> BatchValidity {
    use BatchValidity::{Accept, Drop, Undecided};
    let parent = match check_span_prefix(ctx, span, l2).await {
        Ok(SpanParent(p)) => p,
        Err(v) => return v,
    };
    let cfg = ctx.cfg;
    let safe = ctx.safe;
    let mut origin_idx = 0;
    let mut advanced = span.elements[0].epoch_num == parent.l1_origin.number + 1;
    for (i, el) in span.elements.iter().enumerate() {
        if el.timestamp <= safe.timestamp {
            continue;
        }
        let mut origin = L1BlockInfo::default();
        for (j, b) in ctx.l1_blocks.iter().enumerate().skip(origin_idx) {
            if b.number == el.epoch_num {
                origin = *b;
                origin_idx = j;
                break;
            }
        }
        if i > 0 {
            advanced = el.epoch_num > span.elements[i - 1].epoch_num;
        }
        if el.timestamp < origin.timestamp {
            return Drop(DropReason::BeforeOrigin);
        }
        let max = origin.timestamp.saturating_add(cfg.max_sequencer_drift(origin.timestamp));
        if el.timestamp > max {
            if !el.transactions.is_empty() {
                return Drop(DropReason::SequencerDrift);
            }
            if !advanced {
                match ctx.l1_blocks.get(origin_idx + 1) {
                    None => return Undecided,
                    Some(next) if el.timestamp >= next.timestamp => {
                        return Drop(DropReason::SequencerDrift);
                    }
                    Some(_) => {}
                }
            }
        }
        if let Some(reason) = check_txs(cfg, el.timestamp, &el.transactions) {
            return Drop(reason);
        }
    }
    if span.elements[0].timestamp < ctx.next_timestamp() {
        let overlapped = safe.number - parent.number;
        for i in 0..overlapped {
            let number = parent.number + i + 1;
            let (info, txs) =
                match (l2.block_info(number).await, l2.block_transactions(number).await) {
                    (Ok(Some(info)), Ok(Some(txs))) => (info, txs),
                    _ => return Undecided,
                };
            let Some(el) = span.elements.get(i as usize) else {
                return Drop(DropReason::OverlapMismatch);
            };
            let sequenced: Vec<&Bytes> =
                txs.iter().filter(|t| t.first() != Some(&DEPOSIT_TX_TYPE)).collect();
            if sequenced.len() != el.transactions.len()
                || sequenced.iter().zip(&el.transactions).any(|(a, b)| *a != b)
                || info.l1_origin.number != el.epoch_num
            {
                return Drop(DropReason::OverlapMismatch);
            }
        }
    }
    Accept
}

#[cfg(test)]
#[path = "validity_tests.rs"]
mod tests;
