//! Fuzzes blob decoding: inputs are spread over a full blob (a raw fuzz input is rarely
//! 131 072 bytes), and anything that decodes must re-encode to the same blob.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lamina_protocol::{
    blob::{decode_blob, encode_blob},
    constants::BYTES_PER_BLOB,
};

fuzz_target!(|data: &[u8]| {
    let _ = decode_blob(data);
    let mut blob = vec![0u8; BYTES_PER_BLOB];
    // Place the input at the start and again at the end so both the header and the tail
    // checks are exercised.
    let n = data.len().min(BYTES_PER_BLOB / 2);
    blob[..n].copy_from_slice(&data[..n]);
    blob[BYTES_PER_BLOB - n..].copy_from_slice(&data[..n]);
    if let Ok(decoded) = decode_blob(&blob) {
        assert_eq!(encode_blob(&decoded).expect("decoded data fits").as_slice(), blob.as_slice());
    }
});
