//! The batcher posting the sequencer's blocks to the dev L1: a verifier fed only from L1
//! reaches the sequencer's chain; channels close on size or age; a new batcher continues after
//! what is already on L1.

use lamina_l1::txmgr::{TxManager, TxManagerConfig};
use lamina_node::{
    EngineHandle,
    batcher::{Batcher, BatcherConfig},
    rollup::Verifier,
};

use crate::fixture::{Chain, Rollup, key};

async fn batcher(
    r: &Rollup,
    engine: &EngineHandle,
    config: BatcherConfig,
) -> Batcher<lamina_l1::dev::DevL1, EngineHandle> {
    let txmgr = TxManager::new(r.l1.clone(), key(1), TxManagerConfig::dev()).await.unwrap();
    Batcher::new(engine.clone(), txmgr, config).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_batcher_makes_the_sequencers_blocks_derivable() {
    let dir = tempfile::tempdir().unwrap();
    let r = Rollup::new(dir.path()).await;
    let (a, mut seq) = r.sequencer(&dir.path().join("sequencer"));
    r.transfers(&a, 0..4);
    let mut head = seq.build_next().await.unwrap();
    for _ in 0..4 {
        head = seq.build_next().await.unwrap();
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
        head = seq.build_next().await.unwrap();
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
        head = seq.build_next().await.unwrap();
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
