//! A verifier's engine forwards the txs it is sent to the sequencer (`--rollup.sequencer-http`)
//! instead of pooling them where no block will ever take them; garbage stops at the verifier
//! and the sequencer's refusals reach the sender.

use alloy_primitives::{Address, B256, Bytes};
use jsonrpsee::{core::client::ClientT, http_client::HttpClientBuilder, rpc_params};
use lamina_engine::rpc::eth::EthChain;
use lamina_node::{EngineNode, EngineNodeConfig};

use crate::fixture::{Rollup, key, transfer};

fn config(r: &Rollup, dir: &std::path::Path, forward: Option<String>) -> EngineNodeConfig {
    let mut c = EngineNodeConfig::in_process(
        r.genesis_json.clone(),
        r.cfg.clone(),
        dir.to_path_buf(),
        Some("127.0.0.1:0".parse().unwrap()),
    );
    c.sequencer_http = forward;
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_verifier_forwards_txs_to_the_sequencer_instead_of_pooling_them() {
    let dir = tempfile::tempdir().unwrap();
    let r = Rollup::new(dir.path()).await;
    let seq = EngineNode::launch(config(&r, &dir.path().join("seq"), None)).await.unwrap();
    let seq_url = format!("http://{}", seq.servers.http.as_ref().unwrap().0);
    let ver = EngineNode::launch(config(&r, &dir.path().join("ver"), Some(seq_url))).await.unwrap();
    let ver_url = format!("http://{}", ver.servers.http.as_ref().unwrap().0);
    let client = HttpClientBuilder::default().build(ver_url).unwrap();

    let tx = transfer(&r.cfg, &key(6), 0, Address::repeat_byte(6));
    let hash: B256 =
        client.request("eth_sendRawTransaction", rpc_params![tx.clone()]).await.unwrap();
    assert_eq!(hash, alloy_primitives::keccak256(&tx));
    let sender = key(6).address();
    assert_eq!(seq.handle.pending_nonce(&sender), Some(1), "pooled at the sequencer");
    assert_eq!(ver.handle.pending_nonce(&sender), None, "not pooled at the verifier");

    // The sequencer's refusal comes back as it gave it.
    let again = client
        .request::<B256, _>("eth_sendRawTransaction", rpc_params![tx])
        .await
        .unwrap_err()
        .to_string();
    assert!(again.contains("already known"), "{again}");
    // Garbage never leaves the verifier.
    let garbage = client
        .request::<B256, _>("eth_sendRawTransaction", rpc_params![Bytes::from_static(b"\x02junk")])
        .await
        .unwrap_err()
        .to_string();
    assert!(garbage.contains("decoding failed"), "{garbage}");
    assert_eq!(seq.handle.pending_nonce(&sender), Some(1));
    seq.stop().await;
    ver.stop().await;
}
