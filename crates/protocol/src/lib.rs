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
//! | [`block`], [`block_config`] | block references, an L2 block's info and system config from the block |
//! | [`severity`] | how bad an error is for the loop that meets it |
//!
//! ## Design
//! - **No IO, no clock, no async.** Time and heads are arguments; this crate is pure so the
//!   verifier and, later, the proof program run the same code.
//! - **Decoders never panic.** Every read is bounds-checked through [`codec::Cursor`]; errors
//!   name the field and the byte offset ([`codec::DecodeError`]). Counts from the wire are checked
//!   against the bytes present before anything is allocated.
//! - **Exact round trips.** Wire types keep what the encoding needs to be reproduced byte for
//!   byte (e.g. [`batch::RawSpanBatch`]); meaning lives in separate types ([`batch::SpanBatch`]).
//!
//! ## Example: from blocks to L1 and back
//!
//! The batcher's path and derivation's path through this crate, end to end:
//!
//! ```
//! use alloy_primitives::B256;
//! use lamina_protocol::{
//!     batch::{Batch, SingleBatch, SpanBatch},
//!     channel::{BatchFormat, ChannelOut, ChannelReader, CompressionConfig},
//!     frame::{ChannelId, encode_batcher_data, parse_batcher_data},
//! };
//!
//! // Two empty L2 blocks in epoch 7, as the batcher sees them.
//! let blocks: Vec<SingleBatch> = (0..2)
//!     .map(|i| SingleBatch {
//!         parent_hash: B256::repeat_byte(1),
//!         epoch_num: 7,
//!         epoch_hash: B256::repeat_byte(7),
//!         timestamp: 1_000 + 2 * i,
//!         transactions: vec![],
//!     })
//!     .collect();
//!
//! // Batcher: one span-batch channel, Brotli, cut into frames for one calldata tx.
//! let format = BatchFormat::Span { genesis_time: 0, block_time: 2, chain_id: 901, parent_epoch: 6 };
//! let mut channel =
//!     ChannelOut::new(ChannelId::from([1; 16]), format, CompressionConfig::BROTLI_10, 100_000_000);
//! for b in &blocks {
//!     channel.add_batch(b.clone())?;
//! }
//! let calldata = encode_batcher_data(&channel.frames(120_000)?);
//!
//! // Derivation: frames → channel → batches.
//! let frames = parse_batcher_data(&calldata)?;
//! let bytes: Vec<u8> = frames.iter().flat_map(|f| f.data.iter().copied()).collect();
//! let mut reader = ChannelReader::new(&bytes, true, 100_000_000)?;
//! let Some(Ok(Batch::Span(raw))) = reader.next_batch() else { panic!("one span batch") };
//! let span = SpanBatch::from_raw(&raw, 0, 2, 901)?;
//! assert_eq!(span.elements.len(), 2);
//! assert_eq!(span.elements[1].timestamp, 1_002);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![cfg_attr(not(feature = "std"), no_std)]
#![cfg_attr(not(test), warn(unused_crate_dependencies))]

extern crate alloc;

pub mod batch;
pub mod blob;
pub mod block;
pub mod block_config;
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
pub mod severity;
pub mod system_config;
pub mod withdrawal;

pub use block::{BlockId, L1BlockInfo, L2BlockInfo};
pub use codec::{DecodeError, DecodeErrorKind};
pub use config::{RollupConfig, SystemConfig};
pub use hardfork::{Hardfork, HardforkSchedule};
pub use severity::{Classify, Severity};
