//! The deploy config (`deploy.json`): what a new chain is made of. Keys are those of OP's
//! deploy config where one exists (`l1ChainID`, `batchSenderAddress`,
//! `l2GenesisIsthmusTimeOffset` …), so an operator's existing file mostly reads as is; keys
//! we do not use are reported and ignored.

use std::collections::BTreeMap;

use alloy_primitives::{Address, B256, address};
use serde::{Deserialize, Deserializer, Serialize};

use crate::dev::DEV_ACCOUNTS;

/// A chain to deploy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeployConfig {
    /// The L1's chain id (checked against the node).
    #[serde(rename = "l1ChainID")]
    pub l1_chain_id: u64,
    /// The new L2's chain id.
    #[serde(rename = "l2ChainID")]
    pub l2_chain_id: u64,
    /// Seconds per L2 block.
    pub l2_block_time: u64,
    /// Pre-Fjord sequencer drift, in seconds.
    pub max_sequencer_drift: u64,
    /// Sequencing window, in L1 blocks.
    pub sequencer_window_size: u64,
    /// Pre-Granite channel timeout, in L1 blocks.
    pub channel_timeout: u64,
    /// The L1 block the chain starts from (its hash); `None`: the L1 head when the deployment
    /// starts (then pinned in the output directory, so a re-run uses the same one).
    #[serde(default, rename = "l1StartingBlockTag", skip_serializing_if = "Option::is_none")]
    pub l1_starting_block: Option<B256>,
    /// Who signs unsafe blocks on the p2p network.
    pub p2p_sequencer_address: Address,
    /// Where batches are sent; `None`: `0xff00…00` followed by the L2 chain id in decimal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_inbox_address: Option<Address>,
    /// The batcher.
    pub batch_sender_address: Address,
    /// L2 blocks between output proposals.
    pub l2_output_oracle_submission_interval: u64,
    /// The proposer.
    pub l2_output_oracle_proposer: Address,
    /// The challenger (may delete outputs).
    pub l2_output_oracle_challenger: Address,
    /// Seconds between a proposal and the finalization of withdrawals proven against it.
    pub finalization_period_seconds: u64,
    /// SystemConfig's owner.
    pub final_system_owner: Address,
    /// The L2 block gas limit.
    pub l2_genesis_block_gas_limit: u64,
    /// Ecotone L1 fee scalar on the L1 base fee.
    pub gas_price_oracle_base_fee_scalar: u32,
    /// Ecotone L1 fee scalar on the L1 blob base fee.
    pub gas_price_oracle_blob_base_fee_scalar: u32,
    /// L2 EIP-1559 elasticity.
    pub eip1559_elasticity: u64,
    /// L2 EIP-1559 denominator before Canyon.
    pub eip1559_denominator: u64,
    /// L2 EIP-1559 denominator from Canyon.
    pub eip1559_denominator_canyon: u64,
    /// Fork activations, in seconds after the L2 genesis (`None`: not scheduled).
    #[serde(flatten)]
    pub forks: ForkOffsets,
    /// Fund anvil's ten dev accounts on L2 (10 000 ETH each).
    #[serde(default)]
    pub fund_dev_accounts: bool,
    /// Mixed into every CREATE2 salt: another salt, another set of addresses.
    #[serde(default)]
    pub create2_salt: B256,
    /// Keys this version does not use.
    #[serde(flatten, skip_serializing)]
    pub unknown: BTreeMap<String, serde_json::Value>,
}

/// Fork activation offsets from the L2 genesis, in OP's deploy-config keys.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct ForkOffsets {
    #[serde(default, deserialize_with = "offset", skip_serializing_if = "Option::is_none")]
    pub l2_genesis_regolith_time_offset: Option<u64>,
    #[serde(default, deserialize_with = "offset", skip_serializing_if = "Option::is_none")]
    pub l2_genesis_canyon_time_offset: Option<u64>,
    #[serde(default, deserialize_with = "offset", skip_serializing_if = "Option::is_none")]
    pub l2_genesis_delta_time_offset: Option<u64>,
    #[serde(default, deserialize_with = "offset", skip_serializing_if = "Option::is_none")]
    pub l2_genesis_ecotone_time_offset: Option<u64>,
    #[serde(default, deserialize_with = "offset", skip_serializing_if = "Option::is_none")]
    pub l2_genesis_fjord_time_offset: Option<u64>,
    #[serde(default, deserialize_with = "offset", skip_serializing_if = "Option::is_none")]
    pub l2_genesis_granite_time_offset: Option<u64>,
    #[serde(default, deserialize_with = "offset", skip_serializing_if = "Option::is_none")]
    pub l2_genesis_holocene_time_offset: Option<u64>,
    #[serde(default, deserialize_with = "offset", skip_serializing_if = "Option::is_none")]
    pub l2_genesis_isthmus_time_offset: Option<u64>,
}

/// An offset as OP writes it (`"0x0"`) or as a number.
fn offset<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Offset {
        Number(u64),
        Text(String),
    }
    match Option::<Offset>::deserialize(d)? {
        None => Ok(None),
        Some(Offset::Number(n)) => Ok(Some(n)),
        Some(Offset::Text(s)) => {
            let parsed = match s.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16),
                None => s.parse(),
            };
            parsed.map(Some).map_err(|e| serde::de::Error::custom(format!("offset {s}: {e}")))
        }
    }
}

/// Why a deploy config was refused.
#[derive(Debug, thiserror::Error)]
pub enum DeployConfigError {
    /// Not JSON of this shape.
    #[error("deploy config: {0}")]
    Json(#[from] serde_json::Error),
    /// A value a chain cannot run with.
    #[error("deploy config {field}: {reason}")]
    Invalid {
        /// The key.
        field: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
}

impl DeployConfig {
    /// The dev chain `lamina dev` deploys on its L1: L1 900, L2 901, 2-second blocks, every
    /// fork through Isthmus from genesis, anvil's dev accounts in the roles (0: owner and
    /// challenger, 1: batcher, 2: proposer, 3: sequencer) and funded on L2, outputs every 10
    /// blocks, withdrawals final 12 s after their output.
    pub fn dev() -> Self {
        let acct = |i: usize| DEV_ACCOUNTS[i].0;
        Self {
            l1_chain_id: 900,
            l2_chain_id: 901,
            l2_block_time: 2,
            max_sequencer_drift: 300,
            sequencer_window_size: 200,
            channel_timeout: 120,
            l1_starting_block: None,
            p2p_sequencer_address: acct(3),
            batch_inbox_address: None,
            batch_sender_address: acct(1),
            l2_output_oracle_submission_interval: 10,
            l2_output_oracle_proposer: acct(2),
            l2_output_oracle_challenger: acct(0),
            finalization_period_seconds: 12,
            final_system_owner: acct(0),
            l2_genesis_block_gas_limit: 30_000_000,
            gas_price_oracle_base_fee_scalar: 1_368,
            gas_price_oracle_blob_base_fee_scalar: 810_949,
            eip1559_elasticity: 6,
            eip1559_denominator: 50,
            eip1559_denominator_canyon: 250,
            forks: ForkOffsets {
                l2_genesis_regolith_time_offset: Some(0),
                l2_genesis_canyon_time_offset: Some(0),
                l2_genesis_delta_time_offset: Some(0),
                l2_genesis_ecotone_time_offset: Some(0),
                l2_genesis_fjord_time_offset: Some(0),
                l2_genesis_granite_time_offset: Some(0),
                l2_genesis_holocene_time_offset: Some(0),
                l2_genesis_isthmus_time_offset: Some(0),
            },
            fund_dev_accounts: true,
            create2_salt: B256::ZERO,
            unknown: BTreeMap::new(),
        }
    }

    /// Parses and checks a config; unused keys are logged.
    pub fn from_json(json: &str) -> Result<Self, DeployConfigError> {
        let config: Self = serde_json::from_str(json)?;
        for key in config.unknown.keys() {
            tracing::warn!(target: "l1::deploy", key, "deploy config key not used by Lamina");
        }
        config.validate()?;
        Ok(config)
    }

    /// Checks what a chain cannot run with.
    pub fn validate(&self) -> Result<(), DeployConfigError> {
        let bad = |field, reason| Err(DeployConfigError::Invalid { field, reason });
        if self.l1_chain_id == 0 || self.l2_chain_id == 0 {
            return bad("l1ChainID/l2ChainID", "must be set");
        }
        if self.l1_chain_id == self.l2_chain_id {
            return bad("l2ChainID", "must differ from the L1's");
        }
        if self.l2_block_time == 0 {
            return bad("l2BlockTime", "must be positive");
        }
        if self.l2_output_oracle_submission_interval == 0 {
            return bad("l2OutputOracleSubmissionInterval", "must be positive");
        }
        if self.sequencer_window_size < 2 || self.channel_timeout == 0 {
            return bad("sequencerWindowSize/channelTimeout", "too small");
        }
        if self.l2_genesis_block_gas_limit < 5_000_000 {
            return bad("l2GenesisBlockGasLimit", "below 5M, deposits cannot fit");
        }
        if self.eip1559_elasticity == 0 || self.eip1559_denominator_canyon == 0 {
            return bad("eip1559*", "must be positive");
        }
        let f = &self.forks;
        let offsets = [
            f.l2_genesis_regolith_time_offset,
            f.l2_genesis_canyon_time_offset,
            f.l2_genesis_delta_time_offset,
            f.l2_genesis_ecotone_time_offset,
            f.l2_genesis_fjord_time_offset,
            f.l2_genesis_granite_time_offset,
            f.l2_genesis_holocene_time_offset,
            f.l2_genesis_isthmus_time_offset,
        ];
        let mut last = 0;
        for t in offsets.into_iter().flatten() {
            if t < last {
                return bad("l2Genesis*TimeOffset", "must not decrease from one fork to the next");
            }
            last = t;
        }
        // An Ecotone, Fjord or Isthmus activation block after genesis needs the network-upgrade
        // deposits (digest §2.6), which Lamina does not build yet: refuse the schedule here
        // rather than let the chain halt at the fork.
        for (name, t) in [
            ("l2GenesisEcotoneTimeOffset", f.l2_genesis_ecotone_time_offset),
            ("l2GenesisFjordTimeOffset", f.l2_genesis_fjord_time_offset),
            ("l2GenesisIsthmusTimeOffset", f.l2_genesis_isthmus_time_offset),
        ] {
            if t.is_some_and(|t| t > 0) {
                return bad(
                    name,
                    "must be 0 or absent: upgrade transactions after genesis are not supported yet",
                );
            }
        }
        Ok(())
    }

    /// The batch inbox: configured, or `0xff00…00` followed by the chain id's decimal digits.
    pub fn batch_inbox(&self) -> Address {
        self.batch_inbox_address.unwrap_or_else(|| {
            let digits = self.l2_chain_id.to_string();
            let hex = format!("ff{}{digits}", "0".repeat(38usize.saturating_sub(digits.len())));
            hex.parse().unwrap_or(address!("ff00000000000000000000000000000000000000"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dev_config_round_trips_and_derives_the_inbox() {
        let dev = DeployConfig::dev();
        dev.validate().unwrap();
        let json = serde_json::to_string(&dev).unwrap();
        assert!(json.contains("\"l1ChainID\":900") && json.contains("l2GenesisIsthmusTimeOffset"));
        assert_eq!(DeployConfig::from_json(&json).unwrap(), dev);
        assert_eq!(dev.batch_inbox(), address!("ff00000000000000000000000000000000000901"));
    }

    #[test]
    fn op_style_offsets_and_unknown_keys_are_read() {
        let mut v = serde_json::to_value(DeployConfig::dev()).unwrap();
        v["l2GenesisIsthmusTimeOffset"] = "0x10".into();
        v["governanceTokenSymbol"] = "OP".into();
        let c: DeployConfig = serde_json::from_value(v).unwrap();
        assert_eq!(c.forks.l2_genesis_isthmus_time_offset, Some(16));
        assert!(c.unknown.contains_key("governanceTokenSymbol"));
    }

    #[test]
    fn bad_configs_are_refused() {
        let mut c = DeployConfig::dev();
        c.l2_block_time = 0;
        assert!(c.validate().is_err());
        let mut c = DeployConfig::dev();
        c.forks.l2_genesis_isthmus_time_offset = Some(0);
        c.forks.l2_genesis_holocene_time_offset = Some(10);
        assert!(c.validate().is_err());
        // A fork whose activation block needs upgrade txs, after genesis.
        let mut c = DeployConfig::dev();
        c.forks.l2_genesis_isthmus_time_offset = Some(20);
        let e = c.validate().unwrap_err().to_string();
        assert!(e.contains("l2GenesisIsthmusTimeOffset"), "{e}");
        // Forks without upgrade txs may come later; Isthmus may be left out.
        let mut c = DeployConfig::dev();
        c.forks.l2_genesis_isthmus_time_offset = None;
        c.forks.l2_genesis_holocene_time_offset = Some(20);
        c.validate().unwrap();
        assert!(DeployConfig::from_json("{\"l1ChainID\": \"x\"}").is_err());
    }
}
