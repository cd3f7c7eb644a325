//! The in-memory form of a trie being updated (nodes loaded on demand, untouched subtrees kept
//! as references) and the stored record of a node.
//!
//! A stored record is the node's RLP followed by the [`NodeId`]s of its hashed children as LEB128
//! varints, in child order (a branch's children by nibble, an extension's one child), then for
//! an account leaf the id of its storage trie's root. The record is what makes the node store
//! append-only: parents find their children by id, so new nodes get increasing ids and land at
//! the end of the table instead of at random hash positions.

use alloy_primitives::keccak256;
use alloy_trie::{
    Nibbles,
    nodes::{RlpNode, TrieNode},
};
use lamina_protocol::codec::{Cursor, put_uvarint};

use super::{NodeId, TrieError};

/// A reference to a subtree that is not loaded.
#[derive(Debug, Clone)]
pub(crate) struct Ref {
    /// A hash reference (RLP of the 32-byte hash) or an inline (< 32 bytes) node.
    pub(crate) rlp: RlpNode,
    /// Where a hash-referenced node is stored; `None` for inline nodes.
    pub(crate) id: Option<NodeId>,
}

/// A trie node under update.
#[derive(Debug, Clone, Default)]
pub(crate) enum Node {
    /// No node (an empty trie or an empty branch slot).
    #[default]
    Empty,
    /// A leaf: the rest of the key, the value, and the id of a subtrie the value commits to
    /// (an account leaf's storage root).
    Leaf { key: Nibbles, value: Vec<u8>, aux: Option<NodeId> },
    /// An extension: a shared key part and the one child below it.
    Extension { key: Nibbles, child: Box<Self> },
    /// A branch: one child per nibble. Secure tries have fixed-length keys, so branches never
    /// hold values.
    Branch { children: Box<[Self; 16]> },
    /// A subtree not loaded.
    Stored(Ref),
}

impl Node {
    pub(crate) const fn is_empty(&self) -> bool {
        matches!(self, Self::Empty)
    }

    /// Loads the node `r` refers to, checking that a stored node hashes to the reference.
    /// Returns the node's RLP too when `r` is a hash reference (what a proof is made of).
    pub(crate) fn resolve(
        src: &impl super::NodeSource,
        r: &Ref,
    ) -> Result<(Self, Option<Vec<u8>>), TrieError> {
        let Some(hash) = r.rlp.as_hash() else {
            return Ok((Self::decode_record(&r.rlp[..])?.0, None));
        };
        let record = Self::record(src, r, hash)?;
        let (node, rlp_len) = Self::decode_record(&record)?;
        Ok((node, Some(record[..rlp_len].to_vec())))
    }

    /// [`Self::resolve`] without the RLP (what updates and walks need).
    pub(crate) fn load(src: &impl super::NodeSource, r: &Ref) -> Result<Self, TrieError> {
        let Some(hash) = r.rlp.as_hash() else {
            return Ok(Self::decode_record(&r.rlp[..])?.0);
        };
        Ok(Self::decode_record(&Self::record(src, r, hash)?)?.0)
    }

    /// The record of the hashed node `r`, from the source's cache of checked records or read
    /// and checked against `hash`.
    fn record(
        src: &impl super::NodeSource,
        r: &Ref,
        hash: alloy_primitives::B256,
    ) -> Result<std::sync::Arc<[u8]>, TrieError> {
        let id = r.id.ok_or_else(|| TrieError::Corrupt(format!("no id for node {hash}")))?;
        if let Some(record) = src.checked(id, &hash) {
            return Ok(record);
        }
        let record: std::sync::Arc<[u8]> =
            src.node(id)?.ok_or(TrieError::MissingNode(hash))?.into();
        let rlp_len = rlp_len(&record)?;
        if keccak256(&record[..rlp_len]) != hash {
            return Err(TrieError::Corrupt(format!("node {id} does not hash to {hash}")));
        }
        src.keep(id, hash, &record);
        Ok(record)
    }

    /// Decodes a stored record (or an inline node's RLP), children becoming [`Node::Stored`]
    /// references. Returns the node and the length of its RLP within the record.
    pub(crate) fn decode_record(record: &[u8]) -> Result<(Self, usize), TrieError> {
        let corrupt = |e: &dyn std::fmt::Display| TrieError::Corrupt(e.to_string());
        let mut cur = Cursor::new(record);
        let mut rlp = cur.rlp_item("trie node").map_err(|e| corrupt(&e))?;
        let rlp_len = rlp.len();
        let node = <TrieNode as alloy_rlp::Decodable>::decode(&mut rlp).map_err(|e| corrupt(&e))?;
        let mut child = |r: RlpNode| -> Result<Self, TrieError> {
            let id = match r.as_hash() {
                Some(_) => Some(cur.uvarint("child id").map_err(|e| corrupt(&e))?),
                None => None,
            };
            Ok(Self::Stored(Ref { rlp: r, id }))
        };
        let node = match node {
            TrieNode::EmptyRoot => Self::Empty,
            TrieNode::Leaf(l) => Self::Leaf { key: l.key, value: l.value, aux: None },
            TrieNode::Extension(e) => {
                Self::Extension { key: e.key, child: Box::new(child(e.child)?) }
            }
            TrieNode::Branch(b) => {
                let mut children: [Self; 16] = Default::default();
                let mut stack = b.stack.into_iter();
                for (i, slot) in children.iter_mut().enumerate() {
                    if b.state_mask.is_bit_set(i as u8) {
                        let r = stack.next().ok_or_else(|| {
                            TrieError::Corrupt("branch mask exceeds stack".into())
                        })?;
                        *slot = child(r)?;
                    }
                }
                Self::Branch { children: Box::new(children) }
            }
        };
        let node = match node {
            Self::Leaf { key, value, .. } if !cur.is_empty() => {
                let aux = cur.uvarint("subtrie id").map_err(|e| corrupt(&e))?;
                Self::Leaf { key, value, aux: Some(aux) }
            }
            other => other,
        };
        if !cur.is_empty() {
            return Err(TrieError::Corrupt("trailing bytes after a trie node record".into()));
        }
        Ok((node, rlp_len))
    }
}

/// The length of the RLP item a record starts with.
fn rlp_len(record: &[u8]) -> Result<usize, TrieError> {
    Cursor::new(record)
        .rlp_item("trie node")
        .map(<[u8]>::len)
        .map_err(|e| TrieError::Corrupt(e.to_string()))
}

/// Builds a stored record: the RLP followed by the ids.
pub(crate) fn record(rlp: &[u8], ids: &[NodeId]) -> Vec<u8> {
    let mut out = Vec::with_capacity(rlp.len() + ids.len() * 5);
    out.extend_from_slice(rlp);
    for id in ids {
        put_uvarint(&mut out, *id);
    }
    out
}
