//! Integration tests of the `lamina` binary: `lamina decode` run as a process, and the
//! workspace architecture rules.

// Test code: a panic is how a test reports failure.
#![allow(clippy::unwrap_used)]

mod architecture;
mod decode;
