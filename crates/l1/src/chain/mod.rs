//! The `L1Chain` port: everything the rollup's services read from and send to L1 — headers by
//! tag, number or hash, a block's txs (batcher data) and receipts (deposits, config updates),
//! logs, account reads and calls, fee levels, tx submission and receipts, and the blobs of
//! blob txs (a beacon API's, or the dev L1's own). Two adapters:
//! [`RpcL1`] for any Ethereum JSON-RPC node here, and `DevL1` in process in `lamina-devl1`; one
//! test suite checks both behave the same. [`CachedL1`] wraps either and keeps what a hash
//! fixes (headers, a block's txs and receipts, blobs), for derivation's repeated reads, and
//! [`DeriveL1`] presents any of them as the derivation pipeline's L1 and blob sources.

mod beacon;
mod blob;
mod cached;
mod derive_ports;
mod error;
mod rpc;

use std::future::Future;

use alloy_consensus::{Header, ReceiptEnvelope, Sealed, TxEnvelope};
use alloy_eips::BlockNumberOrTag;
use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_rpc_types_eth::{Filter, Log, TransactionReceipt, TransactionRequest};
use lamina_protocol::block::L1BlockInfo;

pub use blob::{BoxedBlob, boxed_blob};
pub use cached::{CacheSizes, CachedL1};
pub use derive_ports::DeriveL1;
pub use error::L1Error;
pub use rpc::{RpcL1, RpcL1Config};

/// A header with its hash.
pub type L1Header = Sealed<Header>;

/// What a header tells derivation: hash, number, parent, timestamp.
pub fn block_info(header: &L1Header) -> L1BlockInfo {
    L1BlockInfo {
        hash: header.hash(),
        number: header.number,
        parent_hash: header.parent_hash,
        timestamp: header.timestamp,
    }
}

/// Fee levels for the next L1 block, as a tx sender prices its txs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct L1Fees {
    /// The next block's base fee.
    pub base_fee: u128,
    /// A tip that gets a tx included soon.
    pub tip: u128,
    /// The next block's blob base fee.
    pub blob_base_fee: u128,
}

/// An L1 chain. Every method is one logical read or write; adapters retry what is worth
/// retrying and report the rest as [`L1Error`] (see [`L1Error::is_temporary`]).
pub trait L1Chain: Send + Sync {
    /// The chain id.
    fn chain_id(&self) -> impl Future<Output = Result<u64, L1Error>> + Send;

    /// The header at a number or tag (`latest`, `safe`, `finalized` …); `None` if there is none.
    fn header(
        &self,
        at: BlockNumberOrTag,
    ) -> impl Future<Output = Result<Option<L1Header>, L1Error>> + Send;

    /// The header with this hash; `None` if unknown.
    fn header_by_hash(
        &self,
        hash: B256,
    ) -> impl Future<Output = Result<Option<L1Header>, L1Error>> + Send;

    /// The txs of the block with this hash, in order; `None` if unknown.
    fn transactions(
        &self,
        block: B256,
    ) -> impl Future<Output = Result<Option<Vec<TxEnvelope>>, L1Error>> + Send;

    /// The receipts of the block with this hash, in order; `None` if unknown.
    fn receipts(
        &self,
        block: B256,
    ) -> impl Future<Output = Result<Option<Vec<ReceiptEnvelope>>, L1Error>> + Send;

    /// Logs matching `filter`.
    fn logs(&self, filter: &Filter) -> impl Future<Output = Result<Vec<Log>, L1Error>> + Send;

    /// An account's nonce after block `at` (`pending` counts the sender's pooled txs).
    fn nonce(
        &self,
        who: Address,
        at: BlockNumberOrTag,
    ) -> impl Future<Output = Result<u64, L1Error>> + Send;

    /// An account's balance at the head.
    fn balance(&self, who: Address) -> impl Future<Output = Result<U256, L1Error>> + Send;

    /// An account's code at the head.
    fn code(&self, at: Address) -> impl Future<Output = Result<Bytes, L1Error>> + Send;

    /// Runs a call on the head's state; a revert is [`L1Error::Reverted`].
    fn call(&self, tx: TransactionRequest) -> impl Future<Output = Result<Bytes, L1Error>> + Send;

    /// The gas `tx` needs on the head's state; a tx that would fail is an error (a revert
    /// is [`L1Error::Reverted`]).
    fn estimate_gas(
        &self,
        tx: TransactionRequest,
    ) -> impl Future<Output = Result<u64, L1Error>> + Send;

    /// Fee levels for the next block.
    fn fees(&self) -> impl Future<Output = Result<L1Fees, L1Error>> + Send;

    /// Sends a signed tx; returns its hash.
    fn send_raw_transaction(
        &self,
        raw: &Bytes,
    ) -> impl Future<Output = Result<B256, L1Error>> + Send;

    /// The receipt of a mined tx; `None` while it is not in a canonical block.
    fn receipt(
        &self,
        tx: B256,
    ) -> impl Future<Output = Result<Option<TransactionReceipt>, L1Error>> + Send;

    /// The blobs in `block` with these versioned hashes (from its blob txs), in the order
    /// asked, each checked against its hash. A blob the source does not have (yet) is
    /// [`L1Error::MissingBlobs`].
    fn blobs(
        &self,
        block: &L1Header,
        hashes: &[B256],
    ) -> impl Future<Output = Result<Vec<BoxedBlob>, L1Error>> + Send;
}
