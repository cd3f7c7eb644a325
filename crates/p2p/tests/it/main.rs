//! lamina-p2p's integration tests: the OP gossip vectors, and every validation rule.

// Test code: a panic is how a test reports failure.
#![allow(clippy::unwrap_used)]

mod discovery;
mod envelope;
mod gossip;
mod validate;
