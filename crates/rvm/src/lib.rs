//! `lamina-rvm`: the RISC-V machine the fault-proof program runs on in a dispute. One hart of
//! RV64IMA with three syscalls (exit, read, write) on the preimage and hint file descriptors,
//! naturally aligned memory, and a state small enough to commit to: [`state::State`], whose
//! hash carries the run's status in its first byte.
//!
//! - [`vm::Vm`]: the fast interpreter (what `lamina proof run --mode vm` runs);
//! - [`memory::Memory`]: paged memory with its Merkle root and leaf proofs ([`merkle`]);
//! - [`elf`]: loading the guest;
//! - [`preimage`]: how a read of fd 5 yields one part of a preimage;
//! - [`step::step`]: the stand-alone step from a [`witness::StepWitness`] alone — the function
//!   an L1 contract ports;
//! - [`snapshot`]: a VM in one byte string, to restart a run at a step.
//!
//! Pure: no IO, no clock; the host is a trait.

pub mod elf;
pub mod memory;
pub mod merkle;
pub mod preimage;
pub mod snapshot;
pub mod state;
pub mod step;
pub mod vm;
pub mod witness;

pub use state::{State, Status};
pub use vm::{Fault, Host, Vm, VmError};
