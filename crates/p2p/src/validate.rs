//! Gossip validation, in op-node's order and exactly as strict: a message is ACCEPTed (relayed
//! and handed to the node), IGNOREd (dropped, no penalty) or REJECTed (dropped, the sender
//! scored down). Never laxer than op-node — accepting means relaying, and op-node peers ban a
//! relayer of invalid blocks — and never stricter where op-node ignores.
//!
//! 1. the message decompresses within bounds (REJECT);
//! 2. the signature recovers (REJECT); the configured signer is not zero (else IGNORE) and is
//!    the one recovered (REJECT);
//! 3. the payload decodes for the topic's version (REJECT);
//! 4. its timestamp is within 60 s behind and 5 s ahead of the local clock (REJECT);
//! 5. its block hash is the hash of the header the payload describes (REJECT);
//! 6. its fields fit the topic: no withdrawals, zero excess blob gas, zero blob gas used until
//!    Jovian (REJECT);
//! 7. at most six distinct blocks per height (the seventh: REJECT), a repeat IGNOREd;
//! 8. ACCEPT.

use std::collections::{BTreeMap, HashMap};

use alloy_consensus::{EMPTY_OMMER_ROOT_HASH, Header, proofs::calculate_withdrawals_root};
use alloy_eips::eip7685::EMPTY_REQUESTS_HASH;
use alloy_primitives::{Address, B64, B256, U256};
use lamina_protocol::{Hardfork, HardforkSchedule};
use op_alloy_rpc_types_engine::OpExecutionPayload;

use crate::{
    envelope::{self, BlockEnvelope, EnvelopeError, SignerError},
    topic::TopicVersion,
};

/// How far behind the local clock a block may be (seconds).
pub const MAX_AGE: u64 = 60;
/// How far ahead of the local clock a block may be (seconds).
pub const MAX_AHEAD: u64 = 5;
/// Distinct blocks accepted per height.
pub const MAX_BLOCKS_PER_HEIGHT: usize = 6;
/// Heights remembered.
pub const SEEN_HEIGHTS: usize = 1000;

/// Why a message was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Reason {
    /// Not a block envelope.
    #[error(transparent)]
    Envelope(#[from] EnvelopeError),
    /// The signature names no signer.
    #[error(transparent)]
    Signer(#[from] SignerError),
    /// No unsafe block signer is configured (IGNORE).
    #[error("no unsafe block signer is configured")]
    NoSigner,
    /// Signed by someone else.
    #[error("signed by {0}, not the unsafe block signer")]
    WrongSigner(Address),
    /// Older than a minute.
    #[error("block time {timestamp} is more than {MAX_AGE} s behind {now}")]
    TooOld {
        /// The block's time.
        timestamp: u64,
        /// The local clock.
        now: u64,
    },
    /// From the future.
    #[error("block time {timestamp} is more than {MAX_AHEAD} s ahead of {now}")]
    TooNew {
        /// The block's time.
        timestamp: u64,
        /// The local clock.
        now: u64,
    },
    /// The block hash is not the header's.
    #[error("block hash {claimed}, but the header hashes to {computed}")]
    BlockHash {
        /// What the payload says.
        claimed: B256,
        /// What its header hashes to.
        computed: B256,
    },
    /// A field the topic's version does not allow.
    #[error("{0}")]
    Field(&'static str),
    /// Too many blocks at this height.
    #[error("more than {MAX_BLOCKS_PER_HEIGHT} blocks at height {0}")]
    Equivocation(u64),
    /// Seen already.
    #[error("block {0} seen already")]
    Duplicate(B256),
}

/// The verdict on one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Relay it and hand it to the node.
    Accept(Box<BlockEnvelope>),
    /// Drop it; the sender did nothing wrong.
    Ignore(Reason),
    /// Drop it and score the sender down.
    Reject(Reason),
}

/// The hash of the header `payload` describes, with the envelope's beacon root.
pub fn payload_block_hash(payload: &OpExecutionPayload, beacon_root: Option<B256>) -> B256 {
    let v1 = payload.as_v1();
    let transactions_root =
        alloy_trie::root::ordered_trie_root_with_encoder(&v1.transactions, |tx, buf| {
            buf.extend_from_slice(tx);
        });
    let (withdrawals_root, blob_gas_used, excess_blob_gas, requests_hash) = match payload {
        OpExecutionPayload::V1(_) => (None, None, None, None),
        OpExecutionPayload::V2(p) => {
            (Some(calculate_withdrawals_root(&p.withdrawals)), None, None, None)
        }
        OpExecutionPayload::V3(p) => (
            Some(calculate_withdrawals_root(&p.payload_inner.withdrawals)),
            Some(p.blob_gas_used),
            Some(p.excess_blob_gas),
            None,
        ),
        OpExecutionPayload::V4(p) => (
            Some(p.withdrawals_root),
            Some(p.payload_inner.blob_gas_used),
            Some(p.payload_inner.excess_blob_gas),
            Some(EMPTY_REQUESTS_HASH),
        ),
    };
    let header = Header {
        parent_hash: v1.parent_hash,
        ommers_hash: EMPTY_OMMER_ROOT_HASH,
        beneficiary: v1.fee_recipient,
        state_root: v1.state_root,
        transactions_root,
        receipts_root: v1.receipts_root,
        logs_bloom: v1.logs_bloom,
        difficulty: U256::ZERO,
        number: v1.block_number,
        gas_limit: v1.gas_limit,
        gas_used: v1.gas_used,
        timestamp: v1.timestamp,
        extra_data: v1.extra_data.clone(),
        mix_hash: v1.prev_randao,
        nonce: B64::ZERO,
        // A base fee past u64 hashes as no header op-node could build either; saturate.
        base_fee_per_gas: Some(v1.base_fee_per_gas.saturating_to()),
        withdrawals_root,
        blob_gas_used,
        excess_blob_gas,
        parent_beacon_block_root: beacon_root.filter(|_| blob_gas_used.is_some()),
        requests_hash,
        // Amsterdam's fields: no OP fork has them.
        block_access_list_hash: None,
        slot_number: None,
    };
    header.hash_slow()
}

/// Block hashes seen per height, the lowest height forgotten first.
#[derive(Debug, Default)]
struct Seen(BTreeMap<u64, Vec<B256>>);

/// The validator of one chain's block topics.
#[derive(Debug)]
pub struct Validator {
    chain_id: u64,
    forks: HardforkSchedule,
    seen: Seen,
    /// Verdicts given, by kind (accept, ignore, reject).
    pub counts: HashMap<&'static str, u64>,
}

impl Validator {
    /// A validator for chain `chain_id` with its fork schedule.
    pub fn new(chain_id: u64, forks: HardforkSchedule) -> Self {
        Self { chain_id, forks, seen: Seen::default(), counts: HashMap::new() }
    }

    /// Judges `data` from the topic of `version`, at local time `now` (seconds), against the
    /// unsafe block signer `signer` (zero: none configured).
    pub fn validate(
        &mut self,
        version: TopicVersion,
        data: &[u8],
        now: u64,
        signer: Address,
    ) -> Verdict {
        let verdict = self.judge(version, data, now, signer);
        let kind = match verdict {
            Verdict::Accept(_) => "accept",
            Verdict::Ignore(_) => "ignore",
            Verdict::Reject(_) => "reject",
        };
        *self.counts.entry(kind).or_default() += 1;
        verdict
    }

    fn judge(&mut self, version: TopicVersion, data: &[u8], now: u64, signer: Address) -> Verdict {
        use Verdict::{Accept, Ignore, Reject};
        // 1–2: the bytes and the signature, before the payload is decoded.
        let (signature, payload_bytes) = match envelope::split(data) {
            Ok(parts) => parts,
            Err(e) => return Reject(e.into()),
        };
        let recovered = match envelope::recover(&signature, &payload_bytes, self.chain_id) {
            Ok(a) => a,
            Err(e) => return Reject(e.into()),
        };
        if signer.is_zero() {
            return Ignore(Reason::NoSigner);
        }
        if recovered != signer {
            return Reject(Reason::WrongSigner(recovered));
        }
        // 3: the payload.
        let env = match envelope::decode_payload(version, signature, &payload_bytes) {
            Ok(env) => env,
            Err(e) => return Reject(e.into()),
        };
        let v1 = env.payload.as_v1();
        // 4: the clock.
        if v1.timestamp < now.saturating_sub(MAX_AGE) {
            return Reject(Reason::TooOld { timestamp: v1.timestamp, now });
        }
        if v1.timestamp > now.saturating_add(MAX_AHEAD) {
            return Reject(Reason::TooNew { timestamp: v1.timestamp, now });
        }
        // 5: the hash.
        let computed = payload_block_hash(&env.payload, env.parent_beacon_block_root);
        if computed != v1.block_hash {
            return Reject(Reason::BlockHash { claimed: v1.block_hash, computed });
        }
        // 6: fields by version.
        if let Some(reason) = self.field_mismatch(&env) {
            return Reject(Reason::Field(reason));
        }
        // 7: per height.
        let (number, hash) = (v1.block_number, v1.block_hash);
        let at = self.seen.0.entry(number).or_default();
        if at.len() >= MAX_BLOCKS_PER_HEIGHT {
            return Reject(Reason::Equivocation(number));
        }
        if at.contains(&hash) {
            return Ignore(Reason::Duplicate(hash));
        }
        at.push(hash);
        while self.seen.0.len() > SEEN_HEIGHTS {
            self.seen.0.pop_first();
        }
        Accept(Box::new(env))
    }

    /// What the topic's version forbids in this payload.
    fn field_mismatch(&self, env: &BlockEnvelope) -> Option<&'static str> {
        let jovian = self.forks.is_active(Hardfork::Jovian, env.payload.as_v1().timestamp);
        if env.payload.as_v2().is_some_and(|p| !p.withdrawals.is_empty()) {
            return Some("withdrawals in an L2 payload");
        }
        if let Some(v3) = env.payload.as_v3() {
            if v3.excess_blob_gas != 0 {
                return Some("non-zero excess blob gas");
            }
            if v3.blob_gas_used != 0 && !jovian {
                return Some("non-zero blob gas used before Jovian");
            }
        }
        None
    }
}
