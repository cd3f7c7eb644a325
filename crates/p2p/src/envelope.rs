//! The signed block envelope as gossip carries it: snappy block compression (no framing) of
//! `signature(65) ++ [parent beacon block root(32), V3/V4] ++ ssz(execution payload)`, the
//! payload's SSZ layout by topic version. Decoding is as strict as op-node: the claimed
//! decompressed size is checked before anything is allocated (at most 10 MiB, at least 66
//! bytes), the signature's recovery byte must be 0 or 1, and the SSZ lists' bounds (extra data
//! 32 bytes, 16 withdrawals, 2^20 txs) hold.

use alloy_primitives::{Address, B256, Signature, keccak256};
use alloy_rpc_types_engine::{ExecutionPayloadV1, ExecutionPayloadV2, ExecutionPayloadV3};
use op_alloy_rpc_types_engine::{OpExecutionPayload, OpExecutionPayloadV4};
use ssz::{Decode, Encode};

use crate::{signing::signing_hash, topic::TopicVersion};

/// The largest decompressed message (and gossip transmission).
pub const MAX_GOSSIP_SIZE: usize = 10 << 20;
/// The smallest decompressed message: a signature and one byte.
pub const MIN_MESSAGE: usize = 66;
/// The most extra data a payload may carry.
const MAX_EXTRA_DATA: usize = 32;
/// The most withdrawals a payload may list.
const MAX_WITHDRAWALS: usize = 16;
/// The most transactions a payload may list.
const MAX_TRANSACTIONS: usize = 1 << 20;

/// Why a message is not a block envelope.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    /// Not snappy, or corrupt.
    #[error("snappy: {0}")]
    Snappy(String),
    /// It decompresses to more than 10 MiB (checked from its header, before decompressing).
    #[error("decompresses to {0} bytes, over the 10 MiB limit")]
    TooLarge(usize),
    /// It decompresses to less than a signature and a payload.
    #[error("decompresses to {0} bytes, too short")]
    TooShort(usize),
    /// The payload's SSZ does not decode for the topic's version.
    #[error("SSZ: {0}")]
    Ssz(String),
    /// A list is over its bound.
    #[error("{0} over its bound")]
    Bounds(&'static str),
    /// The payload is not of the topic's version.
    #[error("a {0:?} payload cannot go on this topic")]
    Version(TopicVersion),
}

/// A decoded block envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockEnvelope {
    /// The topic version it was decoded for.
    pub version: TopicVersion,
    /// The signature as sent: r, s, recovery byte.
    pub signature: [u8; 65],
    /// The parent beacon block root (V3, V4).
    pub parent_beacon_block_root: Option<B256>,
    /// The payload.
    pub payload: OpExecutionPayload,
    /// keccak256 of everything after the signature: what the signing hash commits to.
    pub payload_hash: B256,
}

/// Why a signature names no signer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignerError {
    /// The recovery byte is not 0 or 1 (op-node refuses 27/28 and the rest).
    #[error("recovery byte {0} (only 0 and 1)")]
    RecoveryByte(u8),
    /// The signature does not recover a key.
    #[error("the signature recovers no key")]
    Unrecoverable,
}

/// The SSZ bytes of `payload`, which must be of `version`'s kind.
fn ssz_bytes(
    version: TopicVersion,
    payload: &OpExecutionPayload,
) -> Result<Vec<u8>, EnvelopeError> {
    Ok(match (version, payload) {
        (TopicVersion::V1, OpExecutionPayload::V1(p)) => p.as_ssz_bytes(),
        (TopicVersion::V2, OpExecutionPayload::V2(p)) => p.as_ssz_bytes(),
        (TopicVersion::V3, OpExecutionPayload::V3(p)) => p.as_ssz_bytes(),
        (TopicVersion::V4, OpExecutionPayload::V4(p)) => p.as_ssz_bytes(),
        _ => return Err(EnvelopeError::Version(version)),
    })
}

/// The bytes after the signature: the beacon root for V3/V4 (zero if none is given), then the
/// payload's SSZ. Their keccak256 is what a signer signs (via [`signing_hash`]).
pub fn payload_bytes(
    version: TopicVersion,
    parent_beacon_block_root: Option<B256>,
    payload: &OpExecutionPayload,
) -> Result<Vec<u8>, EnvelopeError> {
    let mut out = Vec::new();
    if version.has_beacon_root() {
        out.extend_from_slice(parent_beacon_block_root.unwrap_or_default().as_slice());
    }
    out.extend_from_slice(&ssz_bytes(version, payload)?);
    Ok(out)
}

/// The gossip message for `payload` signed with `signature` (r, s, recovery byte 0/1).
pub fn encode(
    version: TopicVersion,
    signature: &[u8; 65],
    parent_beacon_block_root: Option<B256>,
    payload: &OpExecutionPayload,
) -> Result<Vec<u8>, EnvelopeError> {
    let mut raw = signature.to_vec();
    raw.extend_from_slice(&payload_bytes(version, parent_beacon_block_root, payload)?);
    snap::raw::Encoder::new().compress_vec(&raw).map_err(|e| EnvelopeError::Snappy(e.to_string()))
}

/// The signature and the bytes after it (beacon root and SSZ payload), with the size checks
/// that come before anything else: the claimed size is read from the snappy header first.
pub fn split(data: &[u8]) -> Result<([u8; 65], Vec<u8>), EnvelopeError> {
    let len = snap::raw::decompress_len(data).map_err(|e| EnvelopeError::Snappy(e.to_string()))?;
    if len > MAX_GOSSIP_SIZE {
        return Err(EnvelopeError::TooLarge(len));
    }
    if len < MIN_MESSAGE {
        return Err(EnvelopeError::TooShort(len));
    }
    let mut raw = snap::raw::Decoder::new()
        .decompress_vec(data)
        .map_err(|e| EnvelopeError::Snappy(e.to_string()))?;
    let rest = raw.split_off(65);
    let mut signature = [0u8; 65];
    signature.copy_from_slice(&raw);
    Ok((signature, rest))
}

/// Decodes the bytes after the signature for the topic of `version`.
pub fn decode_payload(
    version: TopicVersion,
    signature: [u8; 65],
    rest: &[u8],
) -> Result<BlockEnvelope, EnvelopeError> {
    let (beacon_root, block) = if version.has_beacon_root() {
        let (root, block) =
            rest.split_at_checked(32).ok_or(EnvelopeError::TooShort(65 + rest.len()))?;
        (Some(B256::from_slice(root)), block)
    } else {
        (None, rest)
    };
    let ssz = |e: ssz::DecodeError| EnvelopeError::Ssz(format!("{e:?}"));
    let payload = match version {
        TopicVersion::V1 => {
            OpExecutionPayload::V1(ExecutionPayloadV1::from_ssz_bytes(block).map_err(ssz)?)
        }
        TopicVersion::V2 => {
            OpExecutionPayload::V2(ExecutionPayloadV2::from_ssz_bytes(block).map_err(ssz)?)
        }
        TopicVersion::V3 => {
            OpExecutionPayload::V3(ExecutionPayloadV3::from_ssz_bytes(block).map_err(ssz)?)
        }
        TopicVersion::V4 => {
            OpExecutionPayload::V4(OpExecutionPayloadV4::from_ssz_bytes(block).map_err(ssz)?)
        }
    };
    let v1 = payload.as_v1();
    if v1.extra_data.len() > MAX_EXTRA_DATA {
        return Err(EnvelopeError::Bounds("extra data"));
    }
    if v1.transactions.len() > MAX_TRANSACTIONS {
        return Err(EnvelopeError::Bounds("transactions"));
    }
    if payload.as_v2().is_some_and(|p| p.withdrawals.len() > MAX_WITHDRAWALS) {
        return Err(EnvelopeError::Bounds("withdrawals"));
    }
    Ok(BlockEnvelope {
        version,
        signature,
        parent_beacon_block_root: beacon_root,
        payload,
        payload_hash: keccak256(rest),
    })
}

/// Decodes a gossip message from the topic of `version`.
pub fn decode(version: TopicVersion, data: &[u8]) -> Result<BlockEnvelope, EnvelopeError> {
    let (signature, rest) = split(data)?;
    decode_payload(version, signature, &rest)
}

/// The signer of `payload_bytes` (everything after the signature) on chain `chain_id`.
pub fn recover(
    signature: &[u8; 65],
    payload_bytes: &[u8],
    chain_id: u64,
) -> Result<Address, SignerError> {
    recover_hash(signature, keccak256(payload_bytes), chain_id)
}

/// The signer of the payload bytes hashing to `payload_hash`; op-node refuses any recovery byte
/// but 0 and 1.
fn recover_hash(
    signature: &[u8; 65],
    payload_hash: B256,
    chain_id: u64,
) -> Result<Address, SignerError> {
    let v = signature[64];
    if v > 1 {
        return Err(SignerError::RecoveryByte(v));
    }
    let sig = Signature::from_bytes_and_parity(&signature[..64], v == 1);
    sig.recover_address_from_prehash(&signing_hash(chain_id, payload_hash))
        .map_err(|_| SignerError::Unrecoverable)
}

impl BlockEnvelope {
    /// The address that signed this envelope for chain `chain_id`.
    pub fn signer(&self, chain_id: u64) -> Result<Address, SignerError> {
        recover_hash(&self.signature, self.payload_hash, chain_id)
    }
}
