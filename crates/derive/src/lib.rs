//! # lamina-derive
//!
//! The derivation pipeline: `derive(L1 chain) → L2 chain` (digest §4). From each L1 block it
//! takes the batcher's data (calldata or blobs), cuts it into frames, assembles channels,
//! decompresses them into batches, judges every batch against the safe chain, and turns the
//! accepted ones (or, when the sequencing window expires, empty ones) into payload attributes
//! with the epoch's deposits.
//!
//! | module | owns |
//! |---|---|
//! | [`ports`] | the traits through which the pipeline reads L1, blobs and L2 |
//! | [`pipeline`] | the stages composed; `step`, `reset`, `flush_channel` |
//! | [`stages`] | retrieval, frame queue, channel bank (pre-Holocene), channel assembler (Holocene) |
//! | [`batch`] | validity rules, the L1 window, the batch queue and Holocene's stream |
//! | [`driver`] | the one derivation loop: pipeline → executor port → safe block; Holocene's invalid-block rules; the reset point |
//! | [`attributes`] | payload attributes: L1-info tx, deposits, header fields |
//! | [`l1_logs`] | deposits and system-config updates from L1 receipts |
//! | [`l1_blob_fee`] | the L1 blob base fee by L1 fork |
//! | [`memory`] | in-memory sources for tests and benchmarks |
//! | `testing` | (feature `testing`) a synthetic rollup: sequencer, batcher key, verifier |
//! | [`error`] | errors and their severity |
//!
//! ## Design
//! - **Pure.** No IO, no clock, no task spawning: facts come through [`ports`] and the safe
//!   head is an argument of every step, so the verifier and (later) the proof program share it.
//! - **Pull-based.** [`pipeline::Pipeline::step`] asks the top stage for a block; each stage
//!   asks the one below only when it has nothing to hand up; an exhausted L1 block moves the
//!   origin on. Control (reset, flush) goes down; data comes up.
//! - **Hostile input is routine.** Anyone can post to the batch inbox: malformed data, frames of
//!   unknown channels and invalid batches are dropped with a log line and never stop the
//!   pipeline. Only L1's own data (deposit and config logs) can be critical.
//! - **Severity decides.** Errors are [`error::Severity::Temporary`] (retry),
//!   [`error::Severity::Reset`] (reorg) or [`error::Severity::Critical`].

#![cfg_attr(not(feature = "std"), no_std)]
#![cfg_attr(not(test), warn(unused_crate_dependencies))]

extern crate alloc;

pub mod attributes;
pub mod batch;
pub mod driver;
pub mod error;
pub mod l1_blob_fee;
pub mod l1_logs;
#[cfg(feature = "std")]
pub mod memory;
pub mod pipeline;
pub mod ports;
pub mod stages;
#[cfg(feature = "testing")]
pub mod testing;

pub use attributes::DerivedAttributes;
pub use error::{Classify, PipelineError, Severity, SourceError};
pub use pipeline::{Pipeline, PipelineStats, Step};
pub use ports::{BlobSource, L1Source, L2Source};
