//! `eth_call` and `eth_estimateGas`: the request run on a block's state; an estimate is the
//! least gas with which the call still succeeds, found by bisection.

use alloy_eips::BlockId;
use alloy_primitives::{Bytes, TxKind, U64};
use alloy_rpc_types_eth::TransactionRequest;
use jsonrpsee::{RpcModule, types::ErrorObjectOwned};
use lamina_evm::{CallOutcome, CallRequest};
use revm::database::{CacheDB, WrapDatabaseRef};

use super::{EthChain, RpcResult, resolve_existing};
use crate::{
    rpc::error::{invalid_params, server, store},
    store::StateView,
};

/// The most gas a call may use (geth's default RPC gas cap).
const GAS_CAP: u64 = 50_000_000;

/// An estimate is close enough when within this fraction of the true minimum (as geth).
const ESTIMATE_ERROR_RATIO: f64 = 0.015;

pub(super) fn register<C: EthChain>(
    m: &mut RpcModule<C>,
) -> Result<(), jsonrpsee::core::RegisterMethodError> {
    m.register_blocking_method("eth_call", |p, h, _| -> RpcResult<Bytes> {
        let mut seq = p.sequence();
        let tx: TransactionRequest = seq.next()?;
        let id: Option<BlockId> = seq.optional_next()?;
        call(&*h, tx, id)
    })?;
    m.register_blocking_method("eth_estimateGas", |p, h, _| -> RpcResult<U64> {
        let mut seq = p.sequence();
        let tx: TransactionRequest = seq.next()?;
        let id: Option<BlockId> = seq.optional_next()?;
        estimate_gas(&*h, tx, id).map(U64::from)
    })?;
    Ok(())
}

/// `eth_call` on `h`: the output of `tx` run on block `id`'s state (the head by default); a
/// revert is error code 3 with the revert data.
pub fn call<C: EthChain>(h: &C, tx: TransactionRequest, id: Option<BlockId>) -> RpcResult<Bytes> {
    let (req, header, view) = prepare(h, tx, id)?;
    let out = h.simulate(&header, WrapDatabaseRef(&view), &req, GAS_CAP).map_err(invalid_call)?;
    match out {
        CallOutcome::Success { output, .. } => Ok(output),
        other => Err(failure(other)),
    }
}

/// `eth_estimateGas` on `h`: the least gas `tx` succeeds with on block `id`'s state (the head
/// by default); a failure is reported as `eth_estimateGas` reports it.
pub fn estimate_gas<C: EthChain>(
    h: &C,
    tx: TransactionRequest,
    id: Option<BlockId>,
) -> RpcResult<u64> {
    let (req, header, view) = prepare(h, tx, id)?;
    estimate(h, &header, &view, req)
}

/// The request as the executor takes it, with the block it runs on and that block's state.
fn prepare<C: EthChain>(
    h: &C,
    tx: TransactionRequest,
    id: Option<BlockId>,
) -> RpcResult<(CallRequest, alloy_consensus::Header, StateView)> {
    if !C::BLOBS && tx.blob_versioned_hashes.as_ref().is_some_and(|b| !b.is_empty()) {
        return Err(invalid_params("blob transactions are not supported on this chain"));
    }
    let input = tx.input.into_input().unwrap_or_default();
    let req = CallRequest {
        from: tx.from.unwrap_or_default(),
        to: tx.to.unwrap_or(TxKind::Create),
        gas: tx.gas,
        gas_price: tx.gas_price,
        max_fee_per_gas: tx.max_fee_per_gas,
        max_priority_fee_per_gas: tx.max_priority_fee_per_gas,
        value: tx.value.unwrap_or_default(),
        input,
        nonce: tx.nonce,
        access_list: tx.access_list.unwrap_or_default(),
    };
    let n = resolve_existing(h, id)?;
    let header = h.store().header(n).map_err(store)?.ok_or_else(|| server("header not found"))?;
    let view = h.store().state_at(n).map_err(store)?;
    Ok((req, header, view))
}

/// A call the EVM refused to run, in geth's words where clients match on them.
fn invalid_call(e: lamina_evm::ExecError) -> ErrorObjectOwned {
    match e {
        lamina_evm::ExecError::InvalidTx { reason, .. } => {
            if reason.contains("lack of funds") {
                server(format!("insufficient funds for gas * price + value: {reason}"))
            } else {
                server(reason)
            }
        }
        other => crate::rpc::error::internal(other),
    }
}

/// A call that did not succeed, as geth reports it: reverts are code 3 with the revert data.
pub(super) fn failure(out: CallOutcome) -> ErrorObjectOwned {
    match out {
        CallOutcome::Revert { output, .. } => {
            let reason = alloy_sol_types::decode_revert_reason(&output);
            let msg = match reason {
                Some(r) => format!("execution reverted: {r}"),
                None => "execution reverted".to_owned(),
            };
            ErrorObjectOwned::owned(3, msg, Some(output))
        }
        CallOutcome::Halt { reason, .. } => server(format!("execution halted: {reason}")),
        CallOutcome::Success { .. } => server("internal: success reported as failure"),
    }
}

fn estimate<C: EthChain>(
    h: &C,
    header: &alloy_consensus::Header,
    view: &StateView,
    mut req: CallRequest,
) -> RpcResult<u64> {
    // Reads are cached across the runs of the bisection.
    let mut db = CacheDB::new(WrapDatabaseRef(view));
    let cap = req.gas.unwrap_or(header.gas_limit).min(header.gas_limit).min(GAS_CAP);
    if req.max_fee_per_gas.is_none() && req.gas_price.is_none() {
        // Without fees the run can't check funds; the value at least must be there.
        let balance =
            view.account(&req.from).map_err(store)?.map(|a| a.balance).unwrap_or_default();
        if balance < req.value {
            return Err(server("insufficient funds for transfer"));
        }
    }
    let mut run = |gas: u64| -> RpcResult<CallOutcome> {
        req.gas = Some(gas);
        h.simulate(header, &mut db, &req, GAS_CAP).map_err(invalid_call)
    };
    let first = run(cap)?;
    if !first.is_success() {
        return Err(failure(first));
    }
    // The gas used is a lower bound; with the 63/64 rule a bit more is usually enough.
    let mut lo = first.gas_used().saturating_sub(1);
    let mut hi = cap;
    let optimistic = (first.gas_used() + 2_300) * 64 / 63;
    if optimistic < hi {
        if run(optimistic)?.is_success() {
            hi = optimistic;
        } else {
            lo = optimistic;
        }
    }
    while lo + 1 < hi {
        if (hi - lo) as f64 / hi as f64 <= ESTIMATE_ERROR_RATIO {
            break;
        }
        let mid = lo + (hi - lo) / 2;
        if run(mid)?.is_success() {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Ok(hi)
}
