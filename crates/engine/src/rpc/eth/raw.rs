//! geth's raw-data reads — `debug_getRawHeader`, `debug_getRawBlock`, `debug_getRawReceipts`,
//! `debug_getRawTransaction` and `eth_getRawTransactionByHash` — answering with the consensus
//! encodings fixture builders, indexers and fault-proof hosts decode: the RLP header, the RLP
//! block (header, txs, no ommers, withdrawals once the header commits to them), the EIP-2718
//! receipts and txs. They read stored bytes, as the other block reads do. An unknown block is
//! geth's error; an unknown tx is `null`, and a pooled one is its bytes, as geth answers.

use alloy_consensus::{Block, BlockBody};
use alloy_eips::{BlockId, eip2718::Decodable2718};
use alloy_primitives::{B256, Bytes};
use jsonrpsee::RpcModule;

use super::{EthChain, RpcResult, resolve};
use crate::rpc::error::{server, store};

/// Canonical block `id`'s number, or geth's "not found" error.
fn number<C: EthChain>(h: &C, id: BlockId, what: &str) -> RpcResult<u64> {
    resolve(h, id)?.ok_or_else(|| server(format!("{what} {id} not found")))
}

fn header<C: EthChain>(h: &C, n: u64) -> RpcResult<alloy_consensus::Header> {
    h.store().header(n).map_err(store)?.ok_or_else(|| server(format!("header #{n} not found")))
}

/// A mined tx's bytes, else a pooled one's.
fn raw_tx<C: EthChain>(h: &C, hash: &B256) -> RpcResult<Option<Bytes>> {
    if let Some(loc) = h.store().transaction_location(hash).map_err(store)? {
        let txs = h.store().block_transactions(loc.block).map_err(store)?.unwrap_or_default();
        return Ok(txs.into_iter().nth(loc.index as usize));
    }
    Ok(h.pooled_raw(hash))
}

pub(super) fn register<C: EthChain>(
    m: &mut RpcModule<C>,
) -> Result<(), jsonrpsee::core::RegisterMethodError> {
    m.register_method("debug_getRawHeader", |p, h, _| -> RpcResult<Bytes> {
        let id: BlockId = p.one()?;
        let n = number(h, id, "header")?;
        Ok(alloy_rlp::encode(header(h, n)?).into())
    })?;
    m.register_method("debug_getRawBlock", |p, h, _| -> RpcResult<Bytes> {
        let id: BlockId = p.one()?;
        let n = number(h, id, "block")?;
        let header = header(h, n)?;
        let raw = h.store().block_transactions(n).map_err(store)?.unwrap_or_default();
        let transactions = raw
            .iter()
            .map(|b| C::Tx::decode_2718(&mut b.as_ref()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| server(format!("stored tx of block {n}: {e}")))?;
        // OP blocks from Canyon on carry an empty withdrawals list the root commits to.
        let withdrawals = header.withdrawals_root.map(|_| Default::default());
        let block =
            Block { header, body: BlockBody { transactions, ommers: Vec::new(), withdrawals } };
        Ok(alloy_rlp::encode(block).into())
    })?;
    m.register_method("debug_getRawReceipts", |p, h, _| -> RpcResult<Vec<Bytes>> {
        let id: BlockId = p.one()?;
        let n = number(h, id, "block")?;
        Ok(h.store().block_receipts(n).map_err(store)?.unwrap_or_default())
    })?;
    m.register_method("debug_getRawTransaction", |p, h, _| {
        let hash: B256 = p.one()?;
        raw_tx(h, &hash)
    })?;
    m.register_method("eth_getRawTransactionByHash", |p, h, _| {
        let hash: B256 = p.one()?;
        raw_tx(h, &hash)
    })?;
    Ok(())
}
