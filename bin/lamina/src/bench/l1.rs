//! `lamina bench l1`: the dev L1's mining rate in process (empty blocks, and blocks full of
//! transfers: admission and mining timed apart) and its JSON-RPC latency and throughput next to
//! anvil's for the same reads.

use std::{
    path::PathBuf,
    process::{Command, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};

use alloy_primitives::{Address, Bytes, U256};
use clap::Args;
use eyre::WrapErr;
use lamina_devl1::{DEV_ACCOUNTS, DevL1, DevL1Config, DevL1Genesis, Mining};
use lamina_node::{DevL1Node, DevL1NodeConfig};
use serde_json::json;

use super::rpc::{Node, Params, free_port, key, read_scenario, tempfile_dir, transfer, wait_ready};

/// Flags of `lamina bench l1`.
#[derive(Debug, Args)]
pub(crate) struct L1BenchArgs {
    /// Empty blocks to mine.
    #[arg(long, default_value_t = 500)]
    empty_blocks: u64,
    /// Blocks full of transfers to mine.
    #[arg(long, default_value_t = 20)]
    full_blocks: u64,
    /// Transfers per full block.
    #[arg(long, default_value_t = 500)]
    txs_per_block: usize,
    /// Requests per read scenario.
    #[arg(long, default_value_t = 5_000)]
    requests: usize,
    /// The anvil binary (default: tools/node_modules/.bin/anvil; skipped when missing).
    #[arg(long)]
    anvil: Option<PathBuf>,
}

const CHAIN_ID: u64 = 900;

/// Mines in process; prints blocks/s, and for full blocks admission and inclusion rates.
fn mining(args: &L1BenchArgs, dir: &std::path::Path) -> eyre::Result<()> {
    let senders = args.txs_per_block;
    let accounts: Vec<Address> = (0..senders).map(|i| key(i).address()).collect();
    let genesis =
        DevL1Genesis::funded(1_700_000_000, &accounts, U256::from(10u64).pow(U256::from(21)));
    let config = DevL1Config { mining: Mining::Manual, ..Default::default() };
    let l1 = DevL1::open(&dir.join("mining"), config, &genesis)?;
    let mut ts = 1_700_000_000;
    let start = Instant::now();
    for _ in 0..args.empty_blocks {
        ts += 12;
        l1.mine_at(ts)?;
    }
    let empty = start.elapsed().as_secs_f64();
    // Signing is the client's work: done before the clock starts.
    let batches: Vec<Vec<Bytes>> = (0..args.full_blocks)
        .map(|b| (0..senders).map(|i| transfer(CHAIN_ID, i, b)).collect())
        .collect::<eyre::Result<_>>()?;
    let (mut admit, mut mine) = (Duration::ZERO, Duration::ZERO);
    let mut gas = 0u64;
    for batch in &batches {
        let t0 = Instant::now();
        for raw in batch {
            l1.send_raw_transaction(raw)?;
        }
        let t1 = Instant::now();
        ts += 12;
        let head = l1.mine_at(ts)?;
        mine += t1.elapsed();
        admit += t1 - t0;
        gas += l1.store().header(head.number)?.map(|h| h.gas_used).unwrap_or_default();
    }
    let txs = (args.full_blocks as usize * senders) as f64;
    println!("mining (in process)");
    println!(
        "  empty blocks        {:>10.0} blocks/s  ({} blocks)",
        args.empty_blocks as f64 / empty,
        args.empty_blocks
    );
    println!(
        "  full blocks         {:>10.1} blocks/s  ({} blocks of {senders} transfers)",
        args.full_blocks as f64 / mine.as_secs_f64(),
        args.full_blocks
    );
    println!("  admission           {:>10.0} txs/s", txs / admit.as_secs_f64());
    println!(
        "  inclusion           {:>10.0} txs/s  {:.1} Mgas/s",
        txs / mine.as_secs_f64(),
        gas as f64 / mine.as_secs_f64() / 1e6
    );
    Ok(())
}

pub(super) fn start_anvil(bin: &std::path::Path) -> eyre::Result<Node> {
    let port = free_port()?;
    let child = Command::new(bin)
        .args(["--silent", "--chain-id", "900", "--port", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    Ok(Node { name: "anvil", child, url: format!("http://127.0.0.1:{port}") })
}

pub(crate) fn run(args: &L1BenchArgs) -> eyre::Result<()> {
    let dir = tempfile_dir()?;
    mining(args, &dir).wrap_err("mining")?;
    let anvil_bin = args.anvil.clone().unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tools/node_modules/.bin/anvil")
    });
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let node = DevL1Node::launch(DevL1NodeConfig {
            datadir: dir.join("rpc"),
            http: "127.0.0.1:0".parse()?,
            l1: DevL1Config::default(),
            genesis: DevL1Genesis::dev(1_700_000_000),
            beacon: None,
        })
        .await?;
        let mut urls = vec![("lamina", format!("http://{}", node.http))];
        let _anvil = if anvil_bin.is_file() {
            let a = start_anvil(&anvil_bin)?;
            urls.push(("anvil", a.url.clone()));
            Some(a)
        } else {
            eprintln!(
                "anvil not found at {} (npm ci --prefix tools): lamina only",
                anvil_bin.display()
            );
            None
        };
        for (_, url) in &urls {
            wait_ready(url).await?;
        }
        let (a, b) = (DEV_ACCOUNTS[0].0, DEV_ACCOUNTS[1].0);
        let reads: Vec<(&str, &'static str, Params)> = vec![
            ("eth_blockNumber", "eth_blockNumber", Arc::new(|_| vec![])),
            (
                "eth_getBalance",
                "eth_getBalance",
                Arc::new(move |_| vec![json!(a), json!("latest")]),
            ),
            (
                "eth_getBlockByNumber",
                "eth_getBlockByNumber",
                Arc::new(|_| vec![json!("latest"), json!(true)]),
            ),
            (
                "eth_call (transfer)",
                "eth_call",
                Arc::new(move |_| {
                    vec![json!({"from": a, "to": b, "value": "0x1"}), json!("latest")]
                }),
            ),
        ];
        println!(
            "\nJSON-RPC ({} requests each; latency with 1 client, req/s with 16)",
            args.requests
        );
        println!(
            "ratio: anvil p50 / lamina p50, lamina req/s / anvil req/s (above 1: lamina ahead)"
        );
        println!(
            "{:<22} {:>7} {:>9} {:>9} {:>12}",
            "method", "node", "p50 µs", "p99 µs", "req/s (16)"
        );
        for (label, method, params) in &reads {
            let mut rates = Vec::new();
            for (name, url) in &urls {
                let lat = read_scenario(url, method, params.clone(), args.requests / 4, 1).await?;
                let thr = read_scenario(url, method, params.clone(), args.requests, 16).await?;
                println!("{label:<22} {name:>7} {:>9} {:>9} {:>12.0}", lat.p50, lat.p99, thr.rps);
                rates.push((lat.p50, thr.rps));
            }
            if let [(l50, lr), (a50, ar)] = rates[..] {
                println!(
                    "{:<22} {:>7} {:>9.2}× {:>22.2}×",
                    "",
                    "ratio",
                    a50 as f64 / l50.max(1) as f64,
                    lr / ar
                );
            }
        }
        node.stop().await;
        Ok::<_, eyre::Report>(())
    })?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
