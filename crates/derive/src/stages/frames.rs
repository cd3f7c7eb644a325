//! The frame queue: batcher data → frames (digest §4.1–4.2), and from Holocene on the pruning
//! that leaves only ordered, contiguous frames (§4.4).
//!
//! Data that fails to parse is dropped whole (one bad frame invalidates its tx's other frames);
//! an unknown version byte is ignored.

use alloc::collections::VecDeque;

use lamina_protocol::frame::{Frame, parse_batcher_data};

/// Frames waiting for the channel stage.
#[derive(Debug, Default)]
pub struct FrameQueue {
    frames: VecDeque<Frame>,
}

impl FrameQueue {
    /// Forgets every frame.
    pub fn clear(&mut self) {
        self.frames.clear();
    }

    /// Frames waiting.
    pub fn len(&self) -> usize {
        self.frames.len()
    }

    /// Whether no frame is waiting.
    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// Parses one batcher payload (`version ++ frames`) and queues its frames.
    pub fn load(&mut self, data: &[u8], holocene: bool) {
        match parse_batcher_data(data) {
            Ok(frames) => self.frames.extend(frames),
            Err(e) => {
                tracing::warn!(target: "lamina::derive", %e, len = data.len(), "batcher data dropped");
                return;
            }
        }
        if holocene {
            self.prune();
        }
    }

    /// The next frame.
    pub fn pop(&mut self) -> Option<Frame> {
        self.frames.pop_front()
    }

    /// Holocene: keeps a frame only if it starts a channel or continues the previous frame; a
    /// first frame arriving while the previous channel is open drops that channel's frames.
    fn prune(&mut self) {
        let mut kept: VecDeque<Frame> = VecDeque::with_capacity(self.frames.len());
        for f in self.frames.drain(..) {
            let Some((prev_id, prev_number, prev_last)) =
                kept.back().map(|p| (p.channel_id, p.number, p.is_last))
            else {
                kept.push_back(f);
                continue;
            };
            if f.number == 0 {
                if !prev_last {
                    let open = prev_id;
                    while kept.back().is_some_and(|k| k.channel_id == open) {
                        kept.pop_back();
                    }
                    tracing::warn!(target: "lamina::derive", channel = %open, "unclosed channel's frames dropped");
                }
                kept.push_back(f);
            } else if f.channel_id == prev_id
                && !prev_last
                && Some(f.number) == prev_number.checked_add(1)
            {
                kept.push_back(f);
            } else {
                tracing::warn!(target: "lamina::derive", channel = %f.channel_id, number = f.number, "out-of-order frame dropped");
            }
        }
        self.frames = kept;
    }
}

#[cfg(test)]
mod tests {
    use lamina_protocol::frame::encode_batcher_data;

    use super::*;
    use crate::stages::channel::tests::frame;

    fn numbers(q: &mut FrameQueue) -> Vec<(u8, u16)> {
        core::iter::from_fn(|| q.pop()).map(|f| (f.channel_id.0[0], f.number)).collect()
    }

    #[test]
    fn garbage_and_unknown_versions_are_dropped_whole() {
        let mut q = FrameQueue::default();
        let mut data = encode_batcher_data(&[frame(1, 0, b"a", true)]);
        data.push(7); // trailing garbage: the whole tx goes
        q.load(&data, false);
        q.load(&[1, 2, 3], false);
        q.load(&[], false);
        assert!(q.is_empty());
    }

    #[test]
    fn pre_holocene_keeps_every_frame() {
        let mut q = FrameQueue::default();
        q.load(&encode_batcher_data(&[frame(1, 1, b"b", true), frame(1, 0, b"a", false)]), false);
        assert_eq!(numbers(&mut q), [(1, 1), (1, 0)]);
    }

    #[test]
    fn holocene_drops_out_of_order_and_abandoned_frames() {
        let mut q = FrameQueue::default();
        let frames = [
            frame(1, 0, b"a", false),
            frame(1, 2, b"c", false), // gap
            frame(1, 1, b"b", false),
            frame(2, 0, b"x", false), // channel 1 never closed: its frames go
            frame(2, 1, b"y", true),
            frame(2, 2, b"z", false), // after the closing frame
            frame(3, 1, b"q", true),  // other channel, not a first frame
        ];
        q.load(&encode_batcher_data(&frames), true);
        assert_eq!(numbers(&mut q), [(2, 0), (2, 1)]);
    }
}
