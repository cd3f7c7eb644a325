//! `eth_getLogs`: the logs of a block range or one block that match a filter. Blocks whose
//! bloom rules out the filter are skipped without reading their receipts.

use alloy_rpc_types_eth::{Filter, FilterBlockOption, Log};
use jsonrpsee::{RpcModule, types::ErrorObjectOwned};

use super::{EthChain, RpcResult, read, resolve};
use crate::rpc::error::{invalid_params, server, store};

/// Most blocks one query may span.
pub(crate) const MAX_BLOCK_RANGE: u64 = 10_000;

/// Most logs one query may return.
pub(crate) const MAX_LOGS: usize = 10_000;

pub(super) fn register<C: EthChain>(
    m: &mut RpcModule<C>,
) -> Result<(), jsonrpsee::core::RegisterMethodError> {
    m.register_blocking_method("eth_getLogs", |p, h, _| -> RpcResult<Vec<Log>> {
        let filter: Filter = p.one()?;
        get_logs(&*h, &filter)
    })?;
    Ok(())
}

/// `eth_getLogs` on `h`: the logs matching `filter`, within the range and result limits.
pub fn get_logs<C: EthChain>(h: &C, filter: &Filter) -> RpcResult<Vec<Log>> {
    let (from, to) = match filter.block_option {
        FilterBlockOption::AtBlockHash(hash) => {
            let n = h
                .store()
                .block_number(&hash)
                .map_err(store)?
                .ok_or_else(|| server(format!("unknown block {hash}")))?;
            (n, n)
        }
        FilterBlockOption::Range { from_block, to_block } => {
            let head = h.store().head().map_err(store)?.unwrap_or_default().0;
            let at = |t: Option<alloy_eips::BlockNumberOrTag>| -> RpcResult<u64> {
                Ok(resolve(h, t.unwrap_or_default().into())?.unwrap_or(head).min(head))
            };
            (at(from_block)?, at(to_block)?)
        }
    };
    if from > to {
        return Err(invalid_params("fromBlock is after toBlock"));
    }
    if to - from >= MAX_BLOCK_RANGE {
        return Err(limit(format!("query spans more than {MAX_BLOCK_RANGE} blocks")));
    }
    let mut out = Vec::new();
    for n in from..=to {
        let Some(header) = h.store().header(n).map_err(store)? else { break };
        if !filter.matches_bloom(header.logs_bloom) {
            continue;
        }
        let Some(b) = read(h, n, true)? else { break };
        out.extend(logs_of(&b.header, b.hash, &b.tx_hashes(), &b.receipts, Some(filter), false));
        if out.len() > MAX_LOGS {
            return Err(limit(format!("query returned more than {MAX_LOGS} results")));
        }
    }
    Ok(out)
}

/// The logs of a block's receipts that match `filter` (all of them for `None`), with their
/// positions in the block.
pub(crate) fn logs_of<R: alloy_consensus::TxReceipt<Log = alloy_primitives::Log>>(
    header: &alloy_consensus::Header,
    hash: alloy_primitives::B256,
    tx_hashes: &[alloy_primitives::B256],
    receipts: &[R],
    filter: Option<&Filter>,
    removed: bool,
) -> Vec<Log> {
    let mut log_index = 0u64;
    let mut out = Vec::new();
    for (i, (tx, receipt)) in tx_hashes.iter().zip(receipts).enumerate() {
        for l in receipt.logs() {
            let log = Log {
                inner: l.clone(),
                block_hash: Some(hash),
                block_number: Some(header.number),
                block_timestamp: Some(header.timestamp),
                transaction_hash: Some(*tx),
                transaction_index: Some(i as u64),
                log_index: Some(log_index),
                removed,
            };
            log_index += 1;
            if filter.is_none_or(|f| f.rpc_matches(&log)) {
                out.push(log);
            }
        }
    }
    out
}

/// `-32005`, geth's "limit exceeded".
fn limit(msg: String) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(-32005, msg, None::<()>)
}
