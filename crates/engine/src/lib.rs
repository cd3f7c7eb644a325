//! # lamina-engine
//!
//! The execution client: the incremental Merkle-Patricia trie ([`trie`]), the persistent
//! chain and state store on redb ([`store`]), the transaction pool ([`pool`]), the engine
//! service that builds, checks and commits blocks under forkchoice ([`service`]), and its
//! JSON-RPC faces: the Engine API with JWT and the `eth_` methods ([`rpc`]).
//!
//! **The engine never sees L1.**

#![cfg_attr(not(test), warn(unused_crate_dependencies))]

// Only selects the pure-Rust crypto backend of alloy's JWT check.
use jsonwebtoken as _;

pub mod pool;
pub mod rpc;
pub mod service;
pub mod store;
pub mod trie;

pub use service::{
    BlockEvent, BuiltPayload, ChainEvent, DevSequencer, EngineConfig, EngineError, EngineHandle,
    PayloadVersion,
};
pub use store::{
    Durability, GenesisAccount, Retention, StateView, Store, StoreError, StoreOptions,
};
