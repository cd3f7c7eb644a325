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
use lamina_p2p::{Gossip, GossipConfig, TopicVersion};
use libp2p::identity::Keypair;
use tokio::sync::mpsc;

use crate::fixture::Rollup;

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
        let mut c =
            GossipConfig::new(r.cfg.l2_chain_id, r.cfg.hardforks, Keypair::generate_secp256k1());
        c.listen = "/ip4/127.0.0.1/tcp/0".parse().unwrap();
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
