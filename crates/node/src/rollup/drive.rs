//! Driving an engine the way a rollup node drives any engine: forkchoiceUpdated (with
//! attributes) → getPayload → newPayload → forkchoiceUpdated. Shared by the verifier (derived
//! attributes) and the sequencer (attributes plus pool txs).

use alloy_primitives::B256;
use alloy_rpc_types_engine::{ForkchoiceState, PayloadStatusEnum};
use lamina_engine::{EngineError, PayloadVersion};
use lamina_protocol::Hardfork;
use op_alloy_rpc_types_engine::OpPayloadAttributes;

use super::{
    RollupError,
    port::{ExecutionEngine, Payload},
};

/// How building a block went.
#[derive(Debug)]
pub enum Built {
    /// The block is the new head.
    Head(Box<Payload>),
    /// The engine refused the attributes or the payload they made (a bad batch): nothing
    /// changed but a possible rewind of the unsafe chain to the parent.
    Invalid(String),
}

/// The forkchoiceUpdated version for attributes at `timestamp`.
fn fcu_version(engine: &impl ExecutionEngine, timestamp: u64) -> PayloadVersion {
    let cfg = engine.rollup();
    if cfg.is_active(Hardfork::Ecotone, timestamp) {
        PayloadVersion::V3
    } else if cfg.is_active(Hardfork::Canyon, timestamp) {
        PayloadVersion::V2
    } else {
        PayloadVersion::V1
    }
}

/// A forkchoice update without attributes; a zero safe or finalized hash leaves that head
/// where it is.
pub async fn forkchoice(
    engine: &impl ExecutionEngine,
    state: ForkchoiceState,
) -> Result<(), RollupError> {
    let out = engine.forkchoice_updated(state, None, PayloadVersion::V3).await?;
    if out.payload_status.status.is_valid() {
        Ok(())
    } else {
        Err(RollupError::Engine(EngineError::InvalidForkchoiceState(format!(
            "head {} not accepted: {:?}",
            state.head_block_hash, out.payload_status.status
        ))))
    }
}

/// Builds the block `attrs` describe on `parent` (rewinding the unsafe chain to it if needed),
/// checks it through newPayload and makes it the head; `safe` also makes it safe.
pub async fn build_block(
    engine: &impl ExecutionEngine,
    parent: B256,
    attrs: OpPayloadAttributes,
    safe: bool,
) -> Result<Built, RollupError> {
    let ts = attrs.payload_attributes.timestamp;
    let state = ForkchoiceState { head_block_hash: parent, ..ForkchoiceState::default() };
    let started = match engine.forkchoice_updated(state, Some(attrs), fcu_version(engine, ts)).await
    {
        Ok(s) => s,
        Err(RollupError::Engine(EngineError::InvalidPayloadAttributes(why))) => {
            return Ok(Built::Invalid(why));
        }
        Err(e) => return Err(e),
    };
    let Some(id) = started.payload_id else {
        return Err(RollupError::Engine(EngineError::InvalidForkchoiceState(format!(
            "parent {parent} not accepted: {:?}",
            started.payload_status.status
        ))));
    };
    let version = PayloadVersion::for_chain(engine.rollup(), ts);
    let built = match engine.get_payload(id, version).await {
        Ok(b) => b,
        Err(RollupError::Engine(EngineError::InvalidPayloadAttributes(why))) => {
            return Ok(Built::Invalid(why));
        }
        Err(e) => return Err(e),
    };
    let status = engine.new_payload(&built, version).await?;
    if let PayloadStatusEnum::Invalid { validation_error } = status.status {
        return Ok(Built::Invalid(validation_error));
    }
    let hash = built.hash;
    let state = ForkchoiceState {
        head_block_hash: hash,
        safe_block_hash: if safe { hash } else { B256::ZERO },
        finalized_block_hash: B256::ZERO,
    };
    engine.forkchoice_updated(state, None, PayloadVersion::V3).await?;
    Ok(Built::Head(Box::new(built)))
}

/// What became of an unsafe payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inserted {
    /// It is the new head.
    Head(B256),
    /// It does not build on the head (a gap, a fork, or a block already there): left out.
    NotOnHead,
    /// The engine found it invalid.
    Invalid(String),
}

/// Inserts an unsafe block (newPayload) and makes it the head (forkchoiceUpdated) when it
/// builds on the head; the safe and finalized heads stay.
pub async fn insert_unsafe(
    engine: &impl ExecutionEngine,
    payload: &Payload,
) -> Result<Inserted, RollupError> {
    let head = engine.heads().await?.head;
    if payload.data.payload.parent_hash() != head.hash {
        return Ok(Inserted::NotOnHead);
    }
    let ts = payload.data.payload.timestamp();
    let status =
        engine.new_payload(payload, PayloadVersion::for_chain(engine.rollup(), ts)).await?;
    match status.status {
        PayloadStatusEnum::Valid | PayloadStatusEnum::Accepted => {}
        PayloadStatusEnum::Invalid { validation_error } => {
            return Ok(Inserted::Invalid(validation_error));
        }
        PayloadStatusEnum::Syncing => return Ok(Inserted::NotOnHead),
    }
    // The hash the engine checked, not the one the sender claims beside it.
    let hash = payload.data.payload.block_hash();
    let fcu = ForkchoiceState { head_block_hash: hash, ..ForkchoiceState::default() };
    forkchoice(engine, fcu).await?;
    Ok(Inserted::Head(hash))
}
