//! # lamina-node
//!
//! Lamina's services and how they are started. Today: the standalone execution engine
//! ([`engine`]) — the engine service behind its RPC servers, optionally with the dev sequencer —
//! the dev L1 ([`dev_l1`]) behind its JSON-RPC, and the rollup node's roles
//! ([`rollup`]: verifier and sequencer), the [`batcher`], the [`proposer`], and [`dev_stack`],
//! all of them in one process for `lamina dev`, and the [`explorer`] page that shows them.
//!
//! This crate is where tasks are spawned and servers started; the libraries below it stay
//! synchronous or pure.

#![cfg_attr(not(test), warn(unused_crate_dependencies))]

pub mod batcher;
pub mod challenger;
pub mod dev_l1;
pub mod dev_stack;
pub mod engine;
pub mod explorer;
mod forward;
pub mod gossip;
pub mod http;
pub mod metrics;
pub mod poster;
pub mod proof;
pub mod proposer;
pub mod rollup;
pub mod tasks;

pub use dev_l1::{DevL1Node, DevL1NodeConfig};
pub use engine::{EngineNode, EngineNodeConfig, NodeError, open_engine, open_engine_with};
pub use forward::forward_txs;
pub use lamina_engine::EngineHandle;
pub use lamina_engine::{
    Durability, Retention,
    pool::PoolConfig,
    rpc::{budget::CallLimits, timing::TimingLayer},
    store::StoreOptions,
};
pub use tasks::Tasks;
