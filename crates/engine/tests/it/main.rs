//! Integration tests of lamina-engine: the persistent store under real block execution.

// Test code: a panic is how a test reports failure.
#![allow(clippy::unwrap_used)]

mod chain;
mod crash;
mod genesis;
mod pool;
mod reorg;
mod rpc;
mod service;
mod store;
