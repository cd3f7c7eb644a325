//! lamina-derive's integration tests: the real OP Mainnet batcher tx through the whole pipeline,
//! and the pipeline's behaviour on a synthetic chain (a sequencer and a verifier sharing an
//! in-memory L1): frames out of order, duplicates, timeouts, Holocene flushes, sequencing
//! window expiry, deposits, hostile batcher data and L1 reorgs.

// Test code: a panic is how a test reports failure.
#![allow(clippy::unwrap_used)]

mod driver;
mod hostile;
mod op_mainnet;
mod synthetic;
mod vectors;
