//! Differential fuzzing of channel decompression: the no_std path (`channel::inflate`) must give
//! exactly what the std path gives — bytes and stop reason — on any input and any limit.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lamina_protocol::channel::{compression::decompress, inflate::decompress_core};

fuzz_target!(|input: (u16, bool, &[u8])| {
    let (limit, brotli, data) = input;
    for limit in [u64::from(limit), u64::MAX] {
        assert_eq!(decompress_core(data, brotli, limit), decompress(data, brotli, limit));
    }
});
