//! The rollup node is input-driven: blocks a sequencer node publishes, handed to a verifier
//! node's inbox, become the verifier's unsafe chain at once — its poll interval is an hour, and
//! nothing was posted to L1 — and a stopped node has let go of its engine's store.

use std::time::{Duration, Instant};

use lamina_node::rollup::{Input, Mode, RollupNode, RollupNodeConfig, SequencerConfig};

use crate::fixture::Rollup;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_published_block_is_applied_by_another_node_without_waiting_for_a_poll() {
    let dir = tempfile::tempdir().unwrap();
    let r = Rollup::new(dir.path()).await;
    let a = r.engine(&dir.path().join("sequencer"));
    let sequencer = RollupNode::start(
        a.clone(),
        r.source(),
        RollupNodeConfig {
            mode: Mode::Sequencer,
            sequencer: SequencerConfig { confirmation_depth: 0 },
            poll_interval: Duration::from_millis(50),
            ..RollupNodeConfig::default()
        },
    )
    .await
    .unwrap();
    let b_dir = dir.path().join("verifier");
    let b = r.engine(&b_dir);
    let verifier = RollupNode::start(
        b.clone(),
        r.source(),
        RollupNodeConfig {
            mode: Mode::Verifier,
            // A poll tick would come only after the test has failed.
            poll_interval: Duration::from_secs(3_600),
            ..RollupNodeConfig::default()
        },
    )
    .await
    .unwrap();

    // What gossip will do: every block the sequencer publishes goes into the verifier's inbox.
    let mut blocks = sequencer.subscribe_blocks();
    let inbox = verifier.inbox.clone();
    let relay = tokio::spawn(async move {
        let mut relayed = 0u64;
        while let Ok(payload) = blocks.recv().await {
            inbox.send(Input::UnsafePayload(payload)).await.unwrap();
            relayed += 1;
        }
        relayed
    });

    let started = Instant::now();
    let mut caught_up = None;
    while started.elapsed() < Duration::from_secs(30) {
        let head = b.store().forkchoice().unwrap().head;
        if head.number >= 3 {
            caught_up = Some(head);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let head = caught_up.expect("the verifier took the sequencer's blocks from its inbox");
    assert_eq!(Some(head.hash), a.store().canonical_hash(head.number).unwrap(), "same blocks");
    let fc = b.store().forkchoice().unwrap();
    assert_eq!(fc.safe.number, 0, "unsafe only: no batch was posted");
    println!("verifier head {} after {:?}", head.number, started.elapsed());

    // Stopping waits for the loops: afterwards the engines' stores can be opened again.
    sequencer.stop().await;
    verifier.stop().await;
    relay.abort();
    drop((sequencer, verifier, a, b));
    let reopened = r.engine(&b_dir);
    assert!(reopened.store().forkchoice().unwrap().head.number >= head.number);
    assert_eq!(reopened.store().canonical_hash(head.number).unwrap(), Some(head.hash));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_sequencer_follows_peers_blocks_and_an_active_one_builds_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let r = Rollup::new(dir.path()).await;
    // Another node's blocks: 1 empty, 2 with a transfer.
    let (other, mut seq) = r.sequencer(&dir.path().join("other"));
    let p1 = seq.build_next().await.unwrap();
    r.transfers(&other, 0..1);
    let p2 = seq.build_next().await.unwrap();
    assert_eq!(p2.payload.tx_count, 2, "the L1-info deposit and the transfer");

    let a = r.engine(&dir.path().join("a"));
    let node = RollupNode::start(
        a.clone(),
        r.source(),
        RollupNodeConfig {
            mode: Mode::Sequencer,
            sequencer: SequencerConfig { confirmation_depth: 0 },
            sequencer_stopped: true,
            poll_interval: Duration::from_secs(3_600),
            ..RollupNodeConfig::default()
        },
    )
    .await
    .unwrap();
    let head = || a.store().forkchoice().unwrap().head;
    let wait = |what: &str, f: &dyn Fn() -> bool| {
        let started = Instant::now();
        while !f() {
            assert!(started.elapsed() < Duration::from_secs(20), "timed out: {what}");
            std::thread::sleep(Duration::from_millis(20));
        }
    };

    // Stopped: it follows the peer's block.
    node.inbox.send(Input::UnsafePayload(p1.payload.into())).await.unwrap();
    wait("block 1 from the peer", &|| head().hash == p1.info.hash);

    // Active: the peer's block 2 is not taken; its own block 2 is built instead.
    node.control.sequencer_active.store(true, std::sync::atomic::Ordering::SeqCst);
    node.inbox.send(Input::UnsafePayload(p2.payload.into())).await.unwrap();
    node.inbox.send(Input::SequencerToggled).await.unwrap();
    wait("its own block 2", &|| head().number >= 2);
    assert_ne!(
        a.store().canonical_hash(2).unwrap(),
        Some(p2.info.hash),
        "the peer's block 2 was refused"
    );
    node.stop().await;
}
