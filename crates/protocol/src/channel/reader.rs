//! Reading batches out of a channel (digest §4.5): decompress (bounded by the fork's
//! `MAX_RLP_BYTES_PER_CHANNEL`), then read RLP byte strings until the data ends. A batch cut off
//! by the limit or by a corrupt stream ends the channel; the batches before it are kept.

use alloc::vec::Vec;
use alloy_rlp::Header;

use super::compression::{Compression, CompressionError, StopReason, decompress};
use crate::{
    batch::Batch,
    codec::{DecodeError, DecodeErrorKind},
};

/// Reads the batches of one channel.
#[derive(Debug)]
pub struct ChannelReader {
    compression: Compression,
    data: Vec<u8>,
    pos: usize,
    stopped: Option<StopReason>,
}

impl ChannelReader {
    /// Decompresses a channel. `brotli_allowed` is Fjord's flag and `max_rlp_bytes` the fork's
    /// limit, both judged at the current L1 origin.
    pub fn new(
        channel: &[u8],
        brotli_allowed: bool,
        max_rlp_bytes: u64,
    ) -> Result<Self, CompressionError> {
        let d = decompress(channel, brotli_allowed, max_rlp_bytes)?;
        Ok(Self { compression: d.compression, data: d.data, pos: 0, stopped: d.stopped })
    }

    /// The channel's compression.
    pub const fn compression(&self) -> Compression {
        self.compression
    }

    /// The decompressed bytes.
    pub fn decompressed(&self) -> &[u8] {
        &self.data
    }

    /// Why decompression stopped early, if it did.
    pub const fn stopped(&self) -> Option<&StopReason> {
        self.stopped.as_ref()
    }

    /// The next channel item (`batch_type ++ content`), `None` at the end of the data.
    /// An error ends the channel: later calls return `None`.
    pub fn next_item(&mut self) -> Option<Result<&[u8], DecodeError>> {
        match self.next_item_range()? {
            Ok(r) => Some(Ok(&self.data[r])),
            Err(e) => Some(Err(e)),
        }
    }

    fn next_item_range(&mut self) -> Option<Result<core::ops::Range<usize>, DecodeError>> {
        if self.pos >= self.data.len() {
            return None;
        }
        let start = self.pos;
        let mut rest = &self.data[start..];
        let header = match Header::decode(&mut rest) {
            Ok(h) => h,
            Err(e) => {
                self.pos = self.data.len();
                return Some(Err(DecodeError::new("channel_item", start, DecodeErrorKind::Rlp(e))));
            }
        };
        if header.list {
            self.pos = self.data.len();
            return Some(Err(DecodeError::new(
                "channel_item",
                start,
                DecodeErrorKind::Invalid("batch must be an rlp string, not a list"),
            )));
        }
        if rest.len() < header.payload_length {
            self.pos = self.data.len();
            return Some(Err(DecodeError::new(
                "channel_item",
                start,
                DecodeErrorKind::UnexpectedEof {
                    needed: header.payload_length,
                    available: rest.len(),
                },
            )));
        }
        let body_start = self.data.len() - rest.len();
        self.pos = body_start + header.payload_length;
        Some(Ok(body_start..self.pos))
    }

    /// The next batch; errors carry offsets into the decompressed data.
    pub fn next_batch(&mut self) -> Option<Result<Batch, DecodeError>> {
        let range = match self.next_item_range()? {
            Ok(r) => r,
            Err(e) => return Some(Err(e)),
        };
        let body_offset = range.start;
        let result = Batch::decode(&self.data[range]).map_err(|e| e.shifted(body_offset));
        if result.is_err() {
            // A malformed batch ends the channel, as in op-node.
            self.pos = self.data.len();
        }
        Some(result)
    }
}
