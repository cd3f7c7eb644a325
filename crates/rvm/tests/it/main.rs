//! lamina-rvm's integration tests: the ISA against qemu-riscv64 on assembled test programs.

mod asm;
mod isa;
