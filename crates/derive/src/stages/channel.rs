//! One channel being assembled from frames (digest §4.3): which frames it has, whether its
//! closing frame arrived, its size as the bank counts it, and the L1 block it opened in.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use alloy_primitives::Bytes;
use lamina_protocol::{
    block::L1BlockInfo,
    constants::FRAME_BANK_OVERHEAD,
    frame::{ChannelId, Frame},
};

/// Why a frame was not added to its channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FrameRejected {
    /// The frame belongs to another channel.
    #[error("frame of another channel")]
    WrongChannel,
    /// The channel already has a closing frame.
    #[error("second closing frame")]
    AlreadyClosed,
    /// A frame with this number is already held.
    #[error("duplicate frame number {0}")]
    Duplicate(u16),
    /// The frame comes after the closing frame.
    #[error("frame {0} is past the closing frame")]
    PastEnd(u16),
}

/// A channel's frames.
#[derive(Debug, Clone)]
pub struct Channel {
    id: ChannelId,
    open_block: L1BlockInfo,
    frames: BTreeMap<u16, Bytes>,
    /// The closing frame's number, once seen.
    end: Option<u16>,
    size: u64,
}

impl Channel {
    /// An empty channel first seen in `open_block`.
    pub const fn new(id: ChannelId, open_block: L1BlockInfo) -> Self {
        Self { id, open_block, frames: BTreeMap::new(), end: None, size: 0 }
    }

    /// The channel id.
    pub const fn id(&self) -> ChannelId {
        self.id
    }

    /// The L1 block where the channel's first frame (of any number) appeared.
    pub const fn open_block(&self) -> &L1BlockInfo {
        &self.open_block
    }

    /// Frame bytes plus 200 per frame: the size the channel bank and Holocene's limit count.
    pub const fn size(&self) -> u64 {
        self.size
    }

    /// Frames held.
    pub fn frame_count(&self) -> usize {
        self.frames.len()
    }

    /// Whether the closing frame arrived.
    pub const fn is_closed(&self) -> bool {
        self.end.is_some()
    }

    /// The number the next contiguous frame must have.
    pub fn next_frame_number(&self) -> Option<u16> {
        u16::try_from(self.frames.len()).ok()
    }

    /// Whether the channel timed out at L1 block `current`, given the fork's timeout.
    pub const fn timed_out(&self, current: u64, timeout: u64) -> bool {
        current > self.open_block.number.saturating_add(timeout)
    }

    /// Adds a frame. A closing frame drops any buffered frames numbered above it.
    pub fn add(&mut self, frame: Frame) -> Result<(), FrameRejected> {
        if frame.channel_id != self.id {
            return Err(FrameRejected::WrongChannel);
        }
        if let Some(end) = self.end {
            if frame.is_last {
                return Err(FrameRejected::AlreadyClosed);
            }
            if frame.number > end {
                return Err(FrameRejected::PastEnd(frame.number));
            }
        }
        if self.frames.contains_key(&frame.number) {
            return Err(FrameRejected::Duplicate(frame.number));
        }
        if frame.is_last {
            self.end = Some(frame.number);
            let dropped = self.frames.split_off(&frame.number);
            for data in dropped.values() {
                self.size -= data.len() as u64 + FRAME_BANK_OVERHEAD;
            }
        }
        self.size += frame.data.len() as u64 + FRAME_BANK_OVERHEAD;
        self.frames.insert(frame.number, frame.data);
        Ok(())
    }

    /// Whether every frame from 0 through the closing frame is present.
    pub fn is_ready(&self) -> bool {
        self.end.is_some_and(|end| self.frames.len() == usize::from(end) + 1)
    }

    /// The channel's data: the frames' data in order (call when ready).
    pub fn data(&self) -> Vec<u8> {
        let len = self.frames.values().map(|d| d.len()).sum();
        let mut out = Vec::with_capacity(len);
        for data in self.frames.values() {
            out.extend_from_slice(data);
        }
        out
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn frame(id: u8, number: u16, data: &[u8], is_last: bool) -> Frame {
        Frame {
            channel_id: ChannelId::from([id; 16]),
            number,
            data: Bytes::copy_from_slice(data),
            is_last,
        }
    }

    #[test]
    fn out_of_order_frames_make_a_ready_channel() {
        let mut ch = Channel::new(ChannelId::from([1; 16]), L1BlockInfo::default());
        ch.add(frame(1, 2, b"c", true)).unwrap();
        assert!(!ch.is_ready());
        ch.add(frame(1, 0, b"a", false)).unwrap();
        ch.add(frame(1, 1, b"b", false)).unwrap();
        assert!(ch.is_ready());
        assert_eq!(ch.data(), b"abc");
        assert_eq!(ch.size(), 3 + 3 * 200);
    }

    #[test]
    fn duplicates_second_close_and_frames_past_the_end_are_refused() {
        let mut ch = Channel::new(ChannelId::from([1; 16]), L1BlockInfo::default());
        ch.add(frame(1, 0, b"a", false)).unwrap();
        assert_eq!(ch.add(frame(1, 0, b"x", false)), Err(FrameRejected::Duplicate(0)));
        ch.add(frame(1, 1, b"b", true)).unwrap();
        assert_eq!(ch.add(frame(1, 2, b"c", true)), Err(FrameRejected::AlreadyClosed));
        assert_eq!(ch.add(frame(1, 3, b"d", false)), Err(FrameRejected::PastEnd(3)));
        assert_eq!(ch.add(frame(2, 2, b"d", false)), Err(FrameRejected::WrongChannel));
        assert_eq!(ch.data(), b"ab");
    }

    #[test]
    fn a_closing_frame_drops_higher_frames() {
        let mut ch = Channel::new(ChannelId::from([1; 16]), L1BlockInfo::default());
        ch.add(frame(1, 3, b"zzzz", false)).unwrap();
        ch.add(frame(1, 0, b"a", true)).unwrap();
        assert!(ch.is_ready());
        assert_eq!(ch.size(), 201);
        assert_eq!(ch.data(), b"a");
    }

    #[test]
    fn timeout_is_strictly_after_open_plus_timeout() {
        let open = L1BlockInfo { number: 10, ..Default::default() };
        let ch = Channel::new(ChannelId::from([1; 16]), open);
        assert!(!ch.timed_out(60, 50));
        assert!(ch.timed_out(61, 50));
    }
}
