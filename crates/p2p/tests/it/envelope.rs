//! The block envelope against OP's vectors (`engine_p2p.json`, from op-alloy's tests): every
//! version decodes to the recorded signature and payload hash and re-encodes to the same
//! bytes; the signing hash matches; a signed envelope recovers its signer; hostile messages
//! (snappy bombs, short, truncated, wrong version, recovery bytes 27/28) are typed errors.

use std::path::PathBuf;

use alloy_primitives::{B256, keccak256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use lamina_p2p::{
    BlockEnvelope, EnvelopeError, SignerError, TopicVersion,
    envelope::{self, MAX_GOSSIP_SIZE},
    signing::signing_hash,
};
use serde_json::Value;

fn vectors() -> Value {
    let dir = std::env::var_os("LAMINA_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors"));
    let path = dir.join("extracted/engine_p2p.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("OP test vectors not found at {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn hex(v: &Value) -> Vec<u8> {
    alloy_primitives::hex::decode(v.as_str().unwrap()).unwrap()
}

/// Each vector: its version and raw message.
pub(crate) fn envelopes() -> Vec<(TopicVersion, Vec<u8>, Value)> {
    let v = vectors();
    ["v1", "v2", "v3", "v4"]
        .iter()
        .map(|k| {
            let e = &v["p2p_block_envelopes"][k];
            let topic = e["topic"].as_str().unwrap();
            let index = topic.split('/').nth(3).unwrap().parse().unwrap();
            (TopicVersion::from_index(index).unwrap(), hex(&e["raw"]), e["derived"].clone())
        })
        .collect()
}

#[test]
fn every_vector_decodes_to_its_signature_and_payload_hash_and_re_encodes_byte_for_byte() {
    for (version, raw, derived) in envelopes() {
        let env = envelope::decode(version, &raw).unwrap();
        assert_eq!(env.signature.to_vec(), hex(&derived["signature"]), "{version:?}");
        assert_eq!(
            env.payload_hash,
            B256::from_slice(&hex(&derived["payload_hash"])),
            "{version:?}"
        );
        let len = snap::raw::decompress_len(&raw).unwrap();
        assert_eq!(len as u64, derived["decompressed_len"].as_u64().unwrap());
        assert_eq!(env.parent_beacon_block_root.is_some(), version.has_beacon_root());
        let again =
            envelope::encode(version, &env.signature, env.parent_beacon_block_root, &env.payload)
                .unwrap();
        assert_eq!(again, raw, "{version:?} re-encodes");
        // On the wrong topic it is not a block (or is another, as SSZ layouts nest).
        for other in TopicVersion::ALL.into_iter().filter(|o| *o != version) {
            if let Ok(e) = envelope::decode(other, &raw) {
                assert_ne!(e.payload_hash, env.payload_hash, "{version:?} as {other:?}");
            }
        }
    }
}

#[test]
fn the_signing_hash_matches_op_alloys() {
    let v = &vectors()["p2p_signature_message"];
    let payload_hash = keccak256(hex(&v["payload_bytes"]));
    assert_eq!(payload_hash, B256::from_slice(&hex(&v["payload_hash"])));
    let chain_id = v["chain_id"].as_u64().unwrap();
    assert_eq!(signing_hash(chain_id, payload_hash), B256::from_slice(&hex(&v["signing_hash"])));
}

/// The v4 vector's payload signed by `key` for `chain_id`.
fn signed(key: &PrivateKeySigner, chain_id: u64, v: u8) -> (Vec<u8>, BlockEnvelope) {
    let (version, raw, _) = envelopes().pop().unwrap();
    let env = envelope::decode(version, &raw).unwrap();
    let bytes =
        envelope::payload_bytes(version, env.parent_beacon_block_root, &env.payload).unwrap();
    let sig = key.sign_hash_sync(&signing_hash(chain_id, keccak256(&bytes))).unwrap();
    let mut wire = [0u8; 65];
    wire[..64].copy_from_slice(&sig.as_bytes()[..64]);
    wire[64] = u8::from(sig.v()) + v;
    let msg = envelope::encode(version, &wire, env.parent_beacon_block_root, &env.payload).unwrap();
    let decoded = envelope::decode(version, &msg).unwrap();
    (msg, decoded)
}

#[test]
fn a_signed_envelope_recovers_its_signer_only_on_its_chain_and_only_with_v_0_or_1() {
    let key = PrivateKeySigner::random();
    let (_, env) = signed(&key, 901, 0);
    assert_eq!(env.signer(901), Ok(key.address()));
    assert_ne!(env.signer(902), Ok(key.address()), "another chain's domain");
    let (_, legacy) = signed(&key, 901, 27);
    assert!(matches!(legacy.signer(901), Err(SignerError::RecoveryByte(27 | 28))));
}

#[test]
fn hostile_messages_are_typed_errors() {
    let (version, raw, _) = envelopes().pop().unwrap();
    // A snappy header claiming more than 10 MiB: refused before anything is allocated.
    let mut bomb = Vec::new();
    let mut n = MAX_GOSSIP_SIZE as u64 + 1;
    while n >= 0x80 {
        bomb.push((n as u8) | 0x80);
        n >>= 7;
    }
    bomb.push(n as u8);
    bomb.extend_from_slice(&[0; 16]);
    assert!(matches!(envelope::decode(version, &bomb), Err(EnvelopeError::TooLarge(_))));
    // A real 11 MiB message of zeros compresses small and is still refused by its size.
    let big = snap::raw::Encoder::new().compress_vec(&vec![0u8; 11 << 20]).unwrap();
    assert!(matches!(envelope::decode(version, &big), Err(EnvelopeError::TooLarge(_))));
    // Too short, not snappy, truncated.
    let short = snap::raw::Encoder::new().compress_vec(&[0u8; 65]).unwrap();
    assert!(matches!(envelope::decode(version, &short), Err(EnvelopeError::TooShort(65))));
    assert!(matches!(envelope::decode(version, &[0xff; 8]), Err(EnvelopeError::Snappy(_))));
    assert!(envelope::decode(version, &raw[..raw.len() - 3]).is_err());
    // A signature and a payload cut short.
    let plain = snap::raw::Decoder::new().decompress_vec(&raw).unwrap();
    let cut = snap::raw::Encoder::new().compress_vec(&plain[..plain.len() - 40]).unwrap();
    assert!(matches!(envelope::decode(version, &cut), Err(EnvelopeError::Ssz(_))));
    // A payload that is not the topic's kind cannot be encoded for it.
    let env = envelope::decode(version, &raw).unwrap();
    assert_eq!(
        envelope::encode(TopicVersion::V1, &env.signature, None, &env.payload),
        Err(EnvelopeError::Version(TopicVersion::V1))
    );
}

mod fuzz {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn any_bytes_decode_or_are_refused_on_every_topic(data in proptest::collection::vec(any::<u8>(), 0..700)) {
            for v in TopicVersion::ALL {
                let _ = envelope::decode(v, &data);
                let compressed = snap::raw::Encoder::new().compress_vec(&data).unwrap();
                let _ = envelope::decode(v, &compressed);
            }
        }

        #[test]
        fn corrupting_a_vector_decodes_or_is_refused(at in 0usize..2000, byte: u8) {
            for (version, raw, _) in envelopes() {
                let mut plain = snap::raw::Decoder::new().decompress_vec(&raw).unwrap();
                let i = at % plain.len();
                plain[i] = byte;
                let msg = snap::raw::Encoder::new().compress_vec(&plain).unwrap();
                if let Ok(env) = envelope::decode(version, &msg) {
                    let _ = env.signer(10);
                }
            }
        }
    }
}
