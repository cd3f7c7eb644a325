//! Senders recovered ahead of execution ([`EngineHandle::prefetch_senders`]).
//!
//! A verifier knows a span batch's blocks long before it executes them. Their txs are handed
//! here as soon as derivation accepts the span; a worker thread recovers their senders on the
//! other core while blocks execute on this one, and the builder takes a sender found here
//! instead of recovering the signature in the block. Entries are keyed by the tx's hash (of
//! its exact bytes), so a sender is only ever used for the bytes it was recovered from.
//!
//! Bounded: at most [`MAX_QUEUED`] batches wait (more are dropped: those txs are recovered in
//! their block, as without this), and [`MAX_ENTRIES`] senders are kept (two generations).
//!
//! [`EngineHandle::prefetch_senders`]: super::EngineHandle::prefetch_senders

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, MutexGuard, PoisonError, mpsc},
};

use alloy_consensus::transaction::SignerRecoverable;
use alloy_eips::eip2718::Decodable2718;
use alloy_primitives::{Address, B256, Bytes, keccak256};
use lamina_evm::KnownSenders;
use op_alloy_consensus::OpTxEnvelope;

/// Batches of txs waiting for the worker, at most.
const MAX_QUEUED: usize = 64;
/// Senders kept, both generations together.
pub(super) const MAX_ENTRIES: usize = 1 << 16;

#[derive(Debug, Default)]
struct Generations {
    young: HashMap<B256, Address>,
    old: HashMap<B256, Address>,
}

/// Recovered senders by tx hash, and the worker filling it.
#[derive(Debug)]
pub(super) struct SenderCache {
    map: Arc<Mutex<Generations>>,
    queue: Mutex<Option<mpsc::SyncSender<Vec<Bytes>>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl SenderCache {
    /// A cache with its worker thread (none if the thread cannot start: nothing is
    /// prefetched then, every sender is recovered in its block).
    pub(super) fn start() -> Self {
        let map = Arc::new(Mutex::new(Generations::default()));
        let (tx, rx) = mpsc::sync_channel::<Vec<Bytes>>(MAX_QUEUED);
        let filled = map.clone();
        let started = std::thread::Builder::new().name("lamina-senders".into()).spawn(move || {
            while let Ok(txs) = rx.recv() {
                for raw in txs {
                    let hash = keccak256(&raw);
                    if get(&lock(&filled), &hash).is_some() {
                        continue;
                    }
                    // What does not decode or recover is left to the block to refuse.
                    let Ok(tx) = OpTxEnvelope::decode_2718_exact(&raw) else { continue };
                    if tx.is_deposit() {
                        continue;
                    }
                    if let Ok(from) = tx.recover_signer() {
                        insert(&mut lock(&filled), hash, from);
                    }
                }
            }
        });
        let queue = match started {
            Ok(_) => Some(tx),
            Err(e) => {
                tracing::warn!(target: "lamina::engine", %e, "sender prefetching off");
                None
            }
        };
        Self { map, queue: Mutex::new(queue) }
    }

    /// Queues `txs` for recovery; dropped when the worker is this far behind already.
    pub(super) fn prefetch(&self, txs: Vec<Bytes>) {
        if txs.is_empty() {
            return;
        }
        if let Some(q) = lock(&self.queue).as_ref() {
            let _ = q.try_send(txs);
        }
    }

    /// Stops the worker once it has drained its queue.
    pub(super) fn stop(&self) {
        lock(&self.queue).take();
    }
}

impl KnownSenders for SenderCache {
    fn sender(&self, raw: &Bytes) -> Option<Address> {
        get(&lock(&self.map), &keccak256(raw))
    }
}

impl Drop for SenderCache {
    fn drop(&mut self) {
        self.stop();
    }
}

fn get(g: &Generations, hash: &B256) -> Option<Address> {
    g.young.get(hash).or_else(|| g.old.get(hash)).copied()
}

fn insert(g: &mut Generations, hash: B256, from: Address) {
    if g.young.len() >= MAX_ENTRIES / 2 {
        g.old = std::mem::take(&mut g.young);
    }
    g.young.insert(hash, from);
}

#[cfg(test)]
mod tests {
    use alloy_consensus::{SignableTransaction, TxEip1559};
    use alloy_eips::eip2718::Encodable2718;
    use alloy_primitives::TxKind;
    use alloy_signer::SignerSync;
    use alloy_signer_local::PrivateKeySigner;

    use super::*;

    fn signed(nonce: u64) -> (Bytes, Address) {
        let key = PrivateKeySigner::random();
        let tx = TxEip1559 {
            chain_id: 901,
            nonce,
            gas_limit: 21_000,
            to: TxKind::Call(Address::repeat_byte(1)),
            ..Default::default()
        };
        let sig = key.sign_hash_sync(&tx.signature_hash()).unwrap();
        (OpTxEnvelope::Eip1559(tx.into_signed(sig)).encoded_2718().into(), key.address())
    }

    #[test]
    fn prefetched_senders_are_found_by_their_exact_bytes_only() {
        let cache = SenderCache::start();
        let txs: Vec<_> = (0..20).map(signed).collect();
        let mut junk = vec![Bytes::from_static(&[0x02, 0xc0]), Bytes::new()];
        junk.extend(txs.iter().map(|(raw, _)| raw.clone()));
        cache.prefetch(junk);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while cache.sender(&txs[19].0).is_none() {
            assert!(std::time::Instant::now() < deadline, "the worker recovered nothing");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        for (raw, from) in &txs {
            assert_eq!(cache.sender(raw), Some(*from));
        }
        // One byte changed: another tx, not known.
        let mut other = txs[0].0.to_vec();
        let last = other.len() - 1;
        other[last] ^= 1;
        assert_eq!(cache.sender(&Bytes::from(other)), None);
        assert_eq!(cache.sender(&Bytes::from_static(&[0x02, 0xc0])), None);
    }
}
