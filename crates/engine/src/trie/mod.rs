//! An incrementally updated, hash-keyed Merkle-Patricia trie.
//!
//! Nodes are stored by the keccak of their RLP (nodes under 32 bytes are inlined in their
//! parent, as Ethereum requires). An update loads only the nodes on the paths of the changed
//! keys; [`Trie::commit`] re-encodes only those, hands back the new nodes to store and returns
//! the new root. A block's cost is thus proportional to what it touched, never to the size of
//! the state.
//!
//! Nodes are never overwritten (a node's key is its hash), so every root ever committed stays
//! readable: proofs and reads at old blocks need no extra history. Pruning old nodes is a
//! retention policy on top.

mod node;

use alloy_primitives::{B256, Bytes, keccak256};
use alloy_trie::{
    EMPTY_ROOT_HASH, Nibbles, TrieMask,
    nodes::{BranchNode, ExtensionNode, LeafNode, RlpNode},
};
use node::Node;

/// Where committed trie nodes are read from: RLP by hash.
pub trait NodeSource {
    /// The RLP of the node with this hash, if stored.
    fn node(&self, hash: &B256) -> Result<Option<Vec<u8>>, TrieError>;
}

/// Why a trie operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrieError {
    /// A referenced node is not in the store.
    #[error("missing trie node {0}")]
    MissingNode(B256),
    /// A stored node does not decode or breaks trie invariants.
    #[error("corrupt trie node: {0}")]
    Corrupt(String),
    /// Keys of a secure trie must all be 64 nibbles.
    #[error("trie keys must be 32 bytes")]
    BadKey,
    /// The node store failed.
    #[error("node store: {0}")]
    Store(String),
}

/// A trie opened at a root, accumulating updates until [`Trie::commit`].
#[derive(Debug)]
pub struct Trie {
    root: Node,
}

/// New nodes produced by a commit: `(hash, rlp)` pairs to store.
pub type NodeWrites = Vec<(B256, Vec<u8>)>;

impl Trie {
    /// Opens the trie with root `root` (the empty root for a new trie).
    pub fn open(root: B256) -> Self {
        let root = if root == EMPTY_ROOT_HASH {
            Node::Empty
        } else {
            Node::Stored(RlpNode::word_rlp(&root))
        };
        Self { root }
    }

    /// Sets `key` (32 bytes, already hashed for a secure trie) to `value`, or removes it when
    /// `value` is empty.
    pub fn update(
        &mut self,
        src: &impl NodeSource,
        key: &B256,
        value: Vec<u8>,
    ) -> Result<(), TrieError> {
        let path = Nibbles::unpack(key);
        let root = std::mem::take(&mut self.root);
        self.root = if value.is_empty() {
            remove(src, root, &path)?
        } else {
            insert(src, root, &path, value)?
        };
        Ok(())
    }

    /// Re-encodes every changed node, appends the new `(hash, rlp)` nodes to `writes` and returns
    /// the root hash. The trie stays usable, positioned at the new root.
    pub fn commit(&mut self, writes: &mut NodeWrites) -> B256 {
        let root = std::mem::take(&mut self.root);
        if root.is_empty() {
            return EMPTY_ROOT_HASH;
        }
        let mut buf = Vec::new();
        let rlp = encode(root, writes, &mut buf);
        // The root is always referenced by hash, even when its RLP is short.
        let hash = match rlp.as_hash() {
            Some(h) => h,
            None => {
                let h = keccak256(&rlp[..]);
                writes.push((h, rlp.to_vec()));
                h
            }
        };
        self.root = Node::Stored(RlpNode::word_rlp(&hash));
        hash
    }
}

/// Loads a stored reference into a node.
fn resolve(src: &impl NodeSource, r: &RlpNode) -> Result<Node, TrieError> {
    match r.as_hash() {
        Some(hash) => {
            let rlp = src.node(&hash)?.ok_or(TrieError::MissingNode(hash))?;
            Node::decode(&rlp)
        }
        None => Node::decode(&r[..]),
    }
}

fn load(src: &impl NodeSource, node: Node) -> Result<Node, TrieError> {
    match node {
        Node::Stored(r) => resolve(src, &r),
        other => Ok(other),
    }
}

fn insert(
    src: &impl NodeSource,
    node: Node,
    path: &Nibbles,
    value: Vec<u8>,
) -> Result<Node, TrieError> {
    match load(src, node)? {
        Node::Empty => Ok(Node::Leaf { key: *path, value }),
        Node::Leaf { key, value: old } => {
            if key == *path {
                return Ok(Node::Leaf { key, value });
            }
            if key.len() != path.len() {
                return Err(TrieError::BadKey);
            }
            let p = key.common_prefix_length(path);
            let mut children: [Node; 16] = Default::default();
            children[nibble(&key, p)?] = Node::Leaf { key: key.slice(p + 1..), value: old };
            children[nibble(path, p)?] = Node::Leaf { key: path.slice(p + 1..), value };
            Ok(wrap(path.slice(..p), Node::Branch { children: Box::new(children) }))
        }
        Node::Extension { key, child } => {
            let p = key.common_prefix_length(path);
            if p == key.len() {
                let child = insert(src, *child, &path.slice(p..), value)?;
                return Ok(Node::Extension { key, child: Box::new(child) });
            }
            if p >= path.len() {
                return Err(TrieError::BadKey);
            }
            // Split the extension at p: a branch holding what was below it and the new leaf.
            let mut children: [Node; 16] = Default::default();
            children[nibble(&key, p)?] = wrap(key.slice(p + 1..), *child);
            children[nibble(path, p)?] = Node::Leaf { key: path.slice(p + 1..), value };
            Ok(wrap(path.slice(..p), Node::Branch { children: Box::new(children) }))
        }
        Node::Branch { mut children } => {
            let i = nibble(path, 0)?;
            let child = std::mem::take(&mut children[i]);
            children[i] = insert(src, child, &path.slice(1..), value)?;
            Ok(Node::Branch { children })
        }
        Node::Stored(_) => Err(TrieError::Corrupt("unresolved node".into())),
    }
}

fn remove(src: &impl NodeSource, node: Node, path: &Nibbles) -> Result<Node, TrieError> {
    match load(src, node)? {
        Node::Empty => Ok(Node::Empty),
        Node::Leaf { key, value } => {
            Ok(if key == *path { Node::Empty } else { Node::Leaf { key, value } })
        }
        Node::Extension { key, child } => {
            if !path.starts_with(&key) {
                return Ok(Node::Extension { key, child });
            }
            let child = remove(src, *child, &path.slice(key.len()..))?;
            prefix(src, key, child)
        }
        Node::Branch { mut children } => {
            let i = nibble(path, 0)?;
            let child = std::mem::take(&mut children[i]);
            children[i] = remove(src, child, &path.slice(1..))?;
            let mut present = children.iter().enumerate().filter(|(_, c)| !c.is_empty());
            let (first, second) = (present.next().map(|(j, _)| j), present.next());
            match (first, second) {
                (None, _) => Ok(Node::Empty),
                // One child left: the branch collapses into it, prefixed by its nibble.
                (Some(j), None) => {
                    let only = std::mem::take(&mut children[j]);
                    prefix(src, Nibbles::from_nibbles([j as u8]), only)
                }
                _ => Ok(Node::Branch { children }),
            }
        }
        Node::Stored(_) => Err(TrieError::Corrupt("unresolved node".into())),
    }
}

/// Puts `key` in front of `node`, merging with a leaf or extension so that no extension ever
/// points at another extension or a leaf.
fn prefix(src: &impl NodeSource, key: Nibbles, node: Node) -> Result<Node, TrieError> {
    Ok(match load(src, node)? {
        Node::Empty => Node::Empty,
        Node::Leaf { key: k, value } => Node::Leaf { key: key.join(&k), value },
        Node::Extension { key: k, child } => Node::Extension { key: key.join(&k), child },
        branch => wrap(key, branch),
    })
}

/// An extension over `node` when `key` is non-empty, else `node` itself.
fn wrap(key: Nibbles, node: Node) -> Node {
    if key.is_empty() { node } else { Node::Extension { key, child: Box::new(node) } }
}

fn nibble(path: &Nibbles, i: usize) -> Result<usize, TrieError> {
    path.get(i).map(usize::from).ok_or(TrieError::BadKey)
}

/// Encodes a node bottom-up, collecting every hashed (≥ 32-byte) node into `writes`.
fn encode(node: Node, writes: &mut NodeWrites, buf: &mut Vec<u8>) -> RlpNode {
    let rlp = match node {
        Node::Stored(r) => return r,
        Node::Empty => {
            buf.clear();
            buf.push(alloy_rlp::EMPTY_STRING_CODE);
            return RlpNode::from_rlp(buf);
        }
        Node::Leaf { key, value } => {
            buf.clear();
            LeafNode::new(key, value).as_ref().rlp(buf)
        }
        Node::Extension { key, child } => {
            let child = encode(*child, writes, buf);
            buf.clear();
            ExtensionNode::new(key, child).as_ref().rlp(buf)
        }
        Node::Branch { children } => {
            let mut mask = TrieMask::default();
            let mut stack = Vec::with_capacity(16);
            for (i, child) in children.into_iter().enumerate() {
                if !child.is_empty() {
                    mask.set_bit(i as u8);
                    stack.push(encode(child, writes, buf));
                }
            }
            buf.clear();
            BranchNode::new(stack, mask).as_ref().rlp(buf)
        }
    };
    if let Some(hash) = rlp.as_hash() {
        writes.push((hash, buf.clone()));
    }
    rlp
}

/// The proof of `key` against `root`: the RLP of every hashed node on its path, root first
/// (the `accountProof`/`storageProof` of `eth_getProof`). It proves absence as well.
pub fn proof(src: &impl NodeSource, root: B256, key: &B256) -> Result<Vec<Bytes>, TrieError> {
    let mut out = Vec::new();
    if root == EMPTY_ROOT_HASH {
        return Ok(out);
    }
    let path = Nibbles::unpack(key);
    let mut at = 0;
    let mut next = RlpNode::word_rlp(&root);
    loop {
        let node = match next.as_hash() {
            Some(hash) => {
                let rlp = src.node(&hash)?.ok_or(TrieError::MissingNode(hash))?;
                let node = Node::decode(&rlp)?;
                out.push(Bytes::from(rlp));
                node
            }
            // Inline nodes are part of their parent's RLP, already in the proof.
            None => Node::decode(&next[..])?,
        };
        match node {
            Node::Branch { mut children } => {
                let Some(i) = path.get(at) else { return Ok(out) };
                match std::mem::take(&mut children[usize::from(i)]) {
                    Node::Stored(r) => next = r,
                    _ => return Ok(out),
                }
                at += 1;
            }
            Node::Extension { key, child } => {
                if !path.slice(at..).starts_with(&key) {
                    return Ok(out);
                }
                at += key.len();
                match *child {
                    Node::Stored(r) => next = r,
                    _ => return Ok(out),
                }
            }
            _ => return Ok(out),
        }
    }
}

/// Reads the value at `key` in the trie with root `root`.
pub fn get(src: &impl NodeSource, root: B256, key: &B256) -> Result<Option<Vec<u8>>, TrieError> {
    if root == EMPTY_ROOT_HASH {
        return Ok(None);
    }
    let path = Nibbles::unpack(key);
    let mut at = 0;
    let mut node = resolve(src, &RlpNode::word_rlp(&root))?;
    loop {
        node = match node {
            Node::Leaf { key, value } => {
                return Ok((key == path.slice(at..)).then_some(value));
            }
            Node::Extension { key, child } => {
                if !path.slice(at..).starts_with(&key) {
                    return Ok(None);
                }
                at += key.len();
                load(src, *child)?
            }
            Node::Branch { mut children } => {
                let Some(i) = path.get(at) else { return Ok(None) };
                at += 1;
                load(src, std::mem::take(&mut children[usize::from(i)]))?
            }
            Node::Empty => return Ok(None),
            Node::Stored(r) => resolve(src, &r)?,
        };
    }
}

/// An in-memory node store (tests, and a cache layer's backing map).
#[derive(Debug, Default, Clone)]
pub struct MemNodes(pub std::collections::HashMap<B256, Vec<u8>>);

impl NodeSource for MemNodes {
    fn node(&self, hash: &B256) -> Result<Option<Vec<u8>>, TrieError> {
        Ok(self.0.get(hash).cloned())
    }
}

impl MemNodes {
    /// Stores committed nodes.
    pub fn extend(&mut self, writes: NodeWrites) {
        self.0.extend(writes);
    }
}

#[cfg(test)]
mod tests;
