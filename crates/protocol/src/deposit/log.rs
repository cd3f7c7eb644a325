//! The portal's `TransactionDeposited` event ↔ deposit transactions (digest §2.1).
//!
//! Log data is `abi.encode(bytes opaqueData)`; opaqueData v0 is
//! `mint(32) ++ value(32) ++ gasLimit(8) ++ isCreation(1) ++ data`.
//! A log that fails these checks is a critical error for derivation (deposits may never be
//! skipped), so every reject case has its own variant.

use alloc::{vec, vec::Vec};
use alloy_primitives::{Address, B256, Bytes, Log, LogData, TxKind, U256};

use super::{DepositSource, TxDeposit};
use crate::constants::DEPOSIT_EVENT_TOPIC;

/// Why a `TransactionDeposited` log could not be turned into a deposit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DepositLogError {
    /// Not exactly four topics.
    #[error("expected 4 topics, found {0}")]
    TopicCount(usize),
    /// topic0 is not the `TransactionDeposited` signature.
    #[error("topic0 {0} is not TransactionDeposited")]
    WrongTopic(B256),
    /// The version topic is not 0.
    #[error("unsupported deposit version {0}")]
    InvalidVersion(B256),
    /// The `from`/`to` topic has non-zero bytes above the 20-byte address.
    #[error("topic {0} is not a left-padded address")]
    InvalidAddressTopic(usize),
    /// Log data shorter than 64 bytes or not a multiple of 32.
    #[error("log data length {0} is not a multiple of 32 of at least 64")]
    UnalignedData(usize),
    /// The ABI offset word is not 32.
    #[error("abi offset word is not 32")]
    InvalidOffset,
    /// The opaque data length disagrees with the log data.
    #[error("opaque data length {length} does not fit {available} data bytes")]
    InvalidOpaqueDataLength {
        /// Declared length.
        length: U256,
        /// Bytes after the two head words.
        available: usize,
    },
    /// The ABI padding after the opaque data is not zero.
    #[error("non-zero abi padding")]
    NonZeroPadding,
    /// opaqueData shorter than the 73 fixed bytes.
    #[error("opaque data is {0} bytes, fewer than 73")]
    OpaqueDataTooShort(usize),
    /// `mint` does not fit 128 bits (more wei than exists).
    #[error("mint does not fit in 128 bits")]
    MintTooLarge,
}

/// Reads a deposit from a portal log. `log_index` is the log's index among *all* logs of the L1
/// block (block-global), which together with the block hash forms the source hash.
pub fn decode_deposit_log(
    log: &Log,
    l1_block_hash: B256,
    log_index: u64,
) -> Result<TxDeposit, DepositLogError> {
    let topics = log.topics();
    if topics.len() != 4 {
        return Err(DepositLogError::TopicCount(topics.len()));
    }
    if topics[0] != DEPOSIT_EVENT_TOPIC {
        return Err(DepositLogError::WrongTopic(topics[0]));
    }
    if topics[3] != B256::ZERO {
        return Err(DepositLogError::InvalidVersion(topics[3]));
    }
    let from = address_topic(&topics[1], 1)?;
    let to = address_topic(&topics[2], 2)?;
    let opaque = opaque_data(&log.data.data)?;
    if opaque.len() < 73 {
        return Err(DepositLogError::OpaqueDataTooShort(opaque.len()));
    }
    let mint = U256::from_be_slice(&opaque[0..32]);
    let mint: u128 = mint.try_into().map_err(|_| DepositLogError::MintTooLarge)?;
    let value = U256::from_be_slice(&opaque[32..64]);
    let mut gas = [0u8; 8];
    gas.copy_from_slice(&opaque[64..72]);
    let is_creation = opaque[72] != 0;
    Ok(TxDeposit {
        source_hash: DepositSource::User { l1_block_hash, log_index }.source_hash(),
        from,
        to: if is_creation { TxKind::Create } else { TxKind::Call(to) },
        mint,
        value,
        gas_limit: u64::from_be_bytes(gas),
        is_system_transaction: false,
        input: Bytes::copy_from_slice(&opaque[73..]),
    })
}

fn address_topic(topic: &B256, index: usize) -> Result<Address, DepositLogError> {
    if topic[..12].iter().any(|b| *b != 0) {
        return Err(DepositLogError::InvalidAddressTopic(index));
    }
    Ok(Address::from_slice(&topic[12..]))
}

/// Unwraps `abi.encode(bytes)`, checking offset, length and minimal zero padding.
fn opaque_data(data: &[u8]) -> Result<&[u8], DepositLogError> {
    if data.len() < 64 || !data.len().is_multiple_of(32) {
        return Err(DepositLogError::UnalignedData(data.len()));
    }
    if U256::from_be_slice(&data[0..32]) != U256::from(32) {
        return Err(DepositLogError::InvalidOffset);
    }
    let length = U256::from_be_slice(&data[32..64]);
    let available = data.len() - 64;
    let bad_length = || DepositLogError::InvalidOpaqueDataLength { length, available };
    let len = usize::try_from(length).map_err(|_| bad_length())?;
    // The length must fit, and the padding must be minimal (less than one word).
    if len > available || len + 32 <= available {
        return Err(bad_length());
    }
    let body = &data[64..];
    if body[len..].iter().any(|b| *b != 0) {
        return Err(DepositLogError::NonZeroPadding);
    }
    Ok(&body[..len])
}

/// Builds the data and topics of the log the portal would emit for a deposit: the inverse of
/// [`decode_deposit_log`], used by tests and the dev L1.
pub fn encode_deposit_log_data(
    from: Address,
    to: Option<Address>,
    mint: U256,
    value: U256,
    gas_limit: u64,
    input: &[u8],
) -> LogData {
    let mut opaque = Vec::with_capacity(73 + input.len());
    opaque.extend_from_slice(&mint.to_be_bytes::<32>());
    opaque.extend_from_slice(&value.to_be_bytes::<32>());
    opaque.extend_from_slice(&gas_limit.to_be_bytes());
    opaque.push(u8::from(to.is_none()));
    opaque.extend_from_slice(input);
    let padded = opaque.len().div_ceil(32) * 32;
    let mut data = Vec::with_capacity(64 + padded);
    data.extend_from_slice(&U256::from(32).to_be_bytes::<32>());
    data.extend_from_slice(&U256::from(opaque.len()).to_be_bytes::<32>());
    data.extend_from_slice(&opaque);
    data.resize(64 + padded, 0);
    LogData::new_unchecked(
        vec![DEPOSIT_EVENT_TOPIC, from.into_word(), to.unwrap_or_default().into_word(), B256::ZERO],
        data.into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(data: LogData) -> Log {
        Log { address: Address::ZERO, data }
    }

    #[test]
    fn encode_then_decode_is_identity() {
        let from = Address::repeat_byte(1);
        let to = Address::repeat_byte(2);
        let data =
            encode_deposit_log_data(from, Some(to), U256::from(5), U256::from(7), 21_000, b"hi");
        let tx = decode_deposit_log(&log(data), B256::repeat_byte(9), 3).unwrap();
        assert_eq!(tx.from, from);
        assert_eq!(tx.to, TxKind::Call(to));
        assert_eq!((tx.mint, tx.value, tx.gas_limit), (5, U256::from(7), 21_000));
        assert_eq!(tx.input.as_ref(), b"hi");
    }

    #[test]
    fn rejects_padding_that_is_too_long_or_dirty() {
        let mut data = encode_deposit_log_data(Address::ZERO, None, U256::ZERO, U256::ZERO, 0, &[]);
        let mut raw = data.data.to_vec();
        raw.extend_from_slice(&[0u8; 32]);
        data = LogData::new_unchecked(data.topics().to_vec(), raw.clone().into());
        assert!(matches!(
            decode_deposit_log(&log(data.clone()), B256::ZERO, 0),
            Err(DepositLogError::InvalidOpaqueDataLength { .. })
        ));
        raw.truncate(raw.len() - 32);
        *raw.last_mut().unwrap() = 1;
        data = LogData::new_unchecked(data.topics().to_vec(), raw.into());
        assert_eq!(
            decode_deposit_log(&log(data), B256::ZERO, 0),
            Err(DepositLogError::NonZeroPadding)
        );
    }
}
