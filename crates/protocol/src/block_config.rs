//! The system config an L2 block carries (digest §4.10): what derivation resumes from after a
//! restart or reset, read from the block itself instead of replaying L1 from genesis.
//!
//! The batcher, fee overhead and scalars come from the block's L1-info tx; the gas limit from
//! the header; the Holocene EIP-1559 parameters (and Jovian's minimum base fee) from the header's
//! `extraData`; Isthmus's operator fee from the L1-info tx.

use alloy_primitives::{B256, FixedBytes};

use crate::{
    codec::{DecodeError, DecodeErrorKind},
    config::SystemConfig,
    deposit::TxDeposit,
    l1_info::{L1BlockInfoTx, L1InfoEcotone},
};

/// Holocene `extraData`: `0x00 ++ be_u32 denominator ++ be_u32 elasticity`.
const EXTRA_HOLOCENE: usize = 9;
/// Jovian `extraData`: Holocene's with version 1 and `be_u64 minBaseFee` appended.
const EXTRA_JOVIAN: usize = 17;

/// The fee parameters a Holocene-or-later header's `extraData` holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtraDataParams {
    /// `be_u32(denominator) ++ be_u32(elasticity)`, as the SystemConfig stores them.
    pub eip1559_params: FixedBytes<8>,
    /// Jovian's minimum base fee.
    pub min_base_fee: Option<u64>,
}

/// Parses a Holocene (version 0, 9 bytes) or Jovian (version 1, 17 bytes) `extraData`.
pub fn decode_extra_data(extra: &[u8]) -> Result<ExtraDataParams, DecodeError> {
    let bad = |why| DecodeError::new("extraData", 0, DecodeErrorKind::Invalid(why));
    let mut p = [0u8; 8];
    match (extra.first(), extra.len()) {
        (Some(0), EXTRA_HOLOCENE) => {
            p.copy_from_slice(&extra[1..9]);
            Ok(ExtraDataParams { eip1559_params: FixedBytes(p), min_base_fee: None })
        }
        (Some(1), EXTRA_JOVIAN) => {
            p.copy_from_slice(&extra[1..9]);
            let mut m = [0u8; 8];
            m.copy_from_slice(&extra[9..17]);
            Ok(ExtraDataParams {
                eip1559_params: FixedBytes(p),
                min_base_fee: Some(u64::from_be_bytes(m)),
            })
        }
        _ => Err(bad("not a Holocene or Jovian extraData")),
    }
}

/// The version-1 scalar word the Ecotone L1-info fields encode.
fn ecotone_scalar(e: &L1InfoEcotone) -> B256 {
    let mut s = B256::ZERO;
    s[0] = 1;
    s[24..28].copy_from_slice(&e.blob_base_fee_scalar.to_be_bytes());
    s[28..32].copy_from_slice(&e.base_fee_scalar.to_be_bytes());
    s
}

/// The system config in force after L2 block `header` of chain `cfg` (whose first tx is
/// `first_tx`): the genesis config for the genesis block, else [`system_config_of_block`] with
/// `extraData` read from Holocene on.
pub fn system_config_after(
    cfg: &crate::RollupConfig,
    header: &alloy_consensus::Header,
    first_tx: Option<&[u8]>,
) -> Result<SystemConfig, DecodeError> {
    if header.number == cfg.genesis.l2.number {
        return Ok(cfg.genesis.system_config.clone());
    }
    let first = first_tx.ok_or_else(|| {
        DecodeError::new("l1_info_tx", 0, DecodeErrorKind::Invalid("the block has no txs"))
    })?;
    let holocene = cfg.is_active(crate::Hardfork::Holocene, header.timestamp);
    system_config_of_block(first, header.gas_limit, holocene.then_some(header.extra_data.as_ref()))
}

/// The system config of an L2 block, from its first tx (the L1-info deposit, EIP-2718 bytes),
/// its header's gas limit and `extraData` (`None` before Holocene: the field is not read).
pub fn system_config_of_block(
    first_tx: &[u8],
    gas_limit: u64,
    extra_data: Option<&[u8]>,
) -> Result<SystemConfig, DecodeError> {
    let deposit = TxDeposit::decode_2718(first_tx)?;
    let info = L1BlockInfoTx::decode_calldata(&deposit.input)?;
    let mut config =
        SystemConfig { batcher_addr: info.batcher_address(), gas_limit, ..SystemConfig::default() };
    match info {
        L1BlockInfoTx::Bedrock(b) => {
            config.overhead = B256::from(b.l1_fee_overhead);
            config.scalar = B256::from(b.l1_fee_scalar);
        }
        L1BlockInfoTx::Ecotone(e) => config.scalar = ecotone_scalar(&e),
        L1BlockInfoTx::Isthmus(i) => {
            config.scalar = ecotone_scalar(&i.ecotone);
            let mut p = B256::ZERO;
            p[20..24].copy_from_slice(&i.operator_fee_scalar.to_be_bytes());
            p[24..].copy_from_slice(&i.operator_fee_constant.to_be_bytes());
            config.operator_fee_params = Some(p);
        }
    }
    if let Some(extra) = extra_data {
        let params = decode_extra_data(extra)?;
        config.eip1559_params = Some(params.eip1559_params);
        config.min_base_fee = params.min_base_fee;
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{Address, U256};

    use super::*;
    use crate::{HardforkSchedule, RollupConfig, l1_info::L1OriginFields};

    fn config() -> RollupConfig {
        RollupConfig { hardforks: HardforkSchedule::all_through_isthmus(), ..Default::default() }
    }

    #[test]
    fn recovers_what_the_l1_info_tx_and_header_carry() {
        let cfg = config();
        let mut sys = SystemConfig {
            batcher_addr: Address::repeat_byte(0xba),
            gas_limit: 40_000_000,
            eip1559_params: Some(FixedBytes([0, 0, 0, 250, 0, 0, 0, 6])),
            operator_fee_params: Some(B256::with_last_byte(9)),
            ..SystemConfig::default()
        };
        sys.scalar[0] = 1;
        sys.scalar[27] = 7;
        sys.scalar[31] = 3;
        let origin = L1OriginFields { number: 5, base_fee: U256::from(1), ..Default::default() };
        let ts = 1_000;
        let info = L1BlockInfoTx::build(&cfg, &sys, &origin, 0, ts).unwrap();
        let tx = info.to_deposit_tx(&cfg, ts).encoded_2718();
        let mut extra = vec![0u8];
        extra.extend_from_slice(&[0, 0, 0, 250, 0, 0, 0, 6]);
        let got = system_config_of_block(&tx, 40_000_000, Some(&extra)).unwrap();
        assert_eq!(got, sys);
    }

    #[test]
    fn refuses_what_is_not_an_l1_info_block() {
        assert!(system_config_of_block(&[], 1, None).is_err());
        assert!(system_config_of_block(&[0x7e, 0xc0], 1, None).is_err());
        assert!(decode_extra_data(&[0; 8]).is_err());
        assert!(decode_extra_data(&[2; 9]).is_err());
        let jovian = decode_extra_data(&[1, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3]);
        assert_eq!(jovian.unwrap().min_base_fee, Some(3));
    }
}
