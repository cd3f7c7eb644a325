//! `lamina node` in one call: the engine (in process with its JSON-RPC, or another process
//! over the Engine API), the rollup node over an L1 JSON-RPC (and beacon API) endpoint, and
//! the node's own RPC, and block gossip when configured.

use std::net::SocketAddr;

use alloy_rpc_types_engine::JwtSecret;
use jsonrpsee::server::ServerHandle;
use lamina_engine::rpc::{RpcConfig, serve};
use lamina_l1::chain::{CacheSizes, CachedL1, DeriveL1, RpcL1, RpcL1Config};
use lamina_protocol::RollupConfig;
use tokio::sync::watch;

use super::{
    RollupError, RollupNode, RollupNodeConfig, SyncStatus, port::ExecutionEngine,
    remote::RemoteEngine,
};
use crate::engine::{EngineNode, EngineNodeConfig, NodeError};
use crate::gossip::{self, P2p, P2pConfig};
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
    /// Serve the `admin_` methods (and `opp2p_`'s peer controls).
    pub admin: bool,
    /// Block gossip (`None`: the node follows L1 only).
    pub p2p: Option<P2pConfig>,
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
    /// Gossip did not start.
    #[error("p2p: {0}")]
    P2p(#[from] lamina_p2p::P2pError),
}

/// A running `lamina node`.
pub struct LaunchedNode {
    /// The in-process engine and its servers (`None` with a remote engine).
    pub engine: Option<EngineNode>,
    /// The node RPC's address and handle.
    pub rpc: (SocketAddr, ServerHandle),
    /// Its gossip, when on.
    pub p2p: Option<P2p>,
    /// Its sync status, as it changes.
    pub status: watch::Receiver<SyncStatus>,
    node: Tasks,
}

impl std::fmt::Debug for LaunchedNode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LaunchedNode").field("rpc", &self.rpc.0).finish_non_exhaustive()
    }
}

/// What one node needs beside its engine.
struct NodeParts {
    l1: RpcL1,
    config: RollupNodeConfig,
    rpc_addr: SocketAddr,
    admin: bool,
    p2p: Option<P2pConfig>,
}

type Started = ((SocketAddr, ServerHandle), Option<P2p>, watch::Receiver<SyncStatus>, Tasks);

async fn start_node<E: ExecutionEngine>(
    engine: E,
    parts: NodeParts,
) -> Result<Started, LaunchError> {
    let NodeParts { l1, config, rpc_addr, admin, p2p } = parts;
    let source = DeriveL1::new(CachedL1::new(l1.clone(), CacheSizes::default()));
    let node = RollupNode::start(engine, source, config).await?;
    let p2p = p2p.map(|c| gossip::start(&node, l1.clone(), c)).transpose()?;
    let mut module = gossip::rpc::node_module(&node, p2p.as_ref(), admin);
    let reads = CachedL1::new(l1.clone(), CacheSizes::default());
    if let Err(e) = module.merge(super::lamina_rpc::module(&node, reads)) {
        tracing::error!(target: "lamina::rpc", %e, "lamina_ methods not served");
    }
    let limits = RpcConfig::new(None, None, JwtSecret::random());
    let rpc = serve(module, rpc_addr, &limits).await?;
    tracing::info!(target: "lamina::node", rpc = %rpc.0, mode = ?node.control.mode, "rollup node running");
    Ok((rpc, p2p, node.status.clone(), node.tasks()))
}

impl LaunchedNode {
    /// Starts everything on the current (multi-threaded) runtime.
    pub async fn start(config: RollupLaunchConfig) -> Result<Self, LaunchError> {
        let mut parts = NodeParts {
            l1: RpcL1::new(&config.l1),
            config: config.node,
            rpc_addr: config.rpc,
            admin: config.admin,
            p2p: config.p2p,
        };
        match config.engine {
            EngineChoice::InProcess(mut engine_config) => {
                // A verifier re-derives whatever block a crash loses before its sync: its
                // commits need not wait for the disk (a sequencer's, gossiped and batched, do).
                if parts.config.mode == super::Mode::Verifier {
                    engine_config.durability = lamina_engine::Durability::Pipelined;
                }
                if parts.config.safe_db.is_none() {
                    parts.config.safe_db = Some(engine_config.datadir.join("safedb.redb"));
                }
                let engine = EngineNode::launch(*engine_config).await?;
                let handle = engine.handle.clone();
                let (rpc, p2p, status, node) = start_node(handle, parts).await?;
                Ok(Self { engine: Some(engine), rpc, p2p, status, node })
            }
            EngineChoice::Remote { url, jwt, rollup } => {
                let engine = RemoteEngine::new(&url, jwt, *rollup)?;
                let (rpc, p2p, status, node) = start_node(engine, parts).await?;
                Ok(Self { engine: None, rpc, p2p, status, node })
            }
        }
    }

    /// Stops the node, its RPC and the in-process engine.
    pub async fn stop(self) {
        drop(self.p2p);
        self.node.stop(STOP_GRACE).await;
        let _ = self.rpc.1.stop();
        self.rpc.1.stopped().await;
        if let Some(engine) = self.engine {
            engine.stop().await;
        }
    }
}
