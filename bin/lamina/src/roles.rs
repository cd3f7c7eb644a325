//! `lamina batcher`, `lamina proposer` and `lamina challenger`: the L1-posting roles as their
//! own processes, reading the L2 chain from a node's public JSON-RPC (the challenger: a
//! verifier's rollup RPC) and sending through their own key, so a deployment can split roles
//! as OP operators do.

use std::{path::PathBuf, time::Duration};

use alloy_primitives::Address;
use alloy_signer_local::PrivateKeySigner;
use clap::Args;
use eyre::WrapErr;
use lamina_l1::{
    chain::RpcL1,
    deploy::DEV_L2_CHAIN_IDS,
    txmgr::{TxManager, TxManagerConfig},
};
use lamina_node::{
    batcher::{Batcher, BatcherConfig, DaMode},
    challenger::{Challenger, RollupRpcOutputs},
    poster,
    proposer::{Proposer, ProposerConfig},
    rollup::{ExecutionEngine, RemoteEngine},
};
use lamina_protocol::{
    RollupConfig,
    channel::{Compression, CompressionConfig},
};

/// What the batcher and the proposer need.
#[derive(Debug, Args)]
pub(crate) struct RoleArgs {
    /// op-node's rollup.json.
    #[arg(long)]
    rollup_config: PathBuf,
    /// The L2 node's public JSON-RPC URL (the sequencer's for the batcher).
    #[arg(long = "l2-rpc")]
    l2_rpc: String,
    #[command(flatten)]
    l1: L1Args,
}

/// How a role sends its L1 txs.
#[derive(Debug, Args)]
pub(crate) struct L1Args {
    /// The L1 JSON-RPC URL.
    #[arg(long = "l1-rpc")]
    l1_rpc: String,
    /// The key that signs the L1 txs.
    #[command(flatten)]
    key: crate::key::KeyArgs,
    /// Milliseconds between steps when there is nothing to post.
    #[arg(long = "poll-interval", default_value_t = 500)]
    poll_ms: u64,
    /// L1 blocks a tx must be buried under before it counts as sent (1: included).
    #[arg(long = "num-confirmations", default_value_t = 2)]
    confirmations: u64,
    /// Milliseconds between checks of a sent tx.
    #[arg(long = "txmgr.poll-interval", default_value_t = 2_000)]
    tx_poll_ms: u64,
    /// The most a tx offers per gas, in gwei; when L1 asks more, nothing is sent until it
    /// asks less.
    #[arg(long = "txmgr.max-fee-gwei", default_value_t = 500.0)]
    max_fee_gwei: f64,
    /// The most a blob tx offers per blob gas, in gwei.
    #[arg(long = "txmgr.max-blob-fee-gwei", default_value_t = 1_000.0)]
    max_blob_fee_gwei: f64,
}

/// Flags of `lamina batcher`.
#[derive(Debug, Args)]
pub(crate) struct BatcherArgs {
    #[command(flatten)]
    role: RoleArgs,
    /// L1 blocks a channel may stay open before it is posted.
    #[arg(long = "max-channel-duration", default_value_t = 2)]
    max_channel_duration: u64,
    /// Uncompressed bytes at which a channel is posted.
    #[arg(long = "target-channel-bytes", default_value_t = 1_000_000)]
    target_channel_bytes: u64,
    /// `calldata`, `blobs`, or `auto` (the cheaper at current fees, within the caps). Blobs
    /// need the verifiers' L1 to serve them (`lamina node --l1-beacon`).
    #[arg(long = "data-availability-type", default_value = "calldata")]
    da: DaMode,
    /// Channel compression, as op-batcher names it: `zlib`, `brotli` (level 10), `brotli-9`,
    /// `brotli-10` or `brotli-11` (Brotli needs Fjord).
    #[arg(long = "compression-algo", default_value = "brotli-10", value_parser = compression)]
    compression: CompressionConfig,
    /// Blobs per blob tx (1 to 6).
    #[arg(long = "max-blobs-per-tx", default_value_t = 6, value_parser = clap::value_parser!(u8).range(1..=6))]
    max_blobs_per_tx: u8,
    #[command(flatten)]
    metrics: crate::metrics_flags::MetricsFlags,
}

/// Flags of `lamina proposer`.
#[derive(Debug, Args)]
pub(crate) struct ProposerArgs {
    #[command(flatten)]
    role: RoleArgs,
    /// The L2OutputOracle's address.
    #[arg(long = "l2oo-address")]
    oracle: Address,
    /// Propose outputs of safe blocks too (default: finalized blocks only, whose batches no L1
    /// reorg can remove).
    #[arg(long = "allow-non-finalized")]
    allow_non_finalized: bool,
    /// Testing a challenger: every Nth output proposed is wrong.
    #[arg(long = "dev.corrupt-output-every", hide = true)]
    corrupt_output_every: Option<u64>,
    #[command(flatten)]
    metrics: crate::metrics_flags::MetricsFlags,
}

/// Flags of `lamina challenger`.
#[derive(Debug, Args)]
pub(crate) struct ChallengerArgs {
    /// A verifier node's rollup RPC (`optimism_syncStatus`, `optimism_outputAtBlock`): the
    /// outputs it computes are the truth the oracle's are checked against.
    #[arg(long = "rollup-rpc")]
    rollup_rpc: String,
    /// The L2OutputOracle's address.
    #[arg(long = "l2oo-address")]
    oracle: Address,
    /// Check outputs only once the verifier's finalized head covers them (default: its safe
    /// head).
    #[arg(long = "finalized-only")]
    finalized_only: bool,
    #[command(flatten)]
    l1: L1Args,
    #[command(flatten)]
    metrics: crate::metrics_flags::MetricsFlags,
}

fn compression(s: &str) -> Result<CompressionConfig, String> {
    let brotli = |level| CompressionConfig { algo: Compression::Brotli, level };
    match s {
        "zlib" => Ok(CompressionConfig::ZLIB_BEST),
        "brotli" | "brotli-10" => Ok(brotli(10)),
        "brotli-9" => Ok(brotli(9)),
        "brotli-11" => Ok(brotli(11)),
        other => Err(format!("{other:?}: zlib, brotli, brotli-9, brotli-10 or brotli-11")),
    }
}

struct Parts {
    engine: RemoteEngine,
    txmgr: TxManager<RpcL1>,
    poll: Duration,
}

async fn parts(args: &RoleArgs) -> eyre::Result<Parts> {
    let json = std::fs::read_to_string(&args.rollup_config)
        .wrap_err_with(|| format!("reading {}", args.rollup_config.display()))?;
    let rollup = RollupConfig::from_json(&json)?;
    let engine = RemoteEngine::public(&args.l2_rpc, rollup)?;
    let (txmgr, poll) = sender(&args.l1).await?;
    Ok(Parts { engine, txmgr, poll })
}

/// The role's tx manager on L1, and its poll interval.
async fn sender(args: &L1Args) -> eyre::Result<(TxManager<RpcL1>, Duration)> {
    let key: PrivateKeySigner = args.key.required()?;
    let gwei = |g: f64, flag: &str| -> eyre::Result<u128> {
        eyre::ensure!(g.is_finite() && g >= 0.0, "{flag} must be a non-negative number");
        Ok((g * 1e9) as u128)
    };
    let config = TxManagerConfig {
        confirmations: args.confirmations.max(1),
        poll_interval: Duration::from_millis(args.tx_poll_ms.max(1)),
        max_fee_per_gas: gwei(args.max_fee_gwei, "--txmgr.max-fee-gwei")?,
        max_fee_per_blob_gas: gwei(args.max_blob_fee_gwei, "--txmgr.max-blob-fee-gwei")?,
        ..TxManagerConfig::default()
    };
    let txmgr = TxManager::new(RpcL1::connect(&args.l1_rpc)?, key, config).await?;
    Ok((txmgr, Duration::from_millis(args.poll_ms.max(1))))
}

pub(crate) fn run_batcher(args: &BatcherArgs) -> eyre::Result<()> {
    crate::shutdown::serve(async {
        let metrics = args.metrics.start().await?;
        let p = parts(&args.role).await?;
        let config = BatcherConfig {
            max_channel_duration: args.max_channel_duration,
            target_channel_bytes: args.target_channel_bytes,
            da: args.da,
            compression: args.compression,
            max_blobs_per_tx: usize::from(args.max_blobs_per_tx),
            // A node's public RPC does not take `miner_setMaxDASize` (it is on the engine's
            // authenticated port), so a separate batcher cannot throttle the sequencer.
            throttle: None,
            ..BatcherConfig::default()
        };
        let batcher = Batcher::new(p.engine, p.txmgr, config).await?;
        println!("batching from L2 block {}", batcher.next_block());
        crate::metrics_flags::banner(metrics);
        tokio::select! {
            r = crate::shutdown::signal() => r.map(|_| ()).map_err(Into::into),
            () = poster::run(batcher, "batcher", p.poll) => Ok(()),
        }
    })
}

pub(crate) fn run_proposer(args: &ProposerArgs) -> eyre::Result<()> {
    crate::shutdown::serve(async {
        let metrics = args.metrics.start().await?;
        let p = parts(&args.role).await?;
        corruption_allowed(args.corrupt_output_every, p.engine.rollup().l2_chain_id)?;
        let config = ProposerConfig {
            allow_non_finalized: args.allow_non_finalized,
            corrupt_every: args.corrupt_output_every,
        };
        let proposer = Proposer::new(p.engine, p.txmgr, args.oracle, config);
        println!("next output: L2 block {}", proposer.next_block().await?);
        crate::metrics_flags::banner(metrics);
        tokio::select! {
            r = crate::shutdown::signal() => r.map(|_| ()).map_err(Into::into),
            () = poster::run(proposer, "proposer", p.poll) => Ok(()),
        }
    })
}

/// Wrong outputs are for testing a challenger on a dev chain: never on a real one, where they
/// would invite deletions (or, unchallenged, bad withdrawals).
fn corruption_allowed(every: Option<u64>, l2_chain_id: u64) -> eyre::Result<()> {
    if every.is_some() && !DEV_L2_CHAIN_IDS.contains(&l2_chain_id) {
        eyre::bail!(
            "--dev.corrupt-output-every is for dev chains (ids {DEV_L2_CHAIN_IDS:?}), not chain {l2_chain_id}"
        );
    }
    Ok(())
}

pub(crate) fn run_challenger(args: &ChallengerArgs) -> eyre::Result<()> {
    crate::shutdown::serve(async {
        let metrics = args.metrics.start().await?;
        let trusted = RollupRpcOutputs::new(&args.rollup_rpc, args.finalized_only)?;
        let (txmgr, poll) = sender(&args.l1).await?;
        println!("challenging outputs of {} as {}", args.oracle, txmgr.address());
        crate::metrics_flags::banner(metrics);
        let challenger = Challenger::new(trusted, txmgr, args.oracle);
        tokio::select! {
            r = crate::shutdown::signal() => r.map(|_| ()).map_err(Into::into),
            () = poster::run(challenger, "challenger", poll) => Ok(()),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_outputs_only_on_dev_chains() {
        assert!(corruption_allowed(Some(3), 901).is_ok());
        assert!(corruption_allowed(None, 10).is_ok());
        let err = corruption_allowed(Some(3), 10).unwrap_err().to_string();
        assert!(err.contains("dev chains"), "{err}");
    }
}
