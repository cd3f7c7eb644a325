//! The preimage oracle: the program's only input. Every fact the program uses is the preimage
//! of a 32-byte key whose first byte names how the key binds its data (fault-proofs design
//! §2.2): `1` local (the boot inputs of one dispute), `2` keccak256, `4` sha256, `5` a blob's
//! field element (keyed by its commitment and evaluation point), `6` a precompile's result.
//! On chain the oracle contract checks each binding when a preimage is loaded; natively the
//! program checks keccak and sha256 preimages itself ([`keccak`], [`sha256`]), so a wrong host
//! can make a run fail but never pass.
//!
//! Hints ([`Hint`]) tell the host which data the next reads will need (a block's txs, a
//! block's state witness); they never carry meaning: a run's result depends only on the
//! preimages. [`wire`] frames both over the guest's file descriptors.

use alloc::{string::String, vec::Vec};
use alloy_primitives::{B256, Bytes, keccak256};

pub mod client;
pub mod hint;
pub mod wire;

pub use hint::{Hint, HintError};

/// What a key's first byte says about how it binds its preimage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum KeyType {
    /// A boot input, local to one dispute.
    Local = 1,
    /// `keccak256(preimage)`.
    Keccak256 = 2,
    /// Reserved (never read by this program).
    Generic = 3,
    /// `sha256(preimage)`.
    Sha256 = 4,
    /// A blob field element: `keccak256(commitment ++ z)`, the preimage is `y`.
    Blob = 5,
    /// A precompile's output: `keccak256(address ++ input)`.
    Precompile = 6,
}

/// A preimage key: the type byte, then 31 bytes of the binding hash (or the local index).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PreimageKey(pub B256);

impl PreimageKey {
    /// The key of a hash: its first byte replaced by the type.
    fn typed(kind: KeyType, hash: B256) -> Self {
        let mut key = hash;
        key.0[0] = kind as u8;
        Self(key)
    }

    /// Local input `index` (big-endian in the last 8 bytes).
    pub fn local(index: u64) -> Self {
        let mut key = B256::ZERO;
        key.0[0] = KeyType::Local as u8;
        key.0[24..].copy_from_slice(&index.to_be_bytes());
        Self(key)
    }

    /// The key of the data hashing to `hash` with keccak256.
    pub fn keccak(hash: B256) -> Self {
        Self::typed(KeyType::Keccak256, hash)
    }

    /// The key of the data hashing to `hash` with sha256 (a blob's versioned hash works as is:
    /// it is the commitment's sha256 with the version in the first byte).
    pub fn sha256(hash: B256) -> Self {
        Self::typed(KeyType::Sha256, hash)
    }

    /// The key of the blob field element at evaluation point `z` of the blob committed to by
    /// `commitment`.
    pub fn blob(commitment: &[u8], z: &B256) -> Self {
        let mut data = Vec::with_capacity(commitment.len() + 32);
        data.extend_from_slice(commitment);
        data.extend_from_slice(z.as_slice());
        Self::typed(KeyType::Blob, keccak256(data))
    }

    /// The key of the result of precompile `address` on `input` (its preimage: a status byte,
    /// then the output), for an accelerated precompile run by the oracle.
    pub fn precompile(address: &alloy_primitives::Address, input: &[u8]) -> Self {
        let mut data = Vec::with_capacity(20 + input.len());
        data.extend_from_slice(address.as_slice());
        data.extend_from_slice(input);
        Self::typed(KeyType::Precompile, keccak256(data))
    }

    /// The key type, `None` for a byte no type has.
    pub const fn kind(&self) -> Option<KeyType> {
        Some(match self.0.0[0] {
            1 => KeyType::Local,
            2 => KeyType::Keccak256,
            3 => KeyType::Generic,
            4 => KeyType::Sha256,
            5 => KeyType::Blob,
            6 => KeyType::Precompile,
            _ => return None,
        })
    }
}

impl core::fmt::Display for PreimageKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.0.fmt(f)
    }
}

/// Why the oracle did not give a preimage.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OracleError {
    /// The oracle has no preimage for the key.
    #[error("no preimage for key {0}")]
    Missing(PreimageKey),
    /// The preimage it gave does not hash to the key.
    #[error("the preimage of key {0} has another hash")]
    WrongPreimage(PreimageKey),
    /// The preimage has the wrong length for what the key names.
    #[error("the preimage of key {key} is {len} bytes, {want} expected")]
    Length {
        /// The key.
        key: PreimageKey,
        /// Its length.
        len: usize,
        /// The length the program needs.
        want: usize,
    },
    /// The host failed (the connection to it, or the data source behind a hint).
    #[error("host: {0}")]
    Host(String),
}

/// The preimage oracle, as the program sees it.
pub trait Oracle: Send + Sync + core::fmt::Debug {
    /// The preimage of `key`.
    fn get(&self, key: PreimageKey) -> Result<Bytes, OracleError>;

    /// Tells the host what comes next. A host that cannot act on it says so; a host that
    /// ignores hints (serving a finished cache) answers `Ok`.
    fn hint(&self, hint: &Hint) -> Result<(), OracleError>;
}

impl<O: Oracle + ?Sized> Oracle for alloc::sync::Arc<O> {
    fn get(&self, key: PreimageKey) -> Result<Bytes, OracleError> {
        (**self).get(key)
    }

    fn hint(&self, hint: &Hint) -> Result<(), OracleError> {
        (**self).hint(hint)
    }
}

/// The keccak256 preimage of `hash`, checked.
pub fn keccak(oracle: &(impl Oracle + ?Sized), hash: B256) -> Result<Bytes, OracleError> {
    let key = PreimageKey::keccak(hash);
    let data = oracle.get(key)?;
    if keccak256(&data) != hash {
        return Err(OracleError::WrongPreimage(key));
    }
    Ok(data)
}

/// The sha256 preimage of the hash whose last 31 bytes `hash` shares (a blob's versioned hash
/// names its commitment this way), checked.
pub fn sha256(oracle: &(impl Oracle + ?Sized), hash: B256) -> Result<Bytes, OracleError> {
    let key = PreimageKey::sha256(hash);
    let data = oracle.get(key)?;
    if PreimageKey::sha256(sha2_256(&data)) != key {
        return Err(OracleError::WrongPreimage(key));
    }
    Ok(data)
}

/// SHA-256.
pub fn sha2_256(data: &[u8]) -> B256 {
    use sha2::Digest;
    B256::from_slice(&sha2::Sha256::digest(data))
}

/// An oracle over a map of preimages, for tests and for replaying a cache.
#[derive(Debug, Default, Clone)]
pub struct MemoryOracle {
    /// The preimages.
    pub preimages: alloy_primitives::map::HashMap<PreimageKey, Bytes>,
}

impl MemoryOracle {
    /// Adds `data` under its keccak key.
    pub fn insert_keccak(&mut self, data: impl Into<Bytes>) -> B256 {
        let data = data.into();
        let hash = keccak256(&data);
        self.preimages.insert(PreimageKey::keccak(hash), data);
        hash
    }
}

impl Oracle for MemoryOracle {
    fn get(&self, key: PreimageKey) -> Result<Bytes, OracleError> {
        self.preimages.get(&key).cloned().ok_or(OracleError::Missing(key))
    }

    fn hint(&self, _: &Hint) -> Result<(), OracleError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_carry_their_type() {
        let h = keccak256(b"x");
        assert_eq!(PreimageKey::keccak(h).kind(), Some(KeyType::Keccak256));
        assert_eq!(PreimageKey::keccak(h).0[1..], h[1..]);
        assert_eq!(PreimageKey::sha256(h).kind(), Some(KeyType::Sha256));
        assert_eq!(PreimageKey::blob(&[1; 48], &h).kind(), Some(KeyType::Blob));
        let ecrecover = alloy_primitives::Address::with_last_byte(1);
        let p = PreimageKey::precompile(&ecrecover, b"input");
        assert_eq!(p.kind(), Some(KeyType::Precompile));
        assert_eq!(p.0[1..], keccak256([ecrecover.as_slice(), b"input"].concat())[1..]);
        let local = PreimageKey::local(4);
        assert_eq!(local.kind(), Some(KeyType::Local));
        assert_eq!(local.0[31], 4);
        assert_eq!(PreimageKey(B256::ZERO).kind(), None);
    }

    #[test]
    fn sha256_matches_the_standard_vector() {
        assert_eq!(
            sha2_256(b"abc").to_string(),
            "0xba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn checked_reads_refuse_a_wrong_preimage() {
        let mut oracle = MemoryOracle::default();
        let h = oracle.insert_keccak(b"hello".to_vec());
        assert_eq!(keccak(&oracle, h).unwrap().as_ref(), b"hello");
        let other = keccak256(b"other");
        oracle.preimages.insert(PreimageKey::keccak(other), Bytes::from_static(b"hello"));
        assert_eq!(
            keccak(&oracle, other),
            Err(OracleError::WrongPreimage(PreimageKey::keccak(other)))
        );
        assert_eq!(
            keccak(&oracle, keccak256(b"none")),
            Err(OracleError::Missing(PreimageKey::keccak(keccak256(b"none"))))
        );

        let commitment = [7u8; 48];
        let vh = sha2_256(&commitment);
        oracle.preimages.insert(PreimageKey::sha256(vh), Bytes::copy_from_slice(&commitment));
        let mut versioned = vh;
        versioned.0[0] = 1;
        assert_eq!(sha256(&oracle, versioned).unwrap().as_ref(), &commitment);
        let wrong = sha2_256(b"x");
        oracle.preimages.insert(PreimageKey::sha256(wrong), Bytes::from_static(b"y"));
        assert!(matches!(sha256(&oracle, wrong), Err(OracleError::WrongPreimage(_))));
    }
}
