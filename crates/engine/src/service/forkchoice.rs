//! `engine_forkchoiceUpdated`: moving the unsafe head (committing a candidate, or unwinding to
//! a canonical ancestor, which together make unsafe reorgs), the safe and finalized heads, and
//! starting payload jobs.
//!
//! Txs of blocks a reorg removes go back to the pool, and subscribers hear of every block that
//! left or joined the canonical chain.

use std::sync::Arc;

use alloy_eips::eip2718::Decodable2718;
use alloy_primitives::{B256, Bytes, keccak256};
use alloy_rpc_types_engine::{
    ForkchoiceState, ForkchoiceUpdated, PayloadStatus, PayloadStatusEnum,
};
use op_alloy_consensus::OpReceiptEnvelope;
use op_alloy_rpc_types_engine::OpPayloadAttributes;

use super::{
    BlockEvent, Blocks, Candidate, ChainEvent, EngineError, EngineHandle, Job, PayloadVersion,
    convert, lock,
};
use crate::store::StoreError;
use lamina_protocol::BlockId;

/// Blocks a head change took off the canonical chain: their events and their raw txs.
type Removed = Vec<(Arc<BlockEvent>, Vec<Bytes>)>;

/// A store refusal of the requested heads is the caller's inconsistent forkchoice state.
fn forkchoice_error(e: StoreError) -> EngineError {
    match e {
        StoreError::NotCanonical(_)
        | StoreError::BadForkchoice(_)
        | StoreError::BelowFinalized { .. }
        | StoreError::Pruned { .. } => EngineError::InvalidForkchoiceState(e.to_string()),
        other => EngineError::Store(other),
    }
}

impl EngineHandle {
    /// `engine_forkchoiceUpdated`: makes `state.head_block_hash` the head (unknown: `SYNCING`),
    /// moves the safe and finalized heads, and with attributes starts a payload job on the new
    /// head, whose id is returned.
    pub fn forkchoice_updated(
        &self,
        state: ForkchoiceState,
        attrs: Option<OpPayloadAttributes>,
        version: PayloadVersion,
    ) -> Result<ForkchoiceUpdated, EngineError> {
        let head = state.head_block_hash;
        if head.is_zero() {
            return Err(EngineError::InvalidParams("headBlockHash is zero".into()));
        }
        let mut blocks = lock(&self.inner.blocks);
        if !self.make_head(&mut blocks, head)? {
            return Ok(ForkchoiceUpdated::new(PayloadStatus::from_status(
                PayloadStatusEnum::Syncing,
            )));
        }
        self.move_safe_and_finalized(&state)?;
        let status = PayloadStatus::new(PayloadStatusEnum::Valid, Some(head));
        let Some(attrs) = attrs else { return Ok(ForkchoiceUpdated::new(status)) };

        let forks = self.inner.builder.forks();
        let ts = attrs.payload_attributes.timestamp;
        if !version.fits_attributes(forks, ts) {
            return Err(EngineError::UnsupportedFork(format!(
                "forkchoiceUpdated{version:?} cannot carry attributes for a block at {ts}"
            )));
        }
        let block_attrs = convert::block_attributes(&attrs)?;
        let parent = self.inner.store.header_by_hash(&head)?.ok_or(StoreError::NoGenesis)?;
        self.inner
            .builder
            .check_attributes(&parent, &block_attrs)
            .map_err(|e| EngineError::InvalidPayloadAttributes(e.to_string()))?;
        let id = attrs.payload_id(&head, version as u8);
        blocks.add_job(id, Job { parent: head, attrs: block_attrs, built: None });
        tracing::debug!(target: "lamina::engine", %id, parent = %head, ts, "payload job");
        Ok(ForkchoiceUpdated::new(status).with_payload_id(id))
    }

    /// Makes `hash` the head: nothing if it is, an unwind if it is a canonical ancestor, a
    /// commit (after an unwind to its parent if needed) if it is a candidate on a canonical
    /// parent. False when the block is unknown.
    fn make_head(&self, blocks: &mut Blocks, hash: B256) -> Result<bool, EngineError> {
        let store = &self.inner.store;
        let (head_number, head_hash) = store.head()?.ok_or(StoreError::NoGenesis)?;
        if hash == head_hash {
            return Ok(true);
        }
        if let Some(n) = store.block_number(&hash)? {
            // op-geth moves the head back to a canonical ancestor too: the rollup node resets
            // the unsafe chain that way.
            let removed = self.unwind(n, head_number)?;
            self.after_head_change(removed, None)?;
            return Ok(true);
        }
        let Some(c) = blocks.candidates.get(&hash).cloned() else { return Ok(false) };
        let Some(parent) = store.block_number(&c.block.header.parent_hash)? else {
            return Ok(false);
        };
        let removed = if parent < head_number { self.unwind(parent, head_number)? } else { vec![] };
        self.commit(&c)?;
        blocks.candidates.remove(&hash);
        self.after_head_change(removed, Some(&c))?;
        Ok(true)
    }

    /// Rewinds the store from `head` to canonical block `to`, returning what was removed.
    fn unwind(&self, to: u64, head: u64) -> Result<Removed, EngineError> {
        let store = &self.inner.store;
        let mut removed = Vec::new();
        for n in (to + 1..=head).rev() {
            let header = store.header(n)?.ok_or(StoreError::UnknownBlock(n))?;
            let txs = store.block_transactions(n)?.unwrap_or_default();
            let receipts = store
                .block_receipts(n)?
                .unwrap_or_default()
                .iter()
                .map(|r| OpReceiptEnvelope::decode_2718(&mut r.as_ref()))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| StoreError::Corrupt(format!("receipt of block {n}: {e}")))?;
            let event = BlockEvent {
                hash: header.hash_slow(),
                header,
                tx_hashes: txs.iter().map(keccak256).collect(),
                receipts,
            };
            removed.push((Arc::new(event), txs));
        }
        store.rewind_to(to).map_err(forkchoice_error)?;
        tracing::info!(target: "lamina::engine", from = head, to, "unwound the unsafe chain");
        Ok(removed)
    }

    /// Commits a candidate on the head, reusing its state update when it was computed on
    /// this very head state.
    fn commit(&self, c: &Candidate) -> Result<(), EngineError> {
        let store = &self.inner.store;
        let started = std::time::Instant::now();
        let reused = match &c.update {
            Some(u) => store.commit_block(&c.block, u),
            None => Err(StoreError::StaleUpdate),
        };
        match reused {
            Ok(()) => {}
            Err(StoreError::StaleUpdate) => {
                let view = store.state()?;
                let update = view.compute_update(&c.block.bundle)?;
                drop(view);
                store.commit_block(&c.block, &update)?;
            }
            Err(e) => return Err(e.into()),
        }
        if let Some(m) = self.inner.metrics.get() {
            m.commit(started.elapsed());
        }
        tracing::info!(
            target: "lamina::engine",
            number = c.block.header.number,
            hash = %c.block.hash,
            txs = c.block.transactions.len(),
            "new head"
        );
        Ok(())
    }

    /// After the head moved: the pool forgets used nonces and takes back the removed blocks'
    /// txs; subscribers hear of the change.
    fn after_head_change(
        &self,
        removed: Removed,
        added: Option<&Candidate>,
    ) -> Result<(), EngineError> {
        // One head state and one pool lock for the nonce refresh and every re-admission.
        let (view, env) = self.admission().map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mut pool = lock(&self.inner.pool);
        pool.on_new_head(&view).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        for (_, txs) in &removed {
            // Deposits come back through derivation, not the pool; a tx the new chain already
            // holds is refused as nonce-too-low.
            for raw in txs.iter().filter(|r| r.first() != Some(&0x7e)) {
                if let Err(e) = pool.add(raw, &env, &view) {
                    tracing::debug!(target: "lamina::engine", hash = %keccak256(raw), %e, "not re-added");
                }
            }
        }
        drop(pool);
        drop(view);
        // No subscribers is fine: send only fails then.
        for (event, _) in removed {
            let _ = self.inner.events.send(ChainEvent::Removed(event));
        }
        if let Some(c) = added {
            let b = &c.block;
            let event = BlockEvent {
                header: b.header.clone(),
                hash: b.hash,
                tx_hashes: b.transactions.iter().map(|t| t.tx_hash()).collect(),
                receipts: b.receipts.clone(),
            };
            let _ = self.inner.events.send(ChainEvent::Added(Arc::new(event)));
        }
        Ok(())
    }

    /// Applies the safe and finalized hashes of `state` (zero: unchanged).
    fn move_safe_and_finalized(&self, state: &ForkchoiceState) -> Result<(), EngineError> {
        let store = &self.inner.store;
        let current = store.forkchoice()?;
        let resolve = |hash: B256, name: &str, keep: BlockId| match convert::non_zero(hash) {
            None => Ok(keep),
            Some(h) => match store.block_number(&h)? {
                Some(number) => Ok(BlockId { number, hash: h }),
                None => Err(EngineError::InvalidForkchoiceState(format!(
                    "{name} block {h} is not canonical"
                ))),
            },
        };
        let safe = resolve(state.safe_block_hash, "safe", current.safe)?;
        let finalized = resolve(state.finalized_block_hash, "finalized", current.finalized)?;
        if safe != current.safe || finalized != current.finalized {
            store.set_safe_and_finalized(safe, finalized).map_err(forkchoice_error)?;
        }
        Ok(())
    }
}
