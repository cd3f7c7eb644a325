//! Blobs through the oracle. A blob is read as its KZG commitment (the sha256 preimage of its
//! versioned hash) and its 4096 field elements, each the preimage of
//! `keccak(commitment ++ z_i)` where `z_i` is the point the element is the blob polynomial's
//! value at: the `i`-th 4096th root of unity of the BLS12-381 scalar field, in bit-reversed
//! order (EIP-4844). On chain each element is loaded with a KZG proof of exactly that
//! evaluation, so the keys must name the true points.

use alloc::vec::Vec;
use alloy_primitives::{B256, U256};

use crate::preimage::PreimageKey;

/// Field elements in a blob.
pub const FIELD_ELEMENTS: usize = 4096;

/// Bytes in a KZG commitment.
pub const COMMITMENT_LEN: usize = 48;

/// The BLS12-381 scalar field modulus.
const MODULUS: U256 = U256::from_be_bytes(alloy_primitives::hex!(
    "73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001"
));

/// The field's multiplicative generator (the one EIP-4844's roots of unity derive from).
const GENERATOR: u64 = 7;

/// The evaluation points `z_0 … z_4095` of a blob's field elements, in order.
pub fn evaluation_points() -> Vec<B256> {
    let exp = (MODULUS - U256::from(1)) / U256::from(FIELD_ELEMENTS);
    let root = U256::from(GENERATOR).pow_mod(exp, MODULUS);
    let mut powers = Vec::with_capacity(FIELD_ELEMENTS);
    let mut x = U256::from(1);
    for _ in 0..FIELD_ELEMENTS {
        powers.push(x);
        x = x.mul_mod(root, MODULUS);
    }
    let bits = FIELD_ELEMENTS.trailing_zeros();
    (0..FIELD_ELEMENTS)
        .map(|i| {
            let j = i.reverse_bits() >> (usize::BITS - bits);
            B256::from(powers[j].to_be_bytes::<32>())
        })
        .collect()
}

/// The keys of the field elements of the blob committed to by `commitment`, in order.
pub fn element_keys(commitment: &[u8], points: &[B256]) -> Vec<PreimageKey> {
    points.iter().map(|z| PreimageKey::blob(commitment, z)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_are_the_4096th_roots_of_unity_bit_reversed() {
        let points = evaluation_points();
        assert_eq!(points.len(), FIELD_ELEMENTS);
        let one = U256::from(1);
        assert_eq!(U256::from_be_bytes(points[0].0), one);
        // Bit-reversed: the second point is the square root of one other than one.
        assert_eq!(U256::from_be_bytes(points[1].0), MODULUS - one);
        let w = U256::from_be_bytes(points[FIELD_ELEMENTS / 2].0);
        assert_eq!(w.pow_mod(U256::from(FIELD_ELEMENTS), MODULUS), one);
        assert_ne!(w.pow_mod(U256::from(FIELD_ELEMENTS / 2), MODULUS), one);
        let mut distinct = points;
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), FIELD_ELEMENTS);
    }
}
