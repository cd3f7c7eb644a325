//! The sequencer: builds the next unsafe block every block time through the Engine API, on an
//! L1 origin it chooses (digest §4.8's rules seen from the producing side):
//!
//! * the origin is the parent's, or the L1 block after it once that block is at least
//!   `confirmation_depth` below the L1 head and no later than the new block's time;
//! * past the max sequencer drift the block keeps its origin only if L1 has nothing newer, and
//!   then carries no pool txs (the verifier accepts exactly that);
//! * the first block of an epoch carries the epoch's deposits (attributes come from the same
//!   builder derivation uses, so sequencer and verifier cannot disagree on them).
//!
//! Its position is the engine's head, so a restart resumes there. If the head's origin was
//! reorged out of L1, the unsafe chain is unwound to the newest block whose origin survived and
//! rebuilt from there.

use alloy_eips::BlockNumberOrTag;
use alloy_primitives::B256;
use alloy_rpc_types_engine::ForkchoiceState;
use lamina_derive::{PipelineError, attributes, l1_blob_fee::L1BlobSchedule, ports::L1Header};
use lamina_engine::EngineHandle;
use lamina_l1::chain::{DeriveL1, L1Chain};
use lamina_protocol::{BlockId, block::L2BlockInfo};

use super::{
    RollupError,
    drive::{self, Built, Mark},
    l2::EngineL2,
    port::{ExecutionEngine, Payload},
};

/// A block the sequencer built: its place in the chain, and the payload itself for whoever
/// publishes it (gossip, another node's inbox).
#[derive(Debug, Clone)]
pub struct Sequenced {
    /// The block.
    pub info: L2BlockInfo,
    /// Its payload, as newPayload takes it.
    pub payload: Box<Payload>,
}

/// How the sequencer picks origins.
#[derive(Debug, Clone, Copy)]
pub struct SequencerConfig {
    /// L1 blocks this far below the L1 head are not yet used as origins (0: the head itself).
    pub confirmation_depth: u64,
}

impl Default for SequencerConfig {
    /// op-node's default of 4 confirmations.
    fn default() -> Self {
        Self { confirmation_depth: 4 }
    }
}

/// A sequencer over L1 chain `C` and engine `E`.
#[derive(Debug)]
pub struct Sequencer<C, E = EngineHandle> {
    l2: EngineL2<E>,
    l1: DeriveL1<C>,
    config: SequencerConfig,
    blob_schedule: L1BlobSchedule,
}

impl<C: L1Chain, E: ExecutionEngine> Sequencer<C, E> {
    /// A sequencer building on `engine`'s head.
    pub fn new(engine: E, l1: DeriveL1<C>, config: SequencerConfig) -> Self {
        let blob_schedule = L1BlobSchedule::for_config(engine.rollup());
        Self { l2: EngineL2::new(engine), l1, config, blob_schedule }
    }

    /// The head it builds on.
    pub async fn head(&self) -> Result<L2BlockInfo, RollupError> {
        let n = self.l2.engine().heads().await?.head.number;
        self.l2.expect(n).await
    }

    /// The time of the next block.
    pub async fn next_time(&self) -> Result<u64, RollupError> {
        Ok(self.head().await?.timestamp + self.l2.engine().rollup().block_time)
    }

    /// Builds, checks and commits the next block; returns it.
    pub async fn build_next(&mut self) -> Result<Sequenced, RollupError> {
        let head = self.recover_origin().await?;
        let cfg = self.l2.engine().rollup().clone();
        let ts = head.timestamp + cfg.block_time;
        let (origin, with_txs) = self.choose_origin(&head, ts).await?;
        let mut attrs = attributes::build(
            &cfg,
            &self.blob_schedule,
            &self.l1,
            &self.l2,
            &head,
            BlockId { number: origin.number, hash: origin.hash() },
            ts,
        )
        .await?;
        attrs.no_tx_pool = Some(!with_txs);
        match drive::build_block(self.l2.engine(), head.hash, attrs, Mark::Unsafe).await? {
            Built::Head(b) => {
                let info =
                    head.child(b.hash, ts, BlockId { number: origin.number, hash: origin.hash() });
                tracing::info!(
                    target: "lamina::sequencer",
                    number = info.number,
                    hash = %info.hash,
                    origin = origin.number,
                    txs = b.tx_count,
                    "sequenced"
                );
                Ok(Sequenced { info, payload: Box::new(b) })
            }
            Built::Invalid(reason) => {
                Err(RollupError::OwnBlockRefused { number: head.number + 1, reason })
            }
        }
    }

    /// The head, after unwinding blocks whose L1 origin left the L1 chain.
    async fn recover_origin(&self) -> Result<L2BlockInfo, RollupError> {
        let mut head = self.head().await?;
        let top = head.number;
        let finalized = self.l2.engine().heads().await?.finalized.number;
        while head.number > finalized {
            let at = BlockNumberOrTag::Number(head.l1_origin.number);
            let h = self.l1.chain().header(at).await?;
            if h.is_some_and(|h| h.hash() == head.l1_origin.hash) {
                break;
            }
            head = self.l2.expect(head.number - 1).await?;
        }
        if head.number < top {
            tracing::warn!(
                target: "lamina::sequencer",
                from = top,
                to = head.number,
                "L1 origin reorged out: rebuilding the unsafe chain"
            );
            let fc = self.l2.engine().heads().await?;
            let safe = if fc.safe.number > head.number { head.hash } else { B256::ZERO };
            let fcu = ForkchoiceState {
                head_block_hash: head.hash,
                safe_block_hash: safe,
                ..Default::default()
            };
            drive::forkchoice(self.l2.engine(), fcu).await?;
        }
        Ok(head)
    }

    /// The origin of the block at `ts` after `head`, and whether it may take pool txs.
    async fn choose_origin(
        &self,
        head: &L2BlockInfo,
        ts: u64,
    ) -> Result<(L1Header, bool), RollupError> {
        let l1 = self.l1.chain();
        let current = l1.header_by_hash(head.l1_origin.hash).await?.ok_or_else(|| {
            RollupError::Pipeline(PipelineError::Inconsistent(format!(
                "the head's L1 origin {} is gone",
                head.l1_origin.hash
            )))
        })?;
        let l1_head = l1.header(BlockNumberOrTag::Latest).await?.map(|h| h.number).unwrap_or(0);
        let next = if current.number + 1 + self.config.confirmation_depth <= l1_head {
            l1.header(BlockNumberOrTag::Number(current.number + 1))
                .await?
                .filter(|n| n.parent_hash == current.hash())
        } else {
            None
        };
        let cfg = self.l2.engine().rollup();
        let drift = cfg.max_sequencer_drift(current.timestamp);
        match next {
            Some(next) if ts >= next.timestamp => Ok((next, true)),
            _ if ts > current.timestamp + drift => {
                tracing::warn!(
                    target: "lamina::sequencer",
                    origin = current.number,
                    "past the max sequencer drift and L1 has no newer block: empty block"
                );
                Ok((current, false))
            }
            _ => Ok((current, true)),
        }
    }
}
