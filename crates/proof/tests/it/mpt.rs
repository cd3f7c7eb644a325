//! The sparse trie against lamina-evm's from-scratch roots: any sequence of inserts, updates and
//! deletions gives the same root as the reference over the same final contents; a trie loaded
//! lazily from a witness (its own preimages) behaves the same; with one preimage missing every
//! operation either succeeds or fails with that node's hash and changes nothing, so the root is
//! never wrong.

use std::collections::{BTreeMap, HashMap};

use alloy_primitives::{B256, Bytes, U256, keccak256};
use lamina_evm::trie::storage_root;
use lamina_proof::mpt::{MptError, SparseTrie};
use proptest::prelude::*;

/// A storage-trie operation: slot (from a small range, so keys repeat) and value (0 deletes).
type Op = (u8, u64);

fn key(slot: u8) -> B256 {
    keccak256(U256::from(slot).to_be_bytes::<32>())
}

fn value(v: u64) -> Vec<u8> {
    if v == 0 { Vec::new() } else { alloy_rlp::encode(U256::from(v)) }
}

/// Applies `op` to the reference contents.
fn apply(model: &mut BTreeMap<U256, U256>, (slot, v): Op) {
    if v == 0 {
        model.remove(&U256::from(slot));
    } else {
        model.insert(U256::from(slot), U256::from(v));
    }
}

fn ops(n: usize) -> impl Strategy<Value = Vec<Op>> {
    // Zero one time in four: deletions (of present and absent slots) are common.
    prop::collection::vec((0u8..48, prop_oneof![3 => 1u64..1_000_000, 1 => Just(0u64)]), 0..n)
}

fn build(ops: &[Op]) -> (SparseTrie, BTreeMap<U256, U256>) {
    let db = HashMap::new();
    let mut trie = SparseTrie::new();
    let mut model = BTreeMap::new();
    for &op in ops {
        trie.insert(&db, key(op.0), value(op.1)).unwrap();
        apply(&mut model, op);
    }
    (trie, model)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn roots_equal_the_reference_after_any_updates(ops in ops(200)) {
        let (trie, model) = build(&ops);
        prop_assert_eq!(trie.root(), storage_root(&model));
    }

    #[test]
    fn a_trie_loaded_from_its_witness_reads_and_updates_the_same(
        first in ops(120),
        then in ops(80),
    ) {
        let (built, mut model) = build(&first);
        let db = built.preimages();
        let mut trie = SparseTrie::from_root(built.root());
        for slot in 0u8..48 {
            let want = model.get(&U256::from(slot)).map(alloy_rlp::encode);
            prop_assert_eq!(trie.get(&db, key(slot)).unwrap(), want);
        }
        for &op in &then {
            trie.insert(&db, key(op.0), value(op.1)).unwrap();
            apply(&mut model, op);
        }
        prop_assert_eq!(trie.root(), storage_root(&model));
    }

    #[test]
    fn a_missing_node_is_an_error_that_changes_nothing(
        first in ops(120),
        then in ops(80),
        pick in any::<prop::sample::Index>(),
    ) {
        let (built, mut model) = build(&first);
        let mut db = built.preimages();
        prop_assume!(!db.is_empty());
        let mut hashes: Vec<B256> = db.keys().copied().collect();
        hashes.sort();
        let gone = hashes[pick.index(hashes.len())];
        db.remove(&gone);
        let mut trie = SparseTrie::from_root(built.root());
        for &op in &then {
            match trie.insert(&db, key(op.0), value(op.1)) {
                Ok(()) => apply(&mut model, op),
                Err(e) => prop_assert_eq!(e, MptError::MissingNode(gone)),
            }
        }
        // Whatever failed left the trie as it was: the root is the reference's over what
        // succeeded, never anything else.
        if gone != built.root() {
            prop_assert_eq!(trie.root(), storage_root(&model));
        }
    }
}

#[test]
fn the_empty_trie_and_its_root() {
    let db = HashMap::new();
    let mut trie = SparseTrie::new();
    assert_eq!(trie.root(), storage_root(&BTreeMap::new()));
    trie.insert(&db, key(1), value(7)).unwrap();
    trie.remove(&db, key(1)).unwrap();
    assert_eq!(trie.root(), storage_root(&BTreeMap::new()));
    assert_eq!(trie.get(&db, key(1)).unwrap(), None);
}

#[test]
fn a_lying_witness_is_refused() {
    let (built, _) = build(&[(1, 5), (2, 6), (3, 7)]);
    let root = built.root();
    let mut db = built.preimages();
    // The root's preimage replaced by another node's bytes.
    let other = db.iter().find(|(h, _)| **h != root).map(|(_, v)| v.clone()).unwrap();
    db.insert(root, other);
    let mut trie = SparseTrie::from_root(root);
    assert_eq!(trie.get(&db, key(1)), Err(MptError::WrongPreimage(root)));

    // Bytes that hash right but are no trie node.
    let junk = Bytes::from_static(b"not a node");
    let junk_hash = keccak256(&junk);
    let db: HashMap<B256, Bytes> = [(junk_hash, junk)].into();
    let mut trie = SparseTrie::from_root(junk_hash);
    assert!(matches!(trie.get(&db, key(1)), Err(MptError::Malformed { .. })));
}

#[test]
fn deleting_next_to_a_missing_sibling_fails_and_undoes_itself() {
    // Two leaves: deleting either collapses the root branch into the other, which must be
    // loaded; without its preimage the delete fails and the trie stays as it was.
    let (built, _) = build(&[(1, 5), (2, 6)]);
    let root = built.root();
    let full = built.preimages();
    let leaves: Vec<B256> = full.keys().copied().filter(|h| *h != root).collect();
    assert_eq!(leaves.len(), 2, "a branch over two hashed leaves");
    for gone in leaves {
        let mut db = full.clone();
        db.remove(&gone);
        let mut failures = 0;
        for slot in [1, 2] {
            let mut trie = SparseTrie::from_root(root);
            match trie.remove(&db, key(slot)) {
                Ok(()) => assert_ne!(trie.root(), root),
                Err(e) => {
                    assert_eq!(e, MptError::MissingNode(gone));
                    assert_eq!(trie.root(), root, "a failed delete changes nothing");
                    failures += 1;
                }
            }
        }
        assert_eq!(failures, 2, "one delete needs the leaf itself, the other its sibling");
    }
}
