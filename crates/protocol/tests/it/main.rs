//! Integration tests of lamina-protocol: conformance against the OP ecosystem's vectors in
//! `tests/vectors/` (or `$LAMINA_VECTORS`), property round trips, and no-panic checks.

// Test code: a panic is how a test reports failure.
#![allow(clippy::unwrap_used)]

mod blob;
mod decompress_paths;
mod deposits;
mod frames_channels;
mod l1_info;
mod no_panic;
mod outputs;
mod rollup_config;
mod roundtrip;
mod span_batch;
mod system_config;
mod vectors;
