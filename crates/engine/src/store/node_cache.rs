//! Trie node records kept in memory between blocks, by id: the nodes each block writes (the
//! next block's updates start from them) and the ones reads loaded and checked.
//!
//! Every block rewrites the top of the account trie and the paths it touched, and the next
//! block loads exactly those nodes again; from the cache that load costs no table read and no
//! hash check. An entry holds the hash the record was checked against (or was computed as), and
//! is served only for a reference to that same hash.
//!
//! Node ids are never reused except by a rewind, which drops every id above the new head's
//! nodes: a rewind starts a new *epoch* and empties the cache, and a view only uses (and only
//! adds) entries of the epoch it was opened in, so a view opened before a rewind can never see
//! a record written after it under a reused id.
//!
//! Memory is bounded by [`CACHED_NODES`] entries, kept as two generations: new entries go to
//! the young one, a hit in the old one moves there, and when the young one is full the old one
//! is dropped (a cheap approximation of least-recently-used).

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex, MutexGuard,
        atomic::{AtomicU64, Ordering},
    },
};

use alloy_primitives::B256;

use crate::trie::NodeId;

/// Entries kept, both generations together (about 300 bytes each: a record and its hash).
pub(super) const CACHED_NODES: usize = 1 << 17;

/// The state root is computed on all cores, each thread loading nodes: the entries are spread
/// over this many locks so that they rarely wait for each other.
const SHARDS: usize = 16;

#[derive(Clone)]
struct Entry {
    epoch: u64,
    hash: B256,
    record: Arc<[u8]>,
}

/// Ids are sequential integers: one multiply spreads them over the table (SipHash, the
/// default, costs more than the rest of a lookup, and ids are not attacker-chosen).
#[derive(Default, Clone, Copy)]
struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(*b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
    fn write_u64(&mut self, id: u64) {
        self.0 = id.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

type Ids = HashMap<NodeId, Entry, std::hash::BuildHasherDefault<IdHasher>>;

#[derive(Default)]
struct Generations {
    young: Ids,
    old: Ids,
}

/// Checked trie node records by id (see the module docs).
pub(super) struct NodeCache {
    /// Every entry carries the epoch it was added in and is served to views of that epoch
    /// only, so an insert racing with a rewind can never be served after it.
    epoch: AtomicU64,
    shards: [Mutex<Generations>; SHARDS],
}

impl Default for NodeCache {
    fn default() -> Self {
        Self { epoch: AtomicU64::new(0), shards: std::array::from_fn(|_| Mutex::default()) }
    }
}

impl std::fmt::Debug for NodeCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let entries: usize = (0..SHARDS)
            .map(|i| {
                let g = self.shard_at(i);
                g.young.len() + g.old.len()
            })
            .sum();
        f.debug_struct("NodeCache")
            .field("epoch", &self.epoch())
            .field("entries", &entries)
            .finish()
    }
}

impl NodeCache {
    fn shard_at(&self, i: usize) -> MutexGuard<'_, Generations> {
        // A panic while holding the lock cannot leave an entry half-written (inserts and
        // removals are single map operations), so a poisoned shard is still sound.
        self.shards[i].lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn shard(&self, id: NodeId) -> MutexGuard<'_, Generations> {
        self.shard_at((id % SHARDS as u64) as usize)
    }

    /// The current epoch (what a view opened now works in).
    pub(super) fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// The record of node `id` if it is cached for `epoch` and was checked against `hash`.
    pub(super) fn get(&self, epoch: u64, id: NodeId, hash: &B256) -> Option<Arc<[u8]>> {
        let served = |e: &Entry| (e.epoch == epoch && e.hash == *hash).then(|| e.record.clone());
        let mut g = self.shard(id);
        if let Some(e) = g.young.get(&id) {
            return served(e);
        }
        let e = g.old.remove(&id)?;
        let hit = served(&e);
        insert(&mut g, id, e);
        hit
    }

    /// Keeps `record` of node `id`, which hashes to `hash`, for views of `epoch`.
    pub(super) fn insert(&self, epoch: u64, id: NodeId, hash: B256, record: Arc<[u8]>) {
        if epoch == self.epoch() {
            insert(&mut self.shard(id), id, Entry { epoch, hash, record });
        }
    }

    /// Keeps the records a committed block wrote, with their hashes.
    pub(super) fn insert_written<'a>(
        &self,
        epoch: u64,
        written: impl Iterator<Item = (NodeId, &'a [u8], B256)>,
    ) {
        if epoch != self.epoch() {
            return;
        }
        for (id, record, hash) in written {
            insert(&mut self.shard(id), id, Entry { epoch, hash, record: record.into() });
        }
    }

    /// Starts a new epoch with nothing cached (a rewind is about to reuse node ids).
    pub(super) fn invalidate(&self) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
        for i in 0..SHARDS {
            let mut g = self.shard_at(i);
            g.young.clear();
            g.old.clear();
        }
    }
}

fn insert(g: &mut Generations, id: NodeId, e: Entry) {
    if g.young.len() >= CACHED_NODES / SHARDS / 2 {
        g.old = std::mem::take(&mut g.young);
    }
    g.young.insert(id, e);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(b: u8) -> Arc<[u8]> {
        vec![b; 40].into()
    }

    #[test]
    fn serves_a_record_only_for_its_hash_and_epoch() {
        let c = NodeCache::default();
        let e = c.epoch();
        c.insert(e, 7, B256::repeat_byte(1), rec(1));
        assert_eq!(c.get(e, 7, &B256::repeat_byte(1)).as_deref(), Some(&[1u8; 40][..]));
        assert!(c.get(e, 7, &B256::repeat_byte(2)).is_none(), "another hash: not this record");
        assert!(c.get(e, 8, &B256::repeat_byte(1)).is_none());
        assert!(c.get(e + 1, 7, &B256::repeat_byte(1)).is_none(), "another epoch");
    }

    #[test]
    fn a_rewind_empties_it_and_late_inserts_of_the_old_epoch_are_dropped() {
        let c = NodeCache::default();
        let e = c.epoch();
        c.insert(e, 7, B256::repeat_byte(1), rec(1));
        c.invalidate();
        let now = c.epoch();
        assert_ne!(now, e);
        assert!(c.get(now, 7, &B256::repeat_byte(1)).is_none());
        // A view opened before the rewind finishes a read afterwards: not kept.
        c.insert(e, 9, B256::repeat_byte(3), rec(3));
        c.insert_written(e, [(10, &[4u8; 40][..], B256::repeat_byte(4))].into_iter());
        assert!(c.get(now, 9, &B256::repeat_byte(3)).is_none());
        assert!(c.get(now, 10, &B256::repeat_byte(4)).is_none());
    }

    #[test]
    fn stays_bounded_and_keeps_what_is_used() {
        let c = NodeCache::default();
        let e = c.epoch();
        let h = B256::repeat_byte(9);
        c.insert(e, 0, h, rec(0));
        for id in 1..(CACHED_NODES as u64) {
            c.insert(e, id, h, rec(1));
            // Node 0 is read all along, so it survives every generation change.
            if id % 1000 == 0 {
                assert!(c.get(e, 0, &h).is_some(), "lost at {id}");
            }
        }
        for id in (CACHED_NODES as u64)..(2 * CACHED_NODES as u64) {
            c.insert(e, id, h, rec(1));
        }
        let total: usize = (0..SHARDS)
            .map(|i| {
                let g = c.shard_at(i);
                g.young.len() + g.old.len()
            })
            .sum();
        assert!(total <= CACHED_NODES);
        assert!(c.get(e, 1, &h).is_none(), "unused entries age out");
    }
}
