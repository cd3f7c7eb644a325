//! The oracle's wire format between a guest and its host (fault-proofs design §2.1): a hint is
//! a `u32` big-endian length and the hint string, acknowledged with one byte; a preimage
//! request is the 32-byte key, answered with a `u64` big-endian length and the bytes. These
//! are the frame codecs; the file descriptors that carry them belong to the guest and the
//! host.

use super::PreimageKey;
use alloc::{borrow::ToOwned, string::String, vec::Vec};

/// Why a frame does not decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// More bytes are needed (the frame is cut short).
    #[error("frame cut short: {need} bytes needed, {have} present")]
    Short {
        /// Bytes the frame needs.
        need: usize,
        /// Bytes there are.
        have: usize,
    },
    /// The length prefix is over the limit the reader set.
    #[error("frame of {len} bytes is over the limit of {limit}")]
    TooLong {
        /// The announced length.
        len: u64,
        /// The limit.
        limit: usize,
    },
    /// A hint that is not UTF-8.
    #[error("hint is not UTF-8")]
    NotUtf8,
}

/// A hint frame.
pub fn encode_hint(hint: &str) -> Vec<u8> {
    let len = u32::try_from(hint.len()).unwrap_or(u32::MAX);
    let mut out = Vec::with_capacity(4 + hint.len());
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&hint.as_bytes()[..len as usize]);
    out
}

/// The hint at the start of `buf` and the bytes it took; hints over `limit` bytes are refused
/// before anything is allocated.
pub fn decode_hint(buf: &[u8], limit: usize) -> Result<(String, usize), FrameError> {
    let (len, body) = prefixed::<4>(buf, limit)?;
    let text = core::str::from_utf8(body).map_err(|_| FrameError::NotUtf8)?;
    Ok((text.to_owned(), 4 + len))
}

/// A preimage answer frame.
pub fn encode_preimage(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + data.len());
    out.extend_from_slice(&(data.len() as u64).to_be_bytes());
    out.extend_from_slice(data);
    out
}

/// The preimage at the start of `buf` and the bytes it took; preimages over `limit` bytes are
/// refused before anything is allocated.
pub fn decode_preimage(buf: &[u8], limit: usize) -> Result<(Vec<u8>, usize), FrameError> {
    let (len, body) = prefixed::<8>(buf, limit)?;
    Ok((body.to_vec(), 8 + len))
}

/// A request frame: the key.
pub const fn encode_request(key: &PreimageKey) -> [u8; 32] {
    key.0.0
}

/// The key of a request frame.
pub fn decode_request(buf: &[u8]) -> Result<PreimageKey, FrameError> {
    let key = buf.get(..32).ok_or(FrameError::Short { need: 32, have: buf.len() })?;
    Ok(PreimageKey(alloy_primitives::B256::from_slice(key)))
}

/// A big-endian length of `N` bytes and the body it announces.
fn prefixed<const N: usize>(buf: &[u8], limit: usize) -> Result<(usize, &[u8]), FrameError> {
    let prefix = buf.get(..N).ok_or(FrameError::Short { need: N, have: buf.len() })?;
    let mut word = [0u8; 8];
    word[8 - N..].copy_from_slice(prefix);
    let len = u64::from_be_bytes(word);
    let body_len = usize::try_from(len)
        .ok()
        .filter(|l| *l <= limit)
        .ok_or(FrameError::TooLong { len, limit })?;
    let body = buf
        .get(N..N + body_len)
        .ok_or(FrameError::Short { need: N + body_len, have: buf.len() })?;
    Ok((body_len, body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn hints_round_trip(s in ".{0,200}", tail in proptest::collection::vec(any::<u8>(), 0..8)) {
            let mut frame = encode_hint(&s);
            let used = frame.len();
            frame.extend(tail);
            prop_assert_eq!(decode_hint(&frame, 1 << 16), Ok((s, used)));
        }

        #[test]
        fn preimages_round_trip(data in proptest::collection::vec(any::<u8>(), 0..300)) {
            let frame = encode_preimage(&data);
            prop_assert_eq!(decode_preimage(&frame, 1 << 20), Ok((data, frame.len())));
        }

        #[test]
        fn any_bytes_decode_or_err(buf in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = decode_hint(&buf, 1 << 16);
            let _ = decode_preimage(&buf, 1 << 16);
            let _ = decode_request(&buf);
        }

        #[test]
        fn requests_round_trip(key in any::<[u8; 32]>()) {
            let key = PreimageKey(key.into());
            prop_assert_eq!(decode_request(&encode_request(&key)), Ok(key));
        }
    }

    #[test]
    fn cut_and_oversized_frames_are_refused() {
        let frame = encode_preimage(&[1, 2, 3]);
        assert_eq!(decode_preimage(&frame[..9], 100), Err(FrameError::Short { need: 11, have: 9 }));
        assert_eq!(decode_preimage(&frame, 2), Err(FrameError::TooLong { len: 3, limit: 2 }));
        let huge = u64::MAX.to_be_bytes();
        assert_eq!(
            decode_preimage(&huge, 1 << 30),
            Err(FrameError::TooLong { len: u64::MAX, limit: 1 << 30 })
        );
        assert_eq!(decode_hint(&[0, 0, 0, 1, 0xff], 10), Err(FrameError::NotUtf8));
    }
}
