//! The guest's runtime: entry point and stack, a bump allocator over a static heap, the three
//! syscalls, and a panic that exits 2. Nothing here is used outside the RISC-V guest.

use core::{
    alloc::{GlobalAlloc, Layout},
    sync::atomic::{AtomicUsize, Ordering},
};

use lamina_proof::preimage::{OracleError, client::Stream};

/// Stack size.
const STACK: usize = 1 << 20;
/// Heap size (bss: it costs nothing in the ELF).
const HEAP: usize = 1 << 30;

#[repr(align(16))]
struct Region<const N: usize>([u8; N]);

#[unsafe(no_mangle)]
static mut GUEST_STACK: Region<STACK> = Region([0; STACK]);
static mut GUEST_HEAP: Region<HEAP> = Region([0; HEAP]);

core::arch::global_asm!(
    ".section .text._start",
    ".global _start",
    "_start:",
    "la sp, GUEST_STACK",
    "li t0, {stack}",
    "add sp, sp, t0",
    "call guest_main",
    stack = const STACK,
);

/// Bump allocation: the program runs once and exits, so nothing is ever freed.
struct Bump(AtomicUsize);

unsafe impl GlobalAlloc for Bump {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let base = core::ptr::addr_of_mut!(GUEST_HEAP) as usize;
        let mut at = self.0.load(Ordering::Relaxed);
        loop {
            let start = (base + at).next_multiple_of(layout.align()) - base;
            let end = match start.checked_add(layout.size()) {
                Some(end) if end <= HEAP => end,
                _ => return core::ptr::null_mut(),
            };
            match self.0.compare_exchange(at, end, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => return (base + start) as *mut u8,
                Err(now) => at = now,
            }
        }
    }

    unsafe fn dealloc(&self, _ptr: *mut u8, _layout: Layout) {}
}

#[global_allocator]
static ALLOC: Bump = Bump(AtomicUsize::new(0));

/// Linux's RISC-V syscall numbers.
const SYS_READ: usize = 63;
const SYS_WRITE: usize = 64;
const SYS_EXIT: usize = 93;

fn syscall(n: usize, a0: usize, a1: usize, a2: usize) -> isize {
    let ret: isize;
    // SAFETY: a Linux syscall with the kernel's calling convention; the buffers passed are
    // valid for the lengths passed.
    unsafe {
        core::arch::asm!("ecall", in("a7") n, inlateout("a0") a0 as isize => ret, in("a1") a1, in("a2") a2);
    }
    ret
}

/// Ends the program with `code`.
pub fn exit(code: i32) -> ! {
    syscall(SYS_EXIT, code as usize, 0, 0);
    loop {}
}

/// One host stream: a file descriptor to read from and one to write to.
pub struct Fd {
    pub read: usize,
    pub write: usize,
}

impl Stream for Fd {
    fn write_all(&mut self, mut buf: &[u8]) -> Result<(), OracleError> {
        while !buf.is_empty() {
            let n = syscall(SYS_WRITE, self.write, buf.as_ptr() as usize, buf.len());
            if n <= 0 {
                return Err(OracleError::Host(alloc::string::String::from("write failed")));
            }
            buf = &buf[n as usize..];
        }
        Ok(())
    }

    fn read_exact(&mut self, mut buf: &mut [u8]) -> Result<(), OracleError> {
        while !buf.is_empty() {
            let n = syscall(SYS_READ, self.read, buf.as_mut_ptr() as usize, buf.len());
            if n <= 0 {
                return Err(OracleError::Host(alloc::string::String::from("read failed")));
            }
            buf = &mut buf[n as usize..];
        }
        Ok(())
    }
}

/// Writes `msg` to standard output (fd 1), best effort.
pub fn print(msg: &str) {
    let _ = Stream::write_all(&mut Fd { read: 0, write: 1 }, msg.as_bytes());
}

/// Writes `msg` to standard error (fd 2), best effort: the host may log it.
pub fn eprint(msg: &str) {
    let _ = Stream::write_all(&mut Fd { read: 0, write: 2 }, msg.as_bytes());
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    eprint(&alloc::format!("guest panic: {info}\n"));
    exit(2)
}
