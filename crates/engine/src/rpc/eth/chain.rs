//! [`EthChain`]: what the `eth_` methods need of a chain. The L2 engine ([`EngineHandle`]
//! with OP shapes) and the dev L1 (plain Ethereum shapes, in lamina-l1) both implement it, so
//! one set of methods serves both; only the tx and receipt types, their JSON shapes, the fee
//! rules and the executor differ.
//!
//! [`EngineHandle`]: crate::service::EngineHandle

use alloy_consensus::{
    Header, Transaction, TxReceipt,
    transaction::{Recovered, SignerRecoverable, TxHashRef},
};
use alloy_eips::eip2718::Decodable2718;
use alloy_primitives::{Address, B256, Bytes};
use lamina_evm::{CallOutcome, CallRequest, ExecError};
use revm::Database;

use super::{RpcResult, shapes::StoredBlock};
use crate::store::{Store, StoreError};

/// A chain the `eth_` methods can serve.
pub trait EthChain: Clone + Send + Sync + 'static {
    /// Its signed txs, as blocks store them (EIP-2718).
    type Tx: Decodable2718
        + Transaction
        + SignerRecoverable
        + TxHashRef
        + alloy_rlp::Encodable
        + Clone
        + Send
        + Sync
        + 'static;
    /// Its receipts, as blocks store them (EIP-2718).
    type Receipt: Decodable2718 + TxReceipt<Log = alloy_primitives::Log> + Send + Sync + 'static;
    /// A tx in its JSON-RPC shape.
    type RpcTx: serde::Serialize + Clone + Send + Sync + 'static;
    /// A receipt in its JSON-RPC shape.
    type RpcReceipt: serde::Serialize + Clone + Send + Sync + 'static;

    /// Whether blob txs exist on this chain (calls may name blob hashes).
    const BLOBS: bool;

    /// The chain's blocks and state.
    fn store(&self) -> &Store;

    /// `eth_chainId`.
    fn chain_id(&self) -> u64;

    /// The base fee of the block after `parent`.
    fn next_base_fee(&self, parent: &Header) -> RpcResult<u64>;

    /// The blob base fee of block `header`, and of the block after it.
    fn blob_base_fees(&self, header: &Header) -> (u128, u128);

    /// Admits a signed tx (`eth_sendRawTransaction`).
    fn send_raw_transaction(&self, raw: &Bytes) -> RpcResult<B256>;

    /// The nonce after `who`'s pooled txs, if it has any.
    fn pending_nonce(&self, who: &Address) -> Option<u64>;

    /// A pooled (not yet mined) tx.
    fn pooled_transaction(&self, hash: &B256) -> Option<Self::RpcTx>;

    /// A pooled tx's EIP-2718 bytes.
    fn pooled_raw(&self, hash: &B256) -> Option<Bytes>;

    /// A mined tx in its RPC shape.
    fn rpc_transaction(
        &self,
        block: &StoredBlock<Self::Tx, Self::Receipt>,
        index: usize,
        tx: Recovered<Self::Tx>,
    ) -> Self::RpcTx;

    /// A block's receipts in their RPC shape: all of them, or only the one at `only`.
    fn rpc_receipts(
        &self,
        block: &StoredBlock<Self::Tx, Self::Receipt>,
        only: Option<usize>,
    ) -> Result<Vec<Self::RpcReceipt>, StoreError>;

    /// How far from the chain's tip this node is (`eth_syncing`); `None`: caught up.
    fn syncing(&self) -> Option<alloy_rpc_types_eth::SyncInfo> {
        None
    }

    /// Runs a call on `db`, the state after block `header` (`eth_call`, `eth_estimateGas`),
    /// halting it once `stop` says so.
    fn simulate<DB: Database + std::fmt::Debug>(
        &self,
        header: &Header,
        db: DB,
        req: &CallRequest,
        gas_cap: u64,
        stop: &dyn Fn() -> bool,
    ) -> Result<CallOutcome, ExecError>;
}
