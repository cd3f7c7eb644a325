//! Blob txs on the dev L1: admission checks their sidecars (refusals change nothing), mined
//! blobs are kept across restarts, the beacon API serves them by slot and tag (sidecars with
//! commitments and proofs that verify, filters, empty slots, bad ids), and `RpcL1` falls back
//! to the Deneb endpoint when a node lacks the Fulu one.

use alloy_consensus::{
    SignableTransaction, TxEip4844, TxEip4844Variant, TxEip4844WithSidecar, TxEnvelope,
};
use alloy_eips::{
    eip2718::Encodable2718,
    eip4844::{BlobTransactionSidecar, c_kzg, env_settings::EnvKzgSettings, kzg_to_versioned_hash},
    eip7594::BlobTransactionSidecarVariant,
};
use alloy_primitives::{Address, B256, Bytes, address};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use lamina_devl1::{DEV_ACCOUNTS, DevL1, DevL1Config, DevL1Error, DevL1Genesis, Mining};
use lamina_l1::chain::{L1Chain, RpcL1, RpcL1Config};
use serde_json::Value;

use crate::l1_chain::{serve_dev_l1, sidecar};

const CHAIN_ID: u64 = 900;
const SINK: Address = address!("000000000000000000000000000000000000b10b");
const GENESIS_TIME: u64 = 1_700_000_000;

fn open(dir: &std::path::Path, mining: Mining) -> DevL1 {
    let config = DevL1Config { mining, ..Default::default() };
    DevL1::open(dir, config, &DevL1Genesis::dev(GENESIS_TIME)).unwrap()
}

fn signer() -> PrivateKeySigner {
    PrivateKeySigner::from_bytes(&DEV_ACCOUNTS[5].1).unwrap()
}

/// A signed blob tx naming `hashes`, in its network form when it carries `sidecar`.
fn blob_tx(nonce: u64, hashes: Vec<B256>, sidecar: Option<BlobTransactionSidecar>) -> Bytes {
    let tx = TxEip4844 {
        chain_id: CHAIN_ID,
        nonce,
        gas_limit: 21_000,
        max_fee_per_gas: 10_000_000_000,
        max_priority_fee_per_gas: 1_000_000,
        to: SINK,
        blob_versioned_hashes: hashes,
        max_fee_per_blob_gas: 1_000,
        ..Default::default()
    };
    let tx: TxEip4844Variant = match sidecar {
        Some(s) => {
            TxEip4844WithSidecar::from_tx_and_sidecar(tx, BlobTransactionSidecarVariant::Eip4844(s))
                .into()
        }
        None => tx.into(),
    };
    let sig = signer().sign_hash_sync(&tx.signature_hash()).unwrap();
    TxEnvelope::from(tx.into_signed(sig)).encoded_2718().into()
}

#[test]
fn admission_checks_sidecars_and_mined_blobs_persist() {
    let dir = tempfile::tempdir().unwrap();
    let l1 = open(dir.path(), Mining::Manual);
    let good = sidecar(b"batch");
    let hashes: Vec<B256> = good.versioned_hashes().collect();

    let refused = |raw: Bytes| match l1.send_raw_transaction(&raw) {
        Err(DevL1Error::Blob(why)) => why,
        other => panic!("expected a blob refusal, got {other:?}"),
    };
    // No sidecar: the blobs could never be served.
    refused(blob_tx(0, hashes.clone(), None));
    // A proof for another blob.
    let mut swapped = good.clone();
    swapped.proofs.swap(0, 1);
    refused(blob_tx(0, hashes.clone(), Some(swapped)));
    // Hashes the sidecar does not match.
    refused(blob_tx(0, vec![hashes[1], hashes[0]], Some(good.clone())));
    // No blobs at all.
    let empty = BlobTransactionSidecar::new(vec![], vec![], vec![]);
    refused(blob_tx(0, vec![], Some(empty)));
    assert_eq!(l1.pending_count(), 0, "refusals leave nothing behind");

    let hash = l1.send_raw_transaction(&blob_tx(0, hashes.clone(), Some(good))).unwrap();
    // The pool holds it as a block will: without the sidecar.
    let pending = l1.pending_transaction(&hash).unwrap();
    assert!(pending.inner().as_eip4844().unwrap().tx().sidecar().is_none());
    let block = l1.mine().unwrap();
    let loc = l1.store().transaction_location(&hash).unwrap().unwrap();
    assert_eq!(loc.block, block.number);
    let stored = l1.stored_blobs(block.hash).unwrap();
    assert_eq!(stored.iter().map(|b| b.versioned_hash()).collect::<Vec<_>>(), hashes);
    assert!(l1.stored_blobs(l1.store().canonical_hash(0).unwrap().unwrap()).unwrap().is_empty());

    drop(l1);
    let l1 = open(dir.path(), Mining::Manual);
    assert_eq!(l1.stored_blobs(block.hash).unwrap(), stored, "kept across a restart");
}

async fn get(url: &str) -> (u16, Value) {
    let response = reqwest::get(url).await.unwrap();
    let status = response.status().as_u16();
    (status, serde_json::from_slice(&response.bytes().await.unwrap()).unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn beacon_api_serves_blobs_by_slot() {
    let dir = tempfile::tempdir().unwrap();
    let l1 = open(dir.path(), Mining::Manual);
    let sidecar = sidecar(b"channel frames");
    let hashes: Vec<B256> = sidecar.versioned_hashes().collect();
    l1.send_raw_transaction(&blob_tx(0, hashes.clone(), Some(sidecar))).unwrap();
    let with_blobs = l1.mine_at(GENESIS_TIME + 24).unwrap();
    l1.mine_at(GENESIS_TIME + 30).unwrap();
    let (url, server) = serve_dev_l1(&l1).await;
    let beacon = format!("{url}/eth/v1");

    let (status, genesis) = get(&format!("{beacon}/beacon/genesis")).await;
    assert_eq!((status, genesis["data"]["genesis_time"].as_str()), (200, Some("1700000000")));
    let (_, spec) = get(&format!("{beacon}/config/spec")).await;
    assert_eq!(spec["data"]["SECONDS_PER_SLOT"], "1");
    let (status, version) = get(&format!("{beacon}/node/version")).await;
    assert!(status == 200 && version["data"]["version"].as_str().unwrap().contains("Lamina"));

    // Slot 24 is the block with the blobs: both sidecars, each proving its blob.
    let (status, body) = get(&format!("{beacon}/beacon/blob_sidecars/24")).await;
    assert_eq!(status, 200, "{body}");
    let sidecars = body["data"].as_array().unwrap();
    assert_eq!(sidecars.len(), 2);
    let kzg = EnvKzgSettings::Default.get();
    for (i, s) in sidecars.iter().enumerate() {
        assert_eq!(s["index"], i.to_string());
        assert_eq!(s["signed_block_header"]["message"]["slot"], "24");
        let field = |k: &str| -> Bytes { s[k].as_str().unwrap().parse().unwrap() };
        let (blob, commitment, proof) =
            (field("blob"), field("kzg_commitment"), field("kzg_proof"));
        assert_eq!(kzg_to_versioned_hash(&commitment), hashes[i]);
        let blob = c_kzg::Blob::from_bytes(&blob).unwrap();
        let ok = kzg
            .verify_blob_kzg_proof(
                &blob,
                &c_kzg::Bytes48::from_bytes(&commitment).unwrap(),
                &c_kzg::Bytes48::from_bytes(&proof).unwrap(),
            )
            .unwrap();
        assert!(ok);
    }
    let (_, one) = get(&format!("{beacon}/beacon/blob_sidecars/24?indices=1")).await;
    assert_eq!(one["data"].as_array().unwrap().len(), 1);
    assert_eq!(one["data"][0]["index"], "1");

    // Fulu's endpoint: blobs by versioned hash.
    let (_, blobs) = get(&format!("{beacon}/beacon/blobs/24?versioned_hashes={}", hashes[1])).await;
    assert_eq!(blobs["data"].as_array().unwrap().len(), 1);
    let blob: Bytes = blobs["data"][0].as_str().unwrap().parse().unwrap();
    assert!(blob.iter().all(|b| *b == 0));
    let (_, all) = get(&format!("{beacon}/beacon/blobs/24")).await;
    let first: Bytes = all["data"][0].as_str().unwrap().parse().unwrap();
    assert_eq!(lamina_protocol::blob::decode_blob(&first).unwrap(), b"channel frames");

    // A block without blobs, the head by tag, an empty slot, bad ids and routes.
    let (status, head) = get(&format!("{beacon}/beacon/blob_sidecars/head")).await;
    assert_eq!(status, 200);
    assert!(head["data"].as_array().unwrap().is_empty());
    assert_eq!(get(&format!("{beacon}/beacon/blob_sidecars/25")).await.0, 404);
    assert_eq!(get(&format!("{beacon}/beacon/blob_sidecars/0xabc")).await.0, 400);
    assert_eq!(get(&format!("{beacon}/beacon/blob_sidecars/24?indices=x")).await.0, 400);
    assert_eq!(get(&format!("{beacon}/beacon/nothing")).await.0, 404);
    assert_eq!(l1.block_at_slot(24).unwrap(), Some(with_blobs.number));

    // JSON-RPC still answers on the same port.
    let rpc = RpcL1::connect(&url).unwrap();
    assert_eq!(rpc.chain_id().await.unwrap(), CHAIN_ID);
    server.stop().unwrap();
}

/// A node without Fulu's `/blobs/` endpoint (404), as Deneb/Electra beacon nodes are.
#[derive(Clone)]
struct NoFuluBlobs;

impl<S> tower::Layer<S> for NoFuluBlobs {
    type Service = tower::util::MapRequest<
        S,
        fn(
            http::Request<jsonrpsee::server::HttpBody>,
        ) -> http::Request<jsonrpsee::server::HttpBody>,
    >;

    fn layer(&self, inner: S) -> Self::Service {
        tower::util::MapRequest::new(inner, hide_fulu)
    }
}

fn hide_fulu(
    mut req: http::Request<jsonrpsee::server::HttpBody>,
) -> http::Request<jsonrpsee::server::HttpBody> {
    if req.uri().path().starts_with("/eth/v1/beacon/blobs/") {
        *req.uri_mut() = "/eth/v1/beacon/no-such-endpoint".parse().unwrap();
    }
    req
}

#[tokio::test(flavor = "multi_thread")]
async fn rpc_l1_falls_back_to_blob_sidecars() {
    let dir = tempfile::tempdir().unwrap();
    let l1 = open(dir.path(), Mining::Instant);
    let sidecar = sidecar(b"deneb");
    let hashes: Vec<B256> = sidecar.versioned_hashes().collect();
    let tx = l1.send_raw_transaction(&blob_tx(0, hashes.clone(), Some(sidecar))).unwrap();
    let number = l1.store().transaction_location(&tx).unwrap().unwrap().block;

    let config =
        lamina_engine::rpc::RpcConfig::new(None, None, alloy_rpc_types_engine::JwtSecret::random());
    let server = jsonrpsee::server::Server::builder()
        .set_config(lamina_engine::rpc::server_config(&config))
        .set_http_middleware(
            tower::ServiceBuilder::new()
                .layer(NoFuluBlobs)
                .layer(lamina_devl1::BeaconLayer::new(l1.clone())),
        )
        .build("127.0.0.1:0")
        .await
        .unwrap();
    let url: url::Url = format!("http://{}", server.local_addr().unwrap()).parse().unwrap();
    let server = server.start(l1.rpc_methods());
    let rpc = RpcL1::new(&RpcL1Config::new(url.clone()).with_beacon(url));
    let header = rpc.header(number.into()).await.unwrap().unwrap();
    for _ in 0..2 {
        let got = rpc.blobs(&header, &hashes).await.unwrap();
        assert_eq!(lamina_protocol::blob::decode_blob(got[0].as_slice()).unwrap(), b"deneb");
    }
    server.stop().unwrap();
}
