//! Frame vectors (op-node's ForceCloseTxData) and the generated singular batch encodings.

use alloy_primitives::FixedBytes;
use lamina_protocol::{
    batch::Batch,
    frame::{ChannelId, force_close_tx_data, parse_batcher_data},
};

use crate::vectors::{json, unhex};

#[test]
fn force_close_tx_data_matches_op_node() {
    let dir = crate::vectors::dir();
    let v = json(&dir, "extracted/frames_channels_batches.json");
    let fc = &v["force_close_tx_data"];
    let id = ChannelId(FixedBytes::from_slice(&unhex(&fc["channel_id"])));
    let cases = fc["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 8);
    for case in cases {
        let seen: Vec<(u16, bool)> = case["seen_frames"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p[0].as_u64().unwrap() as u16, p[1].as_bool().unwrap()))
            .collect();
        let out = force_close_tx_data(id, &seen);
        if case["output"].is_null() {
            assert!(out.is_err(), "{seen:?} must be rejected");
            continue;
        }
        let expected = unhex(&case["output"]);
        assert_eq!(out.unwrap(), expected, "{seen:?}");
        // Every non-trivial output is itself valid batcher data of empty frames.
        if expected.len() > 1 {
            let frames = parse_batcher_data(&expected).unwrap();
            assert!(frames.iter().all(|f| f.channel_id == id && f.data.is_empty()));
        }
    }
}

#[test]
fn generated_singular_batches_round_trip() {
    let dir = crate::vectors::dir();
    let v = json(&dir, "generated/singular_batches.json");
    for case in v["cases"].as_array().unwrap() {
        let bytes = unhex(&case["batch_bytes (type ++ rlp)"]);
        let batch = Batch::decode(&bytes).unwrap();
        assert!(matches!(batch, Batch::Single(_)));
        assert_eq!(batch.encode(), bytes, "{}", case["name"]);
        assert_eq!(
            batch.encode_channel_item(),
            unhex(&case["channel_item (rlp string of batch_bytes)"])
        );
    }
}

#[test]
fn experimental_v2_span_batch_is_an_unknown_batch_type() {
    // Batch type 0x02 exists only in optimism develop, not in the specs through Isthmus: it must
    // be rejected as an unknown type at byte 0 (and a v1 decoder must not misread it).
    let dir = crate::vectors::dir();
    let text = std::fs::read_to_string(dir.join("optimism/raw_batch_v2.hex")).unwrap();
    let bytes = alloy_primitives::hex::decode(text.trim()).unwrap();
    assert_eq!(bytes[0], 2);
    let err = Batch::decode(&bytes).unwrap_err();
    assert_eq!((err.field, err.offset), ("batch_type", 0));
}
