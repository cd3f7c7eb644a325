//! `lamina bench rpc`: the same JSON-RPC load against `lamina engine --dev` and anvil (from
//! npm), both started from one genesis with the same funded accounts:
//!
//! - reads: `eth_blockNumber`, `eth_getBalance`, `eth_call`, `eth_getBlockByNumber` (full),
//!   each from `--concurrency` clients for `--requests` requests: requests/s, p50 and p99;
//! - txs: `--txs` pre-signed transfers from 500 senders submitted concurrently while blocks
//!   are built every second (1 Ggas blocks, so the block limit is not what is measured):
//!   accepted tx/s, included tx/s, and the txs included with the gas their receipts say they
//!   used (Mgas/s from that gas).

use std::{
    io::{BufRead, BufReader},
    net::TcpListener,
    path::PathBuf,
    process::{Child, Command, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};

use alloy_consensus::{SignableTransaction, TxEip1559};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, B256, Bytes, TxKind, U64, U256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use clap::Args;
use eyre::{WrapErr, eyre};
use jsonrpsee::{
    core::client::ClientT,
    http_client::{HttpClient, HttpClientBuilder},
    rpc_params,
};
use serde_json::{Value, json};

/// Flags of `lamina bench rpc`.
#[derive(Debug, Args)]
pub(crate) struct RpcBenchArgs {
    /// Requests per read scenario.
    #[arg(long, default_value_t = 20_000)]
    requests: usize,
    /// Concurrent clients.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Transfers in the tx scenario.
    #[arg(long, default_value_t = 20_000)]
    txs: usize,
    /// The anvil binary (default: tools/node_modules/.bin/anvil; skipped when missing).
    #[arg(long)]
    anvil: Option<PathBuf>,
    /// Also run the load on a `lamina engine --metrics.enabled` (the cost of recording).
    #[arg(long = "with-metrics")]
    with_metrics: bool,
    /// Runs of each read scenario, taken in turn on each node (so that a slow spell of a shared
    /// machine falls on all of them); the median run is reported.
    #[arg(long, default_value_t = 1)]
    rounds: usize,
}

const SENDERS: usize = 500;

/// The params of request `i` of a read scenario.
pub(super) type Params = Arc<dyn Fn(usize) -> Vec<Value> + Send + Sync>;
const CHAIN_ID: u64 = 901;

pub(super) fn key(i: usize) -> PrivateKeySigner {
    let mut b = [0u8; 32];
    b[24..].copy_from_slice(&(i as u64 + 1).to_be_bytes());
    b[0] = 0x11;
    // 0x11 in the top byte keeps the scalar non-zero and far below the curve order.
    PrivateKeySigner::from_bytes(&B256::from(b)).expect("a valid secp256k1 scalar")
}

/// The README's dev genesis with `accounts` funded instead, and 1 Ggas blocks (so that the
/// block gas limit is not what the tx scenario measures).
fn genesis_json(accounts: &[Address]) -> eyre::Result<String> {
    let mut g: Value = serde_json::from_str(include_str!("../../../../scripts/dev-genesis.json"))?;
    let funded = json!({ "balance": "0x3635c9adc5dea00000" });
    g["alloc"] = Value::Object(accounts.iter().map(|a| (a.to_string(), funded.clone())).collect());
    g["gasLimit"] = json!("0x3b9aca00");
    Ok(g.to_string())
}

/// A node process, killed on drop.
pub(super) struct Node {
    pub(super) name: &'static str,
    pub(super) child: Child,
    pub(super) url: String,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(super) fn free_port() -> eyre::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// `lamina engine --dev` on `genesis`, recording metrics (served on a free port) or not.
fn start_lamina(
    dir: &std::path::Path,
    genesis: &std::path::Path,
    metrics: bool,
) -> eyre::Result<Node> {
    let name = if metrics { "lamina+metrics" } else { "lamina" };
    let mut cmd = Command::new(std::env::current_exe()?);
    cmd.args(["engine", "--genesis"])
        .arg(genesis)
        .arg("--datadir")
        .arg(dir.join(format!("{name}-data")))
        .arg("--jwt-secret")
        .arg(dir.join("jwt.hex"))
        .args(["--http.port", "0", "--authrpc.port", "0", "--dev", "--dev.block-time", "1000"]);
    if metrics {
        cmd.args(["--metrics.enabled", "--metrics.addr", "127.0.0.1", "--metrics.port", "0"]);
    }
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::null()).spawn()?;
    let stdout = child.stdout.take().ok_or_else(|| eyre!("no stdout"))?;
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().ok_or_else(|| eyre!("lamina engine exited"))??;
    let addr = first.strip_prefix("http: ").ok_or_else(|| eyre!("unexpected output {first}"))?;
    std::thread::spawn(move || for _ in lines {});
    Ok(Node { name, child, url: format!("http://{addr}") })
}

fn start_anvil(bin: &std::path::Path, genesis: &std::path::Path) -> eyre::Result<Node> {
    let port = free_port()?;
    let child = Command::new(bin)
        .args([
            "--optimism",
            "--silent",
            "--block-time",
            "1",
            "--port",
            &port.to_string(),
            "--init",
        ])
        .arg(genesis)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    Ok(Node { name: "anvil", child, url: format!("http://127.0.0.1:{port}") })
}

pub(super) fn client(url: &str) -> eyre::Result<HttpClient> {
    Ok(HttpClientBuilder::default()
        .request_timeout(Duration::from_secs(60))
        .max_response_size(512 * 1024 * 1024)
        .build(url)?)
}

pub(super) async fn wait_ready(url: &str) -> eyre::Result<()> {
    let c = client(url)?;
    for _ in 0..200 {
        if c.request::<U64, _>("eth_chainId", rpc_params![]).await.is_ok() {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err(eyre!("{url} did not answer"))
}

/// Requests/s, p50 and p99 (µs) of one read scenario.
#[derive(Debug, Clone, Copy)]
pub(super) struct ReadResult {
    pub(super) rps: f64,
    pub(super) p50: u128,
    pub(super) p99: u128,
}

/// Nanoseconds that recording one request's metrics takes: the engine's timing layer on the
/// Prometheus recorder the binary installs, timed over many calls in this process.
fn recording_cost() -> f64 {
    const CALLS: u32 = 200_000;
    let methods = ["eth_blockNumber", "eth_getBalance", "eth_call", "eth_getBlockByNumber"];
    let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
    let layer = lamina_node::TimingLayer::new("bench", methods);
    metrics::with_local_recorder(&recorder, || {
        let started = Instant::now();
        for i in 0..CALLS {
            layer.record(methods[i as usize % methods.len()], Instant::now());
        }
        started.elapsed().as_nanos() as f64 / f64::from(CALLS)
    })
}

/// The run of median throughput among `runs` (one or more).
fn median_run(runs: &mut [ReadResult]) -> ReadResult {
    runs.sort_by(|a, b| a.rps.total_cmp(&b.rps));
    runs.get(runs.len() / 2).copied().unwrap_or(ReadResult { rps: 0.0, p50: 0, p99: 0 })
}

pub(super) async fn read_scenario(
    url: &str,
    method: &'static str,
    params: Params,
    requests: usize,
    concurrency: usize,
) -> eyre::Result<ReadResult> {
    let per = requests / concurrency;
    let start = Instant::now();
    let mut tasks = Vec::new();
    for t in 0..concurrency {
        let c = client(url)?;
        let params = params.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(per);
            for i in 0..per {
                let p = params(t * per + i);
                let mut rp = jsonrpsee::core::params::ArrayParams::new();
                for v in p {
                    rp.insert(v)?;
                }
                let t0 = Instant::now();
                let _: Value = c.request(method, rp).await?;
                lat.push(t0.elapsed().as_micros());
            }
            Ok::<_, eyre::Report>(lat)
        }));
    }
    let mut all = Vec::with_capacity(requests);
    for t in tasks {
        all.extend(t.await??);
    }
    let elapsed = start.elapsed().as_secs_f64();
    all.sort_unstable();
    Ok(ReadResult {
        rps: all.len() as f64 / elapsed,
        p50: all[all.len() / 2],
        p99: all[all.len() * 99 / 100],
    })
}

/// What the tx scenario measured.
#[derive(Debug, Clone, Copy)]
struct TxResult {
    accepted: usize,
    rejected: usize,
    /// Seconds until the last submission was answered.
    submit_secs: f64,
    /// User txs in blocks after the start.
    included: usize,
    /// The gas those txs used, from their receipts.
    gas_used: u64,
    /// Seconds until the last accepted tx was in a block.
    include_secs: f64,
}

/// Submits `txs` from `concurrency` clients, then follows new blocks until every accepted tx
/// is in one.
async fn tx_scenario(url: &str, txs: &[Bytes], concurrency: usize) -> eyre::Result<TxResult> {
    let c = client(url)?;
    let first: U64 = c.request("eth_blockNumber", rpc_params![]).await?;
    let start = Instant::now();
    let chunks: Vec<Vec<Bytes>> =
        txs.chunks(txs.len().div_ceil(concurrency)).map(<[Bytes]>::to_vec).collect();
    let mut tasks = Vec::new();
    for chunk in chunks {
        let c = client(url)?;
        tasks.push(tokio::spawn(async move {
            let mut accepted = 0;
            for raw in chunk {
                let r: Result<B256, _> =
                    c.request("eth_sendRawTransaction", rpc_params![raw]).await;
                accepted += usize::from(r.is_ok());
            }
            Ok::<_, eyre::Report>(accepted)
        }));
    }
    let mut accepted = 0;
    for t in tasks {
        accepted += t.await??;
    }
    let submit_secs = start.elapsed().as_secs_f64();
    // Count user txs (not deposits) block by block from where we started.
    let mut next = first.to::<u64>() + 1;
    let (mut included, mut gas_used) = (0, 0u64);
    while included < accepted {
        if start.elapsed() > Duration::from_secs(300) {
            return Err(eyre!("{included} of {accepted} txs included after 300 s"));
        }
        let head: U64 = c.request("eth_blockNumber", rpc_params![]).await?;
        while next <= head.to::<u64>() {
            let block: Value =
                c.request("eth_getBlockByNumber", rpc_params![U64::from(next), true]).await?;
            let txs = block["transactions"].as_array().map(Vec::as_slice).unwrap_or_default();
            included += txs.iter().filter(|t| t["type"] != "0x7e").count();
            if txs.iter().any(|t| t["type"] != "0x7e") {
                let receipts: Value =
                    c.request("eth_getBlockReceipts", rpc_params![U64::from(next)]).await?;
                for r in receipts.as_array().map(Vec::as_slice).unwrap_or_default() {
                    if r["type"] != "0x7e" {
                        let gas = r["gasUsed"].as_str().unwrap_or("0x0").trim_start_matches("0x");
                        gas_used += u64::from_str_radix(gas, 16)
                            .map_err(|e| eyre!("receipt gasUsed {gas}: {e}"))?;
                    }
                }
            }
            next += 1;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Ok(TxResult {
        accepted,
        rejected: txs.len() - accepted,
        submit_secs,
        included,
        gas_used,
        include_secs: start.elapsed().as_secs_f64(),
    })
}

/// A signed 1-wei transfer from bench key `sender` on `chain_id`.
pub(super) fn transfer(chain_id: u64, sender: usize, nonce: u64) -> eyre::Result<Bytes> {
    transfer_from(chain_id, &key(sender), nonce)
}

/// A signed 1-wei transfer from `signer` on `chain_id`.
pub(super) fn transfer_from(
    chain_id: u64,
    signer: &PrivateKeySigner,
    nonce: u64,
) -> eyre::Result<Bytes> {
    let to = TxKind::Call(Address::with_last_byte(0xee));
    signed_tx(chain_id, signer, nonce, to, U256::from(1), Vec::new(), 21_000)
}

/// A signed EIP-1559 tx at fees any dev chain takes (10 gwei cap, 0.001 gwei tip).
pub(super) fn signed_tx(
    chain_id: u64,
    from: &PrivateKeySigner,
    nonce: u64,
    to: TxKind,
    value: U256,
    input: Vec<u8>,
    gas_limit: u64,
) -> eyre::Result<Bytes> {
    let tx = TxEip1559 {
        chain_id,
        nonce,
        gas_limit,
        max_fee_per_gas: 10_000_000_000,
        max_priority_fee_per_gas: 1_000_000,
        to,
        value,
        input: input.into(),
        ..Default::default()
    };
    let sig = from.sign_hash_sync(&tx.signature_hash())?;
    Ok(alloy_consensus::TxEnvelope::Eip1559(tx.into_signed(sig)).encoded_2718().into())
}

fn signed_transfers(count: usize) -> eyre::Result<Vec<Bytes>> {
    let per_sender = count / SENDERS;
    // Interleaved by nonce so that every sender's txs arrive in order.
    (0..per_sender as u64)
        .flat_map(|nonce| (0..SENDERS).map(move |s| transfer(CHAIN_ID, s, nonce)))
        .collect()
}

pub(crate) fn run(args: &RpcBenchArgs) -> eyre::Result<()> {
    if args.txs < SENDERS || args.concurrency == 0 {
        return Err(eyre!(
            "--txs must be at least {SENDERS} (one per sender), --concurrency at least 1"
        ));
    }
    let dir = tempfile_dir()?;
    let senders: Vec<Address> = (0..SENDERS).map(|i| key(i).address()).collect();
    let genesis = dir.join("genesis.json");
    std::fs::write(&genesis, genesis_json(&senders)?)?;
    let anvil_bin = args.anvil.clone().unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tools/node_modules/.bin/anvil")
    });
    let txs = signed_transfers(args.txs)?;
    let runtime = tokio::runtime::Runtime::new()?;
    let mut nodes = vec![start_lamina(&dir, &genesis, false).wrap_err("starting lamina engine")?];
    if args.with_metrics {
        nodes.push(start_lamina(&dir, &genesis, true).wrap_err("starting lamina engine")?);
    }
    if anvil_bin.is_file() {
        nodes.push(start_anvil(&anvil_bin, &genesis)?);
    } else {
        eprintln!(
            "anvil not found at {} (npm ci --prefix tools): lamina only",
            anvil_bin.display()
        );
    }
    println!(
        "{} requests per read scenario, {} clients; {} transfers from {SENDERS} senders\n",
        args.requests,
        args.concurrency,
        txs.len()
    );
    println!("{:<28} {:>14} {:>12} {:>9} {:>9}", "scenario", "node", "req/s", "p50 µs", "p99 µs");
    let reads: Vec<(&'static str, &'static str, Params)> = {
        let s = senders.clone();
        let s2 = senders;
        vec![
            ("eth_blockNumber", "eth_blockNumber", Arc::new(|_| vec![])),
            (
                "eth_getBalance",
                "eth_getBalance",
                Arc::new(move |i| vec![json!(s[i % s.len()]), json!("latest")]),
            ),
            (
                "eth_call (transfer)",
                "eth_call",
                Arc::new(move |i| {
                    vec![
                        json!({"from": s2[i % s2.len()], "to": s2[(i + 1) % s2.len()], "value": "0x1"}),
                        json!("latest"),
                    ]
                }),
            ),
            (
                "eth_getBlockByNumber full",
                "eth_getBlockByNumber",
                Arc::new(|_| vec![json!("latest"), json!(true)]),
            ),
        ]
    };
    runtime.block_on(async {
        for n in &nodes {
            wait_ready(&n.url).await?;
        }
        let mut progress = crate::progress::Progress::new("scenarios");
        let rounds = args.rounds.max(1);
        let runs = ((reads.len() * rounds + 1) * nodes.len()) as u64;
        let mut done = 0;
        // Blocks with transactions first, so the block reads have something to return.
        let mut tx_results = Vec::new();
        for n in &nodes {
            progress.update(done, runs, &format!("txs on {}", n.name));
            let r = tx_scenario(&n.url, &txs, args.concurrency).await?;
            tx_results.push((n.name, r));
            done += 1;
        }
        // The cheapest read's latency: what the cost of recording is a share of, at worst.
        let mut first_read: Option<ReadResult> = None;
        for (label, method, params) in &reads {
            let mut runs_of: Vec<Vec<ReadResult>> = vec![Vec::new(); nodes.len()];
            for _ in 0..rounds {
                for (i, n) in nodes.iter().enumerate() {
                    progress.update(done, runs, &format!("{label} on {}", n.name));
                    let r = read_scenario(
                        &n.url,
                        method,
                        params.clone(),
                        args.requests,
                        args.concurrency,
                    )
                    .await?;
                    runs_of[i].push(r);
                    done += 1;
                }
            }
            let mut results = Vec::new();
            for (n, mut r) in nodes.iter().zip(runs_of) {
                let r = median_run(&mut r);
                if n.name == "lamina" && first_read.is_none() {
                    first_read = Some(r);
                }
                println!("{label:<28} {:>14} {:>12.0} {:>9} {:>9}", n.name, r.rps, r.p50, r.p99);
                results.push((n.name, r));
            }
            let rps = |name: &str| results.iter().find(|(n, _)| *n == name).map(|(_, r)| r.rps);
            if let (Some(l), Some(a)) = (rps("lamina"), rps("anvil")) {
                println!("{:<28} {:>14} {:>12.2}×", "", "ratio to anvil", l / a);
            }
            if let (Some(l), Some(m)) = (rps("lamina"), rps("lamina+metrics")) {
                println!("{:<28} {:>14} {:>12.3}×", "", "with metrics", m / l);
            }
        }
        progress.finish(&format!("{runs} runs"));
        if args.with_metrics {
            let base = first_read.filter(|r| r.p50 > 0);
            let ns = recording_cost();
            match base {
                Some(r) => println!(
                    "\nrecording one request's metrics (timing layer + Prometheus recorder, timed in \
                     process): {ns:.0} ns, {:.3} % of lamina's p50 eth_blockNumber ({} µs)",
                    ns / (r.p50 as f64 * 1e3) * 100.0,
                    r.p50
                ),
                None => println!("\nrecording one request's metrics: {ns:.0} ns"),
            }
        }
        println!();
        println!(
            "{:<10} {:>14} {:>9} {:>12} {:>12} {:>9} {:>10} {:>12}",
            "transfers", "node", "rejected", "accepted/s", "included/s", "Mgas/s", "included", "gas used"
        );
        for (name, r) in &tx_results {
            println!(
                "{:<10} {name:>14} {:>9} {:>12.0} {:>12.0} {:>9.1} {:>10} {:>12}",
                "",
                r.rejected,
                r.accepted as f64 / r.submit_secs,
                r.included as f64 / r.include_secs,
                r.gas_used as f64 / r.include_secs / 1e6,
                r.included,
                r.gas_used,
            );
        }
        let tx = |name: &str| tx_results.iter().find(|(n, _)| *n == name).map(|(_, r)| r);
        let accepted = |r: &TxResult| r.accepted as f64 / r.submit_secs;
        let included = |r: &TxResult| r.included as f64 / r.include_secs;
        for (other, label) in [("anvil", "ratio to anvil"), ("lamina+metrics", "metrics ÷ none")] {
            let (Some(l), Some(o)) = (tx("lamina"), tx(other)) else { continue };
            // Against anvil: ours over theirs; with metrics: that run over the plain one.
            let (num, den) = if other == "anvil" { (l, o) } else { (o, l) };
            println!(
                "{:<10} {:>14} {:>9} {:>11.3}× {:>11.3}×",
                "",
                label,
                "",
                accepted(num) / accepted(den),
                included(num) / included(den)
            );
        }
        Ok::<_, eyre::Report>(())
    })?;
    drop(nodes);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// A fresh scratch directory under the system temp dir.
pub(super) fn tempfile_dir() -> eyre::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("lamina-bench-rpc-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
