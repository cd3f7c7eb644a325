//! L2 predeploy addresses and the special accounts of the protocol (digest §10).

use alloy_primitives::{Address, address};

/// Deprecated legacy message passer.
pub const LEGACY_MESSAGE_PASSER: Address = address!("4200000000000000000000000000000000000000");
/// Deprecated deployer whitelist.
pub const DEPLOYER_WHITELIST: Address = address!("4200000000000000000000000000000000000002");
/// WETH9 (not proxied).
pub const WETH9: Address = address!("4200000000000000000000000000000000000006");
/// L2CrossDomainMessenger.
pub const L2_CROSS_DOMAIN_MESSENGER: Address = address!("4200000000000000000000000000000000000007");
/// GasPriceOracle.
pub const GAS_PRICE_ORACLE: Address = address!("420000000000000000000000000000000000000F");
/// L2StandardBridge.
pub const L2_STANDARD_BRIDGE: Address = address!("4200000000000000000000000000000000000010");
/// SequencerFeeVault: the fee recipient of every L2 block.
pub const SEQUENCER_FEE_VAULT: Address = address!("4200000000000000000000000000000000000011");
/// OptimismMintableERC20Factory.
pub const OPTIMISM_MINTABLE_ERC20_FACTORY: Address =
    address!("4200000000000000000000000000000000000012");
/// Deprecated L1BlockNumber.
pub const L1_BLOCK_NUMBER: Address = address!("4200000000000000000000000000000000000013");
/// L2ERC721Bridge.
pub const L2_ERC721_BRIDGE: Address = address!("4200000000000000000000000000000000000014");
/// L1Block: receives the L1-info deposit of every block.
pub const L1_BLOCK: Address = address!("4200000000000000000000000000000000000015");
/// L2ToL1MessagePasser: withdrawals start here.
pub const L2_TO_L1_MESSAGE_PASSER: Address = address!("4200000000000000000000000000000000000016");
/// OptimismMintableERC721Factory.
pub const OPTIMISM_MINTABLE_ERC721_FACTORY: Address =
    address!("4200000000000000000000000000000000000017");
/// ProxyAdmin of the predeploy proxies.
pub const PROXY_ADMIN: Address = address!("4200000000000000000000000000000000000018");
/// BaseFeeVault.
pub const BASE_FEE_VAULT: Address = address!("4200000000000000000000000000000000000019");
/// L1FeeVault.
pub const L1_FEE_VAULT: Address = address!("420000000000000000000000000000000000001a");
/// OperatorFeeVault (Isthmus).
pub const OPERATOR_FEE_VAULT: Address = address!("420000000000000000000000000000000000001B");
/// EAS SchemaRegistry.
pub const SCHEMA_REGISTRY: Address = address!("4200000000000000000000000000000000000020");
/// EAS.
pub const EAS: Address = address!("4200000000000000000000000000000000000021");
/// GovernanceToken (OP Mainnet only, not proxied).
pub const GOVERNANCE_TOKEN: Address = address!("4200000000000000000000000000000000000042");
/// Deprecated LegacyERC20ETH.
pub const LEGACY_ERC20_ETH: Address = address!("DeadDeAddeAddEAddeadDEaDDEAdDeaDDeAD0000");
/// EIP-4788 beacon roots contract (Ecotone).
pub const BEACON_BLOCK_ROOT: Address = address!("000F3df6D732807Ef1319fB7B8bB8522d0Beac02");
/// EIP-2935 history storage (Isthmus).
pub const HISTORY_STORAGE: Address = address!("0000F90827F1C53a10cb7A02335B175320002935");
/// create2Deployer (Canyon).
pub const CREATE2_DEPLOYER: Address = address!("13b0D85CcB8bf860b6b79AF3029fCA081AE9beF2");
/// P256VERIFY precompile (Fjord).
pub const P256_VERIFY: Address = address!("0000000000000000000000000000000000000100");

/// Sender of the L1-info deposit: an EOA with no known key.
pub const L1_INFO_DEPOSITOR: Address = address!("DeaDDEaDDeAdDeAdDEAdDEaddeAddEAdDEAd0001");
/// Default `l2Sender` of the portal outside a withdrawal.
pub const DEFAULT_L2_SENDER: Address = address!("000000000000000000000000000000000000dEaD");

/// Every named predeploy, for genesis building and lookups by name.
pub const ALL: [(&str, Address); 21] = [
    ("LegacyMessagePasser", LEGACY_MESSAGE_PASSER),
    ("DeployerWhitelist", DEPLOYER_WHITELIST),
    ("WETH9", WETH9),
    ("L2CrossDomainMessenger", L2_CROSS_DOMAIN_MESSENGER),
    ("GasPriceOracle", GAS_PRICE_ORACLE),
    ("L2StandardBridge", L2_STANDARD_BRIDGE),
    ("SequencerFeeVault", SEQUENCER_FEE_VAULT),
    ("OptimismMintableERC20Factory", OPTIMISM_MINTABLE_ERC20_FACTORY),
    ("L1BlockNumber", L1_BLOCK_NUMBER),
    ("L2ERC721Bridge", L2_ERC721_BRIDGE),
    ("L1Block", L1_BLOCK),
    ("L2ToL1MessagePasser", L2_TO_L1_MESSAGE_PASSER),
    ("OptimismMintableERC721Factory", OPTIMISM_MINTABLE_ERC721_FACTORY),
    ("ProxyAdmin", PROXY_ADMIN),
    ("BaseFeeVault", BASE_FEE_VAULT),
    ("L1FeeVault", L1_FEE_VAULT),
    ("OperatorFeeVault", OPERATOR_FEE_VAULT),
    ("SchemaRegistry", SCHEMA_REGISTRY),
    ("EAS", EAS),
    ("GovernanceToken", GOVERNANCE_TOKEN),
    ("LegacyERC20ETH", LEGACY_ERC20_ETH),
];
