//! Lamina's L1 side.
//!
//! - [`contracts`]: our L1 contracts (OptimismPortal, L2OutputOracle, SystemConfig,
//!   Multicall3) as compiled artifacts with their `sol!` bindings.
//! - [`dev`]: `DevL1`, the embedded Ethereum chain `lamina dev` and the tests run on (Prague
//!   blocks, persistent, instant/interval/manual mining, safe/finalized depths, reorgs).
//!
//! - [`chain`]: the `L1Chain` port, with `RpcL1` (any JSON-RPC node) and `DevL1` adapters.
//!
//! The dev L1's beacon endpoint, the deployer and the tx manager come next.
//!
//! This is the only crate that knows L1 contract ABIs (architecture invariant 2).

pub mod chain;
pub mod contracts;
pub mod dev;
