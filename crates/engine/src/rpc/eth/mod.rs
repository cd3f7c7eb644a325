//! The `eth_`, `net_` and `web3_` methods on any [`EthChain`] (the L2 engine, the dev L1):
//! chain and state reads at any kept block (tags `latest`, `pending`, `safe`, `finalized`,
//! `earliest`), tx submission, calls and gas estimates, logs, fee suggestions and proofs; and
//! on the engine, subscriptions.

mod call;
mod chain;
mod fees;
mod logs;
mod op;
mod raw;
mod shapes;
mod subscribe;

use alloy_eips::{BlockId, BlockNumberOrTag};
use alloy_primitives::{Address, B256, Bytes, U64, U256};
use alloy_rpc_types_eth::{EIP1186AccountProofResponse, EIP1186StorageProof};
use alloy_serde::JsonStorageKey;
use jsonrpsee::{RpcModule, types::ErrorObjectOwned};

use super::error::{invalid_params, server, store};
use crate::{service::EngineHandle, store::StateView};
pub use call::{call, estimate_gas};
pub use chain::EthChain;
pub use fees::suggested_tip;
pub use logs::get_logs;
pub use shapes::{ReceiptParts, RpcBlock, StoredBlock};

/// A method's result: a value or a JSON-RPC error object.
pub type RpcResult<T> = Result<T, ErrorObjectOwned>;

/// The client name `web3_clientVersion` reports.
pub const CLIENT_VERSION: &str = concat!("lamina/v", env!("CARGO_PKG_VERSION"));

/// The engine's `eth_`/`net_`/`web3_` module, with subscriptions.
pub fn module(handle: EngineHandle) -> RpcModule<EngineHandle> {
    let mut m = methods(handle);
    subscribe::register(&mut m).unwrap_or_else(|e| unreachable!("method names are unique: {e}"));
    m
}

/// The `eth_`/`net_`/`web3_` request methods on `chain`.
pub fn methods<C: EthChain>(chain: C) -> RpcModule<C> {
    let mut m = RpcModule::new(chain);
    register(&mut m).unwrap_or_else(|e| unreachable!("method names are unique: {e}"));
    m
}

/// The block number a block id names; `None` when it names no canonical block.
pub(crate) fn resolve<C: EthChain>(h: &C, id: BlockId) -> RpcResult<Option<u64>> {
    let s = h.store();
    match id {
        BlockId::Hash(hash) => s.block_number(&hash.block_hash).map_err(store),
        BlockId::Number(BlockNumberOrTag::Latest | BlockNumberOrTag::Pending) => {
            // The common case reads one meta entry, not the whole forkchoice.
            Ok(s.head().map_err(store)?.map(|(n, _)| n))
        }
        BlockId::Number(tag) => {
            let fc = s.forkchoice().map_err(store)?;
            Ok(match tag {
                BlockNumberOrTag::Latest | BlockNumberOrTag::Pending => Some(fc.head.number),
                BlockNumberOrTag::Safe => Some(fc.safe.number),
                BlockNumberOrTag::Finalized => Some(fc.finalized.number),
                BlockNumberOrTag::Earliest => Some(0),
                BlockNumberOrTag::Number(n) => (n <= fc.head.number).then_some(n),
            })
        }
    }
}

/// Like [`resolve`], but a missing block is an error (state reads).
pub(crate) fn resolve_existing<C: EthChain>(h: &C, id: Option<BlockId>) -> RpcResult<u64> {
    resolve(h, id.unwrap_or_default())?.ok_or_else(|| server("header not found"))
}

/// Whether `id` names the head (the flat tables answer it directly).
fn is_latest(id: Option<BlockId>) -> bool {
    matches!(id, None | Some(BlockId::Number(BlockNumberOrTag::Latest | BlockNumberOrTag::Pending)))
}

/// The account `address` after block `id`.
fn account<C: EthChain>(
    h: &C,
    address: &Address,
    id: Option<BlockId>,
) -> RpcResult<Option<crate::store::AccountRecord>> {
    if is_latest(id) {
        return h.store().head_account(address).map_err(store);
    }
    state(h, id)?.account(address).map_err(store)
}

/// The state after block `id`.
pub(crate) fn state<C: EthChain>(h: &C, id: Option<BlockId>) -> RpcResult<StateView> {
    let n = resolve_existing(h, id)?;
    h.store().state_at(n).map_err(store)
}

/// Point reads run inline on the server's threads: state lookups, and a block's, tx's or
/// receipt's reads (bounded by one block, and with the senders execution recovered kept in the
/// store, no signature is recovered). Anything that executes, scans many blocks or admits a tx
/// runs on the blocking pool, whose thread handoff costs more than a point read.
fn register<C: EthChain>(m: &mut RpcModule<C>) -> Result<(), jsonrpsee::core::RegisterMethodError> {
    m.register_method("eth_chainId", |_, h, _| -> RpcResult<U64> { Ok(U64::from(h.chain_id())) })?;
    m.register_method("net_version", |_, h, _| h.chain_id().to_string())?;
    m.register_method("net_listening", |_, _, _| true)?;
    m.register_method("web3_clientVersion", |_, _, _| CLIENT_VERSION)?;
    m.register_method("eth_syncing", |_, h, _| -> RpcResult<_> {
        Ok(match h.syncing() {
            Some(info) => alloy_rpc_types_eth::SyncStatus::Info(Box::new(info)),
            None => alloy_rpc_types_eth::SyncStatus::None,
        })
    })?;
    m.register_method("eth_accounts", |_, _, _| Vec::<Address>::new())?;
    m.register_method("eth_blockNumber", |_, h, _| -> RpcResult<U64> {
        let (n, _) = h.store().head().map_err(store)?.unwrap_or_default();
        Ok(U64::from(n))
    })?;
    m.register_method("eth_getBalance", |p, h, _| -> RpcResult<U256> {
        let (address, id): (Address, Option<BlockId>) = p.parse()?;
        Ok(account(h, &address, id)?.map(|a| a.balance).unwrap_or_default())
    })?;
    m.register_method("eth_getTransactionCount", |p, h, _| -> RpcResult<U64> {
        let (address, id): (Address, Option<BlockId>) = p.parse()?;
        let nonce = account(h, &address, id)?.map(|a| a.nonce).unwrap_or_default();
        let pending = matches!(id, Some(BlockId::Number(BlockNumberOrTag::Pending)));
        let pooled = if pending { h.pending_nonce(&address) } else { None };
        Ok(U64::from(pooled.unwrap_or(nonce).max(nonce)))
    })?;
    m.register_method("eth_getCode", |p, h, _| -> RpcResult<Bytes> {
        let (address, id): (Address, Option<BlockId>) = p.parse()?;
        let view = state(h, id)?;
        let Some(a) = view.account(&address).map_err(store)? else { return Ok(Bytes::new()) };
        use revm::DatabaseRef;
        Ok(view.code_by_hash_ref(a.code_hash).map_err(store)?.original_bytes())
    })?;
    m.register_method("eth_getStorageAt", |p, h, _| -> RpcResult<B256> {
        let (address, slot, id): (Address, JsonStorageKey, Option<BlockId>) = p.parse()?;
        let view = state(h, id)?;
        Ok(view.storage(&address, slot.as_b256().into()).map_err(store)?.into())
    })?;
    m.register_blocking_method("eth_getProof", |p, h, _| -> RpcResult<_> {
        let (address, keys, id): (Address, Vec<JsonStorageKey>, Option<BlockId>) = p.parse()?;
        if keys.len() > 1024 {
            return Err(invalid_params("at most 1024 storage keys"));
        }
        let view = state(&*h, id)?;
        let slots: Vec<U256> = keys.iter().map(|k| k.as_b256().into()).collect();
        let proof = view.proof(&address, &slots).map_err(store)?;
        // An absent account is proven absent and reported empty.
        let (balance, nonce, code_hash, storage_hash) = match proof.account {
            Some(a) => (a.balance, a.nonce, a.code_hash, a.storage_root),
            None => (U256::ZERO, 0, alloy_primitives::KECCAK256_EMPTY, alloy_trie::EMPTY_ROOT_HASH),
        };
        Ok(EIP1186AccountProofResponse {
            address,
            balance,
            code_hash,
            nonce,
            storage_hash,
            account_proof: proof.account_proof,
            storage_proof: keys
                .into_iter()
                .zip(proof.storage)
                .map(|(key, (_, value, proof))| EIP1186StorageProof { key, value, proof })
                .collect(),
        })
    })?;
    m.register_method("eth_getBlockByNumber", |p, h, _| -> RpcResult<_> {
        let (tag, full): (BlockNumberOrTag, bool) = p.parse()?;
        block(h, BlockId::Number(tag), full)
    })?;
    m.register_method("eth_getBlockByHash", |p, h, _| -> RpcResult<_> {
        let (hash, full): (B256, bool) = p.parse()?;
        block(h, BlockId::from(hash), full)
    })?;
    m.register_method("eth_getBlockTransactionCountByNumber", |p, h, _| {
        let tag: BlockNumberOrTag = p.one()?;
        tx_count(h, BlockId::Number(tag))
    })?;
    m.register_method("eth_getBlockTransactionCountByHash", |p, h, _| {
        let hash: B256 = p.one()?;
        tx_count(h, BlockId::from(hash))
    })?;
    m.register_method("eth_getTransactionByHash", |p, h, _| -> RpcResult<_> {
        let hash: B256 = p.one()?;
        if let Some(loc) = h.store().transaction_location(&hash).map_err(store)? {
            let Some(b) = read_with_senders(h, loc.block)? else { return Ok(None) };
            let index = loc.index as usize;
            let tx = b.recovered(index).map_err(store)?;
            return Ok(Some(h.rpc_transaction(&b, index, tx)));
        }
        // A pooled tx: no block yet.
        Ok(h.pooled_transaction(&hash))
    })?;
    m.register_method("eth_getTransactionReceipt", |p, h, _| -> RpcResult<_> {
        let hash: B256 = p.one()?;
        let Some(loc) = h.store().transaction_location(&hash).map_err(store)? else {
            return Ok(None);
        };
        let Some(b) = read_with_senders(h, loc.block)? else { return Ok(None) };
        let receipts = h.rpc_receipts(&b, Some(loc.index as usize)).map_err(store)?;
        Ok(receipts.into_iter().next())
    })?;
    m.register_method("eth_getBlockReceipts", |p, h, _| -> RpcResult<_> {
        let id: BlockId = p.one()?;
        let Some(n) = resolve(h, id)? else { return Ok(None) };
        let b = read_with_senders(h, n)?;
        b.map(|b| h.rpc_receipts(&b, None)).transpose().map_err(store)
    })?;
    m.register_blocking_method("eth_sendRawTransaction", |p, h, _| -> RpcResult<B256> {
        let raw: Bytes = p.one()?;
        h.send_raw_transaction(&raw)
    })?;
    call::register(m)?;
    fees::register(m)?;
    logs::register(m)?;
    raw::register(m)?;
    Ok(())
}

/// Canonical block `n` of `h` (`None` past the head).
pub(crate) fn read<C: EthChain>(
    h: &C,
    n: u64,
    receipts: bool,
) -> RpcResult<Option<StoredBlock<C::Tx, C::Receipt>>> {
    StoredBlock::read(h.store(), n, receipts).map_err(store)
}

/// Block `n` with its receipts and senders: for the reads that show each tx's `from`.
pub(crate) fn read_with_senders<C: EthChain>(
    h: &C,
    n: u64,
) -> RpcResult<Option<StoredBlock<C::Tx, C::Receipt>>> {
    let b = read(h, n, true)?;
    b.map(|b| b.with_senders(h.store())).transpose().map_err(store)
}

fn block<C: EthChain>(h: &C, id: BlockId, full: bool) -> RpcResult<Option<RpcBlock<C::RpcTx>>> {
    let Some(n) = resolve(h, id)? else { return Ok(None) };
    // Full txs need the receipts too (deposit nonces).
    let b = if full { read_with_senders(h, n)? } else { read(h, n, false)? };
    b.map(|b| b.rpc_block(h, full)).transpose().map_err(store)
}

fn tx_count<C: EthChain>(h: &C, id: BlockId) -> RpcResult<Option<U64>> {
    let Some(n) = resolve(h, id)? else { return Ok(None) };
    let txs = h.store().block_transactions(n).map_err(store)?;
    Ok(txs.map(|t| U64::from(t.len())))
}
