//! Building a block through the Engine API, the one sequence every caller uses:
//! forkchoiceUpdated with attributes (on the parent) → getPayload → newPayload →
//! forkchoiceUpdated making it the head (and, as asked, safe or final). The rollup node runs it
//! over any engine, in process or remote; the dev sequencer runs it on the [`EngineHandle`].
//!
//! An engine that refuses the attributes or the payload they made (a bad batch) is an answer,
//! [`Built::Invalid`], not an error: the caller decides what a refused block means.

use std::future::Future;

use alloy_primitives::B256;
use alloy_rpc_types_engine::{
    ForkchoiceState, ForkchoiceUpdated, PayloadId, PayloadStatus, PayloadStatusEnum,
};
use lamina_protocol::RollupConfig;
use op_alloy_rpc_types_engine::OpPayloadAttributes;

use super::{BuiltPayload, EngineError, EngineHandle, PayloadVersion};

/// The Engine API operations a block is built with.
pub trait EngineApi: Sync {
    /// What getPayload returns and newPayload takes.
    type Payload: Send + Sync;
    /// A failed call.
    type Error: From<EngineError> + Send;

    /// The chain.
    fn chain(&self) -> &RollupConfig;

    /// The block hash of `payload`.
    fn payload_hash(payload: &Self::Payload) -> B256;

    /// The reason, when `error` is the engine refusing attributes (a bad block) rather than
    /// failing.
    fn refusal(error: &Self::Error) -> Option<&str>;

    /// `engine_forkchoiceUpdated`.
    fn fcu(
        &self,
        state: ForkchoiceState,
        attrs: Option<OpPayloadAttributes>,
        version: PayloadVersion,
    ) -> impl Future<Output = Result<ForkchoiceUpdated, Self::Error>> + Send;

    /// `engine_getPayload`.
    fn payload(
        &self,
        id: PayloadId,
        version: PayloadVersion,
    ) -> impl Future<Output = Result<Self::Payload, Self::Error>> + Send;

    /// `engine_newPayload`.
    fn check(
        &self,
        payload: &Self::Payload,
        version: PayloadVersion,
    ) -> impl Future<Output = Result<PayloadStatus, Self::Error>> + Send;
}

/// How far a built block goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// The head only (a sequencer's unsafe block).
    Unsafe,
    /// The head and the safe block (a derived block).
    Safe,
    /// Head, safe and finalized (a dev chain with no L1 to wait for).
    Final,
}

/// How building a block went.
#[derive(Debug)]
pub enum Built<P> {
    /// The block is the new head.
    Head(P),
    /// The engine refused the attributes or the payload they made; nothing changed but a
    /// possible rewind of the unsafe chain to the parent.
    Invalid(String),
}

/// Builds the block `attrs` describe on `parent` (rewinding the unsafe chain to it if needed),
/// checks it through newPayload and makes it the head, marked as `mark` says.
pub async fn build_block<A: EngineApi>(
    api: &A,
    parent: B256,
    attrs: OpPayloadAttributes,
    mark: Mark,
) -> Result<Built<A::Payload>, A::Error> {
    let ts = attrs.payload_attributes.timestamp;
    let state = ForkchoiceState { head_block_hash: parent, ..ForkchoiceState::default() };
    let started =
        match api.fcu(state, Some(attrs), PayloadVersion::for_forkchoice(api.chain(), ts)).await {
            Ok(s) => s,
            Err(e) => return refused::<A>(e),
        };
    let Some(id) = started.payload_id else {
        return Err(EngineError::InvalidForkchoiceState(format!(
            "parent {parent} not accepted: {:?}",
            started.payload_status.status
        ))
        .into());
    };
    let version = PayloadVersion::for_chain(api.chain(), ts);
    let built = match api.payload(id, version).await {
        Ok(b) => b,
        Err(e) => return refused::<A>(e),
    };
    let status = api.check(&built, version).await?;
    if let PayloadStatusEnum::Invalid { validation_error } = status.status {
        return Ok(Built::Invalid(validation_error));
    }
    let hash = A::payload_hash(&built);
    let state = ForkchoiceState {
        head_block_hash: hash,
        safe_block_hash: if mark == Mark::Unsafe { B256::ZERO } else { hash },
        finalized_block_hash: if mark == Mark::Final { hash } else { B256::ZERO },
    };
    api.fcu(state, None, PayloadVersion::V3).await?;
    Ok(Built::Head(built))
}

fn refused<A: EngineApi>(e: A::Error) -> Result<Built<A::Payload>, A::Error> {
    match A::refusal(&e) {
        Some(why) => Ok(Built::Invalid(why.to_owned())),
        None => Err(e),
    }
}

/// The engine itself, called directly.
impl EngineApi for EngineHandle {
    type Payload = BuiltPayload;
    type Error = EngineError;

    fn chain(&self) -> &RollupConfig {
        self.rollup()
    }

    fn payload_hash(payload: &BuiltPayload) -> B256 {
        payload.hash
    }

    fn refusal(error: &EngineError) -> Option<&str> {
        match error {
            EngineError::InvalidPayloadAttributes(why) => Some(why),
            _ => None,
        }
    }

    async fn fcu(
        &self,
        state: ForkchoiceState,
        attrs: Option<OpPayloadAttributes>,
        version: PayloadVersion,
    ) -> Result<ForkchoiceUpdated, EngineError> {
        self.forkchoice_updated(state, attrs, version)
    }

    async fn payload(
        &self,
        id: PayloadId,
        version: PayloadVersion,
    ) -> Result<BuiltPayload, EngineError> {
        self.get_payload(id, version)
    }

    async fn check(
        &self,
        payload: &BuiltPayload,
        version: PayloadVersion,
    ) -> Result<PayloadStatus, EngineError> {
        self.new_payload(payload.execution_data(), version)
    }
}
