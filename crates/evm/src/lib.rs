//! # lamina-evm
//!
//! OP execution rules: given a parent header, payload attributes and the parent's state, build
//! and execute the next L2 block exactly as op-geth/op-reth would, and report its header,
//! receipts and state changes.
//!
//! - [`spec`]: Lamina's fork schedule as the executor's hardfork traits and op-revm spec ids;
//! - [`attributes`]: what a block is built from;
//! - [`call`]: `eth_call`/`eth_estimateGas` execution on a block's state;
//! - [`contracts`]: our compiled Solidity (the predeploys), embedded from `contracts/artifacts`;
//! - [`header`]: base fee and `extraData` rules per fork;
//! - [`l1block`]: the L1Block predeploy's storage after an L1-info call (what op-revm reads for fees);
//! - [`eth`]: plain Ethereum (Prague) blocks, for the embedded dev L1;
//! - [`genesis`]: the L2 genesis from a geth genesis JSON plus our predeploys;
//! - [`executor`]: [`OpBlockBuilder`], on alloy-op-evm's `OpBlockExecutor` and op-revm;
//! - [`trie`], [`mem`]: from-scratch Merkle-Patricia roots and an in-memory state (tests, and
//!   the reference for the persistent store's incremental trie).
//!
//! Pure: no IO, no clock. State comes in through `revm::Database`; roots through
//! [`executor::StateRootProvider`].

#![cfg_attr(not(feature = "std"), no_std)]
#![cfg_attr(not(test), warn(unused_crate_dependencies))]

extern crate alloc;

pub mod attributes;
pub mod call;
#[cfg(feature = "std")]
pub mod contracts;
pub mod error;
#[cfg(feature = "std")]
pub mod eth;
pub mod executor;
#[cfg(feature = "std")]
pub mod genesis;
pub mod header;
mod interrupt;
pub mod l1block;
pub mod mem;
pub mod spec;
pub mod trie;
mod watch;

pub use attributes::BlockAttributes;
pub use call::{CallOutcome, CallRequest};
pub use error::ExecError;
pub use executor::{
    ExecTx, ExecutedBlock, KnownSenders, NoKnownSenders, OpBlockBuilder, PoolLimits,
    PostStateRoots, StateRootProvider, TxSource,
};
pub use spec::OpForks;
