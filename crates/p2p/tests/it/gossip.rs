//! Lamina nodes gossiping on loopback: a sequencer's signed blocks reach a verifier and relay
//! along a line of three; a rogue peer's block signed by another key is rejected, not relayed,
//! and the rogue is banned while honest blocks keep flowing.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use alloy_primitives::Address;
use alloy_signer_local::PrivateKeySigner;
use lamina_p2p::{BlockEnvelope, Gossip, GossipConfig, TopicVersion};
use lamina_protocol::HardforkSchedule;
use libp2p::identity::Keypair;
use tokio::sync::mpsc;

use crate::validate::{CHAIN, message, payload, payload_at};

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

/// A node on loopback dialing `peers`, following `signer`; its handle and its accepted blocks.
async fn node(
    peers: Vec<libp2p::Multiaddr>,
    signer: Address,
) -> (Gossip, mpsc::Receiver<Box<BlockEnvelope>>) {
    let mut config = GossipConfig::new(
        CHAIN,
        HardforkSchedule::all_through_isthmus(),
        Keypair::generate_secp256k1(),
    );
    config.listen = "/ip4/127.0.0.1/tcp/0".parse().unwrap();
    config.static_peers = peers;
    config.signer = signer;
    config.score_inspect = Duration::from_millis(300);
    let (tx, rx) = mpsc::channel(64);
    (Gossip::spawn(config, tx).unwrap(), rx)
}

/// Publishes until the mesh takes it (gossipsub needs a heartbeat to graft new peers).
async fn publish(g: &Gossip, data: Vec<u8>) {
    let start = Instant::now();
    while let Err(e) = g.publish(TopicVersion::V4, data.clone()).await {
        assert!(start.elapsed() < Duration::from_secs(20), "never published: {e}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Waits until `g`'s mesh on the block topic holds `n` peers.
async fn mesh(g: &Gossip, n: usize) {
    let start = Instant::now();
    while g.mesh_size(TopicVersion::V4).await.unwrap() < n {
        assert!(start.elapsed() < Duration::from_secs(20), "the mesh never formed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn next(rx: &mut mpsc::Receiver<Box<BlockEnvelope>>) -> Box<BlockEnvelope> {
    tokio::time::timeout(Duration::from_secs(20), rx.recv())
        .await
        .expect("a block in time")
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocks_flow_along_a_line_and_a_rogue_is_rejected_and_banned() {
    let block_key = PrivateKeySigner::random();
    let signer = block_key.address();
    // The line: sequencer — verifier — third; the rogue dials the verifier too.
    let (verifier, mut at_verifier) = node(Vec::new(), signer).await;
    let verifier_addr = verifier.listen_addrs().await;
    let (sequencer, _) = node(verifier_addr.clone(), signer).await;
    let (third, mut at_third) = node(verifier_addr.clone(), signer).await;
    let (rogue, _) = node(verifier_addr, signer).await;
    mesh(&verifier, 3).await;
    mesh(&third, 1).await;

    let t = now();
    let (p1, root) = payload(2, 1, 0, 0, t);
    publish(&sequencer, message(&p1, root, &block_key, CHAIN, 0)).await;
    let got = next(&mut at_verifier).await;
    assert_eq!(
        got.payload.as_v1().block_hash,
        p1.payload_inner.payload_inner.payload_inner.block_hash
    );
    let relayed = next(&mut at_third).await;
    assert_eq!(relayed.payload.as_v1().block_hash, got.payload.as_v1().block_hash, "relayed");

    // The rogue signs with its own key: rejected, its score sinks, it is banned.
    let rogue_key = PrivateKeySigner::random();
    let (bad, r) = payload(1, 2, 0, 0, t);
    publish(&rogue, message(&bad, r, &rogue_key, CHAIN, 0)).await;
    let start = Instant::now();
    loop {
        let banned = verifier.banned().await.unwrap();
        if banned.contains(&rogue.peer_id()) {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "the rogue was never banned");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(at_verifier.try_recv().is_err(), "the rogue's block was not accepted");

    // Honest blocks keep flowing, and the rogue's never reached the third node.
    let (p2, root) = payload(3, 3, 0, 0, now());
    publish(&sequencer, message(&p2, root, &block_key, CHAIN, 0)).await;
    let hash = p2.payload_inner.payload_inner.payload_inner.block_hash;
    assert_eq!(next(&mut at_verifier).await.payload.as_v1().block_hash, hash);
    assert_eq!(next(&mut at_third).await.payload.as_v1().block_hash, hash);
    let peers = verifier.peers().await.unwrap();
    assert!(peers.iter().all(|p| p.id != rogue.peer_id()), "the rogue is disconnected: {peers:?}");
}

/// Waits until `verifier` has banned `rogue`.
async fn banned(verifier: &Gossip, rogue: &Gossip, what: &str) {
    let start = Instant::now();
    while !verifier.banned().await.unwrap().contains(&rogue.peer_id()) {
        assert!(start.elapsed() < Duration::from_secs(20), "{what}: the rogue was never banned");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_bad_block_gets_its_sender_banned_and_honest_blocks_keep_flowing() {
    let block_key = PrivateKeySigner::random();
    let signer = block_key.address();
    let (verifier, mut at_verifier) = node(Vec::new(), signer).await;
    let addr = verifier.listen_addrs().await;
    let (sequencer, _) = node(addr.clone(), signer).await;
    // Each kind is built right before it is sent: the clock rules are relative to now.
    let bad = |kind: usize| -> Vec<Vec<u8>> {
        let t = now();
        let (good, root) = payload(1, 0, 0, 0, t);
        let one = |p: &_, r, key: &PrivateKeySigner, chain, v| vec![message(p, r, key, chain, v)];
        match kind {
            0 => one(&good, root, &PrivateKeySigner::random(), CHAIN, 0),
            1 => one(&good, root, &block_key, CHAIN + 1, 0),
            2 => one(&good, root, &block_key, CHAIN, 27),
            3 => {
                let (old, r) = payload(1, 0, 0, 0, t - 61);
                one(&old, r, &block_key, CHAIN, 0)
            }
            4 => {
                // Far past the 5 s allowed, so that a loaded machine taking seconds to deliver
                // it cannot bring it back within bounds (validate.rs tests the boundary with a
                // fixed clock).
                let (ahead, r) = payload(1, 0, 0, 0, t + 30);
                one(&ahead, r, &block_key, CHAIN, 0)
            }
            5 => {
                let mut wrong = good;
                wrong.payload_inner.payload_inner.payload_inner.block_hash.0[0] ^= 1;
                one(&wrong, root, &block_key, CHAIN, 0)
            }
            6 => {
                let mut bomb = vec![0x80, 0x80, 0xc0, 0x05];
                bomb.extend_from_slice(&[0; 64]);
                vec![bomb]
            }
            _ => (10..17u8)
                .map(|extra| {
                    let (p, r) = payload(0, extra, 0, 0, t);
                    message(&p, r, &block_key, CHAIN, 0)
                })
                .collect(),
        }
    };
    let names = [
        "another key",
        "another chain",
        "v = 27",
        "61 s old",
        "30 s ahead",
        "wrong block hash",
        "snappy bomb",
        "a seventh block at one height",
    ];
    for (kind, what) in names.iter().enumerate() {
        let (rogue, _) = node(addr.clone(), signer).await;
        mesh(&rogue, 1).await;
        for m in bad(kind) {
            publish(&rogue, m).await;
        }
        banned(&verifier, &rogue, what).await;
    }
    // Only the six honest-looking blocks of the equivocation were accepted.
    let mut accepted = 0;
    while at_verifier.try_recv().is_ok() {
        accepted += 1;
    }
    assert_eq!(accepted, 6);
    // At a height of its own: the equivocation filled the other.
    let (p, root) = payload_at(2, 99, 1_000_000, now());
    mesh(&sequencer, 1).await;
    publish(&sequencer, message(&p, root, &block_key, CHAIN, 0)).await;
    let got = next(&mut at_verifier).await;
    assert_eq!(
        got.payload.as_v1().block_hash,
        p.payload_inner.payload_inner.payload_inner.block_hash
    );
}
