//! The stand-alone step: from a pre-state hash, the state's encoding and a proof, compute the
//! hash of the state one instruction later — nothing else known. This is the function an L1
//! contract runs to end a dispute, so it is written to be ported line for line: 64-bit words
//! with explicit masks and sign extensions, one function per instruction group, no
//! allocation, the memory reached only through Merkle proofs checked against the state's root.
//!
//! The proof is one 60-word leaf proof (`merkle`) for the instruction's leaf, followed, when
//! the instruction touches memory (a load, a store, an AMO, a read of fd 5 or a write to
//! fd 6), by one for the data leaf. A read of fd 5 asks the [`PreimageOracle`] for the part at
//! the state's preimage key and offset. The rules are those of the fast VM (`vm`), which tests
//! hold this function to on every step of sampled windows.

use alloy_primitives::B256;

use crate::{
    merkle::{DEPTH, LEAF, PROOF_BYTES, root_of, split_proof},
    preimage::{PreimageError, PreimageOracle},
    state::{NO_RESERVATION, STATE_BYTES, State, StateError, hash_encoded},
};

/// The exit code of a fault (as the fast VM's).
const FAULT: u8 = 0xff;

/// Why a step cannot be taken: the inputs are not what they claim to be.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StepError {
    /// The state data does not hash to the pre-state.
    #[error("the state data does not hash to the pre-state")]
    PreState,
    /// The state data is not a state.
    #[error(transparent)]
    State(#[from] StateError),
    /// A leaf proof is missing or does not lead to the memory root.
    #[error("memory proof {0} is missing or wrong")]
    Proof(usize),
    /// The oracle has no such preimage, or a wrong one.
    #[error(transparent)]
    Preimage(#[from] PreimageError),
}

/// The state being stepped, and the proofs it may read.
struct Machine<'a> {
    s: State,
    proof: &'a [u8],
}

impl Machine<'_> {
    /// Leaf proof `index` for `addr`: checked against the memory root.
    fn leaf(&self, index: usize, addr: u64) -> Result<(B256, [B256; DEPTH]), StepError> {
        let start = index * PROOF_BYTES;
        let bytes = self.proof.get(start..start + PROOF_BYTES).ok_or(StepError::Proof(index))?;
        let (leaf, siblings) = split_proof(bytes).ok_or(StepError::Proof(index))?;
        if root_of(addr, &leaf, &siblings) != self.s.mem_root {
            return Err(StepError::Proof(index));
        }
        Ok((leaf, siblings))
    }

    /// `size` bytes at `addr` (aligned, so inside one leaf), little-endian, from proof
    /// `index`.
    fn load(&self, index: usize, addr: u64, size: u64) -> Result<u64, StepError> {
        let (leaf, _) = self.leaf(index, addr)?;
        let at = (addr & (LEAF - 1)) as usize;
        let mut v: u64 = 0;
        let mut i = 0;
        while i < size as usize {
            v |= u64::from(leaf.0[at + i]) << (8 * i);
            i += 1;
        }
        Ok(v)
    }

    /// Stores the low `size` bytes of `v` at `addr` through proof `index`, updating the root.
    fn store(&mut self, index: usize, addr: u64, size: u64, v: u64) -> Result<(), StepError> {
        let (mut leaf, siblings) = self.leaf(index, addr)?;
        let at = (addr & (LEAF - 1)) as usize;
        let mut i = 0;
        while i < size as usize {
            leaf.0[at + i] = (v >> (8 * i)) as u8;
            i += 1;
        }
        self.s.mem_root = root_of(addr, &leaf, &siblings);
        Ok(())
    }

    fn set(&mut self, rd: u64, v: u64) {
        if rd != 0 {
            self.s.regs[rd as usize] = v;
        }
    }

    fn fault(&mut self) {
        self.s.exited = true;
        self.s.exit_code = FAULT;
    }
}

/// Sign-extends the low `bits` bits of `v`.
const fn sext(v: u64, bits: u32) -> u64 {
    let shift = 64 - bits;
    ((v << shift) as i64 >> shift) as u64
}

/// One step from the state `state_data` (which must hash to `pre`), with `proof` and the
/// oracle; the post-state hash. An exited state steps to itself.
pub fn step(
    pre: B256,
    state_data: &[u8],
    proof: &[u8],
    oracle: &impl PreimageOracle,
) -> Result<B256, StepError> {
    let encoded: &[u8; STATE_BYTES] =
        state_data.try_into().map_err(|_| StateError::Length(state_data.len()))?;
    if hash_encoded(encoded) != pre {
        return Err(StepError::PreState);
    }
    let s = State::decode(state_data)?;
    if s.exited {
        return Ok(pre);
    }
    let mut m = Machine { s, proof };
    m.s.step += 1;
    execute(&mut m, oracle)?;
    Ok(m.s.hash())
}

/// Decodes and executes the instruction at the pc.
fn execute(m: &mut Machine<'_>, oracle: &impl PreimageOracle) -> Result<(), StepError> {
    let pc = m.s.pc;
    if pc & 3 != 0 {
        m.fault();
        return Ok(());
    }
    let insn = m.load(0, pc, 4)?;
    let opcode = insn & 0x7f;
    let rd = (insn >> 7) & 0x1f;
    let funct3 = (insn >> 12) & 0x7;
    let rs1 = m.s.regs[((insn >> 15) & 0x1f) as usize];
    let rs2 = m.s.regs[((insn >> 20) & 0x1f) as usize];
    let funct7 = insn >> 25;
    let imm_i = sext(insn >> 20, 12);
    let next = pc.wrapping_add(4);
    let ok = match opcode {
        0x37 => {
            m.set(rd, sext(insn & 0xffff_f000, 32));
            true
        }
        0x17 => {
            m.set(rd, pc.wrapping_add(sext(insn & 0xffff_f000, 32)));
            true
        }
        0x6f => {
            let imm = (((insn >> 31) & 1) << 20)
                | (((insn >> 12) & 0xff) << 12)
                | (((insn >> 20) & 1) << 11)
                | (((insn >> 21) & 0x3ff) << 1);
            return jump(m, rd, pc.wrapping_add(sext(imm, 21)), next);
        }
        0x67 => {
            if funct3 == 0 {
                return jump(m, rd, rs1.wrapping_add(imm_i) & !1, next);
            }
            false
        }
        0x63 => return branch(m, insn, funct3, rs1, rs2, pc, next),
        0x03 => return load(m, funct3, rd, rs1.wrapping_add(imm_i), next),
        0x23 => {
            let imm = sext(((insn >> 25) << 5) | ((insn >> 7) & 0x1f), 12);
            return store(m, funct3, rs1.wrapping_add(imm), rs2, next);
        }
        0x13 => op_imm(m, insn, funct3, rd, rs1, imm_i),
        0x1b => op_imm_32(m, insn, funct3, funct7, rd, rs1, imm_i),
        0x33 => op(m, funct7, funct3, rd, rs1, rs2),
        0x3b => op_32(m, funct7, funct3, rd, rs1, rs2),
        0x0f => funct3 <= 1,
        0x73 => {
            if insn == 0x73 {
                m.s.pc = next;
                return ecall(m, oracle);
            }
            false
        }
        0x2f => return amo(m, insn, funct3, rd, rs1, rs2, next),
        _ => false,
    };
    if ok {
        m.s.pc = next;
    } else {
        m.fault();
    }
    Ok(())
}

fn jump(m: &mut Machine<'_>, rd: u64, target: u64, next: u64) -> Result<(), StepError> {
    if target & 3 != 0 {
        m.fault();
        return Ok(());
    }
    m.set(rd, next);
    m.s.pc = target;
    Ok(())
}

fn branch(
    m: &mut Machine<'_>,
    insn: u64,
    funct3: u64,
    a: u64,
    b: u64,
    pc: u64,
    next: u64,
) -> Result<(), StepError> {
    let lt = (a ^ (1 << 63)) < (b ^ (1 << 63));
    let taken = match funct3 {
        0 => a == b,
        1 => a != b,
        4 => lt,
        5 => !lt,
        6 => a < b,
        7 => a >= b,
        _ => {
            m.fault();
            return Ok(());
        }
    };
    if !taken {
        m.s.pc = next;
        return Ok(());
    }
    let imm = (((insn >> 31) & 1) << 12)
        | (((insn >> 7) & 1) << 11)
        | (((insn >> 25) & 0x3f) << 5)
        | (((insn >> 8) & 0xf) << 1);
    jump(m, 0, pc.wrapping_add(sext(imm, 13)), next)
}

fn load(m: &mut Machine<'_>, funct3: u64, rd: u64, addr: u64, next: u64) -> Result<(), StepError> {
    if funct3 == 7 {
        m.fault();
        return Ok(());
    }
    let size = 1u64 << (funct3 & 3);
    if addr & (size - 1) != 0 {
        m.fault();
        return Ok(());
    }
    let v = m.load(1, addr, size)?;
    let v = if funct3 < 3 { sext(v, 8 * size as u32) } else { v };
    m.set(rd, v);
    m.s.pc = next;
    Ok(())
}

fn store(m: &mut Machine<'_>, funct3: u64, addr: u64, v: u64, next: u64) -> Result<(), StepError> {
    if funct3 > 3 {
        m.fault();
        return Ok(());
    }
    let size = 1u64 << funct3;
    if addr & (size - 1) != 0 {
        m.fault();
        return Ok(());
    }
    m.store(1, addr, size, v)?;
    m.s.pc = next;
    Ok(())
}

fn op_imm(m: &mut Machine<'_>, insn: u64, funct3: u64, rd: u64, a: u64, imm: u64) -> bool {
    let shamt = (insn >> 20) & 0x3f;
    let funct6 = insn >> 26;
    let v = match funct3 {
        0 => a.wrapping_add(imm),
        2 => u64::from((a ^ (1 << 63)) < (imm ^ (1 << 63))),
        3 => u64::from(a < imm),
        4 => a ^ imm,
        6 => a | imm,
        7 => a & imm,
        1 if funct6 == 0 => a << shamt,
        5 if funct6 == 0 => a >> shamt,
        5 if funct6 == 0x10 => sext(a >> shamt, 64 - shamt as u32),
        _ => return false,
    };
    m.set(rd, v);
    true
}

fn op_imm_32(
    m: &mut Machine<'_>,
    insn: u64,
    funct3: u64,
    funct7: u64,
    rd: u64,
    a: u64,
    imm: u64,
) -> bool {
    let shamt = (insn >> 20) & 0x1f;
    let low = a & 0xffff_ffff;
    let v = match (funct3, funct7) {
        (0, _) => sext(a.wrapping_add(imm) & 0xffff_ffff, 32),
        (1, 0) => sext((low << shamt) & 0xffff_ffff, 32),
        (5, 0) => sext(low >> shamt, 32),
        (5, 0x20) => sext((sext(low, 32) >> shamt) & 0xffff_ffff, 32),
        _ => return false,
    };
    m.set(rd, v);
    true
}

/// Signed division with RISC-V's results for a zero divisor and for overflow.
fn div(a: u64, b: u64, bits: u32) -> u64 {
    let (a, b) = (sext(a, bits), sext(b, bits));
    if b == 0 {
        return u64::MAX;
    }
    let min = sext(1 << (bits - 1), bits);
    if a == min && b == u64::MAX {
        return min;
    }
    let (neg_a, neg_b) = (a >> 63 == 1, b >> 63 == 1);
    let ua = if neg_a { a.wrapping_neg() } else { a };
    let ub = if neg_b { b.wrapping_neg() } else { b };
    let uq = ua / ub;
    if neg_a == neg_b { uq } else { uq.wrapping_neg() }
}

/// Signed remainder with RISC-V's results for a zero divisor and for overflow.
fn rem(a: u64, b: u64, bits: u32) -> u64 {
    let (a, b) = (sext(a, bits), sext(b, bits));
    if b == 0 {
        return a;
    }
    let min = sext(1 << (bits - 1), bits);
    if a == min && b == u64::MAX {
        return 0;
    }
    let neg_a = a >> 63 == 1;
    let ua = if neg_a { a.wrapping_neg() } else { a };
    let ub = if b >> 63 == 1 { b.wrapping_neg() } else { b };
    let ur = ua % ub;
    if neg_a { ur.wrapping_neg() } else { ur }
}

/// The high 64 bits of the 128-bit product, each operand signed or not.
fn mul_high(a: u64, b: u64, a_signed: bool, b_signed: bool) -> u64 {
    let wide = u128::from(a) * u128::from(b);
    let mut hi = (wide >> 64) as u64;
    // Two's complement: a negative operand contributes -2^64 times the other.
    if a_signed && a >> 63 == 1 {
        hi = hi.wrapping_sub(b);
    }
    if b_signed && b >> 63 == 1 {
        hi = hi.wrapping_sub(a);
    }
    hi
}

fn op(m: &mut Machine<'_>, funct7: u64, funct3: u64, rd: u64, a: u64, b: u64) -> bool {
    let sh = b & 0x3f;
    let v = match (funct7, funct3) {
        (0, 0) => a.wrapping_add(b),
        (0x20, 0) => a.wrapping_sub(b),
        (0, 1) => a << sh,
        (0, 2) => u64::from((a ^ (1 << 63)) < (b ^ (1 << 63))),
        (0, 3) => u64::from(a < b),
        (0, 4) => a ^ b,
        (0, 5) => a >> sh,
        (0x20, 5) => sext(a >> sh, 64 - sh as u32),
        (0, 6) => a | b,
        (0, 7) => a & b,
        (1, 0) => a.wrapping_mul(b),
        (1, 1) => mul_high(a, b, true, true),
        (1, 2) => mul_high(a, b, true, false),
        (1, 3) => mul_high(a, b, false, false),
        (1, 4) => div(a, b, 64),
        // A zero divisor gives all ones (unsigned division), the dividend (remainder).
        (1, 5) => a.checked_div(b).unwrap_or(u64::MAX),
        (1, 6) => rem(a, b, 64),
        (1, 7) => a.checked_rem(b).unwrap_or(a),
        _ => return false,
    };
    m.set(rd, v);
    true
}

fn op_32(m: &mut Machine<'_>, funct7: u64, funct3: u64, rd: u64, a: u64, b: u64) -> bool {
    let (a, b) = (a & 0xffff_ffff, b & 0xffff_ffff);
    let sh = b & 0x1f;
    let v = match (funct7, funct3) {
        (0, 0) => a.wrapping_add(b),
        (0x20, 0) => a.wrapping_sub(b),
        (0, 1) => a << sh,
        (0, 5) => a >> sh,
        (0x20, 5) => sext(a, 32) >> sh,
        (1, 0) => a.wrapping_mul(b),
        (1, 4) => div(a, b, 32),
        // A zero divisor gives all ones (unsigned division), the dividend (remainder).
        (1, 5) => a.checked_div(b).unwrap_or(u64::MAX),
        (1, 6) => rem(a, b, 32),
        (1, 7) => a.checked_rem(b).unwrap_or(a),
        _ => return false,
    };
    m.set(rd, sext(v & 0xffff_ffff, 32));
    true
}

fn amo(
    m: &mut Machine<'_>,
    insn: u64,
    funct3: u64,
    rd: u64,
    addr: u64,
    b: u64,
    next: u64,
) -> Result<(), StepError> {
    if funct3 != 2 && funct3 != 3 {
        m.fault();
        return Ok(());
    }
    let size = if funct3 == 2 { 4 } else { 8 };
    if addr & (size - 1) != 0 {
        m.fault();
        return Ok(());
    }
    let bits = 8 * size as u32;
    let funct5 = insn >> 27;
    if funct5 == 0x02 {
        if (insn >> 20) & 0x1f != 0 {
            m.fault();
            return Ok(());
        }
        let v = sext(m.load(1, addr, size)?, bits);
        m.s.load_reservation = addr;
        m.set(rd, v);
        m.s.pc = next;
        return Ok(());
    }
    if funct5 == 0x03 {
        let ok = m.s.load_reservation == addr;
        m.s.load_reservation = NO_RESERVATION;
        if ok {
            m.store(1, addr, size, b)?;
        }
        m.set(rd, u64::from(!ok));
        m.s.pc = next;
        return Ok(());
    }
    let old = sext(m.load(1, addr, size)?, bits);
    let b = sext(b, bits);
    let (sa, sb) = (old ^ (1 << 63), b ^ (1 << 63));
    let new = match funct5 {
        0x01 => b,
        0x00 => old.wrapping_add(b),
        0x04 => old ^ b,
        0x0c => old & b,
        0x08 => old | b,
        0x10 => {
            if sa < sb {
                old
            } else {
                b
            }
        }
        0x14 => {
            if sa > sb {
                old
            } else {
                b
            }
        }
        0x18 => old.min(b),
        0x1c => old.max(b),
        _ => {
            m.fault();
            return Ok(());
        }
    };
    m.store(1, addr, size, new)?;
    m.set(rd, old);
    m.s.pc = next;
    Ok(())
}

fn ecall(m: &mut Machine<'_>, oracle: &impl PreimageOracle) -> Result<(), StepError> {
    let (number, a0, a1, a2) = (m.s.regs[17], m.s.regs[10], m.s.regs[11], m.s.regs[12]);
    let ret = match (number, a0) {
        (93 | 94, _) => {
            m.s.exited = true;
            m.s.exit_code = a0 as u8;
            return Ok(());
        }
        (63, 0) => 0,
        (63, 3) => a2,
        (63, 5) => {
            let (dat, len) = oracle.read(m.s.preimage_key, m.s.preimage_offset)?;
            let (mut leaf, siblings) = m.leaf(1, a1)?;
            let at = a1 & (LEAF - 1);
            let n = a2.min(LEAF - at).min(len);
            let mut i = 0;
            while i < n {
                leaf.0[(at + i) as usize] = dat.0[i as usize];
                i += 1;
            }
            m.s.mem_root = root_of(a1, &leaf, &siblings);
            m.s.preimage_offset += n;
            n
        }
        (64, 1 | 2 | 4) => a2,
        (64, 6) => {
            let (leaf, _) = m.leaf(1, a1)?;
            let at = a1 & (LEAF - 1);
            let n = a2.min(LEAF - at);
            let mut key = [0u8; 32];
            let mut i = 0;
            while i < 32 {
                // The key shifts left by n bytes; the n bytes written come in at the end.
                key[i] = if i + (n as usize) < 32 {
                    m.s.preimage_key.0[i + n as usize]
                } else {
                    leaf.0[at as usize + i + n as usize - 32]
                };
                i += 1;
            }
            m.s.preimage_key = B256::from(key);
            m.s.preimage_offset = 0;
            n
        }
        (63 | 64, _) => (-9i64) as u64,
        _ => (-38i64) as u64,
    };
    m.s.regs[10] = ret;
    Ok(())
}
