//! How the VM reads a preimage: the program writes a 32-byte key to fd 6, then reads fd 5,
//! which yields the preimage's 8-byte big-endian length followed by its bytes. One read step
//! yields at most one *part*: the up-to-32 bytes of that stream at the state's offset, cut
//! further to the one 32-byte memory leaf the read writes into. [`part`] is that rule, and
//! [`PreimageOracle`] the party that answers it — on L1, the preimage oracle contract.

use alloy_primitives::{B256, keccak256};
use sha2::Digest;

/// Why a preimage part cannot be given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PreimageError {
    /// The oracle does not have it.
    #[error("no preimage for key {0}")]
    Missing(B256),
    /// What it has does not hash to the key.
    #[error("the preimage given for key {0} does not hash to it")]
    Wrong(B256),
}

/// The part of `data`'s length-prefixed stream at `offset`: 32 bytes (zero-padded) and how
/// many of them are the stream's (0 at or past its end).
pub fn part(data: &[u8], offset: u64) -> (B256, u64) {
    let total = 8 + data.len() as u64;
    if offset >= total {
        return (B256::ZERO, 0);
    }
    let n = (total - offset).min(32);
    let len = (data.len() as u64).to_be_bytes();
    let mut out = B256::ZERO;
    for i in 0..n {
        let p = offset + i;
        out.0[i as usize] = if p < 8 { len[p as usize] } else { data[(p - 8) as usize] };
    }
    (out, n)
}

/// Answers preimage parts by key, as the on-chain oracle does for the step.
pub trait PreimageOracle {
    /// The part at `offset` of the preimage of `key`.
    fn read(&self, key: B256, offset: u64) -> Result<(B256, u64), PreimageError>;
}

/// Whether `data` is what `key` names, for the key types that bind their data by a hash
/// (keccak256 = 2, sha256 = 4; the first byte of the hash is the type). Other types (local
/// inputs, blob elements, precompile results) are bound on L1 by other means, so `true`.
pub fn binds(key: &B256, data: &[u8]) -> bool {
    let mut h = match key.0[0] {
        2 => keccak256(data),
        4 => B256::from_slice(&sha2::Sha256::digest(data)),
        _ => return true,
    };
    h.0[0] = key.0[0];
    h == *key
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn parts_tile_the_length_prefixed_stream(data in proptest::collection::vec(any::<u8>(), 0..100), step in 1u64..33) {
            let mut stream = (data.len() as u64).to_be_bytes().to_vec();
            stream.extend_from_slice(&data);
            let mut got = Vec::new();
            let mut offset = 0;
            loop {
                let (dat, n) = part(&data, offset);
                prop_assert!(dat.0[n as usize..].iter().all(|b| *b == 0));
                let take = n.min(step);
                if take == 0 {
                    break;
                }
                got.extend_from_slice(&dat[..take as usize]);
                offset += take;
            }
            prop_assert_eq!(got, stream);
        }
    }

    #[test]
    fn hashing_keys_bind_their_data() {
        let mut k = keccak256(b"x");
        k.0[0] = 2;
        assert!(binds(&k, b"x"));
        assert!(!binds(&k, b"y"));
        let mut s = B256::from_slice(&sha2::Sha256::digest(b"x"));
        s.0[0] = 4;
        assert!(binds(&s, b"x"));
        assert!(!binds(&s, b"y"));
        assert!(binds(&B256::with_last_byte(1), b"anything"));
    }
}
