//! The deploy config (`deploy.json`): what a new chain is made of. Keys are those of OP's
//! deploy config where one exists (`l1ChainID`, `batchSenderAddress`,
//! `l2GenesisIsthmusTimeOffset` …), so an operator's existing file mostly reads as is; keys
//! we do not use are reported and ignored.

use std::collections::BTreeMap;

use alloy_primitives::{Address, B256, U256, address};
use serde::{Deserialize, Deserializer, Serialize};

use crate::accounts::DEV_ACCOUNTS;

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
    /// Who the BaseFeeVault pays (base fees). Must be set off dev chains.
    #[serde(default)]
    pub base_fee_vault_recipient: Address,
    /// Who the L1FeeVault pays (L1 data fees).
    #[serde(default)]
    pub l1_fee_vault_recipient: Address,
    /// Who the SequencerFeeVault pays (priority fees).
    #[serde(default)]
    pub sequencer_fee_vault_recipient: Address,
    /// Who the OperatorFeeVault pays (Isthmus operator fees).
    #[serde(default)]
    pub operator_fee_vault_recipient: Address,
    /// The smallest BaseFeeVault balance a withdrawal may sweep (wei).
    #[serde(default)]
    pub base_fee_vault_minimum_withdrawal_amount: U256,
    /// The smallest L1FeeVault balance a withdrawal may sweep (wei).
    #[serde(default)]
    pub l1_fee_vault_minimum_withdrawal_amount: U256,
    /// The smallest SequencerFeeVault balance a withdrawal may sweep (wei).
    #[serde(default)]
    pub sequencer_fee_vault_minimum_withdrawal_amount: U256,
    /// The smallest OperatorFeeVault balance a withdrawal may sweep (wei).
    #[serde(default)]
    pub operator_fee_vault_minimum_withdrawal_amount: U256,
    /// Where the BaseFeeVault pays: `remote` (to L1, through a withdrawal) or `local` (on L2).
    #[serde(default)]
    pub base_fee_vault_withdrawal_network: WithdrawalNetwork,
    /// Where the L1FeeVault pays.
    #[serde(default)]
    pub l1_fee_vault_withdrawal_network: WithdrawalNetwork,
    /// Where the SequencerFeeVault pays.
    #[serde(default)]
    pub sequencer_fee_vault_withdrawal_network: WithdrawalNetwork,
    /// Where the OperatorFeeVault pays.
    #[serde(default)]
    pub operator_fee_vault_withdrawal_network: WithdrawalNetwork,
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

/// Where a fee vault sends what it sweeps, as OP's deploy config names it (`"remote"`/`"local"`,
/// or the numbers 0/1 the vault stores).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum WithdrawalNetwork {
    /// To the recipient on L1, through a withdrawal (0).
    #[default]
    Remote,
    /// To the recipient on L2 (1).
    Local,
}

impl WithdrawalNetwork {
    /// The value `FeeVault.withdrawalNetwork` holds.
    pub fn code(self) -> u8 {
        match self {
            Self::Remote => 0,
            Self::Local => 1,
        }
    }
}

impl Serialize for WithdrawalNetwork {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(match self {
            Self::Remote => "remote",
            Self::Local => "local",
        })
    }
}

impl<'de> Deserialize<'de> for WithdrawalNetwork {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(u64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Number(0) => Ok(Self::Remote),
            Raw::Number(1) => Ok(Self::Local),
            Raw::Text(t) if t == "remote" => Ok(Self::Remote),
            Raw::Text(t) if t == "local" => Ok(Self::Local),
            _ => Err(serde::de::Error::custom(
                "withdrawal network: \"remote\" (0, to L1) or \"local\" (1, on L2)",
            )),
        }
    }
}

/// L2 chain ids that count as dev chains: `lamina dev`'s and OP devnets' (901, 902) and the
/// usual local ones (1337, 31337). Only these may use the dev accounts, whose keys are public.
pub const DEV_L2_CHAIN_IDS: [u64; 4] = [901, 902, 1337, 31337];

/// L1 chain ids of dev chains (`lamina l1`'s 900, and 1337/31337 of anvil and hardhat): only on
/// these does `lamina deploy` sign with a dev key when none is given.
pub const DEV_L1_CHAIN_IDS: [u64; 3] = [900, 1337, 31337];

/// The smallest finalization period a non-dev chain may have: shorter leaves challengers too
/// little time to delete a bad output before withdrawals use it.
pub const MIN_FINALIZATION_PERIOD: u64 = 3_600;

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

/// The smallest L2 gas limit the SystemConfig accepts with OP's default deposit market.
pub const MIN_L2_GAS_LIMIT: u64 = 21_000_000;
/// The largest L2 gas limit the SystemConfig accepts.
pub const MAX_L2_GAS_LIMIT: u64 = 200_000_000;

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
            // Fees go to the owner on L2, so a dev chain's vaults can be swept and seen at once.
            base_fee_vault_recipient: acct(0),
            l1_fee_vault_recipient: acct(0),
            sequencer_fee_vault_recipient: acct(0),
            operator_fee_vault_recipient: acct(0),
            base_fee_vault_minimum_withdrawal_amount: U256::ZERO,
            l1_fee_vault_minimum_withdrawal_amount: U256::ZERO,
            sequencer_fee_vault_minimum_withdrawal_amount: U256::ZERO,
            operator_fee_vault_minimum_withdrawal_amount: U256::ZERO,
            base_fee_vault_withdrawal_network: WithdrawalNetwork::Local,
            l1_fee_vault_withdrawal_network: WithdrawalNetwork::Local,
            sequencer_fee_vault_withdrawal_network: WithdrawalNetwork::Local,
            operator_fee_vault_withdrawal_network: WithdrawalNetwork::Local,
            fund_dev_accounts: true,
            create2_salt: B256::ZERO,
            unknown: BTreeMap::new(),
        }
    }

    /// A starting point for a real chain, as `lamina deploy --print-config` prints it: the dev
    /// chain's protocol parameters with every role and recipient empty (the zero address, which
    /// [`validate`](Self::validate) refuses until each is set), no dev funding, and OP
    /// mainnet's finalization period and fee-vault minimum.
    pub fn template() -> Self {
        let ten_eth = U256::from(10u64) * U256::from(10u64).pow(U256::from(18));
        Self {
            l1_chain_id: 1,
            l2_chain_id: 0,
            p2p_sequencer_address: Address::ZERO,
            batch_sender_address: Address::ZERO,
            l2_output_oracle_proposer: Address::ZERO,
            l2_output_oracle_challenger: Address::ZERO,
            final_system_owner: Address::ZERO,
            finalization_period_seconds: 604_800,
            l2_output_oracle_submission_interval: 1_800,
            base_fee_vault_recipient: Address::ZERO,
            l1_fee_vault_recipient: Address::ZERO,
            sequencer_fee_vault_recipient: Address::ZERO,
            operator_fee_vault_recipient: Address::ZERO,
            base_fee_vault_minimum_withdrawal_amount: ten_eth,
            l1_fee_vault_minimum_withdrawal_amount: ten_eth,
            sequencer_fee_vault_minimum_withdrawal_amount: ten_eth,
            operator_fee_vault_minimum_withdrawal_amount: ten_eth,
            base_fee_vault_withdrawal_network: WithdrawalNetwork::Remote,
            l1_fee_vault_withdrawal_network: WithdrawalNetwork::Remote,
            sequencer_fee_vault_withdrawal_network: WithdrawalNetwork::Remote,
            operator_fee_vault_withdrawal_network: WithdrawalNetwork::Remote,
            fund_dev_accounts: false,
            ..Self::dev()
        }
    }

    /// Whether this is a dev chain ([`DEV_L2_CHAIN_IDS`]), where dev keys and short periods
    /// are allowed.
    pub fn is_dev_chain(&self) -> bool {
        DEV_L2_CHAIN_IDS.contains(&self.l2_chain_id)
    }

    /// The genesis configuration of the four fee vaults.
    pub fn fee_vaults(&self) -> lamina_evm::genesis::FeeVaults {
        use lamina_evm::genesis::FeeVaultConfig;
        let vault = |recipient, min, network: WithdrawalNetwork| FeeVaultConfig {
            recipient,
            min_withdrawal_amount: min,
            withdrawal_network: network.code(),
        };
        lamina_evm::genesis::FeeVaults {
            sequencer: vault(
                self.sequencer_fee_vault_recipient,
                self.sequencer_fee_vault_minimum_withdrawal_amount,
                self.sequencer_fee_vault_withdrawal_network,
            ),
            base: vault(
                self.base_fee_vault_recipient,
                self.base_fee_vault_minimum_withdrawal_amount,
                self.base_fee_vault_withdrawal_network,
            ),
            l1: vault(
                self.l1_fee_vault_recipient,
                self.l1_fee_vault_minimum_withdrawal_amount,
                self.l1_fee_vault_withdrawal_network,
            ),
            operator: vault(
                self.operator_fee_vault_recipient,
                self.operator_fee_vault_minimum_withdrawal_amount,
                self.operator_fee_vault_withdrawal_network,
            ),
        }
    }

    /// Every role and recipient: its key, what it is, and its address here.
    pub fn roles(&self) -> [(&'static str, &'static str, Address); 9] {
        [
            (
                "finalSystemOwner",
                "owns the SystemConfig: changes the batcher, gas limit and fees",
                self.final_system_owner,
            ),
            (
                "batchSenderAddress",
                "the batcher's account: only its txs to the inbox are batches",
                self.batch_sender_address,
            ),
            (
                "l2OutputOracleProposer",
                "the proposer's account: the only one that posts outputs",
                self.l2_output_oracle_proposer,
            ),
            (
                "l2OutputOracleChallenger",
                "may delete outputs (a multisig or the challenger's key)",
                self.l2_output_oracle_challenger,
            ),
            (
                "p2pSequencerAddress",
                "signs unsafe blocks gossiped to other nodes",
                self.p2p_sequencer_address,
            ),
            ("baseFeeVaultRecipient", "receives the L2 base fees", self.base_fee_vault_recipient),
            (
                "l1FeeVaultRecipient",
                "receives the L1 data fees paid on L2",
                self.l1_fee_vault_recipient,
            ),
            (
                "sequencerFeeVaultRecipient",
                "receives the priority fees",
                self.sequencer_fee_vault_recipient,
            ),
            (
                "operatorFeeVaultRecipient",
                "receives the operator fees (Isthmus)",
                self.operator_fee_vault_recipient,
            ),
        ]
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
        // What the SystemConfig accepts: a block's deposit gas plus the L1-info tx (OP's
        // default market: 20M + 1M), up to its 200M ceiling.
        if self.l2_genesis_block_gas_limit < MIN_L2_GAS_LIMIT {
            return bad(
                "l2GenesisBlockGasLimit",
                "below 21M (20M of deposit gas per L1 block + 1M for the L1-info tx): the \
                 SystemConfig refuses it",
            );
        }
        if self.l2_genesis_block_gas_limit > MAX_L2_GAS_LIMIT {
            return bad("l2GenesisBlockGasLimit", "above 200M: the SystemConfig refuses it");
        }
        if !self.is_dev_chain() {
            self.validate_production()?;
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

    /// What a chain that is not a dev chain must not inherit from the dev template.
    fn validate_production(&self) -> Result<(), DeployConfigError> {
        let bad = |field, reason| Err(DeployConfigError::Invalid { field, reason });
        for (field, _, address) in self.roles() {
            if address.is_zero() {
                return bad(field, "must be set (the zero address nobody controls)");
            }
            if DEV_ACCOUNTS.iter().any(|(dev, _)| *dev == address) {
                return bad(
                    field,
                    "is one of anvil's dev accounts, whose keys are public: anyone could act \
                     in this role (dev keys are for dev chain ids 901, 902, 1337, 31337 only)",
                );
            }
        }
        if self.fund_dev_accounts {
            return bad("fundDevAccounts", "funds accounts with public keys; dev chains only");
        }
        if self.finalization_period_seconds < MIN_FINALIZATION_PERIOD {
            return bad(
                "finalizationPeriodSeconds",
                "under one hour: too little time to challenge a wrong output (dev chains only)",
            );
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

    fn refusal(c: &DeployConfig) -> String {
        c.validate().unwrap_err().to_string()
    }

    /// The dev template on a real chain id: every inherited dev convenience is named.
    #[test]
    fn a_real_chain_cannot_inherit_dev_keys_funding_or_periods() {
        let dev = DeployConfig { l2_chain_id: 10, ..DeployConfig::dev() };
        let e = refusal(&dev);
        assert!(e.contains("finalSystemOwner") && e.contains("public"), "{e}");
        // Real keys in every role, but dev funding.
        let real = |i: u8| Address::repeat_byte(0x10 + i);
        let mut c = DeployConfig {
            l2_chain_id: 10,
            final_system_owner: real(0),
            batch_sender_address: real(1),
            l2_output_oracle_proposer: real(2),
            l2_output_oracle_challenger: real(3),
            p2p_sequencer_address: real(4),
            base_fee_vault_recipient: real(5),
            l1_fee_vault_recipient: real(6),
            sequencer_fee_vault_recipient: real(7),
            operator_fee_vault_recipient: real(8),
            ..DeployConfig::dev()
        };
        assert!(refusal(&c).contains("fundDevAccounts"));
        c.fund_dev_accounts = false;
        assert!(refusal(&c).contains("finalizationPeriodSeconds"));
        c.finalization_period_seconds = 0;
        assert!(refusal(&c).contains("finalizationPeriodSeconds"), "a 0 s period");
        c.finalization_period_seconds = 3_600;
        c.validate().unwrap();
        // A zero fee-vault recipient would burn the fees.
        c.sequencer_fee_vault_recipient = Address::ZERO;
        assert!(refusal(&c).contains("sequencerFeeVaultRecipient"));
    }

    #[test]
    fn the_template_names_every_empty_role_and_dev_chains_keep_their_conveniences() {
        let mut t = DeployConfig::template();
        t.l2_chain_id = 10;
        let e = refusal(&t);
        assert!(e.contains("finalSystemOwner") && e.contains("must be set"), "{e}");
        for (key, _, _) in t.roles() {
            assert!(serde_json::to_string(&t).unwrap().contains(key), "{key}");
        }
        DeployConfig { finalization_period_seconds: 0, ..DeployConfig::dev() }.validate().unwrap();
    }

    #[test]
    fn withdrawal_networks_read_as_op_writes_them() {
        let mut v = serde_json::to_value(DeployConfig::dev()).unwrap();
        assert_eq!(v["baseFeeVaultWithdrawalNetwork"], "local");
        v["baseFeeVaultWithdrawalNetwork"] = 0.into();
        v["l1FeeVaultWithdrawalNetwork"] = "remote".into();
        v["sequencerFeeVaultMinimumWithdrawalAmount"] = "0x8ac7230489e80000".into();
        let c: DeployConfig = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(c.base_fee_vault_withdrawal_network, WithdrawalNetwork::Remote);
        assert_eq!(c.l1_fee_vault_withdrawal_network, WithdrawalNetwork::Remote);
        assert_eq!(c.sequencer_fee_vault_minimum_withdrawal_amount, U256::from(10u64.pow(19)));
        v["baseFeeVaultWithdrawalNetwork"] = "moon".into();
        assert!(serde_json::from_value::<DeployConfig>(v).is_err());
    }

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
        // 5M passed once and the SystemConfig then reverted halfway through the deployment.
        let c = DeployConfig { l2_genesis_block_gas_limit: 5_000_000, ..DeployConfig::dev() };
        let e = c.validate().unwrap_err().to_string();
        assert!(e.contains("l2GenesisBlockGasLimit"), "{e}");
        let c = DeployConfig { l2_genesis_block_gas_limit: 300_000_000, ..DeployConfig::dev() };
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
