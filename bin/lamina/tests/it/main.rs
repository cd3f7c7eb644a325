//! Integration tests of the `lamina` binary: `lamina decode`, `lamina engine` and `lamina l1` run as
//! processes (the engine driven by cast and viem), and the workspace architecture rules.

// Test code: a panic is how a test reports failure.
#![allow(clippy::unwrap_used)]

mod architecture;
mod bridge;
mod challenger;
mod clients;
mod decode;
mod deploy;
mod dev;
mod explorer;
mod geth_surface;
mod kona;
mod l1;
mod metrics;
mod node;
mod prestate;
mod proof;
mod roles;
mod shutdown;
