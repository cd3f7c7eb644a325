//! The fast VM: an RV64IMA interpreter over [`Memory`], one hart, that runs the guest to its
//! exit as quickly as it can and can stop at any step. What it computes is exactly what the
//! stand-alone step function (`step`) computes from a witness — the two are held together by
//! tests on every step of sampled windows.
//!
//! The machine's rules, beyond the ISA:
//! - every register starts at zero and the pc at the ELF's entry; the program sets its stack;
//! - loads, stores, LR/SC and AMOs must be naturally aligned and jumps must land on a
//!   4-aligned address; an illegal or unsupported instruction (compressed, CSR, EBREAK, any
//!   reserved encoding) or a misaligned access is a *fault*: the VM exits with code
//!   [`FAULT_EXIT`] (status panic) — deterministic, never undefined;
//! - FENCE and FENCE.I do nothing; LR sets the reservation to its address, SC succeeds iff the
//!   reservation is that address, and clears it either way;
//! - ECALL (a7 = number, a0–a2 = arguments, result in a0; the pc moves on by 4):
//!   `exit` (93) and `exit_group` (94) end the run with code a0 & 0xff;
//!   `read` (63): fd 0 returns 0, fd 3 (hint acknowledgements) returns the count without
//!   writing, fd 5 (preimage) writes one part (see `preimage`) and returns its length;
//!   `write` (64): fds 1, 2 and 4 (hints) return the count, fd 6 shifts up to the rest of the
//!   32-byte leaf into the preimage key and resets the preimage offset; other fds give -EBADF,
//!   other syscalls -ENOSYS. Hints and output never change the state: the host sees them.

use alloy_primitives::B256;

use crate::{
    elf::{self, ElfError},
    memory::Memory,
    preimage,
    state::{NO_RESERVATION, State},
};

/// The exit code of a fault.
pub const FAULT_EXIT: u8 = 0xff;
/// `-EBADF`.
pub const EBADF: u64 = (-9i64) as u64;
/// `-ENOSYS`.
pub const ENOSYS: u64 = (-38i64) as u64;
/// Output kept per stream (stdout, stderr) for the host; more is dropped.
const MAX_OUTPUT: usize = 1 << 20;
/// The largest write to the hint fd the host reads (a longer one loses its hints).
const MAX_HINT_WRITE: u64 = 64 << 20;

/// Why the VM stopped with a fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// An instruction that is not RV64IMA, or one the VM refuses.
    Illegal {
        /// Where.
        pc: u64,
        /// The instruction word.
        insn: u32,
    },
    /// A misaligned access or jump target.
    Misaligned {
        /// Where.
        pc: u64,
        /// The address.
        addr: u64,
    },
}

/// The host of a fast run: preimages by key, and hints.
pub trait Host {
    /// The preimage of `key`.
    fn preimage(&mut self, key: B256) -> Result<Vec<u8>, preimage::PreimageError>;

    /// A hint the program sent (its bytes, without the length prefix). Hints never decide
    /// anything; an error is the host's to log.
    fn hint(&mut self, hint: &[u8]);
}

/// Why a run stopped without finishing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VmError {
    /// The host could not give a preimage the program read.
    #[error(transparent)]
    Preimage(#[from] preimage::PreimageError),
}

/// The fast VM.
#[derive(Debug, Clone)]
pub struct Vm {
    regs: [u64; 32],
    pc: u64,
    exited: bool,
    exit_code: u8,
    step: u64,
    reservation: u64,
    preimage_key: B256,
    preimage_offset: u64,
    /// The memory.
    pub mem: Memory,
    /// The current preimage, fetched once per key.
    preimage: Option<(B256, Vec<u8>)>,
    /// Hint bytes not yet framed.
    hints: Vec<u8>,
    /// What the program wrote to fd 1 (the first MiB).
    pub stdout: Vec<u8>,
    /// What the program wrote to fd 2 (the first MiB).
    pub stderr: Vec<u8>,
    /// The fault that ended the run, if one did.
    pub fault: Option<Fault>,
}

#[inline]
const fn sext32(v: u64) -> u64 {
    v as u32 as i32 as i64 as u64
}

impl Vm {
    /// The VM at the entry of the ELF in `file`.
    pub fn from_elf(file: &[u8]) -> Result<Self, ElfError> {
        let elf = elf::parse(file)?;
        let mut mem = Memory::default();
        for seg in &elf.segments {
            mem.write_bytes(seg.vaddr, &seg.data);
        }
        Ok(Self {
            regs: [0; 32],
            pc: elf.entry,
            exited: false,
            exit_code: 0,
            step: 0,
            reservation: NO_RESERVATION,
            preimage_key: B256::ZERO,
            preimage_offset: 0,
            mem,
            preimage: None,
            hints: Vec::new(),
            stdout: Vec::new(),
            stderr: Vec::new(),
            fault: None,
        })
    }

    /// A VM at `state` over `mem` (which must hash to the state's root: the caller checked).
    pub(crate) fn from_parts(state: State, mem: Memory) -> Self {
        Self {
            regs: state.regs,
            pc: state.pc,
            exited: state.exited,
            exit_code: state.exit_code,
            step: state.step,
            reservation: state.load_reservation,
            preimage_key: state.preimage_key,
            preimage_offset: state.preimage_offset,
            mem,
            preimage: None,
            hints: Vec::new(),
            stdout: Vec::new(),
            stderr: Vec::new(),
            fault: None,
        }
    }

    /// The state (hashing the dirty memory).
    pub fn state(&mut self) -> State {
        State {
            mem_root: self.mem.root(),
            preimage_key: self.preimage_key,
            preimage_offset: self.preimage_offset,
            pc: self.pc,
            exit_code: self.exit_code,
            exited: self.exited,
            step: self.step,
            load_reservation: self.reservation,
            regs: self.regs,
        }
    }

    /// Instructions executed.
    pub const fn steps(&self) -> u64 {
        self.step
    }

    /// The exit code, once exited.
    pub const fn exit_code(&self) -> Option<u8> {
        if self.exited { Some(self.exit_code) } else { None }
    }

    /// The registers.
    pub const fn regs(&self) -> &[u64; 32] {
        &self.regs
    }

    /// The pc.
    pub const fn pc(&self) -> u64 {
        self.pc
    }

    /// Runs until the program exits or `step` reaches `until`. (The host is a trait object so
    /// the interpreter is compiled once, here, with this crate's optimization, never
    /// monomorphized into a caller built without it.)
    pub fn run(&mut self, host: &mut dyn Host, until: u64) -> Result<(), VmError> {
        while !self.exited && self.step < until {
            self.step_one(host)?;
        }
        Ok(())
    }

    #[inline]
    fn set(&mut self, rd: usize, v: u64) {
        if rd != 0 {
            self.regs[rd] = v;
        }
    }

    fn fault(&mut self, fault: Fault) {
        self.fault = Some(fault);
        self.exited = true;
        self.exit_code = FAULT_EXIT;
    }

    /// `target` if the jump at `pc` may land there; otherwise the jump faults (no link is
    /// written) and `None`.
    #[inline(always)]
    fn jump_target(&mut self, pc: u64, target: u64) -> Option<u64> {
        if target & 3 == 0 {
            return Some(target);
        }
        self.fault(Fault::Misaligned { pc, addr: target });
        None
    }

    /// Executes one instruction (nothing once exited).
    #[inline(always)]
    pub fn step_one(&mut self, host: &mut dyn Host) -> Result<(), VmError> {
        if self.exited {
            return Ok(());
        }
        self.step += 1;
        let pc = self.pc;
        if pc & 3 != 0 {
            self.fault(Fault::Misaligned { pc, addr: pc });
            return Ok(());
        }
        let insn = self.mem.fetch(pc);
        let opcode = insn & 0x7f;
        let rd = ((insn >> 7) & 31) as usize;
        let f3 = (insn >> 12) & 7;
        let rs1 = self.regs[((insn >> 15) & 31) as usize];
        let rs2 = self.regs[((insn >> 20) & 31) as usize];
        let f7 = insn >> 25;
        let imm_i = ((insn as i32) >> 20) as i64 as u64;
        let illegal = Fault::Illegal { pc, insn };
        let mut next = pc.wrapping_add(4);
        match opcode {
            // LUI
            0x37 => self.set(rd, (insn & 0xffff_f000) as i32 as i64 as u64),
            // AUIPC
            0x17 => self.set(rd, pc.wrapping_add((insn & 0xffff_f000) as i32 as i64 as u64)),
            // JAL
            0x6f => {
                let imm = ((((insn as i32) >> 31) as u64) << 20)
                    | (u64::from((insn >> 12) & 0xff) << 12)
                    | (u64::from((insn >> 20) & 1) << 11)
                    | (u64::from((insn >> 21) & 0x3ff) << 1);
                let imm = ((imm as i64) << 43 >> 43) as u64;
                let Some(target) = self.jump_target(pc, pc.wrapping_add(imm)) else {
                    return Ok(());
                };
                self.set(rd, next);
                next = target;
            }
            // JALR
            0x67 if f3 == 0 => {
                let Some(target) = self.jump_target(pc, rs1.wrapping_add(imm_i) & !1) else {
                    return Ok(());
                };
                self.set(rd, next);
                next = target;
            }
            // Branches
            0x63 => {
                let taken = match f3 {
                    0 => rs1 == rs2,
                    1 => rs1 != rs2,
                    4 => (rs1 as i64) < (rs2 as i64),
                    5 => (rs1 as i64) >= (rs2 as i64),
                    6 => rs1 < rs2,
                    7 => rs1 >= rs2,
                    _ => {
                        self.fault(illegal);
                        return Ok(());
                    }
                };
                if taken {
                    let imm = ((((insn as i32) >> 31) as u64) << 12)
                        | (u64::from((insn >> 7) & 1) << 11)
                        | (u64::from((insn >> 25) & 0x3f) << 5)
                        | (u64::from((insn >> 8) & 0xf) << 1);
                    let imm = ((imm as i64) << 51 >> 51) as u64;
                    let Some(target) = self.jump_target(pc, pc.wrapping_add(imm)) else {
                        return Ok(());
                    };
                    next = target;
                }
            }
            // Loads
            0x03 => {
                let addr = rs1.wrapping_add(imm_i);
                let (size, signed) = match f3 {
                    0 => (1, true),
                    1 => (2, true),
                    2 => (4, true),
                    3 => (8, false),
                    4 => (1, false),
                    5 => (2, false),
                    6 => (4, false),
                    _ => {
                        self.fault(illegal);
                        return Ok(());
                    }
                };
                if addr & (size as u64 - 1) != 0 {
                    self.fault(Fault::Misaligned { pc, addr });
                    return Ok(());
                }
                let v = self.mem.load(addr, size);
                let shift = 64 - 8 * size as u32;
                let v = if signed && size < 8 { ((v << shift) as i64 >> shift) as u64 } else { v };
                self.set(rd, v);
            }
            // Stores
            0x23 => {
                let imm = ((((insn & 0xfe00_0000) as i32) >> 20) as i64 as u64)
                    | u64::from((insn >> 7) & 0x1f);
                let addr = rs1.wrapping_add(imm);
                let size = match f3 {
                    0..=3 => 1usize << f3,
                    _ => {
                        self.fault(illegal);
                        return Ok(());
                    }
                };
                if addr & (size as u64 - 1) != 0 {
                    self.fault(Fault::Misaligned { pc, addr });
                    return Ok(());
                }
                self.mem.store(addr, size, rs2);
            }
            // OP-IMM
            0x13 => {
                let shamt = (insn >> 20) & 0x3f;
                let f6 = insn >> 26;
                let v = match f3 {
                    0 => rs1.wrapping_add(imm_i),
                    2 => u64::from((rs1 as i64) < (imm_i as i64)),
                    3 => u64::from(rs1 < imm_i),
                    4 => rs1 ^ imm_i,
                    6 => rs1 | imm_i,
                    7 => rs1 & imm_i,
                    1 if f6 == 0 => rs1 << shamt,
                    5 if f6 == 0 => rs1 >> shamt,
                    5 if f6 == 0x10 => ((rs1 as i64) >> shamt) as u64,
                    _ => {
                        self.fault(illegal);
                        return Ok(());
                    }
                };
                self.set(rd, v);
            }
            // OP-IMM-32
            0x1b => {
                let shamt = (insn >> 20) & 0x1f;
                let v = match (f3, f7) {
                    (0, _) => sext32(rs1.wrapping_add(imm_i)),
                    (1, 0) => sext32(((rs1 as u32) << shamt) as u64),
                    (5, 0) => sext32(((rs1 as u32) >> shamt) as u64),
                    (5, 0x20) => ((rs1 as i32) >> shamt) as i64 as u64,
                    _ => {
                        self.fault(illegal);
                        return Ok(());
                    }
                };
                self.set(rd, v);
            }
            // OP
            0x33 => {
                let sh = rs2 & 63;
                let v = match (f7, f3) {
                    (0, 0) => rs1.wrapping_add(rs2),
                    (0x20, 0) => rs1.wrapping_sub(rs2),
                    (0, 1) => rs1 << sh,
                    (0, 2) => u64::from((rs1 as i64) < (rs2 as i64)),
                    (0, 3) => u64::from(rs1 < rs2),
                    (0, 4) => rs1 ^ rs2,
                    (0, 5) => rs1 >> sh,
                    (0x20, 5) => ((rs1 as i64) >> sh) as u64,
                    (0, 6) => rs1 | rs2,
                    (0, 7) => rs1 & rs2,
                    (1, 0) => rs1.wrapping_mul(rs2),
                    (1, 1) => ((i128::from(rs1 as i64) * i128::from(rs2 as i64)) >> 64) as u64,
                    (1, 2) => ((i128::from(rs1 as i64) * i128::from(rs2)) >> 64) as u64,
                    (1, 3) => ((u128::from(rs1) * u128::from(rs2)) >> 64) as u64,
                    (1, 4) => match (rs1 as i64, rs2 as i64) {
                        (_, 0) => u64::MAX,
                        (a, b) => a.wrapping_div(b) as u64,
                    },
                    (1, 5) => rs1.checked_div(rs2).unwrap_or(u64::MAX),
                    (1, 6) => match (rs1 as i64, rs2 as i64) {
                        (a, 0) => a as u64,
                        (a, b) => a.wrapping_rem(b) as u64,
                    },
                    (1, 7) => rs1.checked_rem(rs2).unwrap_or(rs1),
                    _ => {
                        self.fault(illegal);
                        return Ok(());
                    }
                };
                self.set(rd, v);
            }
            // OP-32
            0x3b => {
                let (a, b) = (rs1 as u32, rs2 as u32);
                let sh = b & 31;
                let v = match (f7, f3) {
                    (0, 0) => sext32(u64::from(a.wrapping_add(b))),
                    (0x20, 0) => sext32(u64::from(a.wrapping_sub(b))),
                    (0, 1) => sext32(u64::from(a << sh)),
                    (0, 5) => sext32(u64::from(a >> sh)),
                    (0x20, 5) => ((a as i32) >> sh) as i64 as u64,
                    (1, 0) => sext32(u64::from(a.wrapping_mul(b))),
                    (1, 4) => match (a as i32, b as i32) {
                        (_, 0) => u64::MAX,
                        (x, y) => x.wrapping_div(y) as i64 as u64,
                    },
                    (1, 5) => sext32(u64::from(a.checked_div(b).unwrap_or(u32::MAX))),
                    (1, 6) => match (a as i32, b as i32) {
                        (x, 0) => x as i64 as u64,
                        (x, y) => x.wrapping_rem(y) as i64 as u64,
                    },
                    (1, 7) => sext32(u64::from(a.checked_rem(b).unwrap_or(a))),
                    _ => {
                        self.fault(illegal);
                        return Ok(());
                    }
                };
                self.set(rd, v);
            }
            // FENCE, FENCE.I
            0x0f if f3 <= 1 => {}
            // ECALL
            0x73 if insn == 0x0000_0073 => {
                self.pc = next;
                return self.ecall(host);
            }
            // AMO
            0x2f if f3 == 2 || f3 == 3 => {
                let size = if f3 == 2 { 4 } else { 8 };
                let addr = rs1;
                if addr & (size as u64 - 1) != 0 {
                    self.fault(Fault::Misaligned { pc, addr });
                    return Ok(());
                }
                let f5 = insn >> 27;
                let ext = |v: u64| if size == 4 { sext32(v) } else { v };
                match f5 {
                    // LR
                    0x02 if (insn >> 20) & 31 == 0 => {
                        let v = ext(self.mem.load(addr, size));
                        self.reservation = addr;
                        self.set(rd, v);
                    }
                    // SC
                    0x03 => {
                        let ok = self.reservation == addr;
                        self.reservation = NO_RESERVATION;
                        if ok {
                            self.mem.store(addr, size, rs2);
                        }
                        self.set(rd, u64::from(!ok));
                    }
                    0x00 | 0x01 | 0x04 | 0x08 | 0x0c | 0x10 | 0x14 | 0x18 | 0x1c => {
                        let old = ext(self.mem.load(addr, size));
                        let b = ext(rs2);
                        let new = match f5 {
                            0x01 => b,
                            0x00 => old.wrapping_add(b),
                            0x04 => old ^ b,
                            0x0c => old & b,
                            0x08 => old | b,
                            0x10 => (old as i64).min(b as i64) as u64,
                            0x14 => (old as i64).max(b as i64) as u64,
                            0x18 => old.min(b),
                            _ => old.max(b),
                        };
                        self.mem.store(addr, size, new);
                        self.set(rd, old);
                    }
                    _ => {
                        self.fault(illegal);
                        return Ok(());
                    }
                }
            }
            _ => {
                self.fault(illegal);
                return Ok(());
            }
        }
        self.pc = next;
        Ok(())
    }

    fn ecall(&mut self, host: &mut dyn Host) -> Result<(), VmError> {
        let [a0, a1, a2] = [self.regs[10], self.regs[11], self.regs[12]];
        let ret = match self.regs[17] {
            93 | 94 => {
                self.exited = true;
                self.exit_code = a0 as u8;
                return Ok(());
            }
            63 => match a0 {
                0 => 0,
                3 => a2,
                5 => self.read_preimage(host, a1, a2)?,
                _ => EBADF,
            },
            64 => match a0 {
                1 | 2 => {
                    let out = if a0 == 1 { &mut self.stdout } else { &mut self.stderr };
                    let room = MAX_OUTPUT.saturating_sub(out.len()) as u64;
                    let bytes = self.mem.read_bytes(a1, a2.min(room) as usize);
                    let out = if a0 == 1 { &mut self.stdout } else { &mut self.stderr };
                    out.extend_from_slice(&bytes);
                    a2
                }
                4 => {
                    self.take_hints(host, a1, a2);
                    a2
                }
                6 => {
                    let n = a2.min(32 - (a1 & 31));
                    let bytes = self.mem.read_bytes(a1, n as usize);
                    let mut key = [0u8; 32];
                    key[..32 - n as usize].copy_from_slice(&self.preimage_key[n as usize..]);
                    key[32 - n as usize..].copy_from_slice(&bytes);
                    self.preimage_key = B256::from(key);
                    self.preimage_offset = 0;
                    n
                }
                _ => EBADF,
            },
            _ => ENOSYS,
        };
        self.regs[10] = ret;
        Ok(())
    }

    /// The preimage of the current key, fetched from `host` once per key.
    pub(crate) fn current_preimage(&mut self, host: &mut dyn Host) -> Result<&[u8], VmError> {
        let key = self.preimage_key;
        if self.preimage.as_ref().is_none_or(|(k, _)| *k != key) {
            self.preimage = Some((key, host.preimage(key)?));
        }
        Ok(self.preimage.as_ref().map_or(&[], |(_, data)| data.as_slice()))
    }

    fn read_preimage(
        &mut self,
        host: &mut dyn Host,
        addr: u64,
        count: u64,
    ) -> Result<u64, VmError> {
        let offset = self.preimage_offset;
        let (dat, len) = preimage::part(self.current_preimage(host)?, offset);
        let n = count.min(32 - (addr & 31)).min(len);
        self.mem.write_bytes(addr, &dat[..n as usize]);
        self.preimage_offset += n;
        Ok(n)
    }

    /// Buffers hint bytes and hands every complete frame (u32 big-endian length, then the
    /// hint) to the host.
    fn take_hints(&mut self, host: &mut dyn Host, addr: u64, count: u64) {
        if count > MAX_HINT_WRITE {
            // Too long to be a hint; its frame boundaries are lost with it.
            self.hints.clear();
            return;
        }
        let bytes = self.mem.read_bytes(addr, count as usize);
        self.hints.extend_from_slice(&bytes);
        while let Some(len) = self.hints.get(..4) {
            let len = u32::from_be_bytes([len[0], len[1], len[2], len[3]]) as usize;
            if self.hints.len() < 4 + len {
                break;
            }
            host.hint(&self.hints[4..4 + len]);
            self.hints.drain(..4 + len);
        }
    }
}
