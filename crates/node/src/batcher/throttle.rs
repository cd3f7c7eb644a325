//! The batcher's backlog throttle: while the L2 data not yet posted to L1 exceeds a threshold
//! (L1 is congested, fees are above the caps, the batcher fell behind), the sequencer's engine
//! is told to build small blocks — a per-tx and per-block DA limit, as op-batcher does with
//! op-geth's `miner_setMaxDASize` — and the limits are lifted once the backlog is posted.

use std::collections::BTreeMap;

use lamina_protocol::constants::DEPOSIT_TX_TYPE;

use crate::rollup::ExecutionEngine;

/// When and how hard to throttle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttle {
    /// Bytes of L2 txs not yet posted above which blocks are limited.
    pub threshold: u64,
    /// The most estimated DA bytes of one tx while throttled.
    pub tx_limit: u64,
    /// The most estimated DA bytes of a block's txs while throttled.
    pub block_limit: u64,
}

impl Default for Throttle {
    /// op-batcher's defaults: 1 MB of backlog; 300-byte txs, 21 000-byte blocks.
    fn default() -> Self {
        Self { threshold: 1_000_000, tx_limit: 300, block_limit: 21_000 }
    }
}

/// The backlog: tx bytes of each L2 block not yet in a posted channel.
#[derive(Debug, Default)]
pub(super) struct Backlog {
    blocks: BTreeMap<u64, u64>,
    /// The newest block measured.
    measured: u64,
    /// What the engine was last told (`None`: nothing yet, so the first step tells it).
    throttled: Option<bool>,
}

impl Backlog {
    /// Starts over after `tip`, the newest block already posted.
    pub(super) fn reset(&mut self, tip: u64) {
        self.blocks.clear();
        self.measured = tip;
    }

    /// Blocks up to `tip` are posted.
    pub(super) fn posted(&mut self, tip: u64) {
        self.blocks = self.blocks.split_off(&(tip + 1));
    }

    /// Block `n`, as the batcher read it to add to a channel, holds `bytes` of txs to post
    /// (so [`measure`](Self::measure) need not read it again).
    pub(super) fn record(&mut self, n: u64, bytes: u64) {
        self.blocks.insert(n, bytes);
        if n == self.measured + 1 {
            self.measured = n;
        }
    }

    /// Total unposted bytes.
    pub(super) fn bytes(&self) -> u64 {
        self.blocks.values().sum()
    }

    /// Measures the blocks up to `head` not measured yet (those the batcher has not added to
    /// a channel, as while a channel waits for fees).
    pub(super) async fn measure<E: ExecutionEngine>(
        &mut self,
        engine: &E,
        head: u64,
    ) -> Result<(), crate::rollup::RollupError> {
        while self.measured < head {
            let n = self.measured + 1;
            let Some((_, txs)) = engine.block(n).await? else { break };
            self.record(n, posted_bytes(&txs));
        }
        Ok(())
    }

    /// Tells `engine` to throttle or not, if that changed; an engine that cannot be
    /// throttled (a node's public RPC) is an error the caller reports.
    pub(super) async fn apply<E: ExecutionEngine>(
        &mut self,
        engine: &E,
        t: &Throttle,
    ) -> Result<(), crate::rollup::RollupError> {
        let want = self.bytes() > t.threshold;
        if self.throttled == Some(want) {
            return Ok(());
        }
        if want {
            engine.set_max_da_size(Some(t.tx_limit), Some(t.block_limit)).await?;
        } else {
            engine.set_max_da_size(None, None).await?;
        }
        tracing::info!(target: "lamina::batcher", backlog = self.bytes(), throttled = want, "sequencer DA throttle");
        self.throttled = Some(want);
        Ok(())
    }
}

/// Bytes of a block's txs that go to L1: deposits come from L1 and are not posted again.
pub(super) fn posted_bytes(txs: &[alloy_primitives::Bytes]) -> u64 {
    txs.iter().filter(|t| t.first() != Some(&DEPOSIT_TX_TYPE)).map(|t| t.len() as u64).sum()
}
