//! lamina-proof's integration tests.

// Test code: a panic is how a test reports failure.
#![allow(clippy::unwrap_used)]

mod mpt;
mod state;
