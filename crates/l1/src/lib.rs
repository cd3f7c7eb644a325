//! Lamina's L1 side. Today: [`contracts`], our L1 contracts (OptimismPortal, L2OutputOracle,
//! SystemConfig, Multicall3) as compiled artifacts with their `sol!` bindings. The `L1Chain`
//! port with its `RpcL1` and `DevL1` adapters, the deployer and the tx manager come next.
//!
//! This is the only crate that knows L1 contract ABIs (architecture invariant 2).

pub mod contracts;
