//! `lamina engine`: the execution engine as its own process — the Engine API (JWT) for a
//! rollup node (ours or op-node/kona) and the public JSON-RPC for wallets and tools. With
//! `--dev` it also sequences its own blocks, so it can be used alone as a local L2.

use std::{
    net::{IpAddr, SocketAddr},
    path::PathBuf,
    time::Duration,
};

use clap::Args;
use eyre::{WrapErr, eyre};

use lamina_node::{Durability, EngineNode, EngineNodeConfig, PoolConfig, Retention};
use lamina_protocol::RollupConfig;

/// Flags of `lamina engine`.
#[derive(Debug, Args)]
pub(crate) struct EngineArgs {
    /// The L2 genesis, in op-geth's format (fork times and EIP-1559 parameters in `config`).
    #[arg(long)]
    genesis: PathBuf,
    /// op-node's rollup.json (default: the genesis file's fork schedule with dev defaults).
    #[arg(long)]
    rollup_config: Option<PathBuf>,
    /// Where the chain is stored.
    #[arg(long)]
    datadir: PathBuf,
    /// Public JSON-RPC (HTTP and WebSocket) address.
    #[arg(long = "http.addr", default_value = "127.0.0.1")]
    http_addr: IpAddr,
    /// Public JSON-RPC port (0: any free port).
    #[arg(long = "http.port", default_value_t = 8545)]
    http_port: u16,
    /// Engine API address.
    #[arg(long = "authrpc.addr", default_value = "127.0.0.1")]
    auth_addr: IpAddr,
    /// Engine API port (0: any free port).
    #[arg(long = "authrpc.port", default_value_t = 8551)]
    auth_port: u16,
    /// The Engine API's JWT secret: a file of 32 hex-encoded bytes, created if missing.
    #[arg(long)]
    jwt_secret: PathBuf,
    #[command(flatten)]
    metrics: crate::metrics_flags::MetricsFlags,
    /// Keep the state of only the last N blocks (default: every block's).
    #[arg(long)]
    state_history: Option<u64>,
    /// Most estimated compressed (DA) bytes of pool txs per sequenced block (default: no limit).
    #[arg(long = "block.max-da-bytes")]
    max_da_bytes: Option<u64>,
    /// Most transactions in the pool.
    #[arg(long = "txpool.max-txs", default_value_t = 20_000)]
    txpool_max_txs: usize,
    /// Most encoded bytes of all pooled transactions together.
    #[arg(long = "txpool.max-bytes", default_value_t = 64 * 1024 * 1024)]
    txpool_max_bytes: usize,
    /// Most transactions per sender in the pool.
    #[arg(long = "txpool.max-per-sender", default_value_t = 64)]
    txpool_max_per_sender: usize,
    /// Percent a replacement must raise both fee fields by.
    #[arg(long = "txpool.price-bump", default_value_t = 10)]
    txpool_price_bump: u128,
    /// Smallest priority fee (wei) the pool accepts.
    #[arg(long = "txpool.min-tip", default_value_t = 0)]
    txpool_min_tip: u128,
    #[command(flatten)]
    calls: crate::rpc_flags::CallFlags,
    /// Forward `eth_sendRawTransaction` to the sequencer at this URL instead of pooling (an
    /// engine whose rollup node is a verifier), as op-geth's flag.
    #[arg(long = "rollup.sequencer-http")]
    sequencer_http: Option<String>,
    /// Serve `debug_executionWitness` on the public port too (it is always on the
    /// authenticated port). It re-executes whole blocks: enable it only where the port's
    /// callers are trusted.
    #[arg(long = "rpc.debug")]
    debug_rpc: bool,
    /// Sequence blocks alone (a local dev L2, no rollup node needed).
    #[arg(long)]
    dev: bool,
    /// Milliseconds between dev blocks.
    #[arg(long = "dev.block-time", default_value_t = 1000)]
    dev_block_time: u64,
}

pub(crate) fn run(args: &EngineArgs) -> eyre::Result<()> {
    let read = |p: &PathBuf| {
        std::fs::read_to_string(p).wrap_err_with(|| format!("reading {}", p.display()))
    };
    let genesis_json = read(&args.genesis)?;
    let rollup = match &args.rollup_config {
        Some(p) => Some(RollupConfig::from_json(&read(p)?)?),
        None => None,
    };
    let jwt = crate::jwt::load_or_create(&args.jwt_secret)?;
    let retention = match args.state_history {
        Some(0) => return Err(eyre!("--state-history must be at least 1")),
        Some(n) => Retention::Recent(n),
        None => Retention::Archive,
    };
    let config = EngineNodeConfig {
        genesis_json,
        rollup,
        datadir: args.datadir.clone(),
        http: Some(SocketAddr::new(args.http_addr, args.http_port)),
        auth: Some(SocketAddr::new(args.auth_addr, args.auth_port)),
        jwt,
        retention,
        // An engine that forwards txs to a sequencer builds no blocks: what a crash loses of
        // its last block it gets again from its rollup node.
        durability: if args.sequencer_http.is_some() {
            Durability::Pipelined
        } else {
            Durability::EachBlock
        },
        dev_block_time: args.dev.then(|| Duration::from_millis(args.dev_block_time)),
        max_da_bytes: args.max_da_bytes,
        pool: PoolConfig {
            max_txs: args.txpool_max_txs,
            max_bytes: args.txpool_max_bytes,
            max_per_sender: args.txpool_max_per_sender,
            price_bump_percent: args.txpool_price_bump,
            min_tip: args.txpool_min_tip,
            ..PoolConfig::default()
        },
        rpc_calls: args.calls.limits(),
        sequencer_http: args.sequencer_http.clone(),
        debug_rpc: args.debug_rpc,
        metrics: Some(lamina_node::engine::ENGINE_METRICS.to_owned()),
    };
    crate::shutdown::serve(async {
        let signals = crate::shutdown::Signals::install()?;
        let metrics = args.metrics.start().await?;
        let node = EngineNode::launch(config).await?;
        // One line per server on stdout, for scripts that start us on port 0.
        if let Some((addr, _)) = &node.servers.http {
            println!("http: {addr}");
        }
        if let Some((addr, _)) = &node.servers.auth {
            println!("authrpc: {addr}");
        }
        crate::metrics_flags::banner(metrics);
        let signal = signals.wait().await;
        tracing::info!(target: "lamina::engine", signal, "shutting down");
        node.stop().await;
        Ok(())
    })
}
