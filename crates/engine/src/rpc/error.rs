//! JSON-RPC error objects: the standard codes, the Engine API's (-38001 …) and the
//! execution-apis conventions for transaction and call failures (-32000, 3 for reverts).

use jsonrpsee::types::{ErrorObjectOwned, error::INTERNAL_ERROR_CODE};

use crate::{pool::PoolError, service::EngineError, store::StoreError};

/// `-32602`.
pub fn invalid_params(msg: impl Into<String>) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(-32602, msg.into(), None::<()>)
}

/// `-32603`, logged: the node is at fault.
pub fn internal(msg: impl std::fmt::Display) -> ErrorObjectOwned {
    tracing::error!(target: "lamina::rpc", error = %msg, "internal error");
    ErrorObjectOwned::owned(INTERNAL_ERROR_CODE, msg.to_string(), None::<()>)
}

/// `-32000`: the request is well-formed but cannot be served (unknown block, pruned state,
/// a tx the pool refuses).
pub fn server(msg: impl Into<String>) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(-32000, msg.into(), None::<()>)
}

/// An engine failure as the Engine API reports it.
pub fn engine(e: EngineError) -> ErrorObjectOwned {
    let code = match &e {
        EngineError::UnknownPayload => -38001,
        EngineError::InvalidForkchoiceState(_) => -38002,
        EngineError::InvalidPayloadAttributes(_) => -38003,
        EngineError::UnsupportedFork(_) => -38005,
        EngineError::InvalidParams(_) => -32602,
        _ => return internal(e),
    };
    ErrorObjectOwned::owned(code, e.to_string(), None::<()>)
}

/// A store failure: a block or state the caller asked for that isn't there is their problem.
pub fn store(e: StoreError) -> ErrorObjectOwned {
    match e {
        StoreError::UnknownBlock(_) | StoreError::Pruned { .. } => server(e.to_string()),
        other => internal(other),
    }
}

/// A transaction the pool refuses, with geth's wording where clients match on it.
pub fn pool(e: PoolError) -> ErrorObjectOwned {
    match e {
        PoolError::State(_) => internal(e),
        other => server(other.to_string()),
    }
}
