//! The deployer: a new chain's L1 contracts created and initialized on any L1 in one command,
//! and the files its nodes and tools start from. Contracts go through the CREATE2 factory
//! ([`create2`]) with the config in their init code, so a re-run with the same config and
//! start block finds them in place and only sends what is missing. Every tx goes through the
//! [`TxManager`]; the three creations (the SystemConfig creates the portal) are sent together.
//!
//! [`deploy_to_dir`] is what `lamina deploy` runs: it pins the L1 start block in
//! `deploy-state.json` before the first tx (so an interrupted or repeated run deploys to the
//! same addresses) and writes `rollup.json`, `genesis.json` and `addresses.json`.

pub mod config;
pub mod create2;
mod l2;

use std::path::Path;

use alloy_eips::BlockNumberOrTag;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, keccak256};
use alloy_sol_types::SolConstructor;
use lamina_protocol::RollupConfig;
use serde::{Deserialize, Serialize};

pub use config::{
    DEV_L1_CHAIN_IDS, DEV_L2_CHAIN_IDS, DeployConfig, DeployConfigError, WithdrawalNetwork,
};

use crate::{
    chain::{L1Chain, L1Error, L1Header},
    contracts::{self, L2OutputOracle, MULTICALL3, Multicall3, ResourceConfig, SystemConfig},
    txmgr::{TxCandidate, TxError, TxManager},
};

/// Every deployed address by contract name, as tools and wallets look them up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Addresses {
    /// Deposits and withdrawals.
    pub optimism_portal: Address,
    /// Output proposals.
    #[serde(rename = "L2OutputOracle")]
    pub l2_output_oracle: Address,
    /// The chain's L1-side configuration.
    pub system_config: Address,
    /// Multicall3 (the canonical one where the L1 has it).
    pub multicall3: Address,
    /// Where batches go (an EOA-like address, nothing deployed).
    pub batch_inbox: Address,
}

/// A finished deployment.
#[derive(Debug, Clone)]
pub struct Deployment {
    /// The contracts.
    pub addresses: Addresses,
    /// `rollup.json`.
    pub rollup: RollupConfig,
    /// `genesis.json`.
    pub genesis: serde_json::Value,
    /// What this run created (empty when everything was already there).
    pub created: Vec<&'static str>,
}

/// Why a deployment failed.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    /// The config is not usable.
    #[error(transparent)]
    Config(#[from] DeployConfigError),
    /// Reading L1 failed.
    #[error(transparent)]
    L1(#[from] L1Error),
    /// Sending a tx failed.
    #[error(transparent)]
    Tx(#[from] TxError),
    /// The node is another chain than the config's L1.
    #[error("the L1 node is chain {have}, the config says l1ChainID {want}")]
    WrongL1 {
        /// The node's chain id.
        have: u64,
        /// The config's.
        want: u64,
    },
    /// The L1 lacks the CREATE2 factory.
    #[error("no CREATE2 factory at {} on this L1", create2::CREATE2_FACTORY)]
    NoFactory,
    /// A creation reverted or left no code.
    #[error("creating {0} failed")]
    Create(&'static str),
    /// The L1 start block is unknown (or was reorged out).
    #[error("L1 start block: {0}")]
    StartBlock(String),
    /// The output directory holds another config's deployment.
    #[error("{0} holds a deployment of another config; use another directory")]
    OtherDeployment(String),
    /// The L2 genesis could not be built.
    #[error("L2 genesis: {0}")]
    Genesis(String),
    /// Reading or writing the output directory failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The failure.
        source: std::io::Error,
    },
}

/// The L1 start block pinned for a config.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeployState {
    config_hash: B256,
    l1_start: B256,
}

fn config_hash(config: &DeployConfig) -> B256 {
    keccak256(serde_json::to_vec(config).unwrap_or_default())
}

/// The init code of `name` with ABI-encoded constructor arguments.
fn init_code(name: &'static str, args: Vec<u8>) -> Result<Bytes, DeployError> {
    let artifact = contracts::artifact(name).ok_or(DeployError::Create(name))?;
    Ok([artifact.bytecode.as_ref(), &args].concat().into())
}

/// Makes sure `init` is deployed at its CREATE2 address; true if this call created it.
async fn ensure<C: L1Chain>(
    mgr: &TxManager<C>,
    name: &'static str,
    salt: B256,
    init: &Bytes,
) -> Result<(Address, bool), DeployError> {
    let at = create2::address_of(salt, init);
    if !mgr.chain().code(at).await?.is_empty() {
        tracing::info!(target: "l1::deploy", name, %at, "already deployed");
        return Ok((at, false));
    }
    let tx = TxCandidate {
        to: TxKind::Call(create2::CREATE2_FACTORY),
        input: create2::calldata(salt, init),
        ..Default::default()
    };
    let receipt = mgr.send(tx).await?;
    if !receipt.status() || mgr.chain().code(at).await?.is_empty() {
        return Err(DeployError::Create(name));
    }
    tracing::info!(target: "l1::deploy", name, %at, tx = %receipt.transaction_hash, "deployed");
    Ok((at, true))
}

/// Deploys `config`'s contracts anchored at L1 block `start` (the L2 genesis's L1 origin,
/// whose time is the L2 genesis time), sending from `mgr`'s account; contracts already in
/// place are kept.
pub async fn deploy<C: L1Chain>(
    mgr: &TxManager<C>,
    config: &DeployConfig,
    start: &L1Header,
) -> Result<Deployment, DeployError> {
    config.validate()?;
    let chain = mgr.chain();
    let have = mgr.chain_id();
    if have != config.l1_chain_id {
        return Err(DeployError::WrongL1 { have, want: config.l1_chain_id });
    }
    if chain.code(create2::CREATE2_FACTORY).await?.is_empty() {
        return Err(DeployError::NoFactory);
    }
    let salt = config.create2_salt;
    let oracle_init = init_code(
        "L2OutputOracle",
        L2OutputOracle::constructorCall {
            _submissionInterval: U256::from(config.l2_output_oracle_submission_interval),
            _l2BlockTime: U256::from(config.l2_block_time),
            _startingBlockNumber: U256::ZERO,
            _startingTimestamp: U256::from(start.timestamp),
            _proposer: config.l2_output_oracle_proposer,
            _challenger: config.l2_output_oracle_challenger,
            _finalizationPeriodSeconds: U256::from(config.finalization_period_seconds),
        }
        .abi_encode(),
    )?;
    let oracle = create2::address_of(salt, &oracle_init);
    let batch_inbox = config.batch_inbox();
    let system_config_init = init_code(
        "SystemConfig",
        SystemConfig::constructorCall {
            _owner: config.final_system_owner,
            _basefeeScalar: config.gas_price_oracle_base_fee_scalar,
            _blobbasefeeScalar: config.gas_price_oracle_blob_base_fee_scalar,
            _batcherHash: B256::left_padding_from(config.batch_sender_address.as_slice()),
            _gasLimit: config.l2_genesis_block_gas_limit,
            _unsafeBlockSigner: config.p2p_sequencer_address,
            _config: ResourceConfig::default(),
            _batchInbox: batch_inbox,
            _l2OutputOracle: oracle,
        }
        .abi_encode(),
    )?;
    let multicall_init = init_code("Multicall3", Multicall3::constructorCall {}.abi_encode())?;
    // The canonical Multicall3 where the L1 has one (viem's chains point there).
    let canonical_multicall = !chain.code(MULTICALL3).await?.is_empty();

    let (o, s, m) = tokio::join!(
        ensure(mgr, "L2OutputOracle", salt, &oracle_init),
        // The SystemConfig creates the portal (its first CREATE, nonce 1): each holds the
        // other's address from birth.
        ensure(mgr, "SystemConfig", salt, &system_config_init),
        async {
            if canonical_multicall {
                Ok((MULTICALL3, false))
            } else {
                ensure(mgr, "Multicall3", salt, &multicall_init).await
            }
        },
    );
    let mut created = Vec::new();
    let mut take = |name, r: Result<(Address, bool), DeployError>| {
        r.map(|(at, new)| {
            if new {
                created.push(name);
            }
            at
        })
    };
    let l2_output_oracle = take("L2OutputOracle", o)?;
    let system_config = take("SystemConfig", s)?;
    let multicall3 = take("Multicall3", m)?;
    if created.contains(&"SystemConfig") {
        created.push("OptimismPortal");
    }
    let addresses = Addresses {
        l2_output_oracle,
        optimism_portal: system_config.create(1),
        system_config,
        multicall3,
        batch_inbox,
    };
    let mut rollup = l2::rollup_config(config, start, &addresses);
    let (genesis, l2_hash) = l2::genesis(config, &rollup)?;
    rollup.genesis.l2.hash = l2_hash;
    Ok(Deployment { addresses, rollup, genesis, created })
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> DeployError + '_ {
    move |source| DeployError::Io { path: path.display().to_string(), source }
}

fn write_json(path: &Path, value: &impl Serialize) -> Result<(), DeployError> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| DeployError::Genesis(format!("{}: {e}", path.display())))?;
    std::fs::write(path, text + "\n").map_err(io(path))
}

/// Deploys `config` and writes the chain's files into `dir`: `rollup.json`, `genesis.json`,
/// `addresses.json`, and `deploy-state.json` (the pinned L1 start block). Re-running with the
/// same config and directory sends nothing new and writes the same files.
pub async fn deploy_to_dir<C: L1Chain>(
    mgr: &TxManager<C>,
    config: &DeployConfig,
    dir: &Path,
) -> Result<Deployment, DeployError> {
    config.validate()?;
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let state_path = dir.join("deploy-state.json");
    let hash = config_hash(config);
    let pinned = match std::fs::read(&state_path) {
        Ok(bytes) => {
            let state: DeployState = serde_json::from_slice(&bytes)
                .map_err(|e| DeployError::StartBlock(format!("{}: {e}", state_path.display())))?;
            if state.config_hash != hash {
                return Err(DeployError::OtherDeployment(dir.display().to_string()));
            }
            Some(state.l1_start)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(io(&state_path)(e)),
    };
    let chain = mgr.chain();
    let start = match pinned.or(config.l1_starting_block) {
        Some(h) => chain.header_by_hash(h).await?.ok_or_else(|| {
            DeployError::StartBlock(format!("{h} is not on this L1 (reorged out?)"))
        })?,
        None => chain
            .header(BlockNumberOrTag::Latest)
            .await?
            .ok_or_else(|| DeployError::StartBlock("the L1 has no head".into()))?,
    };
    if pinned.is_none() {
        write_json(&state_path, &DeployState { config_hash: hash, l1_start: start.hash() })?;
    }
    let deployment = deploy(mgr, config, &start).await?;
    write_json(&dir.join("rollup.json"), &deployment.rollup)?;
    write_json(&dir.join("genesis.json"), &deployment.genesis)?;
    write_json(&dir.join("addresses.json"), &deployment.addresses)?;
    Ok(deployment)
}
