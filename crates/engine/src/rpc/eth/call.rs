//! `eth_call` and `eth_estimateGas`: the request run on a block's state; an estimate is the
//! least gas with which the call still succeeds, found by bisection — or, as geth answers, exactly
//! 21,000 for a plain transfer to an account without code.

use alloy_eips::BlockId;
use alloy_primitives::{Bytes, KECCAK256_EMPTY, TxKind, U64};
use alloy_rpc_types_eth::TransactionRequest;
use jsonrpsee::{RpcModule, types::ErrorObjectOwned};
use lamina_evm::{CallOutcome, CallRequest};
use revm::database::{CacheDB, WrapDatabaseRef};

use super::{EthChain, RpcResult, resolve_existing};
use crate::{
    rpc::{
        budget::CallBudget,
        error::{invalid_params, server, store},
    },
    store::StateView,
};

/// The intrinsic gas of a plain transfer.
const TRANSFER_GAS: u64 = 21_000;

/// An estimate is close enough when within this fraction of the true minimum (as geth).
const ESTIMATE_ERROR_RATIO: f64 = 0.015;

pub(super) fn register<C: EthChain>(
    m: &mut RpcModule<C>,
) -> Result<(), jsonrpsee::core::RegisterMethodError> {
    m.register_blocking_method("eth_call", |p, h, ext| -> RpcResult<Bytes> {
        let mut seq = p.sequence();
        let tx: TransactionRequest = seq.next()?;
        let id: Option<BlockId> = seq.optional_next()?;
        call(&*h, tx, id, &CallBudget::of(&ext))
    })?;
    m.register_blocking_method("eth_estimateGas", |p, h, ext| -> RpcResult<U64> {
        let mut seq = p.sequence();
        let tx: TransactionRequest = seq.next()?;
        let id: Option<BlockId> = seq.optional_next()?;
        estimate_gas(&*h, tx, id, &CallBudget::of(&ext)).map(U64::from)
    })?;
    Ok(())
}

/// `eth_call` on `h`: the output of `tx` run on block `id`'s state (the head by default),
/// within `budget`; a revert is error code 3 with the revert data.
pub fn call<C: EthChain>(
    h: &C,
    tx: TransactionRequest,
    id: Option<BlockId>,
    budget: &CallBudget,
) -> RpcResult<Bytes> {
    let (req, header, view) = prepare(h, tx, id, budget)?;
    let stop = || budget.expired();
    let out = h
        .simulate(&header, WrapDatabaseRef(&view), &req, budget.limits.gas_cap, &stop)
        .map_err(|e| invalid_call(e, budget))?;
    match out {
        CallOutcome::Success { output, .. } => Ok(output),
        other => Err(failure(other)),
    }
}

/// `eth_estimateGas` on `h`: the least gas `tx` succeeds with on block `id`'s state (the head
/// by default), within `budget` (one deadline for the whole bisection); a failure is
/// reported as `eth_estimateGas` reports it.
pub fn estimate_gas<C: EthChain>(
    h: &C,
    tx: TransactionRequest,
    id: Option<BlockId>,
    budget: &CallBudget,
) -> RpcResult<u64> {
    let (req, header, view) = prepare(h, tx, id, budget)?;
    estimate(h, &header, &view, req, budget)
}

/// The request as the executor takes it, with the block it runs on and that block's state;
/// nothing is prepared once `budget` is spent (a batch's later calls).
fn prepare<C: EthChain>(
    h: &C,
    tx: TransactionRequest,
    id: Option<BlockId>,
    budget: &CallBudget,
) -> RpcResult<(CallRequest, alloy_consensus::Header, StateView)> {
    if budget.expired() {
        return Err(server(budget.timeout_message()));
    }
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

/// A call the EVM refused to run (or that ran out of time), in geth's words where clients
/// match on them.
fn invalid_call(e: lamina_evm::ExecError, budget: &CallBudget) -> ErrorObjectOwned {
    match e {
        lamina_evm::ExecError::Interrupted => server(budget.timeout_message()),
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
            let msg = match revert_reason(&output) {
                Some(r) => format!("execution reverted: {r}"),
                None => "execution reverted".to_owned(),
            };
            ErrorObjectOwned::owned(3, msg, Some(output))
        }
        CallOutcome::Halt { reason, .. } => server(format!("execution halted: {reason}")),
        CallOutcome::Success { .. } => server("internal: success reported as failure"),
    }
}

/// What geth puts after `execution reverted: `: the reason of an `Error(string)`, or the
/// meaning of a `Panic(uint256)`. A custom error (or any other data) has none; its bytes are
/// in the error's data, never printed as text.
pub(crate) fn revert_reason(output: &[u8]) -> Option<String> {
    use alloy_sol_types::{Panic, Revert, SolError};
    if let Ok(r) = Revert::abi_decode(output) {
        return Some(r.reason);
    }
    let code = Panic::abi_decode(output).ok()?.code;
    let known = match u64::try_from(code).unwrap_or(u64::MAX) {
        0x01 => "assert(false)",
        0x11 => "arithmetic underflow or overflow",
        0x12 => "division or modulo by zero",
        0x21 => "enum overflow",
        0x22 => "invalid encoded storage byte array accessed",
        0x31 => "out-of-bounds array access; popping on an empty array",
        0x32 => "out-of-bounds access of an array or bytesslice",
        0x41 => "out of memory",
        0x51 => "uninitialized function",
        _ => return Some(format!("unknown panic code: {code:#x}")),
    };
    Some(known.to_owned())
}

fn estimate<C: EthChain>(
    h: &C,
    header: &alloy_consensus::Header,
    view: &StateView,
    mut req: CallRequest,
    budget: &CallBudget,
) -> RpcResult<u64> {
    // Reads are cached across the runs of the bisection.
    let mut db = CacheDB::new(WrapDatabaseRef(view));
    let gas_cap = budget.limits.gas_cap;
    // A gas limit below a transfer's is no limit at all to geth: it searches up to the block's.
    let given = req.gas.filter(|g| *g >= TRANSFER_GAS);
    let mut cap = given.unwrap_or(header.gas_limit).min(header.gas_limit).min(gas_cap);
    let balance = view.account(&req.from).map_err(store)?.map(|a| a.balance).unwrap_or_default();
    // As geth: with a fee given, no more gas than the sender can pay for after the value
    // (and some gas must be affordable); without, the value at least must be there.
    let fee_cap = req.max_fee_per_gas.or(req.gas_price).unwrap_or_default();
    if balance < req.value || (fee_cap > 0 && balance == req.value) {
        return Err(server("insufficient funds for transfer"));
    }
    if fee_cap > 0 {
        let allowance = (balance - req.value) / alloy_primitives::U256::from(fee_cap);
        cap = cap.min(u64::try_from(allowance).unwrap_or(u64::MAX));
    }
    let plain_transfer = match req.to {
        TxKind::Call(to) if req.input.is_empty() => {
            view.account(&to).map_err(store)?.is_none_or(|a| a.code_hash == KECCAK256_EMPTY)
        }
        _ => false,
    };
    let stop = || budget.expired();
    let mut exec = |gas: u64| {
        req.gas = Some(gas);
        h.simulate(header, &mut db, &req, gas_cap, &stop)
    };
    // geth's short cut: a plain transfer to an account without code costs exactly 21,000
    // when it runs with that (a run decides, as fields like an access list may cost more).
    if plain_transfer && cap >= TRANSFER_GAS && exec(TRANSFER_GAS).is_ok_and(|o| o.is_success()) {
        return Ok(TRANSFER_GAS);
    }
    // Out of gas with all it may have, or not even its intrinsic gas: geth names the cap.
    let exceeds = || server(format!("gas required exceeds allowance ({cap})"));
    let first = match exec(cap) {
        Ok(o @ CallOutcome::Success { .. }) => o,
        Ok(CallOutcome::Halt { reason, .. }) if reason.contains("OutOfGas") => {
            return Err(exceeds());
        }
        Ok(other) => return Err(failure(other)),
        Err(lamina_evm::ExecError::InvalidTx { reason, .. })
            if reason.contains("exceeds the gas limit") =>
        {
            return Err(exceeds());
        }
        Err(e) => return Err(invalid_call(e, budget)),
    };
    let mut run = |gas: u64| exec(gas).map_err(|e| invalid_call(e, budget));
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
        if ((hi - lo) as f64 / hi as f64) < ESTIMATE_ERROR_RATIO {
            break;
        }
        // Bisect, but never above twice the lower bound: most calls need little more than
        // they used, so the low side is the likelier one (geth's skew).
        let mid = (lo + (hi - lo) / 2).min(lo.saturating_mul(2)).max(lo + 1);
        if run(mid)?.is_success() {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Ok(hi)
}
