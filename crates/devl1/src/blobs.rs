//! Blobs of the dev L1's mined blob txs, kept by block hash in their own redb file beside the
//! chain (`blobs.redb`), as a beacon node keeps them apart from execution blocks. Its beacon
//! endpoint and its `L1Chain::blobs` serve them. A reorged-out block's blobs stay under its
//! hash, unreachable from the canonical chain.
//!
//! A block's value is its blobs in block order, each `blob ‖ commitment ‖ proof` (131 072 +
//! 48 + 48 bytes). Blobs are built on the heap straight from those bytes: a blob is 128 KiB,
//! and generic decoders that pass them by value overflow a 2 MiB thread stack in debug
//! builds.

use std::path::Path;

use alloy_eips::eip4844::{BYTES_PER_BLOB, BlobTransactionSidecar, Bytes48, kzg_to_versioned_hash};
use alloy_primitives::B256;
use redb::{Database, ReadableDatabase, TableDefinition};

use lamina_l1::chain::{BoxedBlob, boxed_blob};

use super::DevL1Error;

/// Block hash → its blob records.
const BLOBS: TableDefinition<'_, &[u8; 32], &[u8]> = TableDefinition::new("blobs");

const RECORD: usize = BYTES_PER_BLOB + 48 + 48;

fn db_err(e: impl std::fmt::Display) -> DevL1Error {
    DevL1Error::Blobs(e.to_string())
}

/// A blob with its KZG commitment and proof, as a beacon node serves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBlob {
    /// The blob.
    pub blob: BoxedBlob,
    /// Its KZG commitment.
    pub commitment: Bytes48,
    /// The proof that the commitment is to this blob.
    pub proof: Bytes48,
}

impl StoredBlob {
    /// The versioned hash a blob tx names this blob by.
    pub fn versioned_hash(&self) -> B256 {
        kzg_to_versioned_hash(self.commitment.as_slice())
    }
}

/// The blob store.
#[derive(Debug)]
pub(crate) struct BlobStore {
    db: Database,
}

impl BlobStore {
    pub(crate) fn open(path: &Path) -> Result<Self, DevL1Error> {
        let (db, _) = lamina_engine::store::open_database(path).map_err(db_err)?;
        let txn = db.begin_write().map_err(db_err)?;
        txn.open_table(BLOBS).map_err(db_err)?;
        txn.commit().map_err(db_err)?;
        Ok(Self { db })
    }

    /// Keeps the blobs of `sidecars` (the block's blob txs', in order) as block `hash`'s.
    pub(crate) fn put(
        &self,
        hash: B256,
        sidecars: &[BlobTransactionSidecar],
    ) -> Result<(), DevL1Error> {
        let mut value = Vec::new();
        for s in sidecars {
            for ((blob, commitment), proof) in s.blobs.iter().zip(&s.commitments).zip(&s.proofs) {
                value.extend_from_slice(blob.as_slice());
                value.extend_from_slice(commitment.as_slice());
                value.extend_from_slice(proof.as_slice());
            }
        }
        let txn = self.db.begin_write().map_err(db_err)?;
        txn.open_table(BLOBS).map_err(db_err)?.insert(&hash.0, value.as_slice()).map_err(db_err)?;
        txn.commit().map_err(db_err)
    }

    /// Block `hash`'s blobs in order (none if it had no blob txs or is unknown).
    pub(crate) fn get(&self, hash: B256) -> Result<Vec<StoredBlob>, DevL1Error> {
        let txn = self.db.begin_read().map_err(db_err)?;
        let table = txn.open_table(BLOBS).map_err(db_err)?;
        let Some(value) = table.get(&hash.0).map_err(db_err)? else { return Ok(Vec::new()) };
        let value = value.value();
        if value.len() % RECORD != 0 {
            return Err(db_err(format!("blobs of {hash}: {} bytes", value.len())));
        }
        Ok(value
            .chunks_exact(RECORD)
            .filter_map(|r| {
                let (blob, rest) = r.split_at(BYTES_PER_BLOB);
                Some(StoredBlob {
                    blob: boxed_blob(blob)?,
                    commitment: Bytes48::from_slice(&rest[..48]),
                    proof: Bytes48::from_slice(&rest[48..]),
                })
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use alloy_eips::eip4844::{Blob, env_settings::EnvKzgSettings};

    use super::*;

    #[test]
    fn blobs_round_trip_per_block() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(&dir.path().join("blobs.redb")).unwrap();
        let sidecar = |blobs| {
            BlobTransactionSidecar::try_from_blobs_with_settings(
                blobs,
                EnvKzgSettings::Default.get(),
            )
            .unwrap()
        };
        let one = sidecar(vec![Blob::repeat_byte(0)]);
        let two = sidecar(vec![Blob::ZERO, Blob::ZERO]);
        let block = B256::repeat_byte(7);
        store.put(block, &[one.clone(), two.clone()]).unwrap();
        let got = store.get(block).unwrap();
        assert_eq!(got.len(), 3);
        let want: Vec<B256> = one.versioned_hashes().chain(two.versioned_hashes()).collect();
        assert_eq!(got.iter().map(StoredBlob::versioned_hash).collect::<Vec<_>>(), want);
        assert_eq!((got[1].commitment, got[1].proof), (two.commitments[0], two.proofs[0]));
        assert!(store.get(B256::ZERO).unwrap().is_empty());
        drop(store);
        // Kept across a restart.
        let store = BlobStore::open(&dir.path().join("blobs.redb")).unwrap();
        assert_eq!(store.get(block).unwrap(), got);
    }
}
