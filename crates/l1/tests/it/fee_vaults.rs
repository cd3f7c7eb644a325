//! The fee vaults pay whom the deploy config names: a chain deployed with its own recipients
//! runs on lamina-engine, collects fees, and anyone's `withdraw()` sends each vault's balance
//! to its recipient — on L2 (`local`) or as a withdrawal to L1 (`remote`). Before this, every
//! vault's recipient was the zero address, so swept fees were burned.

use alloy_consensus::{SignableTransaction, TxEip1559};
use alloy_eips::eip2718::{Decodable2718, Encodable2718};
use alloy_primitives::{Address, Bytes, TxKind, U256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::{SolCall, sol};
use lamina_devl1::{DEV_ACCOUNTS, DevL1, DevL1Config, DevL1Genesis};
use lamina_engine::{DevSequencer, EngineConfig, EngineHandle, StoreOptions, pool::PoolConfig};
use lamina_evm::{
    PoolLimits,
    genesis::{FeeVaults, L2Genesis},
};
use lamina_l1::{
    deploy::{self, DeployConfig, WithdrawalNetwork},
    txmgr::{TxManager, TxManagerConfig},
};
use lamina_protocol::{
    predeploys::{BASE_FEE_VAULT, SEQUENCER_FEE_VAULT},
    withdrawal::decode_message_passed,
};
use op_alloy_consensus::OpReceiptEnvelope;

sol! {
    function withdraw() returns (uint256 value);
}

struct L2 {
    handle: EngineHandle,
    seq: DevSequencer,
    time: u64,
    chain_id: u64,
}

impl L2 {
    fn balance(&self, who: Address) -> U256 {
        self.handle.store().head_account(&who).unwrap().map(|a| a.balance).unwrap_or_default()
    }

    /// Sends a tx from dev account `from` with a 1 gwei tip in its own block (1 wei with it
    /// when it carries no call); its receipt.
    fn send(&mut self, from: usize, nonce: u64, to: Address, input: Vec<u8>) -> OpReceiptEnvelope {
        let signer = PrivateKeySigner::from_bytes(&DEV_ACCOUNTS[from].1).unwrap();
        let tx = TxEip1559 {
            chain_id: self.chain_id,
            nonce,
            gas_limit: 300_000,
            max_fee_per_gas: 100_000_000_000,
            max_priority_fee_per_gas: 1_000_000_000,
            to: TxKind::Call(to),
            value: U256::from(input.is_empty()),
            input: input.into(),
            ..Default::default()
        };
        let sig = signer.sign_hash_sync(&tx.signature_hash()).unwrap();
        let raw: Bytes =
            alloy_consensus::TxEnvelope::Eip1559(tx.into_signed(sig)).encoded_2718().into();
        self.handle.send_raw_transaction(&raw).unwrap();
        self.time += 2;
        let (block, _) = self.seq.step(self.time).unwrap();
        let receipts = self.handle.store().block_receipts(block).unwrap().unwrap();
        OpReceiptEnvelope::decode_2718(&mut receipts.last().unwrap().as_ref()).unwrap()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_permissionless_withdraw_pays_the_configured_recipient() {
    let dir = tempfile::tempdir().unwrap();
    let l1 = DevL1::open(
        &dir.path().join("l1"),
        DevL1Config::default(),
        &DevL1Genesis::dev(1_700_000_000),
    )
    .unwrap();
    let deployer = PrivateKeySigner::from_bytes(&DEV_ACCOUNTS[0].1).unwrap();
    let mgr = TxManager::new(l1, deployer, TxManagerConfig::dev()).await.unwrap();
    let on_l2 = Address::repeat_byte(0x5e);
    let on_l1 = Address::repeat_byte(0xba);
    let config = DeployConfig {
        sequencer_fee_vault_recipient: on_l2,
        sequencer_fee_vault_withdrawal_network: WithdrawalNetwork::Local,
        base_fee_vault_recipient: on_l1,
        base_fee_vault_withdrawal_network: WithdrawalNetwork::Remote,
        ..DeployConfig::dev()
    };
    let d = deploy::deploy_to_dir(&mgr, &config, &dir.path().join("chain")).await.unwrap();

    // The node's view: genesis.json as written, which holds the vaults' configuration.
    let json = serde_json::to_string(&d.genesis).unwrap();
    let genesis = L2Genesis::from_json(&json, &d.rollup, FeeVaults::default()).unwrap();
    let engine = EngineConfig {
        rollup: d.rollup.clone(),
        pool: PoolConfig::default(),
        store: StoreOptions::default(),
        block_limits: PoolLimits::default(),
    };
    let handle = EngineHandle::open(dir.path().join("l2"), engine, &genesis).unwrap();
    let mut l2 = L2 {
        seq: DevSequencer::new(handle.clone()),
        handle,
        time: d.rollup.genesis.l2_time,
        chain_id: d.rollup.l2_chain_id,
    };

    // Fees accrue: a transfer pays a tip (SequencerFeeVault) and a base fee (BaseFeeVault).
    assert!(l2.send(4, 0, Address::repeat_byte(0x77), vec![]).is_success());
    let tips = l2.balance(SEQUENCER_FEE_VAULT);
    let base = l2.balance(BASE_FEE_VAULT);
    assert!(tips > U256::ZERO && base > U256::ZERO, "tips {tips}, base fees {base}");

    // Anyone may sweep; the sequencer vault pays its recipient on L2.
    let r = l2.send(5, 0, SEQUENCER_FEE_VAULT, withdrawCall {}.abi_encode());
    assert!(r.is_success());
    assert_eq!(l2.balance(on_l2), tips, "the recipient got the vault's balance");
    assert_eq!(l2.balance(Address::ZERO), U256::ZERO, "nothing went to the zero address");

    // The base fee vault pays to L1: a withdrawal to its recipient for its balance.
    let base = l2.balance(BASE_FEE_VAULT);
    let r = l2.send(5, 1, BASE_FEE_VAULT, withdrawCall {}.abi_encode());
    assert!(r.is_success());
    let (w, _) = r.logs().iter().find_map(|l| decode_message_passed(l).ok()).unwrap();
    assert_eq!((w.sender, w.target, w.value), (BASE_FEE_VAULT, on_l1, base));
}
