//! The transaction pool: validated user transactions waiting for a block.
//!
//! Per sender, txs are kept by nonce. Those with consecutive nonces from the account's next
//! nonce are *pending* (a block can take them); the rest are *queued* behind a gap. A tx with
//! the same sender and nonce as a pooled one replaces it only if it raises both fee fields by
//! the configured bump. A sender's pooled txs may not together cost more than its balance
//! (so nobody queues what they cannot pay for), and after each new head the txs that the
//! account can no longer pay for, or whose nonce it has used, are dropped. The pool is bounded
//! in count, per sender, and in bytes: when full, a new tx evicts the lowest-tip tx at the end
//! of another sender's queue if it pays more, or is refused. Blocks take pending txs by
//! effective tip, each sender's in nonce order ([`BestTxs`]).

mod best;
pub mod validate;

use std::{
    collections::{BTreeMap, HashMap},
    sync::Arc,
};

use alloy_consensus::Transaction;
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
pub use best::BestTxs;
use op_alloy_consensus::OpTxEnvelope;
pub use validate::{PoolEnv, PoolError};

use crate::StateView;

/// Limits and prices of the pool.
#[derive(Debug, Clone, Copy)]
pub struct PoolConfig {
    /// Txs in the pool, pending and queued together.
    pub max_txs: usize,
    /// Encoded bytes of all pooled txs together.
    pub max_bytes: usize,
    /// Txs of one sender.
    pub max_per_sender: usize,
    /// How far ahead of the account's nonce a tx may be.
    pub max_nonce_gap: u64,
    /// Largest accepted encoded tx, in bytes.
    pub max_tx_size: usize,
    /// Minimum priority fee, in wei.
    pub min_tip: u128,
    /// Percentage by which a replacement must raise both fee fields.
    pub price_bump_percent: u128,
}

impl Default for PoolConfig {
    fn default() -> Self {
        Self {
            max_txs: 20_000,
            // A few hundred blocks' worth of calldata; op-geth's slots bound it near here.
            max_bytes: 64 * 1024 * 1024,
            max_per_sender: 64,
            max_nonce_gap: 64,
            // op-geth's limit: 4 × 32 KiB slots.
            max_tx_size: 128 * 1024,
            min_tip: 0,
            price_bump_percent: 10,
        }
    }
}

/// A pooled transaction.
#[derive(Debug)]
pub struct PooledTx {
    /// Its hash.
    pub hash: B256,
    /// Its recovered sender.
    pub sender: Address,
    /// The decoded tx.
    pub tx: OpTxEnvelope,
    /// Its EIP-2718 bytes.
    pub raw: Bytes,
    /// The most it can cost its sender (value + gas × fee cap + L1 and operator fees).
    pub cost: U256,
}

impl PooledTx {
    /// The nonce.
    pub fn nonce(&self) -> u64 {
        self.tx.nonce()
    }

    /// What the tx pays the sequencer per gas at `base_fee` (`None`: it cannot pay the base
    /// fee).
    pub fn effective_tip(&self, base_fee: u64) -> Option<u128> {
        self.tx.effective_tip_per_gas(base_fee)
    }
}

/// Counts of the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PoolStatus {
    /// Txs a block could take now.
    pub pending: usize,
    /// Txs behind a nonce gap.
    pub queued: usize,
    /// Encoded bytes of all pooled txs.
    pub bytes: usize,
}

/// One sender's txs and its account nonce in the head state.
#[derive(Debug, Default)]
struct Sender {
    next_nonce: u64,
    txs: BTreeMap<u64, Arc<PooledTx>>,
}

impl Sender {
    /// How many txs are pending: consecutive nonces from the account's next.
    fn pending(&self) -> usize {
        self.txs.keys().zip(self.next_nonce..).take_while(|(n, want)| **n == *want).count()
    }
}

/// The transaction pool.
#[derive(Debug, Default)]
pub struct TxPool {
    config: PoolConfig,
    by_hash: HashMap<B256, Arc<PooledTx>>,
    senders: HashMap<Address, Sender>,
    /// Encoded bytes of every pooled tx.
    bytes: usize,
}

impl TxPool {
    /// An empty pool.
    pub fn new(config: PoolConfig) -> Self {
        Self { config, ..Default::default() }
    }

    /// Validates `raw` against the head state and admits it. Returns its hash.
    pub fn add(&mut self, raw: &Bytes, env: &PoolEnv, view: &StateView) -> Result<B256, PoolError> {
        // A duplicate costs a hash, not a validation.
        let hash = keccak256(raw);
        if self.by_hash.contains_key(&hash) {
            return Err(PoolError::AlreadyKnown);
        }
        let c = &self.config;
        let valid = validate::validate(raw, env, view, c.max_tx_size, c.min_tip, c.max_nonce_gap)?;
        let tx = Arc::new(PooledTx {
            hash,
            sender: valid.sender,
            tx: valid.tx,
            raw: valid.raw,
            cost: valid.cost,
        });
        let nonce = tx.nonce();
        let bump = 100 + self.config.price_bump_percent;
        // Txs the account has since used up no longer belong here.
        self.set_next_nonce(tx.sender, valid.state_nonce);
        let sender = self.senders.entry(tx.sender).or_default();
        sender.next_nonce = valid.state_nonce;
        // Everything the sender has pooled must be payable together: one account cannot fill
        // the pool with txs only the first of which it can pay for.
        let others: U256 =
            sender.txs.iter().filter(|(n, _)| **n != nonce).map(|(_, t)| t.cost).sum();
        if others + tx.cost > valid.balance {
            return Err(PoolError::InsufficientFunds {
                balance: valid.balance,
                cost: others + tx.cost,
            });
        }
        if let Some(old) = sender.txs.get(&nonce) {
            let pays_more = |new: u128, old: u128| new * 100 >= old * bump;
            let old_tip = old.tx.max_priority_fee_per_gas().unwrap_or(old.tx.max_fee_per_gas());
            let new_tip = tx.tx.max_priority_fee_per_gas().unwrap_or(tx.tx.max_fee_per_gas());
            if !pays_more(tx.tx.max_fee_per_gas(), old.tx.max_fee_per_gas())
                || !pays_more(new_tip, old_tip)
            {
                return Err(PoolError::ReplacementUnderpriced);
            }
            let (old_hash, old_len) = (old.hash, old.raw.len());
            self.make_room(&tx, env.base_fee, 0, tx.raw.len().saturating_sub(old_len))?;
            let sender = self.senders.entry(tx.sender).or_default();
            self.by_hash.remove(&old_hash);
            sender.txs.insert(nonce, tx.clone());
            self.by_hash.insert(tx.hash, tx.clone());
            self.bytes = self.bytes - old_len + tx.raw.len();
            tracing::debug!(target: "lamina::pool", hash = %tx.hash, replaced = %old_hash, "replaced");
            return Ok(tx.hash);
        }
        if sender.txs.len() >= self.config.max_per_sender {
            return Err(PoolError::SenderFull(tx.sender));
        }
        self.make_room(&tx, env.base_fee, 1, tx.raw.len())?;
        let sender = self.senders.entry(tx.sender).or_default();
        sender.txs.insert(nonce, tx.clone());
        self.by_hash.insert(tx.hash, tx.clone());
        self.bytes += tx.raw.len();
        tracing::debug!(target: "lamina::pool", hash = %tx.hash, sender = %tx.sender, nonce, "added");
        Ok(tx.hash)
    }

    /// Evicts other senders' txs until `txs` more txs and `bytes` more bytes fit within the
    /// count and byte bounds, or refuses `new` (which then changes nothing it has not evicted).
    fn make_room(
        &mut self,
        new: &PooledTx,
        base_fee: u64,
        txs: usize,
        bytes: usize,
    ) -> Result<(), PoolError> {
        if bytes > self.config.max_bytes {
            return Err(PoolError::PoolFull);
        }
        while self.by_hash.len() + txs > self.config.max_txs
            || self.bytes + bytes > self.config.max_bytes
        {
            self.evict_for(new, base_fee)?;
        }
        Ok(())
    }

    /// Makes room for `new` by dropping the lowest-paying tx among the last of each other
    /// sender's queue (dropping a last tx never opens a nonce gap), if `new` pays more.
    fn evict_for(&mut self, new: &PooledTx, base_fee: u64) -> Result<(), PoolError> {
        let tip = |t: &PooledTx| t.effective_tip(base_fee).unwrap_or(0);
        let victim = self
            .senders
            .iter()
            .filter(|(address, _)| **address != new.sender)
            .filter_map(|(_, s)| s.txs.values().next_back())
            .min_by_key(|t| tip(t))
            .cloned();
        match victim {
            Some(v) if tip(&v) < tip(new) => {
                self.remove(&v.hash);
                tracing::debug!(target: "lamina::pool", evicted = %v.hash, "pool full");
                Ok(())
            }
            _ => Err(PoolError::PoolFull),
        }
    }

    fn remove(&mut self, hash: &B256) -> Option<Arc<PooledTx>> {
        let tx = self.by_hash.remove(hash)?;
        self.bytes -= tx.raw.len();
        if let Some(s) = self.senders.get_mut(&tx.sender) {
            s.txs.remove(&tx.nonce());
            if s.txs.is_empty() {
                self.senders.remove(&tx.sender);
            }
        }
        Some(tx)
    }

    /// After the head changed (a block, or a rewind): re-reads every pooled sender's nonce
    /// and balance from `view`, drops the txs whose nonce it has used, and drops, from the
    /// first one the balance no longer covers (counting its earlier txs), every tx it can no
    /// longer pay for.
    pub fn on_new_head(&mut self, view: &StateView) -> Result<(), PoolError> {
        let senders: Vec<Address> = self.senders.keys().copied().collect();
        for address in senders {
            let (next, balance) = view
                .account(&address)
                .map_err(|e| PoolError::State(e.to_string()))?
                .map_or((0, U256::ZERO), |a| (a.nonce, a.balance));
            self.set_next_nonce(address, next);
            let Some(s) = self.senders.get(&address) else { continue };
            let mut spent = U256::ZERO;
            let unpayable: Vec<B256> = s
                .txs
                .values()
                .skip_while(|t| {
                    spent += t.cost;
                    spent <= balance
                })
                .map(|t| t.hash)
                .collect();
            if !unpayable.is_empty() {
                tracing::debug!(target: "lamina::pool", %address, dropped = unpayable.len(), "unpayable");
            }
            for h in unpayable {
                self.remove(&h);
            }
        }
        Ok(())
    }

    /// Records `sender`'s account nonce and drops its txs below it.
    fn set_next_nonce(&mut self, sender: Address, next: u64) {
        let Some(s) = self.senders.get_mut(&sender) else { return };
        s.next_nonce = next;
        let used: Vec<B256> = s.txs.range(..next).map(|(_, t)| t.hash).collect();
        for h in used {
            self.remove(&h);
        }
    }

    /// The pooled tx with `hash`.
    pub fn get(&self, hash: &B256) -> Option<Arc<PooledTx>> {
        self.by_hash.get(hash).cloned()
    }

    /// The next nonce of `sender` counting its pending txs (`eth_getTransactionCount` at
    /// "pending"), if it has txs in the pool.
    pub fn pending_nonce(&self, sender: &Address) -> Option<u64> {
        self.senders.get(sender).map(|s| s.next_nonce + s.pending() as u64)
    }

    /// Pending and queued counts.
    pub fn status(&self) -> PoolStatus {
        let pending: usize = self.senders.values().map(Sender::pending).sum();
        PoolStatus { pending, queued: self.by_hash.len() - pending, bytes: self.bytes }
    }

    /// The pending txs, best first, for a block with `base_fee`.
    pub fn best(&self, base_fee: u64) -> BestTxs {
        BestTxs::new(
            self.senders.values().map(|s| {
                let pending = s.pending();
                s.txs.values().take(pending).cloned().collect::<Vec<_>>()
            }),
            base_fee,
        )
    }
}
