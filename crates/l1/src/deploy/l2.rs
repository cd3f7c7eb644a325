//! The new chain's L2 side: the genesis (`genesis.json`, op-geth's format, with the predeploys
//! in its allocation so any OP execution client starts from the same state) and the rollup
//! config (`rollup.json`, op-node's format) anchored at the L1 start block.

use std::collections::BTreeMap;

use alloy_primitives::{Address, B256, U256};
use lamina_evm::genesis::L2Genesis;
use lamina_protocol::{
    HardforkSchedule, RollupConfig,
    block::BlockId,
    config::{ChainOpConfig, Genesis, SystemConfig},
};
use serde_json::{Map, Value, json};

use super::{Addresses, DeployConfig, DeployError};
use crate::{accounts::DEV_ACCOUNTS, chain::L1Header};

/// Fork times: the L2 genesis time plus each configured offset.
fn hardforks(c: &DeployConfig, time: u64) -> HardforkSchedule {
    let at = |o: Option<u64>| o.map(|o| time + o);
    let f = &c.forks;
    HardforkSchedule {
        regolith_time: at(f.l2_genesis_regolith_time_offset),
        canyon_time: at(f.l2_genesis_canyon_time_offset),
        delta_time: at(f.l2_genesis_delta_time_offset),
        ecotone_time: at(f.l2_genesis_ecotone_time_offset),
        fjord_time: at(f.l2_genesis_fjord_time_offset),
        granite_time: at(f.l2_genesis_granite_time_offset),
        holocene_time: at(f.l2_genesis_holocene_time_offset),
        isthmus_time: at(f.l2_genesis_isthmus_time_offset),
        jovian_time: None,
    }
}

/// The Ecotone fee scalar as SystemConfig stores it: version 1, blob scalar, base scalar.
fn scalar(c: &DeployConfig) -> B256 {
    let mut s = [0u8; 32];
    s[0] = 1;
    s[24..28].copy_from_slice(&c.gas_price_oracle_blob_base_fee_scalar.to_be_bytes());
    s[28..].copy_from_slice(&c.gas_price_oracle_base_fee_scalar.to_be_bytes());
    B256::from(s)
}

/// The rollup config, with the L2 genesis hash still zero.
pub(super) fn rollup_config(c: &DeployConfig, start: &L1Header, at: &Addresses) -> RollupConfig {
    RollupConfig {
        genesis: Genesis {
            l1: BlockId { hash: start.hash(), number: start.number },
            l2: BlockId { hash: B256::ZERO, number: 0 },
            l2_time: start.timestamp,
            system_config: SystemConfig {
                batcher_addr: c.batch_sender_address,
                overhead: B256::ZERO,
                scalar: scalar(c),
                gas_limit: c.l2_genesis_block_gas_limit,
                ..Default::default()
            },
        },
        block_time: c.l2_block_time,
        max_sequencer_drift: c.max_sequencer_drift,
        seq_window_size: c.sequencer_window_size,
        channel_timeout: c.channel_timeout,
        l1_chain_id: c.l1_chain_id,
        l2_chain_id: c.l2_chain_id,
        hardforks: hardforks(c, start.timestamp),
        batch_inbox_address: at.batch_inbox,
        deposit_contract_address: at.optimism_portal,
        l1_system_config_address: at.system_config,
        // No ProtocolVersions contract is deployed: the zero address, as op-node writes it
        // (kona-node refuses a rollup.json without the key).
        protocol_versions_address: Some(Address::ZERO),
        chain_op_config: Some(ChainOpConfig {
            eip1559_elasticity: c.eip1559_elasticity,
            eip1559_denominator: c.eip1559_denominator,
            eip1559_denominator_canyon: c.eip1559_denominator_canyon,
        }),
        ..Default::default()
    }
    .with_scheduled_system_config_fields()
}

/// The genesis as op-geth reads it, before the predeploys are added.
fn base_genesis(c: &DeployConfig, rollup: &RollupConfig) -> Value {
    let h = &rollup.hardforks;
    let mut config = Map::new();
    config.insert("chainId".into(), c.l2_chain_id.into());
    for block in [
        "homesteadBlock",
        "eip150Block",
        "eip155Block",
        "eip158Block",
        "byzantiumBlock",
        "constantinopleBlock",
        "petersburgBlock",
        "istanbulBlock",
        "muirGlacierBlock",
        "berlinBlock",
        "londonBlock",
        "arrowGlacierBlock",
        "grayGlacierBlock",
        "mergeNetsplitBlock",
        "bedrockBlock",
    ] {
        config.insert(block.into(), 0.into());
    }
    config.insert("terminalTotalDifficulty".into(), 0.into());
    // Ethereum's forks ride on OP's: Shanghai with Canyon, Cancun with Ecotone, Prague with
    // Isthmus.
    let times = [
        ("shanghaiTime", h.canyon_time),
        ("cancunTime", h.ecotone_time),
        ("pragueTime", h.isthmus_time),
        ("regolithTime", h.regolith_time),
        ("canyonTime", h.canyon_time),
        ("deltaTime", h.delta_time),
        ("ecotoneTime", h.ecotone_time),
        ("fjordTime", h.fjord_time),
        ("graniteTime", h.granite_time),
        ("holoceneTime", h.holocene_time),
        ("isthmusTime", h.isthmus_time),
    ];
    for (key, t) in times {
        if let Some(t) = t {
            config.insert(key.into(), t.into());
        }
    }
    config.insert(
        "optimism".into(),
        json!({
            "eip1559Elasticity": c.eip1559_elasticity,
            "eip1559Denominator": c.eip1559_denominator,
            "eip1559DenominatorCanyon": c.eip1559_denominator_canyon,
        }),
    );
    let mut alloc = Map::new();
    if c.fund_dev_accounts {
        let balance = U256::from(10_000u64) * U256::from(10u64).pow(U256::from(18));
        for (address, _) in DEV_ACCOUNTS {
            alloc.insert(address.to_string(), json!({ "balance": balance }));
        }
    }
    json!({
        "config": config,
        "nonce": "0x0",
        "timestamp": format!("{:#x}", rollup.genesis.l2_time),
        "extraData": "0x",
        "gasLimit": format!("{:#x}", c.l2_genesis_block_gas_limit),
        "difficulty": "0x0",
        "mixHash": B256::ZERO,
        "coinbase": "0x4200000000000000000000000000000000000011",
        "baseFeePerGas": "0x3b9aca00",
        "number": "0x0",
        "parentHash": B256::ZERO,
        "alloc": alloc,
    })
}

/// The full genesis JSON (predeploys included) and the genesis block's hash.
pub(super) fn genesis(
    c: &DeployConfig,
    rollup: &RollupConfig,
) -> Result<(Value, B256), DeployError> {
    let mut json = base_genesis(c, rollup);
    let built = L2Genesis::from_json(&json.to_string(), rollup, c.fee_vaults())
        .map_err(|e| DeployError::Genesis(e.to_string()))?;
    let mut header = built.header.clone();
    header.state_root = built.state_root();
    let hash = header.hash_slow();
    let alloc: BTreeMap<Address, Value> = built
        .alloc
        .iter()
        .map(|(a, acc)| {
            let mut v = Map::new();
            v.insert("balance".into(), json!(acc.balance));
            if acc.nonce != 0 {
                v.insert("nonce".into(), format!("{:#x}", acc.nonce).into());
            }
            if !acc.code.is_empty() {
                v.insert("code".into(), json!(acc.code));
            }
            if !acc.storage.is_empty() {
                let storage: Map<String, Value> = acc
                    .storage
                    .iter()
                    .map(|(k, v)| (B256::from(*k).to_string(), json!(B256::from(*v))))
                    .collect();
                v.insert("storage".into(), Value::Object(storage));
            }
            (*a, Value::Object(v))
        })
        .collect();
    json["alloc"] = json!(alloc);
    // Holocene's genesis carries the EIP-1559 parameters in its extra data.
    json["extraData"] = json!(header.extra_data);
    Ok((json, hash))
}
