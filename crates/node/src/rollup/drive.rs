//! Driving the in-process engine the way a rollup node drives any engine: forkchoiceUpdated
//! (with attributes) → getPayload → newPayload → forkchoiceUpdated. Shared by the verifier
//! (derived attributes) and the sequencer (attributes plus pool txs).
//!
//! Engine operations are synchronous CPU and disk work, so they run under `block_in_place`
//! (the node's runtime is multi-threaded).

use alloy_primitives::B256;
use alloy_rpc_types_engine::{ForkchoiceState, PayloadStatusEnum};
use lamina_engine::{BuiltPayload, EngineError, EngineHandle, PayloadVersion};
use lamina_protocol::Hardfork;
use op_alloy_rpc_types_engine::OpPayloadAttributes;

/// The heads a forkchoice update sets; `None` leaves safe or finalized where they are.
#[derive(Debug, Clone, Copy)]
pub struct Heads {
    /// The new head.
    pub head: B256,
    /// The new safe block.
    pub safe: Option<B256>,
    /// The new finalized block.
    pub finalized: Option<B256>,
}

/// How building a block went.
#[derive(Debug)]
pub enum Built {
    /// The block is the new head.
    Head(Box<BuiltPayload>),
    /// The engine refused the attributes or the payload they made (a bad batch): nothing
    /// changed but a possible rewind of the unsafe chain to the parent.
    Invalid(String),
}

fn fcu_version(handle: &EngineHandle, timestamp: u64) -> PayloadVersion {
    if handle.rollup().is_active(Hardfork::Ecotone, timestamp) {
        PayloadVersion::V3
    } else {
        PayloadVersion::V2
    }
}

/// A forkchoice update without attributes.
pub fn forkchoice(handle: &EngineHandle, heads: Heads) -> Result<(), EngineError> {
    let state = ForkchoiceState {
        head_block_hash: heads.head,
        safe_block_hash: heads.safe.unwrap_or_default(),
        finalized_block_hash: heads.finalized.unwrap_or_default(),
    };
    // Any version moves heads; V3 needs no fork check without attributes.
    let out =
        tokio::task::block_in_place(|| handle.forkchoice_updated(state, None, PayloadVersion::V3))?;
    if out.payload_status.status.is_valid() {
        Ok(())
    } else {
        Err(EngineError::InvalidForkchoiceState(format!(
            "head {} not accepted: {:?}",
            heads.head, out.payload_status.status
        )))
    }
}

/// Builds the block `attrs` describe on `parent` (rewinding the unsafe chain to it if needed),
/// checks it through newPayload and makes it the head; `safe` also makes it safe.
pub fn build_block(
    handle: &EngineHandle,
    parent: B256,
    attrs: OpPayloadAttributes,
    safe: bool,
) -> Result<Built, EngineError> {
    let ts = attrs.payload_attributes.timestamp;
    let state = ForkchoiceState { head_block_hash: parent, ..ForkchoiceState::default() };
    tokio::task::block_in_place(|| {
        let started = match handle.forkchoice_updated(state, Some(attrs), fcu_version(handle, ts)) {
            Ok(s) => s,
            Err(EngineError::InvalidPayloadAttributes(why)) => return Ok(Built::Invalid(why)),
            Err(e) => return Err(e),
        };
        let Some(id) = started.payload_id else {
            return Err(EngineError::InvalidForkchoiceState(format!(
                "parent {parent} not accepted: {:?}",
                started.payload_status.status
            )));
        };
        let version = PayloadVersion::for_payload(handle.builder().forks(), ts);
        let built = match handle.get_payload(id, version) {
            Ok(b) => b,
            Err(EngineError::InvalidPayloadAttributes(why)) => return Ok(Built::Invalid(why)),
            Err(e) => return Err(e),
        };
        let status = handle.new_payload(built.execution_data(), version)?;
        if let PayloadStatusEnum::Invalid { validation_error } = status.status {
            return Ok(Built::Invalid(validation_error));
        }
        let hash = built.hash;
        let state = ForkchoiceState {
            head_block_hash: hash,
            safe_block_hash: if safe { hash } else { B256::ZERO },
            finalized_block_hash: B256::ZERO,
        };
        handle.forkchoice_updated(state, None, PayloadVersion::V3)?;
        Ok(Built::Head(Box::new(built)))
    })
}
