//! The deposited transaction, EIP-2718 type `0x7E` (digest §2.2):
//! `0x7E ++ rlp([sourceHash, from, to, mint, value, gas, isSystemTx, data])`.
//!
//! It has no nonce, signature or chain id; its hash is the keccak of the envelope.

use alloc::vec::Vec;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, keccak256};
use alloy_rlp::{Decodable, Encodable, RlpDecodable, RlpEncodable};
use serde::{Deserialize, Serialize};

use crate::{
    codec::{DecodeError, DecodeErrorKind},
    constants::DEPOSIT_TX_TYPE,
};

/// A deposited transaction.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, Hash, RlpEncodable, RlpDecodable, Serialize, Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub struct TxDeposit {
    /// Domain-separated hash of what caused the deposit (see [`super::DepositSource`]).
    pub source_hash: B256,
    /// The L2 sender (already aliased when the L1 sender was a contract).
    pub from: Address,
    /// Call target, or `Create`.
    pub to: TxKind,
    /// Wei minted to `from` on L2 before execution (never undone). Zero encodes as empty.
    pub mint: u128,
    /// Wei moved from `from` to `to`.
    pub value: U256,
    /// Gas limit of the L2 execution.
    pub gas_limit: u64,
    /// Pre-Regolith system transaction flag.
    pub is_system_transaction: bool,
    /// Calldata or initcode.
    pub input: Bytes,
}

impl TxDeposit {
    /// The EIP-2718 envelope: `0x7E ++ rlp(fields)`.
    pub fn encoded_2718(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 + self.length());
        out.push(DEPOSIT_TX_TYPE);
        self.encode(&mut out);
        out
    }

    /// The tx hash: keccak of the envelope.
    pub fn tx_hash(&self) -> B256 {
        keccak256(self.encoded_2718())
    }

    /// Decodes an EIP-2718 envelope, requiring the type byte and no trailing bytes.
    pub fn decode_2718(bytes: &[u8]) -> Result<Self, DecodeError> {
        match bytes.first() {
            None => {
                return Err(DecodeError::new(
                    "tx_type",
                    0,
                    DecodeErrorKind::UnexpectedEof { needed: 1, available: 0 },
                ));
            }
            Some(&DEPOSIT_TX_TYPE) => {}
            Some(_) => {
                return Err(DecodeError::new(
                    "tx_type",
                    0,
                    DecodeErrorKind::Invalid("not a deposit tx (type 0x7e)"),
                ));
            }
        }
        let mut body = &bytes[1..];
        let tx = Self::decode(&mut body)
            .map_err(|e| DecodeError::new("deposit_tx", 1, DecodeErrorKind::Rlp(e)))?;
        if !body.is_empty() {
            return Err(DecodeError::new(
                "deposit_tx",
                bytes.len() - body.len(),
                DecodeErrorKind::TrailingBytes(body.len()),
            ));
        }
        Ok(tx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_mint_and_create_encode_as_empty_strings() {
        let tx = TxDeposit { to: TxKind::Create, ..Default::default() };
        let enc = tx.encoded_2718();
        // sourceHash(33) from(21) to(0x80) mint(0x80) value(0x80) gas(0x80) system(0x80) data(0x80)
        assert_eq!(&enc[enc.len() - 6..], &[0x80; 6]);
        assert_eq!(TxDeposit::decode_2718(&enc).unwrap(), tx);
    }

    #[test]
    fn rejects_wrong_type_and_trailing_bytes() {
        let mut enc = TxDeposit::default().encoded_2718();
        enc.push(0);
        let err = TxDeposit::decode_2718(&enc).unwrap_err();
        assert_eq!(err.kind, DecodeErrorKind::TrailingBytes(1));
        enc[0] = 0x02;
        assert_eq!(TxDeposit::decode_2718(&enc).unwrap_err().field, "tx_type");
        assert!(TxDeposit::decode_2718(&[]).is_err());
    }
}
