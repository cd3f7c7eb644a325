//! `lamina bench dev`: the whole rollup as `lamina dev` runs it, in process, measured as a
//! user feels it: time from start to the first L2 block, tx → unsafe (in a sequencer block)
//! and tx → safe (derived by the independent verifier from L1) latencies; then, on a fresh
//! stack per DA mode (calldata, blobs), the L1 bytes and fees the batcher spends per L2 tx for
//! ETH transfers, ERC-20 transfers and a mixed load.

use std::time::{Duration, Instant};

use alloy_primitives::keccak256;
use alloy_signer_local::PrivateKeySigner;
use clap::Args;
use lamina_devl1::DEV_ACCOUNTS;
use lamina_l1::deploy::DeployConfig;
use lamina_node::{
    EngineHandle,
    batcher::DaMode,
    dev_stack::{DevL1Choice, DevStack, DevStackConfig},
};

use super::{
    da::{Load, Spent, Traffic, spent},
    rpc::{tempfile_dir, transfer_from},
};

/// Flags of `lamina bench dev`.
#[derive(Debug, Args)]
pub(crate) struct DevBenchArgs {
    /// Latency samples (one tx each).
    #[arg(long, default_value_t = 5)]
    samples: usize,
    /// Txs sent per load (ETH, ERC-20, mixed) and DA mode for the L1 cost figures.
    #[arg(long, default_value_t = 1_000)]
    burst: u64,
    /// Seconds between L2 blocks.
    #[arg(long = "block-time", default_value_t = 2)]
    block_time: u64,
}

fn median(mut v: Vec<Duration>) -> f64 {
    v.sort_unstable();
    v.get(v.len() / 2).copied().unwrap_or_default().as_secs_f64() * 1e3
}

pub(super) async fn wait(
    mut done: impl FnMut() -> eyre::Result<bool>,
    what: &str,
) -> eyre::Result<()> {
    let start = Instant::now();
    while !done()? {
        eyre::ensure!(start.elapsed() < Duration::from_secs(300), "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Ok(())
}

pub(super) fn included(
    e: &EngineHandle,
    hash: &alloy_primitives::B256,
) -> eyre::Result<Option<u64>> {
    Ok(e.store().transaction_location(hash)?.map(|l| l.block))
}

fn safe(e: &EngineHandle) -> eyre::Result<u64> {
    Ok(e.store().forkchoice()?.safe.number)
}

async fn scenario(args: &DevBenchArgs, dir: &std::path::Path) -> eyre::Result<()> {
    let config = stack_config(args.block_time, &dir.join("auto"), None)?;
    let t0 = Instant::now();
    let stack = DevStack::launch(config).await?;
    let launched = t0.elapsed();
    let seq = stack.sequencer.engine.handle.clone();
    let ver = stack.verifier.engine.handle.clone();
    let head =
        || -> eyre::Result<u64> { Ok(seq.store().head()?.map(|(n, _)| n).unwrap_or_default()) };
    wait(|| Ok(head()? >= 1), "the first L2 block").await?;
    let first_block = t0.elapsed();

    let chain_id = stack.deployment.rollup.l2_chain_id;
    let sender = PrivateKeySigner::from_bytes(&DEV_ACCOUNTS[7].1)?;
    let (mut unsafe_ms, mut safe_ms) = (Vec::new(), Vec::new());
    let samples = args.samples.max(1) as u64;
    let mut progress = crate::progress::Progress::new("tx → safe samples");
    for nonce in 0..samples {
        progress.update(nonce, samples, "");
        let raw = transfer_from(chain_id, &sender, nonce)?;
        let hash = keccak256(&raw);
        let sent = Instant::now();
        seq.send_raw_transaction(&raw)?;
        let mut block = None;
        wait(
            || {
                Ok({
                    block = included(&seq, &hash)?;
                    block.is_some()
                })
            },
            "inclusion",
        )
        .await?;
        unsafe_ms.push(sent.elapsed());
        let block = block.unwrap_or_default();
        wait(|| Ok(safe(&ver)? >= block), "the verifier's safe head").await?;
        safe_ms.push(sent.elapsed());
    }
    progress.finish(&format!("{samples} samples"));

    stack.stop().await;

    println!("lamina dev, in process ({} s L2 blocks, 2 s L1 blocks)", args.block_time);
    println!("  launch (L1, deploy, two nodes)  {:>9.1} ms", launched.as_secs_f64() * 1e3);
    println!("  start → first L2 block          {:>9.1} ms", first_block.as_secs_f64() * 1e3);
    println!("  tx → unsafe (median of {})       {:>9.1} ms", unsafe_ms.len(), median(unsafe_ms));
    println!("  tx → safe on the verifier        {:>9.1} ms", median(safe_ms));

    println!();
    println!("L1 cost per L2 tx ({} txs per load, brotli-10 span batches)", args.burst);
    println!(
        "  {:<40} {:>8} {:>10} {:>8} {:>7} {:>10} {:>13}",
        "load", "DA", "bytes/tx", "L1 txs", "blobs", "gas/tx", "blob gas/tx"
    );
    for da in [DaMode::Calldata, DaMode::Blobs] {
        let dir = dir.join(da.name());
        let stack = DevStack::launch(stack_config(args.block_time, &dir, Some(da))?).await?;
        let mut traffic = Traffic::new(&stack).await?;
        for load in Load::ALL {
            let s = load_cost(&stack, &mut traffic, load, args.burst).await?;
            println!(
                "  {:<40} {:>8} {:>10.1} {:>8} {:>7} {:>10.0} {:>13.0}",
                load.name(),
                da.name(),
                s.bytes as f64 / s.txs as f64,
                s.l1_txs,
                s.blobs,
                s.gas as f64 / s.txs as f64,
                s.blob_gas as f64 / s.txs as f64,
            );
        }
        stack.stop().await;
    }
    Ok(())
}

/// A dev stack in `dir` with `block_time`-second L2 blocks, posting as `da` says.
pub(super) fn stack_config(
    block_time: u64,
    dir: &std::path::Path,
    da: Option<DaMode>,
) -> eyre::Result<DevStackConfig> {
    let port = || "127.0.0.1:0".parse().map_err(|e| eyre::eyre!("{e}"));
    Ok(DevStackConfig {
        datadir: dir.to_path_buf(),
        l1: DevL1Choice::Embedded {
            http: port()?,
            beacon: None,
            block_time: Duration::from_secs(2),
        },
        sequencer_http: port()?,
        sequencer_rpc: port()?,
        verifier_http: port()?,
        verifier_rpc: port()?,
        deploy: DeployConfig { l2_block_time: block_time, ..DeployConfig::dev() },
        da,
        admin_rpc: true,
        challenger: false,
        corrupt_output_every: None,
        // As `lamina dev` runs: the verifier follows the sequencer's gossip.
        p2p: Some(port()?),
    })
}

/// Sends `count` txs of `load`, waits until the verifier has them safe, and sums what the
/// batcher spent on L1 meanwhile.
async fn load_cost(
    stack: &DevStack,
    traffic: &mut Traffic,
    load: Load,
    count: u64,
) -> eyre::Result<Spent> {
    let l1 = stack.l1.as_ref().map(|n| n.l1.clone()).ok_or_else(|| eyre::eyre!("no dev L1"))?;
    let ver = stack.verifier.engine.handle.clone();
    // Everything before is safe first, so the window holds this load's channels only.
    let before = stack.sequencer.engine.handle.store().head()?.map(|(n, _)| n).unwrap_or_default();
    wait(|| Ok(safe(&ver)? >= before), "the chain to be safe").await?;
    let l1_start = l1.store().head()?.map(|(n, _)| n).unwrap_or_default();
    let block = traffic.send(&stack.sequencer.engine.handle, load, count).await?;
    wait(|| Ok(safe(&ver)? >= block), "the load to be safe").await?;
    let l1_end = l1.store().head()?.map(|(n, _)| n).unwrap_or_default();
    spent(&l1, stack.deployment.rollup.batch_inbox_address, l1_start + 1, l1_end, count).await
}

pub(crate) fn run(args: &DevBenchArgs) -> eyre::Result<()> {
    eyre::ensure!(
        args.block_time > 0 && args.burst > 0,
        "--block-time and --burst must be positive"
    );
    let dir = tempfile_dir()?.join("dev");
    let _ = std::fs::remove_dir_all(&dir);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let out = rt.block_on(scenario(args, &dir));
    let _ = std::fs::remove_dir_all(&dir);
    out
}
