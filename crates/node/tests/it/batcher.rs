//! The batcher posting the sequencer's blocks to the dev L1: a verifier fed only from L1
//! reaches the sequencer's chain; channels close on size or age; a new batcher continues after
//! what is already on L1; blobs (several frames to a tx) or calldata as the DA mode, the
//! prices and the fee caps say.

use lamina_derive::{Classify, Severity};
use lamina_l1::txmgr::{TxManager, TxManagerConfig};
use lamina_node::{
    EngineHandle,
    batcher::{Batcher, BatcherConfig, DaMode, Throttle, posted_channels},
    rollup::Verifier,
};

use crate::fixture::{Chain, Rollup, key};

async fn batcher(
    r: &Rollup,
    engine: &EngineHandle,
    config: BatcherConfig,
) -> Batcher<lamina_devl1::DevL1, EngineHandle> {
    batcher_with(r, engine, config, TxManagerConfig::dev()).await
}

async fn batcher_with(
    r: &Rollup,
    engine: &EngineHandle,
    config: BatcherConfig,
    tx: TxManagerConfig,
) -> Batcher<lamina_devl1::DevL1, EngineHandle> {
    let txmgr = TxManager::new(r.l1.clone(), key(1), tx).await.unwrap();
    Batcher::new(engine.clone(), txmgr, config).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_batcher_makes_the_sequencers_blocks_derivable() {
    let dir = tempfile::tempdir().unwrap();
    let r = Rollup::new(dir.path()).await;
    let (a, mut seq) = r.sequencer(&dir.path().join("sequencer"));
    r.transfers(&a, 0..4);
    let mut head = seq.build_next().await.unwrap().info;
    for _ in 0..4 {
        head = seq.build_next().await.unwrap().info;
    }

    // Age 0: every step posts what it has.
    let config = BatcherConfig { max_channel_duration: 0, ..BatcherConfig::default() };
    let mut b = batcher(&r, &a, config).await;
    let posted = b.step().await.unwrap().expect("a channel");
    assert_eq!(posted.blocks, 1..=head.number);
    assert_eq!(posted.frames, 1);
    assert!(b.step().await.unwrap().is_none(), "nothing new, nothing posted");

    let v_engine = r.engine(&dir.path().join("verifier"));
    let mut v: Verifier<Chain> = Verifier::new(v_engine, r.source()).await.unwrap();
    assert_eq!(v.sync().await.unwrap().hash, head.hash);

    // More blocks, a second channel, the verifier follows.
    r.transfers(&a, 4..6);
    for _ in 0..3 {
        head = seq.build_next().await.unwrap().info;
    }
    let posted = b.step().await.unwrap().expect("a second channel");
    assert_eq!(posted.blocks, head.number - 2..=head.number);
    assert_eq!(v.sync().await.unwrap().hash, head.hash);

    // A tiny size target: one block per channel, posted as soon as it is added.
    let mut tiny = batcher(
        &r,
        &a,
        BatcherConfig { target_channel_bytes: 1, max_channel_duration: 100, ..config },
    )
    .await;
    // No block is safe on the sequencer's engine yet, but its blocks are on L1: a new
    // batcher (same key) continues after them instead of posting them again.
    assert_eq!(tiny.next_block(), head.number + 1, "what is on L1 is not posted again");
    assert!(tiny.step().await.unwrap().is_none(), "nothing new to post");
    for _ in 0..2 {
        head = seq.build_next().await.unwrap().info;
    }
    drop(tiny);
    // The sequencer's own verifier makes its blocks safe; a new batcher starts after them.
    let mut own: Verifier<Chain> = Verifier::new(a.clone(), r.source()).await.unwrap();
    own.sync().await.unwrap();
    let safe = own.safe_head().await.unwrap().number;
    assert_eq!(safe, head.number - 2);
    tiny = batcher(
        &r,
        &a,
        BatcherConfig { target_channel_bytes: 1, max_channel_duration: 100, ..config },
    )
    .await;
    assert_eq!(tiny.next_block(), safe + 1);
    let one = tiny.step().await.unwrap().expect("a one-block channel");
    assert_eq!(one.blocks, safe + 1..=safe + 1);
    let two = tiny.step().await.unwrap().expect("the next one");
    assert_eq!(two.blocks, safe + 2..=safe + 2);
    assert_ne!(one.channel, two.channel);
    assert_eq!(v.sync().await.unwrap().hash, head.hash);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blobs_or_calldata_as_the_mode_prices_and_caps_say() {
    let dir = tempfile::tempdir().unwrap();
    let r = Rollup::new(dir.path()).await;
    let (a, mut seq) = r.sequencer(&dir.path().join("sequencer"));
    let v_engine = r.engine(&dir.path().join("verifier"));
    let mut v: Verifier<Chain> = Verifier::new(v_engine, r.source()).await.unwrap();
    let post_now =
        BatcherConfig { max_channel_duration: 0, da: DaMode::Auto, ..BatcherConfig::default() };

    // 200 kB that do not compress: two blobs' worth, sent in one tx of two blobs.
    r.noise(&a, 0..10, 20_000);
    let mut head = seq.build_next().await.unwrap().info;
    let mut b = batcher(&r, &a, post_now).await;
    let posted = b.step().await.unwrap().expect("a channel");
    assert_eq!(posted.da, DaMode::Blobs, "blob gas at the minimum is cheaper than calldata");
    assert_eq!((posted.frames, posted.txs), (2, 1), "{posted:?}");
    assert!(posted.bytes > 200_000);
    assert_eq!(v.sync().await.unwrap().hash, head.hash, "derived from the blobs");

    // One blob per tx: the same amount takes two txs.
    r.noise(&a, 10..20, 20_000);
    head = seq.build_next().await.unwrap().info;
    drop(b);
    let mut b = batcher(&r, &a, BatcherConfig { max_blobs_per_tx: 1, ..post_now }).await;
    let posted = b.step().await.unwrap().expect("a channel");
    assert_eq!((posted.da, posted.frames, posted.txs), (DaMode::Blobs, 2, 2));
    assert_eq!(v.sync().await.unwrap().hash, head.hash);

    // Blob gas above its cap: auto falls back to calldata.
    r.transfers(&a, 0..3);
    head = seq.build_next().await.unwrap().info;
    drop(b);
    let no_blobs = TxManagerConfig { max_fee_per_blob_gas: 0, ..TxManagerConfig::dev() };
    let mut b = batcher_with(&r, &a, post_now, no_blobs.clone()).await;
    assert_eq!(b.step().await.unwrap().expect("a channel").da, DaMode::Calldata);
    assert_eq!(v.sync().await.unwrap().hash, head.hash);

    // Calldata by choice, whatever blobs cost.
    head = seq.build_next().await.unwrap().info;
    drop(b);
    let mut b = batcher(&r, &a, BatcherConfig { da: DaMode::Calldata, ..post_now }).await;
    assert_eq!(b.step().await.unwrap().expect("a channel").da, DaMode::Calldata);
    assert_eq!(v.sync().await.unwrap().hash, head.hash);

    // Both kinds above their caps: nothing is sent, the loop is told to wait, the blocks stay
    // queued; a batcher within its caps later posts them.
    head = seq.build_next().await.unwrap().info;
    drop(b);
    let broke = TxManagerConfig { max_fee_per_gas: 0, ..no_blobs };
    let mut b = batcher_with(&r, &a, post_now, broke).await;
    let from = b.next_block();
    let err = b.step().await.unwrap_err();
    assert_eq!(err.severity(), Severity::Temporary, "{err}");
    let err = b.step().await.unwrap_err();
    assert_eq!(err.severity(), Severity::Temporary, "still waiting: {err}");
    drop(b);
    let mut b = batcher(&r, &a, post_now).await;
    assert_eq!(b.next_block(), from, "nothing of it reached L1");
    b.step().await.unwrap().expect("posted once fees allow");
    assert_eq!(v.sync().await.unwrap().hash, head.hash);

    // What L1 holds reads back, blobs and calldata alike: every block once.
    let cfg = a.rollup().clone();
    let (channels, repeated) = posted_channels(&r.l1, &cfg, key(1).address(), 0).await.unwrap();
    assert_eq!(repeated, 0);
    let blocks: usize = channels.iter().map(|c| c.l2_timestamps.len()).sum();
    assert_eq!(blocks as u64, head.number);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_l1_reorg_of_a_posted_channel_makes_the_batcher_post_it_again() {
    let dir = tempfile::tempdir().unwrap();
    let r = Rollup::new(dir.path()).await;
    let (a, mut seq) = r.sequencer(&dir.path().join("sequencer"));
    let v_engine = r.engine(&dir.path().join("verifier"));
    let mut v: Verifier<Chain> = Verifier::new(v_engine, r.source()).await.unwrap();
    let config =
        BatcherConfig { max_channel_duration: 0, da: DaMode::Calldata, ..BatcherConfig::default() };
    let mut b = batcher(&r, &a, config).await;
    r.transfers(&a, 0..2);
    let mut head = seq.build_next().await.unwrap().info;
    let first = b.step().await.unwrap().expect("a channel");
    assert_eq!(v.sync().await.unwrap().hash, head.hash);

    // The next channel lands, then L1 drops the block holding it.
    r.transfers(&a, 2..4);
    head = seq.build_next().await.unwrap().info;
    let second = b.step().await.unwrap().expect("a second channel");
    assert_eq!(second.blocks, head.number..=head.number);
    r.l1.reorg(1, &[]).unwrap();
    assert!(v.sync().await.unwrap().number < head.number, "the batch is gone from L1");

    // The batcher notices and posts the same blocks again, in a new channel, with the nonce
    // the chain now expects.
    let again = b.step().await.unwrap().expect("re-posted");
    assert_eq!(again.blocks, second.blocks);
    assert_ne!(again.channel, second.channel);
    assert_ne!(again.channel, first.channel);
    assert_eq!(v.sync().await.unwrap().hash, head.hash, "safe again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_growing_backlog_shrinks_the_sequencers_blocks_until_it_is_posted() {
    let dir = tempfile::tempdir().unwrap();
    let r = Rollup::new(dir.path()).await;
    let (a, mut seq) = r.sequencer(&dir.path().join("sequencer"));
    let throttle = Throttle { threshold: 500, tx_limit: 300, block_limit: 250 };
    let config = BatcherConfig {
        max_channel_duration: 0,
        throttle: Some(throttle),
        ..BatcherConfig::default()
    };
    // Fees above every cap: nothing can be posted, the backlog grows.
    let broke =
        TxManagerConfig { max_fee_per_gas: 0, max_fee_per_blob_gas: 0, ..TxManagerConfig::dev() };
    let mut stuck = batcher_with(&r, &a, config, broke).await;
    r.transfers(&a, 0..8);
    let full = seq.build_next().await.unwrap().info;
    assert_eq!(a.store().block_transactions(full.number).unwrap().unwrap().len(), 9, "unthrottled");
    assert!(stuck.step().await.is_err(), "nothing can be sent");
    assert_eq!(a.block_limits().max_da_bytes, Some(250), "the engine was told to shrink blocks");
    assert_eq!(a.block_limits().max_tx_da_bytes, Some(300));

    // Throttled, a block takes only what fits 250 DA bytes: two transfers of the next eight.
    r.transfers(&a, 8..16);
    let small = seq.build_next().await.unwrap().info;
    let taken = a.store().block_transactions(small.number).unwrap().unwrap().len() - 1;
    assert!((1..8).contains(&taken), "{taken} transfers in a throttled block");
    drop(stuck);

    // A batcher within its caps posts the backlog; the limits are lifted.
    let mut b = batcher(&r, &a, config).await;
    b.step().await.unwrap().expect("the backlog is posted");
    b.step().await.unwrap();
    assert_eq!(a.block_limits().max_da_bytes, None, "limits lifted");
    let rest = seq.build_next().await.unwrap().info;
    let taken_after = a.store().block_transactions(rest.number).unwrap().unwrap().len() - 1;
    assert_eq!(taken + taken_after, 8, "the rest fit in one block again");
}
