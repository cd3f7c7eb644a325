//! The rollup node as a service in sequencer mode, read and steered over its JSON-RPC as
//! op-node's clients do: blocks appear at the block time, batches posted to L1 make them safe
//! (consolidated on the sequencer's own engine), outputs are well formed, and the admin
//! switches stop and start the sequencer.

use std::time::Duration;

use alloy_primitives::{B256, U64, keccak256};
use jsonrpsee::{
    core::client::ClientT,
    http_client::{HttpClient, HttpClientBuilder},
    rpc_params,
};
use lamina_engine::rpc::{RpcConfig, serve};
use lamina_node::rollup::{Mode, RollupNode, RollupNodeConfig, SequencerConfig, rpc::module};
use serde_json::Value;

use crate::fixture::Rollup;

async fn status(c: &HttpClient) -> Value {
    c.request("optimism_syncStatus", rpc_params![]).await.unwrap()
}

/// Polls the status until `f` holds (at most 20 s).
async fn wait_for(c: &HttpClient, what: &str, f: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..200 {
        let s = status(c).await;
        if f(&s) {
            return s;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}: {}", status(c).await);
}

fn number(v: &Value) -> u64 {
    v["number"].as_u64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sequencer_node_serves_its_status_outputs_and_admin_switches() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = Rollup::new(dir.path()).await;
    let a = r.engine(&dir.path().join("sequencer"));
    let config = RollupNodeConfig {
        mode: Mode::Sequencer,
        sequencer: SequencerConfig { confirmation_depth: 0 },
        poll_interval: Duration::from_millis(50),
        safe_db: Some(dir.path().join("safedb.redb")),
        ..RollupNodeConfig::default()
    };
    let node = RollupNode::start(a.clone(), r.source(), config).await.unwrap();
    let rpc = RpcConfig::new(None, None, alloy_rpc_types_engine::JwtSecret::random());
    let (addr, server) =
        serve(module(&node, true), "127.0.0.1:0".parse().unwrap(), &rpc).await.unwrap();
    let c = HttpClientBuilder::default().build(format!("http://{addr}")).unwrap();

    // Blocks at the block time (the L2 genesis is the L1's time of deployment: now).
    let s = wait_for(&c, "two unsafe blocks", |s| number(&s["unsafe_l2"]) >= 2).await;
    assert_eq!(number(&s["safe_l2"]), 0);
    assert!(s["unsafe_l2"]["l1origin"]["number"].as_u64().unwrap() >= r.cfg.genesis.l1.number);

    // Batches on L1 make them safe: the node consolidates its own blocks.
    let n = number(&s["unsafe_l2"]);
    let before_batch = r.l1.store().head().unwrap().unwrap().0;
    r.post_batches(&a, 1, n).await;
    let batch_l1 = r.l1.store().head().unwrap().unwrap().0;
    r.l1.mine().unwrap();
    let s = wait_for(&c, "the batch to be derived", |s| number(&s["safe_l2"]) >= n).await;
    assert_eq!(
        s["safe_l2"]["hash"],
        Value::String(a.store().canonical_hash(n).unwrap().unwrap().to_string())
    );

    // optimism_safeHeadAtL1Block: from the batch's L1 block on, the safe head covers it.
    let at: Value = c
        .request("optimism_safeHeadAtL1Block", rpc_params![U64::from(batch_l1 + 1)])
        .await
        .unwrap();
    assert!(number(&at["safeHead"]) >= n, "{at}");
    assert!(number(&at["l1Block"]) >= batch_l1 && number(&at["l1Block"]) <= batch_l1 + 1, "{at}");
    let early = c
        .request::<Value, _>("optimism_safeHeadAtL1Block", rpc_params![U64::from(before_batch)])
        .await;
    assert!(early.is_err() || number(&early.unwrap()["safeHead"]) == 0);

    // optimism_outputAtBlock: output root v0 over the block's state root, the message passer's
    // storage root and the block hash.
    let out: Value = c.request("optimism_outputAtBlock", rpc_params![U64::from(1)]).await.unwrap();
    let word = |k: &str| out[k].as_str().unwrap().parse::<B256>().unwrap();
    let block_hash = out["blockRef"]["hash"].as_str().unwrap().parse::<B256>().unwrap();
    let mut pre = [0u8; 128];
    pre[32..64].copy_from_slice(word("stateRoot").as_slice());
    pre[64..96].copy_from_slice(word("withdrawalStorageRoot").as_slice());
    pre[96..].copy_from_slice(block_hash.as_slice());
    assert_eq!(word("outputRoot"), keccak256(pre));
    assert_eq!(word("stateRoot"), a.store().header(1).unwrap().unwrap().state_root);
    assert_eq!(block_hash, a.store().canonical_hash(1).unwrap().unwrap());
    let missing =
        c.request::<Value, _>("optimism_outputAtBlock", rpc_params![U64::from(1_000_000)]).await;
    assert!(missing.is_err(), "no output for a block that does not exist");

    let cfg: Value = c.request("optimism_rollupConfig", rpc_params![]).await.unwrap();
    assert_eq!(cfg["l2_chain_id"], 901);
    let version: String = c.request("optimism_version", rpc_params![]).await.unwrap();
    assert!(version.starts_with("lamina/"));

    // Admin: stop, a refused start on a wrong hash, start on the head.
    let head: B256 = c.request("admin_stopSequencer", rpc_params![]).await.unwrap();
    assert!(!c.request::<bool, _>("admin_sequencerActive", rpc_params![]).await.unwrap());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stopped_at = number(&status(&c).await["unsafe_l2"]);
    assert!(c.request::<(), _>("admin_startSequencer", rpc_params![B256::ZERO]).await.is_err());
    // A block time later, still no new block.
    tokio::time::sleep(Duration::from_millis(2_200)).await;
    let s = status(&c).await;
    assert_eq!(number(&s["unsafe_l2"]), stopped_at, "the stopped sequencer built nothing");
    let head_now: B256 = s["unsafe_l2"]["hash"].as_str().unwrap().parse().unwrap();
    assert!(a.store().block_number(&head).unwrap().is_some(), "stop returned a canonical head");
    c.request::<(), _>("admin_startSequencer", rpc_params![head_now]).await.unwrap();
    assert!(c.request::<bool, _>("admin_sequencerActive", rpc_params![]).await.unwrap());
    wait_for(&c, "blocks after the restart", |s| number(&s["unsafe_l2"]) > stopped_at).await;
    c.request::<(), _>("admin_resetDerivationPipeline", rpc_params![]).await.unwrap();
    wait_for(&c, "safe again after the reset", |s| number(&s["safe_l2"]) >= n).await;

    // Without admin, the admin methods do not exist.
    let plain = module(&node, false);
    assert!(plain.method("admin_stopSequencer").is_none());
    assert!(plain.method("optimism_syncStatus").is_some());
    let _ = server.stop();
    node.stop().await;
}
