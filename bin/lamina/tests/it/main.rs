//! Integration tests of the `lamina` binary: `lamina decode` and `lamina engine` run as
//! processes (the engine driven by cast and viem), and the workspace architecture rules.

// Test code: a panic is how a test reports failure.
#![allow(clippy::unwrap_used)]

mod architecture;
mod clients;
mod decode;
