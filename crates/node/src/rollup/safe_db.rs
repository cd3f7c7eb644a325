//! The safe-head database behind `optimism_safeHeadAtL1Block`: for each L1 block that moved the
//! safe head, the newest safe L2 block derived from L1 up to it. Kept on disk (redb) so a
//! proposer or fault-proof tool can ask about any past L1 block, across restarts.
//!
//! Entries are keyed by L1 number; a reset that moves the safe head back deletes the entries
//! above it, so the database never names a block that is no longer safe.

use std::path::Path;

use alloy_primitives::B256;
use lamina_protocol::BlockId;
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};

/// L1 number → L1 hash(32) ++ L2 number(8) ++ L2 hash(32).
const SAFE_HEADS: TableDefinition<'_, u64, &[u8]> = TableDefinition::new("safe_heads");

/// Why the safe-head database failed.
#[derive(Debug, thiserror::Error)]
#[error("safe-head db: {0}")]
pub struct SafeDbError(String);

fn err(e: impl std::fmt::Display) -> SafeDbError {
    SafeDbError(e.to_string())
}

/// One answer: the safe head as of an L1 block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SafeHeadAt {
    /// The L1 block the safe head was derived up to.
    pub l1: BlockId,
    /// The safe L2 block.
    pub safe: BlockId,
}

fn encode(l1_hash: B256, safe: BlockId) -> [u8; 72] {
    let mut v = [0u8; 72];
    v[..32].copy_from_slice(l1_hash.as_slice());
    v[32..40].copy_from_slice(&safe.number.to_be_bytes());
    v[40..].copy_from_slice(safe.hash.as_slice());
    v
}

fn decode(l1_number: u64, v: &[u8]) -> Result<SafeHeadAt, SafeDbError> {
    if v.len() != 72 {
        return Err(err(format!("entry of L1 block {l1_number} is {} bytes", v.len())));
    }
    let mut n = [0u8; 8];
    n.copy_from_slice(&v[32..40]);
    Ok(SafeHeadAt {
        l1: BlockId { hash: B256::from_slice(&v[..32]), number: l1_number },
        safe: BlockId { hash: B256::from_slice(&v[40..]), number: u64::from_be_bytes(n) },
    })
}

/// The database.
#[derive(Debug)]
pub struct SafeDb {
    db: Database,
}

impl SafeDb {
    /// Opens (or creates) the database at `path`.
    pub fn open(path: &Path) -> Result<Self, SafeDbError> {
        let (db, _) = lamina_engine::store::open_database(path).map_err(err)?;
        let tx = db.begin_write().map_err(err)?;
        tx.open_table(SAFE_HEADS).map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(Self { db })
    }

    /// Records that L1 block `l1` made `safe` the safe head.
    pub fn record(&self, l1: BlockId, safe: BlockId) -> Result<(), SafeDbError> {
        let tx = self.db.begin_write().map_err(err)?;
        {
            let mut t = tx.open_table(SAFE_HEADS).map_err(err)?;
            t.insert(l1.number, encode(l1.hash, safe).as_slice()).map_err(err)?;
        }
        tx.commit().map_err(err)
    }

    /// Forgets every entry whose safe block is above `safe_number` (a reset moved it back).
    pub fn truncate_above(&self, safe_number: u64) -> Result<(), SafeDbError> {
        let tx = self.db.begin_write().map_err(err)?;
        {
            let mut t = tx.open_table(SAFE_HEADS).map_err(err)?;
            let mut stale = Vec::new();
            for entry in t.iter().map_err(err)?.rev() {
                let (k, v) = entry.map_err(err)?;
                let at = decode(k.value(), v.value())?;
                if at.safe.number <= safe_number {
                    break;
                }
                stale.push(k.value());
            }
            for k in stale {
                t.remove(k).map_err(err)?;
            }
        }
        tx.commit().map_err(err)
    }

    /// The safe head as of L1 block `l1_number`: the newest entry at or below it.
    pub fn safe_head_at(&self, l1_number: u64) -> Result<Option<SafeHeadAt>, SafeDbError> {
        let tx = self.db.begin_read().map_err(err)?;
        let t = tx.open_table(SAFE_HEADS).map_err(err)?;
        let mut range = t.range(..=l1_number).map_err(err)?;
        match range.next_back() {
            Some(entry) => {
                let (k, v) = entry.map_err(err)?;
                decode(k.value(), v.value()).map(Some)
            }
            None => Ok(None),
        }
    }

    /// The first entry whose safe head reached L2 block `l2_number`: the L1 block at which
    /// that block became safe. Entries' safe heads grow with their L1 numbers (a reset
    /// deletes the entries above), so this is a binary search.
    pub fn first_reaching(&self, l2_number: u64) -> Result<Option<SafeHeadAt>, SafeDbError> {
        let tx = self.db.begin_read().map_err(err)?;
        let t = tx.open_table(SAFE_HEADS).map_err(err)?;
        let at_or_below = |l1: u64| -> Result<Option<SafeHeadAt>, SafeDbError> {
            match t.range(..=l1).map_err(err)?.next_back() {
                Some(entry) => {
                    let (k, v) = entry.map_err(err)?;
                    decode(k.value(), v.value()).map(Some)
                }
                None => Ok(None),
            }
        };
        let (Some(first), Some(last)) = (
            t.first().map_err(err)?.map(|(k, _)| k.value()),
            t.last().map_err(err)?.map(|(k, _)| k.value()),
        ) else {
            return Ok(None);
        };
        let (mut lo, mut hi) = (first, last);
        if at_or_below(hi)?.is_none_or(|at| at.safe.number < l2_number) {
            return Ok(None);
        }
        // Invariant: the entry at or below `hi` reaches the block.
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if at_or_below(mid)?.is_some_and(|at| at.safe.number >= l2_number) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        at_or_below(hi)
    }

    /// The newest `n` entries, oldest first.
    pub fn recent(&self, n: usize) -> Result<Vec<SafeHeadAt>, SafeDbError> {
        let tx = self.db.begin_read().map_err(err)?;
        let t = tx.open_table(SAFE_HEADS).map_err(err)?;
        let mut out = Vec::with_capacity(n);
        for entry in t.iter().map_err(err)?.rev().take(n) {
            let (k, v) = entry.map_err(err)?;
            out.push(decode(k.value(), v.value())?);
        }
        out.reverse();
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u64) -> BlockId {
        BlockId { hash: B256::with_last_byte(n as u8), number: n }
    }

    #[test]
    fn answers_the_newest_entry_at_or_below_and_forgets_on_reset() {
        let dir = tempfile::tempdir().unwrap();
        let db = SafeDb::open(&dir.path().join("safe.redb")).unwrap();
        assert_eq!(db.safe_head_at(100).unwrap(), None);
        db.record(id(10), id(3)).unwrap();
        db.record(id(12), id(7)).unwrap();
        db.record(id(12), id(8)).unwrap();
        assert_eq!(db.safe_head_at(9).unwrap(), None);
        assert_eq!(db.safe_head_at(11).unwrap().unwrap().safe, id(3));
        assert_eq!(db.first_reaching(3).unwrap().unwrap().l1, id(10));
        assert_eq!(db.first_reaching(4).unwrap().unwrap().l1, id(12));
        assert_eq!(db.first_reaching(8).unwrap().unwrap().l1, id(12));
        assert_eq!(db.first_reaching(9).unwrap(), None, "not safe yet");
        let recent: Vec<_> = db.recent(5).unwrap().iter().map(|a| a.l1.number).collect();
        assert_eq!(recent, [10, 12]);
        assert_eq!(db.safe_head_at(50).unwrap().unwrap(), SafeHeadAt { l1: id(12), safe: id(8) });
        db.truncate_above(5).unwrap();
        assert_eq!(db.safe_head_at(50).unwrap().unwrap().safe, id(3));
        drop(db);
        let db = SafeDb::open(&dir.path().join("safe.redb")).unwrap();
        assert_eq!(db.safe_head_at(50).unwrap().unwrap().l1, id(10), "kept across a reopen");
    }

    #[test]
    fn first_reaching_agrees_with_a_scan_over_gaps_and_repeats() {
        let dir = tempfile::tempdir().unwrap();
        let db = SafeDb::open(&dir.path().join("safe.redb")).unwrap();
        // Sparse L1 numbers; the safe head stays put across some of them.
        let entries: Vec<(u64, u64)> = (0..200u64)
            .map(|i| (100 + i * 3 + i % 2, i * 2 - (i % 5 == 0 && i > 0) as u64))
            .collect();
        for (l1, safe) in &entries {
            db.record(id(*l1), BlockId { hash: B256::ZERO, number: *safe }).unwrap();
        }
        for n in 0..=410 {
            let scan = entries.iter().find(|(_, safe)| *safe >= n).map(|(l1, _)| *l1);
            assert_eq!(db.first_reaching(n).unwrap().map(|a| a.l1.number), scan, "block {n}");
        }
    }
}
