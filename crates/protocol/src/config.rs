//! The rollup configuration: op-node's `rollup.json`, read and written with its exact field
//! names, plus the per-fork values derived from it (digest §1).
//!
//! Fields this version does not know are kept in `extra` and written back unchanged, so a newer
//! op-node config survives a round trip through Lamina.

use alloc::collections::BTreeMap;
use alloc::string::String;

use alloy_primitives::{Address, B256, FixedBytes};
use serde::{Deserialize, Serialize};

use crate::{
    block::BlockId,
    constants::{
        FJORD_MAX_SEQUENCER_DRIFT, GRANITE_CHANNEL_TIMEOUT, MAX_CHANNEL_BANK_SIZE_BEDROCK,
        MAX_CHANNEL_BANK_SIZE_FJORD, MAX_RLP_BYTES_PER_CHANNEL_BEDROCK,
        MAX_RLP_BYTES_PER_CHANNEL_FJORD,
    },
    hardfork::{Hardfork, HardforkSchedule},
};

/// The system configuration: the L1 SystemConfig contract's values that derivation and execution
/// depend on. In `rollup.json` this is `genesis.system_config` (camelCase keys); derivation keeps
/// a running copy updated by `ConfigUpdate` logs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SystemConfig {
    /// The batcher's address: only its txs to the inbox count.
    pub batcher_addr: Address,
    /// Pre-Ecotone L1 fee overhead.
    pub overhead: B256,
    /// L1 fee scalar (versioned after Ecotone; see `crate::system_config`).
    pub scalar: B256,
    /// L2 block gas limit.
    pub gas_limit: u64,
    /// Holocene EIP-1559 parameters: `be_u32(denominator) ++ be_u32(elasticity)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eip1559_params: Option<FixedBytes<8>>,
    /// Isthmus operator fee parameters: `scalar` (u32) at bytes 20..24, `constant` (u64) at 24..32.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator_fee_params: Option<B256>,
    /// Jovian minimum base fee.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_base_fee: Option<u64>,
    /// Jovian DA footprint gas scalar.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub da_footprint_gas_scalar: Option<u16>,
    /// Keys this version does not interpret, kept for round trips.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// The chain's starting point: the `genesis` object of `rollup.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Genesis {
    /// The L1 block derivation starts from; the L1 origin of the L2 genesis block.
    pub l1: BlockId,
    /// The L2 genesis block.
    pub l2: BlockId,
    /// Timestamp of the L2 genesis block; span batches count time from here.
    pub l2_time: u64,
    /// The system configuration at genesis.
    pub system_config: SystemConfig,
}

/// Execution-layer EIP-1559 parameters (`chain_op_config` in newer op-node configs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChainOpConfig {
    /// Elasticity multiplier.
    pub eip1559_elasticity: u64,
    /// Base fee change denominator before Canyon.
    pub eip1559_denominator: u64,
    /// Base fee change denominator from Canyon on.
    pub eip1559_denominator_canyon: u64,
}

impl Default for ChainOpConfig {
    /// OP Mainnet's values.
    fn default() -> Self {
        Self { eip1559_elasticity: 6, eip1559_denominator: 50, eip1559_denominator_canyon: 250 }
    }
}

/// op-node's `rollup.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RollupConfig {
    /// Genesis anchors.
    pub genesis: Genesis,
    /// Seconds between L2 blocks.
    pub block_time: u64,
    /// Pre-Fjord maximum distance (seconds) of an L2 timestamp ahead of its L1 origin.
    pub max_sequencer_drift: u64,
    /// Sequencing window, in L1 blocks.
    pub seq_window_size: u64,
    /// Pre-Granite channel timeout, in L1 blocks.
    pub channel_timeout: u64,
    /// Post-Granite channel timeout (kona's field; op-node hard-codes 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub granite_channel_timeout: Option<u64>,
    /// L1 chain id.
    pub l1_chain_id: u64,
    /// L2 chain id.
    pub l2_chain_id: u64,
    /// Fork activation times.
    #[serde(flatten)]
    pub hardforks: HardforkSchedule,
    /// The `to` address of batcher txs on L1.
    pub batch_inbox_address: Address,
    /// The OptimismPortal (deposit logs come from here).
    pub deposit_contract_address: Address,
    /// The SystemConfig contract (ConfigUpdate logs come from here).
    pub l1_system_config_address: Address,
    /// Optional ProtocolVersions contract.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol_versions_address: Option<Address>,
    /// Execution EIP-1559 parameters, when the config carries them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain_op_config: Option<ChainOpConfig>,
    /// The L1 time until which (not including) L1-info txs price blobs with Cancun's update
    /// fraction even on a Prague L1: the fix OP Sepolia-era chains scheduled after their
    /// sequencers kept the old fraction (op-node's key; not a fork of the L2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pectra_blob_schedule_time: Option<u64>,
    /// Keys this version does not interpret (`alt_da`, `interop_time`, …), kept for round trips.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// Why a rollup config was rejected.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Not valid JSON, or a field has the wrong type.
    #[error("rollup config json: {0}")]
    Json(#[from] serde_json::Error),
    /// A value is out of range.
    #[error("rollup config field {field}: {reason}")]
    Invalid {
        /// The offending key.
        field: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
}

impl RollupConfig {
    /// The preset of a local dev chain (what `lamina dev` starts from): L1 chain 900, L2 chain
    /// 901, 2-second blocks, every fork through Isthmus active from genesis, a 30M gas limit.
    /// Addresses of deployed contracts are filled in by the deployer.
    pub fn dev() -> Self {
        Self {
            genesis: Genesis {
                system_config: SystemConfig { gas_limit: 30_000_000, ..Default::default() },
                ..Default::default()
            },
            block_time: 2,
            max_sequencer_drift: 300,
            seq_window_size: 200,
            channel_timeout: 120,
            l1_chain_id: 900,
            l2_chain_id: 901,
            hardforks: HardforkSchedule::all_through_isthmus(),
            // By convention 0xff00…00 followed by the chain id in decimal digits.
            batch_inbox_address: alloy_primitives::address!(
                "ff00000000000000000000000000000000000901"
            ),
            ..Default::default()
        }
    }

    /// Sets, where still unset, the genesis system config fields of every scheduled fork to
    /// zero, as op-node writes them: `eip1559Params` once Holocene is scheduled,
    /// `operatorFeeParams` with Isthmus, `minBaseFee` and `daFootprintGasScalar` with Jovian.
    /// Zero means "not set on L1 yet" to every reader, so the chain is the same either way;
    /// the keys are there for readers that expect op-node's file.
    pub fn with_scheduled_system_config_fields(mut self) -> Self {
        let forks = self.hardforks;
        let sc = &mut self.genesis.system_config;
        if forks.time(Hardfork::Holocene).is_some() {
            sc.eip1559_params.get_or_insert_default();
        }
        if forks.time(Hardfork::Isthmus).is_some() {
            sc.operator_fee_params.get_or_insert_default();
        }
        if forks.time(Hardfork::Jovian).is_some() {
            sc.min_base_fee.get_or_insert_default();
            sc.da_footprint_gas_scalar.get_or_insert_default();
        }
        self
    }

    /// Parses and validates a `rollup.json` document.
    pub fn from_json(json: &str) -> Result<Self, ConfigError> {
        let cfg: Self = serde_json::from_str(json)?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Serializes to pretty JSON in op-node's layout.
    pub fn to_json(&self) -> String {
        // Serializing plain data with string keys cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Checks the values a node cannot run with.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |field, reason| Err(ConfigError::Invalid { field, reason });
        if self.block_time == 0 {
            return invalid("block_time", "must be positive");
        }
        if self.seq_window_size < 2 {
            return invalid("seq_window_size", "must be at least 2");
        }
        if self.channel_timeout == 0 {
            return invalid("channel_timeout", "must be positive");
        }
        if self.l1_chain_id == 0 {
            return invalid("l1_chain_id", "must be set");
        }
        if self.l2_chain_id == 0 {
            return invalid("l2_chain_id", "must be set");
        }
        if self.genesis.system_config.gas_limit == 0 {
            return invalid("genesis.system_config.gasLimit", "must be positive");
        }
        let mut last = 0u64;
        for fork in &Hardfork::ALL[1..] {
            if let Some(t) = self.hardforks.time(*fork) {
                if t < last {
                    return invalid(
                        "hardfork times",
                        "must not decrease from one fork to the next",
                    );
                }
                last = t;
            }
        }
        Ok(())
    }

    /// Whether `fork` is active at `timestamp`.
    pub fn is_active(&self, fork: Hardfork, timestamp: u64) -> bool {
        self.hardforks.is_active(fork, timestamp)
    }

    /// Max sequencer drift for an L1 origin with timestamp `l1_origin_time`.
    pub fn max_sequencer_drift(&self, l1_origin_time: u64) -> u64 {
        if self.is_active(Hardfork::Fjord, l1_origin_time) {
            FJORD_MAX_SEQUENCER_DRIFT
        } else {
            self.max_sequencer_drift
        }
    }

    /// Channel timeout (in L1 blocks) for data from an L1 block with timestamp `l1_time`.
    pub fn channel_timeout(&self, l1_time: u64) -> u64 {
        if self.is_active(Hardfork::Granite, l1_time) {
            self.granite_channel_timeout.unwrap_or(GRANITE_CHANNEL_TIMEOUT)
        } else {
            self.channel_timeout
        }
    }

    /// Max decompressed bytes read from one channel, by the current L1 origin's time.
    pub fn max_rlp_bytes_per_channel(&self, l1_origin_time: u64) -> u64 {
        if self.is_active(Hardfork::Fjord, l1_origin_time) {
            MAX_RLP_BYTES_PER_CHANNEL_FJORD
        } else {
            MAX_RLP_BYTES_PER_CHANNEL_BEDROCK
        }
    }

    /// Pre-Holocene channel bank size limit, by the current L1 origin's time.
    pub fn max_channel_bank_size(&self, l1_origin_time: u64) -> u64 {
        if self.is_active(Hardfork::Fjord, l1_origin_time) {
            MAX_CHANNEL_BANK_SIZE_FJORD
        } else {
            MAX_CHANNEL_BANK_SIZE_BEDROCK
        }
    }

    /// The L2 block number at `timestamp` (which must not precede genesis).
    pub fn block_number_at(&self, timestamp: u64) -> Option<u64> {
        let since = timestamp.checked_sub(self.genesis.l2_time)?;
        Some(since / self.block_time + self.genesis.l2.number)
    }

    /// EIP-1559 parameters of the execution layer (OP Mainnet's when the config has none).
    pub fn chain_op_config(&self) -> ChainOpConfig {
        self.chain_op_config.unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> RollupConfig {
        RollupConfig {
            block_time: 2,
            max_sequencer_drift: 600,
            seq_window_size: 3600,
            channel_timeout: 300,
            l1_chain_id: 1,
            l2_chain_id: 10,
            genesis: Genesis {
                system_config: SystemConfig { gas_limit: 30_000_000, ..Default::default() },
                ..Default::default()
            },
            hardforks: HardforkSchedule {
                fjord_time: Some(100),
                granite_time: Some(200),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    #[test]
    fn the_dev_preset_is_valid() {
        let c = RollupConfig::dev();
        c.validate().unwrap();
        assert_eq!(
            c.batch_inbox_address.to_string().to_lowercase(),
            "0xff00000000000000000000000000000000000901"
        );
        assert!(c.is_active(Hardfork::Isthmus, 0));
    }

    #[test]
    fn derived_values_follow_forks() {
        let c = sample();
        assert_eq!(c.max_sequencer_drift(99), 600);
        assert_eq!(c.max_sequencer_drift(100), 1800);
        assert_eq!(c.channel_timeout(199), 300);
        assert_eq!(c.channel_timeout(200), 50);
        assert_eq!(c.max_rlp_bytes_per_channel(99), 10_000_000);
        assert_eq!(c.max_rlp_bytes_per_channel(100), 100_000_000);
        assert_eq!(c.max_channel_bank_size(100), 1_000_000_000);
    }

    #[test]
    fn rejects_bad_values_with_the_field_name() {
        let mut c = sample();
        c.block_time = 0;
        assert!(c.validate().unwrap_err().to_string().contains("block_time"));
        let mut c = sample();
        c.hardforks.delta_time = Some(500);
        assert!(c.validate().unwrap_err().to_string().contains("hardfork"));
        assert!(matches!(RollupConfig::from_json("{"), Err(ConfigError::Json(_))));
    }

    #[test]
    fn unknown_keys_survive_a_round_trip() {
        let mut v: serde_json::Value = serde_json::to_value(sample()).unwrap();
        v["interop_time"] = 5.into();
        v["alt_da"] = serde_json::json!({"da_challenge_window": 3});
        let parsed: RollupConfig = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(serde_json::to_value(&parsed).unwrap(), v);
    }
}
