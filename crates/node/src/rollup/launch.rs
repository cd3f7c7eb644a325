//! `lamina node` in one call: the in-process engine with its JSON-RPC, the rollup node over an
//! L1 JSON-RPC (and beacon API) endpoint, and the node's own RPC.

use std::net::SocketAddr;

use jsonrpsee::server::ServerHandle;
use lamina_engine::rpc::{RpcConfig, serve};
use lamina_l1::chain::{CacheSizes, CachedL1, DeriveL1, RpcL1, RpcL1Config};

use super::{RollupError, RollupNode, RollupNodeConfig, rpc};
use crate::engine::{EngineNode, EngineNodeConfig, NodeError};

/// What `lamina node` starts.
#[derive(Debug, Clone)]
pub struct RollupLaunchConfig {
    /// The engine and its servers.
    pub engine: EngineNodeConfig,
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
#[derive(Debug)]
pub struct LaunchedNode {
    /// The engine and its servers.
    pub engine: EngineNode,
    /// The rollup node.
    pub node: RollupNode,
    /// The node RPC's address and handle.
    pub rpc: (SocketAddr, ServerHandle),
}

impl LaunchedNode {
    /// Starts everything on the current (multi-threaded) runtime.
    pub async fn start(config: RollupLaunchConfig) -> Result<Self, LaunchError> {
        let mut node_config = config.node;
        if node_config.safe_db.is_none() {
            node_config.safe_db = Some(config.engine.datadir.join("safedb.redb"));
        }
        let engine = EngineNode::launch(config.engine).await?;
        let l1 = DeriveL1::new(CachedL1::new(RpcL1::new(&config.l1), CacheSizes::default()));
        let node = RollupNode::start(engine.handle.clone(), l1, node_config).await?;
        let limits = RpcConfig::new(None, None, alloy_rpc_types_engine::JwtSecret::random());
        let rpc = serve(rpc::module(&node, config.admin), config.rpc, &limits).await?;
        tracing::info!(target: "lamina::node", rpc = %rpc.0, mode = ?node.control.mode, "rollup node running");
        Ok(Self { engine, node, rpc })
    }

    /// Stops the node, its RPC and the engine.
    pub async fn stop(self) {
        self.node.stop();
        let _ = self.rpc.1.stop();
        self.rpc.1.stopped().await;
        self.engine.stop().await;
    }
}
