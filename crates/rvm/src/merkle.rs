//! The memory's Merkle tree: a binary keccak256 tree over the whole 64-bit address space with
//! 32-byte leaves (the memory's bytes themselves), so 59 levels of hashing above the leaves. An
//! absent subtree has the hash of zeros at its height ([`zero_hash`]). A proof of one leaf is
//! 60 words: the leaf, then its 59 siblings from the bottom up. These functions are all a
//! checker needs: what the step function and an on-chain port of it use.

use std::sync::LazyLock;

use alloy_primitives::{B256, keccak256};

/// Bytes per leaf.
pub const LEAF: u64 = 32;
/// Levels of hashing above the leaves (2^59 leaves of 32 bytes cover 2^64 bytes).
pub const DEPTH: usize = 59;
/// A proof: the leaf and its siblings.
pub const PROOF_WORDS: usize = DEPTH + 1;
/// A proof's bytes.
pub const PROOF_BYTES: usize = PROOF_WORDS * 32;

/// A parent node.
pub fn hash_pair(left: &B256, right: &B256) -> B256 {
    let mut both = [0u8; 64];
    both[..32].copy_from_slice(left.as_slice());
    both[32..].copy_from_slice(right.as_slice());
    keccak256(both)
}

static ZEROS: LazyLock<[B256; DEPTH + 1]> = LazyLock::new(|| {
    let mut z = [B256::ZERO; DEPTH + 1];
    for i in 1..=DEPTH {
        z[i] = hash_pair(&z[i - 1], &z[i - 1]);
    }
    z
});

/// The hash of an all-zero subtree of `2^height` leaves (height 0: a zero leaf).
pub fn zero_hash(height: usize) -> B256 {
    ZEROS[height]
}

/// The root of an empty memory.
pub fn empty_root() -> B256 {
    ZEROS[DEPTH]
}

/// The root that `leaf` at `addr` (any address inside it) and its `siblings`, bottom up, hash
/// to.
pub fn root_of(addr: u64, leaf: &B256, siblings: &[B256; DEPTH]) -> B256 {
    let mut node = *leaf;
    let mut index = addr / LEAF;
    for sibling in siblings {
        node = if index & 1 == 0 { hash_pair(&node, sibling) } else { hash_pair(sibling, &node) };
        index >>= 1;
    }
    node
}

/// A proof, split into its leaf and siblings; `None` unless it is exactly [`PROOF_BYTES`].
pub fn split_proof(proof: &[u8]) -> Option<(B256, [B256; DEPTH])> {
    if proof.len() != PROOF_BYTES {
        return None;
    }
    let word = |i: usize| B256::from_slice(&proof[i * 32..(i + 1) * 32]);
    Some((word(0), std::array::from_fn(|i| word(i + 1))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_empty_tree_hashes_zeros_all_the_way_up() {
        assert_eq!(zero_hash(0), B256::ZERO);
        assert_eq!(zero_hash(1), keccak256([0u8; 64]));
        let siblings: [B256; DEPTH] = std::array::from_fn(zero_hash);
        assert_eq!(root_of(0xdead_beef_0000, &B256::ZERO, &siblings), empty_root());
        assert_eq!(split_proof(&[0; PROOF_BYTES - 1]), None);
    }
}
