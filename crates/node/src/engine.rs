//! The standalone engine: opens the chain, serves the Engine API (JWT) and the public JSON-RPC,
//! and in dev mode sequences blocks itself on a timer, so one process is a usable local L2.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use alloy_rpc_types_engine::JwtSecret;
use lamina_engine::{
    DevSequencer, Durability, EngineConfig, EngineError, EngineHandle, Retention,
    pool::PoolConfig,
    rpc::{self, RpcConfig, RpcServers},
    store::StoreOptions,
};
use lamina_evm::{
    PoolLimits,
    genesis::{FeeVaultConfig, GenesisError, L2Genesis, rollup_config_from_genesis},
};
use lamina_protocol::RollupConfig;

use crate::CallLimits;
use crate::tasks::{STOP_GRACE, Tasks};

/// Why the engine could not start.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// The genesis is unusable.
    #[error(transparent)]
    Genesis(#[from] GenesisError),
    /// The engine could not open its chain.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The dev L1 could not open its chain.
    #[error(transparent)]
    DevL1(#[from] lamina_devl1::DevL1Error),
    /// A server could not bind.
    #[error("rpc: {0}")]
    Rpc(#[from] std::io::Error),
}

/// How to run the standalone engine.
#[derive(Debug, Clone)]
pub struct EngineNodeConfig {
    /// The op-geth-format genesis JSON.
    pub genesis_json: String,
    /// The rollup config (default: the genesis file's fork schedule, see
    /// [`rollup_config_from_genesis`]).
    pub rollup: Option<RollupConfig>,
    /// Where the chain is stored.
    pub datadir: PathBuf,
    /// Public JSON-RPC address (HTTP and WebSocket).
    pub http: Option<SocketAddr>,
    /// Engine API address.
    pub auth: Option<SocketAddr>,
    /// The Engine API's secret.
    pub jwt: JwtSecret,
    /// State retention.
    pub retention: Retention,
    /// When block commits reach the disk: each before it is acknowledged (the default, what a
    /// sequencer's blocks need: they are gossiped and batched), or pipelined, one block
    /// behind (a node that builds no blocks re-derives or re-fetches what a crash loses).
    pub durability: Durability,
    /// Sequence blocks alone at this interval (dev mode).
    pub dev_block_time: Option<Duration>,
    /// Most estimated compressed bytes of pool txs per block (`None`: no limit).
    pub max_da_bytes: Option<u64>,
    /// Txpool limits.
    pub pool: PoolConfig,
    /// What one public `eth_call`/`eth_estimateGas` request may execute.
    pub rpc_calls: CallLimits,
    /// Forward `eth_sendRawTransaction` to this sequencer's JSON-RPC instead of pooling (a
    /// node that builds no blocks).
    pub sequencer_http: Option<String>,
    /// Serve `debug_executionWitness` on the public port too (always on the Engine API port).
    pub debug_rpc: bool,
    /// The metrics namespace of its RPC servers' per-method latency (`lamina_engine`; a
    /// second engine in one process takes its own).
    pub metrics: Option<String>,
}

/// The metrics namespace of a process's one engine.
pub const ENGINE_METRICS: &str = "lamina_engine";

impl EngineNodeConfig {
    /// The engine a rollup node runs in process: chain `rollup` from `genesis_json` in
    /// `datadir`, public JSON-RPC on `http`, no Engine API port (the node calls it directly),
    /// archive state, default pool, no dev sequencing.
    pub fn in_process(
        genesis_json: String,
        rollup: RollupConfig,
        datadir: PathBuf,
        http: Option<SocketAddr>,
    ) -> Self {
        Self {
            genesis_json,
            rollup: Some(rollup),
            datadir,
            http,
            auth: None,
            jwt: JwtSecret::random(),
            retention: Retention::Archive,
            durability: Durability::EachBlock,
            dev_block_time: None,
            max_da_bytes: None,
            pool: PoolConfig::default(),
            rpc_calls: CallLimits::default(),
            sequencer_http: None,
            debug_rpc: false,
            metrics: Some(ENGINE_METRICS.to_owned()),
        }
    }
}

/// A running standalone engine.
#[derive(Debug)]
pub struct EngineNode {
    /// The engine.
    pub handle: EngineHandle,
    /// Its servers (with their bound addresses).
    pub servers: RpcServers,
    /// The dev sequencer's timer, when there is one.
    tasks: Tasks,
}

impl EngineNode {
    /// Opens the chain and starts the servers (and the dev sequencer) on the current runtime,
    /// which must be multi-threaded.
    pub async fn launch(config: EngineNodeConfig) -> Result<Self, NodeError> {
        let rollup = match config.rollup {
            Some(r) => r,
            None => rollup_config_from_genesis(&config.genesis_json)?,
        };
        let genesis =
            L2Genesis::from_json(&config.genesis_json, &rollup, FeeVaultConfig::default())?;
        let engine_config = EngineConfig {
            rollup,
            pool: config.pool,
            store: StoreOptions { retention: config.retention, durability: config.durability },
            block_limits: PoolLimits { max_da_bytes: config.max_da_bytes, max_tx_da_bytes: None },
        };
        let datadir = config.datadir.clone();
        let handle = tokio::task::spawn_blocking(move || {
            EngineHandle::open(&datadir, engine_config, &genesis)
        })
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))??;
        let mut rpc_config = RpcConfig::new(config.http, config.auth, config.jwt);
        rpc_config.calls = config.rpc_calls;
        rpc_config.debug = config.debug_rpc;
        rpc_config.metrics.clone_from(&config.metrics);
        let forward = config.sequencer_http.clone();
        let servers = rpc::start_with(handle.clone(), &rpc_config, |m| match &forward {
            Some(url) => crate::forward::forward_txs(m, url),
            None => Ok(()),
        })
        .await?;
        let tasks = Tasks::new();
        if let Some(every) = config.dev_block_time {
            tasks.spawn("dev sequencer", sequence(handle.clone(), every));
        }
        if let Some(ns) = config.metrics.clone() {
            handle.record_metrics(&ns);
            tasks.spawn("engine metrics", record_pool(handle.clone(), ns));
        }
        Ok(Self { handle, servers, tasks })
    }

    /// Stops the sequencer and the servers, and waits for them.
    pub async fn stop(self) {
        self.tasks.stop(STOP_GRACE).await;
        self.servers.stop().await;
    }
}

/// Opens (or creates) the engine of chain `rollup` with the op-geth-format genesis
/// `genesis_json` in `datadir`, with default pool and block limits: what the rollup node's
/// roles run on in process.
pub fn open_engine(
    datadir: &std::path::Path,
    genesis_json: &str,
    rollup: &RollupConfig,
) -> Result<EngineHandle, NodeError> {
    open_engine_with(datadir, genesis_json, rollup, StoreOptions::default())
}

/// [`open_engine`] with store options (a verifier's engine pipelines its commits).
pub fn open_engine_with(
    datadir: &std::path::Path,
    genesis_json: &str,
    rollup: &RollupConfig,
    store: StoreOptions,
) -> Result<EngineHandle, NodeError> {
    let genesis = L2Genesis::from_json(genesis_json, rollup, FeeVaultConfig::default())?;
    let config = EngineConfig {
        rollup: rollup.clone(),
        pool: PoolConfig::default(),
        store,
        block_limits: PoolLimits::default(),
    };
    Ok(EngineHandle::open(datadir, config, &genesis)?)
}

/// How often the txpool's gauges are refreshed.
const POOL_METRICS_EVERY: Duration = Duration::from_secs(1);

/// The txpool's gauges, `<ns>_txpool_pending|queued|bytes` (geth's `txpool_status` counts).
async fn record_pool(handle: EngineHandle, ns: String) {
    let mut tick = tokio::time::interval(POOL_METRICS_EVERY);
    loop {
        tick.tick().await;
        let s = handle.with_pool(|p| p.status());
        metrics::gauge!(format!("{ns}_txpool_pending")).set(s.pending as f64);
        metrics::gauge!(format!("{ns}_txpool_queued")).set(s.queued as f64);
        metrics::gauge!(format!("{ns}_txpool_bytes")).set(s.bytes as f64);
    }
}

/// The dev sequencer's loop: one block per tick, at the wall-clock second.
async fn sequence(handle: EngineHandle, every: Duration) {
    let mut seq = DevSequencer::new(handle);
    let mut tick = tokio::time::interval(every.max(Duration::from_millis(1)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        match tokio::task::block_in_place(|| seq.step(now)) {
            Ok((number, hash)) => {
                tracing::debug!(target: "lamina::dev", number, %hash, "dev block");
            }
            Err(e) => tracing::error!(target: "lamina::dev", %e, "dev block failed"),
        }
    }
}
