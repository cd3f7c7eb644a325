//! `ChannelOut`: the batcher's side of a channel. Batches go in; compressed frames come out.
//!
//! Two shapes, as op-batcher has them:
//! - **singular**: each batch is RLP-wrapped and appended as it arrives;
//! - **span**: batches are gathered and written as one span batch when the channel closes, which
//!   is what makes span batches small (their columns compress together).
//!
//! The whole channel is compressed at [`ChannelOut::close`]; frames are then cut to the size the
//! caller's DA needs (one calldata tx, or one blob each).

use alloy_primitives::Bytes;

use super::compression::{CompressionConfig, compress};
use crate::{
    batch::{Batch, SingleBatch, SpanBatch, SpanBatchError},
    constants::{FRAME_OVERHEAD_BYTES, MAX_FRAME_LEN},
    frame::{ChannelId, Frame},
};

/// Which batch format a channel carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchFormat {
    /// One singular batch per block.
    Single,
    /// One span batch for the whole channel.
    Span {
        /// L2 genesis time (span timestamps are relative to it).
        genesis_time: u64,
        /// L2 block time.
        block_time: u64,
        /// L2 chain id (legacy tx signatures depend on it).
        chain_id: u64,
        /// L1 origin number of the first batch's parent block.
        parent_epoch: u64,
    },
}

/// Why a channel refused an operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChannelOutError {
    /// The channel is closed.
    #[error("channel is closed")]
    Closed,
    /// The uncompressed data would exceed the channel's RLP byte limit.
    #[error("channel full: {size} uncompressed bytes would exceed {limit}")]
    Full {
        /// Size with the new batch.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// The span batch could not be built.
    #[error(transparent)]
    Span(#[from] SpanBatchError),
    /// A frame size too small to carry any data, or too large for the protocol.
    #[error("frame size {0} out of range ({min}..={max})", min = FRAME_OVERHEAD_BYTES + 1, max = FRAME_OVERHEAD_BYTES + MAX_FRAME_LEN as usize)]
    FrameSize(usize),
    /// The channel would need more than 65 536 frames.
    #[error("channel needs more frames than a u16 frame number allows")]
    TooManyFrames,
}

/// A channel being filled by the batcher.
#[derive(Debug)]
pub struct ChannelOut {
    id: ChannelId,
    format: BatchFormat,
    compression: CompressionConfig,
    max_rlp_bytes: u64,
    /// Singular format: RLP items so far. Span format: unused until close.
    items: Vec<u8>,
    batches: Vec<SingleBatch>,
    /// Uncompressed size estimate (exact for singular channels).
    rlp_len: u64,
    compressed: Option<Vec<u8>>,
    next_frame: u16,
    frame_pos: usize,
}

impl ChannelOut {
    /// A new open channel. `max_rlp_bytes` is the fork's decompressed-size limit, which the
    /// channel must respect so that derivation reads all of it.
    pub fn new(
        id: ChannelId,
        format: BatchFormat,
        compression: CompressionConfig,
        max_rlp_bytes: u64,
    ) -> Self {
        Self {
            id,
            format,
            compression,
            max_rlp_bytes,
            items: Vec::new(),
            batches: Vec::new(),
            rlp_len: 0,
            compressed: None,
            next_frame: 0,
            frame_pos: 0,
        }
    }

    /// The channel id.
    pub const fn id(&self) -> ChannelId {
        self.id
    }

    /// Number of batches (blocks) added.
    pub fn block_count(&self) -> usize {
        self.batches.len()
    }

    /// Uncompressed bytes so far (for span channels an upper-bound estimate: the singular
    /// encoding of the same blocks).
    pub const fn input_bytes(&self) -> u64 {
        self.rlp_len
    }

    /// Whether [`Self::close`] has been called.
    pub const fn is_closed(&self) -> bool {
        self.compressed.is_some()
    }

    /// Adds a block's batch. Fails without changing the channel if it is closed or full.
    pub fn add_batch(&mut self, batch: SingleBatch) -> Result<(), ChannelOutError> {
        if self.is_closed() {
            return Err(ChannelOutError::Closed);
        }
        let item = Batch::Single(batch.clone()).encode_channel_item();
        let size = self.rlp_len + item.len() as u64;
        if size > self.max_rlp_bytes {
            return Err(ChannelOutError::Full { size, limit: self.max_rlp_bytes });
        }
        if self.format == BatchFormat::Single {
            self.items.extend_from_slice(&item);
        }
        self.rlp_len = size;
        self.batches.push(batch);
        Ok(())
    }

    /// Closes the channel: encodes (span format) and compresses. Returns the compressed size.
    pub fn close(&mut self) -> Result<usize, ChannelOutError> {
        if let Some(c) = &self.compressed {
            return Ok(c.len());
        }
        let raw = match self.format {
            BatchFormat::Single => std::mem::take(&mut self.items),
            BatchFormat::Span { genesis_time, block_time, chain_id, parent_epoch } => {
                if self.batches.is_empty() {
                    Vec::new()
                } else {
                    let span = SpanBatch::from_singular(&self.batches, parent_epoch)?;
                    let raw = span.to_raw(genesis_time, block_time, chain_id)?;
                    Batch::Span(raw).encode_channel_item()
                }
            }
        };
        let compressed = compress(&raw, self.compression);
        let len = compressed.len();
        self.compressed = Some(compressed);
        Ok(len)
    }

    /// The compressed channel (after close).
    pub fn compressed(&self) -> Option<&[u8]> {
        self.compressed.as_deref()
    }

    /// The next frame of at most `max_frame_size` encoded bytes (header included), or `None`
    /// when all frames have been produced. Closes the channel if it is still open.
    pub fn next_frame(&mut self, max_frame_size: usize) -> Result<Option<Frame>, ChannelOutError> {
        if max_frame_size <= FRAME_OVERHEAD_BYTES
            || max_frame_size > FRAME_OVERHEAD_BYTES + MAX_FRAME_LEN as usize
        {
            return Err(ChannelOutError::FrameSize(max_frame_size));
        }
        self.close()?;
        let data = self.compressed.as_deref().unwrap_or_default();
        let done = self.frame_pos >= data.len();
        if done && self.next_frame > 0 {
            return Ok(None);
        }
        let end = (self.frame_pos + max_frame_size - FRAME_OVERHEAD_BYTES).min(data.len());
        let frame = Frame {
            channel_id: self.id,
            number: self.next_frame,
            data: Bytes::copy_from_slice(&data[self.frame_pos..end]),
            is_last: end == data.len(),
        };
        self.frame_pos = end;
        if frame.is_last {
            // Mark exhausted: one past the end.
            self.frame_pos = data.len() + 1;
        }
        self.next_frame = self.next_frame.checked_add(1).ok_or(ChannelOutError::TooManyFrames)?;
        Ok(Some(frame))
    }

    /// Every remaining frame.
    pub fn frames(&mut self, max_frame_size: usize) -> Result<Vec<Frame>, ChannelOutError> {
        let mut out = Vec::new();
        while let Some(f) = self.next_frame(max_frame_size)? {
            out.push(f);
        }
        Ok(out)
    }
}
