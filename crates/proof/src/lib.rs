//! # lamina-proof
//!
//! The fault-proof program's pure parts: everything that re-derives and re-executes an L2 block
//! from nothing but hashed preimages, so a dispute can be settled by re-running one step.
//! Today: [`mpt`], the hash-keyed sparse Merkle-Patricia trie, and [`state`], the witnessed L2
//! state that `lamina_evm::OpBlockBuilder` executes a block on and recomputes its roots with,
//! and [`execute`], stateless execution of one block from its parent, attributes and witness.
//! The preimage oracle, the boot info, the oracle-backed ports for `lamina_derive::driver` and
//! the program's `run()` follow (issue 22).
//!
//! Pure: no IO, no clock, no async runtime; state comes in as preimages.

#![cfg_attr(not(test), warn(unused_crate_dependencies))]

pub mod execute;
pub mod mpt;
pub mod state;
