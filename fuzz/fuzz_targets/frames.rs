//! Fuzzes batcher-tx data parsing; whatever parses must re-encode to the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lamina_protocol::frame::{encode_batcher_data, parse_batcher_data};

fuzz_target!(|data: &[u8]| {
    if let Ok(frames) = parse_batcher_data(data) {
        assert_eq!(encode_batcher_data(&frames), data);
    }
});
