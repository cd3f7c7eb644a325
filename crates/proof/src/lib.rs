//! # lamina-proof
//!
//! The fault-proof program's pure parts: everything that re-derives and re-executes L2 blocks
//! from nothing but hashed preimages, so a dispute can be settled by re-running one step.
//!
//! - [`preimage`]: the oracle (key types, checked reads, hints, the wire frames);
//! - [`boot`]: the inputs of a run, from local keys (the chain's config by hash);
//! - [`sources`]: the derivation pipeline's L1, blob and L2 ports over the oracle, with
//!   [`list`] (a block's txs and receipts from their tries) and [`blob`] (field elements);
//! - [`mpt`] and [`state`]: the hash-keyed sparse trie and the state `lamina_evm`'s block
//!   builder runs on and computes roots with;
//! - [`execute`]: stateless execution of one block from its witness;
//! - [`program`]: `run(oracle)` → valid or invalid, over `lamina_derive::driver`.
//!
//! Pure: no IO, no clock, no async runtime; state comes in as preimages.

#![cfg_attr(not(feature = "std"), no_std)]
#![cfg_attr(not(test), warn(unused_crate_dependencies))]

extern crate alloc;

pub mod blob;
pub mod boot;
pub mod execute;
pub mod list;
pub mod mpt;
pub mod preimage;
pub mod program;
pub mod sources;
pub mod state;
