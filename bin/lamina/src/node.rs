//! `lamina node`: the rollup node — derivation from L1 into an engine, as a verifier or as
//! the sequencer — with the node's own RPC (`optimism_`, and `admin_` when enabled). The
//! engine is in process (with its public JSON-RPC) unless `--engine.url` names another one.

use std::{
    net::{IpAddr, SocketAddr},
    path::PathBuf,
    time::Duration,
};

use clap::{Args, ValueEnum};
use eyre::{WrapErr, eyre};
use lamina_l1::chain::RpcL1Config;
use lamina_node::{
    EngineNodeConfig,
    rollup::{
        EngineChoice, LaunchedNode, Mode, RollupLaunchConfig, RollupNodeConfig, SequencerConfig,
    },
};
use lamina_protocol::RollupConfig;

/// The node's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ModeArg {
    /// Build blocks and derive.
    Sequencer,
    /// Derive only.
    Verifier,
}

/// Flags of `lamina node`.
#[derive(Debug, Args)]
pub(crate) struct NodeArgs {
    /// The node's role.
    #[arg(long, value_enum, default_value = "verifier")]
    mode: ModeArg,
    /// op-node's rollup.json.
    #[arg(long)]
    rollup_config: PathBuf,
    #[command(flatten)]
    calls: crate::rpc_flags::CallFlags,
    /// Forward the txs sent to this node's L2 JSON-RPC to the sequencer at this URL instead
    /// of pooling them (op-geth's flag; for a verifier, whose pool no block ever takes from).
    #[arg(long = "rollup.sequencer-http")]
    sequencer_http: Option<String>,
    /// The L2 genesis (op-geth format) of the in-process engine.
    #[arg(long, required_unless_present = "engine_url")]
    genesis: Option<PathBuf>,
    /// Where the in-process engine's chain (and the safe-head database) is stored.
    #[arg(long, required_unless_present = "engine_url")]
    datadir: Option<PathBuf>,
    /// Drive an engine in another process instead (op-geth, op-reth, `lamina engine`): its
    /// authenticated Engine API URL.
    #[arg(long = "engine.url", requires = "engine_jwt", conflicts_with = "genesis")]
    engine_url: Option<String>,
    /// The Engine API's JWT secret file (32 hex-encoded bytes).
    #[arg(long = "engine.jwt-secret")]
    engine_jwt: Option<PathBuf>,
    /// With a remote engine: where the safe-head database is kept (default: not kept).
    #[arg(long = "safedb.path")]
    safe_db: Option<PathBuf>,
    /// The L1 JSON-RPC URL.
    #[arg(long = "l1-rpc")]
    l1_rpc: String,
    /// The L1 beacon API URL (blobs); without it, blob batches cannot be read.
    #[arg(long = "l1-beacon")]
    l1_beacon: Option<String>,
    /// Node RPC (`optimism_`, `admin_`) address.
    #[arg(long = "rpc.addr", default_value = "127.0.0.1")]
    rpc_addr: IpAddr,
    /// Node RPC port (0: any free port).
    #[arg(long = "rpc.port", default_value_t = 7545)]
    rpc_port: u16,
    /// Serve the `admin_` methods.
    #[arg(long = "rpc.enable-admin")]
    enable_admin: bool,
    /// The engine's public JSON-RPC address.
    #[arg(long = "http.addr", default_value = "127.0.0.1")]
    http_addr: IpAddr,
    /// The engine's public JSON-RPC port (0: any free port).
    #[arg(long = "http.port", default_value_t = 9545)]
    http_port: u16,
    /// L1 blocks the sequencer leaves between its origin and the L1 head.
    #[arg(long = "sequencer.l1-confs", default_value_t = 4)]
    l1_confs: u64,
    /// Start with the sequencer stopped (`admin_startSequencer` starts it).
    #[arg(long = "sequencer.stopped")]
    sequencer_stopped: bool,
    /// Milliseconds between L1 polls when there is nothing new.
    #[arg(long = "l1.poll-interval", default_value_t = 500)]
    poll_ms: u64,
    #[command(flatten)]
    p2p: crate::p2p_flags::P2pFlags,
    #[command(flatten)]
    metrics: crate::metrics_flags::MetricsFlags,
    /// Serve the explorer on this port (0: any free port); off without it.
    #[arg(long = "explorer.port")]
    explorer_port: Option<u16>,
    /// The explorer's address.
    #[arg(long = "explorer.addr", default_value = "127.0.0.1")]
    explorer_addr: IpAddr,
    /// With `--engine.url`: the engine's public JSON-RPC, which the explorer reads blocks from.
    #[arg(long = "explorer.l2-rpc")]
    explorer_l2_rpc: Option<String>,
}

pub(crate) fn run(args: &NodeArgs) -> eyre::Result<()> {
    let read = |p: &PathBuf| {
        std::fs::read_to_string(p).wrap_err_with(|| format!("reading {}", p.display()))
    };
    let rollup = RollupConfig::from_json(&read(&args.rollup_config)?)?;
    let p2p = args.p2p.config(
        &rollup,
        args.datadir.as_deref().or(args.safe_db.as_deref().and_then(|p| p.parent())),
        args.mode == ModeArg::Sequencer,
    )?;
    let parse = |u: &str, what: &str| -> eyre::Result<url::Url> {
        u.parse().map_err(|e| eyre!("{what} URL {u}: {e}"))
    };
    let mut l1 = RpcL1Config::new(parse(&args.l1_rpc, "--l1-rpc")?);
    if let Some(b) = &args.l1_beacon {
        l1 = l1.with_beacon(parse(b, "--l1-beacon")?);
    }
    let engine = match (&args.engine_url, &args.engine_jwt, &args.genesis, &args.datadir) {
        (Some(url), Some(jwt), _, _) => EngineChoice::Remote {
            url: url.clone(),
            jwt: crate::jwt::load(jwt).wrap_err("--engine.jwt-secret")?,
            rollup: Box::new(rollup),
        },
        (None, _, Some(genesis), Some(datadir)) => {
            let mut engine = EngineNodeConfig::in_process(
                read(genesis)?,
                rollup,
                datadir.clone(),
                Some(SocketAddr::new(args.http_addr, args.http_port)),
            );
            engine.rpc_calls = args.calls.limits();
            engine.sequencer_http = args.sequencer_http.clone();
            EngineChoice::InProcess(Box::new(engine))
        }
        _ => {
            return Err(eyre!(
                "give --genesis and --datadir, or --engine.url and --engine.jwt-secret"
            ));
        }
    };
    let config = RollupLaunchConfig {
        engine,
        l1,
        node: RollupNodeConfig {
            mode: match args.mode {
                ModeArg::Sequencer => Mode::Sequencer,
                ModeArg::Verifier => Mode::Verifier,
            },
            sequencer: SequencerConfig { confirmation_depth: args.l1_confs },
            sequencer_stopped: args.sequencer_stopped,
            poll_interval: Duration::from_millis(args.poll_ms.max(1)),
            // In process: in the datadir, beside the chain.
            safe_db: args.safe_db.clone(),
            metrics: Default::default(),
        },
        rpc: SocketAddr::new(args.rpc_addr, args.rpc_port),
        admin: args.enable_admin,
        p2p,
    };
    crate::shutdown::serve(async {
        let signals = crate::shutdown::Signals::install()?;
        let metrics = args.metrics.start().await?;
        let node = LaunchedNode::start(config).await?;
        // One line per server on stdout, for scripts that start us on port 0.
        if let Some((addr, _)) = node.engine.as_ref().and_then(|e| e.servers.http.as_ref()) {
            println!("http: {addr}");
        }
        println!("rpc: {}", node.rpc.0);
        if let Some(p2p) = &node.p2p {
            for addr in p2p.gossip.listen_addrs().await {
                println!("p2p: {addr}");
            }
        }
        if let Some(port) = args.explorer_port {
            let l2_rpc = match (
                &args.explorer_l2_rpc,
                node.engine.as_ref().and_then(|e| e.servers.http.as_ref()),
            ) {
                (Some(url), _) => url.clone(),
                (None, Some((addr, _))) => crate::explorer::local_url(*addr),
                (None, None) => {
                    return Err(eyre!("--explorer.port with --engine.url needs --explorer.l2-rpc"));
                }
            };
            let name = match args.mode {
                ModeArg::Sequencer => "sequencer",
                ModeArg::Verifier => "verifier",
            };
            let config = lamina_node::explorer::ExplorerConfig {
                listen: SocketAddr::new(args.explorer_addr, port),
                l2_rpc,
                nodes: vec![lamina_node::explorer::ExplorerNode {
                    name: name.into(),
                    rpc: crate::explorer::local_url(node.rpc.0),
                }],
            };
            let addr = lamina_node::explorer::serve(config).await?;
            println!("explorer: http://{addr}/");
        }
        crate::metrics_flags::banner(metrics);
        tokio::spawn(crate::progress::follow_sync(node.status.clone()));
        let signal = signals.wait().await;
        tracing::info!(target: "lamina::node", signal, "shutting down");
        node.stop().await;
        Ok(())
    })
}
