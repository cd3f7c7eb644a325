//! Blobs through the oracle: the commitment is the sha256 preimage of the versioned hash, the
//! data its 4096 field elements (see [`crate::blob`]).

use alloc::format;
use alloc::{boxed::Box, sync::Arc, vec::Vec};

use alloy_primitives::B256;
use lamina_derive::{
    BlobSource, SourceError,
    ports::{Blob, L1Header},
};
use lamina_protocol::constants::BYTES_PER_BLOB;

use super::{hint, source};
use crate::{
    blob::{COMMITMENT_LEN, FIELD_ELEMENTS, element_keys, evaluation_points},
    preimage::{Hint, Oracle, OracleError, sha256},
};

/// The versioned-hash version of a KZG commitment.
const KZG_VERSION: u8 = 1;

/// Blobs through the oracle.
#[derive(Debug)]
pub struct OracleBlobs<O> {
    oracle: Arc<O>,
    /// The evaluation points (4096 field multiplications: cheap next to one blob's reads).
    points: Vec<B256>,
}

impl<O: Oracle> OracleBlobs<O> {
    /// Blobs through `oracle`.
    pub fn new(oracle: Arc<O>) -> Self {
        Self { oracle, points: evaluation_points() }
    }

    fn blob(&self, block: &L1Header, hash: B256) -> Result<Blob, SourceError> {
        if hash[0] != KZG_VERSION {
            return Err(SourceError::Invalid(format!("blob {hash}: unknown version")));
        }
        hint(&*self.oracle, Hint::L1Blob { hash, block: block.hash() })?;
        let commitment = sha256(&*self.oracle, hash).map_err(source)?;
        if commitment.len() != COMMITMENT_LEN {
            return Err(SourceError::Invalid(format!("blob {hash}: commitment length")));
        }
        let points = &self.points;
        let mut blob: Blob = Box::new([0u8; BYTES_PER_BLOB]);
        for (i, key) in element_keys(&commitment, points).into_iter().enumerate() {
            let y = self.oracle.get(key).map_err(source)?;
            if y.len() != 32 {
                let e = OracleError::Length { key, len: y.len(), want: 32 };
                return Err(source(e));
            }
            blob[i * 32..(i + 1) * 32].copy_from_slice(&y);
        }
        debug_assert_eq!(FIELD_ELEMENTS * 32, BYTES_PER_BLOB);
        Ok(blob)
    }
}

impl<O: Oracle> BlobSource for OracleBlobs<O> {
    async fn blobs(&self, block: &L1Header, hashes: &[B256]) -> Result<Vec<Blob>, SourceError> {
        hashes.iter().map(|h| self.blob(block, *h)).collect()
    }
}
