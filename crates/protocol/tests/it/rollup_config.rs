//! op-node's `rollup.json` round trip, and the registry chains' fork times.

use lamina_protocol::{Hardfork, RollupConfig};

use crate::vectors::json;

#[test]
fn devnet_rollup_json_round_trips() {
    let dir = crate::vectors::dir();
    let text = std::fs::read_to_string(dir.join("optimism/901-rollup.json")).unwrap();
    let cfg = RollupConfig::from_json(&text).unwrap();
    assert_eq!(cfg.l2_chain_id, 901);
    assert_eq!(cfg.genesis.system_config.gas_limit, 30_000_000);
    assert!(cfg.is_active(Hardfork::Fjord, 0));
    assert!(!cfg.is_active(Hardfork::Granite, u64::MAX));
    let original: serde_json::Value = serde_json::from_str(&text).unwrap();
    let written: serde_json::Value = serde_json::from_str(&cfg.to_json()).unwrap();
    assert_eq!(written, original);
    assert_eq!(RollupConfig::from_json(&cfg.to_json()).unwrap(), cfg);
}

#[test]
fn op_mainnet_fork_schedule_from_the_registry() {
    let dir = crate::vectors::dir();
    let v = json(&dir, "extracted/superchain_registry_subset.json");
    let op = v["chains"].as_array().unwrap().iter().find(|c| c["l2_chain_id"] == 10).unwrap();
    let hf: lamina_protocol::HardforkSchedule =
        serde_json::from_value(op["hardfork_configuration"].clone()).unwrap();
    // Registry chains leave regolith unset; Canyon implies it.
    assert!(hf.is_active(Hardfork::Regolith, 1_704_992_401));
    assert_eq!(hf.active_fork(1_746_806_401), Hardfork::Isthmus);
    assert_eq!(hf.active_fork(1_746_806_400), Hardfork::Holocene);
}

/// Every op-node `rollup.json` in `tests/vectors/op-node/` (README there names each origin).
const PUBLISHED: [&str; 6] = [
    "op-mainnet",
    "op-sepolia",
    "base-mainnet",
    "base-sepolia",
    "base-org-node-mainnet",
    "base-org-node-sepolia",
];

#[test]
fn published_op_node_configs_round_trip_without_loss() {
    let dir = crate::vectors::dir();
    for name in PUBLISHED {
        let text = std::fs::read_to_string(dir.join(format!("op-node/{name}.json"))).unwrap();
        let cfg = RollupConfig::from_json(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        // Every key op-node wrote is one we read as a typed field: nothing falls into `extra`.
        assert!(cfg.extra.is_empty(), "{name}: unread keys {:?}", cfg.extra.keys());
        assert!(cfg.genesis.system_config.extra.is_empty(), "{name}: unread system_config keys");
        let original: serde_json::Value = serde_json::from_str(&text).unwrap();
        let written: serde_json::Value = serde_json::from_str(&cfg.to_json()).unwrap();
        assert_eq!(written, original, "{name}");
    }
}

#[test]
fn published_configs_read_to_the_chains_op_node_runs() {
    let dir = crate::vectors::dir();
    let read = |name: &str| {
        let text = std::fs::read_to_string(dir.join(format!("op-node/{name}.json"))).unwrap();
        RollupConfig::from_json(&text).unwrap()
    };
    let op = read("op-mainnet");
    assert_eq!((op.l1_chain_id, op.l2_chain_id), (1, 10));
    assert_eq!(op.genesis.l2.number, 105_235_063);
    assert_eq!(
        op.protocol_versions_address,
        Some(alloy_primitives::address!("8062AbC286f5e7D9428a0Ccb9AbD71e50d93b935"))
    );
    assert_eq!(op.chain_op_config().eip1559_denominator_canyon, 250);
    assert_eq!(op.hardforks.active_fork(1_764_691_201), Hardfork::Jovian);
    assert_eq!(op.hardforks.active_fork(1_764_691_200), Hardfork::Isthmus);
    assert_eq!(op.channel_timeout(1_726_070_401), 50, "Granite's channel timeout");
    assert_eq!(op.pectra_blob_schedule_time, None);

    let sepolia = read("op-sepolia");
    assert_eq!(sepolia.pectra_blob_schedule_time, Some(1_742_486_400));
    assert_eq!(sepolia.genesis.system_config.eip1559_params, Some(Default::default()));

    // Base's 2023 file: Bedrock with Regolith only, no ProtocolVersions key.
    let base = read("base-org-node-mainnet");
    assert_eq!(base.hardforks.active_fork(u64::MAX), Hardfork::Regolith);
    assert_eq!(base.protocol_versions_address, None);
}

#[test]
fn scheduled_forks_bring_their_system_config_keys() {
    let mut cfg = RollupConfig::dev();
    cfg.hardforks.isthmus_time = None;
    let v: serde_json::Value =
        serde_json::from_str(&cfg.with_scheduled_system_config_fields().to_json()).unwrap();
    let sc = v["genesis"]["system_config"].as_object().unwrap();
    assert_eq!(sc["eip1559Params"], "0x0000000000000000");
    assert!(!sc.contains_key("operatorFeeParams"), "Isthmus is not scheduled");
    assert!(!sc.contains_key("minBaseFee"));
    let mut cfg = RollupConfig::dev();
    cfg.hardforks.jovian_time = Some(10);
    let cfg = cfg.with_scheduled_system_config_fields();
    let v: serde_json::Value = serde_json::from_str(&cfg.to_json()).unwrap();
    let sc = v["genesis"]["system_config"].as_object().unwrap();
    assert_eq!(sc["operatorFeeParams"], format!("0x{}", "00".repeat(32)));
    assert_eq!((&sc["minBaseFee"], &sc["daFootprintGasScalar"]), (&0.into(), &0.into()));
}
