//! The node a challenger trusts: a verifier's engine (in process, or any engine's public RPC)
//! or a verifier's rollup RPC (`optimism_syncStatus`, `optimism_outputAtBlock`), as
//! op-challenger reads op-node.

use std::future::Future;

use alloy_primitives::{B256, U64};
use jsonrpsee::{
    core::client::ClientT,
    http_client::{HttpClient, HttpClientBuilder},
    rpc_params,
};
use serde_json::Value;

use super::ChallengerError;
use crate::rollup::{ExecutionEngine, rpc::output_at};

/// A node whose outputs the challenger trusts.
pub trait TrustedOutputs: Send + Sync {
    /// The newest L2 block whose output may be compared (the node's safe or finalized head).
    fn trusted_head(&self) -> impl Future<Output = Result<u64, ChallengerError>> + Send;

    /// The output root of L2 block `number`.
    fn output_root(
        &self,
        number: u64,
    ) -> impl Future<Output = Result<B256, ChallengerError>> + Send;
}

/// An engine (a verifier's, in process or over its public RPC) as the trusted node.
#[derive(Debug, Clone)]
pub struct EngineOutputs<E> {
    engine: E,
    finalized_only: bool,
}

impl<E> EngineOutputs<E> {
    /// Trusts `engine`'s safe head, or only its finalized head.
    pub const fn new(engine: E, finalized_only: bool) -> Self {
        Self { engine, finalized_only }
    }
}

impl<E: ExecutionEngine> TrustedOutputs for EngineOutputs<E> {
    async fn trusted_head(&self) -> Result<u64, ChallengerError> {
        let heads = self.engine.heads().await?;
        Ok(if self.finalized_only { heads.finalized.number } else { heads.safe.number })
    }

    async fn output_root(&self, number: u64) -> Result<B256, ChallengerError> {
        Ok(output_at(&self.engine, number).await?.0.hash())
    }
}

/// A verifier node's rollup RPC.
#[derive(Debug, Clone)]
pub struct RollupRpcOutputs {
    client: HttpClient,
    finalized_only: bool,
}

impl RollupRpcOutputs {
    /// The rollup RPC at `url`, trusting its safe head (or only its finalized head).
    pub fn new(url: &str, finalized_only: bool) -> Result<Self, ChallengerError> {
        let client = HttpClientBuilder::default()
            .request_timeout(std::time::Duration::from_secs(30))
            .build(url)
            .map_err(ChallengerError::RollupRpc)?;
        Ok(Self { client, finalized_only })
    }
}

impl TrustedOutputs for RollupRpcOutputs {
    async fn trusted_head(&self) -> Result<u64, ChallengerError> {
        let status: Value = self
            .client
            .request("optimism_syncStatus", rpc_params![])
            .await
            .map_err(ChallengerError::RollupRpc)?;
        let head = if self.finalized_only { "finalized_l2" } else { "safe_l2" };
        status[head]["number"]
            .as_u64()
            .ok_or(ChallengerError::RollupAnswer("optimism_syncStatus without an L2 head number"))
    }

    async fn output_root(&self, number: u64) -> Result<B256, ChallengerError> {
        let out: Value = self
            .client
            .request("optimism_outputAtBlock", rpc_params![U64::from(number)])
            .await
            .map_err(ChallengerError::RollupRpc)?;
        serde_json::from_value(out["outputRoot"].clone()).map_err(|_| {
            ChallengerError::RollupAnswer("optimism_outputAtBlock without an outputRoot")
        })
    }
}
