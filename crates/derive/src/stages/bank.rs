//! The pre-Holocene channel bank (digest §4.3): channels in the order first seen, frames in any
//! order, timeouts, a size cap that evicts the oldest channels, and Canyon's rule that any ready
//! channel (not only the first) may be read.

use alloc::collections::{BTreeMap, VecDeque};
use alloc::vec::Vec;

use lamina_protocol::{
    block::L1BlockInfo,
    frame::{ChannelId, Frame},
};

use super::channel::Channel;

/// What [`ChannelBank::read`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum BankRead {
    /// A complete channel's data.
    Channel(Vec<u8>),
    /// A timed-out channel was removed; read again.
    Pruned,
    /// Nothing is ready: more frames are needed.
    Empty,
}

/// Channels being assembled, oldest first.
#[derive(Debug, Default)]
pub struct ChannelBank {
    channels: BTreeMap<ChannelId, Channel>,
    queue: VecDeque<ChannelId>,
}

impl ChannelBank {
    /// Forgets every channel (reset, or the Holocene boundary).
    pub fn clear(&mut self) {
        self.channels.clear();
        self.queue.clear();
    }

    /// Channels held.
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// Whether no channel is held.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// The bank's size: Σ per channel of frame bytes + 200 per frame.
    pub fn total_size(&self) -> u64 {
        self.channels.values().map(Channel::size).sum()
    }

    /// Adds a frame seen in L1 block `origin`. Frames of timed-out channels and frames their
    /// channel refuses are dropped; then the oldest channels go while the bank exceeds
    /// `max_size`.
    pub fn ingest(&mut self, frame: Frame, origin: &L1BlockInfo, timeout: u64, max_size: u64) {
        let id = frame.channel_id;
        let channel = self.channels.entry(id).or_insert_with(|| {
            self.queue.push_back(id);
            Channel::new(id, *origin)
        });
        if channel.timed_out(origin.number, timeout) {
            tracing::warn!(target: "lamina::derive", channel = %id, "frame of a timed-out channel dropped");
            return;
        }
        let number = frame.number;
        if let Err(e) = channel.add(frame) {
            tracing::warn!(target: "lamina::derive", channel = %id, number, %e, "frame dropped");
            return;
        }
        let mut size = self.total_size();
        while size > max_size {
            let Some(old) = self.queue.pop_front() else { break };
            if let Some(ch) = self.channels.remove(&old) {
                size -= ch.size();
                tracing::warn!(target: "lamina::derive", channel = %old, "channel bank full: oldest channel evicted");
            }
        }
    }

    /// Reads a channel at L1 block `current`: a timed-out first channel is removed first; then
    /// the first channel if it is ready, or from Canyon on the first ready channel in the queue.
    pub fn read(&mut self, current: u64, timeout: u64, canyon: bool) -> BankRead {
        let Some(first) = self.queue.front().copied() else { return BankRead::Empty };
        if self.channels.get(&first).is_none_or(|ch| ch.timed_out(current, timeout)) {
            self.queue.pop_front();
            self.channels.remove(&first);
            tracing::warn!(target: "lamina::derive", channel = %first, "channel timed out");
            return BankRead::Pruned;
        }
        let candidates = if canyon { self.queue.len() } else { 1 };
        for i in 0..candidates {
            let id = self.queue[i];
            let Some(ch) = self.channels.get(&id) else { continue };
            if ch.is_ready() && !ch.timed_out(current, timeout) {
                let data = ch.data();
                self.channels.remove(&id);
                self.queue.remove(i);
                return BankRead::Channel(data);
            }
        }
        BankRead::Empty
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
    fn pre_canyon_reads_only_the_first_channel() {
        let mut bank = ChannelBank::default();
        bank.ingest(frame(1, 0, b"one", false), &at(1), 10, u64::MAX);
        bank.ingest(frame(2, 0, b"two", true), &at(1), 10, u64::MAX);
        assert_eq!(bank.read(1, 10, false), BankRead::Empty);
        assert_eq!(bank.read(1, 10, true), BankRead::Channel(b"two".to_vec()));
        bank.ingest(frame(1, 1, b"!", true), &at(2), 10, u64::MAX);
        assert_eq!(bank.read(2, 10, false), BankRead::Channel(b"one!".to_vec()));
        assert!(bank.is_empty());
    }

    #[test]
    fn channel_timeout_prunes_and_drops_late_frames() {
        let mut bank = ChannelBank::default();
        bank.ingest(frame(1, 0, b"a", false), &at(1), 2, u64::MAX);
        // Block 4 > 1 + 2: the closing frame is too late.
        bank.ingest(frame(1, 1, b"b", true), &at(4), 2, u64::MAX);
        assert_eq!(bank.read(4, 2, true), BankRead::Pruned);
        assert_eq!(bank.read(4, 2, true), BankRead::Empty);
        assert!(bank.is_empty());
    }

    #[test]
    fn oversize_bank_evicts_the_oldest_channel() {
        let mut bank = ChannelBank::default();
        bank.ingest(frame(1, 0, &[0; 100], true), &at(1), 10, 700);
        bank.ingest(frame(2, 0, &[0; 100], false), &at(1), 10, 700);
        assert_eq!(bank.len(), 2);
        bank.ingest(frame(3, 0, &[0; 300], false), &at(1), 10, 700);
        assert_eq!(bank.len(), 1, "both older channels had to go");
        assert_eq!(bank.total_size(), 500);
        assert_eq!(bank.read(1, 10, true), BankRead::Empty);
    }
}
