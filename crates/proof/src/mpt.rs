//! A sparse Merkle-Patricia trie keyed by hash: it starts as a root hash, loads a node from the
//! preimages (a witness, or the preimage oracle) only when a lookup or an update walks through
//! it, and checks every loaded node against the hash its parent holds. Untouched subtrees stay
//! hashes, so a block's state costs what the block touches.
//!
//! A missing preimage is [`MptError::MissingNode`] — never a guess, so a short witness can only
//! fail, not give a wrong root. Deleting a key can make a branch collapse into its one
//! remaining child, which must then be loaded too: witnesses include those siblings.
//!
//! Keys are 32 bytes (the secure trie of accounts and storage), so branches never carry values.

use alloc::{boxed::Box, vec::Vec};
use alloy_primitives::{B256, Bytes, keccak256, map::HashMap};
use alloy_rlp::Decodable;
use alloy_trie::{
    EMPTY_ROOT_HASH, Nibbles, TrieMask,
    nodes::{BranchNodeRef, ExtensionNodeRef, LeafNodeRef, RlpNode, TrieNode},
};

/// Where node preimages come from: the RLP of the node with this hash.
pub trait Preimages {
    /// The preimage of `hash`, if known.
    fn preimage(&self, hash: &B256) -> Option<Bytes>;
}

impl<S: core::hash::BuildHasher> Preimages for HashMap<B256, Bytes, S> {
    fn preimage(&self, hash: &B256) -> Option<Bytes> {
        self.get(hash).cloned()
    }
}

/// Why a trie operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MptError {
    /// A node on the path is not among the preimages.
    #[error("missing trie node {0}")]
    MissingNode(B256),
    /// A preimage does not hash to the hash that named it.
    #[error("the preimage given for {0} has another hash")]
    WrongPreimage(B256),
    /// A node does not decode, or breaks the shape of a secure trie.
    #[error("malformed trie node {hash}: {why}")]
    Malformed {
        /// The node's hash (or the enclosing node's, for an inline node).
        hash: B256,
        /// What is wrong.
        why: &'static str,
    },
}

/// A node in memory.
#[derive(Debug, Clone, Default)]
enum Node {
    /// No node: an empty trie or an empty branch slot.
    #[default]
    Empty,
    /// The rest of the key and the value.
    Leaf { key: Nibbles, value: Vec<u8> },
    /// A shared key part and the one child below it.
    Extension { key: Nibbles, child: Box<Self> },
    /// One child per nibble (at least two non-empty).
    Branch { children: Box<[Self; 16]> },
    /// A subtree not loaded: its hash.
    Hash(B256),
}

/// The trie.
#[derive(Debug, Clone, Default)]
pub struct SparseTrie {
    root: Node,
}

impl SparseTrie {
    /// The empty trie.
    pub fn new() -> Self {
        Self::default()
    }

    /// The trie with root `root`, its nodes to be loaded as needed.
    pub fn from_root(root: B256) -> Self {
        let root = if root == EMPTY_ROOT_HASH { Node::Empty } else { Node::Hash(root) };
        Self { root }
    }

    /// The value at `key`.
    pub fn get(&mut self, db: &impl Preimages, key: B256) -> Result<Option<Vec<u8>>, MptError> {
        let path = Nibbles::unpack(key);
        let mut node = &mut self.root;
        let mut at = 0;
        loop {
            load(db, node)?;
            match node {
                Node::Empty => return Ok(None),
                Node::Leaf { key, value } => {
                    return Ok((*key == path.slice(at..)).then(|| value.clone()));
                }
                Node::Extension { key, child } => {
                    if !path.slice(at..).starts_with(key) {
                        return Ok(None);
                    }
                    at += key.len();
                    node = child;
                }
                Node::Branch { children } => {
                    let Some(nibble) = path.get(at) else { return Ok(None) };
                    at += 1;
                    node = &mut children[usize::from(nibble)];
                }
                Node::Hash(_) => unreachable_loaded(),
            }
        }
    }

    /// Sets `key` to `value` (an empty value deletes it, as the state trie stores no empties).
    pub fn insert(
        &mut self,
        db: &impl Preimages,
        key: B256,
        value: Vec<u8>,
    ) -> Result<(), MptError> {
        if value.is_empty() {
            return self.remove(db, key);
        }
        insert(db, &mut self.root, &Nibbles::unpack(key), value)
    }

    /// Deletes `key` (nothing happens when it is absent).
    pub fn remove(&mut self, db: &impl Preimages, key: B256) -> Result<(), MptError> {
        remove(db, &mut self.root, &Nibbles::unpack(key))
    }

    /// The root hash.
    pub fn root(&self) -> B256 {
        let mut buf = Vec::new();
        match &self.root {
            Node::Empty => EMPTY_ROOT_HASH,
            Node::Hash(h) => *h,
            node => {
                let rlp = encode(node, &mut buf, &mut None);
                // The root is hashed even when its encoding is short.
                rlp.as_hash().unwrap_or_else(|| keccak256(&rlp[..]))
            }
        }
    }

    /// Every hashed node of the loaded part of the trie, by hash (what a witness of this trie
    /// holds); the root's preimage is included even when it is short.
    pub fn preimages(&self) -> HashMap<B256, Bytes> {
        let mut out = Some(HashMap::default());
        let mut buf = Vec::new();
        if !matches!(self.root, Node::Empty | Node::Hash(_)) {
            let rlp = encode(&self.root, &mut buf, &mut out);
            if rlp.as_hash().is_none()
                && let Some(out) = out.as_mut()
            {
                out.insert(keccak256(&rlp[..]), Bytes::copy_from_slice(&rlp[..]));
            }
        }
        out.unwrap_or_default()
    }
}

/// Only reached if [`load`] failed to replace a hash, which it never leaves in place.
fn unreachable_loaded() -> ! {
    unreachable!("load replaces a hash node or fails")
}

/// Replaces a hash node by the node its preimage decodes to.
fn load(db: &impl Preimages, node: &mut Node) -> Result<(), MptError> {
    if let Node::Hash(hash) = *node {
        let rlp = db.preimage(&hash).ok_or(MptError::MissingNode(hash))?;
        if keccak256(&rlp) != hash {
            return Err(MptError::WrongPreimage(hash));
        }
        *node = decode(&rlp, hash)?;
    }
    Ok(())
}

/// Decodes a node's RLP; hashed children become [`Node::Hash`], inline ones are decoded.
fn decode(rlp: &[u8], hash: B256) -> Result<Node, MptError> {
    let malformed = |why| MptError::Malformed { hash, why };
    let child = |r: &RlpNode| -> Result<Node, MptError> {
        match r.as_hash() {
            Some(h) => Ok(Node::Hash(h)),
            None => decode(&r[..], hash),
        }
    };
    let mut slice = rlp;
    let node = TrieNode::decode(&mut slice).map_err(|_| malformed("not a trie node"))?;
    if !slice.is_empty() {
        return Err(malformed("bytes after the node"));
    }
    Ok(match node {
        TrieNode::EmptyRoot => Node::Empty,
        TrieNode::Leaf(leaf) => Node::Leaf { key: leaf.key, value: leaf.value },
        TrieNode::Extension(ext) => {
            if ext.key.is_empty() {
                return Err(malformed("an extension with an empty key"));
            }
            Node::Extension { key: ext.key, child: Box::new(child(&ext.child)?) }
        }
        TrieNode::Branch(branch) => {
            let mut children: Box<[Node; 16]> = Box::default();
            let mut stack = branch.stack.iter();
            for (i, slot) in children.iter_mut().enumerate() {
                if branch.state_mask.is_bit_set(i as u8) {
                    let r = stack.next().ok_or(malformed("a branch child missing"))?;
                    *slot = child(r)?;
                }
            }
            if branch.state_mask.count_ones() < 2 {
                return Err(malformed("a branch with fewer than two children"));
            }
            Node::Branch { children }
        }
    })
}

/// Nibble `i` of `path`; a path too short means nodes of unequal key lengths, which a secure
/// trie cannot hold.
fn nibble(path: &Nibbles, i: usize) -> Result<usize, MptError> {
    path.get(i)
        .map(usize::from)
        .ok_or(MptError::Malformed { hash: B256::ZERO, why: "keys of different lengths" })
}

/// Puts `value` at `path` below `node`. On an error nothing has changed but nodes loaded.
fn insert(
    db: &impl Preimages,
    node: &mut Node,
    path: &Nibbles,
    value: Vec<u8>,
) -> Result<(), MptError> {
    load(db, node)?;
    match node {
        Node::Empty => *node = Node::Leaf { key: *path, value },
        Node::Leaf { key, value: old } => {
            if *key == *path {
                *old = value;
                return Ok(());
            }
            let common = key.common_prefix_length(path);
            let (mine, theirs) = (nibble(key, common)?, nibble(path, common)?);
            let mut children: Box<[Node; 16]> = Box::default();
            children[mine] =
                Node::Leaf { key: key.slice(common + 1..), value: core::mem::take(old) };
            children[theirs] = Node::Leaf { key: path.slice(common + 1..), value };
            *node = extend(path.slice(..common), Node::Branch { children });
        }
        Node::Extension { key, child } => {
            let common = key.common_prefix_length(path);
            if common == key.len() {
                return insert(db, child, &path.slice(common..), value);
            }
            let (mine, theirs) = (nibble(key, common)?, nibble(path, common)?);
            let mut children: Box<[Node; 16]> = Box::default();
            children[mine] = extend(key.slice(common + 1..), core::mem::take(child));
            children[theirs] = Node::Leaf { key: path.slice(common + 1..), value };
            *node = extend(path.slice(..common), Node::Branch { children });
        }
        Node::Branch { children } => {
            let i = nibble(path, 0)?;
            insert(db, &mut children[i], &path.slice(1..), value)?;
        }
        Node::Hash(_) => unreachable_loaded(),
    }
    Ok(())
}

/// `node` under the key part `prefix` (an extension, or the node itself for an empty prefix).
fn extend(prefix: Nibbles, node: Node) -> Node {
    if prefix.is_empty() {
        return node;
    }
    Node::Extension { key: prefix, child: Box::new(node) }
}

/// Deletes the value at `path` below `node`. On an error nothing has changed but nodes loaded.
fn remove(db: &impl Preimages, node: &mut Node, path: &Nibbles) -> Result<(), MptError> {
    load(db, node)?;
    match node {
        Node::Empty => {}
        Node::Leaf { key, .. } => {
            if *key == *path {
                *node = Node::Empty;
            }
        }
        Node::Extension { key, child } => {
            if path.starts_with(key) {
                remove(db, child, &path.slice(key.len()..))?;
                *node = join(*key, core::mem::take(child));
            }
        }
        Node::Branch { children } => {
            let i = nibble(path, 0)?;
            let full = children.iter().filter(|c| !matches!(c, Node::Empty)).count();
            // With two children, emptying one collapses the branch into the other, which must
            // then be loaded; keep what was removed from, to undo if it cannot be.
            let backup = (full == 2).then(|| children[i].clone());
            remove(db, &mut children[i], &path.slice(1..))?;
            let mut left = children.iter().enumerate().filter(|(_, c)| !matches!(c, Node::Empty));
            let only = match (left.next(), left.next()) {
                (Some((j, _)), None) => j,
                (None, _) => {
                    *node = Node::Empty;
                    return Ok(());
                }
                _ => return Ok(()),
            };
            if let Err(e) = load(db, &mut children[only]) {
                if let Some(b) = backup {
                    children[i] = b;
                }
                return Err(e);
            }
            let child = core::mem::take(&mut children[only]);
            *node = join(Nibbles::from_nibbles_unchecked([only as u8]), child);
        }
        Node::Hash(_) => unreachable_loaded(),
    }
    Ok(())
}

/// `child` under the key part `prefix`, merged with it when the child is a leaf or an
/// extension (a trie never has an extension above those).
fn join(prefix: Nibbles, child: Node) -> Node {
    match child {
        Node::Empty => Node::Empty,
        Node::Leaf { key, value } => Node::Leaf { key: prefix.join(&key), value },
        Node::Extension { key, child } => Node::Extension { key: prefix.join(&key), child },
        branch_or_hash => extend(prefix, branch_or_hash),
    }
}

/// The node's reference as its parent holds it (its RLP if short, else the hash of it). With
/// `out`, every hashed node's preimage is recorded there.
fn encode(node: &Node, buf: &mut Vec<u8>, out: &mut Option<HashMap<B256, Bytes>>) -> RlpNode {
    buf.clear();
    let rlp = match node {
        Node::Empty => RlpNode::from_rlp(&[alloy_rlp::EMPTY_STRING_CODE]),
        Node::Hash(h) => RlpNode::word_rlp(h),
        Node::Leaf { key, value } => LeafNodeRef::new(key, value).rlp(buf),
        Node::Extension { key, child } => {
            let child = encode(child, buf, out);
            buf.clear();
            ExtensionNodeRef::new(key, &child).rlp(buf)
        }
        Node::Branch { children } => {
            let mut stack = Vec::new();
            let mut mask = TrieMask::default();
            for (i, c) in children.iter().enumerate() {
                if !matches!(c, Node::Empty) {
                    stack.push(encode(c, buf, out));
                    mask.set_bit(i as u8);
                }
            }
            buf.clear();
            BranchNodeRef::new(&stack, mask).rlp(buf)
        }
    };
    if let (Some(hash), Some(out)) = (rlp.as_hash(), out.as_mut())
        && !matches!(node, Node::Hash(_))
    {
        out.insert(hash, Bytes::copy_from_slice(buf));
    }
    rlp
}
