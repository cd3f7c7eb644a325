//! The dev L1 as a service: the chain opened in its datadir, its JSON-RPC served (cast, viem,
//! `RpcL1`) with its beacon API (blobs) on the same port, and with interval mining a timer
//! that mines a block per tick.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use crate::tasks::{STOP_GRACE, Tasks};
use jsonrpsee::server::{Server, ServerHandle};
use lamina_devl1::{BeaconLayer, DevL1, DevL1Config, DevL1Genesis, Mining};
use lamina_engine::rpc::{self, RpcConfig};

use crate::NodeError;

/// How to run the dev L1.
#[derive(Debug, Clone)]
pub struct DevL1NodeConfig {
    /// Where the chain is stored.
    pub datadir: PathBuf,
    /// JSON-RPC address (HTTP and WebSocket).
    pub http: SocketAddr,
    /// Chain id, mining and depths.
    pub l1: DevL1Config,
    /// Block 0, used when the datadir is new.
    pub genesis: DevL1Genesis,
    /// A second address serving the beacon API alone (as a consensus client's port 5052
    /// does); it is always served on `http` too.
    pub beacon: Option<SocketAddr>,
}

/// A running dev L1.
#[derive(Debug)]
pub struct DevL1Node {
    /// The chain (for in-process use next to the RPC).
    pub l1: DevL1,
    /// The JSON-RPC server's bound address (also the beacon API's: `http://{http}/eth/v1/…`).
    pub http: SocketAddr,
    /// The beacon-only server's bound address, if asked for.
    pub beacon: Option<SocketAddr>,
    server: ServerHandle,
    beacon_server: Option<ServerHandle>,
    /// The mining timer, when there is one.
    tasks: Tasks,
}

impl DevL1Node {
    /// Opens the chain and starts its server (and timer) on the current multi-threaded runtime.
    pub async fn launch(config: DevL1NodeConfig) -> Result<Self, NodeError> {
        let DevL1NodeConfig { datadir, http, l1, genesis, beacon } = config;
        let chain = tokio::task::spawn_blocking(move || DevL1::open(&datadir, l1, &genesis))
            .await
            .map_err(|e| std::io::Error::other(e.to_string()))??;
        // No Engine API here, so the secret is never used.
        let rpc_config =
            RpcConfig::new(Some(http), None, alloy_rpc_types_engine::JwtSecret::random());
        let server = Server::builder()
            .set_config(rpc::server_config(&rpc_config))
            .set_http_middleware(
                tower::ServiceBuilder::new().layer(BeaconLayer::new(chain.clone())),
            )
            .build(http)
            .await?;
        let http = server.local_addr()?;
        let server = server.start(chain.rpc_methods());
        tracing::info!(target: "lamina::l1", %http, "dev L1 JSON-RPC and beacon API listening");
        let tasks = Tasks::new();
        if let Mining::Interval(every) = chain.config().mining {
            tasks.spawn("dev L1 miner", mine(chain.clone(), every));
        }
        let (beacon, beacon_server) = match beacon {
            Some(addr) => {
                // No JSON-RPC methods: everything but the beacon paths is "method not found".
                let server = Server::builder()
                    .set_config(rpc::server_config(&rpc_config))
                    .set_http_middleware(
                        tower::ServiceBuilder::new().layer(BeaconLayer::new(chain.clone())),
                    )
                    .build(addr)
                    .await?;
                let addr = server.local_addr()?;
                tracing::info!(target: "lamina::l1", %addr, "dev L1 beacon API listening");
                (Some(addr), Some(server.start(jsonrpsee::RpcModule::new(()))))
            }
            None => (None, None),
        };
        Ok(Self { l1: chain, http, beacon, server, beacon_server, tasks })
    }

    /// Stops the timer and the server.
    pub async fn stop(self) {
        self.tasks.stop(STOP_GRACE).await;
        // Already stopped is fine.
        let _ = self.server.stop();
        self.server.stopped().await;
        if let Some(s) = self.beacon_server {
            let _ = s.stop();
            s.stopped().await;
        }
    }
}

/// One block per tick, at the wall-clock second.
async fn mine(l1: DevL1, every: Duration) {
    let mut tick = tokio::time::interval(every.max(Duration::from_millis(1)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The first tick is immediate; the genesis needs no company.
    tick.tick().await;
    loop {
        tick.tick().await;
        match tokio::task::block_in_place(|| l1.mine()) {
            Ok(head) => tracing::debug!(target: "lamina::l1", number = head.number, "mined"),
            Err(e) => tracing::error!(target: "lamina::l1", %e, "mining failed"),
        }
    }
}
