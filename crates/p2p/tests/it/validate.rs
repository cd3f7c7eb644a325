//! op-node's validation rules, each on a real signed block: a V4 payload carrying signed
//! EIP-1559 txs whose block hash our header rebuild computes — checked against op-alloy's own
//! payload-to-block conversion, the one the engine uses — signed by the unsafe block signer.

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::{eip2718::Encodable2718, eip7685::Requests};
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, keccak256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use lamina_p2p::{
    EnvelopeError, Reason, SignerError, TopicVersion, Validator, Verdict, envelope,
    signing::signing_hash, validate::payload_block_hash,
};
use lamina_protocol::HardforkSchedule;
use op_alloy_rpc_types_engine::{OpExecutionData, OpExecutionPayload, OpExecutionPayloadV4};

use crate::envelope::envelopes;

pub(crate) const CHAIN: u64 = 901;

fn txs(n: u64) -> Vec<Bytes> {
    let key = PrivateKeySigner::from_bytes(&B256::repeat_byte(7)).unwrap();
    (0..n)
        .map(|nonce| {
            let tx = TxEip1559 {
                chain_id: CHAIN,
                nonce,
                gas_limit: 21_000,
                max_fee_per_gas: 10,
                max_priority_fee_per_gas: 1,
                to: TxKind::Call(Address::repeat_byte(9)),
                value: U256::from(nonce + 1),
                ..Default::default()
            };
            let sig = key.sign_hash_sync(&tx.signature_hash()).unwrap();
            TxEnvelope::from(tx.into_signed(sig)).encoded_2718().into()
        })
        .collect()
}

/// The V4 vector's payload with `n` txs, the given extra data and blob gas fields, at `time`,
/// its block hash set to what its header hashes to.
pub(crate) fn payload(
    n: u64,
    extra: u8,
    blob_gas_used: u64,
    excess: u64,
    time: u64,
) -> (OpExecutionPayloadV4, B256) {
    let (version, raw, _) = envelopes().pop().unwrap();
    let env = envelope::decode(version, &raw).unwrap();
    let OpExecutionPayload::V4(mut p) = env.payload else { panic!("the v4 vector") };
    let root = env.parent_beacon_block_root.unwrap();
    let v1 = &mut p.payload_inner.payload_inner.payload_inner;
    v1.transactions = txs(n);
    v1.extra_data = vec![extra].into();
    v1.timestamp = time;
    p.payload_inner.blob_gas_used = blob_gas_used;
    p.payload_inner.excess_blob_gas = excess;
    let hash = payload_block_hash(&OpExecutionPayload::V4(p.clone()), Some(root));
    p.payload_inner.payload_inner.payload_inner.block_hash = hash;
    (p, root)
}

/// [`payload`] with `n` txs at height `number`.
pub(crate) fn payload_at(
    n: u64,
    extra: u8,
    number: u64,
    time: u64,
) -> (OpExecutionPayloadV4, B256) {
    let (mut p, root) = payload(n, extra, 0, 0, time);
    p.payload_inner.payload_inner.payload_inner.block_number = number;
    let hash = payload_block_hash(&OpExecutionPayload::V4(p.clone()), Some(root));
    p.payload_inner.payload_inner.payload_inner.block_hash = hash;
    (p, root)
}

/// The gossip message of `p` signed by `key` for `chain` with recovery byte offset `v`.
pub(crate) fn message(
    p: &OpExecutionPayloadV4,
    root: B256,
    key: &PrivateKeySigner,
    chain: u64,
    v: u8,
) -> Vec<u8> {
    let payload = OpExecutionPayload::V4(p.clone());
    let bytes = envelope::payload_bytes(TopicVersion::V4, Some(root), &payload).unwrap();
    let sig = key.sign_hash_sync(&signing_hash(chain, keccak256(&bytes))).unwrap();
    let mut wire = [0u8; 65];
    wire[..64].copy_from_slice(&sig.as_bytes()[..64]);
    wire[64] = u8::from(sig.v()) + v;
    envelope::encode(TopicVersion::V4, &wire, Some(root), &payload).unwrap()
}

fn validator(jovian: bool) -> Validator {
    let mut forks = HardforkSchedule::all_through_isthmus();
    forks.jovian_time = jovian.then_some(0);
    Validator::new(CHAIN, forks)
}

#[test]
fn our_header_rebuild_hashes_as_op_alloys_payload_conversion_with_txs() {
    for n in [0, 1, 5] {
        let (p, root) = payload(n, 1, 0, 0, 1_800_000_000);
        let data = OpExecutionData::v4(p.clone(), Vec::new(), root, Requests::default());
        let block = data
            .payload
            .clone()
            .try_into_block_with_sidecar::<op_alloy_consensus::OpTxEnvelope>(&data.sidecar)
            .unwrap();
        assert_eq!(
            block.header.hash_slow(),
            p.payload_inner.payload_inner.payload_inner.block_hash
        );
    }
    // The real V1–V3 blocks of the vectors hash to their own block hash.
    for (version, raw, _) in envelopes().into_iter().take(3) {
        let env = envelope::decode(version, &raw).unwrap();
        let hash = payload_block_hash(&env.payload, env.parent_beacon_block_root);
        assert_eq!(hash, env.payload.as_v1().block_hash, "{version:?}");
    }
}

#[test]
fn each_rule_accepts_ignores_or_rejects_as_op_node_does() {
    let signer = PrivateKeySigner::random();
    let rogue = PrivateKeySigner::random();
    let t = 1_800_000_000;
    let (p, root) = payload(3, 1, 0, 0, t);
    let good = message(&p, root, &signer, CHAIN, 0);
    let mut v = validator(false);
    let me = signer.address();
    let judge =
        |v: &mut Validator, data: &[u8], now: u64| v.validate(TopicVersion::V4, data, now, me);

    assert!(matches!(judge(&mut v, &good, t), Verdict::Accept(_)));
    assert_eq!(
        judge(&mut v, &good, t),
        Verdict::Ignore(Reason::Duplicate(p.payload_inner.payload_inner.payload_inner.block_hash))
    );
    // No signer configured: ignored, whoever signed.
    let mut fresh = validator(false);
    assert_eq!(
        fresh.validate(TopicVersion::V4, &good, t, Address::ZERO),
        Verdict::Ignore(Reason::NoSigner)
    );
    // Another key, another chain's domain, a legacy recovery byte.
    let cases = [message(&p, root, &rogue, CHAIN, 0), message(&p, root, &signer, CHAIN + 1, 0)];
    for bad in &cases {
        assert!(matches!(
            validator(false).validate(TopicVersion::V4, bad, t, me),
            Verdict::Reject(Reason::WrongSigner(_))
        ));
    }
    let legacy = message(&p, root, &signer, CHAIN, 27);
    assert!(matches!(
        validator(false).validate(TopicVersion::V4, &legacy, t, me),
        Verdict::Reject(Reason::Signer(SignerError::RecoveryByte(27 | 28)))
    ));
    // The clock: 60 s behind and 5 s ahead pass, 61 and 6 do not.
    for (now, ok) in [(t + 60, true), (t + 61, false), (t - 5, true), (t - 6, false)] {
        let verdict = validator(false).validate(TopicVersion::V4, &good, now, me);
        assert_eq!(
            matches!(verdict, Verdict::Accept(_)),
            ok,
            "now = t {:+}",
            now as i64 - t as i64
        );
        if !ok {
            assert!(matches!(
                verdict,
                Verdict::Reject(Reason::TooOld { .. } | Reason::TooNew { .. })
            ));
        }
    }
    // A signed block whose hash is not its header's.
    let mut wrong = p;
    wrong.payload_inner.payload_inner.payload_inner.block_hash = B256::repeat_byte(1);
    let wrong = message(&wrong, root, &signer, CHAIN, 0);
    assert!(matches!(
        validator(false).validate(TopicVersion::V4, &wrong, t, me),
        Verdict::Reject(Reason::BlockHash { .. })
    ));
    // A snappy bomb (a header claiming 11 MiB).
    let mut bomb = vec![0x80, 0x80, 0xc0, 0x05];
    bomb.extend_from_slice(&[0; 32]);
    assert!(matches!(
        validator(false).validate(TopicVersion::V4, &bomb, t, me),
        Verdict::Reject(Reason::Envelope(EnvelopeError::TooLarge(_)))
    ));
    // The payload on the wrong topic does not decode as its version (signed all the same).
    assert!(matches!(
        validator(false).validate(TopicVersion::V1, &good, t, me),
        Verdict::Reject(Reason::Envelope(_))
    ));
    // Blob gas: excess never, used only from Jovian.
    let (excess, r) = payload(0, 1, 0, 1, t);
    let excess = message(&excess, r, &signer, CHAIN, 0);
    assert!(matches!(
        validator(true).validate(TopicVersion::V4, &excess, t, me),
        Verdict::Reject(Reason::Field(_))
    ));
    let (used, r) = payload(0, 1, 7, 0, t);
    let used = message(&used, r, &signer, CHAIN, 0);
    assert!(matches!(
        validator(false).validate(TopicVersion::V4, &used, t, me),
        Verdict::Reject(Reason::Field(_))
    ));
    assert!(matches!(validator(true).validate(TopicVersion::V4, &used, t, me), Verdict::Accept(_)));
    // Six distinct blocks at one height are accepted, the seventh is rejected.
    let mut v = validator(false);
    for extra in 0..7u8 {
        let (p, r) = payload(1, extra, 0, 0, t);
        let verdict = v.validate(TopicVersion::V4, &message(&p, r, &signer, CHAIN, 0), t, me);
        if extra < 6 {
            assert!(matches!(verdict, Verdict::Accept(_)), "block {extra}: {verdict:?}");
        } else {
            assert!(matches!(verdict, Verdict::Reject(Reason::Equivocation(_))), "{verdict:?}");
        }
    }
    assert_eq!((v.counts["accept"], v.counts["reject"]), (6, 1));
}

#[test]
fn a_bad_payload_with_a_good_signature_is_ignored_without_a_signer_and_rejected_with_one() {
    // op-node checks the signature before decoding the payload: with no signer configured,
    // even undecodable payload bytes are only ignored.
    let signer = PrivateKeySigner::random();
    let junk = vec![0xabu8; 200];
    let sig = signer.sign_hash_sync(&signing_hash(CHAIN, keccak256(&junk))).unwrap();
    let mut raw = sig.as_bytes()[..64].to_vec();
    raw.push(u8::from(sig.v()));
    raw.extend_from_slice(&junk);
    let msg = snap::raw::Encoder::new().compress_vec(&raw).unwrap();
    let t = 1_800_000_000;
    assert_eq!(
        validator(false).validate(TopicVersion::V4, &msg, t, Address::ZERO),
        Verdict::Ignore(Reason::NoSigner)
    );
    assert!(matches!(
        validator(false).validate(TopicVersion::V4, &msg, t, signer.address()),
        Verdict::Reject(Reason::Envelope(EnvelopeError::Ssz(_)))
    ));
}
