//! The JSON-RPC servers: the public port (HTTP and WebSocket) with the `eth_` methods, and the
//! authenticated Engine API port (JWT) with the `engine_` methods plus the `eth_` ones, as
//! op-geth serves them. Request and response sizes and batch lengths are bounded, and so is
//! the execution a request may cause ([`budget`]: gas cap and timeout). The `eth_`
//! methods are generic over [`eth::EthChain`], so the dev L1 is served by the same code.

pub mod auth;
pub mod budget;
pub mod debug;
pub mod engine_api;
pub mod error;
pub mod eth;
pub mod timing;

use std::net::SocketAddr;

use alloy_rpc_types_engine::JwtSecret;
use jsonrpsee::{
    RpcModule,
    server::{
        BatchRequestConfig, Server, ServerConfig, ServerHandle, middleware::rpc::RpcServiceBuilder,
    },
};

use crate::service::EngineHandle;

/// Where and how the servers listen.
#[derive(Debug, Clone)]
pub struct RpcConfig {
    /// The public HTTP + WebSocket address (`None`: not served).
    pub http: Option<SocketAddr>,
    /// The Engine API address.
    pub auth: Option<SocketAddr>,
    /// The Engine API's JWT secret.
    pub jwt: JwtSecret,
    /// Largest request body, in bytes.
    pub max_request_bytes: u32,
    /// Largest response body, in bytes.
    pub max_response_bytes: u32,
    /// Most calls in one batch.
    pub max_batch: u32,
    /// Most concurrent connections per server.
    pub max_connections: u32,
    /// What one `eth_call`/`eth_estimateGas` request (or batch) may execute.
    pub calls: budget::CallLimits,
    /// Serve `debug_executionWitness` on the public port too (it is always on the
    /// authenticated one). Off by default: it re-executes whole blocks.
    pub debug: bool,
    /// The metrics namespace of the servers' per-method latency (`None`: not timed).
    pub metrics: Option<String>,
}

impl RpcConfig {
    /// Defaults like geth's: 5 MiB requests, 160 MiB responses, batches of 1000.
    pub fn new(http: Option<SocketAddr>, auth: Option<SocketAddr>, jwt: JwtSecret) -> Self {
        Self {
            http,
            auth,
            jwt,
            max_request_bytes: 5 * 1024 * 1024,
            max_response_bytes: 160 * 1024 * 1024,
            max_batch: 1000,
            max_connections: 1000,
            calls: budget::CallLimits::default(),
            debug: false,
            metrics: None,
        }
    }
}

/// Running servers; dropping this does not stop them (use [`RpcServers::stop`]).
#[derive(Debug)]
pub struct RpcServers {
    /// The public server's address and handle.
    pub http: Option<(SocketAddr, ServerHandle)>,
    /// The Engine API server's address and handle.
    pub auth: Option<(SocketAddr, ServerHandle)>,
}

impl RpcServers {
    /// Stops both servers and waits for them.
    pub async fn stop(self) {
        for (_, h) in self.http.into_iter().chain(self.auth) {
            // Already stopped is fine.
            let _ = h.stop();
            h.stopped().await;
        }
    }
}

/// The jsonrpsee settings `config`'s limits make (for servers built with extra middleware,
/// like the dev L1's beacon endpoints).
pub fn server_config(c: &RpcConfig) -> ServerConfig {
    ServerConfig::builder()
        .max_request_body_size(c.max_request_bytes)
        .max_response_body_size(c.max_response_bytes)
        .max_connections(c.max_connections)
        .set_batch_request_config(BatchRequestConfig::Limit(c.max_batch))
        .build()
}

/// Serves `module` on `addr` (HTTP and WebSocket) with `config`'s limits, on the current
/// tokio runtime: how any chain's public port is started (the engine's, the dev L1's).
pub async fn serve<C: Send + Sync + 'static>(
    module: RpcModule<C>,
    addr: SocketAddr,
    config: &RpcConfig,
) -> std::io::Result<(SocketAddr, ServerHandle)> {
    let server = Server::builder()
        .set_config(server_config(config))
        .set_rpc_middleware(
            RpcServiceBuilder::new()
                .layer(budget::CallBudgetLayer(config.calls))
                .option_layer(timing(config, &module)),
        )
        .build(addr)
        .await?;
    let local = server.local_addr()?;
    let handle = server.start(module);
    tracing::info!(target: "lamina::rpc", %local, "JSON-RPC listening (HTTP and WebSocket)");
    Ok((local, handle))
}

/// The latency layer of a server of `module`, when `config` names a metrics namespace.
fn timing<C>(config: &RpcConfig, module: &RpcModule<C>) -> Option<timing::TimingLayer> {
    let ns = config.metrics.as_deref()?;
    Some(timing::TimingLayer::new(ns, module.method_names()))
}

/// Starts the configured servers on the current tokio runtime.
pub async fn start(handle: EngineHandle, config: &RpcConfig) -> std::io::Result<RpcServers> {
    start_with(handle, config, |_| Ok::<(), std::convert::Infallible>(())).await
}

/// Like [`start`], with `customize` applied to each server's `eth_` module before it is
/// served (a verifier node replaces `eth_sendRawTransaction` with forwarding).
pub async fn start_with<E: std::fmt::Display>(
    handle: EngineHandle,
    config: &RpcConfig,
    customize: impl Fn(&mut RpcModule<EngineHandle>) -> Result<(), E>,
) -> std::io::Result<RpcServers> {
    let eth = |handle: EngineHandle| -> std::io::Result<RpcModule<EngineHandle>> {
        let mut m = eth::module(handle);
        customize(&mut m).map_err(|e| std::io::Error::other(e.to_string()))?;
        Ok(m)
    };
    let debug = |m: &mut RpcModule<EngineHandle>| -> std::io::Result<()> {
        debug::register(m).map_err(|e| std::io::Error::other(e.to_string()))
    };
    let mut servers = RpcServers { http: None, auth: None };
    if let Some(addr) = config.http {
        let mut m = eth(handle.clone())?;
        if config.debug {
            debug(&mut m)?;
        }
        servers.http = Some(serve(m, addr, config).await?);
    }
    if let Some(addr) = config.auth {
        let mut module = engine_api::module(handle.clone());
        let mut eth = eth(handle)?;
        debug(&mut eth)?;
        module.merge(eth).map_err(|e| std::io::Error::other(e.to_string()))?;
        let server = Server::builder()
            .set_config(server_config(config))
            .set_http_middleware(
                tower::ServiceBuilder::new().layer(auth::JwtLayer::new(config.jwt)),
            )
            .set_rpc_middleware(
                RpcServiceBuilder::new()
                    .layer(budget::CallBudgetLayer(config.calls))
                    .option_layer(timing(config, &module)),
            )
            .build(addr)
            .await?;
        let local = server.local_addr()?;
        servers.auth = Some((local, server.start(module)));
        tracing::info!(target: "lamina::rpc", %local, "Engine API listening (JWT)");
    }
    Ok(servers)
}
