//! Channels: the compressed stream of batches that frames carry (digest §4.3–4.5).
//!
//! - [`compression`]: zlib/Brotli detection, bounded decompression, compression;
//! - [`inflate`]: the same bounded decompression without `std::io` (the proof program's);
//! - [`reader`]: batches out of a channel's bytes (derivation's side);
//! - [`out`]: batches into frames (the batcher's side).

pub mod compression;
pub mod inflate;
#[cfg(feature = "std")]
pub mod out;
pub mod reader;

pub use compression::{Compression, CompressionConfig, CompressionError};
#[cfg(feature = "std")]
pub use out::{BatchFormat, ChannelOut, ChannelOutError};
pub use reader::ChannelReader;
