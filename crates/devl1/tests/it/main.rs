//! Integration tests of lamina-devl1: the dev L1 as a chain (mining modes, restarts, reorgs,
//! our contracts running on it). Its behaviour as an `L1Chain`, next to `RpcL1` on anvil, is
//! lamina-l1's suite.

// Test code: a panic is how a test reports failure.
#![allow(clippy::unwrap_used)]

mod dev_l1;
