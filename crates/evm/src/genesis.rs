//! The L2 genesis: a geth/op-geth genesis JSON (config, alloc, header fields) plus Lamina's
//! predeploys, turned into the genesis header (with each active fork's header fields) and the
//! allocation a store is initialized with.

use alloc::collections::BTreeMap;

use alloy_consensus::{EMPTY_OMMER_ROOT_HASH, Header};
use alloy_eips::eip7685::EMPTY_REQUESTS_HASH;
use alloy_primitives::{Address, B256, Bytes, FixedBytes, U256};
use alloy_trie::EMPTY_ROOT_HASH;
use lamina_protocol::{Hardfork, RollupConfig, predeploys};

use crate::{contracts, header::holocene_extra_data, trie};

/// An account of the genesis allocation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GenesisAccount {
    /// Balance.
    pub balance: U256,
    /// Nonce.
    pub nonce: u64,
    /// Code (empty for none).
    pub code: Bytes,
    /// Storage.
    pub storage: BTreeMap<U256, U256>,
}

/// Who the fee vaults pay, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeeVaultConfig {
    /// Recipient of swept fees.
    pub recipient: Address,
    /// Smallest balance that can be swept.
    pub min_withdrawal_amount: U256,
    /// 0: withdraw to L1; 1: pay on L2.
    pub withdrawal_network: u8,
}

impl Default for FeeVaultConfig {
    fn default() -> Self {
        Self { recipient: Address::ZERO, min_withdrawal_amount: U256::ZERO, withdrawal_network: 1 }
    }
}

/// The four fee vaults' configurations (used for predeploys the genesis lacks; a genesis that
/// holds the vaults keeps their storage).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FeeVaults {
    /// SequencerFeeVault (priority fees).
    pub sequencer: FeeVaultConfig,
    /// BaseFeeVault (base fees).
    pub base: FeeVaultConfig,
    /// L1FeeVault (L1 data fees).
    pub l1: FeeVaultConfig,
    /// OperatorFeeVault (Isthmus operator fees).
    pub operator: FeeVaultConfig,
}

impl From<FeeVaultConfig> for FeeVaults {
    /// The same configuration for all four.
    fn from(v: FeeVaultConfig) -> Self {
        Self { sequencer: v, base: v, l1: v, operator: v }
    }
}

impl FeeVaultConfig {
    /// The vault's storage (slots 0-2 of `FeeVault`).
    fn storage(&self) -> BTreeMap<U256, U256> {
        BTreeMap::from([
            (U256::ZERO, U256::from_be_bytes(self.recipient.into_word().0)),
            (U256::from(1), self.min_withdrawal_amount),
            (U256::from(2), U256::from(self.withdrawal_network)),
        ])
    }
}

/// Why a genesis could not be built.
#[derive(Debug, thiserror::Error)]
pub enum GenesisError {
    /// The JSON is malformed.
    #[error("genesis json: {0}")]
    Json(#[from] serde_json::Error),
    /// The genesis disagrees with the rollup config.
    #[error("genesis: {0}")]
    Invalid(String),
}

/// The L2 genesis block and state.
#[derive(Debug, Clone)]
pub struct L2Genesis {
    /// The genesis header; `state_root` is filled in by whoever commits the state
    /// (see [`L2Genesis::state_root`]).
    pub header: Header,
    /// Accounts, including the predeploys.
    pub alloc: BTreeMap<Address, GenesisAccount>,
}

impl L2Genesis {
    /// Reads a geth/op-geth genesis JSON and adds the predeploys the allocation lacks.
    pub fn from_json(
        json: &str,
        config: &RollupConfig,
        vaults: impl Into<FeeVaults>,
    ) -> Result<Self, GenesisError> {
        let vaults = vaults.into();
        let g: alloy_genesis::Genesis = serde_json::from_str(json)?;
        if g.config.chain_id != config.l2_chain_id {
            return Err(GenesisError::Invalid(format!(
                "chainId {} differs from the rollup config's l2_chain_id {}",
                g.config.chain_id, config.l2_chain_id
            )));
        }
        let mut alloc: BTreeMap<Address, GenesisAccount> = g
            .alloc
            .iter()
            .map(|(a, acc)| {
                let storage = acc
                    .storage
                    .iter()
                    .flatten()
                    .map(|(k, v)| (U256::from_be_bytes(k.0), U256::from_be_bytes(v.0)))
                    .filter(|(_, v)| !v.is_zero())
                    .collect();
                (
                    *a,
                    GenesisAccount {
                        balance: acc.balance,
                        nonce: acc.nonce.unwrap_or_default(),
                        code: acc.code.clone().unwrap_or_default(),
                        storage,
                    },
                )
            })
            .collect();
        add_predeploys(&mut alloc, vaults, gas_price_oracle_flags(config, g.timestamp));
        let header = genesis_header(&g, config, &alloc)?;
        Ok(Self { header, alloc })
    }

    /// The genesis state root, computed from scratch over the allocation.
    pub fn state_root(&self) -> B256 {
        let accounts = self
            .alloc
            .iter()
            .map(|(a, acc)| {
                let code_hash = if acc.code.is_empty() {
                    alloy_primitives::KECCAK256_EMPTY
                } else {
                    alloy_primitives::keccak256(&acc.code)
                };
                (
                    *a,
                    trie::AccountState {
                        nonce: acc.nonce,
                        balance: acc.balance,
                        code_hash,
                        storage: acc.storage.clone(),
                    },
                )
            })
            .collect();
        trie::state_root(&accounts)
    }
}

/// The rollup config an execution client needs, read from an op-geth genesis JSON alone: the
/// chain id, the OP fork times (`regolithTime` … `isthmusTime` in `config`) and the EIP-1559
/// parameters (`config.optimism`); the rest is [`RollupConfig::dev`]'s. This is what an
/// engine started with only `--genesis` runs (op-geth and op-reth take the same file).
pub fn rollup_config_from_genesis(json: &str) -> Result<RollupConfig, GenesisError> {
    let g: alloy_genesis::Genesis = serde_json::from_str(json)?;
    let extra = &g.config.extra_fields;
    let time = |key: &str| -> Result<Option<u64>, GenesisError> {
        match extra.get_deserialized::<u64>(key) {
            None => Ok(None),
            Some(Ok(t)) => Ok(Some(t)),
            Some(Err(e)) => Err(GenesisError::Invalid(format!("config.{key}: {e}"))),
        }
    };
    let hardforks = lamina_protocol::HardforkSchedule {
        regolith_time: time("regolithTime")?,
        canyon_time: time("canyonTime")?,
        delta_time: time("deltaTime")?,
        ecotone_time: time("ecotoneTime")?,
        fjord_time: time("fjordTime")?,
        granite_time: time("graniteTime")?,
        holocene_time: time("holoceneTime")?,
        isthmus_time: time("isthmusTime")?,
        jovian_time: time("jovianTime")?,
    };
    let mut cfg = RollupConfig { hardforks, l2_chain_id: g.config.chain_id, ..RollupConfig::dev() };
    if let Some(op) = extra.get("optimism") {
        let op: lamina_protocol::config::ChainOpConfig = serde_json::from_value(op.clone())
            .map_err(|e| GenesisError::Invalid(format!("config.optimism: {e}")))?;
        cfg.chain_op_config = Some(op);
    }
    cfg.genesis.l2_time = g.timestamp;
    cfg.genesis.system_config.gas_limit = g.gas_limit;
    // OP Mainnet's Ecotone fee scalars (base 1368, blob 810949), so a chain run without a rollup
    // node still charges realistic L1 data fees.
    let mut scalar = [0u8; 32];
    scalar[0] = 1;
    scalar[24..28].copy_from_slice(&810_949u32.to_be_bytes());
    scalar[28..].copy_from_slice(&1_368u32.to_be_bytes());
    cfg.genesis.system_config.scalar = B256::from(scalar);
    Ok(cfg)
}

/// The GasPriceOracle's fork flags (slot 0: isEcotone, isFjord, isIsthmus, isJovian as bytes
/// 31, 30, 29, 28) for the forks active at genesis.
pub fn gas_price_oracle_flags(config: &RollupConfig, genesis_time: u64) -> U256 {
    let mut v = U256::ZERO;
    for (i, f) in [Hardfork::Ecotone, Hardfork::Fjord, Hardfork::Isthmus, Hardfork::Jovian]
        .into_iter()
        .enumerate()
    {
        if config.is_active(f, genesis_time) {
            v |= U256::from(1) << (8 * i);
        }
    }
    v
}

/// Puts Lamina's predeploys where the allocation has no code.
pub fn add_predeploys(
    alloc: &mut BTreeMap<Address, GenesisAccount>,
    vaults: FeeVaults,
    gpo_flags: U256,
) {
    let set = [
        ("L1Block", predeploys::L1_BLOCK, BTreeMap::new()),
        ("GasPriceOracle", predeploys::GAS_PRICE_ORACLE, BTreeMap::from([(U256::ZERO, gpo_flags)])),
        ("L2ToL1MessagePasser", predeploys::L2_TO_L1_MESSAGE_PASSER, BTreeMap::new()),
        ("SequencerFeeVault", predeploys::SEQUENCER_FEE_VAULT, vaults.sequencer.storage()),
        ("BaseFeeVault", predeploys::BASE_FEE_VAULT, vaults.base.storage()),
        ("L1FeeVault", predeploys::L1_FEE_VAULT, vaults.l1.storage()),
        ("OperatorFeeVault", predeploys::OPERATOR_FEE_VAULT, vaults.operator.storage()),
    ];
    for (name, address, storage) in set {
        let entry = alloc.entry(address).or_default();
        if entry.code.is_empty()
            && let Some(a) = contracts::artifact(name)
        {
            entry.code = a.deployed_bytecode;
            entry.storage.extend(storage.into_iter().filter(|(_, v)| !v.is_zero()));
        }
    }
}

fn genesis_header(
    g: &alloy_genesis::Genesis,
    config: &RollupConfig,
    alloc: &BTreeMap<Address, GenesisAccount>,
) -> Result<Header, GenesisError> {
    let t = g.timestamp;
    let active = |f| config.is_active(f, t);
    let extra_data = if active(Hardfork::Holocene) && g.extra_data.len() != 9 {
        holocene_extra_data(FixedBytes::ZERO, &config.chain_op_config())
            .map_err(|e| GenesisError::Invalid(e.to_string()))?
    } else {
        g.extra_data.clone()
    };
    let message_passer_root = alloc
        .get(&predeploys::L2_TO_L1_MESSAGE_PASSER)
        .map_or(EMPTY_ROOT_HASH, |a| trie::storage_root(&a.storage));
    Ok(Header {
        parent_hash: g.parent_hash.unwrap_or_default(),
        ommers_hash: EMPTY_OMMER_ROOT_HASH,
        beneficiary: g.coinbase,
        state_root: B256::ZERO,
        transactions_root: EMPTY_ROOT_HASH,
        receipts_root: EMPTY_ROOT_HASH,
        difficulty: g.difficulty,
        number: g.number.unwrap_or_default(),
        gas_limit: g.gas_limit,
        timestamp: t,
        extra_data,
        mix_hash: g.mix_hash,
        nonce: g.nonce.into(),
        base_fee_per_gas: Some(
            u64::try_from(g.base_fee_per_gas.unwrap_or(1_000_000_000))
                .map_err(|_| GenesisError::Invalid("baseFeePerGas exceeds u64".into()))?,
        ),
        withdrawals_root: active(Hardfork::Canyon).then_some(if active(Hardfork::Isthmus) {
            message_passer_root
        } else {
            EMPTY_ROOT_HASH
        }),
        blob_gas_used: active(Hardfork::Ecotone).then_some(0),
        excess_blob_gas: active(Hardfork::Ecotone).then_some(0),
        parent_beacon_block_root: active(Hardfork::Ecotone).then_some(B256::ZERO),
        requests_hash: active(Hardfork::Isthmus).then_some(EMPTY_REQUESTS_HASH),
        ..Default::default()
    })
}
