//! # lamina-engine
//!
//! The execution client. Today: the incremental Merkle-Patricia trie ([`trie`]) that the chain
//! and state store builds on; the store, txpool, payload building, Engine API and `eth_` RPC
//! follow.
//!
//! **The engine never sees L1.**

#![cfg_attr(not(test), warn(unused_crate_dependencies))]

pub mod trie;
