//! Reading a committed trie without changing it: point reads, `eth_getProof` proofs, and walks
//! over every stored node of a subtree (what pruning a dropped storage trie needs).

use alloy_primitives::{B256, Bytes};
use alloy_trie::{EMPTY_ROOT_HASH, Nibbles, nodes::RlpNode};

use super::{
    NodeId, NodeSource, Root, TrieError,
    node::{Node, Ref},
};

/// A leaf's value and the id of the subtrie it commits to.
pub type LeafValue = (Vec<u8>, Option<NodeId>);

fn root_ref(root: &Root) -> Ref {
    Ref { rlp: RlpNode::word_rlp(&root.hash), id: root.id }
}

/// Follows `path` from `node` (possibly partly loaded in memory) down to its leaf, loading
/// stored nodes read-only. `on_stored` sees the RLP of every hashed node on the way.
fn descend(
    src: &impl NodeSource,
    mut node: Node,
    path: &Nibbles,
    mut on_stored: impl FnMut(Vec<u8>),
) -> Result<Option<LeafValue>, TrieError> {
    let mut at = 0;
    loop {
        node = match node {
            Node::Stored(r) => {
                let (loaded, rlp) = Node::resolve(src, &r)?;
                if let Some(rlp) = rlp {
                    on_stored(rlp);
                }
                loaded
            }
            Node::Empty => return Ok(None),
            Node::Leaf { key, value, aux } => {
                return Ok((key == path.slice(at..)).then_some((value, aux)));
            }
            Node::Extension { key, child } => {
                if !path.slice(at..).starts_with(&key) {
                    return Ok(None);
                }
                at += key.len();
                *child
            }
            Node::Branch { mut children } => {
                let Some(i) = path.get(at) else { return Ok(None) };
                at += 1;
                std::mem::take(&mut children[usize::from(i)])
            }
        };
    }
}

/// Whether `path` is present below `node` (an update in progress may hold it in memory).
pub(super) fn contains(
    src: &impl NodeSource,
    node: &Node,
    path: &Nibbles,
) -> Result<bool, TrieError> {
    let (mut at, mut node) = (0, node);
    loop {
        match node {
            Node::Stored(r) => {
                let rest = path.slice(at..);
                return Ok(descend(src, Node::Stored(r.clone()), &rest, |_| {})?.is_some());
            }
            Node::Empty => return Ok(false),
            Node::Leaf { key, .. } => return Ok(*key == path.slice(at..)),
            Node::Extension { key, child } => {
                if !path.slice(at..).starts_with(key) {
                    return Ok(false);
                }
                at += key.len();
                node = child;
            }
            Node::Branch { children } => {
                let Some(i) = path.get(at) else { return Ok(false) };
                at += 1;
                node = &children[usize::from(i)];
            }
        }
    }
}

/// Reads the value at `key` in the trie at `root`, with the id of the subtrie it commits to
/// (an account leaf's storage root), if any.
pub fn get(src: &impl NodeSource, root: Root, key: &B256) -> Result<Option<LeafValue>, TrieError> {
    if root.hash == EMPTY_ROOT_HASH {
        return Ok(None);
    }
    descend(src, Node::Stored(root_ref(&root)), &Nibbles::unpack(key), |_| {})
}

/// The proof of `key` against `root`: the RLP of every hashed node on its path, root first
/// (the `accountProof`/`storageProof` of `eth_getProof`). It proves absence as well: inline
/// nodes are part of their parent's RLP, already in the proof.
pub fn proof(src: &impl NodeSource, root: Root, key: &B256) -> Result<Vec<Bytes>, TrieError> {
    Ok(get_with_proof(src, root, key)?.1)
}

/// [`get`] and [`proof`] in one walk down the path.
pub fn get_with_proof(
    src: &impl NodeSource,
    root: Root,
    key: &B256,
) -> Result<(Option<LeafValue>, Vec<Bytes>), TrieError> {
    let mut out = Vec::new();
    if root.hash == EMPTY_ROOT_HASH {
        return Ok((None, out));
    }
    let value = descend(src, Node::Stored(root_ref(&root)), &Nibbles::unpack(key), |rlp| {
        out.push(Bytes::from(rlp))
    })?;
    Ok((value, out))
}

/// What [`walk`] visits.
#[derive(Debug)]
pub enum Visit<'a> {
    /// A stored node.
    Node(NodeId),
    /// A leaf, with the id of the subtrie its value commits to (not walked).
    Leaf {
        /// The leaf's value.
        value: &'a [u8],
        /// The subtrie root's id.
        aux: Option<NodeId>,
    },
}

/// Calls `f` for every stored node of the trie at `root` (parents before children) and every
/// leaf.
pub fn walk(
    src: &impl NodeSource,
    root: Root,
    mut f: impl FnMut(Visit<'_>),
) -> Result<(), TrieError> {
    if root.hash == EMPTY_ROOT_HASH {
        return Ok(());
    }
    let mut stack = vec![Node::Stored(root_ref(&root))];
    while let Some(node) = stack.pop() {
        match node {
            Node::Stored(r) => {
                if let Some(id) = r.id {
                    f(Visit::Node(id));
                }
                stack.push(Node::load(src, &r)?);
            }
            Node::Leaf { value, aux, .. } => f(Visit::Leaf { value: &value, aux }),
            Node::Extension { child, .. } => stack.push(*child),
            Node::Branch { children } => stack.extend(*children),
            Node::Empty => {}
        }
    }
    Ok(())
}
