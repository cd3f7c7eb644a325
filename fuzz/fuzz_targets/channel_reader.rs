//! Fuzzes channel decompression and batch reading (both zlib and Brotli paths).
#![no_main]

use libfuzzer_sys::fuzz_target;
use lamina_protocol::{
    batch::{Batch, SpanBatch},
    channel::ChannelReader,
};

fuzz_target!(|data: &[u8]| {
    if let Ok(mut r) = ChannelReader::new(data, true, 1 << 20) {
        while let Some(b) = r.next_batch() {
            if let Ok(Batch::Span(raw)) = b {
                let _ = SpanBatch::from_raw(&raw, 0, 2, 10);
            }
        }
    }
});
