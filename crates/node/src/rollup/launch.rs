//! `lamina node` in one call: the engine (in process with its JSON-RPC, or another process
//! over the Engine API), the rollup node over an L1 JSON-RPC (and beacon API) endpoint, and
//! the node's own RPC.

use std::net::SocketAddr;

use alloy_rpc_types_engine::JwtSecret;
use jsonrpsee::server::ServerHandle;
use lamina_engine::rpc::{RpcConfig, serve};
use lamina_l1::chain::{CacheSizes, CachedL1, DeriveL1, RpcL1, RpcL1Config};
use lamina_protocol::RollupConfig;

use super::{
    RollupError, RollupNode, RollupNodeConfig, port::ExecutionEngine, remote::RemoteEngine, rpc,
};
use crate::engine::{EngineNode, EngineNodeConfig, NodeError};
use crate::tasks::{STOP_GRACE, Tasks};

/// Which engine the node drives.
#[derive(Debug, Clone)]
pub enum EngineChoice {
    /// The in-process engine, with its servers.
    InProcess(Box<EngineNodeConfig>),
    /// An engine in another process, over the Engine API.
    Remote {
        /// Its authenticated (Engine API) URL.
        url: String,
        /// The shared JWT secret.
        jwt: JwtSecret,
        /// The chain.
        rollup: Box<RollupConfig>,
    },
}

/// What `lamina node` starts.
#[derive(Debug, Clone)]
pub struct RollupLaunchConfig {
    /// The engine.
    pub engine: EngineChoice,
    /// L1 JSON-RPC (and beacon API) endpoints.
    pub l1: RpcL1Config,
    /// The node's role and settings.
    pub node: RollupNodeConfig,
    /// Where the node RPC (`optimism_`, `admin_`) listens.
    pub rpc: SocketAddr,
    /// Serve the `admin_` methods.
    pub admin: bool,
}

/// Why `lamina node` could not start.
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    /// The engine did not start.
    #[error(transparent)]
    Engine(#[from] NodeError),
    /// The rollup node did not start.
    #[error(transparent)]
    Rollup(#[from] RollupError),
    /// The node RPC could not bind.
    #[error("node rpc: {0}")]
    Rpc(#[from] std::io::Error),
}

/// A running `lamina node`.
pub struct LaunchedNode {
    /// The in-process engine and its servers (`None` with a remote engine).
    pub engine: Option<EngineNode>,
    /// The node RPC's address and handle.
    pub rpc: (SocketAddr, ServerHandle),
    node: Tasks,
}

impl std::fmt::Debug for LaunchedNode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LaunchedNode").field("rpc", &self.rpc.0).finish_non_exhaustive()
    }
}

type L1 = DeriveL1<CachedL1<RpcL1>>;

async fn start_node<E: ExecutionEngine>(
    engine: E,
    l1: L1,
    config: RollupNodeConfig,
    rpc_addr: SocketAddr,
    admin: bool,
) -> Result<((SocketAddr, ServerHandle), Tasks), LaunchError> {
    let node = RollupNode::start(engine, l1, config).await?;
    let limits = RpcConfig::new(None, None, JwtSecret::random());
    let rpc = serve(rpc::module(&node, admin), rpc_addr, &limits).await?;
    tracing::info!(target: "lamina::node", rpc = %rpc.0, mode = ?node.control.mode, "rollup node running");
    Ok((rpc, node.tasks()))
}

impl LaunchedNode {
    /// Starts everything on the current (multi-threaded) runtime.
    pub async fn start(config: RollupLaunchConfig) -> Result<Self, LaunchError> {
        let l1 = DeriveL1::new(CachedL1::new(RpcL1::new(&config.l1), CacheSizes::default()));
        let mut node_config = config.node;
        match config.engine {
            EngineChoice::InProcess(engine_config) => {
                if node_config.safe_db.is_none() {
                    node_config.safe_db = Some(engine_config.datadir.join("safedb.redb"));
                }
                let engine = EngineNode::launch(*engine_config).await?;
                let handle = engine.handle.clone();
                let (rpc, node) =
                    start_node(handle, l1, node_config, config.rpc, config.admin).await?;
                Ok(Self { engine: Some(engine), rpc, node })
            }
            EngineChoice::Remote { url, jwt, rollup } => {
                let engine = RemoteEngine::new(&url, jwt, *rollup)?;
                let (rpc, node) =
                    start_node(engine, l1, node_config, config.rpc, config.admin).await?;
                Ok(Self { engine: None, rpc, node })
            }
        }
    }

    /// Stops the node, its RPC and the in-process engine.
    pub async fn stop(self) {
        self.node.stop(STOP_GRACE).await;
        let _ = self.rpc.1.stop();
        self.rpc.1.stopped().await;
        if let Some(engine) = self.engine {
            engine.stop().await;
        }
    }
}
