//! Holocene's channel assembler (digest §4.4): one staging channel, built from frames that
//! arrive in order. A first frame replaces an unfinished channel; any other frame must continue
//! the staging channel or is dropped; a channel over the size limit or past its timeout goes.

use alloc::vec::Vec;
use lamina_protocol::{block::L1BlockInfo, frame::Frame};

use super::channel::Channel;

/// The single channel being assembled.
#[derive(Debug, Default)]
pub struct ChannelAssembler {
    staging: Option<Channel>,
}

impl ChannelAssembler {
    /// Forgets the staging channel.
    pub fn clear(&mut self) {
        self.staging = None;
    }

    /// Whether a channel is being assembled.
    pub const fn is_staging(&self) -> bool {
        self.staging.is_some()
    }

    /// Drops the staging channel if it timed out at L1 block `current` (checked before each
    /// frame, so the frame that would have continued it is dropped with it).
    pub fn expire(&mut self, current: u64, timeout: u64) {
        if self.staging.as_ref().is_some_and(|ch| ch.timed_out(current, timeout)) {
            let id = self.staging.take().map(|ch| ch.id());
            tracing::warn!(target: "lamina::derive", channel = ?id, "staging channel timed out");
        }
    }

    /// Adds a frame seen in `origin`; returns the channel's data when this frame completes it.
    /// `max_size` is the fork's `MAX_RLP_BYTES_PER_CHANNEL`, applied to frame bytes + 200 per
    /// frame.
    pub fn ingest(&mut self, frame: Frame, origin: &L1BlockInfo, max_size: u64) -> Option<Vec<u8>> {
        if frame.number == 0 {
            if let Some(old) = self.staging.take().filter(|ch| !ch.is_ready()) {
                tracing::warn!(target: "lamina::derive", channel = %old.id(), "unfinished channel replaced");
            }
            self.staging = Some(Channel::new(frame.channel_id, *origin));
        }
        let Some(ch) = self.staging.as_mut() else {
            tracing::warn!(target: "lamina::derive", channel = %frame.channel_id, number = frame.number, "frame without a staging channel dropped");
            return None;
        };
        if frame.channel_id != ch.id()
            || ch.is_closed()
            || ch.next_frame_number() != Some(frame.number)
        {
            tracing::warn!(target: "lamina::derive", channel = %frame.channel_id, number = frame.number, "frame does not continue the staging channel");
            return None;
        }
        if let Err(e) = ch.add(frame) {
            tracing::warn!(target: "lamina::derive", %e, "frame dropped");
            return None;
        }
        if ch.size() > max_size {
            tracing::warn!(target: "lamina::derive", channel = %ch.id(), size = ch.size(), "channel over the size limit dropped");
            self.staging = None;
            return None;
        }
        if ch.is_ready() {
            let data = ch.data();
            self.staging = None;
            return Some(data);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stages::channel::tests::frame;

    fn at(number: u64) -> L1BlockInfo {
        L1BlockInfo { number, ..Default::default() }
    }

    #[test]
    fn in_order_frames_complete_a_channel() {
        let mut a = ChannelAssembler::default();
        assert_eq!(a.ingest(frame(1, 0, b"a", false), &at(1), 1_000), None);
        assert_eq!(a.ingest(frame(1, 1, b"b", true), &at(2), 1_000), Some(b"ab".to_vec()));
        assert!(!a.is_staging());
    }

    #[test]
    fn a_new_first_frame_replaces_an_unfinished_channel() {
        let mut a = ChannelAssembler::default();
        a.ingest(frame(1, 0, b"a", false), &at(1), 1_000);
        a.ingest(frame(2, 0, b"x", false), &at(1), 1_000);
        assert_eq!(a.ingest(frame(1, 1, b"b", true), &at(1), 1_000), None);
        assert_eq!(a.ingest(frame(2, 1, b"y", true), &at(1), 1_000), Some(b"xy".to_vec()));
    }

    #[test]
    fn gaps_and_orphans_are_dropped() {
        let mut a = ChannelAssembler::default();
        assert_eq!(a.ingest(frame(1, 1, b"b", true), &at(1), 1_000), None);
        a.ingest(frame(1, 0, b"a", false), &at(1), 1_000);
        assert_eq!(a.ingest(frame(1, 2, b"c", true), &at(1), 1_000), None);
        assert_eq!(a.ingest(frame(1, 1, b"b", true), &at(1), 1_000), Some(b"ab".to_vec()));
    }

    #[test]
    fn timeout_drops_the_channel_and_its_next_frame() {
        let mut a = ChannelAssembler::default();
        a.ingest(frame(1, 0, b"a", false), &at(1), 1_000);
        a.expire(12, 10);
        assert!(!a.is_staging());
        assert_eq!(a.ingest(frame(1, 1, b"b", true), &at(12), 1_000), None);
    }

    #[test]
    fn size_limit_counts_frame_overhead() {
        let mut a = ChannelAssembler::default();
        assert_eq!(a.ingest(frame(1, 0, &[0; 100], false), &at(1), 300), None);
        assert!(a.is_staging());
        assert_eq!(a.ingest(frame(1, 1, &[0; 1], true), &at(1), 300), None);
        assert!(!a.is_staging());
    }
}
