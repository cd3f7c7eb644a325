//! The dev L1's pending transactions: per sender in nonce order, senders served in the order
//! their next tx arrived. It is also the block builder's [`TxSource`]: a tx that does not
//! execute is skipped together with the sender's later nonces, and stays pending.

use std::collections::{BTreeMap, HashMap};

use alloy_consensus::{Transaction, TxEnvelope};
use alloy_primitives::{Address, B256};
use lamina_evm::{ExecTx, TxSource};

use super::DevL1Error;

/// A replacement must raise both fee caps by this many percent.
const PRICE_BUMP_PERCENT: u128 = 10;

#[derive(Debug, Clone)]
struct Pending {
    tx: ExecTx<TxEnvelope>,
    seq: u64,
}

/// Pending txs by sender and nonce.
#[derive(Debug, Default)]
pub(crate) struct Mempool {
    senders: HashMap<Address, BTreeMap<u64, Pending>>,
    next_seq: u64,
}

impl Mempool {
    /// Adds `tx` (nonce already checked against the state); replaces a pending tx with the
    /// same nonce if it pays at least 10 % more.
    pub(crate) fn insert(&mut self, tx: ExecTx<TxEnvelope>) -> Result<B256, DevL1Error> {
        let sender = tx.1.signer();
        let nonce = tx.1.nonce();
        let hash = *tx.1.inner().tx_hash();
        let slot = self.senders.entry(sender).or_default();
        if let Some(old) = slot.get(&nonce) {
            let bumped = |v: u128| v + v * PRICE_BUMP_PERCENT / 100;
            let (old, new) = (old.tx.1.inner(), tx.1.inner());
            if new.max_fee_per_gas() < bumped(old.max_fee_per_gas())
                || new.max_priority_fee_per_gas().unwrap_or_default()
                    < bumped(old.max_priority_fee_per_gas().unwrap_or_default())
            {
                return Err(DevL1Error::Underpriced);
            }
        }
        slot.insert(nonce, Pending { tx, seq: self.next_seq });
        self.next_seq += 1;
        Ok(hash)
    }

    /// A pending tx by hash (a scan: dev pools are small).
    pub(crate) fn get(&self, hash: &B256) -> Option<&ExecTx<TxEnvelope>> {
        self.senders
            .values()
            .flat_map(BTreeMap::values)
            .map(|p| &p.tx)
            .find(|t| t.1.tx_hash() == hash)
    }

    /// The nonce after `sender`'s gapless run of pending txs from `next` (its account
    /// nonce); `None` when it has no pending tx at `next`.
    pub(crate) fn pending_nonce(&self, sender: &Address, next: u64) -> Option<u64> {
        let txs = self.senders.get(sender)?;
        let mut n = next;
        while txs.contains_key(&n) {
            n += 1;
        }
        (n > next).then_some(n)
    }

    pub(crate) fn len(&self) -> usize {
        self.senders.values().map(BTreeMap::len).sum()
    }

    /// Drops what a new head made stale: every tx whose nonce is below its sender's nonce.
    pub(crate) fn prune(&mut self, nonce_of: impl Fn(&Address) -> u64) {
        self.senders.retain(|sender, txs| {
            let next = nonce_of(sender);
            txs.retain(|n, _| *n >= next);
            !txs.is_empty()
        });
    }

    /// The candidates for one block, given each sender's current nonce.
    pub(crate) fn source(&self, nonce_of: impl Fn(&Address) -> u64) -> BlockSource {
        let mut queues = HashMap::new();
        let mut heads = BTreeMap::new();
        for (sender, txs) in &self.senders {
            // Only a gapless run from the account's nonce can execute.
            let mut expect = nonce_of(sender);
            let run: Vec<Pending> = txs
                .range(expect..)
                .take_while(|(n, _)| {
                    let ok = **n == expect;
                    expect += 1;
                    ok
                })
                .map(|(_, p)| p.clone())
                .collect();
            if let Some(first) = run.first() {
                heads.insert(first.seq, *sender);
                queues.insert(*sender, run.into_iter().collect());
            }
        }
        BlockSource { queues, heads, current: None }
    }
}

/// One block's walk over the mempool: the earliest-arrived next tx of any sender first.
#[derive(Debug)]
pub(crate) struct BlockSource {
    queues: HashMap<Address, std::collections::VecDeque<Pending>>,
    heads: BTreeMap<u64, Address>,
    current: Option<Address>,
}

impl TxSource<TxEnvelope> for BlockSource {
    fn next_tx(&mut self) -> Option<ExecTx<TxEnvelope>> {
        let (_, sender) = self.heads.pop_first()?;
        let queue = self.queues.get_mut(&sender)?;
        let tx = queue.pop_front()?;
        if let Some(next) = queue.front() {
            self.heads.insert(next.seq, sender);
        }
        self.current = Some(sender);
        Some(tx.tx)
    }

    fn skip(&mut self, reason: &str) {
        if let Some(sender) = self.current.take() {
            tracing::debug!(target: "l1::dev", %sender, reason, "pending tx skipped");
            // Its later nonces cannot execute either.
            if let Some(next) = self.queues.remove(&sender).and_then(|q| q.front().cloned()) {
                self.heads.remove(&next.seq);
            }
        }
    }
}
