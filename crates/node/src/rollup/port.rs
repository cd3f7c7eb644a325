//! The execution engine as the rollup node's roles see it: the Engine API's three operations
//! and the few canonical-chain reads derivation needs. Two implementations: the in-process
//! [`EngineHandle`] (direct calls, store reads) and [`RemoteEngine`](super::remote) (the Engine
//! API over HTTP with JWT and `eth_` reads, for op-geth, op-reth or `lamina engine`).

use std::future::Future;

use alloy_consensus::Header;
use alloy_eips::eip7685::{EMPTY_REQUESTS_HASH, RequestsOrHash};
use alloy_primitives::{B256, Bytes};
use alloy_rpc_types_engine::{CancunPayloadFields, PraguePayloadFields};
use alloy_rpc_types_engine::{ForkchoiceState, ForkchoiceUpdated, PayloadId, PayloadStatus};
use lamina_engine::{EngineHandle, PayloadVersion};
use lamina_protocol::block::Forkchoice;
use lamina_protocol::{RollupConfig, predeploys::L2_TO_L1_MESSAGE_PASSER};
use op_alloy_rpc_types_engine::{
    OpExecutionData, OpExecutionPayload, OpExecutionPayloadSidecar, OpPayloadAttributes,
};

use super::RollupError;

/// A built payload: what newPayload takes back, with the block's identity.
#[derive(Debug, Clone)]
pub struct Payload {
    /// Payload and sidecar.
    pub data: OpExecutionData,
    /// Block hash.
    pub hash: B256,
    /// Block number.
    pub number: u64,
    /// Transactions in the block.
    pub tx_count: usize,
}

impl Payload {
    /// The payload of a block from the network (gossip, `admin_postUnsafePayload`) and its
    /// parent beacon block root, with the sidecar the engine gives its own payloads.
    pub fn from_network(payload: &OpExecutionPayload, beacon_root: Option<B256>) -> Self {
        let root = beacon_root.unwrap_or_default();
        let data = match payload {
            OpExecutionPayload::V3(p) => OpExecutionData::v3(p.clone(), Vec::new(), root),
            // The engine's own payloads carry the empty requests by hash; so do these.
            OpExecutionPayload::V4(p) => OpExecutionData::new(
                OpExecutionPayload::V4(p.clone()),
                OpExecutionPayloadSidecar::v4(
                    CancunPayloadFields::new(root, Vec::new()),
                    PraguePayloadFields::new(RequestsOrHash::Hash(EMPTY_REQUESTS_HASH)),
                ),
            ),
            other => OpExecutionData::new(other.clone(), OpExecutionPayloadSidecar::default()),
        };
        let v1 = payload.as_v1();
        Self { hash: v1.block_hash, number: v1.block_number, tx_count: v1.transactions.len(), data }
    }
}

/// What the roles need of an engine. Errors keep the Engine API's meaning as
/// [`RollupError::Engine`] variants (invalid attributes, unknown payload, …), so the roles
/// treat a local and a remote engine alike.
pub trait ExecutionEngine: Clone + Send + Sync + 'static {
    /// The chain.
    fn rollup(&self) -> &RollupConfig;

    /// Head, safe and finalized.
    fn heads(&self) -> impl Future<Output = Result<Forkchoice, RollupError>> + Send;

    /// Canonical block `number`: its header and txs (EIP-2718 bytes).
    fn block(
        &self,
        number: u64,
    ) -> impl Future<Output = Result<Option<(Header, Vec<Bytes>)>, RollupError>> + Send;

    /// `engine_forkchoiceUpdated`.
    fn forkchoice_updated(
        &self,
        state: ForkchoiceState,
        attrs: Option<OpPayloadAttributes>,
        version: PayloadVersion,
    ) -> impl Future<Output = Result<ForkchoiceUpdated, RollupError>> + Send;

    /// `engine_getPayload`.
    fn get_payload(
        &self,
        id: PayloadId,
        version: PayloadVersion,
    ) -> impl Future<Output = Result<Payload, RollupError>> + Send;

    /// `engine_newPayload`.
    fn new_payload(
        &self,
        payload: &Payload,
        version: PayloadVersion,
    ) -> impl Future<Output = Result<PayloadStatus, RollupError>> + Send;

    /// The state root and the L2ToL1MessagePasser's storage root of canonical block `number`,
    /// and its hash (an output root's parts).
    fn output_parts(
        &self,
        number: u64,
    ) -> impl Future<Output = Result<Option<(B256, B256, B256)>, RollupError>> + Send;

    /// Limits the estimated DA bytes of each tx and of each block it builds (`None`: no
    /// limit), as op-geth's `miner_setMaxDASize`: the batcher's throttle.
    fn set_max_da_size(
        &self,
        tx: Option<u64>,
        block: Option<u64>,
    ) -> impl Future<Output = Result<(), RollupError>> + Send;

    /// Tells the engine how far the node is from the chain's tip, for its `eth_syncing`
    /// (`None`: caught up). An engine in another process has its own view; nothing is sent.
    fn report_sync(&self, progress: Option<alloy_rpc_types_eth::SyncInfo>) {
        let _ = progress;
    }

    /// Hands the engine txs of blocks about to be executed, to recover their senders ahead
    /// of them. An engine in another process gets nothing (the Engine API has no such call).
    fn prefetch_senders(&self, txs: Vec<Bytes>) {
        let _ = txs;
    }
}

impl ExecutionEngine for EngineHandle {
    fn rollup(&self) -> &RollupConfig {
        Self::rollup(self)
    }

    fn report_sync(&self, progress: Option<alloy_rpc_types_eth::SyncInfo>) {
        self.set_sync_progress(progress);
    }

    fn prefetch_senders(&self, txs: Vec<Bytes>) {
        Self::prefetch_senders(self, txs);
    }

    async fn heads(&self) -> Result<Forkchoice, RollupError> {
        Ok(self.store().forkchoice()?)
    }

    async fn block(&self, number: u64) -> Result<Option<(Header, Vec<Bytes>)>, RollupError> {
        let Some(header) = self.store().header(number)? else { return Ok(None) };
        let txs = self.store().block_transactions(number)?.unwrap_or_default();
        Ok(Some((header, txs)))
    }

    async fn forkchoice_updated(
        &self,
        state: ForkchoiceState,
        attrs: Option<OpPayloadAttributes>,
        version: PayloadVersion,
    ) -> Result<ForkchoiceUpdated, RollupError> {
        Ok(tokio::task::block_in_place(|| Self::forkchoice_updated(self, state, attrs, version))?)
    }

    async fn get_payload(
        &self,
        id: PayloadId,
        version: PayloadVersion,
    ) -> Result<Payload, RollupError> {
        let built = tokio::task::block_in_place(|| Self::get_payload(self, id, version))?;
        Ok(Payload {
            data: built.execution_data(),
            hash: built.hash,
            number: built.block.header.number,
            tx_count: built.block.body.transactions.len(),
        })
    }

    async fn new_payload(
        &self,
        payload: &Payload,
        version: PayloadVersion,
    ) -> Result<PayloadStatus, RollupError> {
        Ok(tokio::task::block_in_place(|| Self::new_payload(self, payload.data.clone(), version))?)
    }

    async fn output_parts(&self, number: u64) -> Result<Option<(B256, B256, B256)>, RollupError> {
        let store = self.store();
        let Some(header) = store.header(number)? else { return Ok(None) };
        let view = store.state_at(number)?;
        let passer = view.account(&L2_TO_L1_MESSAGE_PASSER)?;
        let storage_root = passer.map(|a| a.storage_root).unwrap_or(alloy_trie::EMPTY_ROOT_HASH);
        Ok(Some((header.state_root, storage_root, header.hash_slow())))
    }

    async fn set_max_da_size(
        &self,
        tx: Option<u64>,
        block: Option<u64>,
    ) -> Result<(), RollupError> {
        Self::set_max_da_size(self, tx, block);
        Ok(())
    }
}
