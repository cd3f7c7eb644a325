//! One `L1Chain` suite, run on every adapter: `DevL1` in process, `RpcL1` against the dev L1
//! served over HTTP, and `RpcL1` against anvil (started here from `tools/node_modules`).
//! Blocks, txs, receipts, logs, nonces (pending too), balances, code, calls and reverts, fee
//! levels, tags, unknown hashes, a reorg that drops a mined tx, and a blob tx whose blob is
//! read back (beacon API for `RpcL1`) and decoded with lamina-protocol's blob codec.

use std::{
    future::Future,
    io::{BufRead, BufReader},
    path::PathBuf,
    process::{Child, Command, Stdio},
};

use alloy_consensus::{
    SignableTransaction, TxEip1559, TxEip4844, TxEip4844Variant, TxEip4844WithSidecar, TxEnvelope,
};
use alloy_eips::{
    BlockNumberOrTag,
    eip2718::Encodable2718,
    eip4844::{Blob, BlobTransactionSidecar, env_settings::EnvKzgSettings},
    eip7594::BlobTransactionSidecarVariant,
};
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, address, keccak256};
use alloy_provider::Provider;
use alloy_rpc_types_eth::TransactionReceipt;
use alloy_rpc_types_eth::{Filter, TransactionRequest};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use jsonrpsee::server::Server;
use lamina_devl1::{BeaconLayer, DEV_ACCOUNTS, DevL1, DevL1Config, DevL1Genesis, Mining};
use lamina_engine::rpc::{self, RpcConfig};
use lamina_l1::chain::{CacheSizes, CachedL1, L1Chain, L1Error, RpcL1, RpcL1Config};

const CHAIN_ID: u64 = 900;
const SINK: Address = address!("000000000000000000000000000000000000d00d");

/// What the suite needs besides the port: making blocks and undoing them.
trait Harness {
    type Chain: L1Chain;
    fn chain(&self) -> &Self::Chain;
    fn mine(&self) -> impl Future<Output = ()>;
    fn reorg(&self, depth: u64) -> impl Future<Output = ()>;
}

/// A contract whose runtime logs `Ping(uint256)` with the calldata word and returns it; empty
/// calldata reverts with no data.
fn pinger() -> Bytes {
    let topic = keccak256("Ping(uint256)");
    let mut runtime = vec![
        0x36, 0x60, 0x0b, 0x57, // if calldatasize goto ping
        0x60, 0x00, 0x60, 0x00, 0xfd, // revert(0, 0)
        0x00, 0x00, // padding
        0x5b, 0x60, 0x00, 0x35, 0x60, 0x00, 0x52, 0x7f, // ping: mem[0] = word; push topic
    ];
    runtime.extend_from_slice(topic.as_slice());
    // log1(0, 32, topic); return(0, 32)
    runtime.extend_from_slice(&[0x60, 0x20, 0x60, 0x00, 0xa1, 0x60, 0x20, 0x60, 0x00, 0xf3]);
    let len = runtime.len() as u8;
    let mut code = vec![0x60, len, 0x60, 12, 0x60, 0x00, 0x39, 0x60, len, 0x60, 0x00, 0xf3];
    code.extend(runtime);
    code.into()
}

fn signer() -> PrivateKeySigner {
    PrivateKeySigner::from_bytes(&DEV_ACCOUNTS[3].1).unwrap()
}

async fn send<C: L1Chain>(chain: &C, to: TxKind, input: Bytes, value: u64) -> (B256, TxEnvelope) {
    let k = signer();
    let nonce = chain.nonce(k.address(), BlockNumberOrTag::Pending).await.unwrap();
    let fees = chain.fees().await.unwrap();
    let tx = TxEip1559 {
        chain_id: CHAIN_ID,
        nonce,
        gas_limit: 200_000,
        max_fee_per_gas: fees.base_fee * 2 + fees.tip,
        max_priority_fee_per_gas: fees.tip,
        to,
        value: U256::from(value),
        input,
        ..Default::default()
    };
    let sig = k.sign_hash_sync(&tx.signature_hash()).unwrap();
    let tx = TxEnvelope::from(tx.into_signed(sig));
    let hash = chain.send_raw_transaction(&tx.encoded_2718().into()).await.unwrap();
    assert_eq!(hash, *tx.tx_hash());
    (hash, tx)
}

/// The tx's receipt once it is mined (a real node mines after answering the send).
async fn mined<C: L1Chain>(chain: &C, tx: B256) -> TransactionReceipt {
    for _ in 0..500 {
        if let Some(r) = chain.receipt(tx).await.unwrap() {
            return r;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("{tx} not mined in 10 s");
}

async fn suite<H: Harness>(h: &H) {
    let c = h.chain();
    assert_eq!(c.chain_id().await.unwrap(), CHAIN_ID);
    let me = signer().address();
    let before = c.balance(me).await.unwrap();
    assert!(before > U256::ZERO, "dev account funded");

    // Deploy, then ping: each tx is mined at once (instant/auto mining).
    let (deploy, _) = send(c, TxKind::Create, pinger(), 0).await;
    let r = mined(c, deploy).await;
    assert!(r.status());
    let contract = r.contract_address.unwrap();
    assert!(!c.code(contract).await.unwrap().is_empty());
    let word = U256::from(0xabcdu64);
    let (ping, sent) = send(c, TxKind::Call(contract), word.to_be_bytes::<32>().into(), 5).await;
    let r = mined(c, ping).await;
    assert!(r.status());
    let (block_hash, block_number) = (r.block_hash.unwrap(), r.block_number.unwrap());

    // The block, its txs and receipts, by hash; the same block by number and by tag.
    let head = c.header(BlockNumberOrTag::Latest).await.unwrap().unwrap();
    assert_eq!((head.hash(), head.number), (block_hash, block_number));
    let by_number = c.header(BlockNumberOrTag::Number(block_number)).await.unwrap().unwrap();
    assert_eq!(by_number.hash(), block_hash);
    let by_hash = c.header_by_hash(block_hash).await.unwrap().unwrap();
    assert_eq!(by_hash.hash_slow(), block_hash);
    let parent = c.header(BlockNumberOrTag::Number(block_number - 1)).await.unwrap().unwrap();
    assert_eq!(head.parent_hash, parent.hash());
    let txs = c.transactions(block_hash).await.unwrap().unwrap();
    assert_eq!(txs, vec![sent]);
    let receipts = c.receipts(block_hash).await.unwrap().unwrap();
    assert_eq!(receipts.len(), 1);
    assert!(receipts[0].status());
    assert_eq!(receipts[0].logs().len(), 1);
    assert_eq!(receipts[0].logs()[0].address, contract);
    assert_eq!(receipts[0].logs()[0].data.data.as_ref(), word.to_be_bytes::<32>());
    let finalized = c.header(BlockNumberOrTag::Finalized).await.unwrap().unwrap();
    assert!(finalized.number <= head.number);
    assert!(c.header(BlockNumberOrTag::Number(head.number + 100)).await.unwrap().is_none());

    // Unknown hashes are absent, not errors.
    let unknown = B256::repeat_byte(0x42);
    assert!(c.header_by_hash(unknown).await.unwrap().is_none());
    assert!(c.transactions(unknown).await.unwrap().is_none());
    assert!(c.receipts(unknown).await.unwrap().is_none());
    assert!(c.receipt(unknown).await.unwrap().is_none());

    // Logs by address over the whole chain, and by block hash.
    let logs = c.logs(&Filter::new().address(contract).from_block(0u64)).await.unwrap();
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0].transaction_hash, Some(ping));
    let at = c.logs(&Filter::new().at_block_hash(block_hash)).await.unwrap();
    assert_eq!(at.len(), 1);

    // Accounts and calls.
    assert_eq!(c.nonce(me, BlockNumberOrTag::Latest).await.unwrap(), 2);
    assert_eq!(c.nonce(me, BlockNumberOrTag::Number(0)).await.unwrap(), 0);
    assert!(c.balance(me).await.unwrap() < before - U256::from(5));
    assert_eq!(c.balance(contract).await.unwrap(), U256::from(5));
    let call = TransactionRequest::default()
        .to(contract)
        .input(Bytes::from(word.to_be_bytes::<32>()).into());
    assert_eq!(c.call(call).await.unwrap().as_ref(), word.to_be_bytes::<32>());
    let err = c.call(TransactionRequest::default().to(contract)).await.unwrap_err();
    assert!(matches!(err, L1Error::Reverted { .. }), "{err}");
    assert!(!err.is_temporary());
    // The ping's gas: intrinsic, calldata, a log, memory; a revert cannot be estimated.
    let ping_call = TransactionRequest::default()
        .from(me)
        .to(contract)
        .input(Bytes::from(word.to_be_bytes::<32>()).into());
    let gas = c.estimate_gas(ping_call).await.unwrap();
    assert!((21_100..40_000).contains(&gas), "{gas}");
    assert!(c.estimate_gas(TransactionRequest::default().from(me).to(contract)).await.is_err());
    let fees = c.fees().await.unwrap();
    assert!(fees.base_fee > 0 && fees.tip > 0 && fees.blob_base_fee >= 1, "{fees:?}");

    // A tx refused by the node is an error, not a hash.
    let k = signer();
    let stale = TxEip1559 {
        chain_id: CHAIN_ID,
        nonce: 0,
        gas_limit: 21_000,
        max_fee_per_gas: fees.base_fee * 2,
        to: TxKind::Call(SINK),
        ..Default::default()
    };
    let sig = k.sign_hash_sync(&stale.signature_hash()).unwrap();
    let stale: Bytes = TxEnvelope::from(stale.into_signed(sig)).encoded_2718().into();
    assert!(c.send_raw_transaction(&stale).await.is_err());

    // A reorg that drops the block with a tx: the receipt goes, a new block takes its place.
    h.mine().await;
    let (dropped, _) = send(c, TxKind::Call(SINK), Bytes::new(), 1).await;
    let r = mined(c, dropped).await;
    let old = (r.block_number.unwrap(), r.block_hash.unwrap());
    h.reorg(1).await;
    assert!(c.receipt(dropped).await.unwrap().is_none(), "the reorged-out tx has no receipt");
    let new = c.header(BlockNumberOrTag::Number(old.0)).await.unwrap().unwrap();
    assert_ne!(new.hash(), old.1);
    assert!(c.receipts(new.hash()).await.unwrap().unwrap().is_empty());

    blobs(c).await;
}

/// A sidecar of two blobs: `data` encoded by lamina-protocol's blob codec, and zeros. (Built
/// outside the async test: 128 KiB blobs by value would swell its future.)
pub(crate) fn sidecar(data: &[u8]) -> BlobTransactionSidecar {
    let mut blobs = Vec::with_capacity(2);
    let encoded = lamina_protocol::blob::encode_blob(data).unwrap();
    blobs.push(Blob::from_slice(encoded.as_slice()));
    blobs.push(Blob::ZERO);
    BlobTransactionSidecar::try_from_blobs_with_settings(blobs, EnvKzgSettings::Default.get())
        .unwrap()
}

/// A blob tx carrying lamina-protocol-encoded data, as the batcher will post; the blob read
/// back through the chain's blob source decodes to the same data.
async fn blobs<C: L1Chain>(c: &C) {
    let data = b"frames of a channel, ".repeat(500);
    let sidecar = sidecar(&data);
    let hashes: Vec<B256> = sidecar.versioned_hashes().collect();
    let k = signer();
    let fees = c.fees().await.unwrap();
    let tx = TxEip4844 {
        chain_id: CHAIN_ID,
        nonce: c.nonce(k.address(), BlockNumberOrTag::Pending).await.unwrap(),
        gas_limit: 21_000,
        max_fee_per_gas: fees.base_fee * 2 + fees.tip,
        max_priority_fee_per_gas: fees.tip,
        to: SINK,
        blob_versioned_hashes: hashes.clone(),
        max_fee_per_blob_gas: fees.blob_base_fee * 2,
        ..Default::default()
    };
    let tx: TxEip4844Variant = TxEip4844WithSidecar::from_tx_and_sidecar(
        tx,
        BlobTransactionSidecarVariant::Eip4844(sidecar),
    )
    .into();
    let sig = k.sign_hash_sync(&tx.signature_hash()).unwrap();
    let tx = TxEnvelope::from(tx.into_signed(sig));
    let hash = c.send_raw_transaction(&tx.encoded_2718().into()).await.unwrap();
    assert_eq!(hash, *tx.tx_hash());
    let r = mined(c, hash).await;
    assert!(r.status());
    assert_eq!(r.blob_gas_used, Some(2 * 131_072));
    let block = c.header_by_hash(r.block_hash.unwrap()).await.unwrap().unwrap();
    assert_eq!(block.blob_gas_used, Some(2 * 131_072));
    // The block holds the tx without its sidecar.
    let txs = c.transactions(block.hash()).await.unwrap().unwrap();
    assert_eq!(*txs[0].tx_hash(), hash);
    assert!(txs[0].as_eip4844().unwrap().tx().sidecar().is_none());

    // Asked in any order, answered in that order.
    let got = c.blobs(&block, &[hashes[1], hashes[0]]).await.unwrap();
    assert!(got[0].iter().all(|b| *b == 0));
    assert_eq!(lamina_protocol::blob::decode_blob(got[1].as_slice()).unwrap(), data);
    let err = c.blobs(&block, &[B256::repeat_byte(1)]).await.unwrap_err();
    assert!(matches!(err, L1Error::MissingBlobs { .. }), "{err}");
}

fn dev_l1(dir: &std::path::Path) -> DevL1 {
    let config = DevL1Config {
        mining: Mining::Instant,
        safe_depth: 2,
        finalized_depth: 4,
        ..Default::default()
    };
    DevL1::open(dir, config, &DevL1Genesis::dev(1_700_000_000)).unwrap()
}

struct InProcess(DevL1);

impl Harness for InProcess {
    type Chain = DevL1;
    fn chain(&self) -> &DevL1 {
        &self.0
    }
    async fn mine(&self) {
        self.0.mine().unwrap();
    }
    async fn reorg(&self, depth: u64) {
        self.0.reorg(depth, &[]).unwrap();
    }
}

/// The dev L1 behind the cache: the same answers, and repeated reads by hash served from it.
struct Cached(CachedL1<DevL1>);

impl Harness for Cached {
    type Chain = CachedL1<DevL1>;
    fn chain(&self) -> &CachedL1<DevL1> {
        &self.0
    }
    async fn mine(&self) {
        self.0.inner().mine().unwrap();
    }
    async fn reorg(&self, depth: u64) {
        self.0.inner().reorg(depth, &[]).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn cached_dev_l1() {
    let dir = tempfile::tempdir().unwrap();
    let h = Cached(CachedL1::new(dev_l1(dir.path()), CacheSizes::default()));
    suite(&h).await;
    let c = h.chain();
    let head = c.header(BlockNumberOrTag::Latest).await.unwrap().unwrap();
    let (hits, _) = c.stats();
    assert_eq!(c.header_by_hash(head.hash()).await.unwrap(), Some(head.clone()));
    assert_eq!(c.stats().0, hits + 1, "the header, seen by number, is kept by hash");
    let txs = c.transactions(head.hash()).await.unwrap();
    let (hits, _) = c.stats();
    assert_eq!(c.transactions(head.hash()).await.unwrap(), txs);
    assert_eq!(c.stats().0, hits + 1, "the txs, read once, are kept");
}

#[tokio::test(flavor = "multi_thread")]
async fn dev_l1_in_process() {
    let dir = tempfile::tempdir().unwrap();
    suite(&InProcess(dev_l1(dir.path()))).await;
}

/// anvil's `evm_mine`, which the dev L1 answers too.
pub(crate) async fn evm_mine(chain: &RpcL1) {
    let _: serde_json::Value = chain.provider().raw_request("evm_mine".into(), ()).await.unwrap();
}

/// anvil's `anvil_reorg`: the newest `depth` blocks replaced by empty ones.
pub(crate) async fn anvil_reorg(chain: &RpcL1, depth: u64) {
    let _: serde_json::Value = chain
        .provider()
        .raw_request("anvil_reorg".into(), (depth, Vec::<()>::new()))
        .await
        .unwrap();
}

/// `RpcL1` against a node that answers anvil's test methods.
struct Remote(RpcL1);

impl Harness for Remote {
    type Chain = RpcL1;
    fn chain(&self) -> &RpcL1 {
        &self.0
    }
    async fn mine(&self) {
        evm_mine(&self.0).await;
    }
    async fn reorg(&self, depth: u64) {
        anvil_reorg(&self.0, depth).await;
    }
}

/// The dev L1 behind its JSON-RPC; reorgs go to the chain directly (the dev L1 has no
/// `anvil_reorg`).
struct DevOverRpc(RpcL1, DevL1);

impl Harness for DevOverRpc {
    type Chain = RpcL1;
    fn chain(&self) -> &RpcL1 {
        &self.0
    }
    async fn mine(&self) {
        evm_mine(&self.0).await;
    }
    async fn reorg(&self, depth: u64) {
        self.1.reorg(depth, &[]).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn rpc_l1_on_the_dev_l1() {
    let dir = tempfile::tempdir().unwrap();
    let l1 = dev_l1(dir.path());
    let (url, server) = serve_dev_l1(&l1).await;
    suite(&DevOverRpc(with_beacon(&url), l1)).await;
    server.stop().unwrap();
}

/// The dev L1's JSON-RPC and beacon API on a free port, as `lamina l1` serves them.
pub(crate) async fn serve_dev_l1(l1: &DevL1) -> (String, jsonrpsee::server::ServerHandle) {
    let config = RpcConfig::new(None, None, alloy_rpc_types_engine::JwtSecret::random());
    let server = Server::builder()
        .set_config(rpc::server_config(&config))
        .set_http_middleware(tower::ServiceBuilder::new().layer(BeaconLayer::new(l1.clone())))
        .build("127.0.0.1:0")
        .await
        .unwrap();
    let url = format!("http://{}", server.local_addr().unwrap());
    (url, server.start(l1.rpc_methods()))
}

/// `RpcL1` on `url`, reading blobs from the beacon API on the same port.
fn with_beacon(url: &str) -> RpcL1 {
    let url: url::Url = url.parse().unwrap();
    RpcL1::new(&RpcL1Config::new(url.clone()).with_beacon(url))
}

/// anvil from `tools/node_modules`; a test that needs it fails when it is missing.
pub(crate) fn anvil_bin() -> PathBuf {
    let bin = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tools/node_modules/.bin/anvil");
    assert!(bin.is_file(), "anvil not found at {} (run scripts/test.sh)", bin.display());
    bin
}

/// An anvil process, killed on drop.
pub(crate) struct Anvil(Child);

impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts anvil on a free port with our chain id; returns it and its URL.
pub(crate) fn start_anvil(bin: &std::path::Path) -> (Anvil, String) {
    let mut child = Command::new(bin)
        .args(["--port", "0", "--chain-id", &CHAIN_ID.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let addr = loop {
        let line = lines.next().expect("anvil exited").unwrap();
        if let Some(addr) = line.strip_prefix("Listening on ") {
            break addr.trim().to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    (Anvil(child), format!("http://{addr}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn rpc_l1_on_anvil() {
    let bin = anvil_bin();
    let (_anvil, url) = start_anvil(&bin);
    suite(&Remote(with_beacon(&url))).await;
}
