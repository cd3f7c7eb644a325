//! # lamina-engine
//!
//! The execution client. Today: the incremental Merkle-Patricia trie ([`trie`]), the
//! persistent chain and state store on redb ([`store`]) and the transaction pool ([`pool`]);
//! payload building, the Engine API and `eth_` RPC follow.
//!
//! **The engine never sees L1.**

#![cfg_attr(not(test), warn(unused_crate_dependencies))]

pub mod pool;
pub mod store;
pub mod trie;

pub use store::{GenesisAccount, Retention, StateView, Store, StoreError, StoreOptions};
