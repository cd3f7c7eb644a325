//! Lamina on gossip with a peer that is not Lamina: js-libp2p and the libp2p project's own
//! gossipsub (`tests/e2e/gossip-peer.mjs`, configured as OP's network runs gossipsub, with its
//! own check of each block's signature), the only link between a Lamina sequencer and a Lamina
//! verifier. The JS peer validates the sequencer's blocks (signer, number, hash) and relays
//! them; the verifier, which polls L1 once an hour, takes them from the JS peer and follows.

use std::{
    io::{BufRead, BufReader},
    path::PathBuf,
    process::{Child, Command, Stdio},
    sync::mpsc as std_mpsc,
    time::{Duration, Instant},
};

use lamina_node::{
    gossip,
    rollup::{Input, Mode, RollupNode, RollupNodeConfig, SequencerConfig},
};
use lamina_p2p::TopicVersion;
use serde_json::Value;

use crate::fixture::{Rollup, key};

struct Peer(Child);

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn e2e() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/e2e");
    assert!(
        dir.join("node_modules/@libp2p/gossipsub").is_dir(),
        "tests/e2e/node_modules missing: run `npm ci --prefix tests/e2e` (scripts/test.sh does)"
    );
    dir
}

async fn node(r: &Rollup, dir: &std::path::Path, mode: Mode) -> (RollupNode, gossip::P2p) {
    let engine = r.engine(dir);
    let node = RollupNode::start(
        engine,
        r.source(),
        RollupNodeConfig {
            mode,
            sequencer: SequencerConfig { confirmation_depth: 0 },
            sequencer_stopped: true,
            poll_interval: if mode == Mode::Sequencer {
                Duration::from_millis(50)
            } else {
                Duration::from_secs(3_600)
            },
            ..RollupNodeConfig::default()
        },
    )
    .await
    .unwrap();
    let c = r.gossip_config();
    let config = gossip::P2pConfig {
        gossip: c,
        sequencer_key: (mode == Mode::Sequencer).then(|| key(3)),
        signer: gossip::SignerSource::Fixed(key(3).address()),
    };
    let p2p = gossip::start(&node, r.l1.clone(), config).unwrap();
    (node, p2p)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_js_libp2p_peer_validates_and_relays_lamina_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let r = Rollup::new(dir.path()).await;
    let (sequencer, sp) = node(&r, &dir.path().join("sequencer"), Mode::Sequencer).await;
    let (verifier, vp) = node(&r, &dir.path().join("verifier"), Mode::Verifier).await;
    let b = verifier.engine.clone();

    let mut child = Command::new("node")
        .arg(e2e().join("gossip-peer.mjs"))
        .arg(r.cfg.l2_chain_id.to_string())
        .arg(key(3).address().to_string())
        .arg(sp.gossip.listen_addrs().await[0].to_string())
        .arg(vp.gossip.listen_addrs().await[0].to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("node runs");
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let _peer = Peer(child);
    let (tx, events) = std_mpsc::channel::<Value>();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            if let Ok(v) = serde_json::from_str(&line) {
                let _ = tx.send(v);
            }
        }
    });

    // Both Lamina nodes mesh with the JS peer, and only with it.
    let start = Instant::now();
    while sp.gossip.mesh_size(TopicVersion::V4).await.unwrap() < 1
        || vp.gossip.mesh_size(TopicVersion::V4).await.unwrap() < 1
    {
        assert!(start.elapsed() < Duration::from_secs(30), "no mesh with the JS peer");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(sp.gossip.peers().await.unwrap().len(), 1);
    sequencer.control.sequencer_active.store(true, std::sync::atomic::Ordering::SeqCst);
    sequencer.inbox.offer(Input::SequencerToggled).unwrap();

    let start = Instant::now();
    while b.store().forkchoice().unwrap().head.number < 3 {
        assert!(start.elapsed() < Duration::from_secs(60), "the verifier never followed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let a = sequencer.engine.clone();
    let head = b.store().forkchoice().unwrap().head;
    assert_eq!(a.store().canonical_hash(head.number).unwrap(), Some(head.hash));

    // What the JS peer saw: the sequencer's blocks, from the sequencer, signature checked.
    let seq_id = sp.gossip.peer_id().to_string();
    let mut seen = Vec::new();
    while let Ok(e) = events.try_recv() {
        assert!(e.get("rejected").is_none(), "the JS peer rejected a Lamina block: {e}");
        if let Some(n) = e["block"].as_u64() {
            assert_eq!(e["from"], seq_id.as_str(), "{e}");
            let hash = a.store().canonical_hash(n).unwrap().unwrap();
            assert_eq!(e["hash"], hash.to_string(), "block {n}");
            seen.push(n);
        }
    }
    assert!(seen.len() >= 3 && seen.contains(&head.number), "JS saw {seen:?}");
    // The verifier's only peer is the JS one, and it scores it well.
    let peers = vp.gossip.peers().await.unwrap();
    assert_eq!(peers.len(), 1);
    assert!(peers[0].score >= 0.0, "{peers:?}");
    sequencer.stop().await;
    verifier.stop().await;
}
