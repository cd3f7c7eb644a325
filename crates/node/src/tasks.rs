//! The tasks of a running service, kept in one set under one cancellation token. Stopping
//! cancels the token and waits for every task to return, so the stores they hold are closed
//! before the process exits (a restart then never needs redb's repair). A task either watches
//! the token itself and finishes its step first ([`Tasks::spawn_with`]), or is dropped at its
//! next await once cancelled ([`Tasks::spawn`]); both are safe for our stores, whose writes
//! are synchronous transactions that an await never splits.

use std::{future::Future, time::Duration};

use tokio_util::{sync::CancellationToken, task::TaskTracker};

/// How long a service's tasks may take to finish their step once told to stop.
pub const STOP_GRACE: Duration = Duration::from_millis(1_500);

/// A set of tasks with one cancellation token.
#[derive(Debug, Clone, Default)]
pub struct Tasks {
    token: CancellationToken,
    tracker: TaskTracker,
}

impl Tasks {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// The set's token: cancelled when the set stops.
    pub fn token(&self) -> CancellationToken {
        self.token.clone()
    }

    /// Whether the set was told to stop.
    pub fn is_stopping(&self) -> bool {
        self.token.is_cancelled()
    }

    /// Runs `task` until it returns or the set stops (it is then dropped at its next await).
    pub fn spawn(&self, name: &'static str, task: impl Future<Output = ()> + Send + 'static) {
        let token = self.token.clone();
        self.tracker.spawn(async move {
            tokio::select! {
                biased;
                () = token.cancelled() => {
                    tracing::debug!(target: "lamina::tasks", task = name, "stopped");
                }
                () = task => {}
            }
        });
    }

    /// Runs the task `make` builds from the set's token; it watches the token itself and
    /// returns once it has finished what it was doing.
    pub fn spawn_with<F>(&self, make: impl FnOnce(CancellationToken) -> F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.tracker.spawn(make(self.token.clone()));
    }

    /// Cancels every task and waits up to `grace` for all of them to return; `false` when some
    /// did not (they are left to the runtime's shutdown).
    pub async fn stop(&self, grace: Duration) -> bool {
        self.token.cancel();
        self.tracker.close();
        let done = tokio::time::timeout(grace, self.tracker.wait()).await.is_ok();
        if !done {
            tracing::warn!(
                target: "lamina::tasks",
                left = self.tracker.len(),
                "tasks still running after the grace period"
            );
        }
        done
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    };

    use super::*;

    #[tokio::test]
    async fn stop_cancels_both_kinds_and_waits_for_them() {
        let tasks = Tasks::new();
        let finished = Arc::new(AtomicBool::new(false));
        let f = finished.clone();
        tasks.spawn_with(|token| async move {
            token.cancelled().await;
            // Finishing its step after the signal.
            tokio::time::sleep(Duration::from_millis(20)).await;
            f.store(true, Ordering::SeqCst);
        });
        tasks.spawn("forever", std::future::pending());
        assert!(tasks.stop(Duration::from_secs(5)).await, "both returned");
        assert!(finished.load(Ordering::SeqCst), "the cooperative task finished its step");
        assert!(tasks.is_stopping());
    }

    #[tokio::test]
    async fn a_task_that_ignores_the_token_is_reported_after_the_grace_period() {
        let tasks = Tasks::new();
        tasks.spawn_with(|_| tokio::time::sleep(Duration::from_secs(60)));
        assert!(!tasks.stop(Duration::from_millis(50)).await);
    }
}
