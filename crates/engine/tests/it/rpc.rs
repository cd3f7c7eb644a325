//! The RPC servers over real sockets: the Engine API with JWT driving blocks and an unsafe
//! reorg between two engines, refused tokens, and bad input of every kind getting standard
//! JSON-RPC errors without harming the node.

use std::{
    io::{Read, Write},
    net::{SocketAddr, TcpStream},
};

use alloy_primitives::{B256, Bytes, TxKind, U256};
use alloy_rpc_types_engine::{
    Claims, ForkchoiceUpdated, JwtSecret, PayloadStatus, PayloadStatusEnum,
};
use jsonrpsee::{
    core::client::ClientT,
    http_client::{HttpClient, HttpClientBuilder},
    rpc_params,
};
use lamina_engine::{EngineHandle, rpc};
use op_alloy_rpc_types_engine::{OpExecutionPayloadEnvelopeV4, OpPayloadAttributes};
use serde_json::{Value, json};

use crate::{
    chain::{key, signed_tx},
    service::{attributes, fcs, head, open_engine, transfers},
};

struct Node {
    engine: EngineHandle,
    cfg: lamina_protocol::RollupConfig,
    http: SocketAddr,
    auth: SocketAddr,
    jwt: JwtSecret,
    servers: rpc::RpcServers,
    _dir: tempfile::TempDir,
}

async fn start() -> Node {
    start_with(rpc::budget::CallLimits::default()).await
}

async fn start_with(calls: rpc::budget::CallLimits) -> Node {
    let dir = tempfile::tempdir().unwrap();
    let (engine, cfg) = open_engine(dir.path());
    let jwt = JwtSecret::random();
    let local = Some("127.0.0.1:0".parse().unwrap());
    let mut config = rpc::RpcConfig::new(local, local, jwt);
    config.calls = calls;
    config.max_request_bytes = 128 * 1024;
    config.max_batch = 10;
    let servers = rpc::start(engine.clone(), &config).await.unwrap();
    let http = servers.http.as_ref().unwrap().0;
    let auth = servers.auth.as_ref().unwrap().0;
    Node { engine, cfg, http, auth, jwt, servers, _dir: dir }
}

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

fn token(jwt: &JwtSecret, iat: u64) -> String {
    jwt.encode(&Claims { iat, exp: None }).unwrap()
}

fn engine_client(n: &Node) -> HttpClient {
    let mut headers = http::HeaderMap::new();
    let bearer = format!("Bearer {}", token(&n.jwt, now()));
    headers.insert(http::header::AUTHORIZATION, bearer.parse().unwrap());
    HttpClientBuilder::default().set_headers(headers).build(format!("http://{}", n.auth)).unwrap()
}

/// A raw HTTP/1.1 POST: status and body.
fn post(addr: SocketAddr, body: &[u8], auth: Option<&str>) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    let mut req = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    if let Some(t) = auth {
        req.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let status = out.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = out.split("\r\n\r\n").nth(1).unwrap_or_default().to_owned();
    (status, body)
}

fn call(addr: SocketAddr, method: &str, params: Value) -> Value {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let (status, text) = post(addr, body.to_string().as_bytes(), None);
    assert_eq!(status, 200, "{text}");
    // Chunked bodies: the JSON object is between the first '{' and the last '}'.
    let text = &text[text.find('{').unwrap()..=text.rfind('}').unwrap()];
    serde_json::from_str(text).unwrap()
}

/// One sequencer step over the Engine API; returns the new block's hash and its payload.
async fn step_http(
    n: &Node,
    client: &HttpClient,
    txs: Vec<Bytes>,
    no_tx_pool: bool,
    randao: u8,
) -> (B256, OpExecutionPayloadEnvelopeV4) {
    let parent = head(&n.engine);
    let attrs: OpPayloadAttributes = attributes(&n.cfg, &parent, txs, no_tx_pool, randao);
    let state = fcs(parent.hash_slow(), B256::ZERO, B256::ZERO);
    let fcu: ForkchoiceUpdated =
        client.request("engine_forkchoiceUpdatedV3", rpc_params![state, attrs]).await.unwrap();
    let id = fcu.payload_id.unwrap();
    let env: OpExecutionPayloadEnvelopeV4 =
        client.request("engine_getPayloadV4", rpc_params![id]).await.unwrap();
    (env.execution_payload.payload_inner.payload_inner.payload_inner.block_hash, env)
}

async fn insert(client: &HttpClient, env: &OpExecutionPayloadEnvelopeV4) -> PayloadStatus {
    client
        .request(
            "engine_newPayloadV4",
            rpc_params![
                env.execution_payload.clone(),
                Vec::<B256>::new(),
                env.parent_beacon_block_root,
                Vec::<Bytes>::new()
            ],
        )
        .await
        .unwrap()
}

async fn set_head(client: &HttpClient, hash: B256) -> ForkchoiceUpdated {
    client
        .request("engine_forkchoiceUpdatedV3", rpc_params![fcs(hash, B256::ZERO, B256::ZERO)])
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn engine_api_over_http_with_jwt_drives_blocks_and_a_reorg() {
    let a = start().await;
    let b = start().await;
    let (ca, cb) = (engine_client(&a), engine_client(&b));

    let caps: Vec<String> = ca
        .request("engine_exchangeCapabilities", rpc_params![vec!["engine_newPayloadV4"]])
        .await
        .unwrap();
    assert!(caps.iter().any(|c| c == "engine_forkchoiceUpdatedV3"));

    // Txs arrive through the public port; the sequencer takes them from its pool.
    for tx in transfers(0, 0..3) {
        let r = call(a.http, "eth_sendRawTransaction", json!([tx]));
        assert!(r["result"].is_string(), "{r}");
        call(b.http, "eth_sendRawTransaction", json!([tx]));
    }
    let mut chain = Vec::new();
    for i in 0..3 {
        let (hash, env) = step_http(&a, &ca, vec![], false, i).await;
        assert_eq!(insert(&ca, &env).await.status, PayloadStatusEnum::Valid);
        assert_eq!(set_head(&ca, hash).await.payload_status.status, PayloadStatusEnum::Valid);
        // The follower gets the payload over its own Engine API.
        assert_eq!(insert(&cb, &env).await.status, PayloadStatusEnum::Valid);
        set_head(&cb, hash).await;
        chain.push(hash);
    }
    assert_eq!(head(&b.engine).hash_slow(), chain[2]);
    let r = call(b.http, "eth_getBlockByNumber", json!(["latest", false]));
    assert_eq!(r["result"]["hash"], json!(chain[2]));
    assert_eq!(r["result"]["transactions"].as_array().unwrap().len(), 1);
    let r = call(b.http, "eth_getBlockByNumber", json!(["0x1", true]));
    assert_eq!(r["result"]["transactions"].as_array().unwrap().len(), 4, "L1 info + 3 transfers");
    assert_eq!(r["result"]["transactions"][0]["type"], "0x7e");
    let deposit = &r["result"]["transactions"][0];
    for f in ["sourceHash", "mint", "depositReceiptVersion"] {
        assert!(!deposit[f].is_null(), "deposit tx field {f}: {deposit}");
    }
    // op-geth reports `isSystemTx` only when true, which it never is after Regolith.
    assert!(deposit["isSystemTx"].is_null() || deposit["isSystemTx"] == false);
    let receipt = call(b.http, "eth_getTransactionReceipt", json!([deposit["hash"]]));
    assert_eq!(receipt["result"]["type"], "0x7e");
    assert_eq!(receipt["result"]["depositNonce"], "0x0", "{receipt}");
    assert_eq!(receipt["result"]["depositReceiptVersion"], "0x1");
    assert!(receipt["result"]["l1Fee"].is_null(), "deposits pay no L1 fee");
    let user = r["result"]["transactions"][1]["hash"].clone();
    let receipt = call(b.http, "eth_getTransactionReceipt", json!([user]));
    for f in [
        "l1Fee",
        "l1GasUsed",
        "l1GasPrice",
        "l1BlobBaseFee",
        "l1BaseFeeScalar",
        "l1BlobBaseFeeScalar",
    ] {
        assert!(receipt["result"][f].is_string(), "receipt field {f}: {receipt}");
    }
    let receipts = call(b.http, "eth_getBlockReceipts", json!(["0x1"]));
    assert_eq!(receipts["result"].as_array().unwrap().len(), 4);

    // Unsafe reorg: the sequencer rebuilds block 2 on block 1 with a different tx.
    set_head(&ca, chain[0]).await;
    let other = signed_tx(&key(1), 0, TxKind::Call(key(2).address()), 5, Bytes::new(), 21_000);
    let (hash2, env2) = step_http(&a, &ca, vec![other], true, 9).await;
    assert_eq!(insert(&ca, &env2).await.status, PayloadStatusEnum::Valid);
    set_head(&ca, hash2).await;
    assert_eq!(insert(&cb, &env2).await.status, PayloadStatusEnum::Valid);
    assert_eq!(set_head(&cb, hash2).await.payload_status.status, PayloadStatusEnum::Valid);
    assert_eq!(head(&b.engine).hash_slow(), hash2);
    let r = call(b.http, "eth_getBlockByNumber", json!(["0x3", false]));
    assert!(r["result"].is_null(), "block 3 is gone: {r}");
    let r = call(b.http, "eth_getBalance", json!([key(2).address(), "latest"]));
    assert_eq!(r["result"], json!(U256::from(1000u128 * 10u128.pow(18) + 5)));

    // Safe and finalized through the API; finality does not go back.
    let fcu: ForkchoiceUpdated = cb
        .request("engine_forkchoiceUpdatedV3", rpc_params![fcs(hash2, hash2, chain[0])])
        .await
        .unwrap();
    assert_eq!(fcu.payload_status.status, PayloadStatusEnum::Valid);
    let r = call(b.http, "eth_getBlockByNumber", json!(["finalized", false]));
    assert_eq!(r["result"]["number"], "0x1");
    let err = cb
        .request::<ForkchoiceUpdated, _>(
            "engine_forkchoiceUpdatedV3",
            rpc_params![fcs(hash2, hash2, B256::ZERO)],
        )
        .await;
    assert!(err.is_ok(), "zero finalized means unchanged");
    let genesis = a.engine.store().canonical_hash(0).unwrap().unwrap();
    let err = cb
        .request::<ForkchoiceUpdated, _>(
            "engine_forkchoiceUpdatedV3",
            rpc_params![fcs(hash2, hash2, genesis)],
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("-38002"), "{err}");
    // Unknown payload id.
    let err = cb
        .request::<Value, _>("engine_getPayloadV4", rpc_params!["0x0102030405060708"])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("-38001"), "{err}");

    a.servers.stop().await;
    b.servers.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_engine_port_refuses_missing_wrong_and_stale_tokens() {
    let n = start().await;
    let body =
        json!({"jsonrpc": "2.0", "id": 1, "method": "engine_exchangeCapabilities", "params": [[]]})
            .to_string();
    let (status, _) = post(n.auth, body.as_bytes(), None);
    assert_eq!(status, 401, "no token");
    let wrong = token(&JwtSecret::random(), now());
    assert_eq!(post(n.auth, body.as_bytes(), Some(&wrong)).0, 401, "another secret");
    let stale = token(&n.jwt, now() - 120);
    assert_eq!(post(n.auth, body.as_bytes(), Some(&stale)).0, 401, "iat 2 minutes old");
    let ahead = token(&n.jwt, now() + 120);
    assert_eq!(post(n.auth, body.as_bytes(), Some(&ahead)).0, 401, "iat 2 minutes ahead");
    let (status, text) = post(n.auth, body.as_bytes(), Some(&token(&n.jwt, now())));
    assert_eq!(status, 200);
    assert!(text.contains("engine_newPayloadV4"), "{text}");
    // Engine methods are not on the public port.
    let r = call(n.http, "engine_exchangeCapabilities", json!([[]]));
    assert_eq!(r["error"]["code"], -32601);
    n.servers.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_standard_errors_and_changes_nothing() {
    let n = start().await;
    let before = head(&n.engine);
    let code = |r: &Value| r["error"]["code"].as_i64().unwrap_or_default();

    // Malformed JSON: parse error.
    let (status, text) = post(n.http, b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":", None);
    assert!(text.contains("-32700"), "{status} {text}");
    // Unknown method; wrong params.
    assert_eq!(code(&call(n.http, "eth_nope", json!([]))), -32601);
    assert_eq!(code(&call(n.http, "eth_getBalance", json!(["0x12"]))), -32602);
    assert_eq!(code(&call(n.http, "eth_getBlockByNumber", json!([{}, false]))), -32602);
    assert_eq!(code(&call(n.http, "eth_sendRawTransaction", json!(["0xzz"]))), -32602);
    // Oversized request (limit 128 KiB here) and batches (limit 10).
    let big = json!({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": ["0".repeat(200_000)]});
    let (status, _) = post(n.http, big.to_string().as_bytes(), None);
    assert_eq!(status, 413, "payload too large");
    let batch: Vec<Value> = (0..11)
        .map(|i| json!({"jsonrpc": "2.0", "id": i, "method": "eth_chainId", "params": []}))
        .collect();
    let (_, text) = post(n.http, serde_json::to_string(&batch).unwrap().as_bytes(), None);
    assert!(
        text.contains("-32010") || text.contains("too large") || text.contains("-32600"),
        "{text}"
    );
    let ok: Vec<Value> = batch[..3].to_vec();
    let (_, text) = post(n.http, serde_json::to_string(&ok).unwrap().as_bytes(), None);
    assert_eq!(text.matches("0x385").count(), 3, "{text}");

    // Invalid transactions, each with its reason.
    let to = TxKind::Call(key(9).address());
    let send = |raw: Bytes| call(n.http, "eth_sendRawTransaction", json!([raw]));
    let mut bad_sig = signed_tx(&key(0), 0, to, 1, Bytes::new(), 21_000).to_vec();
    let len = bad_sig.len();
    bad_sig[len - 40] ^= 0xff;
    let cases: Vec<(&str, Bytes)> = vec![
        ("decode", Bytes::from_static(&[0x02, 0xc0])),
        ("signature", Bytes::from(bad_sig)),
        ("funds", signed_tx(&key(9), 0, to, 1, Bytes::new(), 21_000)),
        ("intrinsic gas", signed_tx(&key(0), 0, to, 1, Bytes::new(), 20_000)),
    ];
    for (what, raw) in cases {
        let r = send(raw);
        assert_eq!(code(&r), -32000, "{what}: {r}");
    }
    let ok = signed_tx(&key(0), 0, to, 1, Bytes::new(), 21_000);
    assert!(send(ok.clone())["result"].is_string());
    let r = send(ok);
    assert!(r["error"]["message"].as_str().unwrap().contains("already known"), "{r}");
    let r = send(signed_tx(&key(0), 0, to, 2, Bytes::new(), 21_000));
    assert!(r["error"]["message"].as_str().unwrap().contains("underpriced"), "{r}");
    // Calls skip account checks as geth's do: a tx queued behind the pooled one (nonce 1,
    // the state's is 0) can be estimated, as `cast send --nonce 1` does first.
    let tx =
        json!({"from": key(0).address(), "to": key(9).address(), "value": "0x1", "nonce": "0x1"});
    let r = call(n.http, "eth_estimateGas", json!([tx]));
    let gas =
        u64::from_str_radix(r["result"].as_str().unwrap_or_default().trim_start_matches("0x"), 16);
    assert_eq!(gas, Ok(21_000), "a plain transfer estimates at exactly 21,000, as geth: {r}");
    assert_eq!(head(&n.engine), before, "nothing was built");
    n.servers.stop().await;
}

/// The next notification of a subscription, within 10 s.
async fn next(s: &mut jsonrpsee::core::client::Subscription<Value>) -> Value {
    tokio::time::timeout(std::time::Duration::from_secs(10), s.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_subscriptions_follow_heads_and_logs_through_a_reorg() {
    use jsonrpsee::core::client::SubscriptionClientT;
    let n = start().await;
    let ws = jsonrpsee::ws_client::WsClientBuilder::default()
        .build(format!("ws://{}", n.http))
        .await
        .unwrap();
    let mut heads = ws
        .subscribe::<Value, _>("eth_subscribe", rpc_params!["newHeads"], "eth_unsubscribe")
        .await
        .unwrap();
    let passer = lamina_protocol::predeploys::L2_TO_L1_MESSAGE_PASSER;
    let mut logs = ws
        .subscribe::<Value, _>(
            "eth_subscribe",
            rpc_params!["logs", json!({"address": passer})],
            "eth_unsubscribe",
        )
        .await
        .unwrap();
    let err = ws
        .subscribe::<Value, _>("eth_subscribe", rpc_params!["nope"], "eth_unsubscribe")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("unsupported"), "{err}");

    // Block 1 with a withdrawal (a MessagePassed log), sequenced in process.
    let input = crate::genesis::initiate_withdrawal(key(3).address(), 100_000, &[1, 2]);
    let w = signed_tx(&key(0), 0, TxKind::Call(passer), 1, input, 200_000);
    let b1 = crate::service::sequence(&n.engine, &n.cfg, vec![w], 1);
    let h = next(&mut heads).await;
    assert_eq!(h["number"], "0x1");
    assert_eq!(h["hash"], json!(b1.payload.block_hash()));
    let l = next(&mut logs).await;
    assert_eq!(l["removed"], false);
    assert_eq!(l["blockNumber"], "0x1");
    assert_eq!(l["address"], json!(passer));

    // Reorg block 1 out: its log comes again with `removed: true`, then the new head.
    let genesis = n.engine.store().canonical_hash(0).unwrap().unwrap();
    n.engine
        .forkchoice_updated(
            fcs(genesis, B256::ZERO, B256::ZERO),
            None,
            lamina_engine::PayloadVersion::V3,
        )
        .unwrap();
    crate::service::sequence(&n.engine, &n.cfg, vec![], 2);
    let l = next(&mut logs).await;
    assert_eq!(l["removed"], true, "{l}");
    let h = next(&mut heads).await;
    assert_eq!(h["number"], "0x1");
    assert_ne!(h["hash"], json!(b1.payload.block_hash()));
    n.servers.stop().await;
}

/// A transfer signed by key 1 on chain `chain_id` with fee cap `max_fee`.
fn sign_1559(chain_id: u64, max_fee: u128, to: TxKind) -> Vec<u8> {
    use alloy_consensus::SignableTransaction;
    use alloy_signer::SignerSync;
    let tx = alloy_consensus::TxEip1559 {
        chain_id,
        gas_limit: 21_000,
        max_fee_per_gas: max_fee,
        to,
        ..Default::default()
    };
    let sig = key(1).sign_hash_sync(&tx.signature_hash()).unwrap();
    alloy_eips::eip2718::Encodable2718::encoded_2718(&op_alloy_consensus::OpTxEnvelope::Eip1559(
        tx.into_signed(sig),
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pool_refuses_what_a_block_could_not_take() {
    let n = start().await;
    let to = TxKind::Call(key(9).address());
    let send = |raw: Bytes| call(n.http, "eth_sendRawTransaction", json!([raw]));
    let message = |r: &Value| r["error"]["message"].as_str().unwrap_or_default().to_owned();
    crate::service::sequence(&n.engine, &n.cfg, transfers(0, 0..1), 1);

    // Nonce too low: nonce 0 is in block 1.
    let r = send(signed_tx(&key(0), 0, to, 7, Bytes::new(), 21_000));
    assert!(message(&r).contains("nonce too low"), "{r}");
    // Wrong chain id, and no chain id at all (pre-EIP-155).
    let wrong_chain = sign_1559(1, 100_000_000_000, to);
    let r = send(wrong_chain.into());
    assert!(message(&r).contains("chain id"), "{r}");
    // Fee cap under the next block's base fee.
    let cheap = sign_1559(crate::chain::CHAIN_ID, 1, to);
    let r = send(cheap.into());
    assert!(message(&r).contains("base fee"), "{r}");
    assert_eq!(n.engine.with_pool(|p| p.status().pending + p.status().queued), 0);
    n.servers.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn miner_set_max_da_size_throttles_built_blocks_on_the_authenticated_port_only() {
    let n = start().await;
    let client = engine_client(&n);
    let ok: bool =
        client.request("miner_setMaxDASize", rpc_params!["0x12c", "0x5208"]).await.unwrap();
    assert!(ok);
    let limits = n.engine.block_limits();
    assert_eq!((limits.max_tx_da_bytes, limits.max_da_bytes), (Some(300), Some(21_000)));
    // 0 lifts a limit.
    let _: bool = client.request("miner_setMaxDASize", rpc_params!["0x0", "0x0"]).await.unwrap();
    let limits = n.engine.block_limits();
    assert_eq!((limits.max_tx_da_bytes, limits.max_da_bytes), (None, None));
    // Malformed params change nothing; the public port does not serve it.
    let bad: Result<bool, _> = client.request("miner_setMaxDASize", rpc_params!["0x1"]).await;
    assert!(bad.is_err());
    assert_eq!(n.engine.block_limits().max_da_bytes, None);
    let public = call(n.http, "miner_setMaxDASize", json!(["0x1", "0x1"]));
    assert_eq!(public["error"]["code"], -32601, "{public}");
    assert_eq!(n.engine.block_limits().max_da_bytes, None);
    n.servers.stop().await;
}

/// Init code that hashes 4 KiB of memory forever: slow per gas, so it runs long (seconds in a
/// debug build) on any gas cap.
const HASH_FOREVER: &str = "0x5b61100060002050600056";

/// Init code that reverts with `data`.
fn revert_with(data: &[u8]) -> String {
    let n = u8::try_from(data.len()).unwrap();
    let mut code = vec![0x60, n, 0x60, 12, 0x60, 0, 0x39, 0x60, n, 0x60, 0, 0xfd];
    code.extend_from_slice(data);
    format!("0x{}", alloy_primitives::hex::encode(code))
}

/// A public `eth_call` cannot burn the node's CPU: an endless loop stops at the wall-clock
/// timeout with geth's message, `eth_estimateGas` too, the calls of one batch share one budget,
/// and the node answers normally afterwards.
#[tokio::test(flavor = "multi_thread")]
async fn an_endless_call_stops_at_the_timeout_and_a_batch_shares_one_budget() {
    let limits = rpc::budget::CallLimits {
        timeout: std::time::Duration::from_millis(1),
        gas_cap: 50_000_000,
    };
    let n = start_with(limits).await;
    let tx = json!({"data": HASH_FOREVER});
    let r = tokio::task::spawn_blocking(move || {
        let call_r = call(n.http, "eth_call", json!([&tx, "latest"]));
        let est_r = call(n.http, "eth_estimateGas", json!([tx]));
        (n, call_r, est_r)
    });
    let (n, call_r, est_r) = r.await.unwrap();
    for r in [&call_r, &est_r] {
        assert_eq!(r["error"]["code"], -32000, "{r}");
        assert_eq!(r["error"]["message"], "execution aborted (timeout = 1ms)", "{r}");
    }

    // A batch: the endless call spends the batch's budget, so the cheap call after it is
    // refused without running; eth_chainId (no execution) still answers.
    let body = json!([
        {"jsonrpc": "2.0", "id": 1, "method": "eth_call", "params": [{"data": HASH_FOREVER}]},
        {"jsonrpc": "2.0", "id": 2, "method": "eth_chainId", "params": []},
        {"jsonrpc": "2.0", "id": 3, "method": "eth_call", "params": [{"data": "0x00"}]},
    ]);
    let http = n.http;
    let (status, text) =
        tokio::task::spawn_blocking(move || post(http, body.to_string().as_bytes(), None))
            .await
            .unwrap();
    assert_eq!(status, 200, "{text}");
    let text = &text[text.find('[').unwrap()..=text.rfind(']').unwrap()];
    let out: Vec<Value> = serde_json::from_str(text).unwrap();
    let by_id = |id: u64| out.iter().find(|r| r["id"] == id).unwrap().clone();
    assert_eq!(by_id(1)["error"]["message"], "execution aborted (timeout = 1ms)");
    assert_eq!(by_id(2)["result"], "0x385");
    assert_eq!(by_id(3)["error"]["message"], "execution aborted (timeout = 1ms)");
    n.servers.stop().await;

    // With the default 5 s, the same node code answers a plain call.
    let n = start().await;
    let r = tokio::task::spawn_blocking(move || {
        let r = call(n.http, "eth_call", json!([{"data": "0x00"}]));
        (n, r)
    });
    let (n, r) = r.await.unwrap();
    assert_eq!(r["result"], "0x", "{r}");
    n.servers.stop().await;

    // A gas cap of 100 000: the endless call runs out of gas long before any timeout.
    let n = start_with(rpc::budget::CallLimits { gas_cap: 100_000, ..Default::default() }).await;
    let r = tokio::task::spawn_blocking(move || {
        let r = call(n.http, "eth_call", json!([{"data": HASH_FOREVER}]));
        (n, r)
    });
    let (n, r) = r.await.unwrap();
    let message = r["error"]["message"].as_str().unwrap_or_default();
    assert!(message.starts_with("execution halted") && message.contains("OutOfGas"), "{r}");
    n.servers.stop().await;
}

/// Reverts are worded as geth words them: `Error(string)` gives its reason, `Panic(uint256)` its
/// meaning, and any other data (a custom error) just `execution reverted`, with the data in
/// `error.data` and never printed as text.
#[tokio::test(flavor = "multi_thread")]
async fn reverts_are_shaped_as_geth_shapes_them() {
    use alloy_sol_types::SolError;
    let n = start().await;
    let reason = alloy_sol_types::Revert::from("boom").abi_encode();
    let panic = alloy_sol_types::Panic::from(0x11).abi_encode();
    // A custom error whose selector happens to be printable ASCII ("AAAA").
    let custom = [b"AAAA".as_slice(), &[0u8; 32]].concat();
    let http = n.http;
    let results = tokio::task::spawn_blocking(move || {
        [&reason, &panic, &custom]
            .map(|d| call(http, "eth_call", json!([{"data": revert_with(d)}])))
    })
    .await
    .unwrap();
    let [reason_r, panic_r, custom_r] = results;
    assert_eq!(reason_r["error"]["code"], 3);
    assert_eq!(reason_r["error"]["message"], "execution reverted: boom");
    assert_eq!(panic_r["error"]["message"], "execution reverted: arithmetic underflow or overflow");
    assert_eq!(custom_r["error"]["message"], "execution reverted", "{custom_r}");
    assert_eq!(
        custom_r["error"]["data"],
        format!("0x{}", alloy_primitives::hex::encode([b"AAAA".as_slice(), &[0u8; 32]].concat()))
    );
    n.servers.stop().await;
}

/// `eth_syncing` says what the node driving the engine knows: false when caught up, the
/// progress while behind.
#[tokio::test(flavor = "multi_thread")]
async fn eth_syncing_reports_the_nodes_progress() {
    let n = start().await;
    let http = n.http;
    let syncing = move || tokio::task::spawn_blocking(move || call(http, "eth_syncing", json!([])));
    assert_eq!(syncing().await.unwrap()["result"], false);
    n.engine.set_sync_progress(Some(alloy_rpc_types_eth::SyncInfo {
        starting_block: U256::from(3),
        current_block: U256::from(40),
        highest_block: U256::from(500),
        ..Default::default()
    }));
    let r = syncing().await.unwrap();
    assert_eq!(r["result"]["currentBlock"], "0x28", "{r}");
    assert_eq!(r["result"]["highestBlock"], "0x1f4", "{r}");
    n.engine.set_sync_progress(None);
    assert_eq!(syncing().await.unwrap()["result"], false);
    n.servers.stop().await;
}
