//! Our L1 contracts deployed on an [`L1Evm`] the way the deployer does: the oracle, then the
//! system config (which creates the portal), then Multicall3, with dev-sized periods.

use alloy_primitives::{Address, B256, U256, address};
use lamina_l1::contracts::{self, L2OutputOracle, Multicall3, ResourceConfig, SystemConfig};

use crate::evm::L1Evm;

pub(crate) const DEPLOYER: Address = address!("00000000000000000000000000000000000000d0");
pub(crate) const PROPOSER: Address = address!("00000000000000000000000000000000000000a1");
pub(crate) const CHALLENGER: Address = address!("00000000000000000000000000000000000000c1");
pub(crate) const OWNER: Address = address!("00000000000000000000000000000000000000e1");
pub(crate) const BATCHER: Address = address!("00000000000000000000000000000000000000b1");
pub(crate) const BATCH_INBOX: Address = address!("ff00000000000000000000000000000000000901");
pub(crate) const STRANGER: Address = address!("0000000000000000000000000000000000005757");
pub(crate) const FINALIZATION_PERIOD: u64 = 12;
pub(crate) const BLOCK_TIME: u64 = 2;

#[derive(Debug)]
pub(crate) struct Deployed {
    pub l1: L1Evm,
    pub(crate) oracle: Address,
    pub(crate) portal: Address,
    pub(crate) system_config: Address,
    pub(crate) multicall: Address,
}

/// Deploys everything with the oracle counting from L2 block `starting_block` at time
/// `starting_timestamp` (L2 time, at most the L1 time) and outputs every `interval` blocks.
pub(crate) fn deploy(interval: u64, starting_block: u64, starting_timestamp: u64) -> Deployed {
    let mut l1 = L1Evm::default();
    let code = |name: &str| contracts::artifact(name).unwrap().bytecode;
    let oracle = l1.deploy(
        DEPLOYER,
        &code("L2OutputOracle"),
        L2OutputOracle::constructorCall {
            _submissionInterval: U256::from(interval),
            _l2BlockTime: U256::from(BLOCK_TIME),
            _startingBlockNumber: U256::from(starting_block),
            _startingTimestamp: U256::from(starting_timestamp),
            _proposer: PROPOSER,
            _challenger: CHALLENGER,
            _finalizationPeriodSeconds: U256::from(FINALIZATION_PERIOD),
        },
    );
    let system_config = l1.deploy(
        DEPLOYER,
        &code("SystemConfig"),
        SystemConfig::constructorCall {
            _owner: OWNER,
            _basefeeScalar: 1368,
            _blobbasefeeScalar: 810_949,
            _batcherHash: B256::left_padding_from(BATCHER.as_slice()),
            _gasLimit: 30_000_000,
            _unsafeBlockSigner: address!("00000000000000000000000000000000000000f1"),
            _config: ResourceConfig::default(),
            _batchInbox: BATCH_INBOX,
            _l2OutputOracle: oracle,
        },
    );
    // The SystemConfig's first creation.
    let portal = system_config.create(1);
    let multicall = l1.deploy(DEPLOYER, &code("Multicall3"), Multicall3::constructorCall {});
    Deployed { l1, oracle, portal, system_config, multicall }
}
