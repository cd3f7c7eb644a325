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
