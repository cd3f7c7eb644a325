//! lamina-rvm's integration tests: the ISA against qemu-riscv64 on assembled test programs,
//! and the stand-alone step against the fast VM.

// Test code: a panic is how a test reports failure.
#![allow(clippy::unwrap_used)]

mod asm;
mod isa;
mod step;
