//! Byte-level reading helpers shared by every decoder in this crate.
//!
//! Decoders walk their input with a [`Cursor`], which remembers the offset so that every failure
//! can say *which field at which byte* was wrong ([`DecodeError`]). Nothing here allocates on the
//! error path or panics on short input: every read is bounds-checked.

use alloc::vec::Vec;
use core::fmt;

/// Why a field failed to decode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeErrorKind {
    /// The input ended before the field did.
    #[error("unexpected end of input: needed {needed} bytes, {available} available")]
    UnexpectedEof {
        /// Bytes the field needs.
        needed: usize,
        /// Bytes left in the input.
        available: usize,
    },
    /// An unsigned varint ran past 64 bits or 10 bytes.
    #[error("varint overflows u64")]
    VarintOverflow,
    /// A count or length is larger than the protocol allows.
    #[error("value {value} exceeds the limit {limit}")]
    TooLarge {
        /// The value found.
        value: u64,
        /// The largest value allowed.
        limit: u64,
    },
    /// The value is of the right size but not one the protocol allows.
    #[error("invalid value: {0}")]
    Invalid(&'static str),
    /// Bytes were left over where the format requires the input to end.
    #[error("{0} trailing bytes")]
    TrailingBytes(usize),
    /// An RLP item inside the field is malformed.
    #[error("rlp: {0}")]
    Rlp(alloy_rlp::Error),
}

/// A decode failure: the field, the byte offset into the decoder's input where it starts, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} at byte {offset}: {kind}")]
pub struct DecodeError {
    /// The name of the field being read, as in the spec (`frame_data_length`, `tx_sigs`, …).
    pub field: &'static str,
    /// Offset of the field from the start of the decoder's input.
    pub offset: usize,
    /// What was wrong with it.
    pub kind: DecodeErrorKind,
}

impl DecodeError {
    /// Builds an error for `field` at `offset`.
    pub const fn new(field: &'static str, offset: usize, kind: DecodeErrorKind) -> Self {
        Self { field, offset, kind }
    }

    /// The same error, moved by `base` bytes: used when a decoder runs on a slice of a larger
    /// input and the caller wants offsets relative to the whole.
    pub const fn shifted(mut self, base: usize) -> Self {
        self.offset += base;
        self
    }
}

/// A bounds-checked reader over a byte slice that tracks its offset.
#[derive(Clone)]
pub struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl fmt::Debug for Cursor<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cursor").field("len", &self.buf.len()).field("pos", &self.pos).finish()
    }
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `buf`.
    pub const fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    /// Current offset from the start.
    pub const fn offset(&self) -> usize {
        self.pos
    }

    /// Bytes not yet read.
    pub const fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// True once every byte has been read.
    pub const fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// The unread rest of the input, without consuming it.
    pub fn rest(&self) -> &'a [u8] {
        &self.buf[self.pos..]
    }

    /// An error for `field` at the current offset.
    pub const fn err(&self, field: &'static str, kind: DecodeErrorKind) -> DecodeError {
        DecodeError::new(field, self.pos, kind)
    }

    /// Reads exactly `n` bytes.
    pub fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], DecodeError> {
        if self.remaining() < n {
            return Err(self.err(
                field,
                DecodeErrorKind::UnexpectedEof { needed: n, available: self.remaining() },
            ));
        }
        let out = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    /// Reads a fixed-size array.
    pub fn array<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], DecodeError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, field)?);
        Ok(out)
    }

    /// Reads one byte.
    pub fn u8(&mut self, field: &'static str) -> Result<u8, DecodeError> {
        Ok(self.array::<1>(field)?[0])
    }

    /// Reads a big-endian u16.
    pub fn be_u16(&mut self, field: &'static str) -> Result<u16, DecodeError> {
        Ok(u16::from_be_bytes(self.array(field)?))
    }

    /// Reads a big-endian u32.
    pub fn be_u32(&mut self, field: &'static str) -> Result<u32, DecodeError> {
        Ok(u32::from_be_bytes(self.array(field)?))
    }

    /// Reads a big-endian u64.
    pub fn be_u64(&mut self, field: &'static str) -> Result<u64, DecodeError> {
        Ok(u64::from_be_bytes(self.array(field)?))
    }

    /// Reads an unsigned LEB128 varint (Go's `binary.Uvarint`): 7 bits per byte, least
    /// significant group first, high bit set on every byte but the last.
    pub fn uvarint(&mut self, field: &'static str) -> Result<u64, DecodeError> {
        let start = self.pos;
        let mut value: u64 = 0;
        for i in 0..10 {
            let byte = self.u8(field).map_err(|e| DecodeError { offset: start, ..e })?;
            let low = u64::from(byte & 0x7f);
            // The tenth byte may only contribute the single top bit of a u64.
            if i == 9 && byte > 1 {
                return Err(DecodeError::new(field, start, DecodeErrorKind::VarintOverflow));
            }
            value |= low << (7 * i);
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(DecodeError::new(field, start, DecodeErrorKind::VarintOverflow))
    }

    /// Reads a uvarint and checks it against `limit`.
    pub fn uvarint_max(&mut self, field: &'static str, limit: u64) -> Result<u64, DecodeError> {
        let start = self.pos;
        let value = self.uvarint(field)?;
        if value > limit {
            return Err(DecodeError::new(field, start, DecodeErrorKind::TooLarge { value, limit }));
        }
        Ok(value)
    }

    /// Reads one complete RLP item (header and payload) and returns its bytes.
    pub fn rlp_item(&mut self, field: &'static str) -> Result<&'a [u8], DecodeError> {
        let mut probe = self.rest();
        let header = alloy_rlp::Header::decode(&mut probe)
            .map_err(|e| self.err(field, DecodeErrorKind::Rlp(e)))?;
        let header_len = self.remaining() - probe.len();
        let total = header_len
            .checked_add(header.payload_length)
            .ok_or_else(|| self.err(field, DecodeErrorKind::Invalid("rlp length overflows")))?;
        self.take(total, field)
    }
}

/// Appends `value` as an unsigned LEB128 varint.
pub fn put_uvarint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uvarint_round_trips_edges() {
        for v in [0u64, 1, 127, 128, 300, u32::MAX as u64, u64::MAX - 1, u64::MAX] {
            let mut buf = Vec::new();
            put_uvarint(&mut buf, v);
            let mut c = Cursor::new(&buf);
            assert_eq!(c.uvarint("v").unwrap(), v);
            assert!(c.is_empty());
        }
    }

    #[test]
    fn uvarint_rejects_overflow_and_truncation() {
        let eleven = [0xffu8; 11];
        assert_eq!(
            Cursor::new(&eleven).uvarint("v").unwrap_err().kind,
            DecodeErrorKind::VarintOverflow
        );
        let tenth_too_big = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02];
        assert_eq!(
            Cursor::new(&tenth_too_big).uvarint("v").unwrap_err().kind,
            DecodeErrorKind::VarintOverflow
        );
        let err = Cursor::new(&[0x80]).uvarint("count").unwrap_err();
        assert_eq!((err.field, err.offset), ("count", 0));
    }

    #[test]
    fn uvarint_accepts_non_minimal_encodings_like_go() {
        // Go's binary.Uvarint (op-node) accepts trailing zero groups; so must we, or the two
        // would disagree on which span batches are valid.
        assert_eq!(Cursor::new(&[0xc8, 0x83, 0x00]).uvarint("v").unwrap(), 0x48 | (3 << 7));
        assert_eq!(Cursor::new(&[0x80, 0x80, 0x00]).uvarint("v").unwrap(), 0);
    }

    #[test]
    fn take_reports_field_and_offset() {
        let mut c = Cursor::new(&[1, 2, 3]);
        c.take(2, "a").unwrap();
        let err = c.take(4, "b").unwrap_err();
        assert_eq!(
            err.to_string(),
            "b at byte 2: unexpected end of input: needed 4 bytes, 1 available"
        );
    }
}
