//! The store under real blocks: incremental roots against an independent from-scratch model,
//! proofs at the head and at old blocks, reopening, bad commits.

use std::collections::BTreeMap;

use alloy_primitives::{Address, Bytes, TxKind, U256, keccak256};
use alloy_trie::{Nibbles, TrieAccount, proof::verify_proof};
use lamina_engine::{GenesisAccount, StoreError};
use lamina_protocol::HardforkSchedule;
use proptest::prelude::*;

use crate::chain::{Chain, DESTRUCT_CODE, ETH, STORE_CODE, config, key};

fn sstore_input(k: u64, v: u64) -> Bytes {
    let mut d = [0u8; 64];
    d[24..32].copy_from_slice(&k.to_be_bytes());
    d[56..64].copy_from_slice(&v.to_be_bytes());
    Bytes::copy_from_slice(&d)
}

fn store_contract(i: u8) -> Address {
    Address::with_last_byte(0x50 + i)
}

fn destruct_contract(i: u8) -> Address {
    Address::with_last_byte(0x70 + i)
}

/// Funded EOAs, storage contracts with some storage, and self-destructible contracts.
fn alloc(eoas: u8) -> BTreeMap<Address, GenesisAccount> {
    let mut alloc = BTreeMap::new();
    for i in 0..eoas {
        alloc.insert(
            key(i).address(),
            GenesisAccount { balance: U256::from(1000 * ETH), ..Default::default() },
        );
    }
    for i in 0..3 {
        let storage = (1..=3u64).map(|k| (U256::from(k), U256::from(k * 10))).collect();
        alloc.insert(
            store_contract(i),
            GenesisAccount { code: Bytes::from_static(STORE_CODE), storage, ..Default::default() },
        );
        alloc.insert(
            destruct_contract(i),
            GenesisAccount {
                code: Bytes::from_static(DESTRUCT_CODE),
                balance: U256::from(ETH),
                ..Default::default()
            },
        );
    }
    alloc
}

#[derive(Debug, Clone)]
enum Op {
    Transfer { from: u8, to: u8, amount: u64 },
    Store { from: u8, contract: u8, slot: u64, value: u64 },
    Create { from: u8 },
    Destruct { from: u8, contract: u8 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u8..4, 0u8..8, 1u64..1000).prop_map(|(from, to, amount)| Op::Transfer {
            from,
            to,
            amount
        }),
        // Slots 1..=6 overlap the genesis storage; value 0 deletes.
        (0u8..4, 0u8..3, 1u64..7, 0u64..3).prop_map(|(from, contract, slot, value)| Op::Store {
            from,
            contract,
            slot,
            value
        }),
        (0u8..4).prop_map(|from| Op::Create { from }),
        (0u8..4, 0u8..3).prop_map(|(from, contract)| Op::Destruct { from, contract }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    /// Canyon rules (pre-Cancun), so SELFDESTRUCT really deletes accounts and their storage.
    #[test]
    fn incremental_state_root_equals_from_scratch_over_random_blocks(blocks in prop::collection::vec(prop::collection::vec(op(), 0..12), 1..6)) {
        let dir = tempfile::tempdir().unwrap();
        let schedule = HardforkSchedule { regolith_time: Some(0), canyon_time: Some(0), ..Default::default() };
        let mut chain = Chain::new(&dir.path().join("db"), config(schedule), alloc(4));
        for ops in blocks {
            let txs: Vec<Bytes> = ops.iter().map(|op| match *op {
                Op::Transfer { from, to, amount } => {
                    let to = if to < 4 { key(to).address() } else { Address::with_last_byte(0x90 + to) };
                    chain.tx(&key(from), TxKind::Call(to), u128::from(amount), Bytes::new(), 21_000)
                }
                Op::Store { from, contract, slot, value } => chain.tx(&key(from), TxKind::Call(store_contract(contract)), 0, sstore_input(slot, value), 100_000),
                // Initcode returning STORE_CODE: PUSH8 code PUSH1 0 MSTORE PUSH1 8 PUSH1 24 RETURN.
                Op::Create { from } => {
                    let mut init = vec![0x67];
                    init.extend_from_slice(STORE_CODE);
                    init.extend_from_slice(&[0x60, 0x00, 0x52, 0x60, 0x08, 0x60, 0x18, 0xf3]);
                    chain.tx(&key(from), TxKind::Create, 0, init.into(), 200_000)
                }
                Op::Destruct { from, contract } => chain.tx(&key(from), TxKind::Call(destruct_contract(contract)), 0, Bytes::new(), 100_000),
            }).collect();
            let block = chain.produce(txs);
            prop_assert_eq!(chain.model.state_root(), block.header.state_root, "model vs incremental");
            prop_assert_eq!(chain.store.recompute_state_root().unwrap(), block.header.state_root, "flat tables vs trie");
        }
    }
}

#[test]
fn proofs_verify_at_the_head_and_at_old_blocks_and_survive_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let schedule = HardforkSchedule::all_through_isthmus();
    let mut chain = Chain::new(&path, config(schedule), alloc(4));
    let tx = chain_tx_store(&mut chain, 0, 0, 42, 7);
    let first = chain.produce(vec![tx]);
    let old_root = first.header.state_root;
    // Later blocks change the same account and slot.
    for v in 1..4 {
        let tx = chain_tx_store(&mut chain, 0, 0, 42, 100 + v);
        chain.produce(vec![tx]);
    }
    let head_root = chain.head.state_root;
    assert_ne!(old_root, head_root);

    let view = chain.store.state().unwrap();
    let contract = store_contract(0);
    let record = view.account(&contract).unwrap().unwrap();
    // Account proof at the head.
    let proof = view.account_proof(&contract).unwrap();
    let leaf = alloy_rlp::encode(TrieAccount {
        nonce: record.nonce,
        balance: record.balance,
        storage_root: record.storage_root,
        code_hash: record.code_hash,
    });
    verify_proof(head_root, Nibbles::unpack(keccak256(contract)), Some(leaf), &proof).unwrap();
    // Storage proof of slot 42 = 103, and absence of slot 43.
    let sp = view.storage_proof(record.storage_root, U256::from(42)).unwrap();
    let slot_key = Nibbles::unpack(keccak256(U256::from(42).to_be_bytes::<32>()));
    verify_proof(record.storage_root, slot_key, Some(alloy_rlp::encode(U256::from(103))), &sp)
        .unwrap();
    let absent = view.storage_proof(record.storage_root, U256::from(43)).unwrap();
    verify_proof(
        record.storage_root,
        Nibbles::unpack(keccak256(U256::from(43).to_be_bytes::<32>())),
        None,
        &absent,
    )
    .unwrap();
    // An EOA that never existed: an absence proof.
    let nobody = Address::repeat_byte(0xee);
    verify_proof(
        head_root,
        Nibbles::unpack(keccak256(nobody)),
        None,
        &view.account_proof(&nobody).unwrap(),
    )
    .unwrap();
    drop(view);

    // The old block's root still proves the old value (nodes are never overwritten).
    let old =
        lamina_engine::trie::get(&chain.store.state().unwrap(), old_root, &keccak256(contract))
            .unwrap();
    assert!(old.is_some());

    // Reopen: same head, same state.
    let head = chain.store.head().unwrap();
    drop(chain);
    let (store, header, hash) = Chain::reopen(&path);
    assert_eq!(Some((header.number, hash)), head);
    assert_eq!(store.block_number(&hash).unwrap(), Some(header.number));
    assert_eq!(header.state_root, head_root);
    assert_eq!(store.recompute_state_root().unwrap(), head_root);
}

fn chain_tx_store(chain: &mut Chain, from: u8, contract: u8, slot: u64, value: u64) -> Bytes {
    chain.tx(
        &key(from),
        TxKind::Call(store_contract(contract)),
        0,
        sstore_input(slot, value),
        100_000,
    )
}

#[test]
fn a_block_that_does_not_extend_the_head_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut chain = Chain::new(
        &dir.path().join("db"),
        config(HardforkSchedule::all_through_isthmus()),
        alloc(1),
    );
    let tx = chain.tx(&key(0), TxKind::Call(Address::ZERO), 1, Bytes::new(), 21_000);
    let block = chain.produce(vec![tx]);
    let view = chain.store.state().unwrap();
    let update = view.compute_update(&block.bundle).unwrap();
    drop(view);
    // Committing the same block twice: it no longer extends the head.
    let err = chain.store.commit_block(&block, &update).unwrap_err();
    assert!(matches!(err, StoreError::NotChild { number: 1, head: 1 }), "{err}");
    assert_eq!(chain.store.head().unwrap().unwrap().1, block.hash);
}
