//! The driver over the synthetic rollup with fake executors: what an executor's refusal does
//! before and from Holocene, and where a reset restarts derivation after an L1 reorg.

use std::convert::Infallible;

use alloy_primitives::Bytes;
use lamina_derive::{
    DerivedAttributes, L2Source,
    driver::{self, DriverStep, Execution, Executor, SafeKind},
    memory::MemoryL2,
    testing::{Chain, Rules, Verifier, verify},
};
use lamina_protocol::{
    block::{Forkchoice, L2BlockInfo},
    constants::DEPOSIT_TX_TYPE,
};

/// The in-memory chain, refusing any block that carries tx `bad`.
struct Refusing {
    l2: MemoryL2,
    bad: Bytes,
}

impl Executor for Refusing {
    type Error = Infallible;

    async fn execute(&mut self, attrs: &DerivedAttributes) -> Result<Execution, Infallible> {
        if attrs.transactions().contains(&self.bad) {
            return Ok(Execution::Invalid("the test refuses this tx".into()));
        }
        self.l2.execute(attrs).await
    }
}

/// Drives `v`'s pipeline with `exec` until it idles; returns every step but progress.
async fn drive(v: &mut Verifier, exec: &mut impl Executor) -> Vec<DriverStep> {
    let mut seen = Vec::new();
    for _ in 0..10_000 {
        match driver::step(&mut v.pipeline, &v.l2.head(), exec).await.unwrap() {
            DriverStep::Idle => return seen,
            DriverStep::Progress | DriverStep::AdvancedOrigin(_) => {}
            other => seen.push(other),
        }
    }
    panic!("the driver never idled");
}

/// Six blocks with a tx each, as singular batches in one channel on L1.
async fn six_blocks_in_one_channel(rules: Rules) -> (Chain, Vec<Bytes>) {
    let chain = Chain::new(rules);
    chain.l1_blocks(2);
    let batches = chain.sequence(6, 1).await;
    let txs = batches.iter().map(|b| b.transactions[0].clone()).collect();
    chain.l1_block(vec![chain.batcher_tx(&chain.channel(&batches, 100_000))]);
    (chain, txs)
}

fn kinds(steps: &[DriverStep]) -> Vec<Option<SafeKind>> {
    steps
        .iter()
        .map(|s| match s {
            DriverStep::Safe(b) => Some(b.kind),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn from_holocene_a_refused_block_keeps_its_deposits_and_the_channel_is_flushed() {
    let (chain, txs) = six_blocks_in_one_channel(Rules::Holocene).await;
    let mut v = Verifier::new(&chain);
    let mut exec = Refusing { l2: v.l2.clone(), bad: txs[2].clone() };
    let steps = drive(&mut v, &mut exec).await;

    let built = Some(SafeKind::Built);
    assert_eq!(kinds(&steps), [built, built, Some(SafeKind::DepositsOnly)]);
    let DriverStep::Safe(replaced) = &steps[2] else { unreachable!() };
    assert_eq!(replaced.info, v.l2.head(), "the deposits-only block is the safe head");
    assert_eq!(replaced.info.number, 3);
    let block3 = v.l2.block_transactions(3).await.unwrap().unwrap();
    assert!(!block3.is_empty() && block3.iter().all(|t| t[0] == DEPOSIT_TX_TYPE));
    // Blocks 4–6 were in the flushed channel: nothing builds on the replaced block.
    assert_ne!(v.l2.head().hash, chain.seq.head().hash);
}

#[tokio::test]
async fn before_holocene_a_refused_block_is_dropped_and_the_safe_head_stays() {
    let (chain, txs) = six_blocks_in_one_channel(Rules::PreHolocene).await;
    let mut v = Verifier::new(&chain);
    let mut exec = Refusing { l2: v.l2.clone(), bad: txs[2].clone() };
    let steps = drive(&mut v, &mut exec).await;

    let built = Some(SafeKind::Built);
    assert_eq!(kinds(&steps), [built, built, None]);
    assert!(matches!(steps[2], DriverStep::Dropped { number: 3, .. }), "{:?}", steps[2]);
    assert_eq!(v.l2.head().number, 2, "the later batches build on the dropped block: dropped");
}

#[tokio::test]
async fn the_same_driver_with_an_accepting_executor_reaches_the_sequencers_chain() {
    for rules in [Rules::PreHolocene, Rules::Holocene] {
        let (chain, _) = six_blocks_in_one_channel(rules).await;
        let v = verify(&chain).await;
        assert_eq!(v.l2.head(), chain.seq.head(), "{rules:?}");
    }
}

fn heads(head: &L2BlockInfo, finalized: &L2BlockInfo) -> Forkchoice {
    Forkchoice { head: head.id(), safe: head.id(), finalized: finalized.id() }
}

#[tokio::test]
async fn a_reset_moves_the_heads_below_a_reorged_origin_and_reads_l1_a_channel_timeout_back() {
    let chain = Chain::new(Rules::Holocene);
    chain.l1_blocks(8);
    let batches = chain.sequence(40, 1).await;
    chain.l1_block(vec![chain.batcher_tx(&chain.channel(&batches, 100_000))]);
    let mut v = verify(&chain).await;
    let head = v.l2.head();
    assert_eq!(head, chain.seq.head());
    let genesis = chain.genesis;
    let timeout = chain.cfg.channel_timeout(head.timestamp);

    // No reorg: the unsafe head stays, the safe head goes a channel timeout of origins back.
    let p = driver::reset(&mut v.pipeline, &heads(&head, &genesis)).await.unwrap();
    assert_eq!(p.unsafe_head, head);
    assert!(p.safe.l1_origin.number + timeout <= head.l1_origin.number || p.safe == genesis);
    assert_eq!(p.base.number, p.safe.l1_origin.number.saturating_sub(timeout));
    assert_eq!(v.pipeline.origin().map(|o| o.number), Some(p.base.number));

    // L1 loses block 6 and above: every L2 block on those origins leaves the unsafe chain.
    chain.l1.rewind(5);
    chain.l1_block(vec![chain.batcher_tx(&chain.channel(&batches[..1], 100_000))]);
    let p = driver::reset(&mut v.pipeline, &heads(&head, &genesis)).await.unwrap();
    assert!(p.unsafe_head.l1_origin.number <= 5, "{:?}", p.unsafe_head);
    assert!(p.unsafe_head.number < head.number);
    assert_eq!(
        v.l2.block_info(p.unsafe_head.number + 1).await.unwrap().map(|b| b.l1_origin.number),
        Some(6),
        "the next block's origin was reorged out"
    );
    assert!(p.safe.number <= p.unsafe_head.number);

    // Finality is never undone: a finalized block on a lost origin is an error, not a reset.
    let err = driver::reset(&mut v.pipeline, &heads(&head, &head)).await.unwrap_err();
    assert!(matches!(err, driver::ResetError::FinalizedOriginGone { .. }), "{err}");
}
