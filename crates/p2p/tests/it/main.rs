//! lamina-p2p's integration tests: the OP gossip vectors.

// Test code: a panic is how a test reports failure.
#![allow(clippy::unwrap_used)]

mod envelope;
