//! The deployer on the dev L1 and on anvil: contracts at their CREATE2 addresses, configured
//! as the config says; `rollup.json` and `genesis.json` that agree (the genesis hash in one is
//! the hash of the other); a re-run sends nothing and writes the same files; another config
//! cannot reuse the directory; the CREATE2 factory itself.

use std::path::Path;

use alloy_primitives::{Address, B256, Bytes, TxKind, U256};
use alloy_rpc_types_eth::TransactionRequest;
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::SolCall;
use lamina_devl1::{DEV_ACCOUNTS, DevL1, DevL1Config, DevL1Genesis};
use lamina_evm::genesis::{FeeVaultConfig, L2Genesis};
use lamina_l1::{
    chain::{L1Chain, RpcL1},
    contracts::{L2OutputOracle, OptimismPortal, SystemConfig},
    deploy::{self, DeployConfig, DeployError, create2},
    txmgr::{TxCandidate, TxManager, TxManagerConfig},
};
use lamina_protocol::RollupConfig;

use crate::l1_chain::{anvil_bin, start_anvil};

fn deployer() -> PrivateKeySigner {
    PrivateKeySigner::from_bytes(&DEV_ACCOUNTS[0].1).unwrap()
}

async fn call<C: L1Chain, T: SolCall>(c: &C, to: Address, call: T) -> T::Return {
    let tx = TransactionRequest::default().to(to).input(Bytes::from(call.abi_encode()).into());
    T::abi_decode_returns(&c.call(tx).await.unwrap()).unwrap()
}

/// Deploys the dev config into `dir` twice and checks everything a chain starts from.
async fn deploys_and_redeploys<C: L1Chain>(chain: C, dir: &Path) {
    let mgr = TxManager::new(chain, deployer(), TxManagerConfig::dev()).await.unwrap();
    let config = DeployConfig::dev();
    let d = deploy::deploy_to_dir(&mgr, &config, dir).await.unwrap();
    assert!(d.created.contains(&"L2OutputOracle") && d.created.contains(&"SystemConfig"));
    let c = mgr.chain();
    let at = d.addresses;
    for a in [at.optimism_portal, at.l2_output_oracle, at.system_config, at.multicall3] {
        assert!(!c.code(a).await.unwrap().is_empty(), "code at {a}");
    }

    // The contracts are configured as the config and the start block say.
    let start = c.header_by_hash(d.rollup.genesis.l1.hash).await.unwrap().unwrap();
    let oracle = at.l2_output_oracle;
    let ts = call(c, oracle, L2OutputOracle::startingTimestampCall {}).await;
    assert_eq!(ts, U256::from(start.timestamp));
    assert_eq!(d.rollup.genesis.l2_time, start.timestamp);
    let proposer = call(c, oracle, L2OutputOracle::PROPOSERCall {}).await;
    assert_eq!(proposer, config.l2_output_oracle_proposer);
    let interval = call(c, oracle, L2OutputOracle::SUBMISSION_INTERVALCall {}).await;
    assert_eq!(interval, U256::from(10));
    assert_eq!(call(c, at.optimism_portal, OptimismPortal::L2_ORACLECall {}).await, oracle);
    let sc = at.system_config;
    assert_eq!(call(c, sc, SystemConfig::ownerCall {}).await, config.final_system_owner);
    assert_eq!(call(c, sc, SystemConfig::batchInboxCall {}).await, at.batch_inbox);
    assert_eq!(call(c, sc, SystemConfig::gasLimitCall {}).await, 30_000_000);

    // rollup.json is op-node's and points at them; genesis.json hashes to its L2 genesis.
    let rollup =
        RollupConfig::from_json(&std::fs::read_to_string(dir.join("rollup.json")).unwrap())
            .unwrap();
    assert_eq!(rollup, d.rollup);
    // Exactly the keys op-node writes for a chain with every fork through Isthmus scheduled.
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("rollup.json")).unwrap()).unwrap();
    let keys = |v: &serde_json::Value| -> Vec<String> {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    let mut want = vec![
        "genesis",
        "block_time",
        "max_sequencer_drift",
        "seq_window_size",
        "channel_timeout",
        "l1_chain_id",
        "l2_chain_id",
        "regolith_time",
        "canyon_time",
        "delta_time",
        "ecotone_time",
        "fjord_time",
        "granite_time",
        "holocene_time",
        "isthmus_time",
        "batch_inbox_address",
        "deposit_contract_address",
        "l1_system_config_address",
        "protocol_versions_address",
        "chain_op_config",
    ];
    want.sort();
    assert_eq!(keys(&doc), want);
    let mut want =
        vec!["batcherAddr", "overhead", "scalar", "gasLimit", "eip1559Params", "operatorFeeParams"];
    want.sort();
    assert_eq!(keys(&doc["genesis"]["system_config"]), want);
    assert_eq!(rollup.deposit_contract_address, at.optimism_portal);
    assert_eq!(rollup.l1_system_config_address, at.system_config);
    assert_eq!(rollup.batch_inbox_address, config.batch_inbox());
    assert_eq!(rollup.genesis.system_config.batcher_addr, config.batch_sender_address);
    let genesis_json = std::fs::read_to_string(dir.join("genesis.json")).unwrap();
    let genesis = L2Genesis::from_json(&genesis_json, &rollup, FeeVaultConfig::default()).unwrap();
    let mut header = genesis.header.clone();
    header.state_root = genesis.state_root();
    assert_eq!(header.hash_slow(), rollup.genesis.l2.hash);
    assert_eq!(header.timestamp, start.timestamp);
    let addresses: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("addresses.json")).unwrap())
            .unwrap();
    for name in ["OptimismPortal", "L2OutputOracle", "SystemConfig", "Multicall3", "BatchInbox"] {
        assert!(addresses[name].is_string(), "{name} in addresses.json");
    }

    // Again: nothing sent, the same files.
    let files = |dir: &Path| -> Vec<String> {
        ["rollup.json", "genesis.json", "addresses.json"]
            .iter()
            .map(|f| std::fs::read_to_string(dir.join(f)).unwrap())
            .collect()
    };
    let before = files(dir);
    let nonce = c.nonce(mgr.address(), alloy_eips::BlockNumberOrTag::Latest).await.unwrap();
    let again = deploy::deploy_to_dir(&mgr, &config, dir).await.unwrap();
    assert!(again.created.is_empty(), "{:?}", again.created);
    assert_eq!(files(dir), before);
    let after = c.nonce(mgr.address(), alloy_eips::BlockNumberOrTag::Latest).await.unwrap();
    assert_eq!(after, nonce, "no tx sent");

    // Another config is another chain: not in this directory.
    let other = DeployConfig { l2_chain_id: 902, ..DeployConfig::dev() };
    let err = deploy::deploy_to_dir(&mgr, &other, dir).await.unwrap_err();
    assert!(matches!(err, DeployError::OtherDeployment(_)), "{err}");
    // The wrong L1.
    let wrong = DeployConfig { l1_chain_id: 1, ..DeployConfig::dev() };
    let other_dir = dir.join("wrong");
    let err = deploy::deploy_to_dir(&mgr, &wrong, &other_dir).await.unwrap_err();
    assert!(matches!(err, DeployError::WrongL1 { have: 900, want: 1 }), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn deploys_on_the_dev_l1() {
    let dir = tempfile::tempdir().unwrap();
    let l1 = DevL1::open(
        &dir.path().join("l1"),
        DevL1Config::default(),
        &DevL1Genesis::dev(1_700_000_000),
    )
    .unwrap();
    deploys_and_redeploys(l1, &dir.path().join("chain")).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn deploys_on_anvil() {
    let bin = anvil_bin();
    let (_anvil, url) = start_anvil(&bin);
    let dir = tempfile::tempdir().unwrap();
    deploys_and_redeploys(RpcL1::connect(&url).unwrap(), dir.path()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dev_l1_create2_factory() {
    let dir = tempfile::tempdir().unwrap();
    let l1 =
        DevL1::open(dir.path(), DevL1Config::default(), &DevL1Genesis::dev(1_700_000_000)).unwrap();
    let mgr = TxManager::new(l1.clone(), deployer(), TxManagerConfig::dev()).await.unwrap();
    // Init code returning a one-byte runtime (0x00), created with value.
    let init = Bytes::from_static(&[0x60, 0x00, 0x60, 0x00, 0x53, 0x60, 0x01, 0x60, 0x00, 0xf3]);
    let salt = B256::repeat_byte(9);
    let at = create2::address_of(salt, &init);
    let tx = TxCandidate {
        to: TxKind::Call(create2::CREATE2_FACTORY),
        input: create2::calldata(salt, &init),
        value: U256::from(5),
        ..Default::default()
    };
    // The call returns the address.
    let req = TransactionRequest::default()
        .from(mgr.address())
        .to(create2::CREATE2_FACTORY)
        .input(tx.input.clone().into());
    assert_eq!(l1.call(req).await.unwrap().as_ref(), at.as_slice());
    assert!(mgr.send(tx.clone()).await.unwrap().status());
    assert_eq!(l1.code(at).await.unwrap().as_ref(), [0x00]);
    assert_eq!(l1.balance(at).await.unwrap(), U256::from(5));
    // The same again cannot be created twice; a reverting constructor's data comes back.
    let req = |input: Bytes| {
        TransactionRequest::default().to(create2::CREATE2_FACTORY).input(input.into())
    };
    assert!(l1.call(req(tx.input.clone())).await.is_err());
    let reverting =
        Bytes::from_static(&[0x60, 0x2a, 0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xfd]);
    match l1.call(req(create2::calldata(salt, &reverting))).await {
        Err(lamina_l1::chain::L1Error::Reverted { data, .. }) => {
            assert_eq!(U256::from_be_slice(&data), U256::from(42));
        }
        other => panic!("expected the constructor's revert, got {other:?}"),
    }
}
