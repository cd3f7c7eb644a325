//! Pending transactions in block order: highest effective tip first, each sender's in nonce
//! order. A sender whose tx is skipped (no longer valid, or does not fit) loses its later
//! nonces for this block, since they could not execute without it.

use std::{collections::BinaryHeap, sync::Arc};

use alloy_consensus::transaction::Recovered;
use alloy_eips::eip2718::WithEncoded;
use lamina_evm::{ExecTx, TxSource};

use super::PooledTx;

/// One sender's queue, ordered in the heap by the tip of its next tx.
struct Queue {
    tip: u128,
    /// Lower first among equal tips, so the order does not depend on hash-map iteration.
    tie: alloy_primitives::B256,
    txs: std::vec::IntoIter<Arc<PooledTx>>,
    next: Arc<PooledTx>,
}

impl PartialEq for Queue {
    fn eq(&self, other: &Self) -> bool {
        self.tip == other.tip && self.tie == other.tie
    }
}
impl Eq for Queue {}
impl PartialOrd for Queue {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Queue {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.tip.cmp(&other.tip).then_with(|| other.tie.cmp(&self.tie))
    }
}

/// Pending txs, best first.
pub struct BestTxs {
    heap: BinaryHeap<Queue>,
    base_fee: u64,
    /// The sender of the tx last handed out, whose queue waits for the verdict.
    current: Option<(std::vec::IntoIter<Arc<PooledTx>>, Arc<PooledTx>)>,
}

impl std::fmt::Debug for BestTxs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BestTxs").field("senders", &self.heap.len()).finish_non_exhaustive()
    }
}

impl BestTxs {
    pub(super) fn new(senders: impl Iterator<Item = Vec<Arc<PooledTx>>>, base_fee: u64) -> Self {
        let mut best = Self { heap: BinaryHeap::new(), base_fee, current: None };
        for txs in senders {
            best.push(txs.into_iter());
        }
        best
    }

    /// Queues a sender's remaining txs by the tip of the first; a tx that cannot pay the base
    /// fee stops its sender's queue.
    fn push(&mut self, mut txs: std::vec::IntoIter<Arc<PooledTx>>) {
        let Some(next) = txs.next() else { return };
        let Some(tip) = next.effective_tip(self.base_fee) else { return };
        self.heap.push(Queue { tip, tie: next.hash, txs, next });
    }

    /// The next tx, best first (each sender's in nonce order).
    pub fn next_pooled(&mut self) -> Option<Arc<PooledTx>> {
        // The previous tx went in: its sender's queue competes again.
        if let Some((rest, _)) = self.current.take() {
            self.push(rest);
        }
        let q = self.heap.pop()?;
        self.current = Some((q.txs, q.next.clone()));
        Some(q.next)
    }

    /// Drops the rest of the last tx's sender.
    pub fn skip_current(&mut self) {
        self.current = None;
    }
}

impl TxSource for BestTxs {
    fn next_tx(&mut self) -> Option<ExecTx> {
        let tx = self.next_pooled()?;
        Some(WithEncoded::new(tx.raw.clone(), Recovered::new_unchecked(tx.tx.clone(), tx.sender)))
    }

    fn skip(&mut self, reason: &str) {
        if let Some((_, tx)) = &self.current {
            tracing::debug!(target: "lamina::pool", hash = %tx.hash, reason, "skipped for this block");
        }
        self.skip_current();
    }
}
