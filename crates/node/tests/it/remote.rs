//! The verifier driving an engine in another server over the Engine API (HTTP + JWT), as it
//! would drive op-geth or op-reth: it reaches the sequencer's blocks from L1 alone, the node's
//! output roots come through `eth_getProof`, and a wrong secret is refused up front.

use std::time::Duration;

use alloy_rpc_types_engine::JwtSecret;
use lamina_node::{
    EngineNode, EngineNodeConfig,
    rollup::ExecutionEngine as _,
    rollup::{RemoteEngine, Verifier, rpc::output_at},
};

use crate::fixture::Rollup;

fn engine_config(r: &Rollup, dir: &std::path::Path, jwt: JwtSecret) -> EngineNodeConfig {
    let mut c = EngineNodeConfig::in_process(
        r.genesis_json.clone(),
        r.cfg.clone(),
        dir.to_path_buf(),
        None,
    );
    // This engine is driven from outside, over its Engine API port.
    c.auth = Some("127.0.0.1:0".parse().unwrap());
    c.jwt = jwt;
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_verifier_drives_a_remote_engine_over_the_engine_api() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = Rollup::new(dir.path()).await;
    let (a, mut seq) = r.sequencer(&dir.path().join("sequencer"));
    let mut head = seq.build_next().await.unwrap().info;
    for _ in 0..4 {
        head = seq.build_next().await.unwrap().info;
    }
    r.post_batches(&a, 1, head.number).await;

    let jwt = JwtSecret::random();
    let b = EngineNode::launch(engine_config(&r, &dir.path().join("remote"), jwt)).await.unwrap();
    let url = format!("http://{}", b.servers.auth.as_ref().unwrap().0);

    // The wrong secret: refused before anything is derived.
    let wrong = RemoteEngine::new(&url, JwtSecret::random(), r.cfg.clone()).unwrap();
    let refused = tokio::time::timeout(Duration::from_secs(10), Verifier::new(wrong, r.source()))
        .await
        .unwrap();
    assert!(refused.is_err(), "a wrong JWT is refused");

    let remote = RemoteEngine::new(&url, jwt, r.cfg.clone()).unwrap();
    let mut v = Verifier::new(remote.clone(), r.source()).await.unwrap();
    let safe = v.sync().await.unwrap();
    assert_eq!((safe.number, safe.hash), (head.number, head.hash));
    assert_eq!(b.handle.store().canonical_hash(head.number).unwrap(), Some(head.hash));
    assert_eq!(b.handle.store().forkchoice().unwrap().safe.hash, head.hash, "safe over FCU");
    assert_eq!(v.stats().derived, head.number);

    // Output roots read remotely equal the in-process ones.
    let (remote_out, _) = output_at(&remote, head.number).await.unwrap();
    let (local_out, _) = output_at(&a, head.number).await.unwrap();
    assert_eq!(remote_out.hash(), local_out.hash());

    // The batcher's throttle reaches the remote engine (`miner_setMaxDASize`).
    remote.set_max_da_size(Some(300), Some(21_000)).await.unwrap();
    assert_eq!(b.handle.block_limits().max_da_bytes, Some(21_000));
    remote.set_max_da_size(None, None).await.unwrap();
    assert_eq!(b.handle.block_limits().max_tx_da_bytes, None);
    b.stop().await;
}
