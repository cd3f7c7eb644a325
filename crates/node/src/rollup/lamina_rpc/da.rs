//! What data availability cost, per step of the safe head: for each L1 block that moved it
//! (the safe-head database's entries), the batcher txs posted since the previous one, their
//! bytes and the fees their receipts show, and the L2 user txs that became safe with them.

use std::{
    collections::HashMap,
    sync::{Mutex, PoisonError},
};

use alloy_consensus::Transaction;
use alloy_eips::eip2718::Decodable2718;
use alloy_primitives::{Address, B256};
use lamina_l1::chain::L1Chain;
use lamina_protocol::BlockId;
use op_alloy_consensus::OpTxEnvelope;
use serde::Serialize;

use super::{LaminaRpcError, batches::is_batcher_tx};
use crate::rollup::{port::ExecutionEngine, safe_db::SafeHeadAt};

/// One step of the safe head.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DaStep {
    /// The L1 block that moved the safe head.
    pub l1_block: BlockId,
    /// Its time.
    pub l1_timestamp: u64,
    /// The first L2 block it made safe.
    pub safe_from: u64,
    /// The last.
    pub safe_to: u64,
    /// User (non-deposit) txs in those blocks.
    pub l2_txs: u64,
    /// Batcher txs on L1 since the previous step.
    pub batcher_txs: u64,
    /// Their calldata bytes.
    pub calldata_bytes: u64,
    /// Their blobs.
    pub blobs: u64,
    /// What they paid, wei (execution gas plus blob gas, from their receipts).
    pub fee_wei: u128,
}

/// Most L1 blocks read for one step, and most L2 blocks counted (a bound on one request).
const MAX_BLOCKS_PER_STEP: u64 = 64;

/// Steps kept at most by [`StepCache`].
const CACHED_STEPS: usize = 1024;

/// A step is fixed by its two safe-head entries and the batcher.
type StepKey = (B256, B256, B256, B256, Address);

/// Steps already computed, so the explorer's refreshes read L1 only for the new ones (emptied
/// when full: a bound on memory, not an LRU).
#[derive(Debug, Default)]
pub(super) struct StepCache(Mutex<HashMap<StepKey, DaStep>>);

impl StepCache {
    fn get(&self, key: &StepKey) -> Option<DaStep> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).get(key).cloned()
    }

    fn put(&self, key: StepKey, step: DaStep) {
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if map.len() >= CACHED_STEPS {
            map.clear();
        }
        map.insert(key, step);
    }
}

/// The steps between consecutive entries of `entries` (oldest first; the first entry is only
/// the starting point).
pub(super) async fn steps<E: ExecutionEngine, C: L1Chain>(
    engine: &E,
    l1: &C,
    entries: &[SafeHeadAt],
    inbox: Address,
    batcher: Address,
    cache: &StepCache,
) -> Result<Vec<DaStep>, LaminaRpcError> {
    let mut out = Vec::new();
    for pair in entries.windows(2) {
        let (prev, at) = (pair[0], pair[1]);
        let key = (prev.l1.hash, prev.safe.hash, at.l1.hash, at.safe.hash, batcher);
        if let Some(step) = cache.get(&key) {
            out.push(step);
            continue;
        }
        let mut step = DaStep {
            l1_block: at.l1,
            l1_timestamp: 0,
            safe_from: prev.safe.number + 1,
            safe_to: at.safe.number,
            l2_txs: 0,
            batcher_txs: 0,
            calldata_bytes: 0,
            blobs: 0,
            fee_wei: 0,
        };
        let first_l1 = (prev.l1.number + 1).max(at.l1.number.saturating_sub(MAX_BLOCKS_PER_STEP));
        for number in first_l1..=at.l1.number {
            let Some(header) = l1.header(number.into()).await? else { continue };
            if number == at.l1.number {
                step.l1_timestamp = header.timestamp;
            }
            let txs = l1.transactions(header.hash()).await?.unwrap_or_default();
            for tx in txs.iter().filter(|tx| is_batcher_tx(tx, inbox, batcher)) {
                step.batcher_txs += 1;
                step.calldata_bytes += tx.input().len() as u64;
                step.blobs += tx.blob_versioned_hashes().map_or(0, |h| h.len() as u64);
                step.fee_wei += fee(l1, *tx.tx_hash()).await?;
            }
        }
        let last = step.safe_to.min(step.safe_from.saturating_add(MAX_BLOCKS_PER_STEP));
        for n in step.safe_from..=last {
            if let Some((_, txs)) = engine.block(n).await? {
                step.l2_txs += txs
                    .iter()
                    .filter(|raw| {
                        !matches!(
                            OpTxEnvelope::decode_2718_exact(raw),
                            Ok(OpTxEnvelope::Deposit(_))
                        )
                    })
                    .count() as u64;
            }
        }
        cache.put(key, step.clone());
        out.push(step);
    }
    Ok(out)
}

/// What tx `hash` paid on L1: gas used at its effective price, plus its blob gas.
async fn fee<C: L1Chain>(l1: &C, hash: B256) -> Result<u128, LaminaRpcError> {
    let Some(r) = l1.receipt(hash).await? else { return Ok(0) };
    let exec = u128::from(r.gas_used).saturating_mul(r.effective_gas_price);
    let blob = u128::from(r.blob_gas_used.unwrap_or_default())
        .saturating_mul(r.blob_gas_price.unwrap_or_default());
    Ok(exec.saturating_add(blob))
}
