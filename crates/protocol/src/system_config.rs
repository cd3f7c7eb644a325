//! SystemConfig `ConfigUpdate` logs and how they change the tracked [`SystemConfig`]
//! (digest §11).
//!
//! `event ConfigUpdate(uint256 indexed version, UpdateType indexed updateType, bytes data)`;
//! `data = abi.encode(bytes payload)`. Derivation skips an update it cannot parse rather than
//! halting (the current spec's rule), so the error says exactly what was wrong for the log line.

use alloy_primitives::{Address, B256, FixedBytes, Log, U256};

use crate::{config::SystemConfig, constants::CONFIG_UPDATE_TOPIC};

/// One decoded update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SystemConfigUpdate {
    /// Type 0: a new batcher address.
    Batcher(Address),
    /// Type 1: fee overhead and scalar.
    GasConfig {
        /// Pre-Ecotone overhead.
        overhead: B256,
        /// Scalar (versioned after Ecotone).
        scalar: B256,
    },
    /// Type 2: L2 gas limit.
    GasLimit(u64),
    /// Type 3: the P2P block signer (not consensus).
    UnsafeBlockSigner(Address),
    /// Type 4 (Holocene): EIP-1559 parameters.
    Eip1559Params {
        /// Base fee change denominator.
        denominator: u32,
        /// Elasticity multiplier.
        elasticity: u32,
    },
    /// Type 5 (Isthmus): operator fee parameters.
    OperatorFeeParams {
        /// Scalar.
        scalar: u32,
        /// Constant.
        constant: u64,
    },
    /// Type 6 (Jovian): minimum base fee.
    MinBaseFee(u64),
    /// Type 7 (Jovian): DA footprint gas scalar.
    DaFootprintGasScalar(u16),
}

/// Why a `ConfigUpdate` log could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigUpdateError {
    /// Not three topics.
    #[error("expected 3 topics, found {0}")]
    TopicCount(usize),
    /// topic0 is not `ConfigUpdate`.
    #[error("topic0 is not ConfigUpdate")]
    WrongTopic,
    /// Version topic other than 0.
    #[error("unsupported config update version {0}")]
    UnsupportedVersion(B256),
    /// Update type not known.
    #[error("unknown config update type {0}")]
    UnknownType(B256),
    /// The ABI wrapper around the payload is malformed.
    #[error("malformed abi bytes wrapper: {0}")]
    BadWrapper(&'static str),
    /// The payload has the wrong size for its type.
    #[error("update type {update_type} payload is {len} bytes, expected {expected}")]
    PayloadLength {
        /// Update type.
        update_type: u8,
        /// Actual length.
        len: usize,
        /// Required length.
        expected: usize,
    },
    /// A value has non-zero bytes above its width.
    #[error("update type {0} value does not fit its field")]
    ValueOverflow(u8),
}

/// Decodes a `ConfigUpdate` log (the caller has checked the emitting address).
pub fn decode_config_update(log: &Log) -> Result<SystemConfigUpdate, ConfigUpdateError> {
    let topics = log.topics();
    if topics.len() != 3 {
        return Err(ConfigUpdateError::TopicCount(topics.len()));
    }
    if topics[0] != CONFIG_UPDATE_TOPIC {
        return Err(ConfigUpdateError::WrongTopic);
    }
    if topics[1] != B256::ZERO {
        return Err(ConfigUpdateError::UnsupportedVersion(topics[1]));
    }
    let ty = U256::from_be_bytes(topics[2].0);
    if ty > U256::from(7) {
        return Err(ConfigUpdateError::UnknownType(topics[2]));
    }
    let ty = ty.to::<u8>();
    let payload = abi_bytes(&log.data.data)?;
    let expected = if ty == 1 { 64 } else { 32 };
    if payload.len() != expected {
        return Err(ConfigUpdateError::PayloadLength {
            update_type: ty,
            len: payload.len(),
            expected,
        });
    }
    // A value occupying the low `width` bytes of the word; everything above must be zero.
    let low = |width: usize| -> Result<&[u8], ConfigUpdateError> {
        if payload[..32 - width].iter().any(|b| *b != 0) {
            return Err(ConfigUpdateError::ValueOverflow(ty));
        }
        Ok(&payload[32 - width..32])
    };
    let be_u64 = |b: &[u8]| b.iter().fold(0u64, |acc, x| (acc << 8) | u64::from(*x));
    Ok(match ty {
        0 => SystemConfigUpdate::Batcher(Address::from_slice(low(20)?)),
        1 => SystemConfigUpdate::GasConfig {
            overhead: B256::from_slice(&payload[..32]),
            scalar: B256::from_slice(&payload[32..]),
        },
        2 => SystemConfigUpdate::GasLimit(be_u64(low(8)?)),
        3 => SystemConfigUpdate::UnsafeBlockSigner(Address::from_slice(low(20)?)),
        4 => {
            let v = low(8)?;
            SystemConfigUpdate::Eip1559Params {
                denominator: be_u64(&v[..4]) as u32,
                elasticity: be_u64(&v[4..]) as u32,
            }
        }
        5 => {
            let v = low(12)?;
            SystemConfigUpdate::OperatorFeeParams {
                scalar: be_u64(&v[..4]) as u32,
                constant: be_u64(&v[4..]),
            }
        }
        6 => SystemConfigUpdate::MinBaseFee(be_u64(low(8)?)),
        _ => SystemConfigUpdate::DaFootprintGasScalar(be_u64(low(2)?) as u16),
    })
}

fn abi_bytes(data: &[u8]) -> Result<&[u8], ConfigUpdateError> {
    if data.len() < 64 {
        return Err(ConfigUpdateError::BadWrapper("shorter than 64 bytes"));
    }
    if U256::from_be_slice(&data[..32]) != U256::from(32) {
        return Err(ConfigUpdateError::BadWrapper("offset is not 32"));
    }
    let len = U256::from_be_slice(&data[32..64]);
    let body = &data[64..];
    let len = usize::try_from(len)
        .ok()
        .filter(|l| *l <= body.len() && body.len() - l < 32)
        .ok_or(ConfigUpdateError::BadWrapper("length does not match the data"))?;
    if body[len..].iter().any(|b| *b != 0) {
        return Err(ConfigUpdateError::BadWrapper("non-zero padding"));
    }
    Ok(&body[..len])
}

impl SystemConfig {
    /// Applies an update. `ecotone` is whether Ecotone is active for the L1 block carrying it:
    /// from then on the overhead is zeroed and a scalar of unknown version, or a version-0
    /// scalar with dirty padding, is ignored.
    pub fn apply_update(&mut self, update: &SystemConfigUpdate, ecotone: bool) {
        match *update {
            SystemConfigUpdate::Batcher(a) => self.batcher_addr = a,
            SystemConfigUpdate::GasConfig { overhead, scalar } => {
                if ecotone {
                    let valid = match scalar[0] {
                        0 => scalar[1..28].iter().all(|b| *b == 0),
                        1 => scalar[1..24].iter().all(|b| *b == 0),
                        _ => false,
                    };
                    if valid {
                        self.overhead = B256::ZERO;
                        self.scalar = scalar;
                    }
                } else {
                    self.overhead = overhead;
                    self.scalar = scalar;
                }
            }
            SystemConfigUpdate::GasLimit(g) => self.gas_limit = g,
            // Not consensus: the P2P layer reads the signer from L1 storage.
            SystemConfigUpdate::UnsafeBlockSigner(_) => {}
            SystemConfigUpdate::Eip1559Params { denominator, elasticity } => {
                let mut p = [0u8; 8];
                p[..4].copy_from_slice(&denominator.to_be_bytes());
                p[4..].copy_from_slice(&elasticity.to_be_bytes());
                self.eip1559_params = Some(FixedBytes(p));
            }
            SystemConfigUpdate::OperatorFeeParams { scalar, constant } => {
                let mut p = B256::ZERO;
                p[20..24].copy_from_slice(&scalar.to_be_bytes());
                p[24..].copy_from_slice(&constant.to_be_bytes());
                self.operator_fee_params = Some(p);
            }
            SystemConfigUpdate::MinBaseFee(v) => self.min_base_fee = Some(v),
            SystemConfigUpdate::DaFootprintGasScalar(v) => self.da_footprint_gas_scalar = Some(v),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::LogData;

    fn log(ty: u8, payload: &[u8]) -> Log {
        let mut data = U256::from(32).to_be_bytes::<32>().to_vec();
        data.extend_from_slice(&U256::from(payload.len()).to_be_bytes::<32>());
        data.extend_from_slice(payload);
        Log {
            address: Address::ZERO,
            data: LogData::new_unchecked(
                vec![CONFIG_UPDATE_TOPIC, B256::ZERO, U256::from(ty).into()],
                data.into(),
            ),
        }
    }

    #[test]
    fn ecotone_ignores_bad_scalars_and_zeroes_overhead() {
        let mut sc = SystemConfig { overhead: B256::repeat_byte(1), ..Default::default() };
        let bad =
            SystemConfigUpdate::GasConfig { overhead: B256::ZERO, scalar: B256::repeat_byte(2) };
        sc.apply_update(&bad, true);
        assert_eq!(sc.overhead, B256::repeat_byte(1));
        let mut scalar = B256::ZERO;
        scalar[0] = 1;
        scalar[31] = 5;
        sc.apply_update(
            &SystemConfigUpdate::GasConfig { overhead: B256::repeat_byte(3), scalar },
            true,
        );
        assert_eq!((sc.overhead, sc.scalar), (B256::ZERO, scalar));
    }

    #[test]
    fn rejects_wrong_sizes_and_unknown_types() {
        assert!(matches!(
            decode_config_update(&log(2, &[0; 64])),
            Err(ConfigUpdateError::PayloadLength { update_type: 2, .. })
        ));
        assert!(matches!(
            decode_config_update(&log(8, &[0; 32])),
            Err(ConfigUpdateError::UnknownType(_))
        ));
        let mut big = [0u8; 32];
        big[0] = 1;
        assert_eq!(decode_config_update(&log(2, &big)), Err(ConfigUpdateError::ValueOverflow(2)));
    }
}
