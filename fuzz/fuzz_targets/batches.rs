//! Fuzzes batch decoding; a decoded span batch must re-encode to the bytes it consumed, and its
//! meaning must survive a round trip.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lamina_protocol::{
    batch::{Batch, RawSpanBatch, SpanBatch},
    codec::Cursor,
};

fuzz_target!(|data: &[u8]| {
    if let Ok(b) = Batch::decode(data) {
        let _ = b.encode();
    }
    let mut c = Cursor::new(data);
    if let Ok(raw) = RawSpanBatch::decode(&mut c) {
        let consumed = c.offset();
        assert_eq!(raw.encode(), &data[..consumed]);
        if let Ok(span) = SpanBatch::from_raw(&raw, 0, 2, 10) {
            let _ = span.to_raw(0, 2, 10);
        }
    }
});
