//! `lamina bench dev`: the whole rollup as `lamina dev` runs it, in process, measured as a
//! user feels it: time from start to the first L2 block, tx → unsafe (in a sequencer block)
//! and tx → safe (derived by the independent verifier from L1) latencies, and the L1 bytes the
//! batcher spends per L2 transfer.

use std::time::{Duration, Instant};

use alloy_consensus::Transaction as _;
use alloy_primitives::{Address, keccak256};
use alloy_signer_local::PrivateKeySigner;
use clap::Args;
use lamina_l1::{chain::L1Chain, deploy::DeployConfig, dev::DEV_ACCOUNTS};
use lamina_node::{
    EngineHandle,
    dev_stack::{DevL1Choice, DevStack, DevStackConfig},
};

use super::rpc::{tempfile_dir, transfer_from};

/// Flags of `lamina bench dev`.
#[derive(Debug, Args)]
pub(crate) struct DevBenchArgs {
    /// Latency samples (one tx each).
    #[arg(long, default_value_t = 5)]
    samples: usize,
    /// Transfers sent in a burst for the L1-bytes-per-tx figure.
    #[arg(long, default_value_t = 2_000)]
    burst: u64,
    /// Seconds between L2 blocks.
    #[arg(long = "block-time", default_value_t = 2)]
    block_time: u64,
}

fn median(mut v: Vec<Duration>) -> f64 {
    v.sort_unstable();
    v.get(v.len() / 2).copied().unwrap_or_default().as_secs_f64() * 1e3
}

async fn wait(mut done: impl FnMut() -> eyre::Result<bool>, what: &str) -> eyre::Result<()> {
    let start = Instant::now();
    while !done()? {
        eyre::ensure!(start.elapsed() < Duration::from_secs(300), "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Ok(())
}

fn included(e: &EngineHandle, hash: &alloy_primitives::B256) -> eyre::Result<Option<u64>> {
    Ok(e.store().transaction_location(hash)?.map(|l| l.block))
}

fn safe(e: &EngineHandle) -> eyre::Result<u64> {
    Ok(e.store().forkchoice()?.safe.number)
}

async fn scenario(args: &DevBenchArgs, dir: &std::path::Path) -> eyre::Result<()> {
    let port = |_| "127.0.0.1:0".parse().map_err(|e| eyre::eyre!("{e}"));
    let config = DevStackConfig {
        datadir: dir.to_path_buf(),
        l1: DevL1Choice::Embedded { http: port(())?, block_time: Duration::from_secs(2) },
        sequencer_http: port(())?,
        sequencer_rpc: port(())?,
        verifier_http: port(())?,
        verifier_rpc: port(())?,
        deploy: DeployConfig { l2_block_time: args.block_time, ..DeployConfig::dev() },
    };
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
    let mut nonce = 0;
    for _ in 0..args.samples.max(1) {
        let raw = transfer_from(chain_id, &sender, nonce)?;
        nonce += 1;
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

    // A burst of transfers from three senders, then the batcher's L1 bytes for them.
    let l1 = stack.l1.as_ref().map(|n| n.l1.clone()).ok_or_else(|| eyre::eyre!("no dev L1"))?;
    let l1_start = l1.store().head()?.map(|(n, _)| n).unwrap_or_default();
    let senders: Vec<PrivateKeySigner> = (7..10)
        .map(|i| PrivateKeySigner::from_bytes(&DEV_ACCOUNTS[i].1))
        .collect::<Result<_, _>>()?;
    let mut nonces = [nonce, 0, 0];
    let mut last = alloy_primitives::B256::ZERO;
    for i in 0..args.burst {
        let s = (i % 3) as usize;
        let raw = transfer_from(chain_id, &senders[s], nonces[s])?;
        nonces[s] += 1;
        last = keccak256(&raw);
        // The pool holds 64 per sender by default: wait for room.
        while let Err(e) = seq.send_raw_transaction(&raw) {
            tracing::debug!(target: "lamina::bench", %e, "pool full; waiting");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let mut block = None;
    wait(
        || {
            Ok({
                block = included(&seq, &last)?;
                block.is_some()
            })
        },
        "the burst",
    )
    .await?;
    let block = block.unwrap_or_default();
    wait(|| Ok(safe(&ver)? >= block), "the burst to be safe").await?;
    let inbox: Address = stack.deployment.rollup.batch_inbox_address;
    let l1_end = l1.store().head()?.map(|(n, _)| n).unwrap_or_default();
    let mut bytes = 0usize;
    for n in l1_start + 1..=l1_end {
        let Some(h) = l1.header(alloy_eips::BlockNumberOrTag::Number(n)).await? else { continue };
        for tx in l1.transactions(h.hash()).await?.unwrap_or_default() {
            if tx.to() == Some(inbox) {
                bytes += tx.input().len();
            }
        }
    }
    stack.stop().await;

    println!("lamina dev, in process ({} s L2 blocks, 2 s L1 blocks)", args.block_time);
    println!("  launch (L1, deploy, two nodes)  {:>9.1} ms", launched.as_secs_f64() * 1e3);
    println!("  start → first L2 block          {:>9.1} ms", first_block.as_secs_f64() * 1e3);
    println!("  tx → unsafe (median of {})       {:>9.1} ms", unsafe_ms.len(), median(unsafe_ms));
    println!("  tx → safe on the verifier        {:>9.1} ms", median(safe_ms));
    println!(
        "  L1 calldata per ETH transfer     {:>9.1} B   ({} transfers, {bytes} B, brotli-10 span batches)",
        bytes as f64 / args.burst as f64,
        args.burst
    );
    Ok(())
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
