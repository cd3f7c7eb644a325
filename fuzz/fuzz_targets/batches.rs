//! Fuzzes batch decoding. A decoded span batch must survive encode → decode unchanged (not
//! byte-identical to the input: like Go's `binary.Uvarint`, which op-node uses, the decoder
//! accepts non-minimal varints, and re-encoding writes them minimally).
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
        assert_eq!(RawSpanBatch::decode_exact(&raw.encode()).as_ref(), Ok(&raw));
        if let Ok(span) = SpanBatch::from_raw(&raw, 0, 2, 10) {
            let _ = span.to_raw(0, 2, 10);
        }
    }
});
