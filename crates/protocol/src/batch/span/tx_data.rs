//! The `tx_datas` items of a span batch: each tx's fields minus those stored in their own
//! columns (chain id, nonce, gas, `to`, signature), digest §4.7.
//!
//! | type | item |
//! |---|---|
//! | legacy | `rlp([value, gasPrice, data])` |
//! | 1 | `0x01 ++ rlp([value, gasPrice, data, accessList])` |
//! | 2 | `0x02 ++ rlp([value, maxPriorityFeePerGas, maxFeePerGas, data, accessList])` |
//! | 4 | `0x04 ++ rlp([value, maxPriorityFeePerGas, maxFeePerGas, data, accessList, authorizationList])` |

use alloc::vec::Vec;
use alloy_eips::{eip2930::AccessList, eip7702::SignedAuthorization};
use alloy_primitives::{Bytes, U256};
use alloy_rlp::{Decodable, Encodable, RlpDecodable, RlpEncodable};

use crate::codec::{Cursor, DecodeError, DecodeErrorKind};

/// Legacy tx data.
#[derive(Debug, Clone, Default, PartialEq, Eq, RlpEncodable, RlpDecodable)]
pub struct LegacyData {
    /// Value.
    pub value: U256,
    /// Gas price.
    pub gas_price: u128,
    /// Calldata.
    pub data: Bytes,
}

/// EIP-2930 tx data.
#[derive(Debug, Clone, Default, PartialEq, Eq, RlpEncodable, RlpDecodable)]
pub struct Eip2930Data {
    /// Value.
    pub value: U256,
    /// Gas price.
    pub gas_price: u128,
    /// Calldata.
    pub data: Bytes,
    /// Access list.
    pub access_list: AccessList,
}

/// EIP-1559 tx data.
#[derive(Debug, Clone, Default, PartialEq, Eq, RlpEncodable, RlpDecodable)]
pub struct Eip1559Data {
    /// Value.
    pub value: U256,
    /// Max priority fee.
    pub max_priority_fee_per_gas: u128,
    /// Max fee.
    pub max_fee_per_gas: u128,
    /// Calldata.
    pub data: Bytes,
    /// Access list.
    pub access_list: AccessList,
}

/// EIP-7702 tx data (Isthmus).
#[derive(Debug, Clone, Default, PartialEq, Eq, RlpEncodable, RlpDecodable)]
pub struct Eip7702Data {
    /// Value.
    pub value: U256,
    /// Max priority fee.
    pub max_priority_fee_per_gas: u128,
    /// Max fee.
    pub max_fee_per_gas: u128,
    /// Calldata.
    pub data: Bytes,
    /// Access list.
    pub access_list: AccessList,
    /// Signed authorizations.
    pub authorization_list: Vec<SignedAuthorization>,
}

/// One `tx_datas` item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpanTxData {
    /// Legacy.
    Legacy(LegacyData),
    /// Type 1.
    Eip2930(Eip2930Data),
    /// Type 2.
    Eip1559(Eip1559Data),
    /// Type 4.
    Eip7702(Eip7702Data),
}

impl SpanTxData {
    /// The EIP-2718 type number (0 for legacy).
    pub const fn tx_type(&self) -> u8 {
        match self {
            Self::Legacy(_) => 0,
            Self::Eip2930(_) => 1,
            Self::Eip1559(_) => 2,
            Self::Eip7702(_) => 4,
        }
    }

    /// Appends the item.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        match self {
            Self::Legacy(d) => d.encode(out),
            Self::Eip2930(d) => {
                out.push(1);
                d.encode(out);
            }
            Self::Eip1559(d) => {
                out.push(2);
                d.encode(out);
            }
            Self::Eip7702(d) => {
                out.push(4);
                d.encode(out);
            }
        }
    }

    /// Reads one item.
    pub fn decode(c: &mut Cursor<'_>) -> Result<Self, DecodeError> {
        const FIELD: &str = "tx_datas";
        let at = c.offset();
        let first = *c.rest().first().ok_or_else(|| {
            c.err(FIELD, DecodeErrorKind::UnexpectedEof { needed: 1, available: 0 })
        })?;
        if first >= 0xc0 {
            let item = c.rlp_item(FIELD)?;
            return decode_exact(item, at).map(Self::Legacy);
        }
        c.u8(FIELD)?;
        let item = c.rlp_item(FIELD)?;
        match first {
            1 => decode_exact(item, at).map(Self::Eip2930),
            2 => decode_exact(item, at).map(Self::Eip1559),
            4 => decode_exact(item, at).map(Self::Eip7702),
            _ => Err(DecodeError::new(FIELD, at, DecodeErrorKind::Invalid("unsupported tx type"))),
        }
    }
}

fn decode_exact<T: Decodable>(mut item: &[u8], at: usize) -> Result<T, DecodeError> {
    T::decode(&mut item).map_err(|e| DecodeError::new("tx_datas", at, DecodeErrorKind::Rlp(e)))
}
