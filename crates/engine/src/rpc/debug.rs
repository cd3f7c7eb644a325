//! `debug_executionWitness`: the witness of one canonical block (see
//! [`EngineHandle::execution_witness`]). It re-executes the block, so it is served on the
//! authenticated port, and on the public one only when the operator asks
//! ([`RpcConfig::debug`](super::RpcConfig::debug)): a public caller could otherwise make the
//! node execute old blocks at will.

use alloy_eips::BlockNumberOrTag;
use jsonrpsee::RpcModule;

use super::{error::server, eth::RpcResult};
use crate::service::{EngineHandle, ExecutionWitness};

/// The block `at` names on `handle`'s chain.
fn resolve(handle: &EngineHandle, at: BlockNumberOrTag) -> RpcResult<u64> {
    let heads = handle.store().forkchoice().map_err(|e| server(e.to_string()))?;
    Ok(match at {
        BlockNumberOrTag::Number(n) => n,
        BlockNumberOrTag::Latest | BlockNumberOrTag::Pending => heads.head.number,
        BlockNumberOrTag::Safe => heads.safe.number,
        BlockNumberOrTag::Finalized => heads.finalized.number,
        BlockNumberOrTag::Earliest => 0,
    })
}

/// Adds `debug_executionWitness` to `m`.
pub fn register(
    m: &mut RpcModule<EngineHandle>,
) -> Result<(), jsonrpsee::core::RegisterMethodError> {
    m.register_blocking_method(
        "debug_executionWitness",
        |p, h, _| -> RpcResult<ExecutionWitness> {
            let (at,): (BlockNumberOrTag,) = p.parse()?;
            let number = resolve(&h, at)?;
            h.execution_witness(number).map_err(|e| server(e.to_string()))
        },
    )?;
    Ok(())
}
