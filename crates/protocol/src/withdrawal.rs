//! Withdrawals as L1 sees them (digest §6.1): the hash of a withdrawal, its `sentMessages`
//! storage slot in the L2ToL1MessagePasser, and the `MessagePassed` event it is read from.

use alloc::vec::Vec;
use alloy_primitives::{Address, B256, Bytes, Log, U256, keccak256};
use serde::{Deserialize, Serialize};

use crate::constants::MESSAGE_PASSED_TOPIC;

/// `Types.WithdrawalTransaction`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WithdrawalTransaction {
    /// Versioned message nonce (`1 << 240 | n` on Bedrock chains).
    pub nonce: U256,
    /// L2 sender (never aliased).
    pub sender: Address,
    /// L1 target.
    pub target: Address,
    /// Wei to send.
    pub value: U256,
    /// Gas for the L1 call.
    pub gas_limit: U256,
    /// Calldata for the L1 call.
    pub data: Bytes,
}

impl WithdrawalTransaction {
    /// `abi.encode(nonce, sender, target, value, gasLimit, data)`.
    pub fn abi_encode(&self) -> Vec<u8> {
        let padded = self.data.len().div_ceil(32) * 32;
        let mut out = Vec::with_capacity(7 * 32 + padded);
        out.extend_from_slice(&self.nonce.to_be_bytes::<32>());
        out.extend_from_slice(self.sender.into_word().as_slice());
        out.extend_from_slice(self.target.into_word().as_slice());
        out.extend_from_slice(&self.value.to_be_bytes::<32>());
        out.extend_from_slice(&self.gas_limit.to_be_bytes::<32>());
        out.extend_from_slice(&U256::from(6 * 32).to_be_bytes::<32>());
        out.extend_from_slice(&U256::from(self.data.len()).to_be_bytes::<32>());
        out.extend_from_slice(&self.data);
        out.resize(7 * 32 + padded, 0);
        out
    }

    /// The withdrawal hash.
    pub fn hash(&self) -> B256 {
        keccak256(self.abi_encode())
    }

    /// The `sentMessages[hash]` storage slot: `keccak(hash ++ u256(0))`.
    pub fn storage_slot(&self) -> B256 {
        sent_messages_slot(self.hash())
    }
}

/// The storage slot of `sentMessages[withdrawal_hash]` (the mapping is at slot 0).
pub fn sent_messages_slot(withdrawal_hash: B256) -> B256 {
    let mut buf = [0u8; 64];
    buf[..32].copy_from_slice(withdrawal_hash.as_slice());
    keccak256(buf)
}

/// Why a `MessagePassed` log could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessagePassedError {
    /// Wrong topic count or signature.
    #[error("not a MessagePassed log")]
    NotMessagePassed,
    /// The ABI data is malformed.
    #[error("malformed MessagePassed data: {0}")]
    BadData(&'static str),
}

/// Reads the withdrawal and the hash the contract logged from a `MessagePassed` event.
pub fn decode_message_passed(
    log: &Log,
) -> Result<(WithdrawalTransaction, B256), MessagePassedError> {
    let t = log.topics();
    if t.len() != 4 || t[0] != MESSAGE_PASSED_TOPIC {
        return Err(MessagePassedError::NotMessagePassed);
    }
    let d = &log.data.data;
    if d.len() < 5 * 32 {
        return Err(MessagePassedError::BadData("shorter than the head"));
    }
    let word = |i: usize| U256::from_be_slice(&d[i * 32..(i + 1) * 32]);
    let offset = usize::try_from(word(2)).map_err(|_| MessagePassedError::BadData("offset"))?;
    let len_end = offset
        .checked_add(32)
        .filter(|e| *e <= d.len())
        .ok_or(MessagePassedError::BadData("offset"))?;
    let len = usize::try_from(U256::from_be_slice(&d[offset..len_end]))
        .map_err(|_| MessagePassedError::BadData("length"))?;
    let data_end = len_end
        .checked_add(len)
        .filter(|e| *e <= d.len())
        .ok_or(MessagePassedError::BadData("length"))?;
    let w = WithdrawalTransaction {
        nonce: U256::from_be_bytes(t[1].0),
        sender: Address::from_word(t[2]),
        target: Address::from_word(t[3]),
        value: word(0),
        gas_limit: word(1),
        data: Bytes::copy_from_slice(&d[len_end..data_end]),
    };
    Ok((w, B256::from_slice(&d[96..128])))
}
