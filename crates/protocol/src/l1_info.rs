//! The L1-attributes deposit: the first tx of every L2 block, telling the L1Block predeploy about
//! the epoch's L1 block (digest §3).
//!
//! Three calldata formats exist: Bedrock's ABI-encoded `setL1BlockValues` (260 bytes, also used in
//! the Ecotone activation block), Ecotone's packed `setL1BlockValuesEcotone` (164 bytes, also used
//! in the Isthmus activation block) and Isthmus's `setL1BlockValuesIsthmus` (176 bytes).

use alloc::vec::Vec;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256};

use crate::{
    codec::{Cursor, DecodeError, DecodeErrorKind},
    config::{RollupConfig, SystemConfig},
    constants::{L1_INFO_GAS_BEDROCK, L1_INFO_GAS_REGOLITH},
    deposit::{DepositSource, TxDeposit},
    hardfork::Hardfork,
    predeploys::{L1_BLOCK, L1_INFO_DEPOSITOR},
};

/// Selector of `setL1BlockValues(uint64,uint64,uint256,bytes32,uint64,bytes32,uint256,uint256)`.
pub const SELECTOR_BEDROCK: [u8; 4] = [0x01, 0x5d, 0x8e, 0xb9];
/// Selector of `setL1BlockValuesEcotone()`.
pub const SELECTOR_ECOTONE: [u8; 4] = [0x44, 0x0a, 0x5e, 0x20];
/// Selector of `setL1BlockValuesIsthmus()`.
pub const SELECTOR_ISTHMUS: [u8; 4] = [0x09, 0x89, 0x99, 0xbe];
/// Calldata length of the Bedrock format.
pub const LEN_BEDROCK: usize = 4 + 8 * 32;
/// Calldata length of the Ecotone format.
pub const LEN_ECOTONE: usize = 164;
/// Calldata length of the Isthmus format.
pub const LEN_ISTHMUS: usize = 176;

/// Fields of the Bedrock-format L1-info call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct L1InfoBedrock {
    /// L1 origin number.
    pub number: u64,
    /// L1 origin timestamp.
    pub timestamp: u64,
    /// L1 origin base fee.
    pub base_fee: U256,
    /// L1 origin hash.
    pub block_hash: B256,
    /// Position of the L2 block in its epoch.
    pub sequence_number: u64,
    /// Versioned batcher hash (address left-padded).
    pub batcher_hash: B256,
    /// Pre-Ecotone fee overhead.
    pub l1_fee_overhead: U256,
    /// Pre-Ecotone fee scalar.
    pub l1_fee_scalar: U256,
}

/// Fields of the Ecotone-format L1-info call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct L1InfoEcotone {
    /// Base fee scalar.
    pub base_fee_scalar: u32,
    /// Blob base fee scalar.
    pub blob_base_fee_scalar: u32,
    /// Position of the L2 block in its epoch.
    pub sequence_number: u64,
    /// L1 origin timestamp.
    pub timestamp: u64,
    /// L1 origin number.
    pub number: u64,
    /// L1 origin base fee.
    pub base_fee: U256,
    /// L1 origin blob base fee (1 before L1 had blobs).
    pub blob_base_fee: U256,
    /// L1 origin hash.
    pub block_hash: B256,
    /// Versioned batcher hash.
    pub batcher_hash: B256,
}

/// Fields of the Isthmus-format L1-info call: Ecotone's plus the operator fee.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct L1InfoIsthmus {
    /// The Ecotone fields.
    pub ecotone: L1InfoEcotone,
    /// Operator fee scalar.
    pub operator_fee_scalar: u32,
    /// Operator fee constant.
    pub operator_fee_constant: u64,
}

/// An L1-info call in one of its formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum L1BlockInfoTx {
    /// `setL1BlockValues` (Bedrock → Delta, Ecotone activation block).
    Bedrock(L1InfoBedrock),
    /// `setL1BlockValuesEcotone` (Ecotone → Holocene, Isthmus activation block).
    Ecotone(L1InfoEcotone),
    /// `setL1BlockValuesIsthmus`.
    Isthmus(L1InfoIsthmus),
}

/// The L1 block fields the L1-info tx carries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct L1OriginFields {
    /// Block number.
    pub number: u64,
    /// Block timestamp.
    pub timestamp: u64,
    /// Block base fee.
    pub base_fee: U256,
    /// Block hash.
    pub hash: B256,
    /// Blob base fee computed from the header's `excessBlobGas` under the L1 fork's update
    /// fraction; `None` when the L1 block predates blobs (the tx then carries 1).
    pub blob_base_fee: Option<U256>,
}

/// Why an L1-info tx could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum L1InfoError {
    /// The SystemConfig scalar has an unknown version byte.
    #[error("system config scalar has unknown version {0:#04x}")]
    UnknownScalarVersion(u8),
}

/// Splits a SystemConfig `scalar` into `(base_fee_scalar, blob_base_fee_scalar)` (digest §3, §11):
/// version 0 carries only the base scalar (all-ones if its padding is dirty); version 1 both.
pub fn ecotone_scalars(scalar: &B256) -> Result<(u32, u32), L1InfoError> {
    let word = |range: core::ops::Range<usize>| {
        let mut b = [0u8; 4];
        b.copy_from_slice(&scalar[range]);
        u32::from_be_bytes(b)
    };
    match scalar[0] {
        0 => {
            if scalar[1..28].iter().any(|b| *b != 0) {
                Ok((u32::MAX, 0))
            } else {
                Ok((word(28..32), 0))
            }
        }
        1 => Ok((word(28..32), word(24..28))),
        v => Err(L1InfoError::UnknownScalarVersion(v)),
    }
}

/// Splits SystemConfig `operatorFeeParams` into `(scalar, constant)`.
pub fn operator_fee_params(params: &B256) -> (u32, u64) {
    let mut s = [0u8; 4];
    s.copy_from_slice(&params[20..24]);
    let mut c = [0u8; 8];
    c.copy_from_slice(&params[24..32]);
    (u32::from_be_bytes(s), u64::from_be_bytes(c))
}

impl L1BlockInfoTx {
    /// Builds the L1-info call for the L2 block at `l2_timestamp` in epoch `origin` at position
    /// `sequence_number`, choosing the format the forks require.
    pub fn build(
        config: &RollupConfig,
        system_config: &SystemConfig,
        origin: &L1OriginFields,
        sequence_number: u64,
        l2_timestamp: u64,
    ) -> Result<Self, L1InfoError> {
        let forks = &config.hardforks;
        let bt = config.block_time;
        let batcher_hash = system_config.batcher_addr.into_word();
        let ecotone_format = forks.is_active(Hardfork::Ecotone, l2_timestamp)
            && !forks.is_activation_block(Hardfork::Ecotone, l2_timestamp, bt);
        if !ecotone_format {
            return Ok(Self::Bedrock(L1InfoBedrock {
                number: origin.number,
                timestamp: origin.timestamp,
                base_fee: origin.base_fee,
                block_hash: origin.hash,
                sequence_number,
                batcher_hash,
                l1_fee_overhead: system_config.overhead.into(),
                l1_fee_scalar: system_config.scalar.into(),
            }));
        }
        let (base_fee_scalar, blob_base_fee_scalar) = ecotone_scalars(&system_config.scalar)?;
        let ecotone = L1InfoEcotone {
            base_fee_scalar,
            blob_base_fee_scalar,
            sequence_number,
            timestamp: origin.timestamp,
            number: origin.number,
            base_fee: origin.base_fee,
            blob_base_fee: origin.blob_base_fee.unwrap_or(U256::from(1)),
            block_hash: origin.hash,
            batcher_hash,
        };
        let isthmus_format = forks.is_active(Hardfork::Isthmus, l2_timestamp)
            && !forks.is_activation_block(Hardfork::Isthmus, l2_timestamp, bt);
        if !isthmus_format {
            return Ok(Self::Ecotone(ecotone));
        }
        let (operator_fee_scalar, operator_fee_constant) =
            operator_fee_params(&system_config.operator_fee_params.unwrap_or_default());
        Ok(Self::Isthmus(L1InfoIsthmus { ecotone, operator_fee_scalar, operator_fee_constant }))
    }

    /// The deposit tx carrying this call, for an L2 block at `l2_timestamp`.
    pub fn to_deposit_tx(&self, config: &RollupConfig, l2_timestamp: u64) -> TxDeposit {
        let regolith = config.is_active(Hardfork::Regolith, l2_timestamp);
        TxDeposit {
            source_hash: DepositSource::L1Info {
                l1_block_hash: self.block_hash(),
                seq_number: self.sequence_number(),
            }
            .source_hash(),
            from: L1_INFO_DEPOSITOR,
            to: TxKind::Call(L1_BLOCK),
            mint: 0,
            value: U256::ZERO,
            gas_limit: if regolith { L1_INFO_GAS_REGOLITH } else { L1_INFO_GAS_BEDROCK },
            is_system_transaction: !regolith,
            input: self.encode_calldata(),
        }
    }

    /// The L1 origin number.
    pub const fn number(&self) -> u64 {
        match self {
            Self::Bedrock(b) => b.number,
            Self::Ecotone(e) => e.number,
            Self::Isthmus(i) => i.ecotone.number,
        }
    }

    /// The L1 origin timestamp.
    pub const fn timestamp(&self) -> u64 {
        match self {
            Self::Bedrock(b) => b.timestamp,
            Self::Ecotone(e) => e.timestamp,
            Self::Isthmus(i) => i.ecotone.timestamp,
        }
    }

    /// The L1 origin hash.
    pub const fn block_hash(&self) -> B256 {
        match self {
            Self::Bedrock(b) => b.block_hash,
            Self::Ecotone(e) => e.block_hash,
            Self::Isthmus(i) => i.ecotone.block_hash,
        }
    }

    /// The position of the L2 block in its epoch.
    pub const fn sequence_number(&self) -> u64 {
        match self {
            Self::Bedrock(b) => b.sequence_number,
            Self::Ecotone(e) => e.sequence_number,
            Self::Isthmus(i) => i.ecotone.sequence_number,
        }
    }

    /// The batcher address carried in the batcher hash.
    pub fn batcher_address(&self) -> Address {
        let hash = match self {
            Self::Bedrock(b) => b.batcher_hash,
            Self::Ecotone(e) => e.batcher_hash,
            Self::Isthmus(i) => i.ecotone.batcher_hash,
        };
        Address::from_word(hash)
    }

    /// Encodes the calldata.
    pub fn encode_calldata(&self) -> Bytes {
        let mut out = Vec::with_capacity(LEN_BEDROCK);
        match self {
            Self::Bedrock(b) => {
                out.extend_from_slice(&SELECTOR_BEDROCK);
                out.extend_from_slice(&U256::from(b.number).to_be_bytes::<32>());
                out.extend_from_slice(&U256::from(b.timestamp).to_be_bytes::<32>());
                out.extend_from_slice(&b.base_fee.to_be_bytes::<32>());
                out.extend_from_slice(b.block_hash.as_slice());
                out.extend_from_slice(&U256::from(b.sequence_number).to_be_bytes::<32>());
                out.extend_from_slice(b.batcher_hash.as_slice());
                out.extend_from_slice(&b.l1_fee_overhead.to_be_bytes::<32>());
                out.extend_from_slice(&b.l1_fee_scalar.to_be_bytes::<32>());
            }
            Self::Ecotone(e) => {
                out.extend_from_slice(&SELECTOR_ECOTONE);
                encode_ecotone_body(e, &mut out);
            }
            Self::Isthmus(i) => {
                out.extend_from_slice(&SELECTOR_ISTHMUS);
                encode_ecotone_body(&i.ecotone, &mut out);
                out.extend_from_slice(&i.operator_fee_scalar.to_be_bytes());
                out.extend_from_slice(&i.operator_fee_constant.to_be_bytes());
            }
        }
        out.into()
    }

    /// Decodes calldata of any of the three formats, by selector and exact length.
    pub fn decode_calldata(data: &[u8]) -> Result<Self, DecodeError> {
        let mut c = Cursor::new(data);
        let selector: [u8; 4] = c.array("selector")?;
        let expect_len = |len: usize| {
            if data.len() == len {
                Ok(())
            } else {
                Err(DecodeError::new(
                    "calldata",
                    0,
                    DecodeErrorKind::Invalid("wrong length for the selector's format"),
                ))
            }
        };
        match selector {
            SELECTOR_BEDROCK => {
                expect_len(LEN_BEDROCK)?;
                Ok(Self::Bedrock(L1InfoBedrock {
                    number: abi_u64(&mut c, "number")?,
                    timestamp: abi_u64(&mut c, "timestamp")?,
                    base_fee: U256::from_be_bytes(c.array::<32>("basefee")?),
                    block_hash: B256::from(c.array::<32>("hash")?),
                    sequence_number: abi_u64(&mut c, "sequenceNumber")?,
                    batcher_hash: B256::from(c.array::<32>("batcherHash")?),
                    l1_fee_overhead: U256::from_be_bytes(c.array::<32>("l1FeeOverhead")?),
                    l1_fee_scalar: U256::from_be_bytes(c.array::<32>("l1FeeScalar")?),
                }))
            }
            SELECTOR_ECOTONE => {
                expect_len(LEN_ECOTONE)?;
                Ok(Self::Ecotone(decode_ecotone_body(&mut c)?))
            }
            SELECTOR_ISTHMUS => {
                expect_len(LEN_ISTHMUS)?;
                let ecotone = decode_ecotone_body(&mut c)?;
                Ok(Self::Isthmus(L1InfoIsthmus {
                    ecotone,
                    operator_fee_scalar: c.be_u32("operatorFeeScalar")?,
                    operator_fee_constant: c.be_u64("operatorFeeConstant")?,
                }))
            }
            _ => Err(DecodeError::new(
                "selector",
                0,
                DecodeErrorKind::Invalid("not an L1-info selector"),
            )),
        }
    }
}

fn encode_ecotone_body(e: &L1InfoEcotone, out: &mut Vec<u8>) {
    out.extend_from_slice(&e.base_fee_scalar.to_be_bytes());
    out.extend_from_slice(&e.blob_base_fee_scalar.to_be_bytes());
    out.extend_from_slice(&e.sequence_number.to_be_bytes());
    out.extend_from_slice(&e.timestamp.to_be_bytes());
    out.extend_from_slice(&e.number.to_be_bytes());
    out.extend_from_slice(&e.base_fee.to_be_bytes::<32>());
    out.extend_from_slice(&e.blob_base_fee.to_be_bytes::<32>());
    out.extend_from_slice(e.block_hash.as_slice());
    out.extend_from_slice(e.batcher_hash.as_slice());
}

fn decode_ecotone_body(c: &mut Cursor<'_>) -> Result<L1InfoEcotone, DecodeError> {
    Ok(L1InfoEcotone {
        base_fee_scalar: c.be_u32("baseFeeScalar")?,
        blob_base_fee_scalar: c.be_u32("blobBaseFeeScalar")?,
        sequence_number: c.be_u64("sequenceNumber")?,
        timestamp: c.be_u64("l1BlockTimestamp")?,
        number: c.be_u64("l1BlockNumber")?,
        base_fee: U256::from_be_bytes(c.array::<32>("basefee")?),
        blob_base_fee: U256::from_be_bytes(c.array::<32>("blobBaseFee")?),
        block_hash: B256::from(c.array::<32>("l1BlockHash")?),
        batcher_hash: B256::from(c.array::<32>("batcherHash")?),
    })
}

/// An ABI word that must hold a u64.
fn abi_u64(c: &mut Cursor<'_>, field: &'static str) -> Result<u64, DecodeError> {
    let at = c.offset();
    let word = c.array::<32>(field)?;
    if word[..24].iter().any(|b| *b != 0) {
        return Err(DecodeError::new(field, at, DecodeErrorKind::Invalid("does not fit u64")));
    }
    let mut b = [0u8; 8];
    b.copy_from_slice(&word[24..]);
    Ok(u64::from_be_bytes(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hardfork::HardforkSchedule;

    fn cfg(schedule: HardforkSchedule) -> RollupConfig {
        RollupConfig { block_time: 2, hardforks: schedule, ..Default::default() }
    }

    #[test]
    fn format_follows_activation_blocks() {
        let c = cfg(HardforkSchedule {
            regolith_time: Some(0),
            ecotone_time: Some(10),
            isthmus_time: Some(20),
            ..Default::default()
        });
        let sc = SystemConfig::default();
        let o = L1OriginFields::default();
        let kind = |t| match L1BlockInfoTx::build(&c, &sc, &o, 0, t).unwrap() {
            L1BlockInfoTx::Bedrock(_) => "bedrock",
            L1BlockInfoTx::Ecotone(_) => "ecotone",
            L1BlockInfoTx::Isthmus(_) => "isthmus",
        };
        assert_eq!(
            [kind(8), kind(10), kind(12), kind(20), kind(22)],
            ["bedrock", "bedrock", "ecotone", "ecotone", "isthmus"]
        );
    }

    #[test]
    fn scalar_versions_split_as_specified() {
        let mut s = B256::ZERO;
        s[28..].copy_from_slice(&7u32.to_be_bytes());
        assert_eq!(ecotone_scalars(&s), Ok((7, 0)));
        s[5] = 1;
        assert_eq!(ecotone_scalars(&s), Ok((u32::MAX, 0)));
        s[5] = 0;
        s[0] = 1;
        s[24..28].copy_from_slice(&9u32.to_be_bytes());
        assert_eq!(ecotone_scalars(&s), Ok((7, 9)));
        s[0] = 2;
        assert_eq!(ecotone_scalars(&s), Err(L1InfoError::UnknownScalarVersion(2)));
    }

    #[test]
    fn rejects_wrong_length_and_oversized_words() {
        let tx = L1BlockInfoTx::Bedrock(L1InfoBedrock::default());
        let mut data = tx.encode_calldata().to_vec();
        assert_eq!(L1BlockInfoTx::decode_calldata(&data).unwrap(), tx);
        data[4] = 1;
        let err = L1BlockInfoTx::decode_calldata(&data).unwrap_err();
        assert_eq!((err.field, err.offset), ("number", 4));
        data.pop();
        assert!(L1BlockInfoTx::decode_calldata(&data).is_err());
        assert!(L1BlockInfoTx::decode_calldata(&[1, 2]).is_err());
    }
}
