//! The pipeline's only ways to the outside world: L1 blocks, blobs and the L2 chain. Adapters
//! live elsewhere (`lamina-l1` for L1 over JSON-RPC or the dev L1, `lamina-node` for the
//! engine); [`crate::memory`] holds in-memory ones for tests and benchmarks.
//!
//! The traits are async so a verifier can wait on the network, but the pipeline itself does no
//! IO and reads no clock: every fact it uses arrives through these calls.

use alloc::{boxed::Box, vec::Vec};
use core::future::Future;

use alloy_consensus::{Header, ReceiptEnvelope, Sealed, TxEnvelope};
use alloy_primitives::{B256, Bytes};
use lamina_protocol::{
    SystemConfig,
    block::{L1BlockInfo, L2BlockInfo},
    constants::BYTES_PER_BLOB,
};

use crate::error::SourceError;

/// An L1 header with its hash.
pub type L1Header = Sealed<Header>;

/// One blob, boxed (128 KiB).
pub type Blob = Box<[u8; BYTES_PER_BLOB]>;

/// What derivation needs to know of an L1 header.
pub fn l1_info(header: &L1Header) -> L1BlockInfo {
    L1BlockInfo {
        hash: header.hash(),
        number: header.number,
        parent_hash: header.parent_hash,
        timestamp: header.timestamp,
    }
}

/// The L1 chain, as derivation reads it. Numbers are resolved on the source's canonical chain.
pub trait L1Source: Send + Sync {
    /// The canonical header at `number`; `None` when the chain is not that long (yet).
    fn header_by_number(
        &self,
        number: u64,
    ) -> impl Future<Output = Result<Option<L1Header>, SourceError>> + Send;

    /// The header with this hash; `None` when unknown.
    fn header_by_hash(
        &self,
        hash: B256,
    ) -> impl Future<Output = Result<Option<L1Header>, SourceError>> + Send;

    /// The block's txs, in order. An unknown block is [`SourceError::NotFound`].
    fn transactions(
        &self,
        block: B256,
    ) -> impl Future<Output = Result<Vec<TxEnvelope>, SourceError>> + Send;

    /// The block's receipts, in order. An unknown block is [`SourceError::NotFound`].
    fn receipts(
        &self,
        block: B256,
    ) -> impl Future<Output = Result<Vec<ReceiptEnvelope>, SourceError>> + Send;
}

/// Blob storage (a beacon node, or the dev L1's own).
pub trait BlobSource: Send + Sync {
    /// The blobs of `block` with these versioned hashes, in the order asked, each already checked
    /// against its hash. Blobs not (yet) served are [`SourceError::Unavailable`].
    fn blobs(
        &self,
        block: &L1Header,
        hashes: &[B256],
    ) -> impl Future<Output = Result<Vec<Blob>, SourceError>> + Send;
}

/// The L2 chain the pipeline derives onto (the engine's canonical chain).
pub trait L2Source: Send + Sync {
    /// The canonical block at `number`; `None` when there is none.
    fn block_info(
        &self,
        number: u64,
    ) -> impl Future<Output = Result<Option<L2BlockInfo>, SourceError>> + Send;

    /// The canonical block's txs (EIP-2718 bytes, deposits included); `None` when there is none.
    fn block_transactions(
        &self,
        number: u64,
    ) -> impl Future<Output = Result<Option<Vec<Bytes>>, SourceError>> + Send;

    /// The system config in force after canonical block `number` (recovered from the block).
    fn system_config(
        &self,
        number: u64,
    ) -> impl Future<Output = Result<SystemConfig, SourceError>> + Send;
}
