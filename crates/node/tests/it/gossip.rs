//! Two rollup nodes over OP's block gossip on loopback: the sequencer node signs and publishes
//! every block it builds, the verifier node (polling L1 once an hour, so only gossip can move
//! it) validates them and inserts them as its unsafe chain; the same blocks, with the latency
//! from the sequencer's head to the verifier's.

use std::time::{Duration, Instant};

use alloy_signer_local::PrivateKeySigner;
use lamina_node::{
    gossip,
    rollup::{Input, Mode, RollupNode, RollupNodeConfig, SequencerConfig},
};
use lamina_p2p::{Gossip, TopicVersion};
use tokio::sync::mpsc;

use crate::fixture::{Rollup, key};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_verifier_follows_the_sequencer_over_gossip() {
    let dir = tempfile::tempdir().unwrap();
    let r = Rollup::new(dir.path()).await;
    let block_key = PrivateKeySigner::random();
    let a = r.engine(&dir.path().join("sequencer"));
    let sequencer = RollupNode::start(
        a.clone(),
        r.source(),
        RollupNodeConfig {
            mode: Mode::Sequencer,
            sequencer: SequencerConfig { confirmation_depth: 0 },
            // Started once gossip is connected: every block it builds goes out.
            sequencer_stopped: true,
            poll_interval: Duration::from_millis(50),
            ..RollupNodeConfig::default()
        },
    )
    .await
    .unwrap();
    let b = r.engine(&dir.path().join("verifier"));
    let verifier = RollupNode::start(
        b.clone(),
        r.source(),
        RollupNodeConfig {
            mode: Mode::Verifier,
            poll_interval: Duration::from_secs(3_600),
            ..RollupNodeConfig::default()
        },
    )
    .await
    .unwrap();

    let gossip_node = |peers| {
        let mut c = r.gossip_config();
        c.static_peers = peers;
        c.signer = block_key.address();
        let (tx, rx) = mpsc::channel(64);
        (Gossip::spawn(c, tx).unwrap(), rx)
    };
    let (gb, blocks_b) = gossip_node(Vec::new());
    let (ga, blocks_a) = gossip_node(gb.listen_addrs().await);
    let start = Instant::now();
    // Both ends grafted: the first block must not go out before anyone would take it.
    while gb.mesh_size(TopicVersion::V4).await.unwrap() < 1
        || ga.mesh_size(TopicVersion::V4).await.unwrap() < 1
    {
        assert!(start.elapsed() < Duration::from_secs(20), "no mesh");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _seq = gossip::connect(&sequencer, ga, blocks_a, Some(block_key), r.cfg.clone());
    let _ver = gossip::connect(&verifier, gb, blocks_b, None, r.cfg.clone());
    sequencer.control.sequencer_active.store(true, std::sync::atomic::Ordering::SeqCst);
    sequencer.inbox.send(Input::SequencerToggled).await.unwrap();

    // Latency: each new sequencer head, until the verifier's head is the same block.
    let mut latencies = Vec::new();
    let mut seen = 0;
    let started = Instant::now();
    while latencies.len() < 3 {
        assert!(started.elapsed() < Duration::from_secs(60), "the verifier never followed");
        let head = a.store().forkchoice().unwrap().head;
        if head.number > seen {
            seen = head.number;
            let t = Instant::now();
            loop {
                let theirs = b.store().forkchoice().unwrap().head;
                if theirs.number >= head.number {
                    assert_eq!(b.store().canonical_hash(head.number).unwrap(), Some(head.hash));
                    latencies.push(t.elapsed());
                    break;
                }
                assert!(
                    t.elapsed() < Duration::from_secs(20),
                    "block {} never arrived",
                    head.number
                );
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    assert_eq!(b.store().forkchoice().unwrap().safe.number, 0, "unsafe only: nothing on L1");
    println!("sequencer head -> verifier head over gossip: {latencies:?}");
    sequencer.stop().await;
    verifier.stop().await;
}

/// A node on `engine` with gossip: listening on loopback, dialing `peers`, the signer read
/// from the SystemConfig every 200 ms, signing with dev account 3 (the deployment's unsafe
/// block signer) when it is a sequencer.
async fn node_with_gossip(
    r: &Rollup,
    engine: lamina_node::EngineHandle,
    mode: Mode,
    poll: Duration,
    peers: Vec<libp2p::Multiaddr>,
) -> (RollupNode, gossip::P2p) {
    let node = RollupNode::start(
        engine,
        r.source(),
        RollupNodeConfig {
            mode,
            sequencer: SequencerConfig { confirmation_depth: 0 },
            sequencer_stopped: true,
            poll_interval: poll,
            ..RollupNodeConfig::default()
        },
    )
    .await
    .unwrap();
    let mut c = r.gossip_config();
    c.static_peers = peers;
    c.redial = Duration::from_millis(200);
    let config = gossip::P2pConfig {
        gossip: c,
        sequencer_key: (mode == Mode::Sequencer).then(|| key(3)),
        signer: gossip::SignerSource::SystemConfig { reload: Duration::from_millis(200) },
    };
    let p2p = gossip::start(&node, r.l1.clone(), config).unwrap();
    (node, p2p)
}

/// Waits until `what` holds, up to `secs`.
async fn until(secs: u64, what: &str, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < Duration::from_secs(secs), "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn meshed(a: &lamina_p2p::Gossip, b: &lamina_p2p::Gossip) {
    let start = Instant::now();
    while a.mesh_size(TopicVersion::V4).await.unwrap() < 1
        || b.mesh_size(TopicVersion::V4).await.unwrap() < 1
    {
        assert!(start.elapsed() < Duration::from_secs(20), "no mesh");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn start_sequencing(node: &RollupNode) {
    node.control.sequencer_active.store(true, std::sync::atomic::Ordering::SeqCst);
    node.inbox.offer(Input::SequencerToggled).unwrap();
}

/// The signer comes from L1: both nodes read dev account 3 from the SystemConfig, gossip
/// flows; after `setUnsafeBlockSigner` moves it to another key, both follow within a reload,
/// the sequencer (whose key is no longer the signer) holds its blocks back and the verifier
/// takes none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_unsafe_block_signer_follows_the_system_config() {
    let dir = tempfile::tempdir().unwrap();
    let r = Rollup::new(dir.path()).await;
    let a = r.engine(&dir.path().join("sequencer"));
    let b = r.engine(&dir.path().join("verifier"));
    let hour = Duration::from_secs(3_600);
    let (verifier, vp) = node_with_gossip(&r, b.clone(), Mode::Verifier, hour, Vec::new()).await;
    let peers = vp.gossip.listen_addrs().await;
    let (sequencer, sp) =
        node_with_gossip(&r, a.clone(), Mode::Sequencer, Duration::from_millis(50), peers).await;
    until(10, "the signer from L1", || {
        vp.gossip.signer() == key(3).address() && sp.gossip.signer() == key(3).address()
    })
    .await;
    meshed(&vp.gossip, &sp.gossip).await;
    start_sequencing(&sequencer);
    until(30, "a gossiped block", || b.store().forkchoice().unwrap().head.number >= 1).await;

    let other = PrivateKeySigner::random().address();
    let call =
        lamina_l1::contracts::SystemConfig::setUnsafeBlockSignerCall { _unsafeBlockSigner: other };
    r.send_l1(
        0,
        r.addresses.system_config,
        alloy_sol_types::SolCall::abi_encode(&call),
        Default::default(),
    )
    .await;
    until(10, "the new signer", || vp.gossip.signer() == other && sp.gossip.signer() == other)
        .await;
    // Let a block in flight land, then the verifier stays while the sequencer moves on.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let held = b.store().forkchoice().unwrap().head.number;
    let seq_then = a.store().forkchoice().unwrap().head.number;
    until(20, "two more sequencer blocks", || {
        a.store().forkchoice().unwrap().head.number >= seq_then + 2
    })
    .await;
    assert_eq!(
        b.store().forkchoice().unwrap().head.number,
        held,
        "no block taken from the old key"
    );
    sequencer.stop().await;
    verifier.stop().await;
}

/// Gossiped blocks become safe by consolidation, not re-execution: the verifier (deriving
/// from L1 too) builds no block from attributes while the batcher posts the sequencer's
/// chain. A verifier restarted after missing blocks closes the gap from L1 (gossiped blocks
/// past the gap wait in its queue) and then follows gossip again: with the batcher stopped,
/// its unsafe head keeps up with the sequencer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gossiped_blocks_are_consolidated_and_a_restarted_verifier_follows_again() {
    use lamina_l1::txmgr::{TxManager, TxManagerConfig};
    use lamina_node::{
        batcher::{Batcher, BatcherConfig},
        poster,
    };

    let dir = tempfile::tempdir().unwrap();
    let r = Rollup::new(dir.path()).await;
    let a = r.engine(&dir.path().join("sequencer"));
    let fast = Duration::from_millis(50);
    let (sequencer, sp) = node_with_gossip(&r, a.clone(), Mode::Sequencer, fast, Vec::new()).await;
    let seq_addr = sp.gossip.listen_addrs().await;
    let vdir = dir.path().join("verifier");
    let b = r.engine(&vdir);
    let (verifier, vp) =
        node_with_gossip(&r, b.clone(), Mode::Verifier, fast, seq_addr.clone()).await;
    until(10, "the signer from L1", || vp.gossip.signer() == key(3).address()).await;
    meshed(&vp.gossip, &sp.gossip).await;
    start_sequencing(&sequencer);
    let txmgr = TxManager::new(r.l1.clone(), key(1), TxManagerConfig::dev()).await.unwrap();
    let config = BatcherConfig { max_channel_duration: 0, ..BatcherConfig::default() };
    let batcher = Batcher::new(a.clone(), txmgr, config).await.unwrap();
    // Slower than gossip by far: every block reaches the verifier over gossip first.
    let posting = tokio::spawn(poster::run(batcher, "batcher", Duration::from_millis(500)));

    until(60, "four safe blocks on the verifier", || {
        b.store().forkchoice().unwrap().safe.number >= 4
    })
    .await;
    let stats = *verifier.stats.borrow();
    assert!(stats.consolidated >= 4, "{stats:?}");
    assert_eq!(stats.derived, 0, "every safe block was a gossiped one: {stats:?}");
    verifier.stop().await;
    drop(vp);
    drop(verifier);
    drop(b);

    // Three blocks go by without the verifier.
    let missed = a.store().forkchoice().unwrap().head.number + 3;
    until(30, "blocks while the verifier is down", || {
        a.store().forkchoice().unwrap().head.number >= missed
    })
    .await;
    let b = r.engine(&vdir);
    let (verifier, _vp) = node_with_gossip(&r, b.clone(), Mode::Verifier, fast, seq_addr).await;
    until(60, "the gap closed from L1", || b.store().forkchoice().unwrap().safe.number >= missed)
        .await;
    // Now only gossip can move it.
    posting.abort();
    let _ = posting.await;
    let target = a.store().forkchoice().unwrap().head.number + 3;
    until(30, "the verifier following gossip again", || {
        b.store().forkchoice().unwrap().head.number >= target
    })
    .await;
    let head = b.store().forkchoice().unwrap().head;
    assert_eq!(a.store().canonical_hash(head.number).unwrap(), Some(head.hash));
    sequencer.stop().await;
    verifier.stop().await;
}
