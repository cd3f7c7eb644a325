//! The `lamina_` namespace: what an explorer needs that op-node's `optimism_` lacks, read from
//! the node's engine, its safe-head database and L1, never written.
//!
//! - `lamina_blockDerivation(n)`: block n's L1 origin, the L1 block where it became safe, and
//!   the batcher txs, channel and frames that carried its batch (calldata or blob).
//! - `lamina_deposits(n)`: block n's user deposits with the L1 tx and log of each.
//! - `lamina_withdrawal(hash, l2Block)`: a withdrawal's status and the output it was proven
//!   against.
//! - `lamina_outputs(limit)`: the newest outputs on the L2OutputOracle, whether this node
//!   agrees with each, and the challenger's deletions.
//! - `lamina_daHistory(limit)`: per step of the safe head, the batcher txs, bytes and fees on
//!   L1 and the L2 txs made safe.
//! - `lamina_addressTransactions(address, limit)`: an address's txs in the newest blocks.
//!
//! Every answer is bounded in the reads it can cause (limits are capped), since the methods
//! are public.

mod address;
mod batches;
mod bridge;
mod da;

use std::sync::Arc;

use alloy_primitives::{Address, B256, U64};
use jsonrpsee::{
    RpcModule,
    types::{ErrorObject, ErrorObjectOwned},
};
use lamina_l1::chain::{L1Chain, L1Error};
use lamina_protocol::BlockId;
use serde::Serialize;
use tokio::sync::{OnceCell, watch};

pub use self::{
    address::{AddressTx, AddressTxs},
    batches::{BatchOrigin, FrameRef},
    bridge::{Deletion, DepositOrigin, OutputView, Outputs, ProvenAgainst, WithdrawalView},
    da::DaStep,
};
use super::{
    EngineL2, RollupError, RollupNode, port::ExecutionEngine, safe_db::SafeDb, status::SyncStatus,
};

/// Why a `lamina_` read failed.
#[derive(Debug, thiserror::Error)]
pub enum LaminaRpcError {
    /// The L2 block is not canonical here.
    #[error("no canonical block {0}")]
    NoBlock(u64),
    /// Something the answer needs is unknown.
    #[error("not found: {0}")]
    NotFound(String),
    /// The node keeps no safe-head database.
    #[error("safe head db not enabled")]
    NoSafeDb,
    /// The engine failed.
    #[error(transparent)]
    Engine(#[from] RollupError),
    /// L1 failed.
    #[error(transparent)]
    L1(#[from] L1Error),
    /// An L1 contract read failed.
    #[error(transparent)]
    Bridge(#[from] lamina_l1::bridge::BridgeError),
    /// The safe-head database failed.
    #[error(transparent)]
    SafeDb(#[from] super::safe_db::SafeDbError),
}

impl From<LaminaRpcError> for ErrorObjectOwned {
    fn from(e: LaminaRpcError) -> Self {
        ErrorObject::owned(-32000, e.to_string(), None::<()>)
    }
}

/// `lamina_blockDerivation`'s answer.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BlockDerivation {
    /// The block.
    pub number: u64,
    /// Its hash.
    pub hash: B256,
    /// Its time.
    pub timestamp: u64,
    /// Its L1 origin (epoch).
    pub l1_origin: BlockId,
    /// Its place in the epoch.
    pub seq_num: u64,
    /// The first L1 block at which it was safe (`None`: not safe yet, or safe before the
    /// node kept records).
    pub safe_at: Option<BlockId>,
    /// The batch that carried it (`None`: not safe, or derived without a batch).
    pub batch: Option<BatchOrigin>,
}

struct Ctx<E, C> {
    engine: E,
    l1: C,
    safe_db: Option<Arc<SafeDb>>,
    status: watch::Receiver<SyncStatus>,
    oracle: OnceCell<Address>,
    deletions: bridge::DeletionLog,
    da_steps: da::StepCache,
}

impl<E: ExecutionEngine, C: L1Chain> Ctx<E, C> {
    async fn oracle(&self) -> Result<Address, LaminaRpcError> {
        let portal = self.engine.rollup().deposit_contract_address;
        self.oracle.get_or_try_init(|| bridge::oracle(&self.l1, portal)).await.copied()
    }

    async fn derivation(&self, number: u64) -> Result<BlockDerivation, LaminaRpcError> {
        let l2 = EngineL2::new(self.engine.clone());
        let (info, header, txs) =
            l2.block_with_info(number).await?.ok_or(LaminaRpcError::NoBlock(number))?;
        let safe = self.status.borrow().safe_l2.number;
        let safe_at = match (&self.safe_db, number <= safe) {
            (Some(db), true) => db.first_reaching(number)?.map(|at| at.l1),
            _ => None,
        };
        let batch = match safe_at {
            Some(at) => {
                let wanted = batches::Wanted {
                    timestamp: info.timestamp,
                    batcher: l2.config_of(&header, &txs)?.batcher_addr,
                };
                batches::find(&self.l1, self.engine.rollup(), at, &wanted).await?
            }
            None => None,
        };
        Ok(BlockDerivation {
            number,
            hash: info.hash,
            timestamp: info.timestamp,
            l1_origin: info.l1_origin,
            seq_num: info.seq_num,
            safe_at,
            batch,
        })
    }

    async fn da_history(&self, limit: usize) -> Result<Vec<DaStep>, LaminaRpcError> {
        let db = self.safe_db.as_ref().ok_or(LaminaRpcError::NoSafeDb)?;
        let entries = db.recent(limit + 1)?;
        let Some(newest) = entries.last() else { return Ok(Vec::new()) };
        let l2 = EngineL2::new(self.engine.clone());
        let batcher = l2.config(newest.safe.number).await?.batcher_addr;
        let inbox = self.engine.rollup().batch_inbox_address;
        da::steps(&self.engine, &self.l1, &entries, inbox, batcher, &self.da_steps).await
    }
}

/// Most items one request may ask for.
const MAX_LIMIT: u64 = 100;

fn limit(asked: Option<U64>, default: u64) -> u64 {
    asked.map_or(default, |l| l.to::<u64>()).clamp(1, MAX_LIMIT)
}

/// The `lamina_` methods of `node`, reading L1 through `l1`.
pub fn module<E: ExecutionEngine, C: L1Chain + 'static>(
    node: &RollupNode<E>,
    l1: C,
) -> RpcModule<()> {
    let ctx = Arc::new(Ctx {
        engine: node.engine.clone(),
        l1,
        safe_db: node.safe_db.clone(),
        status: node.status.clone(),
        oracle: OnceCell::new(),
        deletions: bridge::DeletionLog::default(),
        da_steps: da::StepCache::default(),
    });
    let mut m = RpcModule::new(());
    let c = ctx.clone();
    register(&mut m, "lamina_blockDerivation", move |p| {
        let c = c.clone();
        async move {
            let (n,): (U64,) = p.parse()?;
            Ok(c.derivation(n.to()).await?)
        }
    });
    let c = ctx.clone();
    register(&mut m, "lamina_deposits", move |p| {
        let c = c.clone();
        async move {
            let (n,): (U64,) = p.parse()?;
            Ok(bridge::deposits(&c.engine, &c.l1, n.to()).await?)
        }
    });
    let c = ctx.clone();
    register(&mut m, "lamina_withdrawal", move |p| {
        let c = c.clone();
        async move {
            let (hash, block): (B256, U64) = p.parse()?;
            let portal = c.engine.rollup().deposit_contract_address;
            let oracle = c.oracle().await?;
            Ok(bridge::withdrawal(&c.l1, portal, oracle, hash, block.to()).await?)
        }
    });
    let c = ctx.clone();
    register(&mut m, "lamina_outputs", move |p| {
        let c = c.clone();
        async move {
            let asked: Option<U64> = p.sequence().optional_next()?;
            let oracle = c.oracle().await?;
            Ok(bridge::outputs(&c.engine, &c.l1, oracle, limit(asked, 20), &c.deletions).await?)
        }
    });
    let c = ctx.clone();
    register(&mut m, "lamina_daHistory", move |p| {
        let c = c.clone();
        async move {
            let asked: Option<U64> = p.sequence().optional_next()?;
            Ok(c.da_history(limit(asked, 30) as usize).await?)
        }
    });
    let c = ctx;
    register(&mut m, "lamina_addressTransactions", move |p| {
        let c = c.clone();
        async move {
            let mut seq = p.sequence();
            let who: Address = seq.next()?;
            let asked: Option<U64> = seq.optional_next()?;
            Ok(address::recent(&c.engine, who, limit(asked, 25) as usize).await?)
        }
    });
    m
}

fn register<F, Fut, T>(m: &mut RpcModule<()>, name: &'static str, f: F)
where
    F: Fn(jsonrpsee::types::Params<'static>) -> Fut + Send + Sync + Clone + 'static,
    Fut: std::future::Future<Output = Result<T, ErrorObjectOwned>> + Send + 'static,
    T: Serialize + Clone + Send + 'static,
{
    let r = m.register_async_method(name, move |p, _, _| f(p.into_owned()));
    if let Err(e) = r {
        tracing::error!(target: "lamina::rpc", %e, name, "method not registered");
    }
}
