//! The incremental trie against a from-scratch root over the same key/value map.

use std::collections::BTreeMap;

use alloy_primitives::{B256, keccak256};
use alloy_trie::{EMPTY_ROOT_HASH, HashBuilder, Nibbles, proof::verify_proof};
use proptest::prelude::*;

use super::*;

fn reference_root(map: &BTreeMap<B256, Vec<u8>>) -> B256 {
    if map.is_empty() {
        return EMPTY_ROOT_HASH;
    }
    let mut hb = HashBuilder::default();
    for (k, v) in map {
        hb.add_leaf(Nibbles::unpack(k), v);
    }
    hb.root()
}

/// Keys drawn from a small pool so that updates and deletes hit existing keys, with prefixes
/// shared deeply enough to exercise extensions and branch collapses.
fn key() -> impl Strategy<Value = B256> {
    prop_oneof![
        (0u8..40).prop_map(|i| keccak256([i])),
        // Keys sharing 30 bytes: long extensions, short leaves.
        (0u8..8).prop_map(|i| {
            let mut k = B256::repeat_byte(0xab);
            k[31] = i;
            k
        }),
        any::<[u8; 32]>().prop_map(B256::from),
    ]
}

/// Small values make inline (< 32 byte) nodes near the bottom of deep paths.
fn value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(Vec::new()),
        prop::collection::vec(any::<u8>(), 1..3),
        prop::collection::vec(any::<u8>(), 1..80),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn incremental_root_equals_from_scratch_root(batches in prop::collection::vec(prop::collection::vec((key(), value()), 1..25), 1..8)) {
        let mut store = MemNodes::default();
        let mut map = BTreeMap::new();
        let mut root = EMPTY_ROOT_HASH;
        let mut history = Vec::new();
        for batch in batches {
            let mut trie = Trie::open(root);
            for (k, v) in batch {
                trie.update(&store, &k, v.clone()).unwrap();
                if v.is_empty() { map.remove(&k); } else { map.insert(k, v); }
            }
            let mut writes = Vec::new();
            root = trie.commit(&mut writes);
            store.extend(writes);
            prop_assert_eq!(root, reference_root(&map));
            history.push((root, map.clone()));
        }
        // Every committed root stays readable and provable.
        for (old_root, old_map) in &history {
            for (k, v) in old_map.iter().take(5) {
                let got = get(&store, *old_root, k).unwrap();
                prop_assert_eq!(got.as_ref(), Some(v));
                let p = proof(&store, *old_root, k).unwrap();
                prop_assert!(verify_proof(*old_root, Nibbles::unpack(k), Some(v.clone()), &p).is_ok());
            }
            let absent = keccak256(b"absent");
            prop_assert_eq!(get(&store, *old_root, &absent).unwrap(), None);
            let p = proof(&store, *old_root, &absent).unwrap();
            prop_assert!(verify_proof(*old_root, Nibbles::unpack(absent), None, &p).is_ok());
        }
    }
}

#[test]
fn deleting_everything_returns_to_the_empty_root() {
    let mut store = MemNodes::default();
    let keys: Vec<B256> = (0u8..50).map(|i| keccak256([i])).collect();
    let mut trie = Trie::open(EMPTY_ROOT_HASH);
    for k in &keys {
        trie.update(&store, k, vec![1; 40]).unwrap();
    }
    let mut writes = Vec::new();
    let root = trie.commit(&mut writes);
    store.extend(writes);
    let mut trie = Trie::open(root);
    for k in &keys {
        trie.update(&store, k, Vec::new()).unwrap();
    }
    assert_eq!(trie.commit(&mut Vec::new()), EMPTY_ROOT_HASH);
}

#[test]
fn a_missing_node_is_an_error_not_a_panic() {
    let mut trie = Trie::open(B256::repeat_byte(1));
    let err = trie.update(&MemNodes::default(), &B256::ZERO, vec![1]).unwrap_err();
    assert_eq!(err, TrieError::MissingNode(B256::repeat_byte(1)));
}

#[test]
fn commit_touches_only_the_changed_paths() {
    let mut store = MemNodes::default();
    let mut trie = Trie::open(EMPTY_ROOT_HASH);
    for i in 0..10_000u32 {
        trie.update(&store, &keccak256(i.to_be_bytes()), vec![7; 70]).unwrap();
    }
    let mut writes = Vec::new();
    let root = trie.commit(&mut writes);
    store.extend(writes);
    let mut trie = Trie::open(root);
    trie.update(&store, &keccak256(5u32.to_be_bytes()), vec![8; 70]).unwrap();
    let mut writes = Vec::new();
    trie.commit(&mut writes);
    // One leaf changed: only its path (about log16(10 000) ≈ 4 nodes) is rewritten.
    assert!(writes.len() <= 6, "{} nodes rewritten", writes.len());
}
