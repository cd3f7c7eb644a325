//! The guest: the fault-proof program as a bare RISC-V executable. It boots itself (`_start`
//! sets the stack and jumps to [`guest_main`]), allocates from a static heap, and talks to its
//! host only through Linux's `read`, `write` and `exit` syscalls: hints on file descriptors 3
//! (from the host) and 4 (to it), preimages on 5 and 6. It exits 0 when the claim is right, 1
//! when it is wrong, 2 when it reached no verdict or panicked; with a verdict it first writes
//! the verdict's line to standard output (fd 1) for the host's report.

#![no_std]
#![no_main]

extern crate alloc;

mod rt;

use alloc::sync::Arc;

use lamina_proof::preimage::client::WireOracle;

/// The program: run, and exit with the verdict.
#[unsafe(no_mangle)]
pub extern "C" fn guest_main() -> ! {
    let oracle = WireOracle::new(rt::Fd { read: 3, write: 4 }, rt::Fd { read: 5, write: 6 });
    let code = match lamina_proof::program::run(Arc::new(oracle)) {
        Ok(verdict) => {
            rt::print(&verdict.line());
            verdict.exit_code()
        }
        Err(e) => {
            rt::eprint(&alloc::format!("guest: no verdict: {e}\n"));
            2
        }
    };
    rt::exit(code)
}
