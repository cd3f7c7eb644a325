//! Any [`L1Chain`] as the derivation pipeline's [`L1Source`] and [`BlobSource`]. Wrap a
//! [`CachedL1`](super::CachedL1) so derivation's repeated reads of a block (traversal, then
//! retrieval, then the epoch's deposits) cost one fetch.
//!
//! Errors keep their meaning: what the adapter would retry is `Unavailable` (temporary), an
//! unknown block is `NotFound` (a reorg: reset), the rest is `Invalid`.

use std::sync::Arc;

use alloy_consensus::{ReceiptEnvelope, TxEnvelope};
use alloy_eips::BlockNumberOrTag;
use alloy_primitives::B256;
use lamina_derive::{
    BlobSource, L1Source, SourceError,
    ports::{Blob, L1Header},
};

use super::{L1Chain, L1Error};

/// An [`L1Chain`] seen through derivation's ports. Clones share the chain (and its cache), so
/// one value serves as both the pipeline's L1 and blob source.
#[derive(Debug)]
pub struct DeriveL1<C>(Arc<C>);

impl<C> Clone for DeriveL1<C> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<C> DeriveL1<C> {
    /// Wraps `chain`.
    pub fn new(chain: C) -> Self {
        Self(Arc::new(chain))
    }

    /// The chain.
    pub fn chain(&self) -> &C {
        &self.0
    }
}

fn source_error(e: L1Error) -> SourceError {
    if e.is_temporary() {
        SourceError::Unavailable(e.to_string())
    } else {
        SourceError::Invalid(e.to_string())
    }
}

impl<C: L1Chain> L1Source for DeriveL1<C> {
    async fn header_by_number(&self, number: u64) -> Result<Option<L1Header>, SourceError> {
        self.0.header(BlockNumberOrTag::Number(number)).await.map_err(source_error)
    }

    async fn header_by_hash(&self, hash: B256) -> Result<Option<L1Header>, SourceError> {
        self.0.header_by_hash(hash).await.map_err(source_error)
    }

    async fn transactions(&self, block: B256) -> Result<Vec<TxEnvelope>, SourceError> {
        self.0
            .transactions(block)
            .await
            .map_err(source_error)?
            .ok_or_else(|| SourceError::NotFound(format!("txs of L1 block {block}")))
    }

    async fn receipts(&self, block: B256) -> Result<Vec<ReceiptEnvelope>, SourceError> {
        self.0
            .receipts(block)
            .await
            .map_err(source_error)?
            .ok_or_else(|| SourceError::NotFound(format!("receipts of L1 block {block}")))
    }
}

impl<C: L1Chain> BlobSource for DeriveL1<C> {
    async fn blobs(&self, block: &L1Header, hashes: &[B256]) -> Result<Vec<Blob>, SourceError> {
        self.0.blobs(block, hashes).await.map_err(source_error)
    }
}
