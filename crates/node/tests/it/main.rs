//! lamina-node integration tests: the rollup node's roles over real engines and the dev L1.

// Test helpers outside #[test] fns unwrap too.
#![allow(clippy::unwrap_used)]

mod batcher;
mod challenger;
mod driver;
mod fixture;
mod forward;
mod gossip;
mod gossip_js;
mod gossip_rpc;
mod inputs;
mod proof;
mod proposer;
mod remote;
mod rollup;
mod service;
mod witness;
