//! An incrementally updated Merkle-Patricia trie over an append-only node store.
//!
//! Nodes are hashed as Ethereum requires (nodes under 32 bytes are inlined in their parent), but
//! stored under increasing [`NodeId`]s, each parent recording its children's ids
//! (`node`). A block's new nodes therefore land together at the end of the node table: the
//! write cost of a block is proportional to what it touched and does not scatter over the
//! table as hash keys would (measured: the dominant cost of a commit at 10⁶ accounts).
//! Every load checks the node's hash against its parent's reference.
//!
//! An update loads only the nodes on the paths of the changed keys; [`Trie::commit`]
//! re-encodes only those and returns the new [`Root`]. Nodes are never overwritten, so every
//! committed root stays readable. Every stored node an update replaces is reported as
//! *stale* ([`NodeWrites::stale`]): it is reachable only from older roots, which is what a
//! retention policy needs to prune.

mod node;
mod parallel;
mod read;

use alloy_primitives::{B256, keccak256};
use alloy_trie::{
    EMPTY_ROOT_HASH, Nibbles, TrieMask,
    nodes::{BranchNode, ExtensionNode, LeafNode, RlpNode},
};
use node::{Node, Ref};
pub use parallel::{Batch, update_all};
pub use read::{LeafValue, Visit, get, get_with_proof, proof, walk};

/// Where a stored node lives in the node store.
pub type NodeId = u64;

/// Where committed trie nodes are read from: records by id.
pub trait NodeSource {
    /// The stored record of node `id`, if stored.
    fn node(&self, id: NodeId) -> Result<Option<Vec<u8>>, TrieError>;

    /// The record of node `id` from a cache of records already checked against `hash`, if the
    /// source keeps one. A record served here is not hashed again.
    fn checked(&self, _id: NodeId, _hash: &B256) -> Option<std::sync::Arc<[u8]>> {
        None
    }

    /// A record just read with [`Self::node`] and checked against `hash`, for a source that
    /// caches them.
    fn keep(&self, _id: NodeId, _hash: B256, _record: &std::sync::Arc<[u8]>) {}
}

/// A committed trie root: its hash and the id of its node (`None` for the empty trie).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Root {
    /// The root hash.
    pub hash: B256,
    /// The root node's id.
    pub id: Option<NodeId>,
}

impl Root {
    /// The empty trie.
    pub const EMPTY: Self = Self { hash: EMPTY_ROOT_HASH, id: None };
}

impl Default for Root {
    fn default() -> Self {
        Self::EMPTY
    }
}

/// Why a trie operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrieError {
    /// A referenced node is not in the store (or was pruned).
    #[error("missing trie node {0}")]
    MissingNode(B256),
    /// A stored node does not decode, does not match its hash or breaks trie invariants.
    #[error("corrupt trie node: {0}")]
    Corrupt(String),
    /// Keys of a secure trie must all be 64 nibbles.
    #[error("trie keys must be 32 bytes")]
    BadKey,
    /// The node store failed.
    #[error("node store: {0}")]
    Store(String),
}

/// What commits produce: new node records under ids allocated from `next_id`, and the ids of
/// the stored nodes that the new roots no longer reference.
#[derive(Debug, Clone, Default)]
pub struct NodeWrites {
    /// The id the next new node gets.
    pub next_id: NodeId,
    /// New `(id, record)` pairs, ids increasing.
    pub nodes: Vec<(NodeId, Vec<u8>)>,
    /// The hash of each new node, in the order of `nodes`.
    pub hashes: Vec<B256>,
    /// Stored nodes replaced or removed by these commits.
    pub stale: Vec<NodeId>,
}

impl NodeWrites {
    /// Writes that allocate ids from `next_id` on.
    pub fn starting_at(next_id: NodeId) -> Self {
        Self { next_id, ..Self::default() }
    }

    fn push(&mut self, record: Vec<u8>, hash: B256) -> NodeId {
        let id = self.next_id;
        self.next_id += 1;
        self.nodes.push((id, record));
        self.hashes.push(hash);
        id
    }

    /// Each new node's id, record and hash.
    pub fn written(&self) -> impl Iterator<Item = (NodeId, &[u8], B256)> {
        self.nodes.iter().zip(&self.hashes).map(|((id, r), h)| (*id, r.as_slice(), *h))
    }
}

/// A trie opened at a root, accumulating updates until [`Trie::commit`].
#[derive(Debug)]
pub struct Trie {
    root: Node,
    stale: Vec<NodeId>,
}

/// The recursion's context: where nodes come from and where replaced ones are noted.
struct Cx<'a, S> {
    src: &'a S,
    stale: &'a mut Vec<NodeId>,
}

impl<S: NodeSource> Cx<'_, S> {
    /// Loads a reference; a stored node loaded for an update is about to be replaced.
    fn load(&mut self, node: Node) -> Result<Node, TrieError> {
        match node {
            Node::Stored(r) => {
                if let Some(id) = r.id {
                    self.stale.push(id);
                }
                Node::load(self.src, &r)
            }
            other => Ok(other),
        }
    }
}

impl Trie {
    /// Opens the trie at `root`.
    pub fn open(root: Root) -> Self {
        let root = if root.hash == EMPTY_ROOT_HASH {
            Node::Empty
        } else {
            Node::Stored(Ref { rlp: RlpNode::word_rlp(&root.hash), id: root.id })
        };
        Self { root, stale: Vec::new() }
    }

    /// Sets `key` (32 bytes, already hashed for a secure trie) to `value`, or removes it when
    /// `value` is empty.
    pub fn update(
        &mut self,
        src: &impl NodeSource,
        key: &B256,
        value: Vec<u8>,
    ) -> Result<(), TrieError> {
        self.update_with(src, key, value, None)
    }

    /// [`Self::update`] for a value that commits to a stored subtrie (an account and its
    /// storage root): `aux` is the subtrie root's id, kept with the leaf.
    pub fn update_with(
        &mut self,
        src: &impl NodeSource,
        key: &B256,
        value: Vec<u8>,
        aux: Option<NodeId>,
    ) -> Result<(), TrieError> {
        let path = Nibbles::unpack(key);
        let root = std::mem::take(&mut self.root);
        let mut cx = Cx { src, stale: &mut self.stale };
        self.root = apply(&mut cx, root, &path, value, aux)?;
        Ok(())
    }

    /// Re-encodes every changed node into `writes` (with the replaced nodes as stale) and
    /// returns the new root. The trie stays usable, positioned at the new root.
    pub fn commit(&mut self, writes: &mut NodeWrites) -> Root {
        writes.stale.append(&mut self.stale);
        let root = std::mem::take(&mut self.root);
        let committed = commit_root(root, writes);
        self.root = if committed.hash == EMPTY_ROOT_HASH {
            Node::Empty
        } else {
            Node::Stored(Ref { rlp: RlpNode::word_rlp(&committed.hash), id: committed.id })
        };
        committed
    }
}

/// Sets `path` below `node` to `value` (removes it when `value` is empty) and returns the
/// changed node. Removing an absent key leaves the stored nodes on its path untouched.
fn apply<S: NodeSource>(
    cx: &mut Cx<'_, S>,
    node: Node,
    path: &Nibbles,
    value: Vec<u8>,
    aux: Option<NodeId>,
) -> Result<Node, TrieError> {
    if !value.is_empty() {
        return insert(cx, node, path, value, aux);
    }
    if !read::contains(cx.src, &node, path)? {
        return Ok(node);
    }
    remove(cx, node, path)
}

/// Encodes a trie's root node into `writes`. The root is always stored and referenced by
/// hash, even when its RLP is short.
fn commit_root(root: Node, writes: &mut NodeWrites) -> Root {
    if root.is_empty() {
        return Root::EMPTY;
    }
    let mut buf = Vec::new();
    match encode(root, writes, &mut buf) {
        Encoded::Stored(r) => Root { hash: r.rlp.as_hash().unwrap_or(EMPTY_ROOT_HASH), id: r.id },
        Encoded::Inline(rlp, ids) => {
            let hash = keccak256(&rlp[..]);
            let id = writes.push(node::record(&rlp, &ids), hash);
            Root { hash, id: Some(id) }
        }
    }
}

fn insert<S: NodeSource>(
    cx: &mut Cx<'_, S>,
    node: Node,
    path: &Nibbles,
    value: Vec<u8>,
    aux: Option<NodeId>,
) -> Result<Node, TrieError> {
    match cx.load(node)? {
        Node::Empty => Ok(Node::Leaf { key: *path, value, aux }),
        Node::Leaf { key, value: old, aux: old_aux } => {
            if key == *path {
                return Ok(Node::Leaf { key, value, aux });
            }
            if key.len() != path.len() {
                return Err(TrieError::BadKey);
            }
            let p = key.common_prefix_length(path);
            let mut children: [Node; 16] = Default::default();
            children[nibble(&key, p)?] =
                Node::Leaf { key: key.slice(p + 1..), value: old, aux: old_aux };
            children[nibble(path, p)?] = Node::Leaf { key: path.slice(p + 1..), value, aux };
            Ok(wrap(path.slice(..p), Node::Branch { children: Box::new(children) }))
        }
        Node::Extension { key, child } => {
            let p = key.common_prefix_length(path);
            if p == key.len() {
                let child = insert(cx, *child, &path.slice(p..), value, aux)?;
                return Ok(Node::Extension { key, child: Box::new(child) });
            }
            if p >= path.len() {
                return Err(TrieError::BadKey);
            }
            // Split the extension at p: a branch holding what was below it and the new leaf.
            let mut children: [Node; 16] = Default::default();
            children[nibble(&key, p)?] = wrap(key.slice(p + 1..), *child);
            children[nibble(path, p)?] = Node::Leaf { key: path.slice(p + 1..), value, aux };
            Ok(wrap(path.slice(..p), Node::Branch { children: Box::new(children) }))
        }
        Node::Branch { mut children } => {
            let i = nibble(path, 0)?;
            let child = std::mem::take(&mut children[i]);
            children[i] = insert(cx, child, &path.slice(1..), value, aux)?;
            Ok(Node::Branch { children })
        }
        Node::Stored(_) => Err(TrieError::Corrupt("unresolved node".into())),
    }
}

fn remove<S: NodeSource>(
    cx: &mut Cx<'_, S>,
    node: Node,
    path: &Nibbles,
) -> Result<Node, TrieError> {
    match cx.load(node)? {
        Node::Empty => Ok(Node::Empty),
        Node::Leaf { key, value, aux } => {
            Ok(if key == *path { Node::Empty } else { Node::Leaf { key, value, aux } })
        }
        Node::Extension { key, child } => {
            if !path.starts_with(&key) {
                return Ok(Node::Extension { key, child });
            }
            let child = remove(cx, *child, &path.slice(key.len()..))?;
            prefix(cx, key, child)
        }
        Node::Branch { mut children } => {
            let i = nibble(path, 0)?;
            let child = std::mem::take(&mut children[i]);
            children[i] = remove(cx, child, &path.slice(1..))?;
            let mut present = children.iter().enumerate().filter(|(_, c)| !c.is_empty());
            let (first, second) = (present.next().map(|(j, _)| j), present.next());
            match (first, second) {
                (None, _) => Ok(Node::Empty),
                // One child left: the branch collapses into it, prefixed by its nibble.
                (Some(j), None) => {
                    let only = std::mem::take(&mut children[j]);
                    prefix(cx, Nibbles::from_nibbles([j as u8]), only)
                }
                _ => Ok(Node::Branch { children }),
            }
        }
        Node::Stored(_) => Err(TrieError::Corrupt("unresolved node".into())),
    }
}

/// Puts `key` in front of `node`, merging with a leaf or extension so that no extension ever
/// points at another extension or a leaf.
fn prefix<S: NodeSource>(cx: &mut Cx<'_, S>, key: Nibbles, node: Node) -> Result<Node, TrieError> {
    Ok(match cx.load(node)? {
        Node::Empty => Node::Empty,
        Node::Leaf { key: k, value, aux } => Node::Leaf { key: key.join(&k), value, aux },
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

/// An encoded node: stored under an id (≥ 32 bytes of RLP), or inline in its parent with the
/// ids its record would carry.
enum Encoded {
    Stored(Ref),
    Inline(RlpNode, Vec<NodeId>),
}

impl Encoded {
    fn rlp(&self) -> &RlpNode {
        match self {
            Self::Stored(r) => &r.rlp,
            Self::Inline(rlp, _) => rlp,
        }
    }

    /// The id a parent records for this child.
    fn id(&self) -> Option<NodeId> {
        match self {
            Self::Stored(r) => r.id,
            Self::Inline(..) => None,
        }
    }
}

/// Encodes a node bottom-up; every node of 32 bytes or more is stored in `writes`, children
/// before parents, so a parent's record can name its children's ids.
fn encode(node: Node, writes: &mut NodeWrites, buf: &mut Vec<u8>) -> Encoded {
    let mut ids = Vec::new();
    let rlp = match node {
        Node::Stored(r) => return Encoded::Stored(r),
        Node::Empty => {
            buf.clear();
            buf.push(alloy_rlp::EMPTY_STRING_CODE);
            return Encoded::Inline(RlpNode::from_rlp(buf), ids);
        }
        Node::Leaf { key, value, aux } => {
            buf.clear();
            ids.extend(aux);
            LeafNode::new(key, value).as_ref().rlp(buf)
        }
        Node::Extension { key, child } => {
            let child = encode(*child, writes, buf);
            ids.extend(child.id());
            buf.clear();
            ExtensionNode::new(key, child.rlp().clone()).as_ref().rlp(buf)
        }
        Node::Branch { children } => {
            let mut mask = TrieMask::default();
            let mut stack = Vec::with_capacity(16);
            for (i, child) in children.into_iter().enumerate() {
                if !child.is_empty() {
                    mask.set_bit(i as u8);
                    let child = encode(child, writes, buf);
                    ids.extend(child.id());
                    stack.push(child.rlp().clone());
                }
            }
            buf.clear();
            BranchNode::new(stack, mask).as_ref().rlp(buf)
        }
    };
    if let Some(hash) = rlp.as_hash() {
        let id = writes.push(node::record(buf, &ids), hash);
        Encoded::Stored(Ref { rlp, id: Some(id) })
    } else {
        // Inline nodes (< 32 bytes) cannot hold a 33-byte hash reference, and account leaves
        // (the only ones with an aux id) are always longer than 32 bytes: `ids` is empty here
        // except for a root, which `Trie::commit` stores anyway.
        Encoded::Inline(rlp, ids)
    }
}

/// An in-memory node store (tests, and a cache layer's backing map).
#[derive(Debug, Default, Clone)]
pub struct MemNodes(pub std::collections::HashMap<NodeId, Vec<u8>>);

impl NodeSource for MemNodes {
    fn node(&self, id: NodeId) -> Result<Option<Vec<u8>>, TrieError> {
        Ok(self.0.get(&id).cloned())
    }
}

impl MemNodes {
    /// Stores committed nodes and drops the stale ones when `prune` is set.
    pub fn apply(&mut self, writes: NodeWrites, prune: bool) {
        self.0.extend(writes.nodes);
        if prune {
            for id in writes.stale {
                self.0.remove(&id);
            }
        }
    }
}

#[cfg(test)]
mod tests;
