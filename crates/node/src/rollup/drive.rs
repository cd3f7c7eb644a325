//! Driving an engine the way a rollup node drives any engine, over its [`ExecutionEngine`]
//! port: building a block with the Engine API's one sequence (shared with the dev sequencer),
//! plain forkchoice updates, and inserting an unsafe block. Used by the verifier (derived
//! attributes), the sequencer (attributes plus pool txs) and the node's inbox (peers' blocks).

use alloy_primitives::B256;
use alloy_rpc_types_engine::{
    ForkchoiceState, ForkchoiceUpdated, PayloadId, PayloadStatus, PayloadStatusEnum,
};
pub use lamina_engine::service::build::{Built, Mark};
use lamina_engine::{
    EngineError, PayloadVersion,
    service::build::{self, EngineApi},
};
use lamina_protocol::RollupConfig;
use op_alloy_rpc_types_engine::OpPayloadAttributes;

use super::{
    RollupError,
    port::{ExecutionEngine, Payload},
};

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

/// Builds the block `attrs` describe on `parent` through `engine` with the Engine API's one
/// sequence ([`build_block`](lamina_engine::service::build::build_block)), making it the head
/// marked as `mark` says.
pub async fn build_block(
    engine: &impl ExecutionEngine,
    parent: B256,
    attrs: OpPayloadAttributes,
    mark: Mark,
) -> Result<Built<Payload>, RollupError> {
    build::build_block(&Port(engine), parent, attrs, mark).await
}

/// The rollup node's engine port as the Engine API the build sequence speaks.
struct Port<'a, E>(&'a E);

impl<E: ExecutionEngine> EngineApi for Port<'_, E> {
    type Payload = Payload;
    type Error = RollupError;

    fn chain(&self) -> &RollupConfig {
        self.0.rollup()
    }

    fn payload_hash(payload: &Payload) -> B256 {
        payload.hash
    }

    fn refusal(error: &RollupError) -> Option<&str> {
        match error {
            RollupError::Engine(EngineError::InvalidPayloadAttributes(why)) => Some(why),
            _ => None,
        }
    }

    async fn fcu(
        &self,
        state: ForkchoiceState,
        attrs: Option<OpPayloadAttributes>,
        version: PayloadVersion,
    ) -> Result<ForkchoiceUpdated, RollupError> {
        self.0.forkchoice_updated(state, attrs, version).await
    }

    async fn payload(
        &self,
        id: PayloadId,
        version: PayloadVersion,
    ) -> Result<Payload, RollupError> {
        self.0.get_payload(id, version).await
    }

    async fn check(
        &self,
        payload: &Payload,
        version: PayloadVersion,
    ) -> Result<PayloadStatus, RollupError> {
        self.0.new_payload(payload, version).await
    }
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
