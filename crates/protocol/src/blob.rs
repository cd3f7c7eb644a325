//! The OP blob encoding, version 0 (digest §5): up to 130 044 bytes packed into the 4096 field
//! elements of an EIP-4844 blob, using the 6 spare bits of each element's first byte.
//!
//! Per round, 127 input bytes become 4 field elements: each element keeps 31 bytes in place and
//! one of four 6-bit pieces of three "spill" bytes in its first byte.

use crate::{
    codec::{DecodeError, DecodeErrorKind},
    constants::{BLOB_ENCODING_VERSION, BYTES_PER_BLOB, MAX_BLOB_DATA_SIZE},
};
use alloc::{boxed::Box, vec, vec::Vec};

const ROUNDS: usize = 1024;

/// Why data could not be put in a blob.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("blob data is {0} bytes, more than {MAX_BLOB_DATA_SIZE}")]
pub struct BlobTooLarge(pub usize);

/// Encodes `data` into a 131 072-byte blob.
pub fn encode_blob(data: &[u8]) -> Result<Box<[u8; BYTES_PER_BLOB]>, BlobTooLarge> {
    if data.len() > MAX_BLOB_DATA_SIZE {
        return Err(BlobTooLarge(data.len()));
    }
    // The logical input stream: version, u24 length, data, zero padding to 1024 × 127 bytes.
    let mut input = vec![0u8; ROUNDS * 127];
    input[0] = BLOB_ENCODING_VERSION;
    input[1..4].copy_from_slice(&(data.len() as u32).to_be_bytes()[1..]);
    input[4..4 + data.len()].copy_from_slice(data);
    let mut blob = Box::new([0u8; BYTES_PER_BLOB]);
    for round in 0..ROUNDS {
        let i = &input[round * 127..(round + 1) * 127];
        let o = &mut blob[round * 128..(round + 1) * 128];
        let (x, y, z) = (i[31], i[63], i[95]);
        o[0] = x & 0x3f;
        o[1..32].copy_from_slice(&i[0..31]);
        o[32] = (y & 0x0f) | ((x & 0xc0) >> 2);
        o[33..64].copy_from_slice(&i[32..63]);
        o[64] = z & 0x3f;
        o[65..96].copy_from_slice(&i[64..95]);
        o[96] = ((z & 0xc0) >> 2) | ((y & 0xf0) >> 4);
        o[97..128].copy_from_slice(&i[96..127]);
    }
    Ok(blob)
}

/// Decodes a blob, rejecting every non-canonical encoding (digest §5): wrong version, length
/// over the maximum, a field element with a top bit set, or non-zero bytes past the data.
pub fn decode_blob(blob: &[u8]) -> Result<Vec<u8>, DecodeError> {
    if blob.len() != BYTES_PER_BLOB {
        return Err(DecodeError::new(
            "blob",
            0,
            DecodeErrorKind::Invalid("a blob is exactly 131072 bytes"),
        ));
    }
    if blob[1] != BLOB_ENCODING_VERSION {
        return Err(DecodeError::new(
            "version",
            1,
            DecodeErrorKind::Invalid("unknown blob encoding version"),
        ));
    }
    let len = u32::from_be_bytes([0, blob[2], blob[3], blob[4]]) as usize;
    if len > MAX_BLOB_DATA_SIZE {
        return Err(DecodeError::new(
            "length",
            2,
            DecodeErrorKind::TooLarge { value: len as u64, limit: MAX_BLOB_DATA_SIZE as u64 },
        ));
    }
    for (fe, chunk) in blob.chunks_exact(32).enumerate() {
        if chunk[0] & 0xc0 != 0 {
            return Err(DecodeError::new(
                "field_element",
                fe * 32,
                DecodeErrorKind::Invalid("top bits of a field element must be zero"),
            ));
        }
    }
    let mut out = vec![0u8; ROUNDS * 127];
    for round in 0..ROUNDS {
        let b = &blob[round * 128..(round + 1) * 128];
        let o = &mut out[round * 127..(round + 1) * 127];
        let (a, bb, c, d) = (b[0], b[32], b[64], b[96]);
        o[0..31].copy_from_slice(&b[1..32]);
        o[31] = (a & 0x3f) | ((bb & 0x30) << 2);
        o[32..63].copy_from_slice(&b[33..64]);
        o[63] = (bb & 0x0f) | ((d & 0x0f) << 4);
        o[64..95].copy_from_slice(&b[65..96]);
        o[95] = (c & 0x3f) | ((d & 0x30) << 2);
        o[96..127].copy_from_slice(&b[97..128]);
    }
    // Everything after the data must be zero. Checking the decoded stream covers the blob's tail
    // too, because the encoding is a bijection.
    if let Some(pos) = out[4 + len..].iter().position(|b| *b != 0) {
        let stream_pos = 4 + len + pos;
        return Err(DecodeError::new(
            "padding",
            stream_pos / 127 * 128,
            DecodeErrorKind::Invalid("non-zero byte after the data"),
        ));
    }
    out.truncate(4 + len);
    out.drain(..4);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_size_round_trips_and_one_more_is_rejected() {
        let data: Vec<u8> = (0..MAX_BLOB_DATA_SIZE).map(|i| (i * 7 + 3) as u8).collect();
        let blob = encode_blob(&data).unwrap();
        assert_eq!(decode_blob(&blob[..]).unwrap(), data);
        assert_eq!(encode_blob(&vec![0; MAX_BLOB_DATA_SIZE + 1]), Err(BlobTooLarge(130_045)));
    }

    #[test]
    fn all_zero_blob_is_empty_data() {
        assert!(decode_blob(&[0u8; BYTES_PER_BLOB]).unwrap().is_empty());
    }

    #[test]
    fn rejects_dirty_tail_and_bad_length() {
        let mut blob = encode_blob(b"hello").unwrap();
        blob[BYTES_PER_BLOB - 1] = 1;
        assert_eq!(decode_blob(&blob[..]).unwrap_err().field, "padding");
        let mut blob = encode_blob(b"hello").unwrap();
        blob[2] = 0xff;
        assert_eq!(decode_blob(&blob[..]).unwrap_err().field, "length");
        assert_eq!(decode_blob(&[0u8; 10]).unwrap_err().field, "blob");
    }
}
