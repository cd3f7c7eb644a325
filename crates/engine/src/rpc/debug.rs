//! `debug_executionWitness`: the witness of one canonical block (see
//! [`EngineHandle::execution_witness`]); `debug_executePayload` (reth's): the witness of
//! building given payload attributes on a canonical parent, valid block or not (see
//! [`EngineHandle::payload_witness`]). Both execute blocks, so they are served on the
//! authenticated port, and on the public one only when the operator asks
//! ([`RpcConfig::debug`](super::RpcConfig::debug)): a public caller could otherwise make the
//! node execute blocks at will.

use alloy_eips::BlockNumberOrTag;
use alloy_primitives::B256;
use jsonrpsee::RpcModule;
use lamina_evm::BlockAttributes;
use op_alloy_rpc_types_engine::OpPayloadAttributes;

use super::{
    error::{invalid_params, server},
    eth::RpcResult,
};
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

/// Adds `debug_executionWitness` and `debug_executePayload` to `m`.
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
    m.register_blocking_method("debug_executePayload", |p, h, _| -> RpcResult<ExecutionWitness> {
        let (parent, attrs): (B256, OpPayloadAttributes) = p.parse()?;
        let attrs = BlockAttributes::try_from(&attrs).map_err(|e| invalid_params(e.to_string()))?;
        h.payload_witness(parent, &attrs).map_err(|e| server(e.to_string()))
    })?;
    Ok(())
}
