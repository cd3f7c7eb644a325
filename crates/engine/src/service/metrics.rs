//! The engine's block timings as Prometheus metrics (through the `metrics` facade, a no-op
//! until a recorder is installed): execution, state root and commit of each block, apart, so
//! a slow chain shows whether the EVM, the trie or the disk is the cost.

use std::time::Duration;

/// The metric names under one namespace (`lamina_engine`, or a second engine's own), made
/// once.
#[derive(Debug)]
pub(super) struct EngineMetrics {
    execution: String,
    state_root: String,
    commit: String,
}

impl EngineMetrics {
    pub(super) fn new(ns: &str) -> Self {
        let m = Self {
            execution: format!("{ns}_block_execution_seconds"),
            state_root: format!("{ns}_state_root_seconds"),
            commit: format!("{ns}_block_commit_seconds"),
        };
        metrics::describe_histogram!(
            m.execution.clone(),
            metrics::Unit::Seconds,
            "Executing a block's txs (built from the pool, or imported and checked)"
        );
        metrics::describe_histogram!(
            m.state_root.clone(),
            metrics::Unit::Seconds,
            "Computing a block's state root on the incremental trie"
        );
        metrics::describe_histogram!(
            m.commit.clone(),
            metrics::Unit::Seconds,
            "Writing a block, its state and trie nodes to the store"
        );
        m
    }

    /// A block built (`built`) or imported, its execution and root times.
    pub(super) fn block(&self, built: bool, execution: Duration, root: Duration) {
        let source = if built { "built" } else { "imported" };
        metrics::histogram!(self.execution.clone(), "source" => source)
            .record(execution.as_secs_f64());
        metrics::histogram!(self.state_root.clone()).record(root.as_secs_f64());
    }

    /// A block committed.
    pub(super) fn commit(&self, took: Duration) {
        metrics::histogram!(self.commit.clone()).record(took.as_secs_f64());
    }
}
