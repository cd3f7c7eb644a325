//! Integration tests of lamina-evm: OP blocks built and executed on an in-memory state.

// Test code: a panic is how a test reports failure.
#![allow(clippy::unwrap_used)]

mod contracts;
mod eth;
mod executor;
mod gas_price_oracle;
mod l1_fees;
mod precompiles;
