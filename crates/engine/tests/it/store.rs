//! The store under real blocks: incremental roots against an independent from-scratch model,
//! proofs at the head and at old blocks, reopening, bad commits.

use std::collections::{BTreeMap, HashSet};

use alloy_primitives::{Address, B256, Bytes, TxKind, U256, keccak256};
use alloy_trie::{Nibbles, TrieAccount, proof::verify_proof};
use lamina_engine::{
    GenesisAccount, StateView, StoreError,
    store::{AccountProof, Durability, Retention, StoreOptions},
    trie::{Root, Visit, walk},
};
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
pub(crate) fn alloc(eoas: u8) -> BTreeMap<Address, GenesisAccount> {
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
            // With storage, so that a self-destruct drops a whole storage trie.
            GenesisAccount {
                code: Bytes::from_static(DESTRUCT_CODE),
                balance: U256::from(ETH),
                storage: (1..=4u64).map(|k| (U256::from(k), U256::from(k + 1000))).collect(),
                ..Default::default()
            },
        );
    }
    alloc
}

#[derive(Debug, Clone)]
pub(crate) enum Op {
    Transfer { from: u8, to: u8, amount: u64 },
    Store { from: u8, contract: u8, slot: u64, value: u64 },
    Create { from: u8 },
    Destruct { from: u8, contract: u8 },
}

pub(crate) fn op() -> impl Strategy<Value = Op> {
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
    ///
    /// Under either retention policy, and whether commits sync each block or in the
    /// background, every kept state reads (through the trie) exactly what
    /// the head read when it was current, and the node table holds exactly the nodes the kept
    /// states reach.
    #[test]
    fn incremental_state_root_equals_from_scratch_over_random_blocks(blocks in prop::collection::vec(prop::collection::vec(op(), 0..12), 1..6), keep in prop_oneof![Just(None), (1u64..3).prop_map(Some)], pipelined in any::<bool>()) {
        let dir = tempfile::tempdir().unwrap();
        let schedule = HardforkSchedule { regolith_time: Some(0), canyon_time: Some(0), ..Default::default() };
        let retention = keep.map_or(Retention::Archive, Retention::Recent);
        let durability = if pipelined { Durability::Pipelined } else { Durability::EachBlock };
        let mut chain = Chain::with_options(&dir.path().join("db"), config(schedule), alloc(4), StoreOptions { retention, durability });
        let mut seen = vec![snapshot(&chain.store.state().unwrap())];
        for ops in blocks {
            let txs = txs_for(&mut chain, &ops);
            let block = chain.produce(txs);
            prop_assert_eq!(chain.model.state_root(), block.header.state_root, "model vs incremental");
            prop_assert_eq!(chain.store.recompute_state_root().unwrap(), block.header.state_root, "flat tables vs trie");
            seen.push(snapshot(&chain.store.state().unwrap()));
            let head = block.header.number;
            let oldest = chain.store.oldest_state().unwrap();
            prop_assert_eq!(oldest, keep.map_or(0, |k| (head + 1).saturating_sub(k)));
            let mut reachable = HashSet::new();
            for n in oldest..=head {
                let view = chain.store.state_at(n).unwrap();
                prop_assert_eq!(&snapshot(&view), &seen[n as usize], "state of block {} read through the trie", n);
                reachable.extend(reachable_nodes(&view));
            }
            prop_assert_eq!(chain.store.trie_node_count().unwrap(), reachable.len() as u64, "nodes kept = nodes reachable");
            if oldest > 0 {
                let pruned = matches!(chain.store.state_at(oldest - 1), Err(StoreError::Pruned { .. }));
                prop_assert!(pruned);
            }
        }
    }
}

/// Signs the txs of one block of `ops`.
pub(crate) fn txs_for(chain: &mut Chain, ops: &[Op]) -> Vec<Bytes> {
    ops.iter()
        .map(|op| match *op {
            Op::Transfer { from, to, amount } => {
                let to =
                    if to < 4 { key(to).address() } else { Address::with_last_byte(0x90 + to) };
                chain.tx(&key(from), TxKind::Call(to), u128::from(amount), Bytes::new(), 21_000)
            }
            Op::Store { from, contract, slot, value } => chain.tx(
                &key(from),
                TxKind::Call(store_contract(contract)),
                0,
                sstore_input(slot, value),
                100_000,
            ),
            // Initcode returning STORE_CODE: PUSH8 code PUSH1 0 MSTORE PUSH1 8 PUSH1 24 RETURN.
            Op::Create { from } => {
                let mut init = vec![0x67];
                init.extend_from_slice(STORE_CODE);
                init.extend_from_slice(&[0x60, 0x00, 0x52, 0x60, 0x08, 0x60, 0x18, 0xf3]);
                chain.tx(&key(from), TxKind::Create, 0, init.into(), 200_000)
            }
            Op::Destruct { from, contract } => chain.tx(
                &key(from),
                TxKind::Call(destruct_contract(contract)),
                0,
                Bytes::new(),
                100_000,
            ),
        })
        .collect()
}

pub(crate) type Snapshot = Vec<(Address, Option<(U256, u64)>, Vec<U256>)>;

/// What the tests read of a state: every test account (balance, nonce) and the first slots of
/// every contract.
pub(crate) fn snapshot(view: &StateView) -> Snapshot {
    let mut addresses: Vec<Address> = (0..4).map(|i| key(i).address()).collect();
    addresses.extend((0..3).flat_map(|i| [store_contract(i), destruct_contract(i)]));
    addresses.extend((0..8).map(|i| Address::with_last_byte(0x90 + i)));
    addresses
        .into_iter()
        .map(|a| {
            let account = view.account(&a).unwrap().map(|r| (r.balance, r.nonce));
            let slots = (0..6u64).map(|k| view.storage(&a, U256::from(k)).unwrap()).collect();
            (a, account, slots)
        })
        .collect()
}

/// Every trie node id the state of `view` reaches: account trie and storage tries.
pub(crate) fn reachable_nodes(view: &StateView) -> HashSet<u64> {
    let mut ids = HashSet::new();
    let mut storage_roots = Vec::new();
    let root = view.state_root();
    let root = Root { hash: root, id: view.state_root_id() };
    walk(view, root, |v| match v {
        Visit::Node(id) => {
            ids.insert(id);
        }
        Visit::Leaf { value, aux } => {
            let a: TrieAccount = alloy_rlp::Decodable::decode(&mut &value[..]).unwrap();
            storage_roots.push(Root { hash: a.storage_root, id: aux });
        }
    })
    .unwrap();
    for r in storage_roots {
        walk(view, r, |v| {
            if let Visit::Node(id) = v {
                ids.insert(id);
            }
        })
        .unwrap();
    }
    ids
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
    // eth_getProof at the head: the account, slot 42 = 103, and slot 43 absent.
    let p = view.proof(&contract, &[U256::from(42), U256::from(43)]).unwrap();
    check_proof(head_root, &contract, &p);
    assert_eq!(p.storage[0].1, U256::from(103));
    assert_eq!(p.storage[1].1, U256::ZERO);
    // An EOA that never existed: an absence proof.
    let nobody = Address::repeat_byte(0xee);
    let p = view.proof(&nobody, &[U256::from(1)]).unwrap();
    assert_eq!(p.account, None);
    check_proof(head_root, &nobody, &p);
    drop(view);

    // The old block's state is read through the trie at its root, and proves the old value.
    let old = chain.store.state_at(first.header.number).unwrap();
    assert_eq!(old.state_root(), old_root);
    let p = old.proof(&contract, &[U256::from(42)]).unwrap();
    check_proof(old_root, &contract, &p);
    assert_eq!(p.storage[0].1, U256::from(7));
    assert_eq!(old.storage(&contract, U256::from(42)).unwrap(), U256::from(7));
    let sender = key(0).address();
    let (then, now) = (
        old.account(&sender).unwrap().unwrap(),
        chain.store.state().unwrap().account(&sender).unwrap().unwrap(),
    );
    assert_eq!((then.nonce, now.nonce), (1, 4));
    assert!(then.balance > now.balance);
    // An old view is read-only, and blocks past the head do not exist.
    assert!(matches!(old.compute_update(&Default::default()), Err(StoreError::NotHead(1))));
    drop(old);
    assert!(matches!(chain.store.state_at(99), Err(StoreError::UnknownBlock(99))));

    // Reopen: same head, same state.
    let head = chain.store.head().unwrap();
    drop(chain);
    let (store, header, hash) = Chain::reopen(&path);
    assert_eq!(Some((header.number, hash)), head);
    assert_eq!(store.block_number(&hash).unwrap(), Some(header.number));
    assert_eq!(header.state_root, head_root);
    assert_eq!(store.recompute_state_root().unwrap(), head_root);
}

/// Verifies an `eth_getProof` answer against `root`: the account (or its absence) and every slot.
fn check_proof(root: B256, address: &Address, p: &AccountProof) {
    let leaf = p.account.map(|a| {
        alloy_rlp::encode(TrieAccount {
            nonce: a.nonce,
            balance: a.balance,
            storage_root: a.storage_root,
            code_hash: a.code_hash,
        })
    });
    verify_proof(root, Nibbles::unpack(keccak256(address)), leaf, &p.account_proof).unwrap();
    let storage_root = p.account.map_or(alloy_trie::EMPTY_ROOT_HASH, |a| a.storage_root);
    for (slot, value, proof) in &p.storage {
        let key = Nibbles::unpack(keccak256(slot.to_be_bytes::<32>()));
        let expected = (!value.is_zero()).then(|| alloy_rlp::encode(value));
        verify_proof(storage_root, key, expected, proof).unwrap();
    }
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

/// Pipelined commits: each block is readable as soon as its commit returns, durable once
/// `wait_durable` says so, and a clean close syncs whatever is left.
#[test]
fn pipelined_commits_are_visible_at_once_and_durable_after_the_wait() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let schedule = HardforkSchedule::all_through_isthmus();
    let options = StoreOptions { durability: Durability::Pipelined, ..Default::default() };
    let mut chain = Chain::with_options(&path, config(schedule), alloc(4), options);
    let mut last = None;
    for n in 0..5u64 {
        let tx = chain.tx(
            &key(0),
            TxKind::Call(key(1).address()),
            u128::from(n + 1),
            Bytes::new(),
            21_000,
        );
        let block = chain.produce(vec![tx]);
        assert_eq!(chain.store.head().unwrap(), Some((block.header.number, block.hash)));
        assert_eq!(chain.store.recompute_state_root().unwrap(), block.header.state_root);
        last = Some((block.header.number, block.hash));
    }
    let (number, hash) = last.unwrap();
    chain.store.wait_durable(number).unwrap();
    drop(chain);
    let (store, header, h) = Chain::reopen(&path);
    assert_eq!((header.number, h), (number, hash), "every block survives a clean close");
    assert_eq!(store.recompute_state_root().unwrap(), header.state_root);
}
