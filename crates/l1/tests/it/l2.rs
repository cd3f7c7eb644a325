//! A real L2 to withdraw from: lamina-engine on `scripts/dev-genesis.json`, sequenced by its
//! `DevSequencer`, with withdrawals read from receipts and proofs from the store, as the
//! proposer and `eth_getProof` will serve them.

use alloy_consensus::{SignableTransaction, TxEip1559};
use alloy_eips::eip2718::{Decodable2718, Encodable2718};
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, b256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::{SolCall, sol};
use lamina_engine::{DevSequencer, EngineConfig, EngineHandle, StoreOptions, pool::PoolConfig};
use lamina_evm::{
    PoolLimits,
    genesis::{FeeVaultConfig, L2Genesis, rollup_config_from_genesis},
};
use lamina_l1::contracts::{OutputRootProof, WithdrawalTransaction};
use lamina_protocol::{
    output_root::OutputRootV0, predeploys::L2_TO_L1_MESSAGE_PASSER,
    withdrawal::decode_message_passed,
};
use op_alloy_consensus::OpReceiptEnvelope;

sol! {
    function initiateWithdrawal(address _target, uint256 _gasLimit, bytes _data) payable;
}

/// anvil's account #0, funded by the dev genesis.
const KEY: B256 = b256!("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");

pub(crate) struct L2 {
    handle: EngineHandle,
    seq: DevSequencer,
    signer: PrivateKeySigner,
    nonce: u64,
    time: u64,
    _dir: tempfile::TempDir,
}

/// An L2 output with what proving against it takes.
pub(crate) struct Output {
    pub(crate) block: u64,
    pub(crate) proof: OutputRootProof,
    pub(crate) root: B256,
}

impl L2 {
    pub(crate) fn new() -> Self {
        let json = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/dev-genesis.json"),
        )
        .unwrap();
        let rollup = rollup_config_from_genesis(&json).unwrap();
        let genesis = L2Genesis::from_json(&json, &rollup, FeeVaultConfig::default()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let config = EngineConfig {
            rollup,
            pool: PoolConfig::default(),
            store: StoreOptions::default(),
            block_limits: PoolLimits::default(),
        };
        let handle = EngineHandle::open(dir.path(), config, &genesis).unwrap();
        let seq = DevSequencer::new(handle.clone());
        let signer = PrivateKeySigner::from_bytes(&KEY).unwrap();
        Self { handle, seq, signer, nonce: 0, time: 1_000, _dir: dir }
    }

    pub(crate) fn sender(&self) -> Address {
        self.signer.address()
    }

    /// Initiates a withdrawal in a new block; returns it as `MessagePassed` logged it, and the
    /// block number.
    pub(crate) fn withdraw(
        &mut self,
        target: Address,
        value: U256,
        gas_limit: u64,
        data: Bytes,
    ) -> (WithdrawalTransaction, u64) {
        let input = initiateWithdrawalCall {
            _target: target,
            _gasLimit: U256::from(gas_limit),
            _data: data,
        };
        let tx = TxEip1559 {
            chain_id: self.handle.rollup().l2_chain_id,
            nonce: self.nonce,
            gas_limit: 500_000,
            max_fee_per_gas: 100_000_000_000,
            max_priority_fee_per_gas: 1_000_000,
            to: TxKind::Call(L2_TO_L1_MESSAGE_PASSER),
            value,
            input: input.abi_encode().into(),
            ..Default::default()
        };
        let sig = self.signer.sign_hash_sync(&tx.signature_hash()).unwrap();
        let raw: Bytes =
            alloy_consensus::TxEnvelope::Eip1559(tx.into_signed(sig)).encoded_2718().into();
        self.nonce += 1;
        self.handle.send_raw_transaction(&raw).unwrap();
        let block = self.next_block();
        let receipts = self.handle.store().block_receipts(block).unwrap().unwrap();
        let receipt =
            OpReceiptEnvelope::decode_2718(&mut receipts.last().unwrap().as_ref()).unwrap();
        assert!(receipt.is_success(), "initiateWithdrawal failed on L2");
        let log = receipt.logs().iter().find_map(|l| decode_message_passed(l).ok()).unwrap();
        let tx = WithdrawalTransaction::from(log.0);
        (tx, block)
    }

    pub(crate) fn next_block(&mut self) -> u64 {
        self.time += 2;
        self.seq.step(self.time).unwrap().0
    }

    /// The output of block `number`, and the storage proof of `withdrawal` at that block.
    pub(crate) fn output(
        &self,
        number: u64,
        withdrawal: &WithdrawalTransaction,
    ) -> (Output, Vec<Bytes>) {
        let store = self.handle.store();
        let header = store.header(number).unwrap().unwrap();
        let slot = lamina_protocol::withdrawal::sent_messages_slot(withdrawal_hash(withdrawal));
        let proof = store
            .state_at(number)
            .unwrap()
            .proof(&L2_TO_L1_MESSAGE_PASSER, &[slot.into()])
            .unwrap();
        let storage_root = proof.account.unwrap().storage_root;
        let v0 = OutputRootV0 {
            state_root: header.state_root,
            message_passer_storage_root: storage_root,
            block_hash: header.hash_slow(),
        };
        let (_, value, nodes) = proof.storage.into_iter().next().unwrap();
        assert_eq!(value, U256::from(1), "sentMessages slot is set at block {number}");
        let output = Output { block: number, root: v0.hash(), proof: OutputRootProof::from(v0) };
        (output, nodes)
    }
}

pub(crate) fn withdrawal_hash(w: &WithdrawalTransaction) -> B256 {
    lamina_protocol::withdrawal::WithdrawalTransaction::from(w.clone()).hash()
}
