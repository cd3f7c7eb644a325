//! [`CachedL1`]: an [`L1Chain`] that remembers what cannot change. A block's header, txs and
//! receipts are fixed by its hash, and a blob by its versioned hash, so those reads are kept
//! (bounded; the oldest entry goes first, which suits derivation's forward walk) and served
//! again without a request; a reorg changes which hashes are canonical, never what a hash
//! holds. Reads by number or tag, state, logs and receipts of txs always go to the chain.

use std::{
    collections::{HashMap, VecDeque},
    hash::Hash,
    sync::{
        Mutex,
        atomic::{AtomicU64, Ordering},
    },
};

use alloy_consensus::{ReceiptEnvelope, TxEnvelope};
use alloy_eips::BlockNumberOrTag;
use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_rpc_types_eth::{Filter, Log, TransactionReceipt, TransactionRequest};

use super::{BoxedBlob, L1Chain, L1Error, L1Fees, L1Header};

/// A bounded map that forgets its oldest entries.
#[derive(Debug)]
struct Bounded<K, V> {
    cap: usize,
    inner: Mutex<(HashMap<K, V>, VecDeque<K>)>,
}

impl<K: Hash + Eq + Clone, V: Clone> Bounded<K, V> {
    fn new(cap: usize) -> Self {
        Self { cap: cap.max(1), inner: Mutex::new((HashMap::new(), VecDeque::new())) }
    }

    fn get(&self, k: &K) -> Option<V> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).0.get(k).cloned()
    }

    fn put(&self, k: K, v: V) {
        let mut guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let (map, order) = &mut *guard;
        if map.insert(k.clone(), v).is_none() {
            order.push_back(k);
            while order.len() > self.cap {
                if let Some(old) = order.pop_front() {
                    map.remove(&old);
                }
            }
        }
    }
}

/// How many entries each cache keeps.
#[derive(Debug, Clone, Copy)]
pub struct CacheSizes {
    /// Headers.
    pub headers: usize,
    /// Blocks' tx lists.
    pub transactions: usize,
    /// Blocks' receipt lists.
    pub receipts: usize,
    /// Blobs (128 KiB each).
    pub blobs: usize,
}

impl Default for CacheSizes {
    /// A sequencing window's worth of blocks (OP Mainnet's is 3 600), and 6 blocks of full
    /// blobs (about 7 MiB).
    fn default() -> Self {
        Self { headers: 4_096, transactions: 1_024, receipts: 1_024, blobs: 54 }
    }
}

/// An [`L1Chain`] with its immutable reads cached.
#[derive(Debug)]
pub struct CachedL1<C> {
    inner: C,
    headers: Bounded<B256, L1Header>,
    transactions: Bounded<B256, Vec<TxEnvelope>>,
    receipts: Bounded<B256, Vec<ReceiptEnvelope>>,
    blobs: Bounded<B256, BoxedBlob>,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl<C: L1Chain> CachedL1<C> {
    /// Caches `inner`'s reads with `sizes`.
    pub fn new(inner: C, sizes: CacheSizes) -> Self {
        Self {
            inner,
            headers: Bounded::new(sizes.headers),
            transactions: Bounded::new(sizes.transactions),
            receipts: Bounded::new(sizes.receipts),
            blobs: Bounded::new(sizes.blobs),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// The chain behind the cache.
    pub const fn inner(&self) -> &C {
        &self.inner
    }

    /// Reads served from the cache, and reads that went to the chain.
    pub fn stats(&self) -> (u64, u64) {
        (self.hits.load(Ordering::Relaxed), self.misses.load(Ordering::Relaxed))
    }

    fn hit<T>(&self, v: Option<T>) -> Option<T> {
        let counter = if v.is_some() { &self.hits } else { &self.misses };
        counter.fetch_add(1, Ordering::Relaxed);
        v
    }

    fn keep(&self, h: Option<L1Header>) -> Option<L1Header> {
        if let Some(h) = &h {
            self.headers.put(h.hash(), h.clone());
        }
        h
    }
}

impl<C: L1Chain> L1Chain for CachedL1<C> {
    async fn chain_id(&self) -> Result<u64, L1Error> {
        self.inner.chain_id().await
    }

    async fn header(&self, at: BlockNumberOrTag) -> Result<Option<L1Header>, L1Error> {
        Ok(self.keep(self.inner.header(at).await?))
    }

    async fn header_by_hash(&self, hash: B256) -> Result<Option<L1Header>, L1Error> {
        if let Some(h) = self.hit(self.headers.get(&hash)) {
            return Ok(Some(h));
        }
        Ok(self.keep(self.inner.header_by_hash(hash).await?))
    }

    async fn transactions(&self, block: B256) -> Result<Option<Vec<TxEnvelope>>, L1Error> {
        if let Some(t) = self.hit(self.transactions.get(&block)) {
            return Ok(Some(t));
        }
        let txs = self.inner.transactions(block).await?;
        if let Some(t) = &txs {
            self.transactions.put(block, t.clone());
        }
        Ok(txs)
    }

    async fn receipts(&self, block: B256) -> Result<Option<Vec<ReceiptEnvelope>>, L1Error> {
        if let Some(r) = self.hit(self.receipts.get(&block)) {
            return Ok(Some(r));
        }
        let receipts = self.inner.receipts(block).await?;
        if let Some(r) = &receipts {
            self.receipts.put(block, r.clone());
        }
        Ok(receipts)
    }

    async fn logs(&self, filter: &Filter) -> Result<Vec<Log>, L1Error> {
        self.inner.logs(filter).await
    }

    async fn nonce(&self, who: Address, at: BlockNumberOrTag) -> Result<u64, L1Error> {
        self.inner.nonce(who, at).await
    }

    async fn balance(&self, who: Address) -> Result<U256, L1Error> {
        self.inner.balance(who).await
    }

    async fn code(&self, at: Address) -> Result<Bytes, L1Error> {
        self.inner.code(at).await
    }

    async fn call(&self, tx: TransactionRequest) -> Result<Bytes, L1Error> {
        self.inner.call(tx).await
    }

    async fn estimate_gas(&self, tx: TransactionRequest) -> Result<u64, L1Error> {
        self.inner.estimate_gas(tx).await
    }

    async fn fees(&self) -> Result<L1Fees, L1Error> {
        self.inner.fees().await
    }

    async fn send_raw_transaction(&self, raw: &Bytes) -> Result<B256, L1Error> {
        self.inner.send_raw_transaction(raw).await
    }

    async fn receipt(&self, tx: B256) -> Result<Option<TransactionReceipt>, L1Error> {
        self.inner.receipt(tx).await
    }

    async fn blobs(&self, block: &L1Header, hashes: &[B256]) -> Result<Vec<BoxedBlob>, L1Error> {
        let cached: Vec<Option<BoxedBlob>> = hashes.iter().map(|h| self.blobs.get(h)).collect();
        if cached.iter().all(Option::is_some) {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Ok(cached.into_iter().flatten().collect());
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let blobs = self.inner.blobs(block, hashes).await?;
        for (h, b) in hashes.iter().zip(&blobs) {
            self.blobs.put(*h, b.clone());
        }
        Ok(blobs)
    }
}

#[cfg(test)]
mod tests {
    use super::Bounded;

    #[test]
    fn the_oldest_entry_goes_first() {
        let b = Bounded::new(2);
        b.put(1, "a");
        b.put(2, "b");
        b.put(1, "a again");
        b.put(3, "c");
        assert_eq!(b.get(&1), None);
        assert_eq!((b.get(&2), b.get(&3)), (Some("b"), Some("c")));
    }
}
