//! Opening a redb file, saying whether it was closed cleanly. redb marks a file as in use while
//! it is open and repairs it on the next open when the process died without closing it (a
//! kill, a crash, a power cut): nothing committed is lost, but the repair walks the whole file.
//! Every store of ours opens through here, so an unclean shutdown is never silent.

use std::{
    path::Path,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
};

use redb::{Builder, Database, DatabaseError};

/// Opens (or creates) the database at `path`. Logs a warning, and returns `true` beside it,
/// when the file had not been closed cleanly and was repaired.
pub fn open_database(path: &Path) -> Result<(Database, bool), DatabaseError> {
    let repaired = Arc::new(AtomicBool::new(false));
    let flag = repaired.clone();
    let db = Builder::new()
        .set_repair_callback(move |_| flag.store(true, Ordering::Relaxed))
        .create(path)?;
    let repaired = repaired.load(Ordering::Relaxed);
    if repaired {
        tracing::warn!(
            target: "lamina::store",
            path = %path.display(),
            "the database was not closed cleanly (the process was killed?): repaired"
        );
    }
    Ok((db, repaired))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_closed_by_drop_opens_without_repair() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.redb");
        let (db, repaired) = open_database(&path).unwrap();
        assert!(!repaired, "a new file needs no repair");
        drop(db);
        let (_db, repaired) = open_database(&path).unwrap();
        assert!(!repaired, "closed by drop: clean");
    }

    #[test]
    fn a_database_never_closed_is_repaired_on_the_next_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.redb");
        let (db, _) = open_database(&path).unwrap();
        let txn = db.begin_write().unwrap();
        {
            let def = redb::TableDefinition::<u64, u64>::new("t");
            txn.open_table(def).unwrap().insert(1, 2).unwrap();
        }
        txn.commit().unwrap();
        // What a killed process leaves: the file as it is while open (redb locks the file
        // itself, so the copy stands in for it).
        let copy = dir.path().join("killed.redb");
        std::fs::copy(&path, &copy).unwrap();
        drop(db);
        let (db, repaired) = open_database(&copy).unwrap();
        assert!(repaired);
        drop(db);
        let (_db, repaired) = open_database(&copy).unwrap();
        assert!(!repaired, "repaired once, then clean");
    }
}
