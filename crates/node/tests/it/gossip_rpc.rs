//! A verifier node's op-node RPC for gossip, as operators and op-conductor use it:
//! `admin_postUnsafePayload` (a bad block hash refused and nothing inserted; good blocks
//! posted out of order queued and inserted in order) and `opp2p_` (self, peers with op-node's
//! fields, stats, and the admin controls: connect, protect, block, unblock, disconnect, with
//! the controls absent without admin).

use std::time::{Duration, Instant};

use jsonrpsee::{
    core::client::ClientT,
    http_client::{HttpClient, HttpClientBuilder},
    rpc_params,
};
use lamina_engine::rpc::{RpcConfig, serve};
use lamina_node::{
    gossip,
    rollup::{Mode, RollupNode, RollupNodeConfig, SequencerConfig, rpc::module},
};
use lamina_p2p::Gossip;
use op_alloy_rpc_types_engine::OpExecutionPayloadEnvelope;
use serde_json::Value;
use tokio::sync::mpsc;

use crate::fixture::Rollup;

async fn serve_node(
    node: &RollupNode,
    p2p: &gossip::P2p,
    chain_id: u64,
    admin: bool,
) -> (HttpClient, jsonrpsee::server::ServerHandle) {
    let mut m = module(node, admin);
    m.merge(gossip::rpc::module(p2p.gossip.clone(), chain_id, admin)).unwrap();
    let rpc = RpcConfig::new(None, None, alloy_rpc_types_engine::JwtSecret::random());
    let (addr, server) = serve(m, "127.0.0.1:0".parse().unwrap(), &rpc).await.unwrap();
    (HttpClientBuilder::default().build(format!("http://{addr}")).unwrap(), server)
}

async fn until<F: std::future::Future<Output = bool>>(what: &str, mut f: impl FnMut() -> F) {
    let start = Instant::now();
    while !f().await {
        assert!(start.elapsed() < Duration::from_secs(20), "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_post_unsafe_payload_and_the_opp2p_methods() {
    let dir = tempfile::tempdir().unwrap();
    let r = Rollup::new(dir.path()).await;
    // A sequencer (no gossip) whose first three blocks are the payloads to post.
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
    let mut built = sequencer.subscribe_blocks();
    let mut envelopes = Vec::new();
    while envelopes.len() < 3 {
        let p = built.recv().await.unwrap();
        envelopes.push(OpExecutionPayloadEnvelope {
            parent_beacon_block_root: p.data.sidecar.parent_beacon_block_root(),
            execution_payload: p.data.payload.clone(),
        });
    }
    sequencer.stop().await;

    let b = r.engine(&dir.path().join("verifier"));
    let verifier = RollupNode::start(
        b.clone(),
        r.source(),
        RollupNodeConfig {
            poll_interval: Duration::from_secs(3_600),
            ..RollupNodeConfig::default()
        },
    )
    .await
    .unwrap();
    let c = r.gossip_config();
    let p2p = gossip::start(
        &verifier,
        r.l1.clone(),
        gossip::P2pConfig {
            gossip: c,
            sequencer_key: None,
            signer: gossip::SignerSource::Fixed(alloy_primitives::Address::ZERO),
        },
    )
    .unwrap();
    let (rpc, server) = serve_node(&verifier, &p2p, r.cfg.l2_chain_id, true).await;

    // A block whose hash is not its contents': refused, nothing inserted.
    let mut bad = serde_json::to_value(&envelopes[0]).unwrap();
    bad["executionPayload"]["blockHash"] = Value::String(format!("0x{}", "11".repeat(32)));
    let err =
        rpc.request::<Value, _>("admin_postUnsafePayload", rpc_params![bad]).await.unwrap_err();
    assert!(err.to_string().contains("bad block hash"), "{err}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(b.store().forkchoice().unwrap().head.number, 0);

    // Out of order: 3 and 2 wait for 1, then all three apply.
    for i in [2, 1, 0] {
        let _: Value =
            rpc.request("admin_postUnsafePayload", rpc_params![&envelopes[i]]).await.unwrap();
    }
    until("three posted blocks", || async { b.store().forkchoice().unwrap().head.number == 3 })
        .await;
    let head = b.store().forkchoice().unwrap().head;
    assert_eq!(head.hash, envelopes[2].execution_payload.block_hash());

    // opp2p: itself, then a peer connected by the operator.
    let me: Value = rpc.request("opp2p_self", rpc_params![]).await.unwrap();
    assert_eq!(me["peerID"], p2p.gossip.peer_id().to_string());
    assert!(me["addresses"][0].as_str().unwrap().starts_with("/ip4/127.0.0.1/tcp/"), "{me}");
    let pc = r.gossip_config();
    let (tx, _blocks) = mpsc::channel(8);
    let peer = Gossip::spawn(pc, tx).unwrap();
    let peer_addr = peer.listen_addrs().await[0].to_string();
    let id = peer.peer_id().to_string();
    let err = rpc
        .request::<Value, _>("opp2p_connectPeer", rpc_params!["not a multiaddr"])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("multiaddr"), "{err}");
    let _: Value = rpc.request("opp2p_connectPeer", rpc_params![&peer_addr]).await.unwrap();
    let peers = |connected: bool| {
        let rpc = rpc.clone();
        async move { rpc.request::<Value, _>("opp2p_peers", rpc_params![connected]).await.unwrap() }
    };
    until("the peer identified on the block topics", || {
        let id = id.clone();
        let peers = peers(true);
        async move {
            let d = peers.await;
            d["peers"][&id]["gossipBlocks"] == true && d["peers"][&id]["userAgent"] != ""
        }
    })
    .await;
    let dump = peers(true).await;
    let info = &dump["peers"][&id];
    assert_eq!(dump["totalConnected"], 1, "{dump}");
    assert_eq!(info["direction"], 2, "{dump}");
    assert_eq!(info["connectedness"], 1, "{dump}");
    assert_eq!(info["chainID"], r.cfg.l2_chain_id, "{dump}");
    assert!(info["scores"]["gossip"]["total"].is_number(), "{dump}");
    assert!(
        info["protocols"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p.as_str().unwrap().contains("meshsub")),
        "{dump}"
    );
    let stats: Value = rpc.request("opp2p_peerStats", rpc_params![]).await.unwrap();
    assert_eq!(stats["connected"], 1, "{stats}");
    assert_eq!(stats["blocksTopicV4"], 1, "{stats}");
    let table: Value = rpc.request("opp2p_discoveryTable", rpc_params![]).await.unwrap();
    assert_eq!(table, Value::Array(Vec::new()));

    let _: Value = rpc.request("opp2p_protectPeer", rpc_params![&id]).await.unwrap();
    until("protected", || {
        let (id, peers) = (id.clone(), peers(true));
        async move { peers.await["peers"][&id]["protected"] == true }
    })
    .await;
    // Blocked: disconnected and listed; unblocked: listed no more.
    let _: Value = rpc.request("opp2p_blockPeer", rpc_params![&id]).await.unwrap();
    until("the blocked peer gone", || {
        let peers = peers(true);
        async move { peers.await["totalConnected"] == 0 }
    })
    .await;
    let blocked: Vec<String> = rpc.request("opp2p_listBlockedPeers", rpc_params![]).await.unwrap();
    assert_eq!(blocked, vec![id.clone()]);
    let err =
        rpc.request::<Value, _>("opp2p_connectPeer", rpc_params![&peer_addr]).await.unwrap_err();
    assert!(err.to_string().contains("dial"), "a blocked peer is not dialed: {err}");
    let _: Value = rpc.request("opp2p_unblockPeer", rpc_params![&id]).await.unwrap();
    let blocked: Vec<String> = rpc.request("opp2p_listBlockedPeers", rpc_params![]).await.unwrap();
    assert!(blocked.is_empty());
    let _: Value = rpc.request("opp2p_connectPeer", rpc_params![&peer_addr]).await.unwrap();
    let _: Value = rpc.request("opp2p_disconnectPeer", rpc_params![&id]).await.unwrap();
    until("disconnected", || {
        let peers = peers(true);
        async move { peers.await["totalConnected"] == 0 }
    })
    .await;
    let err = rpc.request::<Value, _>("opp2p_blockPeer", rpc_params!["nope"]).await.unwrap_err();
    assert!(err.to_string().contains("peer id"), "{err}");
    server.stop().unwrap();

    // Without admin: reads only.
    let (rpc, server) = serve_node(&verifier, &p2p, r.cfg.l2_chain_id, false).await;
    let _: Value = rpc.request("opp2p_peerStats", rpc_params![]).await.unwrap();
    for method in ["opp2p_blockPeer", "opp2p_connectPeer", "admin_postUnsafePayload"] {
        let err = rpc.request::<Value, _>(method, rpc_params!["x"]).await.unwrap_err();
        assert!(err.to_string().contains("not found"), "{method}: {err}");
    }
    server.stop().unwrap();
    verifier.stop().await;
}
