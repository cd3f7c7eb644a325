//! One test per validity rule (digest §4.8), named after the rule; op-node's `batch_test.go`
//! and kona's `single.rs`/`span.rs` cases were the checklist.

use alloy_primitives::{B256, Bytes, FixedBytes};
use lamina_protocol::{
    BlockId, HardforkSchedule, RollupConfig, SystemConfig,
    batch::{SingleBatch, SpanBatch, SpanBatchElement},
    block::{L1BlockInfo, L2BlockInfo},
};

use super::*;
use crate::memory::MemoryL2;

fn l1(n: u64) -> L1BlockInfo {
    L1BlockInfo {
        hash: B256::repeat_byte(n as u8),
        number: n,
        parent_hash: B256::repeat_byte(n as u8 - 1),
        timestamp: 100 + (n - 10) * 12,
    }
}

fn cfg(holocene: bool) -> RollupConfig {
    RollupConfig {
        block_time: 2,
        max_sequencer_drift: 20,
        seq_window_size: 10,
        channel_timeout: 5,
        hardforks: HardforkSchedule {
            regolith_time: Some(0),
            canyon_time: Some(0),
            delta_time: Some(0),
            ecotone_time: Some(0),
            holocene_time: holocene.then_some(0),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// Safe head 50 at t=110 in epoch 10 (t=100).
fn safe() -> L2BlockInfo {
    L2BlockInfo {
        hash: B256::repeat_byte(0xaa),
        number: 50,
        parent_hash: B256::repeat_byte(0xa9),
        timestamp: 110,
        l1_origin: BlockId { number: 10, hash: l1(10).hash },
        seq_num: 5,
    }
}

fn batch(epoch: u64, ts: u64) -> SingleBatch {
    SingleBatch {
        parent_hash: safe().hash,
        epoch_num: epoch,
        epoch_hash: l1(epoch).hash,
        timestamp: ts,
        transactions: vec![Bytes::from_static(&[2, 1])],
    }
}

fn judge(
    holocene: bool,
    l1_blocks: &[L1BlockInfo],
    inclusion: u64,
    b: &SingleBatch,
) -> BatchValidity {
    let cfg = cfg(holocene);
    let safe = safe();
    let inclusion = l1(inclusion);
    check_single(&BatchContext { cfg: &cfg, l1_blocks, safe: &safe, inclusion: &inclusion }, b)
}

const DROP: fn(DropReason) -> BatchValidity = BatchValidity::Drop;

#[test]
fn accepts_the_next_block_in_the_same_epoch() {
    assert_eq!(judge(false, &[l1(10), l1(11)], 12, &batch(10, 112)), BatchValidity::Accept);
}

#[test]
fn accepts_the_next_epoch() {
    assert_eq!(judge(false, &[l1(10), l1(11)], 12, &batch(11, 112)), BatchValidity::Accept);
}

#[test]
fn no_l1_blocks_is_undecided() {
    assert_eq!(judge(false, &[], 12, &batch(10, 112)), BatchValidity::Undecided);
}

#[test]
fn future_timestamp_waits_before_holocene_and_drops_after() {
    let b = batch(10, 114);
    assert_eq!(judge(false, &[l1(10)], 12, &b), BatchValidity::Future);
    assert_eq!(judge(true, &[l1(10)], 12, &b), DROP(DropReason::FutureTimestamp));
}

#[test]
fn past_timestamp_drops_before_holocene_and_is_past_after() {
    let b = batch(10, 110);
    assert_eq!(judge(false, &[l1(10)], 12, &b), DROP(DropReason::PastTimestamp));
    assert_eq!(judge(true, &[l1(10)], 12, &b), BatchValidity::Past);
}

#[test]
fn parent_hash_mismatch_drops() {
    let mut b = batch(10, 112);
    b.parent_hash = B256::repeat_byte(1);
    assert_eq!(judge(false, &[l1(10)], 12, &b), DROP(DropReason::ParentHash));
}

#[test]
fn included_after_the_sequencing_window_drops() {
    // epoch 10 + window 10 = 20: inclusion in 21 is too late, in 20 is fine.
    assert_eq!(judge(false, &[l1(10)], 21, &batch(10, 112)), DROP(DropReason::IncludedTooLate));
    assert_eq!(judge(false, &[l1(10)], 20, &batch(10, 112)), BatchValidity::Accept);
}

#[test]
fn epoch_older_than_the_safe_heads_drops() {
    let blocks = [l1(10), l1(11)];
    let cfg = cfg(false);
    let mut s = safe();
    s.l1_origin = BlockId { number: 11, hash: l1(11).hash };
    let inc = l1(12);
    let ctx = BatchContext { cfg: &cfg, l1_blocks: &blocks[1..], safe: &s, inclusion: &inc };
    let mut b = batch(10, 112);
    b.parent_hash = s.hash;
    assert_eq!(check_single(&ctx, &b), DROP(DropReason::EpochTooOld));
}

#[test]
fn next_epoch_unknown_is_undecided() {
    assert_eq!(judge(false, &[l1(10)], 12, &batch(11, 112)), BatchValidity::Undecided);
}

#[test]
fn epoch_two_ahead_drops() {
    assert_eq!(
        judge(false, &[l1(10), l1(11), l1(12)], 13, &batch(12, 112)),
        DROP(DropReason::EpochTooFar)
    );
}

#[test]
fn epoch_hash_mismatch_drops() {
    let mut b = batch(10, 112);
    b.epoch_hash = B256::repeat_byte(0x77);
    assert_eq!(judge(false, &[l1(10)], 12, &b), DROP(DropReason::EpochHash));
}

#[test]
fn timestamp_before_the_l1_origin_drops() {
    // Epoch 11 is at t=112; a block at 112 is fine, so move the origin later.
    let mut late = l1(11);
    late.timestamp = 113;
    let mut b = batch(11, 112);
    b.epoch_hash = late.hash;
    assert_eq!(judge(false, &[l1(10), late], 12, &b), DROP(DropReason::BeforeOrigin));
}

#[test]
fn sequencer_drift_with_txs_drops() {
    // Origin 10 at t=100, drift 20: t=122 is past it.
    let cfg = cfg(false);
    let mut s = safe();
    s.timestamp = 120;
    let blocks = [l1(10), l1(11)];
    let inc = l1(12);
    let ctx = BatchContext { cfg: &cfg, l1_blocks: &blocks, safe: &s, inclusion: &inc };
    assert_eq!(check_single(&ctx, &batch(10, 122)), DROP(DropReason::SequencerDrift));
}

#[test]
fn empty_batch_past_drift_is_kept_only_until_the_next_origin_is_due() {
    let cfg = cfg(false);
    let mut s = safe();
    s.timestamp = 120;
    let inc = l1(12);
    let mut empty = batch(10, 122);
    empty.transactions.clear();
    let only_epoch = [l1(10)];
    let ctx = BatchContext { cfg: &cfg, l1_blocks: &only_epoch, safe: &s, inclusion: &inc };
    assert_eq!(check_single(&ctx, &empty), BatchValidity::Undecided);
    // Next origin at t=112 <= 122: the batch should have moved on.
    let blocks = [l1(10), l1(11)];
    let ctx = BatchContext { cfg: &cfg, l1_blocks: &blocks, safe: &s, inclusion: &inc };
    assert_eq!(check_single(&ctx, &empty), DROP(DropReason::SequencerDrift));
    // Next origin later than the block: the empty block keeps the chain going.
    let mut later = l1(11);
    later.timestamp = 130;
    let blocks = [l1(10), later];
    let ctx = BatchContext { cfg: &cfg, l1_blocks: &blocks, safe: &s, inclusion: &inc };
    assert_eq!(check_single(&ctx, &empty), BatchValidity::Accept);
}

#[test]
fn empty_and_deposit_txs_drop() {
    let mut b = batch(10, 112);
    b.transactions = vec![Bytes::new()];
    assert_eq!(judge(false, &[l1(10)], 12, &b), DROP(DropReason::EmptyTx));
    b.transactions = vec![Bytes::from_static(&[0x7e, 1])];
    assert_eq!(judge(false, &[l1(10)], 12, &b), DROP(DropReason::DepositTx));
}

#[test]
fn set_code_tx_drops_before_isthmus_only() {
    let mut b = batch(10, 112);
    b.transactions = vec![Bytes::from_static(&[4, 1])];
    assert_eq!(judge(false, &[l1(10)], 12, &b), DROP(DropReason::SetCodeBeforeIsthmus));
    let mut c = cfg(false);
    c.hardforks.isthmus_time = Some(0);
    let (s, inc, blocks) = (safe(), l1(12), [l1(10)]);
    let ctx = BatchContext { cfg: &c, l1_blocks: &blocks, safe: &s, inclusion: &inc };
    assert_eq!(check_single(&ctx, &b), BatchValidity::Accept);
}

// ---- span batches ----

fn span(
    first_epoch_new: bool,
    blocks: &[(u64, u64)],
    parent: B256,
    last_origin: B256,
) -> SpanBatch {
    SpanBatch {
        parent_check: FixedBytes::from_slice(&parent[..20]),
        l1_origin_check: FixedBytes::from_slice(&last_origin[..20]),
        first_block_new_epoch: first_epoch_new,
        elements: blocks
            .iter()
            .map(|(epoch, ts)| SpanBatchElement {
                epoch_num: *epoch,
                timestamp: *ts,
                transactions: vec![Bytes::from_static(&[2, 1])],
            })
            .collect(),
    }
}

/// An L2 chain whose block 50 is `safe()` and 49 its parent.
fn l2_chain() -> MemoryL2 {
    let parent = L2BlockInfo {
        hash: safe().parent_hash,
        number: 49,
        timestamp: 108,
        l1_origin: safe().l1_origin,
        seq_num: 4,
        ..Default::default()
    };
    let l2 = MemoryL2::new(parent, SystemConfig::default());
    // Block 50 = safe(), built with one sequenced tx [2, 1].
    let attrs = crate::attributes::DerivedAttributes {
        attributes: Default::default(),
        parent,
        l1_origin: safe().l1_origin,
        derived_from: l1(11),
        is_last_in_span: true,
    };
    let mut a = attrs;
    a.attributes.payload_attributes.timestamp = 110;
    a.attributes.transactions =
        Some(vec![Bytes::from_static(&[0x7e, 0]), Bytes::from_static(&[2, 1])]);
    let b = l2.apply(&a);
    assert_eq!((b.number, b.timestamp), (50, 110));
    l2
}

async fn judge_span(
    holocene: bool,
    l1_blocks: &[L1BlockInfo],
    s: &SpanBatch,
    l2: &MemoryL2,
) -> BatchValidity {
    let cfg = cfg(holocene);
    // MemoryL2 computes its own hash for block 50; judge against that safe head.
    let safe = l2.head();
    let inclusion = l1(12);
    let ctx = BatchContext { cfg: &cfg, l1_blocks, safe: &safe, inclusion: &inclusion };
    check_span(&ctx, s, l2).await
}

#[tokio::test]
async fn span_starting_at_the_next_block_is_accepted() {
    let l2 = l2_chain();
    let s = span(false, &[(10, 112), (10, 114), (11, 116)], l2.head().hash, l1(11).hash);
    assert_eq!(judge_span(false, &[l1(10), l1(11)], &s, &l2).await, BatchValidity::Accept);
}

#[tokio::test]
async fn span_overlapping_the_safe_chain_must_match_it() {
    let l2 = l2_chain();
    let parent = l2.block_info(49).await.unwrap().unwrap();
    let same = span(false, &[(10, 110), (10, 112)], parent.hash, l1(10).hash);
    assert_eq!(judge_span(false, &[l1(10), l1(11)], &same, &l2).await, BatchValidity::Accept);
    let mut other = same.clone();
    other.elements[0].transactions = vec![Bytes::from_static(&[2, 2])];
    assert_eq!(
        judge_span(false, &[l1(10), l1(11)], &other, &l2).await,
        DROP(DropReason::OverlapMismatch)
    );
}

#[tokio::test]
async fn span_prefix_rules() {
    let l2 = l2_chain();
    let head = l2.head().hash;
    let blocks = [l1(10), l1(11)];
    // Starts after the next block.
    let s = span(false, &[(10, 114)], head, l1(10).hash);
    assert_eq!(judge_span(false, &blocks, &s, &l2).await, BatchValidity::Future);
    assert_eq!(judge_span(true, &blocks, &s, &l2).await, DROP(DropReason::FutureTimestamp));
    // Ends before the next block.
    let s = span(false, &[(10, 108), (10, 110)], head, l1(10).hash);
    assert_eq!(judge_span(false, &blocks, &s, &l2).await, DROP(DropReason::PastTimestamp));
    assert_eq!(judge_span(true, &blocks, &s, &l2).await, BatchValidity::Past);
    // Off the block grid.
    let s = span(false, &[(10, 109), (10, 111), (10, 113)], head, l1(10).hash);
    assert_eq!(judge_span(false, &blocks, &s, &l2).await, DROP(DropReason::MisalignedSpan));
    // Wrong parent.
    let s = span(false, &[(10, 112)], B256::repeat_byte(3), l1(10).hash);
    assert_eq!(judge_span(false, &blocks, &s, &l2).await, DROP(DropReason::ParentCheck));
    // Wrong origin check, or an end epoch not yet buffered.
    let s = span(false, &[(10, 112)], head, B256::repeat_byte(3));
    assert_eq!(judge_span(false, &blocks, &s, &l2).await, DROP(DropReason::OriginCheck));
    let s = span(false, &[(11, 112), (12, 114)], head, l1(12).hash);
    assert_eq!(judge_span(false, &blocks, &s, &l2).await, BatchValidity::Undecided);
    // Start epoch two past the parent's.
    let s = span(true, &[(12, 112)], head, l1(12).hash);
    assert_eq!(
        judge_span(false, &[l1(10), l1(11), l1(12)], &s, &l2).await,
        DROP(DropReason::StartEpochTooFar)
    );
}

#[tokio::test]
async fn span_before_delta_drops() {
    let l2 = l2_chain();
    let mut c = cfg(false);
    c.hardforks =
        HardforkSchedule { regolith_time: Some(0), canyon_time: Some(0), ..Default::default() };
    let safe = l2.head();
    let (inc, blocks) = (l1(12), [l1(10), l1(11)]);
    let ctx = BatchContext { cfg: &c, l1_blocks: &blocks, safe: &safe, inclusion: &inc };
    let s = span(false, &[(10, 112)], safe.hash, l1(10).hash);
    assert_eq!(check_span(&ctx, &s, &l2).await, DROP(DropReason::SpanBeforeDelta));
}

#[tokio::test]
async fn span_blocks_follow_the_singular_rules() {
    let l2 = l2_chain();
    let head = l2.head().hash;
    let blocks = [l1(10), l1(11)];
    // A block before its origin (epoch 11 at t=112, block at 112 is fine; 111 is not on grid).
    let mut late = l1(11);
    late.timestamp = 115;
    let s = span(false, &[(10, 112), (11, 114)], head, late.hash);
    assert_eq!(judge_span(false, &[l1(10), late], &s, &l2).await, DROP(DropReason::BeforeOrigin));
    // Drift: a block with txs more than 20 s after its origin.
    let s = span(
        false,
        &[(10, 112), (10, 114), (10, 116), (10, 118), (10, 120), (10, 122)],
        head,
        l1(10).hash,
    );
    assert_eq!(judge_span(false, &blocks, &s, &l2).await, DROP(DropReason::SequencerDrift));
    // A deposit in a span block.
    let mut s = span(false, &[(10, 112)], head, l1(10).hash);
    s.elements[0].transactions = vec![Bytes::from_static(&[0x7e])];
    assert_eq!(judge_span(false, &blocks, &s, &l2).await, DROP(DropReason::DepositTx));
    // Included too late.
    let cfg = cfg(false);
    let safe = l2.head();
    let inc = l1(30);
    let ctx = BatchContext { cfg: &cfg, l1_blocks: &blocks, safe: &safe, inclusion: &inc };
    let s = span(false, &[(10, 112)], head, l1(10).hash);
    assert_eq!(check_span(&ctx, &s, &l2).await, DROP(DropReason::IncludedTooLate));
}
