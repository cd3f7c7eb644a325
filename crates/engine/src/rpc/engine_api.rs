//! The Engine API methods (`engine_*`) on an [`EngineHandle`]: forkchoiceUpdated V1–V3,
//! getPayload V2–V4 and newPayload V2–V4 with the OP extensions, exchangeCapabilities and
//! getClientVersionV1 — and op-geth's `miner_setMaxDASize`, the batcher's throttle. Which version serves which fork is the handle's check (digest §8.2).

use alloy_primitives::{B256, Bytes};
use alloy_rpc_types_engine::{
    ClientCode, ClientVersionV1, ExecutionPayloadInputV2, ExecutionPayloadV3, ForkchoiceState,
    PayloadId,
};
use jsonrpsee::{RpcModule, types::ErrorObjectOwned};
use op_alloy_rpc_types_engine::{OpExecutionData, OpExecutionPayloadV4, OpPayloadAttributes};

use super::error::{engine, invalid_params};
use crate::service::{EngineHandle, PayloadVersion};

type RpcResult<T> = Result<T, ErrorObjectOwned>;

/// The methods this engine serves (also its `engine_exchangeCapabilities` answer).
pub const CAPABILITIES: &[&str] = &[
    "engine_forkchoiceUpdatedV1",
    "engine_forkchoiceUpdatedV2",
    "engine_forkchoiceUpdatedV3",
    "engine_getPayloadV2",
    "engine_getPayloadV3",
    "engine_getPayloadV4",
    "engine_newPayloadV2",
    "engine_newPayloadV3",
    "engine_newPayloadV4",
    "engine_getClientVersionV1",
];

/// The `engine_` module.
pub fn module(handle: EngineHandle) -> RpcModule<EngineHandle> {
    let mut m = RpcModule::new(handle);
    register(&mut m).unwrap_or_else(|e| unreachable!("method names are unique: {e}"));
    m
}

fn register(m: &mut RpcModule<EngineHandle>) -> Result<(), jsonrpsee::core::RegisterMethodError> {
    for (name, version) in [
        ("engine_forkchoiceUpdatedV1", PayloadVersion::V1),
        ("engine_forkchoiceUpdatedV2", PayloadVersion::V2),
        ("engine_forkchoiceUpdatedV3", PayloadVersion::V3),
    ] {
        m.register_blocking_method(name, move |params, h, _| {
            let mut seq = params.sequence();
            let state: ForkchoiceState = seq.next()?;
            let attrs: Option<OpPayloadAttributes> = seq.optional_next()?;
            h.forkchoice_updated(state, attrs, version).map_err(engine)
        })?;
    }
    m.register_blocking_method("engine_getPayloadV2", |params, h, _| -> RpcResult<_> {
        let id: PayloadId = params.one()?;
        Ok(h.get_payload(id, PayloadVersion::V2).map_err(engine)?.into_v2())
    })?;
    m.register_blocking_method("engine_getPayloadV3", |params, h, _| -> RpcResult<_> {
        let id: PayloadId = params.one()?;
        Ok(h.get_payload(id, PayloadVersion::V3).map_err(engine)?.into_v3())
    })?;
    m.register_blocking_method("engine_getPayloadV4", |params, h, _| -> RpcResult<_> {
        let id: PayloadId = params.one()?;
        Ok(h.get_payload(id, PayloadVersion::V4).map_err(engine)?.into_v4())
    })?;
    m.register_blocking_method("engine_newPayloadV2", |params, h, _| {
        let payload: ExecutionPayloadInputV2 = params.one()?;
        h.new_payload(OpExecutionData::v2(payload), PayloadVersion::V2).map_err(engine)
    })?;
    m.register_blocking_method("engine_newPayloadV3", |params, h, _| {
        let (payload, hashes, root): (ExecutionPayloadV3, Vec<B256>, B256) = params.parse()?;
        h.new_payload(OpExecutionData::v3(payload, hashes, root), PayloadVersion::V3)
            .map_err(engine)
    })?;
    m.register_blocking_method("engine_newPayloadV4", |params, h, _| {
        let (payload, hashes, root, requests): (OpExecutionPayloadV4, Vec<B256>, B256, Vec<Bytes>) =
            params.parse()?;
        let requests = alloy_eips::eip7685::Requests::new(requests);
        h.new_payload(OpExecutionData::v4(payload, hashes, root, requests), PayloadVersion::V4)
            .map_err(engine)
    })?;
    // op-geth's throttle for batchers; on the authenticated port only, since it changes what
    // the sequencer builds. Not an `engine_` method, so not among the capabilities.
    m.register_method("miner_setMaxDASize", |params, h, _| -> RpcResult<bool> {
        let (tx, block): (alloy_primitives::U64, alloy_primitives::U64) = params.parse()?;
        let limit = |v: alloy_primitives::U64| (v.to::<u64>() != 0).then(|| v.to::<u64>());
        h.set_max_da_size(limit(tx), limit(block));
        Ok(true)
    })?;
    m.register_method("engine_exchangeCapabilities", |params, _, _| -> RpcResult<_> {
        // The caller's list is informative only; a malformed one is still an error.
        let _theirs: Vec<String> = params.one()?;
        Ok(CAPABILITIES.to_vec())
    })?;
    m.register_method("engine_getClientVersionV1", |params, _, _| -> RpcResult<_> {
        let _theirs: ClientVersionV1 =
            params.one().map_err(|e| invalid_params(format!("client version: {e}")))?;
        Ok(vec![ClientVersionV1 {
            code: ClientCode::RH,
            name: "lamina".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            commit: "00000000".into(),
        }])
    })?;
    Ok(())
}
