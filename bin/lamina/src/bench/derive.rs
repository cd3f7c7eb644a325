//! `lamina bench derive`: derivation plus execution over a synthetic chain. A sequencer builds
//! `--blocks` L2 blocks of transfers on the dev L1 (an L1 block every 12 s of L2 time), a
//! stand-in batcher posts them as span-batch channels from the batcher account, then a fresh
//! verifier with its own engine derives and executes the whole chain from L1 alone. Reported:
//! the verifier's blocks/s, Mgas/s and MB/s of batch data, next to the sequencer's own build
//! rate for the same blocks (the ratio is what survives a noisy machine).

use std::{path::Path, time::Instant};

use alloy_primitives::{TxKind, U256};
use alloy_signer_local::PrivateKeySigner;
use clap::Args;
use lamina_devl1::{DEV_ACCOUNTS, DevL1, DevL1Config, DevL1Genesis, Mining};
use lamina_l1::{
    chain::{CacheSizes, CachedL1, DeriveL1},
    deploy::{self, DeployConfig},
    txmgr::{TxCandidate, TxManager, TxManagerConfig},
};
use lamina_node::{
    Durability, EngineHandle, StoreOptions, open_engine, open_engine_with,
    rollup::{EngineL2, Sequencer, SequencerConfig, Verifier},
};
use lamina_protocol::{
    RollupConfig,
    batch::SingleBatch,
    channel::{BatchFormat, ChannelOut, CompressionConfig},
    frame::{ChannelId, encode_batcher_data},
};

use super::rpc::{tempfile_dir, transfer_from};

/// Flags of `lamina bench derive`.
#[derive(Debug, Args)]
pub(crate) struct DeriveBenchArgs {
    /// L2 blocks in the chain.
    #[arg(long, default_value_t = 10_000)]
    blocks: u64,
    /// Transfers per L2 block.
    #[arg(long, default_value_t = 20)]
    txs_per_block: u64,
    /// L2 blocks per channel.
    #[arg(long, default_value_t = 100)]
    blocks_per_channel: u64,
}

/// Posts blocks `from..=to` of `engine` as one span-batch channel, a frame per L1 tx.
async fn post(
    mgr: &TxManager<DevL1>,
    cfg: &RollupConfig,
    engine: &EngineHandle,
    id: u64,
    from: u64,
    to: u64,
) -> eyre::Result<usize> {
    let l2 = EngineL2::new(engine.clone());
    let format = BatchFormat::Span {
        genesis_time: cfg.genesis.l2_time,
        block_time: cfg.block_time,
        chain_id: cfg.l2_chain_id,
        parent_epoch: l2.expect(from - 1).await?.l1_origin.number,
    };
    let mut cid = [0u8; 16];
    cid[8..].copy_from_slice(&id.to_be_bytes());
    let mut ch =
        ChannelOut::new(ChannelId::from(cid), format, CompressionConfig::BROTLI_10, 100_000_000);
    let mut parent_hash = l2.expect(from - 1).await?.hash;
    for n in from..=to {
        let b = l2.expect(n).await?;
        let txs = engine.store().block_transactions(n)?.unwrap_or_default();
        ch.add_batch(SingleBatch {
            parent_hash,
            epoch_num: b.l1_origin.number,
            epoch_hash: b.l1_origin.hash,
            timestamp: b.timestamp,
            transactions: txs.into_iter().filter(|t| t.first() != Some(&0x7e)).collect(),
        })?;
        parent_hash = b.hash;
    }
    let mut bytes = 0;
    for frame in ch.frames(100_000)? {
        let data = encode_batcher_data(std::slice::from_ref(&frame));
        bytes += data.len();
        let c = TxCandidate {
            to: TxKind::Call(cfg.batch_inbox_address),
            input: data.into(),
            value: U256::ZERO,
            gas_limit: None,
            blobs: None,
        };
        let r = mgr.send(c).await?;
        eyre::ensure!(r.status(), "batcher tx reverted");
    }
    Ok(bytes)
}

async fn scenario(args: &DeriveBenchArgs, dir: &Path) -> eyre::Result<()> {
    // Instant mining stamps blocks with the wall clock (or the parent's time + 1), so the L1
    // starts now; the loop below then mines ahead of the clock to keep pace with L2 time.
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();
    let l1 = DevL1::open(
        &dir.join("l1"),
        DevL1Config { mining: Mining::Instant, ..DevL1Config::default() },
        &DevL1Genesis::dev(now),
    )?;
    let owner = PrivateKeySigner::from_bytes(&DEV_ACCOUNTS[0].1)?;
    let mgr = TxManager::new(l1.clone(), owner, TxManagerConfig::dev()).await?;
    let d = deploy::deploy_to_dir(&mgr, &DeployConfig::dev(), &dir.join("chain")).await?;
    let cfg = d.rollup;
    let genesis_json = serde_json::to_string(&d.genesis)?;
    let batcher = PrivateKeySigner::from_bytes(&DEV_ACCOUNTS[1].1)?;
    let batcher = TxManager::new(l1.clone(), batcher, TxManagerConfig::dev()).await?;
    let source = || DeriveL1::new(CachedL1::new(l1.clone(), CacheSizes::default()));

    // The sequencer's chain, batched as it grows. Senders are dev accounts 4..10.
    let a = open_engine(&dir.join("sequencer"), &genesis_json, &cfg)?;
    let mut seq = Sequencer::new(a.clone(), source(), SequencerConfig { confirmation_depth: 0 });
    let senders: Vec<PrivateKeySigner> = (4..10)
        .map(|i| PrivateKeySigner::from_bytes(&DEV_ACCOUNTS[i].1))
        .collect::<Result<_, _>>()?;
    let mut nonces = vec![0u64; senders.len()];
    let (mut build_time, mut batch_bytes, mut channels) = (0.0, 0usize, 0u64);
    let mut posted = 0;
    let mut progress = crate::progress::Progress::new("building blocks");
    let what = format!("blocks of {} transfers", args.txs_per_block);
    for n in 1..=args.blocks {
        progress.update(n - 1, args.blocks, &what);
        for t in 0..args.txs_per_block {
            let s = (t as usize) % senders.len();
            a.send_raw_transaction(&transfer_from(cfg.l2_chain_id, &senders[s], nonces[s])?)?;
            nonces[s] += 1;
        }
        let next = seq.next_time().await?;
        // L1 keeps pace: a block whenever 12 s of L2 time passed.
        let l1_head = l1.store().head()?.map(|(n, _)| n).unwrap_or_default();
        let l1_time = l1.store().header(l1_head)?.map(|h| h.timestamp).unwrap_or_default();
        if next >= l1_time + 12 {
            l1.mine_at(l1_time + 12)?;
        }
        let t0 = Instant::now();
        seq.build_next().await?;
        build_time += t0.elapsed().as_secs_f64();
        if n % args.blocks_per_channel == 0 || n == args.blocks {
            channels += 1;
            batch_bytes += post(&batcher, &cfg, &a, channels, posted + 1, n).await?;
            posted = n;
        }
    }
    progress.finish(&format!("built {} blocks", args.blocks));
    let (head, _) = a.store().head()?.ok_or_else(|| eyre::eyre!("empty chain"))?;
    let mut gas = 0u64;
    let mut txs = 0usize;
    for n in 1..=head {
        gas += a.store().header(n)?.map(|h| h.gas_used).unwrap_or_default();
        txs += a.store().block_transactions(n)?.map(|t| t.len()).unwrap_or_default();
    }

    // The verifier: a fresh engine, fed from L1 alone, committing as `lamina node` verifiers
    // do (pipelined: every block synced, the next one executing meanwhile).
    let options = StoreOptions { durability: Durability::Pipelined, ..Default::default() };
    let b = open_engine_with(&dir.join("verifier"), &genesis_json, &cfg, options)?;
    let t0 = Instant::now();
    let mut v = Verifier::new(b.clone(), source()).await?;
    let safe = crate::progress::while_running("deriving from L1", v.sync()).await?;
    let secs = t0.elapsed().as_secs_f64();
    eyre::ensure!(safe.number == head, "derived to {}, the sequencer is at {head}", safe.number);
    let want = a.store().canonical_hash(head)?;
    eyre::ensure!(b.store().canonical_hash(head)? == want, "the verifier's head differs");

    let mgas = gas as f64 / 1e6;
    let origin =
        EngineL2::new(a.clone()).info(head).await?.map(|b| b.l1_origin.number).unwrap_or(0);
    println!(
        "chain: {head} L2 blocks on {} L1 epochs, {txs} txs, {mgas:.0} Mgas; {channels} channels, {:.2} MB of batch data",
        origin - cfg.genesis.l1.number,
        batch_bytes as f64 / 1e6
    );
    println!("{:<34} {:>10} {:>10} {:>10}", "", "blocks/s", "Mgas/s", "MB/s");
    println!(
        "{:<34} {:>10.0} {:>10.1} {:>10}",
        "sequencer (build from pool)",
        head as f64 / build_time,
        mgas / build_time,
        "-"
    );
    println!(
        "{:<34} {:>10.0} {:>10.1} {:>10.2}",
        "verifier (derive + execute)",
        head as f64 / secs,
        mgas / secs,
        batch_bytes as f64 / 1e6 / secs
    );
    println!("verifier / sequencer time: {:.2}", secs / build_time);
    Ok(())
}

pub(crate) fn run(args: &DeriveBenchArgs) -> eyre::Result<()> {
    eyre::ensure!(
        args.blocks > 0 && args.blocks_per_channel > 0,
        "--blocks and --blocks-per-channel must be positive"
    );
    let dir = tempfile_dir()?.join("derive");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let out = rt.block_on(scenario(args, &dir));
    let _ = std::fs::remove_dir_all(&dir);
    out
}
