//! Lamina's L1 side.
//!
//! - [`contracts`]: our L1 contracts (OptimismPortal, L2OutputOracle, SystemConfig,
//!   Multicall3) as compiled artifacts with their `sol!` bindings.
//! - [`dev`]: `DevL1`, the embedded Ethereum chain `lamina dev` and the tests run on (Prague
//!   blocks, persistent, instant/interval/manual mining, safe/finalized depths, reorgs).
//!
//! - [`chain`]: the `L1Chain` port, with `RpcL1` (any JSON-RPC node, blobs from a beacon API)
//!   and `DevL1` adapters.
//! - [`deploy`]: the deployer (contracts through CREATE2, `rollup.json`, `genesis.json`,
//!   `addresses.json`).
//! - [`bridge`]: a user's deposits and withdrawals (status, proof, finalization), as
//!   `lamina deposit`/`withdraw`/`withdrawal` run them.
//! - [`txmgr`]: the tx manager (nonces, fees under caps, re-pricing, resubmission after
//!   reorgs, confirmations) the batcher, proposer and deployer send with.
//!
//! This is the only crate that knows L1 contract ABIs (architecture invariant 2).

pub mod bridge;
pub mod chain;
pub mod contracts;
pub mod deploy;
pub mod dev;
pub mod txmgr;
