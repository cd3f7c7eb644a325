//! Ordered lists in a trie, as block headers commit to their txs and receipts: item `i` is
//! stored under the key `rlp(i)`. [`read`] recovers the whole list from its root, node by node
//! through the preimages, and checks it is exactly items `0..n`; [`nodes`] builds the trie of
//! a list and returns every node a reader needs (what a host serves for a block).

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use alloy_primitives::{B256, Bytes, keccak256};
use alloy_rlp::Decodable;
use alloy_trie::{
    EMPTY_ROOT_HASH, HashBuilder, Nibbles,
    nodes::{RlpNode, TrieNode},
    proof::ProofRetainer,
};

use crate::mpt::MptError;

/// The largest list read (a block cannot hold more txs than this at any gas limit here).
pub const MAX_ITEMS: usize = 1 << 20;

/// Why a list could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListError {
    /// A node is missing or malformed.
    #[error(transparent)]
    Trie(#[from] MptError),
    /// A key is not `rlp(i)`, or an index is missing or out of range.
    #[error("list trie {root}: {why}")]
    Shape {
        /// The list's root.
        root: B256,
        /// What is wrong.
        why: &'static str,
    },
}

/// The list with root `root`; `preimage` gives a node's RLP by hash.
pub fn read(
    root: B256,
    preimage: &mut impl FnMut(B256) -> Option<Bytes>,
) -> Result<Vec<Bytes>, ListError> {
    if root == EMPTY_ROOT_HASH {
        return Ok(Vec::new());
    }
    let mut items = BTreeMap::new();
    let rlp = fetch(root, preimage)?;
    walk(root, &rlp, Nibbles::default(), preimage, &mut items)?;
    let shape = |why| ListError::Shape { root, why };
    if items.keys().enumerate().any(|(i, k)| i as u64 != *k) {
        return Err(shape("indexes are not 0..n"));
    }
    Ok(items.into_values().collect())
}

fn fetch(hash: B256, preimage: &mut impl FnMut(B256) -> Option<Bytes>) -> Result<Bytes, MptError> {
    let rlp = preimage(hash).ok_or(MptError::MissingNode(hash))?;
    if keccak256(&rlp) != hash {
        return Err(MptError::WrongPreimage(hash));
    }
    Ok(rlp)
}

fn walk(
    root: B256,
    rlp: &[u8],
    path: Nibbles,
    preimage: &mut impl FnMut(B256) -> Option<Bytes>,
    items: &mut BTreeMap<u64, Bytes>,
) -> Result<(), ListError> {
    let malformed = |why| MptError::Malformed { hash: root, why };
    // A key is at most rlp(u64): 9 bytes, 18 nibbles.
    if path.len() > 18 {
        return Err(ListError::Shape { root, why: "key longer than any index" });
    }
    let mut slice = rlp;
    let node = TrieNode::decode(&mut slice).map_err(|_| malformed("not a trie node"))?;
    let mut child =
        |node: &RlpNode, path: Nibbles, items: &mut BTreeMap<u64, Bytes>| match node.as_hash() {
            Some(h) => {
                let rlp = fetch(h, preimage)?;
                walk(root, &rlp, path, preimage, items)
            }
            None => walk(root, &node[..], path, preimage, items),
        };
    match node {
        TrieNode::EmptyRoot => Ok(()),
        TrieNode::Leaf(leaf) => {
            let mut key = path;
            key.extend(&leaf.key);
            let index =
                index_of(&key).ok_or(ListError::Shape { root, why: "key is not rlp(i)" })?;
            if items.len() >= MAX_ITEMS {
                return Err(ListError::Shape { root, why: "too many items" });
            }
            items.insert(index, leaf.value.into());
            Ok(())
        }
        TrieNode::Extension(ext) => {
            let mut key = path;
            key.extend(&ext.key);
            child(&ext.child, key, items)
        }
        TrieNode::Branch(branch) => {
            let mut stack = branch.stack.iter();
            for nibble in 0..16u8 {
                if branch.state_mask.is_bit_set(nibble) {
                    let node = stack.next().ok_or(malformed("branch mask without child"))?;
                    let mut key = path;
                    key.push(nibble);
                    child(node, key, items)?;
                }
            }
            Ok(())
        }
    }
}

/// The index whose key is `key` (`rlp(i)`, canonical), if any.
fn index_of(key: &Nibbles) -> Option<u64> {
    if !key.len().is_multiple_of(2) {
        return None;
    }
    let bytes = key.pack();
    let mut slice = &bytes[..];
    let i = u64::decode(&mut slice).ok()?;
    slice.is_empty().then_some(i)
}

/// The root of `items` as a list trie and every node of it by hash (the root's included even
/// when short).
pub fn nodes<T: AsRef<[u8]>>(items: &[T]) -> (B256, Vec<Bytes>) {
    let mut keyed: Vec<(Nibbles, &[u8])> = items
        .iter()
        .enumerate()
        .map(|(i, item)| (Nibbles::unpack(alloy_rlp::encode(i as u64)), item.as_ref()))
        .collect();
    keyed.sort_by_key(|(k, _)| *k);
    let targets = keyed.iter().map(|(k, _)| *k).collect();
    let mut hb = HashBuilder::default().with_proof_retainer(ProofRetainer::new(targets));
    for (key, item) in &keyed {
        hb.add_leaf(*key, item);
    }
    let root = hb.root();
    let mut out: Vec<Bytes> =
        hb.take_proof_nodes().into_nodes_sorted().into_iter().map(|(_, n)| n).collect();
    out.retain(|n| n.len() >= 32 || keccak256(n) == root);
    (root, out)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use proptest::prelude::*;

    fn reader(nodes: &[Bytes]) -> impl FnMut(B256) -> Option<Bytes> {
        let map: HashMap<B256, Bytes> = nodes.iter().map(|n| (keccak256(n), n.clone())).collect();
        move |h| map.get(&h).cloned()
    }

    proptest! {
        #[test]
        fn lists_round_trip(items in proptest::collection::vec(
            proptest::collection::vec(any::<u8>(), 1..80), 0..300)
        ) {
            let (root, nodes) = nodes(&items);
            prop_assert_eq!(root, alloy_trie::root::ordered_trie_root_with_encoder(&items, |i, buf| buf.extend_from_slice(i)));
            let read = read(root, &mut reader(&nodes)).unwrap();
            prop_assert_eq!(read.iter().map(|b| b.to_vec()).collect::<Vec<_>>(), items);
        }
    }

    #[test]
    fn a_missing_node_is_an_error_never_a_shorter_list() {
        let items: Vec<Vec<u8>> = (0..40u8).map(|i| vec![i; 40]).collect();
        let (root, nodes) = nodes(&items);
        for skip in 0..nodes.len() {
            let mut partial = nodes.clone();
            partial.remove(skip);
            let err = read(root, &mut reader(&partial)).unwrap_err();
            assert!(matches!(err, ListError::Trie(MptError::MissingNode(_))), "{err}");
        }
    }

    #[test]
    fn a_list_with_a_gap_is_refused() {
        // Items 0 and 2, no 1: a trie no header commits to as a list.
        let mut hb = HashBuilder::default().with_proof_retainer(ProofRetainer::new(vec![
            Nibbles::unpack(alloy_rlp::encode(2u64)),
            Nibbles::unpack(alloy_rlp::encode(0u64)),
        ]));
        hb.add_leaf(Nibbles::unpack(alloy_rlp::encode(2u64)), &[0xaa; 40]);
        hb.add_leaf(Nibbles::unpack(alloy_rlp::encode(0u64)), &[0xbb; 40]);
        let root = hb.root();
        let nodes: Vec<Bytes> =
            hb.take_proof_nodes().into_nodes_sorted().into_iter().map(|(_, n)| n).collect();
        assert_eq!(
            read(root, &mut reader(&nodes)),
            Err(ListError::Shape { root, why: "indexes are not 0..n" })
        );
    }
}
