//! Lamina's L1 side.
//!
//! - [`contracts`]: our L1 contracts (OptimismPortal, L2OutputOracle, SystemConfig,
//!   Multicall3) as compiled artifacts with their `sol!` bindings.
//! - [`chain`]: the `L1Chain` port, with `RpcL1` (any JSON-RPC node, blobs from a beacon API);
//!   the embedded dev chain that also implements it is `lamina-devl1`.
//! - [`accounts`]: anvil's well-known dev accounts (the deployer refuses them off dev chains).
//! - [`deploy`]: the deployer (contracts through CREATE2, `rollup.json`, `genesis.json`,
//!   `addresses.json`).
//! - [`bridge`]: a user's deposits and withdrawals (status, proof, finalization), as
//!   `lamina deposit`/`withdraw`/`withdrawal` run them.
//! - [`txmgr`]: the tx manager (nonces, fees under caps, re-pricing, resubmission after
//!   reorgs, confirmations) the batcher, proposer and deployer send with.
//!
//! This is the only crate that knows L1 contract ABIs (architecture invariant 2).

pub mod accounts;
pub mod bridge;
pub mod chain;
pub mod contracts;
pub mod deploy;
pub mod txmgr;
