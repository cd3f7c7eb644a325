//! A lying L1 endpoint: a tiny HTTP proxy in front of the dev L1 edits one receipt (a deposit's
//! mint) or one block's transaction list. `RpcL1` checks both against the block header's roots
//! and refuses them with a temporary error naming the endpoint, so derivation never advances
//! on forged data; once the endpoint tells the truth again, the real deposit is derived.

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use alloy_primitives::{Address, Bytes, TxKind, U256};
use alloy_sol_types::SolCall;
use lamina_derive::{
    Classify, Severity,
    driver::{self, DriverStep},
    testing::Recording,
};
use lamina_l1::{
    chain::{CacheSizes, CachedL1, DeriveL1, L1Chain, L1Error, RpcL1},
    contracts::OptimismPortal,
    txmgr::{TxCandidate, TxManager, TxManagerConfig},
};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

use crate::{
    derive::{deployed_now, deposit_mints, derive_until_idle, key, pipeline},
    l1_chain::serve_dev_l1,
};

/// What the proxy forges while `lying` is set.
#[derive(Clone, Copy)]
enum Forgery {
    /// Raises the mint of the first deposit log in `eth_getBlockReceipts`.
    DepositMint,
    /// Drops the last transaction of a full block from `eth_getBlockByHash`.
    DropTx,
}

fn forge(forgery: Forgery, method: &str, result: &mut Value) -> bool {
    match (forgery, method) {
        (Forgery::DepositMint, "eth_getBlockReceipts") => {
            for receipt in result.as_array_mut().into_iter().flatten() {
                for log in receipt["logs"].as_array_mut().into_iter().flatten() {
                    let data = log["data"].as_str().unwrap_or_default().to_owned();
                    // abi.encode(bytes): offset, length, then the opaque data whose first word
                    // is the mint: make it 2^248 wei.
                    if data.len() >= 2 + 192 {
                        let forged = format!("{}01{}", &data[..2 + 128], &data[2 + 130..]);
                        log["data"] = forged.into();
                        return true;
                    }
                }
            }
            false
        }
        (Forgery::DropTx, "eth_getBlockByHash") => {
            let txs = &mut result["transactions"];
            match txs.as_array_mut() {
                Some(list) if list.first().is_some_and(Value::is_object) => list.pop().is_some(),
                _ => false,
            }
        }
        _ => false,
    }
}

/// An HTTP/1.1 JSON-RPC proxy to `upstream` on a free port; returns its URL and a count of
/// forged answers.
async fn proxy(
    upstream: String,
    forgery: Forgery,
    lying: Arc<AtomicBool>,
) -> (String, Arc<std::sync::atomic::AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let forged = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = forged.clone();
    tokio::spawn(async move {
        let http = reqwest::Client::new();
        while let Ok((socket, _)) = listener.accept().await {
            let (http, upstream, lying, count) =
                (http.clone(), upstream.clone(), lying.clone(), count.clone());
            tokio::spawn(async move {
                let mut conn = BufReader::new(socket);
                loop {
                    // Request line and headers, then a body of Content-Length bytes.
                    let mut length = 0usize;
                    let mut line = String::new();
                    if conn.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    loop {
                        line.clear();
                        conn.read_line(&mut line).await.unwrap();
                        let l = line.trim_end();
                        if l.is_empty() {
                            break;
                        }
                        if let Some((k, v)) = l.split_once(':')
                            && k.eq_ignore_ascii_case("content-length")
                        {
                            length = v.trim().parse().unwrap();
                        }
                    }
                    let mut body = vec![0; length];
                    conn.read_exact(&mut body).await.unwrap();
                    let request: Value = serde_json::from_slice(&body).unwrap();
                    let answer = http
                        .post(&upstream)
                        .header("content-type", "application/json")
                        .body(body)
                        .send()
                        .await
                        .unwrap()
                        .bytes()
                        .await
                        .unwrap();
                    let mut answer: Value = serde_json::from_slice(&answer).unwrap();
                    let method = request["method"].as_str().unwrap_or_default();
                    if lying.load(Ordering::SeqCst) && forge(forgery, method, &mut answer["result"])
                    {
                        count.fetch_add(1, Ordering::SeqCst);
                    }
                    let out = answer.to_string();
                    let head = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                        out.len()
                    );
                    let socket = conn.get_mut();
                    if socket.write_all(head.as_bytes()).await.is_err()
                        || socket.write_all(out.as_bytes()).await.is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    (url, forged)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_receipt_or_tx_list_is_refused_and_derivation_waits() {
    let dir = tempfile::tempdir().unwrap();
    let (l1, d, cfg, start) = deployed_now(dir.path()).await;
    // A user's deposit of 5 wei, in its own L1 block.
    let user = TxManager::new(l1.clone(), key(5), TxManagerConfig::dev()).await.unwrap();
    let deposit = OptimismPortal::depositTransactionCall {
        _to: Address::repeat_byte(0x44),
        _value: U256::from(5),
        _gasLimit: 100_000,
        _isCreation: false,
        _data: Bytes::new(),
    };
    let r = user
        .send(TxCandidate {
            to: TxKind::Call(d.addresses.optimism_portal),
            input: deposit.abi_encode().into(),
            value: U256::from(5),
            gas_limit: None,
            blobs: None,
        })
        .await
        .unwrap();
    let deposit_block = r.block_hash.unwrap();
    let deposit_number = r.block_number.unwrap();
    for _ in 0..8 {
        l1.mine().unwrap();
    }
    let (upstream, _server) = serve_dev_l1(&l1).await;

    // A forged tx list: refused, naming the endpoint (host and port).
    let lying = Arc::new(AtomicBool::new(true));
    let (url, forged) = proxy(upstream.clone(), Forgery::DropTx, lying.clone()).await;
    let rpc = RpcL1::connect(&url).unwrap();
    let err = rpc.transactions(deposit_block).await.unwrap_err();
    assert!(matches!(err, L1Error::Inconsistent { .. }) && err.is_temporary(), "{err}");
    assert!(err.to_string().contains(url.trim_start_matches("http://")), "{err}");
    assert_eq!(forged.load(Ordering::SeqCst), 1);

    // A forged receipt: refused, and derivation over that endpoint stops before the block.
    let (url, forged) = proxy(upstream, Forgery::DepositMint, lying.clone()).await;
    let rpc = RpcL1::connect(&url).unwrap();
    let err = rpc.receipts(deposit_block).await.unwrap_err();
    assert!(matches!(err, L1Error::Inconsistent { .. }), "{err}");

    let source = DeriveL1::new(CachedL1::new(rpc, CacheSizes::default()));
    let (l2, mut p) = pipeline(&cfg, &start, source);
    let mut derived = Vec::new();
    let mut refusals = 0;
    for steps in 0.. {
        assert!(steps < 10_000, "derivation never stopped");
        let mut exec = Recording { l2: l2.clone(), derived: &mut derived };
        match driver::step(&mut p, &l2.head(), &mut exec).await {
            Ok(DriverStep::Idle) => panic!("derivation went idle past the forged block"),
            Ok(_) => {}
            Err(e) => {
                assert_eq!(e.severity(), Severity::Temporary, "{e}");
                refusals += 1;
                if refusals == 3 {
                    break;
                }
            }
        }
    }
    assert!(forged.load(Ordering::SeqCst) >= 3, "every read was forged and refused");
    assert!(deposit_mints(&derived).is_empty(), "nothing derived from the forged block");
    let origin = p.origin().unwrap().number;
    assert!(origin < deposit_number, "derivation stopped at {origin}, before {deposit_number}");
    let stuck_at = l2.head();

    // The endpoint tells the truth again: the real deposit (5 wei) is derived.
    lying.store(false, Ordering::SeqCst);
    derive_until_idle(&mut p, &mut derived).await;
    assert!(l2.head().number >= stuck_at.number);
    assert_eq!(deposit_mints(&derived), vec![5]);
}

/// A beacon node that answers without end (or announces a body of 64 MiB) is cut off at the
/// client's bound instead of being buffered: blobs come in responses of a few MB at most.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_beacon_response_is_refused_at_its_bound() {
    for announce in [true, false] {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let beacon = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let Ok((mut socket, _)) = listener.accept().await else { return };
            let mut buf = [0u8; 4096];
            let _ = socket.read(&mut buf).await;
            let head = if announce {
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 67108864\r\n\r\n"
            } else {
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n"
            };
            if socket.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let chunk = vec![b' '; 1 << 20];
            for _ in 0..64 {
                if socket.write_all(&chunk).await.is_err() {
                    return;
                }
            }
        });
        let url: url::Url = "http://127.0.0.1:1".parse().unwrap();
        let rpc = RpcL1::new(
            &lamina_l1::chain::RpcL1Config::new(url).with_beacon(beacon.parse().unwrap()),
        );
        let header = alloy_consensus::Sealed::new_unchecked(
            alloy_consensus::Header { timestamp: 1_700_000_012, ..Default::default() },
            alloy_primitives::B256::ZERO,
        );
        let err = rpc.blobs(&header, &[alloy_primitives::B256::repeat_byte(1)]).await.unwrap_err();
        assert!(err.to_string().contains("over 33554432 bytes"), "{err}");
    }
}
