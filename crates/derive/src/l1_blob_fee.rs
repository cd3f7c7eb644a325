//! The L1 blob base fee an L1-info tx carries: computed from the L1 header's `excessBlobGas`
//! with the update fraction of the L1 fork at that block (Cancun, Prague, Osaka and the
//! blob-parameter-only forks all differ). Known L1s get their real schedule; any other L1 (the
//! dev L1, anvil) is taken to run Prague's parameters from genesis. A chain whose rollup config
//! sets `pectra_blob_schedule_time` keeps Cancun's parameters before that L1 time.

use alloc::{vec, vec::Vec};
use alloy_eips::eip7840::BlobParams;
use alloy_hardforks::ethereum::{mainnet, sepolia};

use lamina_protocol::RollupConfig;

use crate::ports::L1Header;

/// Blob parameters by L1 timestamp.
#[derive(Debug, Clone, PartialEq)]
pub struct L1BlobSchedule {
    /// `(activation time, params)`, in time order.
    forks: Vec<(u64, BlobParams)>,
    /// Before this L1 time, Cancun's parameters whatever the L1 fork (the rollup config's
    /// `pectra_blob_schedule_time`).
    cancun_until: Option<u64>,
}

impl Default for L1BlobSchedule {
    /// Prague's parameters from genesis.
    fn default() -> Self {
        Self { forks: vec![(0, BlobParams::prague())], cancun_until: None }
    }
}

impl L1BlobSchedule {
    /// The schedule of L1 chain `l1_chain_id`.
    pub fn for_chain(l1_chain_id: u64) -> Self {
        let forks = match l1_chain_id {
            1 => vec![
                (mainnet::MAINNET_CANCUN_TIMESTAMP, BlobParams::cancun()),
                (mainnet::MAINNET_PRAGUE_TIMESTAMP, BlobParams::prague()),
                (mainnet::MAINNET_OSAKA_TIMESTAMP, BlobParams::osaka()),
                (mainnet::MAINNET_BPO1_TIMESTAMP, BlobParams::bpo1()),
                (mainnet::MAINNET_BPO2_TIMESTAMP, BlobParams::bpo2()),
            ],
            11_155_111 => vec![
                (sepolia::SEPOLIA_CANCUN_TIMESTAMP, BlobParams::cancun()),
                (sepolia::SEPOLIA_PRAGUE_TIMESTAMP, BlobParams::prague()),
                (sepolia::SEPOLIA_OSAKA_TIMESTAMP, BlobParams::osaka()),
                (sepolia::SEPOLIA_BPO1_TIMESTAMP, BlobParams::bpo1()),
                (sepolia::SEPOLIA_BPO2_TIMESTAMP, BlobParams::bpo2()),
            ],
            _ => return Self::default(),
        };
        Self { forks, cancun_until: None }
    }

    /// The schedule chain `cfg` prices L1 blobs with: its L1's, and Cancun's parameters before
    /// its `pectra_blob_schedule_time`.
    pub fn for_config(cfg: &RollupConfig) -> Self {
        Self { cancun_until: cfg.pectra_blob_schedule_time, ..Self::for_chain(cfg.l1_chain_id) }
    }

    /// The parameters in force at L1 time `timestamp` (`None` before Cancun).
    pub fn params_at(&self, timestamp: u64) -> Option<BlobParams> {
        let params = self.forks.iter().rev().find(|(t, _)| *t <= timestamp).map(|(_, p)| *p)?;
        match self.cancun_until {
            Some(until) if timestamp < until => Some(BlobParams::cancun()),
            _ => Some(params),
        }
    }

    /// The header's blob base fee; `None` for a block without blob fields.
    pub fn blob_base_fee(&self, header: &L1Header) -> Option<u128> {
        let params = self.params_at(header.timestamp).unwrap_or_else(BlobParams::cancun);
        header.blob_fee(params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mainnet_switches_update_fraction_at_prague() {
        let s = L1BlobSchedule::for_chain(1);
        assert_eq!(s.params_at(mainnet::MAINNET_CANCUN_TIMESTAMP - 1), None);
        assert_eq!(s.params_at(mainnet::MAINNET_PRAGUE_TIMESTAMP - 1), Some(BlobParams::cancun()));
        assert_eq!(s.params_at(mainnet::MAINNET_PRAGUE_TIMESTAMP), Some(BlobParams::prague()));
        assert_eq!(L1BlobSchedule::for_chain(900).params_at(0), Some(BlobParams::prague()));
    }

    #[test]
    fn pectra_blob_schedule_time_keeps_cancun_until_then() {
        // OP Sepolia: L1 Prague on 2025-03-05, the chain's fix on 2025-03-20.
        let cfg = RollupConfig {
            l1_chain_id: 11_155_111,
            pectra_blob_schedule_time: Some(1_742_486_400),
            ..RollupConfig::default()
        };
        let s = L1BlobSchedule::for_config(&cfg);
        let prague = sepolia::SEPOLIA_PRAGUE_TIMESTAMP;
        assert_eq!(s.params_at(prague), Some(BlobParams::cancun()));
        assert_eq!(s.params_at(1_742_486_399), Some(BlobParams::cancun()));
        assert_eq!(s.params_at(1_742_486_400), Some(BlobParams::prague()));
        assert_eq!(s.params_at(sepolia::SEPOLIA_CANCUN_TIMESTAMP - 1), None, "no blobs yet");
        // Without the key the L1's own schedule rules.
        let plain =
            L1BlobSchedule::for_config(&RollupConfig { pectra_blob_schedule_time: None, ..cfg });
        assert_eq!(plain.params_at(prague), Some(BlobParams::prague()));
    }
}
