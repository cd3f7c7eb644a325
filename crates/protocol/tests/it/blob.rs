//! Blob encoding vectors (generated; no upstream golden blobs exist) and the blob of the real
//! OP Mainnet frame.

use alloy_consensus::{Transaction, TxEnvelope};
use alloy_eips::eip2718::Decodable2718;
use lamina_protocol::blob::{decode_blob, encode_blob};
use sha2::{Digest, Sha256};

use crate::vectors::{json, unhex};

#[test]
fn generated_blob_cases_match_and_round_trip() {
    let dir = crate::vectors::dir();
    let v = json(&dir, "generated/blob_encoding.json");
    for c in v["cases"].as_array().unwrap() {
        let input = unhex(&c["input"]);
        let blob = encode_blob(&input).unwrap();
        let prefix = unhex(&c["blob_nonzero_prefix"]);
        assert_eq!(&blob[..prefix.len()], prefix.as_slice());
        assert!(blob[prefix.len()..].iter().all(|b| *b == 0) || prefix.is_empty());
        assert_eq!(
            alloy_primitives::hex::encode(Sha256::digest(&blob[..])),
            c["blob_sha256"].as_str().unwrap()
        );
        assert_eq!(decode_blob(&blob[..]).unwrap(), input);
    }
    for m in v["invalid_mutations"].as_array().unwrap() {
        let mut blob = encode_blob(&unhex(&m["base_input"])).unwrap();
        blob[m["mutate_byte_index"].as_u64().unwrap() as usize] =
            m["new_value"].as_u64().unwrap() as u8;
        assert!(decode_blob(&blob[..]).is_err(), "{}", m["expect"]);
    }
}

#[test]
fn op_mainnet_frame_blob_matches_the_calldata() {
    let dir = crate::vectors::dir();
    let blob = std::fs::read(dir.join("generated/blob_of_op_mainnet_frame.bin")).unwrap();
    let raw = std::fs::read(dir.join("kona/raw_batcher_tx.bin")).unwrap();
    let calldata = TxEnvelope::decode_2718_exact(&raw).unwrap().input().to_vec();
    assert_eq!(decode_blob(&blob).unwrap(), calldata);
    assert_eq!(encode_blob(&calldata).unwrap()[..], blob[..]);
}
