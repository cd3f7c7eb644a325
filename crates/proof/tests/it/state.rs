//! Blocks executed on a witness are the blocks executed on the full state: on the dev chain's
//! genesis (every predeploy, with storage), a block with the L1-info deposit, a transfer to a new
//! account and a contract creation that writes storage runs through `OpBlockBuilder` once on
//! lamina-evm's in-memory state and once on `WitnessState` built from the state's trie nodes;
//! the hashes agree, and again for the next block after both commit. A witness without a node
//! or a code the block needs fails the block with a database error — never a different block.

use std::collections::{BTreeMap, HashMap};

use alloy_consensus::{Header, SignableTransaction, TxEip1559};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, B256, Bytes, KECCAK256_EMPTY, TxKind, U256, b256, keccak256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use alloy_trie::TrieAccount;
use lamina_evm::{
    BlockAttributes, ExecError, OpBlockBuilder,
    genesis::{FeeVaultConfig, L2Genesis, rollup_config_from_genesis},
    mem::MemoryState,
    trie::AccountState,
};
use lamina_proof::{mpt::SparseTrie, state::WitnessState};
use lamina_protocol::{
    Hardfork, RollupConfig,
    l1_info::{L1BlockInfoTx, L1OriginFields},
    predeploys::{L1_BLOCK, SEQUENCER_FEE_VAULT},
};
use op_alloy_consensus::OpTxEnvelope;
use revm::database::WrapDatabaseRef;

/// anvil's account #0, funded by the dev genesis.
const KEY: B256 = b256!("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");

/// The dev chain at genesis: its config, genesis header and state.
fn dev_chain() -> (RollupConfig, Header, MemoryState) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/dev-genesis.json");
    let json = std::fs::read_to_string(path).unwrap();
    let cfg = rollup_config_from_genesis(&json).unwrap();
    let genesis = L2Genesis::from_json(&json, &cfg, FeeVaultConfig::default()).unwrap();
    let mut state = MemoryState::default();
    for (address, acc) in &genesis.alloc {
        if !acc.code.is_empty() {
            state.set_code(*address, acc.code.clone(), BTreeMap::new());
        }
        let a = state
            .accounts
            .entry(*address)
            .or_insert_with(|| AccountState { code_hash: KECCAK256_EMPTY, ..Default::default() });
        (a.balance, a.nonce, a.storage) = (acc.balance, acc.nonce, acc.storage.clone());
    }
    let mut header = genesis.header;
    header.state_root = state.state_root();
    (cfg, header, state)
}

/// Every trie node of `state` (the fullest witness) and every code.
fn witness(state: &MemoryState) -> (Vec<Bytes>, Vec<Bytes>) {
    let db = HashMap::new();
    let mut nodes = HashMap::new();
    let mut accounts = SparseTrie::new();
    for (address, a) in &state.accounts {
        let mut storage = SparseTrie::new();
        for (slot, value) in &a.storage {
            let key = keccak256(slot.to_be_bytes::<32>());
            storage.insert(&db, key, alloy_rlp::encode(value)).unwrap();
        }
        nodes.extend(storage.preimages());
        let leaf = TrieAccount {
            nonce: a.nonce,
            balance: a.balance,
            storage_root: storage.root(),
            code_hash: a.code_hash,
        };
        accounts.insert(&db, keccak256(address), alloy_rlp::encode(leaf)).unwrap();
    }
    assert_eq!(accounts.root(), state.state_root(), "the witness is of this state");
    nodes.extend(accounts.preimages());
    let codes = state.code.values().map(|c| c.original_bytes()).collect();
    (nodes.into_values().collect(), codes)
}

fn signed(cfg: &RollupConfig, nonce: u64, to: TxKind, value: u64, input: Bytes) -> Bytes {
    let tx = TxEip1559 {
        chain_id: cfg.l2_chain_id,
        nonce,
        gas_limit: 200_000,
        max_fee_per_gas: 100_000_000_000,
        max_priority_fee_per_gas: 1_000_000,
        to,
        value: U256::from(value),
        input,
        ..Default::default()
    };
    let sig = PrivateKeySigner::from_bytes(&KEY).unwrap().sign_hash_sync(&tx.signature_hash());
    OpTxEnvelope::Eip1559(tx.into_signed(sig.unwrap())).encoded_2718().into()
}

/// Block `number`'s attributes: the L1-info deposit, a transfer to a new account and a
/// contract creation whose init code stores 7 at slot `number`.
fn attributes(cfg: &RollupConfig, parent: &Header) -> BlockAttributes {
    let ts = parent.timestamp + cfg.block_time;
    let number = parent.number + 1;
    let origin = L1OriginFields {
        number: 10 + number,
        timestamp: ts - 1,
        base_fee: U256::from(1_000_000_000u64),
        hash: B256::repeat_byte(number as u8),
        blob_base_fee: Some(U256::from(1)),
    };
    let info = L1BlockInfoTx::build(cfg, &cfg.genesis.system_config, &origin, 0, ts).unwrap();
    let deposit: Bytes = info.to_deposit_tx(cfg, ts).encoded_2718().into();
    // PUSH1 7, PUSH1 number, SSTORE, STOP
    let init = Bytes::from(vec![0x60, 0x07, 0x60, number as u8, 0x55, 0x00]);
    let nonce = 2 * (number - 1);
    let to = Address::repeat_byte(0x50 + number as u8);
    let active = |fork| cfg.is_active(fork, ts);
    BlockAttributes {
        timestamp: ts,
        prev_randao: B256::repeat_byte(0x22),
        suggested_fee_recipient: SEQUENCER_FEE_VAULT,
        parent_beacon_block_root: active(Hardfork::Ecotone).then_some(B256::repeat_byte(0x33)),
        gas_limit: cfg.genesis.system_config.gas_limit,
        eip1559_params: active(Hardfork::Holocene).then_some(Default::default()),
        transactions: vec![
            deposit,
            signed(cfg, nonce, TxKind::Call(to), 1_000, Bytes::new()),
            signed(cfg, nonce + 1, TxKind::Create, 0, init),
        ],
        no_tx_pool: true,
    }
}

#[test]
fn blocks_executed_on_a_witness_are_the_blocks_executed_on_the_full_state() {
    let (cfg, genesis, mut full) = dev_chain();
    let (nodes, codes) = witness(&full);
    let hashes = BTreeMap::from([(0, genesis.hash_slow())]);
    let mut witnessed = WitnessState::new(genesis.state_root, nodes, codes, hashes);
    let builder = OpBlockBuilder::new(cfg.clone());

    let mut parent = genesis;
    for _ in 0..2 {
        let attrs = attributes(&cfg, &parent);
        let hash = parent.hash_slow();
        let want = builder.build(&parent, hash, &attrs, WrapDatabaseRef(&full), &full).unwrap();
        let got =
            builder.build(&parent, hash, &attrs, WrapDatabaseRef(&witnessed), &witnessed).unwrap();
        assert_eq!(got.header, want.header, "block {}", want.header.number);
        assert_eq!(got.hash, want.hash);
        assert!(want.receipts.iter().all(|r| r.is_success()), "every tx succeeded");
        full.apply(&want.bundle);
        let roots = witnessed.commit(&got.bundle).unwrap();
        assert_eq!(roots.state_root, want.header.state_root);
        full.block_hashes.insert(want.header.number, want.hash);
        parent = want.header;
    }
    assert_eq!(witnessed.state_root(), full.state_root());
}

#[test]
fn committing_a_built_block_keeps_the_builders_tries_and_runs_on_to_the_same_chain() {
    let (cfg, genesis, mut full) = dev_chain();
    let (nodes, codes) = witness(&full);
    let hashes = BTreeMap::from([(0, genesis.hash_slow())]);
    let mut witnessed = WitnessState::new(genesis.state_root, nodes, codes, hashes);
    let builder = OpBlockBuilder::new(cfg.clone());
    let mut parent = genesis;
    for _ in 0..3 {
        let attrs = attributes(&cfg, &parent);
        let hash = parent.hash_slow();
        let want = builder.build(&parent, hash, &attrs, WrapDatabaseRef(&full), &full).unwrap();
        let got =
            builder.build(&parent, hash, &attrs, WrapDatabaseRef(&witnessed), &witnessed).unwrap();
        assert_eq!(got.hash, want.hash, "block {}", want.header.number);
        full.apply(&want.bundle);
        let roots = witnessed.commit_built(&got.bundle, got.header.state_root).unwrap();
        assert_eq!(roots.state_root, want.header.state_root);
        assert_eq!(witnessed.state_root(), full.state_root());
        full.block_hashes.insert(want.header.number, want.hash);
        parent = want.header;
    }
}

#[test]
fn a_witness_without_what_the_block_needs_fails_it() {
    let (cfg, genesis, full) = dev_chain();
    let (nodes, codes) = witness(&full);
    let hashes = BTreeMap::from([(0, genesis.hash_slow())]);
    let builder = OpBlockBuilder::new(cfg.clone());
    let attrs = attributes(&cfg, &genesis);
    let run = |nodes: Vec<Bytes>, codes: Vec<Bytes>| {
        let state = WitnessState::new(genesis.state_root, nodes, codes, hashes.clone());
        let db = WrapDatabaseRef(&state);
        builder.build(&genesis, genesis.hash_slow(), &attrs, db, &state).map(|b| b.hash)
    };
    // The state root's own node.
    let without_root: Vec<Bytes> =
        nodes.iter().filter(|n| keccak256(n) != genesis.state_root).cloned().collect();
    let err = run(without_root, codes.clone()).unwrap_err();
    assert!(matches!(err, ExecError::Database(_)), "{err}");

    // The L1Block predeploy's code, which the L1-info deposit runs.
    let l1_block = full.accounts[&L1_BLOCK].code_hash;
    let without_code: Vec<Bytes> =
        codes.iter().filter(|c| keccak256(c) != l1_block).cloned().collect();
    let err = run(nodes, without_code).unwrap_err();
    assert!(matches!(err, ExecError::Database(_)), "{err}");
}
