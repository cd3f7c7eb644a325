//! Header rules per fork (digest §8.4, §9.1): the base fee with OP's EIP-1559 parameters, and
//! Holocene's `extraData` carrying those parameters.

use alloc::{format, vec::Vec};
use alloy_consensus::Header;
use alloy_eips::eip1559::BaseFeeParams;
use alloy_primitives::{Bytes, FixedBytes};
use lamina_protocol::{Hardfork, config::ChainOpConfig};

use crate::{error::ExecError, spec::OpForks};

/// Base fee parameters for a block whose parent is `parent` (Canyon or earlier constants, or,
/// when Holocene is active at the parent's time, the parameters in the parent's `extraData`).
pub fn base_fee_params(
    forks: &OpForks,
    op: &ChainOpConfig,
    parent: &Header,
) -> Result<BaseFeeParams, ExecError> {
    // A genesis block may predate the Holocene extraData format even on a chain with Holocene
    // at genesis; it then counts as carrying the Canyon constants.
    let genesis_without_params = parent.number == 0 && parent.extra_data.len() != 9;
    if forks.is_active(Hardfork::Holocene, parent.timestamp) && !genesis_without_params {
        let (denominator, elasticity) = decode_holocene_extra_data(&parent.extra_data)?;
        return Ok(BaseFeeParams::new(u128::from(denominator), u128::from(elasticity)));
    }
    let denominator = if forks.is_active(Hardfork::Canyon, parent.timestamp) {
        op.eip1559_denominator_canyon
    } else {
        op.eip1559_denominator
    };
    Ok(BaseFeeParams::new(u128::from(denominator), u128::from(op.eip1559_elasticity)))
}

/// The base fee of the child of `parent`.
pub fn next_base_fee(
    forks: &OpForks,
    op: &ChainOpConfig,
    parent: &Header,
) -> Result<u64, ExecError> {
    let params = base_fee_params(forks, op, parent)?;
    Ok(parent.next_block_base_fee(params).unwrap_or_default())
}

/// Holocene `extraData`: `0x00 ++ be_u32(denominator) ++ be_u32(elasticity)`; zero params (the
/// activation block) are replaced by the Canyon constants.
pub fn holocene_extra_data(params: FixedBytes<8>, op: &ChainOpConfig) -> Result<Bytes, ExecError> {
    let mut denominator = u32::from_be_bytes([params[0], params[1], params[2], params[3]]);
    let mut elasticity = u32::from_be_bytes([params[4], params[5], params[6], params[7]]);
    if denominator == 0 && elasticity == 0 {
        denominator = u32::try_from(op.eip1559_denominator_canyon)
            .map_err(|_| ExecError::InvalidAttributes("canyon denominator exceeds u32".into()))?;
        elasticity = u32::try_from(op.eip1559_elasticity)
            .map_err(|_| ExecError::InvalidAttributes("elasticity exceeds u32".into()))?;
    }
    if denominator == 0 || elasticity == 0 {
        return Err(ExecError::InvalidAttributes(
            "eip1559Params: denominator and elasticity must both be non-zero".into(),
        ));
    }
    let mut out = Vec::with_capacity(9);
    out.push(0);
    out.extend_from_slice(&denominator.to_be_bytes());
    out.extend_from_slice(&elasticity.to_be_bytes());
    Ok(out.into())
}

/// Reads `(denominator, elasticity)` from a Holocene `extraData`.
pub fn decode_holocene_extra_data(extra: &[u8]) -> Result<(u32, u32), ExecError> {
    if extra.len() != 9 || extra[0] != 0 {
        return Err(ExecError::InvalidAttributes(format!(
            "parent extraData is not Holocene's 9-byte version 0 form ({} bytes)",
            extra.len()
        )));
    }
    let d = u32::from_be_bytes([extra[1], extra[2], extra[3], extra[4]]);
    let e = u32::from_be_bytes([extra[5], extra[6], extra[7], extra[8]]);
    if d == 0 || e == 0 {
        return Err(ExecError::InvalidAttributes("parent extraData has zero 1559 params".into()));
    }
    Ok((d, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use lamina_protocol::HardforkSchedule;

    #[test]
    fn holocene_extra_data_substitutes_canyon_constants_for_zeros() {
        let op = ChainOpConfig::default();
        let zero = holocene_extra_data(FixedBytes::ZERO, &op).unwrap();
        assert_eq!(zero.as_ref(), &[0, 0, 0, 0, 250, 0, 0, 0, 6]);
        assert_eq!(decode_holocene_extra_data(&zero).unwrap(), (250, 6));
        let mut p = [0u8; 8];
        p[3] = 8;
        assert!(
            holocene_extra_data(FixedBytes(p), &op).is_err(),
            "elasticity 0 with denominator 8"
        );
        assert!(decode_holocene_extra_data(&[1; 9]).is_err());
    }

    #[test]
    fn denominator_follows_canyon_then_parent_extra_data() {
        let op = ChainOpConfig::default();
        let forks = OpForks::new(HardforkSchedule {
            canyon_time: Some(10),
            holocene_time: Some(20),
            ..Default::default()
        });
        let parent = |timestamp, extra: &[u8]| Header {
            number: 5,
            timestamp,
            gas_limit: 30_000_000,
            gas_used: 30_000_000,
            base_fee_per_gas: Some(1_000_000_000),
            extra_data: Bytes::copy_from_slice(extra),
            ..Default::default()
        };
        // A full block with elasticity 6 is 6× the target: the fee rises by 5/denominator.
        let pre = next_base_fee(&forks, &op, &parent(8, &[])).unwrap();
        let canyon = next_base_fee(&forks, &op, &parent(12, &[])).unwrap();
        assert_eq!(pre, 1_000_000_000 + 1_000_000_000 * 5 / 50);
        assert_eq!(canyon, 1_000_000_000 + 1_000_000_000 * 5 / 250);
        let holo = next_base_fee(&forks, &op, &parent(22, &[0, 0, 0, 0, 10, 0, 0, 0, 2])).unwrap();
        assert_eq!(holo, 1_000_000_000 + 1_000_000_000 / 10);
        assert!(next_base_fee(&forks, &op, &parent(22, &[])).is_err());
    }
}
