//! Payload building and checking: a job's block built on demand (`getPayload`), and a received
//! payload re-executed on its parent (`newPayload`). Either way the result is a [`Candidate`]
//! that a forkchoice update can make canonical.

use std::sync::Arc;

use alloy_consensus::Block;
use alloy_primitives::{B256, U256};
use alloy_rpc_types_engine::{
    BlobsBundleV1, ExecutionPayloadEnvelopeV2, ExecutionPayloadFieldV2, ExecutionPayloadV3,
    PayloadId, PayloadStatus, PayloadStatusEnum,
};
use lamina_evm::{TxSource, header::next_base_fee};
use lamina_protocol::Hardfork;
use op_alloy_consensus::OpTxEnvelope;
use op_alloy_rpc_types_engine::{
    OpExecutionData, OpExecutionPayloadEnvelopeV3, OpExecutionPayloadEnvelopeV4,
    OpExecutionPayloadV4,
};
use revm::database::WrapDatabaseRef;

use super::{Candidate, EngineError, EngineHandle, convert, lock};
use crate::store::StoreError;

/// Engine API method versions (digest §8.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum PayloadVersion {
    /// Pre-Canyon (Bedrock) forkchoiceUpdated.
    V1 = 1,
    /// Bedrock through Delta.
    V2 = 2,
    /// Ecotone through Holocene (and forkchoiceUpdated from Ecotone on).
    V3 = 3,
    /// Isthmus on (getPayload and newPayload).
    V4 = 4,
}

impl PayloadVersion {
    /// The getPayload/newPayload version of a block at `timestamp` on chain `config`.
    pub fn for_chain(config: &lamina_protocol::RollupConfig, timestamp: u64) -> Self {
        if config.is_active(Hardfork::Isthmus, timestamp) {
            Self::V4
        } else if config.is_active(Hardfork::Ecotone, timestamp) {
            Self::V3
        } else {
            Self::V2
        }
    }

    /// The forkchoiceUpdated version for attributes at `timestamp` on chain `config`.
    pub fn for_forkchoice(config: &lamina_protocol::RollupConfig, timestamp: u64) -> Self {
        if config.is_active(Hardfork::Ecotone, timestamp) {
            Self::V3
        } else if config.is_active(Hardfork::Canyon, timestamp) {
            Self::V2
        } else {
            Self::V1
        }
    }

    /// Whether forkchoiceUpdated of this version may carry attributes for `timestamp`.
    pub(crate) fn fits_attributes(self, forks: &lamina_evm::OpForks, timestamp: u64) -> bool {
        let ecotone = forks.is_active(Hardfork::Ecotone, timestamp);
        match self {
            Self::V1 => !forks.is_active(Hardfork::Canyon, timestamp),
            Self::V2 => !ecotone,
            Self::V3 => ecotone,
            Self::V4 => false,
        }
    }
}

/// A built block as the Engine API returns it.
#[derive(Debug, Clone)]
pub struct BuiltPayload {
    /// The block.
    pub block: Block<OpTxEnvelope>,
    /// Its hash.
    pub hash: B256,
    /// The fee recipient's earnings from priority fees.
    pub block_value: U256,
}

impl BuiltPayload {
    fn of(c: &Candidate) -> Self {
        Self {
            block: convert::block(&c.block),
            hash: c.block.hash,
            block_value: convert::block_value(&c.block),
        }
    }

    /// The execution payload and its sidecar (what `newPayload` takes back).
    pub fn execution_data(&self) -> OpExecutionData {
        OpExecutionData::from_block_unchecked(self.hash, &self.block)
    }

    /// `engine_getPayloadV2`'s response.
    pub fn into_v2(self) -> ExecutionPayloadEnvelopeV2 {
        ExecutionPayloadEnvelopeV2 {
            execution_payload: ExecutionPayloadFieldV2::from_block_unchecked(
                self.hash,
                &self.block,
            ),
            block_value: self.block_value,
        }
    }

    /// `engine_getPayloadV3`'s response.
    pub fn into_v3(self) -> OpExecutionPayloadEnvelopeV3 {
        OpExecutionPayloadEnvelopeV3 {
            execution_payload: ExecutionPayloadV3::from_block_unchecked(self.hash, &self.block),
            block_value: self.block_value,
            blobs_bundle: BlobsBundleV1::new([]),
            should_override_builder: false,
            parent_beacon_block_root: self
                .block
                .header
                .parent_beacon_block_root
                .unwrap_or_default(),
        }
    }

    /// `engine_getPayloadV4`'s response: V3's payload plus the Isthmus `withdrawalsRoot`.
    pub fn into_v4(self) -> OpExecutionPayloadEnvelopeV4 {
        let h = &self.block.header;
        let (pbbr, withdrawals_root) = (
            h.parent_beacon_block_root.unwrap_or_default(),
            h.withdrawals_root.unwrap_or_default(),
        );
        OpExecutionPayloadEnvelopeV4 {
            execution_payload: OpExecutionPayloadV4::from_v3_with_withdrawals_root(
                ExecutionPayloadV3::from_block_unchecked(self.hash, &self.block),
                withdrawals_root,
            ),
            block_value: self.block_value,
            blobs_bundle: BlobsBundleV1::new([]),
            should_override_builder: false,
            parent_beacon_block_root: pbbr,
            execution_requests: Vec::new(),
        }
    }
}

fn invalid(latest_valid: Option<B256>, reason: String) -> PayloadStatus {
    PayloadStatus::new(PayloadStatusEnum::Invalid { validation_error: reason }, latest_valid)
}

impl EngineHandle {
    /// `engine_getPayload`: the block of job `id`, built now if it was not yet (so it takes the
    /// pool's txs as of this call). `version` must be the block's fork's.
    pub fn get_payload(
        &self,
        id: PayloadId,
        version: PayloadVersion,
    ) -> Result<BuiltPayload, EngineError> {
        let mut blocks = lock(&self.inner.blocks);
        let job = blocks.jobs.get(&id).ok_or(EngineError::UnknownPayload)?;
        let want = PayloadVersion::for_chain(&self.inner.config.rollup, job.attrs.timestamp);
        if version != want {
            return Err(EngineError::UnsupportedFork(format!(
                "the payload is {want:?}, not {version:?}"
            )));
        }
        if let Some(c) = &job.built {
            return Ok(BuiltPayload::of(c));
        }
        let (parent, attrs) = (job.parent, job.attrs.clone());
        let c = match self.build(parent, &attrs, true) {
            Ok(c) => Arc::new(c),
            Err(EngineError::Store(StoreError::UnknownBlock(_))) => {
                return Err(EngineError::UnknownPayload);
            }
            Err(e) => return Err(e),
        };
        if let Some(job) = blocks.jobs.get_mut(&id) {
            job.built = Some(c.clone());
        }
        blocks.add_candidate(c.clone());
        tracing::info!(
            target: "lamina::engine",
            number = c.block.header.number,
            hash = %c.block.hash,
            txs = c.block.transactions.len(),
            gas = c.block.header.gas_used,
            "built payload"
        );
        Ok(BuiltPayload::of(&c))
    }

    /// `engine_newPayload`: checks the payload's hash, re-executes it on its parent and compares
    /// the result. `VALID` blocks wait as candidates for the forkchoice update that makes them
    /// canonical; an unknown parent is `SYNCING`.
    pub fn new_payload(
        &self,
        data: OpExecutionData,
        version: PayloadVersion,
    ) -> Result<PayloadStatus, EngineError> {
        let forks = self.inner.builder.forks();
        let ts = data.payload.as_v1().timestamp;
        let want = PayloadVersion::for_chain(&self.inner.config.rollup, ts);
        if version != want {
            return Err(EngineError::UnsupportedFork(format!(
                "a payload at {ts} needs newPayload{want:?}, not {version:?}"
            )));
        }
        let claimed = data.payload.block_hash();
        let (block, raw) = match convert::payload_block(&data) {
            Ok(x) => x,
            Err(e) => return Ok(invalid(None, e)),
        };
        let hash = block.header.hash_slow();
        if hash != claimed {
            return Ok(invalid(
                None,
                format!("blockHash {claimed} is not the payload's header hash {hash}"),
            ));
        }
        let mut blocks = lock(&self.inner.blocks);
        let store = &self.inner.store;
        if blocks.candidates.contains_key(&hash) || store.is_canonical(&hash)? {
            return Ok(PayloadStatus::new(PayloadStatusEnum::Valid, Some(hash)));
        }
        let parent = block.header.parent_hash;
        if store.block_number(&parent)?.is_none() {
            // Side chains deeper than one block are not followed: the rollup node only inserts
            // payloads on a canonical block (digest §8.6).
            return Ok(PayloadStatus::from_status(PayloadStatusEnum::Syncing));
        }
        let attrs = match convert::rebuild_attributes(&block.header, raw, forks) {
            Ok(a) => a,
            Err(e) => return Ok(invalid(Some(parent), e)),
        };
        let c = match self.build(parent, &attrs, false) {
            Ok(c) => c,
            Err(EngineError::InvalidPayloadAttributes(m)) => return Ok(invalid(Some(parent), m)),
            Err(EngineError::Store(StoreError::Pruned { .. })) => {
                return Ok(PayloadStatus::from_status(PayloadStatusEnum::Syncing));
            }
            Err(e) => return Err(e),
        };
        if c.block.hash != hash {
            let why = convert::header_mismatch(&c.block.header, &block.header);
            tracing::warn!(target: "lamina::engine", %hash, why, "invalid payload");
            return Ok(invalid(Some(parent), why));
        }
        blocks.add_candidate(Arc::new(c));
        tracing::debug!(target: "lamina::engine", number = block.header.number, %hash, "payload valid");
        Ok(PayloadStatus::new(PayloadStatusEnum::Valid, Some(hash)))
    }

    /// Executes `attrs` on canonical block `parent`, taking pool txs when `sequencing`. An
    /// invalid input is [`EngineError::InvalidPayloadAttributes`].
    pub(super) fn build(
        &self,
        parent: B256,
        attrs: &lamina_evm::BlockAttributes,
        sequencing: bool,
    ) -> Result<Candidate, EngineError> {
        let store = &self.inner.store;
        let builder = &self.inner.builder;
        let number = store.block_number(&parent)?.ok_or(StoreError::UnknownBlock(u64::MAX))?;
        let header = store.header(number)?.ok_or(StoreError::UnknownBlock(number))?;
        let view = store.state_at(number)?;
        let mut best = None;
        if sequencing && !attrs.no_tx_pool {
            let op = self.inner.config.rollup.chain_op_config();
            let base_fee =
                next_base_fee(builder.forks(), &op, &header).map_err(EngineError::Exec)?;
            best = Some(lock(&self.inner.pool).best(base_fee));
        }
        let limits = self.block_limits();
        let pool = best.as_mut().map(|b| (b as &mut dyn TxSource, limits));
        let started = std::time::Instant::now();
        let block = builder
            .build_known(
                &header,
                parent,
                attrs,
                pool,
                &self.inner.senders,
                WrapDatabaseRef(&view),
                &view,
            )
            .map_err(|e| {
                if e.is_invalid_input() {
                    EngineError::InvalidPayloadAttributes(e.to_string())
                } else {
                    EngineError::Exec(e)
                }
            })?;
        if let Some(m) = self.inner.metrics.get() {
            let root = view.last_root_time();
            m.block(sequencing, started.elapsed().saturating_sub(root), root);
        }
        let update = if view.is_head() {
            Some(view.take_update(&block.bundle, block.header.state_root)?)
        } else {
            None
        };
        Ok(Candidate { block, update })
    }
}
