//! The engine service: the store, the txpool and the block builder behind one handle, driven
//! through the Engine API's operations (forkchoice updates with payload jobs, getPayload,
//! newPayload) and read by the `eth_` RPC.
//!
//! [`EngineHandle`] is what `lamina dev` holds in process and what the RPC servers wrap. Its
//! operations are synchronous (execution and redb commits are CPU and disk work); async callers
//! run them on a blocking thread. Engine API calls are serialized by one lock; reads go to the
//! store directly (redb gives each a consistent snapshot) and pool admission takes only the
//! pool's lock, so RPC reads never wait for block building.

pub mod build;
mod convert;
mod dev;
mod error;
mod forkchoice;
mod metrics;
mod payload;
mod senders;
mod witness;

use std::{
    collections::{HashMap, VecDeque},
    path::Path,
    sync::{Arc, Mutex, MutexGuard},
};

use alloy_consensus::Header;
use alloy_primitives::{B256, Bytes};
use alloy_rpc_types_engine::PayloadId;
use lamina_evm::{
    BlockAttributes, ExecutedBlock, OpBlockBuilder, PoolLimits, genesis::L2Genesis,
    header::next_base_fee,
};
use lamina_protocol::RollupConfig;
use op_alloy_consensus::OpReceiptEnvelope;
use tokio::sync::broadcast;

pub use dev::DevSequencer;
pub use error::EngineError;
pub use payload::{BuiltPayload, PayloadVersion};
pub use witness::ExecutionWitness;

use crate::{
    pool::{PoolConfig, PoolEnv, PoolError, TxPool},
    store::{StateUpdate, StateView, Store, StoreOptions},
};

/// How the engine service runs.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// The chain.
    pub rollup: RollupConfig,
    /// Txpool limits.
    pub pool: PoolConfig,
    /// The store's retention.
    pub store: StoreOptions,
    /// Limits on what a sequenced block takes from the pool (until changed with
    /// [`EngineHandle::set_max_da_size`]).
    pub block_limits: PoolLimits,
}

/// A canonical block, as announced to subscribers.
#[derive(Debug, Clone)]
pub struct BlockEvent {
    /// Its header.
    pub header: Header,
    /// Its hash.
    pub hash: B256,
    /// Its transactions' hashes, in order.
    pub tx_hashes: Vec<B256>,
    /// Its receipts, in order.
    pub receipts: Vec<OpReceiptEnvelope>,
}

/// A change of the canonical chain.
#[derive(Debug, Clone)]
pub enum ChainEvent {
    /// A block became canonical (the new head).
    Added(Arc<BlockEvent>),
    /// A block left the canonical chain in a reorg (announced newest first).
    Removed(Arc<BlockEvent>),
}

/// A validated block that is not (yet) canonical: a built payload, or one received through
/// `newPayload`, waiting for the forkchoice update that makes it the head.
#[derive(Debug)]
pub(crate) struct Candidate {
    pub(crate) block: ExecutedBlock,
    /// The state update, when the block was executed on the head state (reused by the commit
    /// if the head has not moved since).
    pub(crate) update: Option<StateUpdate>,
}

/// A payload job: what to build, on which parent; and once built, the block.
#[derive(Debug)]
pub(crate) struct Job {
    pub(crate) parent: B256,
    pub(crate) attrs: BlockAttributes,
    pub(crate) built: Option<Arc<Candidate>>,
}

/// The Engine API's own state: candidates and payload jobs, bounded.
#[derive(Debug, Default)]
pub(crate) struct Blocks {
    pub(crate) candidates: HashMap<B256, Arc<Candidate>>,
    candidate_order: VecDeque<B256>,
    pub(crate) jobs: HashMap<PayloadId, Job>,
    job_order: VecDeque<PayloadId>,
}

/// The store's file in the data directory.
const CHAIN_FILE: &str = "chain.redb";

/// How many candidates and jobs are kept (a rollup node has one or two in flight).
const KEEP: usize = 64;

impl Blocks {
    pub(crate) fn add_candidate(&mut self, c: Arc<Candidate>) {
        let hash = c.block.hash;
        if self.candidates.insert(hash, c).is_none() {
            self.candidate_order.push_back(hash);
        }
        while self.candidate_order.len() > KEEP {
            if let Some(old) = self.candidate_order.pop_front() {
                self.candidates.remove(&old);
            }
        }
    }

    pub(crate) fn add_job(&mut self, id: PayloadId, job: Job) {
        if self.jobs.insert(id, job).is_none() {
            self.job_order.push_back(id);
        }
        while self.job_order.len() > KEEP {
            if let Some(old) = self.job_order.pop_front() {
                self.jobs.remove(&old);
            }
        }
    }
}

struct Inner {
    store: Store,
    config: EngineConfig,
    builder: OpBlockBuilder,
    pool: Mutex<TxPool>,
    blocks: Mutex<Blocks>,
    events: broadcast::Sender<ChainEvent>,
    /// The throttle's limits (`miner_setMaxDASize`), on top of the configured ones.
    throttle: Mutex<PoolLimits>,
    /// How far behind the chain's tip the node driving this engine is (`eth_syncing`); `None`:
    /// caught up.
    sync: Mutex<Option<alloy_rpc_types_eth::SyncInfo>>,
    /// Block timings, once [`EngineHandle::record_metrics`] named their namespace.
    metrics: std::sync::OnceLock<metrics::EngineMetrics>,
    /// Senders recovered ahead of the blocks that carry them.
    senders: senders::SenderCache,
}

/// The engine service. Cheap to clone; every clone is the same engine.
#[derive(Clone)]
pub struct EngineHandle {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for EngineHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineHandle")
            .field("chain_id", &self.inner.config.rollup.l2_chain_id)
            .finish_non_exhaustive()
    }
}

/// Locks a mutex, recovering from poisoning: every critical section leaves the guarded state
/// consistent (the store is the source of truth and commits atomically).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl EngineHandle {
    /// Opens the chain in directory `datadir` (creating it from `genesis` when empty). A
    /// datadir holding another chain's genesis is refused.
    pub fn open(
        datadir: impl AsRef<Path>,
        config: EngineConfig,
        genesis: &L2Genesis,
    ) -> Result<Self, EngineError> {
        let datadir = datadir.as_ref();
        std::fs::create_dir_all(datadir).map_err(|e| {
            EngineError::Genesis(format!("cannot create {}: {e}", datadir.display()))
        })?;
        let store = Store::open_with(datadir.join(CHAIN_FILE), config.store)?;
        let mut header = genesis.header.clone();
        header.state_root = genesis.state_root();
        let want = header.hash_slow();
        match store.canonical_hash(0)? {
            Some(have) if have != want => {
                return Err(EngineError::Genesis(format!(
                    "the data directory holds chain {have}, the genesis given is {want}"
                )));
            }
            Some(_) => {}
            None => {
                store.init_genesis(header, &genesis.alloc)?;
            }
        }
        let expected = config.rollup.genesis.l2.hash;
        if !expected.is_zero() && expected != want {
            return Err(EngineError::Genesis(format!(
                "the rollup config names L2 genesis {expected}, the genesis file gives {want}"
            )));
        }
        let (events, _) = broadcast::channel(1024);
        let builder = OpBlockBuilder::new(config.rollup.clone());
        let pool = Mutex::new(TxPool::new(config.pool));
        tracing::info!(target: "lamina::engine", genesis = %want, "engine open");
        Ok(Self {
            inner: Arc::new(Inner {
                store,
                builder,
                pool,
                blocks: Mutex::default(),
                events,
                throttle: Mutex::default(),
                sync: Mutex::default(),
                metrics: std::sync::OnceLock::new(),
                senders: senders::SenderCache::start(),
                config,
            }),
        })
    }

    /// Recovers the senders of `txs` on a thread of their own, for blocks about to be
    /// executed (a verifier's next blocks: the rest of a span batch derivation accepted), so
    /// that those blocks need not recover them. Best effort: bounded, never blocks.
    pub fn prefetch_senders(&self, txs: Vec<Bytes>) {
        self.inner.senders.prefetch(txs);
    }

    /// Records each block's execution, state-root and commit times as metrics named
    /// `<ns>_block_execution_seconds{source}`, `<ns>_state_root_seconds` and
    /// `<ns>_block_commit_seconds` (the first call names them; later calls change nothing).
    pub fn record_metrics(&self, ns: &str) {
        let _ = self.inner.metrics.set(metrics::EngineMetrics::new(ns));
    }

    /// The chain store (reads; writes go through the Engine API operations).
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// Records how far the node driving this engine is from the chain's tip (`None`: caught
    /// up), which `eth_syncing` reports: only the rollup node knows, since the engine never
    /// sees L1.
    pub fn set_sync_progress(&self, progress: Option<alloy_rpc_types_eth::SyncInfo>) {
        *lock(&self.inner.sync) = progress;
    }

    /// What [`set_sync_progress`](Self::set_sync_progress) recorded last.
    pub fn sync_progress(&self) -> Option<alloy_rpc_types_eth::SyncInfo> {
        lock(&self.inner.sync).clone()
    }

    /// Sets the DA limits of the blocks it builds from now on, as op-geth's
    /// `miner_setMaxDASize`: the most estimated compressed bytes of one tx and of a block's
    /// pool txs (`None`: no limit beyond the configured one). A batcher shrinks blocks this
    /// way while its backlog is large, and lifts the limits when it has caught up.
    pub fn set_max_da_size(&self, tx: Option<u64>, block: Option<u64>) {
        let mut throttle = lock(&self.inner.throttle);
        if throttle.max_tx_da_bytes != tx || throttle.max_da_bytes != block {
            tracing::info!(target: "lamina::engine", ?tx, ?block, "DA limits set");
        }
        *throttle = PoolLimits { max_da_bytes: block, max_tx_da_bytes: tx };
    }

    /// The DA limits blocks are built with now: the tighter of the configured ones and the
    /// throttle's.
    pub fn block_limits(&self) -> PoolLimits {
        let base = self.inner.config.block_limits;
        let throttle = *lock(&self.inner.throttle);
        let min = |a: Option<u64>, b: Option<u64>| match (a, b) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        PoolLimits {
            max_da_bytes: min(base.max_da_bytes, throttle.max_da_bytes),
            max_tx_da_bytes: min(base.max_tx_da_bytes, throttle.max_tx_da_bytes),
        }
    }

    /// The rollup config.
    pub fn rollup(&self) -> &RollupConfig {
        &self.inner.config.rollup
    }

    /// The block builder (for calls and gas estimates on a state).
    pub fn builder(&self) -> &OpBlockBuilder {
        &self.inner.builder
    }

    /// Canonical chain changes, from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<ChainEvent> {
        self.inner.events.subscribe()
    }

    /// What pool admission checks against: the block after the head.
    pub fn next_block_env(&self, head: &Header) -> Result<PoolEnv, EngineError> {
        let forks = self.inner.builder.forks();
        let op = self.inner.config.rollup.chain_op_config();
        let base_fee = next_base_fee(forks, &op, head).map_err(EngineError::Exec)?;
        Ok(PoolEnv {
            chain_id: self.inner.config.rollup.l2_chain_id,
            number: head.number + 1,
            base_fee,
            gas_limit: head.gas_limit,
            spec: forks.spec_id(head.timestamp + self.inner.config.rollup.block_time.max(1)),
        })
    }

    /// Validates a signed transaction against the head state and adds it to the pool
    /// (`eth_sendRawTransaction`).
    pub fn send_raw_transaction(&self, raw: &Bytes) -> Result<B256, PoolError> {
        let (view, env) = self.admission()?;
        lock(&self.inner.pool).add(raw, &env, &view)
    }

    /// What pool admission checks against: the head state and the block after the head.
    pub(crate) fn admission(&self) -> Result<(StateView, PoolEnv), PoolError> {
        let state = |e: crate::store::StoreError| PoolError::State(e.to_string());
        let view = self.inner.store.state().map_err(state)?;
        let head = self
            .inner
            .store
            .header(view.number())
            .map_err(state)?
            .ok_or_else(|| PoolError::State("no head header".into()))?;
        let env = self.next_block_env(&head).map_err(|e| PoolError::State(e.to_string()))?;
        Ok((view, env))
    }

    /// Runs `f` on the txpool.
    pub fn with_pool<R>(&self, f: impl FnOnce(&TxPool) -> R) -> R {
        f(&lock(&self.inner.pool))
    }
}
