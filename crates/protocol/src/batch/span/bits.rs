//! Span-batch bitlists: bit *i* is the `2^i` bit of a big-endian integer left-padded to
//! `ceil(n/8)` bytes, so element 0 is the least significant bit of the *last* byte (digest §4.7).

use crate::codec::{Cursor, DecodeError, DecodeErrorKind};
use alloc::vec::Vec;

/// Appends `bits` in bitlist form.
pub fn encode_bits(bits: &[bool], out: &mut Vec<u8>) {
    let len = bits.len().div_ceil(8);
    let start = out.len();
    out.resize(start + len, 0);
    for (i, bit) in bits.iter().enumerate() {
        if *bit {
            out[start + len - 1 - i / 8] |= 1 << (i % 8);
        }
    }
}

/// Reads a bitlist of `n` elements, rejecting bits set at or above `n`.
pub fn decode_bits(
    c: &mut Cursor<'_>,
    n: usize,
    field: &'static str,
) -> Result<Vec<bool>, DecodeError> {
    let at = c.offset();
    let len = n.div_ceil(8);
    let bytes = c.take(len, field)?;
    // Bits above n live in the first byte only (it holds the highest elements).
    if !n.is_multiple_of(8) && len > 0 && bytes[0] >> (n % 8) != 0 {
        return Err(DecodeError::new(
            field,
            at,
            DecodeErrorKind::Invalid("bit set beyond the list"),
        ));
    }
    Ok((0..n).map(|i| bytes[len - 1 - i / 8] & (1 << (i % 8)) != 0).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn element_zero_is_lsb_of_last_byte() {
        let mut out = Vec::new();
        let mut bits = vec![false; 10];
        bits[0] = true;
        bits[9] = true;
        encode_bits(&bits, &mut out);
        assert_eq!(out, vec![0b10, 0b1]);
        assert_eq!(decode_bits(&mut Cursor::new(&out), 10, "b").unwrap(), bits);
    }

    #[test]
    fn rejects_bits_beyond_n() {
        let err = decode_bits(&mut Cursor::new(&[0b100, 0]), 10, "origin_bits").unwrap_err();
        assert_eq!(err.field, "origin_bits");
        assert!(decode_bits(&mut Cursor::new(&[]), 0, "b").unwrap().is_empty());
    }
}
