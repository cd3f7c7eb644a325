//! Integration tests of lamina-l1: our L1 contracts on a bare Prague EVM (deposits, outputs,
//! withdrawals proven against a real lamina L2, system config updates) and their bindings.

// Test code: a panic is how a test reports failure.
#![allow(clippy::unwrap_used)]

mod abi;
mod blobs;
mod deploy;
mod deposits;
mod derive;
mod evm;
mod fee_vaults;
mod fixture;
mod forged;
mod l1_chain;
mod l2;
mod merkle;
mod oracle;
mod system_config;
mod txmgr;
mod withdrawals;
