//! Discovery on loopback: three nodes of one chain and one of another share a bootnode. The
//! two that know only the bootnode find each other by random walks and connect for gossip
//! with no static peers; nobody dials the node of the other chain (its `opstack` entry names
//! another chain id), though it sits in the same discovery table.

use std::time::{Duration, Instant};

use lamina_p2p::{DiscoveryConfig, Enr, Gossip, GossipConfig, PeerId};
use lamina_protocol::HardforkSchedule;
use libp2p::identity::Keypair;
use tokio::sync::mpsc;

use crate::validate::CHAIN;

fn node(chain: u64, bootnodes: Vec<Enr>) -> Gossip {
    let mut config = GossipConfig::new(
        chain,
        HardforkSchedule::all_through_isthmus(),
        Keypair::generate_secp256k1(),
    );
    config.listen = "/ip4/127.0.0.1/tcp/0".parse().unwrap();
    config.discovery = Some(DiscoveryConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        bootnodes,
        walk: Duration::from_millis(200),
        ..DiscoveryConfig::new()
    });
    let (tx, _rx) = mpsc::channel(8);
    Gossip::spawn(config, tx).unwrap()
}

async fn enr(g: &Gossip) -> Enr {
    let start = Instant::now();
    loop {
        if let Some(info) = g.discovery().await.unwrap() {
            return info.enr.parse().unwrap();
        }
        assert!(start.elapsed() < Duration::from_secs(10), "discovery never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn connected(g: &Gossip) -> Vec<PeerId> {
    g.peer_details(true).await.unwrap().into_iter().map(|p| p.id).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_of_a_chain_find_each_other_and_only_each_other() {
    let boot = node(CHAIN, Vec::new());
    let boot_enr = enr(&boot).await;
    assert_eq!(boot_enr.ip4(), Some(std::net::Ipv4Addr::LOCALHOST));
    assert!(boot_enr.tcp4().is_some_and(|p| p > 0), "the real gossip port: {boot_enr}");
    let other = node(CHAIN + 1, vec![boot_enr.clone()]);
    let other_id = enr(&other).await.node_id();
    let b = node(CHAIN, vec![boot_enr.clone()]);
    let c = node(CHAIN, vec![boot_enr]);
    let (b_id, c_id) = (b.peer_id(), c.peer_id());

    let start = Instant::now();
    loop {
        let (bs, cs) = (connected(&b).await, connected(&c).await);
        if bs.contains(&c_id) && cs.contains(&b_id) && bs.contains(&boot.peer_id()) {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "b and c never found each other: b {bs:?}, c {cs:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The node of the other chain is in the bootnode's table, walks see it, yet nobody of ours
    // dialed it, nor it us.
    let start = Instant::now();
    loop {
        let table = boot.discovery().await.unwrap().unwrap().table;
        if table.iter().any(|e| e.parse::<Enr>().unwrap().node_id() == other_id) {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "the other chain's node is not known");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    for g in [&boot, &b, &c] {
        assert!(!connected(g).await.contains(&other.peer_id()), "a node of another chain");
    }
    assert!(connected(&other).await.is_empty());
    let stats = b.stats().await.unwrap();
    assert!(stats.table >= 1 && stats.connected >= 2, "{stats:?}");
}

/// The peer limit: a node with room for one peer keeps its protected peer and disconnects the
/// others that dialed it once their grace is over.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peers_over_the_limit_are_disconnected_but_protected_ones_stay() {
    let mut config = GossipConfig::new(
        CHAIN,
        HardforkSchedule::all_through_isthmus(),
        Keypair::generate_secp256k1(),
    );
    config.listen = "/ip4/127.0.0.1/tcp/0".parse().unwrap();
    config.peers_hi = 1;
    config.peers_grace = Duration::ZERO;
    config.score_inspect = Duration::from_millis(200);
    let (tx, _rx) = mpsc::channel(8);
    let hub = Gossip::spawn(config, tx).unwrap();
    let addr = hub.listen_addrs().await[0].clone();
    let others: Vec<Gossip> = (0..3).map(|_| node(CHAIN, Vec::new())).collect();
    hub.protect(others[1].peer_id(), true).await.unwrap();
    for o in &others {
        o.connect(addr.clone()).await.unwrap();
    }
    let start = Instant::now();
    loop {
        let now = connected(&hub).await;
        if now == vec![others[1].peer_id()] {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "still connected to {now:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A second node on a port another listens on refuses to start (libp2p's SO_REUSEPORT would
/// otherwise let both listen and split the incoming connections).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_taken_gossip_port_is_an_error() {
    let first = node(CHAIN, Vec::new());
    let addr = first.listen_addrs().await[0].clone();
    let mut config = GossipConfig::new(
        CHAIN,
        HardforkSchedule::all_through_isthmus(),
        Keypair::generate_secp256k1(),
    );
    config.listen = addr.iter().take(2).collect();
    let (tx, _rx) = mpsc::channel(8);
    let err = Gossip::spawn(config, tx).unwrap_err().to_string();
    assert!(err.contains("cannot listen"), "{err}");
}
