//! Deposit receipts (digest §2.4):
//! `0x7E ++ rlp([status, cumulativeGasUsed, logsBloom, logs, depositNonce?, depositReceiptVersion?])`.
//!
//! Which optional fields a receipt carries is a fork rule the engine applies (Regolith stores the
//! nonce; Canyon adds the version to the consensus encoding); this codec encodes exactly the
//! fields present.

use alloc::vec::Vec;
use alloy_primitives::{Bloom, Log, logs_bloom};
use alloy_rlp::{Decodable, Encodable, Header};

use crate::{
    codec::{DecodeError, DecodeErrorKind},
    constants::DEPOSIT_TX_TYPE,
};

/// A deposit tx's receipt.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DepositReceipt {
    /// Success flag.
    pub status: bool,
    /// Gas used in the block up to and including this tx.
    pub cumulative_gas_used: u64,
    /// Bloom of `logs`.
    pub logs_bloom: Bloom,
    /// Logs emitted.
    pub logs: Vec<Log>,
    /// The sender's nonce before the deposit (Regolith).
    pub deposit_nonce: Option<u64>,
    /// Receipt version, 1 from Canyon; only present with a nonce.
    pub deposit_receipt_version: Option<u64>,
}

impl DepositReceipt {
    /// A receipt whose bloom is computed from its logs.
    pub fn new(
        status: bool,
        cumulative_gas_used: u64,
        logs: Vec<Log>,
        deposit_nonce: Option<u64>,
        deposit_receipt_version: Option<u64>,
    ) -> Self {
        let logs_bloom = logs_bloom(logs.iter());
        Self {
            status,
            cumulative_gas_used,
            logs_bloom,
            logs,
            deposit_nonce,
            deposit_receipt_version,
        }
    }

    fn fields_len(&self) -> usize {
        let mut len = self.status.length()
            + self.cumulative_gas_used.length()
            + self.logs_bloom.length()
            + self.logs.length();
        if let Some(n) = self.deposit_nonce {
            len += n.length();
            if let Some(v) = self.deposit_receipt_version {
                len += v.length();
            }
        }
        len
    }

    /// The EIP-2718 encoding (what the receipts trie holds).
    pub fn encoded_2718(&self) -> Vec<u8> {
        let payload_length = self.fields_len();
        let mut out = Vec::with_capacity(payload_length + 5);
        out.push(DEPOSIT_TX_TYPE);
        Header { list: true, payload_length }.encode(&mut out);
        self.status.encode(&mut out);
        self.cumulative_gas_used.encode(&mut out);
        self.logs_bloom.encode(&mut out);
        self.logs.encode(&mut out);
        if let Some(n) = self.deposit_nonce {
            n.encode(&mut out);
            if let Some(v) = self.deposit_receipt_version {
                v.encode(&mut out);
            }
        }
        out
    }

    /// Decodes the EIP-2718 encoding, requiring the type byte and no trailing bytes.
    pub fn decode_2718(bytes: &[u8]) -> Result<Self, DecodeError> {
        let rlp_err = |e| DecodeError::new("deposit_receipt", 1, DecodeErrorKind::Rlp(e));
        match bytes.first() {
            Some(&DEPOSIT_TX_TYPE) => {}
            _ => {
                return Err(DecodeError::new(
                    "receipt_type",
                    0,
                    DecodeErrorKind::Invalid("not a deposit receipt (type 0x7e)"),
                ));
            }
        }
        let mut buf = &bytes[1..];
        let header = Header::decode(&mut buf).map_err(rlp_err)?;
        if !header.list || buf.len() != header.payload_length {
            return Err(DecodeError::new(
                "deposit_receipt",
                1,
                DecodeErrorKind::Invalid("not a single rlp list filling the input"),
            ));
        }
        let status = bool::decode(&mut buf).map_err(rlp_err)?;
        let cumulative_gas_used = u64::decode(&mut buf).map_err(rlp_err)?;
        let logs_bloom = Bloom::decode(&mut buf).map_err(rlp_err)?;
        let logs = Vec::<Log>::decode(&mut buf).map_err(rlp_err)?;
        let deposit_nonce =
            if buf.is_empty() { None } else { Some(u64::decode(&mut buf).map_err(rlp_err)?) };
        let deposit_receipt_version =
            if buf.is_empty() { None } else { Some(u64::decode(&mut buf).map_err(rlp_err)?) };
        if !buf.is_empty() {
            return Err(DecodeError::new(
                "deposit_receipt",
                bytes.len() - buf.len(),
                DecodeErrorKind::TrailingBytes(buf.len()),
            ));
        }
        Ok(Self {
            status,
            cumulative_gas_used,
            logs_bloom,
            logs,
            deposit_nonce,
            deposit_receipt_version,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{Address, B256, LogData};

    #[test]
    fn optional_fields_round_trip_and_bloom_follows_logs() {
        let log = Log {
            address: Address::repeat_byte(1),
            data: LogData::new_unchecked(vec![B256::repeat_byte(2)], vec![3u8].into()),
        };
        for (nonce, version) in [(None, None), (Some(5), None), (Some(5), Some(1))] {
            let r = DepositReceipt::new(true, 21_000, vec![log.clone()], nonce, version);
            assert_ne!(r.logs_bloom, Bloom::ZERO);
            assert_eq!(DepositReceipt::decode_2718(&r.encoded_2718()).unwrap(), r);
        }
        let mut enc = DepositReceipt::default().encoded_2718();
        enc.push(0);
        assert!(DepositReceipt::decode_2718(&enc).is_err());
    }
}
