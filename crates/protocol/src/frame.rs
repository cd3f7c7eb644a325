//! Frames and batcher transaction data (digest §4.1, §4.2).
//!
//! `frame = channel_id(16) ++ frame_number(be_u16) ++ frame_data_length(be_u32) ++ frame_data ++ is_last(u8)`;
//! batcher tx data is `0x00 ++ frame ++ frame ++ …`. If any frame in a tx is malformed the whole
//! tx is dropped, so [`parse_batcher_data`] is all-or-nothing.

use alloc::{vec, vec::Vec};
use core::fmt;

use alloy_primitives::{Bytes, FixedBytes, hex};

use crate::{
    codec::{Cursor, DecodeError, DecodeErrorKind},
    constants::{DERIVATION_VERSION_0, FRAME_OVERHEAD_BYTES, MAX_FRAME_LEN},
};

/// A channel id: 16 opaque bytes chosen by the batcher.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChannelId(pub FixedBytes<16>);

impl fmt::Debug for ChannelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ChannelId({self})")
    }
}

impl fmt::Display for ChannelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl From<[u8; 16]> for ChannelId {
    fn from(b: [u8; 16]) -> Self {
        Self(FixedBytes(b))
    }
}

/// One frame of a channel.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frame {
    /// The channel this frame belongs to.
    pub channel_id: ChannelId,
    /// Position of the frame in the channel.
    pub number: u16,
    /// A slice of the channel's compressed bytes.
    pub data: Bytes,
    /// Whether this frame closes the channel.
    pub is_last: bool,
}

impl Frame {
    /// Encoded size: data plus the 23 fixed bytes.
    pub fn encoded_len(&self) -> usize {
        FRAME_OVERHEAD_BYTES + self.data.len()
    }

    /// Appends the wire form.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.channel_id.0.as_slice());
        out.extend_from_slice(&self.number.to_be_bytes());
        // Frames are built from at most MAX_FRAME_LEN bytes (ChannelOut enforces it), so the
        // length always fits the u32 field.
        out.extend_from_slice(&(self.data.len() as u32).to_be_bytes());
        out.extend_from_slice(&self.data);
        out.push(u8::from(self.is_last));
    }

    /// The wire form.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
        self.encode_into(&mut out);
        out
    }

    /// Reads one frame from the cursor.
    pub fn decode(c: &mut Cursor<'_>) -> Result<Self, DecodeError> {
        let channel_id = ChannelId::from(c.array::<16>("channel_id")?);
        let number = c.be_u16("frame_number")?;
        let len_at = c.offset();
        let len = c.be_u32("frame_data_length")?;
        if len > MAX_FRAME_LEN {
            return Err(DecodeError::new(
                "frame_data_length",
                len_at,
                DecodeErrorKind::TooLarge { value: len.into(), limit: MAX_FRAME_LEN.into() },
            ));
        }
        let data = Bytes::copy_from_slice(c.take(len as usize, "frame_data")?);
        let last_at = c.offset();
        // op-node rejects anything but 0 or 1 (kona is laxer; we follow op-node, digest §4.2).
        let is_last = match c.u8("is_last")? {
            0 => false,
            1 => true,
            _ => {
                return Err(DecodeError::new(
                    "is_last",
                    last_at,
                    DecodeErrorKind::Invalid("must be 0 or 1"),
                ));
            }
        };
        Ok(Self { channel_id, number, data, is_last })
    }

    /// Parses a concatenation of frames (no version byte) that must end exactly at a frame end.
    pub fn parse_all(data: &[u8]) -> Result<Vec<Self>, DecodeError> {
        let mut c = Cursor::new(data);
        let mut frames = Vec::new();
        while !c.is_empty() {
            frames.push(Self::decode(&mut c)?);
        }
        if frames.is_empty() {
            return Err(c.err("frames", DecodeErrorKind::Invalid("no frames")));
        }
        Ok(frames)
    }
}

/// Parses batcher tx data (`version ++ frames`). Offsets in errors count from the version byte.
pub fn parse_batcher_data(data: &[u8]) -> Result<Vec<Frame>, DecodeError> {
    match data.first() {
        None => Err(DecodeError::new(
            "version",
            0,
            DecodeErrorKind::UnexpectedEof { needed: 1, available: 0 },
        )),
        Some(&DERIVATION_VERSION_0) => Frame::parse_all(&data[1..]).map_err(|e| e.shifted(1)),
        Some(_) => Err(DecodeError::new(
            "version",
            0,
            DecodeErrorKind::Invalid("unknown derivation version (only 0x00 carries frames)"),
        )),
    }
}

/// Encodes frames as batcher tx data (`0x00 ++ frames`).
pub fn encode_batcher_data<'a>(frames: impl IntoIterator<Item = &'a Frame>) -> Vec<u8> {
    let mut out = vec![DERIVATION_VERSION_0];
    for f in frames {
        f.encode_into(&mut out);
    }
    out
}

/// Why [`force_close_tx_data`] could not build a closing tx.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ForceCloseError {
    /// No frames were given.
    #[error("no frames given")]
    NoFrames,
    /// The frames belong to different channels.
    #[error("frame {index} belongs to channel {found}, not {expected}")]
    MixedChannels {
        /// Index of the first mismatching frame.
        index: usize,
        /// The first frame's channel.
        expected: ChannelId,
        /// The mismatching frame's channel.
        found: ChannelId,
    },
}

/// Builds batcher tx data that makes a partially posted channel complete (so derivation can drop
/// it) given the `(frame_number, is_last)` pairs already seen on L1.
///
/// - An open channel (no closing frame seen) gets an empty closing frame 0: the channel bank keeps
///   only frames up to a close, so the channel becomes ready, reads as empty and is discarded.
/// - A closed channel gets empty non-closing frames for every missing number below the first
///   closing frame; nothing else when it is already complete.
pub fn force_close_tx_data(
    channel_id: ChannelId,
    seen: &[(u16, bool)],
) -> Result<Vec<u8>, ForceCloseError> {
    if seen.is_empty() {
        return Err(ForceCloseError::NoFrames);
    }
    let close_at = seen.iter().find(|(_, last)| *last).map(|(n, _)| *n);
    let empty = |number, is_last| Frame { channel_id, number, data: Bytes::new(), is_last };
    let frames: Vec<Frame> = match close_at {
        None => vec![empty(0, true)],
        Some(close) => (0..=close)
            .filter(|n| !seen.iter().any(|(s, _)| s == n))
            .map(|n| empty(n, false))
            .collect(),
    };
    Ok(encode_batcher_data(&frames))
}

/// [`force_close_tx_data`] over full frames, checking they share one channel.
pub fn force_close_frames(frames: &[Frame]) -> Result<Vec<u8>, ForceCloseError> {
    let first = frames.first().ok_or(ForceCloseError::NoFrames)?;
    if let Some((index, f)) =
        frames.iter().enumerate().find(|(_, f)| f.channel_id != first.channel_id)
    {
        return Err(ForceCloseError::MixedChannels {
            index,
            expected: first.channel_id,
            found: f.channel_id,
        });
    }
    let seen: Vec<(u16, bool)> = frames.iter().map(|f| (f.number, f.is_last)).collect();
    force_close_tx_data(first.channel_id, &seen)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(n: u16, data: &[u8], last: bool) -> Frame {
        Frame {
            channel_id: ChannelId::from([0xab; 16]),
            number: n,
            data: Bytes::copy_from_slice(data),
            is_last: last,
        }
    }

    #[test]
    fn several_frames_round_trip_through_batcher_data() {
        let frames = vec![frame(0, b"abc", false), frame(1, b"", true)];
        let data = encode_batcher_data(&frames);
        assert_eq!(parse_batcher_data(&data).unwrap(), frames);
    }

    #[test]
    fn malformed_frames_say_where() {
        let mut data = encode_batcher_data(&[frame(0, b"abc", true)]);
        *data.last_mut().unwrap() = 2;
        let err = parse_batcher_data(&data).unwrap_err();
        assert_eq!((err.field, err.offset), ("is_last", 1 + 16 + 2 + 4 + 3));
        data.pop();
        assert_eq!(parse_batcher_data(&data).unwrap_err().field, "is_last");
        assert_eq!(parse_batcher_data(&[1, 2]).unwrap_err().field, "version");
        assert_eq!(parse_batcher_data(&[0]).unwrap_err().field, "frames");
        let mut huge = encode_batcher_data(&[frame(0, b"", true)]);
        huge[19..23].copy_from_slice(&1_000_001u32.to_be_bytes());
        assert_eq!(parse_batcher_data(&huge).unwrap_err().field, "frame_data_length");
    }

    #[test]
    fn force_close_rejects_mixed_channels() {
        let mut other = frame(1, b"", false);
        other.channel_id = ChannelId::from([1; 16]);
        assert!(matches!(
            force_close_frames(&[frame(0, b"", false), other]),
            Err(ForceCloseError::MixedChannels { index: 1, .. })
        ));
        assert_eq!(force_close_frames(&[]), Err(ForceCloseError::NoFrames));
    }
}
