//! The explorer: a web page served by the node (`--explorer.port`; on by default in
//! `lamina dev`) that shows the chain and its derivation live. Its assets are compiled into
//! the binary (`assets`); the page reads only the node's own JSON-RPCs, through this server
//! (`proxy`: read-only methods, forwarded to the L2 engine and the rollup nodes it was given),
//! so it works on any Lamina node and needs no CORS on the RPC ports.

mod assets;
mod proxy;
mod server;

use std::net::SocketAddr;

pub use server::serve;

/// A rollup node the explorer shows.
#[derive(Debug, Clone)]
pub struct ExplorerNode {
    /// Its name on the page (`sequencer`, `verifier`, …).
    pub name: String,
    /// Its rollup RPC (`optimism_`, `lamina_`).
    pub rpc: String,
}

/// What the explorer serves.
#[derive(Debug, Clone)]
pub struct ExplorerConfig {
    /// Where it listens.
    pub listen: SocketAddr,
    /// The L2 engine's JSON-RPC (`eth_`).
    pub l2_rpc: String,
    /// The rollup nodes; the first answers the `lamina_` reads.
    pub nodes: Vec<ExplorerNode>,
}

/// Why the explorer did not start.
#[derive(Debug, thiserror::Error)]
pub enum ExplorerError {
    /// The port could not be bound.
    #[error("explorer: {0}")]
    Bind(#[from] std::io::Error),
    /// The HTTP client that forwards to the nodes could not be made.
    #[error("explorer: http client: {0}")]
    Client(String),
    /// No node to show.
    #[error("explorer: no rollup node to show")]
    NoNode,
}
