//! The rollup node as a running service: one task that sequences when a block is due (in
//! sequencer mode, while the sequencer is active) and derives whatever L1 holds, publishing a
//! [`SyncStatus`] after each round. Sequencing and derivation share one task, so they never
//! race on the engine; a round derives a bounded number of steps so blocks stay on time.
//!
//! Between rounds the task waits on one `select!`: its [`Inbox`] (peers' blocks, the
//! operator's commands, new L1 heads), the next block's time or the poll interval, and the
//! stop signal. An input is handled the moment it arrives, not at the next tick. Each block
//! it sequences is published to subscribers ([`RollupNode::subscribe_blocks`]). Stopping lets
//! the current step finish, then returns, so the engine's store closes cleanly.
//!
//! Failures never kill the loop: temporary ones wait a poll interval, resets are done by the
//! verifier, critical ones are logged and retried after a longer pause (an operator can also
//! reset derivation over `admin_resetDerivationPipeline`).

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use alloy_eips::BlockNumberOrTag;
use lamina_engine::EngineHandle;
use lamina_l1::chain::{DeriveL1, L1Chain};
use lamina_protocol::{Classify, Hardfork, Severity};
use tokio::sync::{broadcast, mpsc, watch};
use tokio_util::sync::CancellationToken;

use super::{
    EngineL2, RollupError, Sequencer, SequencerConfig, Verifier, VerifierStats, VerifierStep,
    drive::{self, Inserted},
    input::{Inbox, Input},
    port::{ExecutionEngine, Payload},
    safe_db::SafeDb,
    status::{L1Ref, SyncStatus},
    unsafe_queue::{Next, UnsafeQueue},
};
use crate::{
    metrics::NodeMetrics,
    tasks::{STOP_GRACE, Tasks},
};

/// Which role the node plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Builds blocks and derives (consolidating its own blocks).
    Sequencer,
    /// Derives only.
    Verifier,
}

/// How the node runs.
#[derive(Debug, Clone)]
pub struct RollupNodeConfig {
    /// The role.
    pub mode: Mode,
    /// Sequencer settings.
    pub sequencer: SequencerConfig,
    /// Start with the sequencer stopped (`admin_startSequencer` starts it).
    pub sequencer_stopped: bool,
    /// How long to wait when L1 has nothing new.
    pub poll_interval: Duration,
    /// Where the safe-head database lives (`None`: not kept; `optimism_safeHeadAtL1Block`
    /// then answers nothing).
    pub safe_db: Option<std::path::PathBuf>,
    /// Its metrics' namespace (op-node's `op_node_default` unless a process runs two nodes).
    pub metrics: NodeMetrics,
}

impl Default for RollupNodeConfig {
    fn default() -> Self {
        Self {
            mode: Mode::Verifier,
            sequencer: SequencerConfig::default(),
            sequencer_stopped: false,
            poll_interval: Duration::from_millis(250),
            safe_db: None,
            metrics: NodeMetrics::default(),
        }
    }
}

/// What the RPC and the loop share.
#[derive(Debug)]
pub struct Control {
    /// Whether the sequencer builds blocks.
    pub sequencer_active: AtomicBool,
    /// The mode.
    pub mode: Mode,
}

/// Sequenced blocks kept for a slow subscriber before it starts missing them.
const PUBLISHED_BACKLOG: usize = 64;

/// A running rollup node.
#[derive(Debug)]
pub struct RollupNode<E = EngineHandle> {
    /// The engine it drives.
    pub engine: E,
    /// The latest status.
    pub status: watch::Receiver<SyncStatus>,
    /// What derivation did so far (blocks derived, unsafe blocks consolidated, …).
    pub stats: watch::Receiver<VerifierStats>,
    /// Sequencer and reset switches.
    pub control: Arc<Control>,
    /// The safe-head database, when kept.
    pub safe_db: Option<Arc<SafeDb>>,
    /// Where inputs go: blocks from peers, the operator's commands, new L1 heads.
    pub inbox: Inbox,
    /// Its metrics (gossip records its peers there).
    pub metrics: NodeMetrics,
    published: broadcast::Sender<Arc<Payload>>,
    tasks: Tasks,
}

/// Most derivation steps per round before the sequencer gets a turn.
const STEPS_PER_ROUND: usize = 512;

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

impl<E: ExecutionEngine> RollupNode<E> {
    /// Starts the node on `engine` over L1 `l1` (on the current multi-threaded runtime).
    pub async fn start<C: L1Chain + 'static>(
        engine: E,
        l1: DeriveL1<C>,
        config: RollupNodeConfig,
    ) -> Result<Self, RollupError> {
        let cfg = engine.rollup();
        for fork in [Hardfork::Ecotone, Hardfork::Fjord, Hardfork::Isthmus] {
            if cfg.hardforks.time(fork).is_some_and(|t| t > cfg.genesis.l2_time) {
                tracing::warn!(
                    target: "lamina::node",
                    fork = fork.name(),
                    "this chain activates the fork after genesis: derivation and sequencing stop at its activation block (network-upgrade txs are not supported yet)"
                );
            }
        }
        let safe_db = match &config.safe_db {
            Some(path) => Some(Arc::new(SafeDb::open(path)?)),
            None => None,
        };
        let mut verifier = Verifier::new(engine.clone(), l1.clone()).await?;
        if let Some(db) = &safe_db {
            verifier = verifier.with_safe_db(db.clone());
        }
        let sequencer = (config.mode == Mode::Sequencer)
            .then(|| Sequencer::new(engine.clone(), l1.clone(), config.sequencer));
        let control = Arc::new(Control {
            sequencer_active: AtomicBool::new(
                config.mode == Mode::Sequencer && !config.sequencer_stopped,
            ),
            mode: config.mode,
        });
        let first = status(&engine, &l1, &verifier).await.unwrap_or_default();
        let (tx, status) = watch::channel(first);
        let (stats_tx, stats) = watch::channel(verifier.stats());
        let (inbox, inputs) = Inbox::new();
        let (published, _) = broadcast::channel(PUBLISHED_BACKLOG);
        let config_mode = config.mode;
        config.metrics.init();
        let metrics = config.metrics.clone();
        let node = Loop {
            verifier,
            sequencer,
            l1,
            control: control.clone(),
            status: tx,
            stats: stats_tx,
            published: published.clone(),
            config,
            started_at: None,
            unsafe_queue: UnsafeQueue::default(),
        };
        let tasks = Tasks::new();
        // Its lines carry its role (`lamina dev` runs a sequencer and a verifier side by side).
        let role = match config_mode {
            Mode::Sequencer => "sequencer",
            Mode::Verifier => "verifier",
        };
        let span = tracing::info_span!("lamina", role);
        tasks.spawn_with(|token| tracing::Instrument::instrument(node.run(inputs, token), span));
        Ok(Self { engine, status, stats, control, safe_db, inbox, metrics, published, tasks })
    }

    /// Every block this node sequences from now on (a subscriber that falls
    /// `PUBLISHED_BACKLOG` blocks behind misses the oldest).
    pub fn subscribe_blocks(&self) -> broadcast::Receiver<Arc<Payload>> {
        self.published.subscribe()
    }

    /// The latest status.
    pub fn sync_status(&self) -> SyncStatus {
        self.status.borrow().clone()
    }

    /// The node's task set (stopping it stops the node), for owners that keep no `RollupNode`.
    pub fn tasks(&self) -> Tasks {
        self.tasks.clone()
    }

    /// Stops the loop after its current step and waits for it (at most [`STOP_GRACE`]).
    pub async fn stop(&self) {
        self.tasks.stop(STOP_GRACE).await;
    }
}

/// The node's loop and what it owns.
struct Loop<C, E> {
    verifier: Verifier<C, E>,
    sequencer: Option<Sequencer<C, E>>,
    l1: DeriveL1<C>,
    control: Arc<Control>,
    status: watch::Sender<SyncStatus>,
    stats: watch::Sender<VerifierStats>,
    published: broadcast::Sender<Arc<Payload>>,
    config: RollupNodeConfig,
    /// The unsafe head when the node last fell behind (`eth_syncing`'s startingBlock).
    started_at: Option<u64>,
    /// Unsafe blocks ahead of the head.
    unsafe_queue: UnsafeQueue,
}

impl<C: L1Chain + 'static, E: ExecutionEngine> Loop<C, E> {
    async fn run(mut self, mut inputs: mpsc::Receiver<Input>, stop: CancellationToken) {
        while !stop.is_cancelled() {
            let mut wait = self.sequence().await;
            let busy = self.derive(&stop, &mut wait).await;
            // Derivation may have closed the gap before queued unsafe blocks.
            self.apply_unsafe().await;
            self.publish_status().await;
            // With nothing to do at once, wait for an input, the next block or the stop.
            if !busy && !wait.is_zero() {
                tokio::select! {
                    biased;
                    () = stop.cancelled() => {}
                    Some(input) = inputs.recv() => self.handle(input).await,
                    () = tokio::time::sleep(wait) => {}
                }
            }
            // Whatever else has arrived, without waiting.
            while let Ok(input) = inputs.try_recv() {
                self.handle(input).await;
            }
        }
        tracing::info!(target: "lamina::node", "rollup node stopped");
    }

    /// Builds the next block if it is due; returns how long until the next one (capped at
    /// the poll interval).
    async fn sequence(&mut self) -> Duration {
        let poll = self.config.poll_interval;
        let Some(seq) = self.sequencer.as_mut() else { return poll };
        if !self.control.sequencer_active.load(Ordering::SeqCst) {
            return poll;
        }
        match seq.next_time().await {
            Ok(t) if t <= now() => {
                let started = std::time::Instant::now();
                match seq.build_next().await {
                    // Nobody listening is fine: publishing is for whoever wants it.
                    Ok(built) => {
                        self.config.metrics.block_built(started.elapsed().as_secs_f64());
                        let txs = built.payload.data.payload.as_v1().transactions.len();
                        self.config.metrics.sequenced(txs);
                        drop(self.published.send(Arc::from(built.payload)));
                    }
                    Err(e) => tracing::warn!(target: "lamina::sequencer", %e, "block not built"),
                }
                // Behind the clock (a restart): build the next one right away.
                Duration::ZERO
            }
            Ok(t) => poll.min(Duration::from_secs(t - now())),
            Err(e) => {
                tracing::error!(target: "lamina::sequencer", %e, "no head");
                poll
            }
        }
    }

    /// Derives up to a round's worth of steps; `true` while there is more to derive. A
    /// critical failure lengthens `wait`.
    async fn derive(&mut self, stop: &CancellationToken, wait: &mut Duration) -> bool {
        for _ in 0..STEPS_PER_ROUND {
            if stop.is_cancelled() {
                return false;
            }
            match self.verifier.step().await {
                Ok(VerifierStep::Idle) => return false,
                Ok(_) => {}
                Err(e) => {
                    self.config.metrics.derivation_error();
                    match e.severity() {
                        Severity::Critical => {
                            tracing::error!(target: "lamina::node", %e, "derivation halted; retrying");
                            *wait = (*wait).max(Duration::from_secs(2));
                        }
                        _ => tracing::debug!(target: "lamina::node", %e, "derivation waits"),
                    }
                    return false;
                }
            }
        }
        true
    }

    async fn publish_status(&mut self) {
        let engine = self.verifier.engine();
        if let Ok(s) = status(engine, &self.l1, &self.verifier).await {
            let progress = sync_progress(&s, engine.rollup(), &mut self.started_at);
            engine.report_sync(progress);
            self.config.metrics.status(&s);
            self.status.send_replace(s);
        }
        let stats = self.verifier.stats();
        self.config.metrics.stats(&stats);
        self.config.metrics.unsafe_queue(self.unsafe_queue.len(), self.unsafe_queue.bytes());
        self.stats.send_if_modified(|s| std::mem::replace(s, stats) != stats);
    }

    /// Inserts the queued unsafe blocks that extend the head, in order, until one is missing.
    async fn apply_unsafe(&mut self) {
        while !self.unsafe_queue.is_empty() {
            let engine = self.verifier.engine();
            let heads = match engine.heads().await {
                Ok(h) => h,
                Err(e) => {
                    tracing::warn!(target: "lamina::node", %e, "no heads: unsafe blocks wait");
                    return;
                }
            };
            let head = (heads.head.number, heads.head.hash);
            let Next::Apply(payload) = self.unsafe_queue.next(head, heads.safe.number) else {
                return;
            };
            let number = payload.number;
            let started = std::time::Instant::now();
            match drive::insert_unsafe(engine, &payload).await {
                Ok(Inserted::Head(hash)) => {
                    self.config.metrics.unsafe_inserted(started.elapsed().as_secs_f64());
                    tracing::debug!(target: "lamina::node", number, %hash, "unsafe block inserted");
                }
                Ok(Inserted::NotOnHead) => {
                    tracing::debug!(target: "lamina::node", number, "unsafe block not on the head: left for derivation");
                }
                Ok(Inserted::Invalid(why)) => {
                    tracing::warn!(target: "lamina::node", number, why, "invalid unsafe block");
                }
                Err(e) => {
                    tracing::warn!(target: "lamina::node", number, %e, "unsafe block not inserted");
                    return;
                }
            }
        }
    }

    async fn handle(&mut self, input: Input) {
        match input {
            Input::UnsafePayload(payload) => {
                let number = payload.number;
                // An active sequencer's chain is the one it builds: blocks from others are
                // not taken. A stopped sequencer follows them like a verifier.
                if self.sequencer.is_some() && self.control.sequencer_active.load(Ordering::SeqCst)
                {
                    tracing::debug!(target: "lamina::node", number, "an active sequencer takes no unsafe blocks from others");
                    return;
                }
                if !self.unsafe_queue.push(payload) {
                    tracing::debug!(target: "lamina::node", number, "unsafe block not queued: one at its height waits already, or the queue is full");
                }
                self.apply_unsafe().await;
            }
            Input::ResetDerivation => {
                self.unsafe_queue.clear();
                if let Err(e) = self.verifier.reset().await {
                    tracing::error!(target: "lamina::node", %e, "reset failed");
                }
            }
            // The loop plans and derives right after any input.
            Input::SequencerToggled | Input::L1Head(_) => {}
        }
    }
}

/// How many L1 blocks derivation may trail the L1 head and still count as caught up: a
/// block or two is the normal lag of reading a block after it appears.
const SYNC_LAG_L1_BLOCKS: u64 = 2;

/// `eth_syncing`'s answer for `status`: `None` while derivation reads within a couple of blocks
/// of L1's head; otherwise the L2 head, with the L2 block that the L1 head's time implies as
/// the highest one. `started_at` keeps the head when the node fell behind.
pub(crate) fn sync_progress(
    status: &SyncStatus,
    rollup: &lamina_protocol::RollupConfig,
    started_at: &mut Option<u64>,
) -> Option<alloy_rpc_types_eth::SyncInfo> {
    let head = status.unsafe_l2.number;
    if status.current_l1.number + SYNC_LAG_L1_BLOCKS >= status.head_l1.number {
        *started_at = None;
        return None;
    }
    let since_genesis = status.head_l1.timestamp.saturating_sub(rollup.genesis.l2_time);
    let tip = rollup.genesis.l2.number + since_genesis / rollup.block_time.max(1);
    let starting = *started_at.get_or_insert(head);
    Some(alloy_rpc_types_eth::SyncInfo {
        starting_block: alloy_primitives::U256::from(starting),
        current_block: alloy_primitives::U256::from(head),
        highest_block: alloy_primitives::U256::from(tip.max(head)),
        ..Default::default()
    })
}

async fn l1_ref<C: L1Chain>(l1: &DeriveL1<C>, at: BlockNumberOrTag) -> Result<L1Ref, RollupError> {
    Ok(l1
        .chain()
        .header(at)
        .await?
        .map(|h| L1Ref {
            hash: h.hash(),
            number: h.number,
            parent_hash: h.parent_hash,
            timestamp: h.timestamp,
        })
        .unwrap_or_default())
}

/// The status now.
async fn status<C: L1Chain, E: ExecutionEngine>(
    engine: &E,
    l1: &DeriveL1<C>,
    verifier: &Verifier<C, E>,
) -> Result<SyncStatus, RollupError> {
    let l2 = EngineL2::new(engine.clone());
    let fc = engine.heads().await?;
    let unsafe_l2 = l2.expect(fc.head.number).await?.into();
    let safe_l2 = l2.expect(fc.safe.number).await?.into();
    let finalized_l1 = l1_ref(l1, BlockNumberOrTag::Finalized).await?;
    Ok(SyncStatus {
        current_l1: verifier.pipeline().origin().map(L1Ref::from).unwrap_or_default(),
        current_l1_finalized: finalized_l1,
        head_l1: l1_ref(l1, BlockNumberOrTag::Latest).await?,
        safe_l1: l1_ref(l1, BlockNumberOrTag::Safe).await?,
        finalized_l1,
        unsafe_l2,
        safe_l2,
        finalized_l2: l2.expect(fc.finalized.number).await?.into(),
        pending_safe_l2: safe_l2,
        cross_unsafe_l2: unsafe_l2,
        local_safe_l2: safe_l2,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rollup::status::{L1Ref, L2Ref};
    use alloy_primitives::U256;

    #[test]
    fn syncing_while_derivation_trails_l1_and_caught_up_after() {
        let rollup = lamina_protocol::RollupConfig {
            block_time: 2,
            genesis: lamina_protocol::config::Genesis { l2_time: 1_000, ..Default::default() },
            ..Default::default()
        };
        let at = |current: u64, head: u64, head_time: u64, l2: u64| SyncStatus {
            current_l1: L1Ref { number: current, ..Default::default() },
            head_l1: L1Ref { number: head, timestamp: head_time, ..Default::default() },
            unsafe_l2: L2Ref { number: l2, ..Default::default() },
            ..Default::default()
        };
        let mut started = None;
        // Reading L1 block 10 of 100, whose time implies L2 block (2_000 - 1_000) / 2 = 500.
        let p = sync_progress(&at(10, 100, 2_000, 40), &rollup, &mut started).unwrap();
        assert_eq!(
            (p.starting_block, p.current_block, p.highest_block),
            (U256::from(40), U256::from(40), U256::from(500))
        );
        let p = sync_progress(&at(60, 100, 2_000, 300), &rollup, &mut started).unwrap();
        assert_eq!((p.starting_block, p.current_block), (U256::from(40), U256::from(300)));
        // Within two L1 blocks of the head: caught up, and the next lag starts afresh.
        assert!(sync_progress(&at(98, 100, 2_000, 500), &rollup, &mut started).is_none());
        assert_eq!(started, None);
    }
}
