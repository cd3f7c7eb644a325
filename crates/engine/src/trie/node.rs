//! The in-memory form of a trie being updated: nodes loaded on demand from their RLP, with
//! untouched subtrees kept as references.

use alloy_rlp::Decodable;
use alloy_trie::{
    Nibbles,
    nodes::{RlpNode, TrieNode},
};

use super::TrieError;

/// A trie node under update.
#[derive(Debug, Clone, Default)]
pub(crate) enum Node {
    /// No node (an empty trie or an empty branch slot).
    #[default]
    Empty,
    /// A leaf: the rest of the key and the value.
    Leaf { key: Nibbles, value: Vec<u8> },
    /// An extension: a shared key part and the one child below it.
    Extension { key: Nibbles, child: Box<Self> },
    /// A branch: one child per nibble. Secure tries have fixed-length keys, so branches never
    /// hold values.
    Branch { children: Box<[Self; 16]> },
    /// A subtree not loaded: a hash reference or an inline (< 32 bytes) RLP node.
    Stored(RlpNode),
}

impl Node {
    /// Decodes a node from its RLP, children becoming [`Node::Stored`] references.
    pub(crate) fn decode(rlp: &[u8]) -> Result<Self, TrieError> {
        let mut buf = rlp;
        let node = TrieNode::decode(&mut buf).map_err(|e| TrieError::Corrupt(e.to_string()))?;
        Ok(match node {
            TrieNode::EmptyRoot => Self::Empty,
            TrieNode::Leaf(l) => Self::Leaf { key: l.key, value: l.value },
            TrieNode::Extension(e) => {
                Self::Extension { key: e.key, child: Box::new(Self::Stored(e.child)) }
            }
            TrieNode::Branch(b) => {
                let mut children: [Self; 16] = Default::default();
                let mut stack = b.stack.into_iter();
                for (i, child) in children.iter_mut().enumerate() {
                    if b.state_mask.is_bit_set(i as u8) {
                        let r = stack.next().ok_or_else(|| {
                            TrieError::Corrupt("branch mask exceeds stack".into())
                        })?;
                        *child = Self::Stored(r);
                    }
                }
                Self::Branch { children: Box::new(children) }
            }
        })
    }

    pub(crate) const fn is_empty(&self) -> bool {
        matches!(self, Self::Empty)
    }
}
