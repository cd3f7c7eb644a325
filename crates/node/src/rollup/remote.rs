//! An execution engine in another process (op-geth, op-reth, `lamina engine`): the Engine API
//! over HTTP with a JWT (a fresh token every 30 s; engines refuse tokens older than 60 s) and
//! the canonical-chain reads over the same authenticated port's `eth_` methods. Without a JWT
//! it reads a node's public JSON-RPC, which is all a batcher or proposer process needs.
//!
//! Engine API errors keep their meaning (−38003 is invalid attributes, and so on), so the
//! roles treat a remote engine exactly like the in-process one; an unreachable engine is a
//! temporary failure the node's loop waits out. Payloads are Ecotone and later (V3/V4).

use std::{
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

use alloy_consensus::Header;
use alloy_eips::{eip2718::Encodable2718, eip7685::Requests};
use alloy_primitives::{B256, Bytes, U64};
use alloy_rpc_types_engine::{
    Claims, ForkchoiceState, ForkchoiceUpdated, JwtSecret, PayloadId, PayloadStatus,
};
use jsonrpsee::{
    core::{ClientError, client::ClientT, params::ArrayParams},
    http_client::{HeaderMap, HeaderValue, HttpClient, HttpClientBuilder},
    rpc_params,
};
use lamina_engine::{EngineError, PayloadVersion};
use lamina_protocol::block::Forkchoice;
use lamina_protocol::{BlockId, RollupConfig, predeploys::L2_TO_L1_MESSAGE_PASSER};
use op_alloy_rpc_types_engine::{
    OpExecutionData, OpExecutionPayload, OpExecutionPayloadEnvelopeV3,
    OpExecutionPayloadEnvelopeV4, OpPayloadAttributes,
};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{
    RollupError,
    port::{ExecutionEngine, Payload},
};

/// How long one token is used (engines accept ±60 s).
const TOKEN_LIFETIME: Duration = Duration::from_secs(30);

/// A remote engine. Cheap to clone.
#[derive(Clone)]
pub struct RemoteEngine {
    inner: Arc<Inner>,
}

struct Inner {
    url: String,
    /// `None`: a public JSON-RPC port (reads only; enough for the batcher and proposer).
    jwt: Option<JwtSecret>,
    rollup: RollupConfig,
    client: Mutex<Option<(HttpClient, Instant)>>,
}

impl std::fmt::Debug for RemoteEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteEngine").field("url", &self.inner.url).finish_non_exhaustive()
    }
}

/// A client that could not be made (the JWT or its header).
fn no_client(e: impl std::fmt::Display) -> RollupError {
    RollupError::EngineUnreachable(ClientError::Custom(format!("client setup: {e}")))
}

/// Engine API error codes back into their meaning.
fn call_error(e: ClientError) -> RollupError {
    match e {
        ClientError::Call(obj) => {
            let msg = obj.message().to_owned();
            RollupError::Engine(match obj.code() {
                -38001 => EngineError::UnknownPayload,
                -38002 => EngineError::InvalidForkchoiceState(msg),
                -38003 => EngineError::InvalidPayloadAttributes(msg),
                -38005 => EngineError::UnsupportedFork(msg),
                -32602 => EngineError::InvalidParams(msg),
                code => return RollupError::EngineRefused { code, message: msg },
            })
        }
        other => RollupError::EngineUnreachable(other),
    }
}

fn field<T: DeserializeOwned>(v: &Value, name: &str) -> Result<T, RollupError> {
    serde_json::from_value(v[name].clone())
        .map_err(|source| RollupError::EngineAnswer { what: format!("block field {name}"), source })
}

impl RemoteEngine {
    /// An engine at `url` (its authenticated port) sharing secret `jwt`, running chain
    /// `rollup`.
    pub fn new(url: &str, jwt: JwtSecret, rollup: RollupConfig) -> Result<Self, RollupError> {
        Self::with(url, Some(jwt), rollup)
    }

    /// A node's public JSON-RPC at `url`, for reading its chain (heads, blocks, outputs): what
    /// a batcher or proposer in its own process needs. Engine API calls fail there.
    pub fn public(url: &str, rollup: RollupConfig) -> Result<Self, RollupError> {
        Self::with(url, None, rollup)
    }

    fn with(url: &str, jwt: Option<JwtSecret>, rollup: RollupConfig) -> Result<Self, RollupError> {
        let e = Self {
            inner: Arc::new(Inner { url: url.to_owned(), jwt, rollup, client: Mutex::new(None) }),
        };
        e.client()?;
        Ok(e)
    }

    /// A client with a token younger than [`TOKEN_LIFETIME`].
    fn client(&self) -> Result<HttpClient, RollupError> {
        let mut slot = self.inner.client.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((c, at)) = slot.as_ref()
            && at.elapsed() < TOKEN_LIFETIME
        {
            return Ok(c.clone());
        }
        let mut headers = HeaderMap::new();
        if let Some(jwt) = &self.inner.jwt {
            let token = jwt.encode(&Claims::with_current_timestamp()).map_err(no_client)?;
            let bearer = HeaderValue::from_str(&format!("Bearer {token}")).map_err(no_client)?;
            headers.insert("Authorization", bearer);
        }
        let client = HttpClientBuilder::default()
            .set_headers(headers)
            .request_timeout(Duration::from_secs(30))
            .max_response_size(160 * 1024 * 1024)
            .build(&self.inner.url)
            .map_err(RollupError::EngineUnreachable)?;
        *slot = Some((client.clone(), Instant::now()));
        Ok(client)
    }

    async fn call<R: DeserializeOwned>(
        &self,
        method: &str,
        params: ArrayParams,
    ) -> Result<R, RollupError> {
        self.client()?.request(method, params).await.map_err(call_error)
    }

    async fn block_json(&self, at: Value, full: bool) -> Result<Option<Value>, RollupError> {
        let v: Value = self.call("eth_getBlockByNumber", rpc_params![at, full]).await?;
        Ok((!v.is_null()).then_some(v))
    }

    async fn head_at(&self, tag: &str) -> Result<BlockId, RollupError> {
        match self.block_json(Value::from(tag), false).await? {
            Some(b) => {
                let number: U64 = field(&b, "number")?;
                Ok(BlockId { hash: field(&b, "hash")?, number: number.to() })
            }
            // Before any safe or finalized block, genesis is both.
            None => Ok(BlockId { hash: self.inner.rollup.genesis.l2.hash, number: 0 }),
        }
    }
}

fn unsupported(version: PayloadVersion) -> RollupError {
    RollupError::Engine(EngineError::UnsupportedFork(format!(
        "a remote engine is driven from Ecotone on, not with {version:?} payloads"
    )))
}

impl ExecutionEngine for RemoteEngine {
    fn rollup(&self) -> &RollupConfig {
        &self.inner.rollup
    }

    async fn heads(&self) -> Result<Forkchoice, RollupError> {
        Ok(Forkchoice {
            head: self.head_at("latest").await?,
            safe: self.head_at("safe").await?,
            finalized: self.head_at("finalized").await?,
        })
    }

    async fn block(&self, number: u64) -> Result<Option<(Header, Vec<Bytes>)>, RollupError> {
        let Some(v) = self.block_json(Value::from(format!("{number:#x}")), true).await? else {
            return Ok(None);
        };
        let block: alloy_rpc_types_eth::Block<op_alloy_rpc_types::Transaction> =
            serde_json::from_value(v).map_err(|source| RollupError::EngineAnswer {
                what: format!("block {number}"),
                source,
            })?;
        let txs = block
            .transactions
            .into_transactions()
            .map(|t| Bytes::from(t.inner.inner.inner().encoded_2718()))
            .collect();
        Ok(Some((block.header.inner, txs)))
    }

    async fn forkchoice_updated(
        &self,
        state: ForkchoiceState,
        attrs: Option<OpPayloadAttributes>,
        version: PayloadVersion,
    ) -> Result<ForkchoiceUpdated, RollupError> {
        let method = match version {
            PayloadVersion::V1 => "engine_forkchoiceUpdatedV1",
            PayloadVersion::V2 => "engine_forkchoiceUpdatedV2",
            PayloadVersion::V3 | PayloadVersion::V4 => "engine_forkchoiceUpdatedV3",
        };
        self.call(method, rpc_params![state, attrs]).await
    }

    async fn get_payload(
        &self,
        id: PayloadId,
        version: PayloadVersion,
    ) -> Result<Payload, RollupError> {
        let data = match version {
            PayloadVersion::V3 => {
                let env: OpExecutionPayloadEnvelopeV3 =
                    self.call("engine_getPayloadV3", rpc_params![id]).await?;
                OpExecutionData::v3(env.execution_payload, vec![], env.parent_beacon_block_root)
            }
            PayloadVersion::V4 => {
                let env: OpExecutionPayloadEnvelopeV4 =
                    self.call("engine_getPayloadV4", rpc_params![id]).await?;
                OpExecutionData::v4(
                    env.execution_payload,
                    vec![],
                    env.parent_beacon_block_root,
                    Requests::default(),
                )
            }
            other => return Err(unsupported(other)),
        };
        let v1 = data.payload.as_v1();
        Ok(Payload {
            hash: v1.block_hash,
            number: v1.block_number,
            tx_count: v1.transactions.len(),
            data,
        })
    }

    async fn new_payload(
        &self,
        payload: &Payload,
        version: PayloadVersion,
    ) -> Result<PayloadStatus, RollupError> {
        let root = payload.data.sidecar.parent_beacon_block_root().unwrap_or_default();
        let none: Vec<B256> = Vec::new();
        match (&payload.data.payload, version) {
            (OpExecutionPayload::V3(p), PayloadVersion::V3) => {
                self.call("engine_newPayloadV3", rpc_params![p, none, root]).await
            }
            (OpExecutionPayload::V4(p), PayloadVersion::V4) => {
                let requests: Vec<Bytes> = Vec::new();
                self.call("engine_newPayloadV4", rpc_params![p, none, root, requests]).await
            }
            _ => Err(unsupported(version)),
        }
    }

    async fn output_parts(&self, number: u64) -> Result<Option<(B256, B256, B256)>, RollupError> {
        let at = format!("{number:#x}");
        let Some(b) = self.block_json(Value::from(at.clone()), false).await? else {
            return Ok(None);
        };
        let proof: Value = self
            .call("eth_getProof", rpc_params![L2_TO_L1_MESSAGE_PASSER, Vec::<B256>::new(), at])
            .await?;
        Ok(Some((field(&b, "stateRoot")?, field(&proof, "storageHash")?, field(&b, "hash")?)))
    }

    async fn set_max_da_size(
        &self,
        tx: Option<u64>,
        block: Option<u64>,
    ) -> Result<(), RollupError> {
        // 0 means no limit on the wire.
        let q = |v: Option<u64>| U64::from(v.unwrap_or(0));
        let _: bool = self.call("miner_setMaxDASize", rpc_params![q(tx), q(block)]).await?;
        Ok(())
    }
}
