//! Making block commits durable off the writer's path ([`Durability::Pipelined`]).
//!
//! In that mode a block's transaction commits without waiting for the disk (redb's
//! non-durable commit: visible to every reader at once, kept in redb's write buffer) and this
//! module's thread then makes it durable with an empty durable commit, which writes and syncs
//! everything before it. The next block executes meanwhile; its own commit waits for the
//! writer lock, so at most one block is ever not yet durable, and every block still gets its
//! durable commit. A crash can lose only that last block: the store reopens at the one before,
//! consistent, as after any crash.
//!
//! [`Durability::Pipelined`]: super::Durability::Pipelined

use std::{
    sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, mpsc},
    thread::JoinHandle,
};

use redb::Database;

use super::StoreError;

#[derive(Debug, Default)]
struct State {
    /// The highest block known durable.
    durable: u64,
    /// Why making a block durable failed (every later wait fails with it).
    failed: Option<String>,
}

/// The sync thread and what it has made durable.
#[derive(Debug)]
pub(super) struct Syncer {
    requests: Mutex<Option<mpsc::Sender<u64>>>,
    state: Arc<(Mutex<State>, Condvar)>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Syncer {
    /// Starts the sync thread for `db`, whose durable head is block `durable`.
    pub(super) fn start(db: Arc<Database>, durable: u64) -> Result<Self, StoreError> {
        let (tx, rx) = mpsc::channel::<u64>();
        let state = Arc::new((Mutex::new(State { durable, failed: None }), Condvar::new()));
        let shared = state.clone();
        let thread = std::thread::Builder::new()
            .name("lamina-store-sync".into())
            .spawn(move || {
                while let Ok(mut number) = rx.recv() {
                    // Blocks committed meanwhile are made durable by the same sync.
                    while let Ok(n) = rx.try_recv() {
                        number = number.max(n);
                    }
                    // An empty durable commit writes and syncs every commit before it.
                    let synced = db
                        .begin_write()
                        .map_err(|e| e.to_string())
                        .and_then(|txn| txn.commit().map_err(|e| e.to_string()));
                    let (m, cv) = &*shared;
                    let mut s = lock(m);
                    match synced {
                        Ok(()) => s.durable = s.durable.max(number),
                        Err(e) => {
                            tracing::error!(target: "lamina::store", block = number, error = %e, "could not make the block durable");
                            s.failed.get_or_insert(e);
                        }
                    }
                    cv.notify_all();
                }
            })
            .map_err(|e| StoreError::Corrupt(format!("cannot start the sync thread: {e}")))?;
        Ok(Self { requests: Mutex::new(Some(tx)), state, thread: Mutex::new(Some(thread)) })
    }

    /// Block `number` was committed without syncing: make it durable.
    pub(super) fn request(&self, number: u64) -> Result<(), StoreError> {
        self.check()?;
        let sent = lock(&self.requests).as_ref().map(|tx| tx.send(number).is_ok());
        match sent {
            Some(true) => Ok(()),
            _ => Err(StoreError::Corrupt("the sync thread is gone".into())),
        }
    }

    /// Fails if a sync failed: the disk refused a write, nothing later can be trusted to land.
    pub(super) fn check(&self) -> Result<(), StoreError> {
        match &lock(&self.state.0).failed {
            Some(e) => Err(StoreError::Corrupt(format!("a block could not be made durable: {e}"))),
            None => Ok(()),
        }
    }

    /// Waits until block `number` is durable.
    pub(super) fn wait(&self, number: u64) -> Result<(), StoreError> {
        let (m, cv) = &*self.state;
        let mut s = lock(m);
        while s.durable < number && s.failed.is_none() {
            s = cv.wait(s).unwrap_or_else(PoisonError::into_inner);
        }
        drop(s);
        self.check()
    }

    /// Stops the thread after it has synced everything requested.
    pub(super) fn stop(&self) {
        lock(&self.requests).take();
        if let Some(t) = lock(&self.thread).take() {
            let _ = t.join();
        }
    }
}

impl Drop for Syncer {
    fn drop(&mut self) {
        self.stop();
    }
}
