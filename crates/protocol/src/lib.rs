//! # lamina-protocol
//!
//! The types and codecs of the OP Stack protocol, byte-exact with the specs through Isthmus, in
//! both directions: the batcher encodes what derivation decodes, the engine builds what the node
//! parses.
//!
//! | module | owns |
//! |---|---|
//! | [`config`], [`hardfork`] | op-node's `rollup.json`, the fork schedule and per-fork values |
//! | [`deposit`] | `TransactionDeposited` → type-`0x7E` txs, source hashes, aliasing |
//! | [`l1_info`] | the L1-attributes deposit (Bedrock, Ecotone, Isthmus calldata) |
//! | [`frame`] | frames and batcher tx data |
//! | [`channel`] | compression, `ChannelOut` (batcher) and `ChannelReader` (derivation) |
//! | [`batch`] | singular and span batches, span ↔ singular |
//! | [`blob`] | the OP blob encoding |
//! | [`output_root`], [`withdrawal`] | output roots v0, withdrawal hashes and slots |
//! | [`system_config`] | `ConfigUpdate` logs |
//! | [`predeploys`], [`constants`] | addresses and constants |
//!
//! ## Design
//! - **No IO, no clock, no async.** Time and heads are arguments; this crate is pure so the
//!   verifier and, later, the proof program run the same code.
//! - **Decoders never panic.** Every read is bounds-checked through [`codec::Cursor`]; errors
//!   name the field and the byte offset ([`codec::DecodeError`]). Counts from the wire are checked
//!   against the bytes present before anything is allocated.
//! - **Exact round trips.** Wire types keep what the encoding needs to be reproduced byte for
//!   byte (e.g. [`batch::RawSpanBatch`]); meaning lives in separate types ([`batch::SpanBatch`]).

#![cfg_attr(not(test), warn(unused_crate_dependencies))]

pub mod batch;
pub mod blob;
pub mod block;
pub mod channel;
pub mod codec;
pub mod config;
pub mod constants;
pub mod deposit;
pub mod frame;
pub mod hardfork;
pub mod l1_info;
pub mod output_root;
pub mod predeploys;
pub mod system_config;
pub mod withdrawal;

pub use block::{BlockId, L1BlockInfo, L2BlockInfo};
pub use codec::{DecodeError, DecodeErrorKind};
pub use config::{RollupConfig, SystemConfig};
pub use hardfork::{Hardfork, HardforkSchedule};
