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

fn commit(trie: &mut Trie, store: &mut MemNodes, prune: bool) -> Root {
    let mut writes = NodeWrites::starting_at(store.0.keys().max().map_or(1, |m| m + 1));
    let root = trie.commit(&mut writes);
    store.apply(writes, prune);
    root
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn incremental_root_equals_from_scratch_root(batches in prop::collection::vec(prop::collection::vec((key(), value()), 1..25), 1..8)) {
        let mut store = MemNodes::default();
        let mut map = BTreeMap::new();
        let mut root = Root::EMPTY;
        let mut history = Vec::new();
        for batch in batches {
            let mut trie = Trie::open(root);
            for (k, v) in batch {
                trie.update(&store, &k, v.clone()).unwrap();
                if v.is_empty() { map.remove(&k); } else { map.insert(k, v); }
            }
            root = commit(&mut trie, &mut store, false);
            prop_assert_eq!(root.hash, reference_root(&map));
            history.push((root, map.clone()));
        }
        // Every committed root stays readable and provable.
        for (old_root, old_map) in &history {
            for (k, v) in old_map.iter().take(5) {
                let got = get(&store, *old_root, k).unwrap();
                prop_assert_eq!(got.map(|(v, _)| v), Some(v.clone()));
                let p = proof(&store, *old_root, k).unwrap();
                prop_assert!(verify_proof(old_root.hash, Nibbles::unpack(k), Some(v.clone()), &p).is_ok());
            }
            let absent = keccak256(b"absent");
            prop_assert_eq!(get(&store, *old_root, &absent).unwrap(), None);
            let p = proof(&store, *old_root, &absent).unwrap();
            prop_assert!(verify_proof(old_root.hash, Nibbles::unpack(absent), None, &p).is_ok());
        }
    }

    /// Dropping every stale node after each commit keeps exactly the nodes reachable from the
    /// newest root: nothing it needs is dropped, nothing unreachable is kept.
    #[test]
    fn stale_nodes_are_exactly_the_unreachable_ones(batches in prop::collection::vec(prop::collection::vec((key(), value()), 1..25), 1..8)) {
        let mut store = MemNodes::default();
        let mut map = BTreeMap::new();
        let mut root = Root::EMPTY;
        for batch in batches {
            let mut trie = Trie::open(root);
            for (k, v) in batch {
                trie.update(&store, &k, v.clone()).unwrap();
                if v.is_empty() { map.remove(&k); } else { map.insert(k, v); }
            }
            root = commit(&mut trie, &mut store, true);
            prop_assert_eq!(root.hash, reference_root(&map));
            for (k, v) in &map {
                prop_assert_eq!(get(&store, root, k).unwrap().map(|(v, _)| v), Some(v.clone()));
            }
            let mut reachable = std::collections::HashSet::new();
            walk(&store, root, |v| if let Visit::Node(id) = v { reachable.insert(id); }).unwrap();
            let stored: std::collections::HashSet<_> = store.0.keys().copied().collect();
            prop_assert_eq!(stored, reachable);
        }
    }
}

#[test]
fn deleting_everything_returns_to_the_empty_root() {
    let mut store = MemNodes::default();
    let keys: Vec<B256> = (0u8..50).map(|i| keccak256([i])).collect();
    let mut trie = Trie::open(Root::EMPTY);
    for k in &keys {
        trie.update(&store, k, vec![1; 40]).unwrap();
    }
    let root = commit(&mut trie, &mut store, false);
    let mut trie = Trie::open(root);
    for k in &keys {
        trie.update(&store, k, Vec::new()).unwrap();
    }
    assert_eq!(trie.commit(&mut NodeWrites::default()), Root::EMPTY);
}

#[test]
fn a_missing_node_is_an_error_not_a_panic() {
    let mut trie = Trie::open(Root { hash: B256::repeat_byte(1), id: Some(7) });
    let err = trie.update(&MemNodes::default(), &B256::ZERO, vec![1]).unwrap_err();
    assert_eq!(err, TrieError::MissingNode(B256::repeat_byte(1)));
}

#[test]
fn a_node_that_does_not_match_its_hash_is_corrupt() {
    let mut store = MemNodes::default();
    let mut trie = Trie::open(Root::EMPTY);
    for i in 0..100u32 {
        trie.update(&store, &keccak256(i.to_be_bytes()), vec![7; 40]).unwrap();
    }
    let root = commit(&mut trie, &mut store, false);
    // Swap the root's record for another node's: the id resolves, the hash does not match.
    let other = store.0.keys().copied().find(|id| Some(*id) != root.id).unwrap();
    let record = store.0[&other].clone();
    store.0.insert(root.id.unwrap(), record);
    let err = get(&store, root, &keccak256(1u32.to_be_bytes())).unwrap_err();
    assert!(matches!(err, TrieError::Corrupt(_)), "{err:?}");
    // Garbage records are errors too.
    store.0.insert(root.id.unwrap(), vec![0xf8, 0xff, 1]);
    assert!(get(&store, root, &B256::ZERO).is_err());
}

#[test]
fn account_leaves_keep_their_subtrie_id() {
    let mut store = MemNodes::default();
    let mut trie = Trie::open(Root::EMPTY);
    for i in 0..20u64 {
        trie.update_with(&store, &keccak256(i.to_be_bytes()), vec![9; 70], Some(1000 + i)).unwrap();
    }
    let root = commit(&mut trie, &mut store, false);
    for i in 0..20u64 {
        let got = get(&store, root, &keccak256(i.to_be_bytes())).unwrap();
        assert_eq!(got, Some((vec![9; 70], Some(1000 + i))));
    }
    let mut subtries = Vec::new();
    walk(&store, root, |v| {
        if let Visit::Leaf { aux: Some(id), .. } = v {
            subtries.push(id)
        }
    })
    .unwrap();
    subtries.sort_unstable();
    assert_eq!(subtries, (1000..1020).collect::<Vec<_>>());
}

#[test]
fn removing_an_absent_key_writes_nothing() {
    let mut store = MemNodes::default();
    let mut trie = Trie::open(Root::EMPTY);
    for i in 0..1000u32 {
        trie.update(&store, &keccak256(i.to_be_bytes()), vec![7; 70]).unwrap();
    }
    let root = commit(&mut trie, &mut store, false);
    let mut trie = Trie::open(root);
    trie.update(&store, &keccak256(b"absent"), Vec::new()).unwrap();
    let mut writes = NodeWrites::default();
    assert_eq!(trie.commit(&mut writes), root);
    assert!(writes.nodes.is_empty() && writes.stale.is_empty());
}

#[test]
fn commit_touches_only_the_changed_paths() {
    let mut store = MemNodes::default();
    let mut trie = Trie::open(Root::EMPTY);
    for i in 0..10_000u32 {
        trie.update(&store, &keccak256(i.to_be_bytes()), vec![7; 70]).unwrap();
    }
    let root = commit(&mut trie, &mut store, false);
    let mut trie = Trie::open(root);
    trie.update(&store, &keccak256(5u32.to_be_bytes()), vec![8; 70]).unwrap();
    let mut writes = NodeWrites::default();
    trie.commit(&mut writes);
    // One leaf changed: only its path (about log16(10 000) ≈ 4 nodes) is rewritten, and the
    // same nodes become stale.
    assert!(writes.nodes.len() <= 6, "{} nodes rewritten", writes.nodes.len());
    assert_eq!(writes.stale.len(), writes.nodes.len());
}
