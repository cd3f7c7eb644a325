//! Every RV64IMA instruction on edge operands, run by qemu-riscv64 and by lamina-rvm: the
//! recorded results (every result register, memory after every store and AMO, and a final
//! dump of all registers) and the exit must be identical. Faults are separate programs that
//! print before they trap; where qemu deliberately differs from the VM (it emulates misaligned
//! loads and stores, implements CSRs, and fails a misaligned SC instead of trapping) the test
//! pins both behaviours.

use crate::asm::{End, Program, agree, assemble, qemu, vm};

/// Operands that find the edges: zero, ±1, the extremes of 64 and 32 bits, shift amounts
/// around their limits, and two values with mixed bits.
const EDGES: [u64; 18] = [
    0,
    1,
    u64::MAX,
    2,
    (-2i64) as u64,
    i64::MIN as u64,
    i64::MAX as u64,
    0x8000_0000,
    0x7fff_ffff,
    0xffff_ffff,
    0x1_0000_0000,
    0xffff_ffff_8000_0000,
    31,
    32,
    63,
    64,
    0x0123_4567_89ab_cdef,
    0xfedc_ba98_7654_3210,
];

fn dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

const RR_OPS: [&str; 28] = [
    "add", "sub", "sll", "slt", "sltu", "xor", "srl", "sra", "or", "and", "mul", "mulh", "mulhsu",
    "mulhu", "div", "divu", "rem", "remu", "addw", "subw", "sllw", "srlw", "sraw", "mulw", "divw",
    "divuw", "remw", "remuw",
];

/// Every register-register op on every pair of edge operands.
pub(crate) fn rr() -> Program {
    let mut p = Program::default();
    for op in RR_OPS {
        for a in EDGES {
            for b in EDGES {
                p.li("a1", a).li("a2", b).line(format!("{op} a0, a1, a2")).record("a0");
            }
        }
        p.flush();
    }
    // rd aliasing a source.
    p.li("a1", 7).li("a2", 5).line("sub a1, a1, a2").record("a1");
    p.li("a1", 0xffff_ffff).line("mulw a1, a1, a1").record("a1");
    p
}

#[test]
fn register_register_ops_agree_on_every_pair_of_edge_operands() {
    let d = dir();
    let out = agree(d.path(), "rr", rr());
    assert_eq!(out.end, End::Exit(0));
    assert!(out.stdout.len() >= 8 * RR_OPS.len() * EDGES.len() * EDGES.len());
}

/// Immediate ops, shifts, LUI/AUIPC and writes to x0.
pub(crate) fn imm() -> Program {
    let imms: [i64; 8] = [0, 1, -1, 2047, -2048, 0x555, -0x556, 31];
    let mut p = Program::default();
    for op in ["addi", "slti", "sltiu", "xori", "ori", "andi", "addiw"] {
        for a in EDGES {
            for imm in imms {
                p.li("a1", a).line(format!("{op} a0, a1, {imm}")).record("a0");
            }
        }
    }
    for (op, shamts) in [
        ("slli", &[0, 1, 31, 32, 63][..]),
        ("srli", &[0, 1, 31, 32, 63]),
        ("srai", &[0, 1, 31, 32, 63]),
        ("slliw", &[0, 1, 15, 31]),
        ("srliw", &[0, 1, 15, 31]),
        ("sraiw", &[0, 1, 15, 31]),
    ] {
        for a in EDGES {
            for sh in shamts {
                p.li("a1", a).line(format!("{op} a0, a1, {sh}")).record("a0");
            }
        }
    }
    for imm in [0u32, 1, 0x7ffff, 0x80000, 0xfffff, 0x12345] {
        p.line(format!("lui a0, {imm}")).record("a0");
        p.line(format!("auipc a0, {imm}")).record("a0");
    }
    // Writes to x0 vanish.
    p.line("addi x0, x0, 5").line("lui x0, 1").line("la t0, data").line("ld x0, 0(t0)");
    p.record("x0");
    p
}

#[test]
fn immediate_ops_agree_on_edge_immediates() {
    let d = dir();
    assert_eq!(agree(d.path(), "imm", imm()).end, End::Exit(0));
}

/// Every load at every aligned offset, every store's width.
pub(crate) fn mem() -> Program {
    let mut p = Program::default();
    p.line("la t0, data").line("addi t1, t0, 32");
    for (op, size) in
        [("lb", 1), ("lbu", 1), ("lh", 2), ("lhu", 2), ("lw", 4), ("lwu", 4), ("ld", 8)]
    {
        for off in (0..32).step_by(size) {
            p.line(format!("{op} a0, {off}(t0)")).record("a0");
            p.line(format!("{op} a0, -{}(t1)", off + size)).record("a0");
        }
    }
    p.line("la t2, scratch");
    for (op, size) in [("sb", 1), ("sh", 2), ("sw", 4), ("sd", 8)] {
        for (i, v) in EDGES.iter().take(6).enumerate() {
            let off = (i * size) % 32;
            p.li("a1", u64::MAX).line("sd a1, 0(t2)").line("sd a1, 8(t2)");
            p.line("sd a1, 16(t2)").line("sd a1, 24(t2)");
            p.li("a2", *v).line(format!("{op} a2, {off}(t2)"));
            for w in 0..4 {
                p.line(format!("ld a0, {}(t2)", 8 * w)).record("a0");
            }
        }
    }
    p
}

#[test]
fn loads_sign_extend_and_stores_write_exactly_their_width() {
    let d = dir();
    assert_eq!(agree(d.path(), "mem", mem()).end, End::Exit(0));
}

/// Branches both ways, jumps, fences.
pub(crate) fn control() -> Program {
    let mut p = Program::default();
    for op in ["beq", "bne", "blt", "bge", "bltu", "bgeu"] {
        for a in EDGES.iter().take(12) {
            for b in EDGES.iter().take(12) {
                let l = p.label();
                p.li("a1", *a).li("a2", *b).li("a0", 0);
                p.line(format!("{op} a1, a2, {l}")).li("a0", 1);
                p.line(format!("{l}:")).record("a0");
            }
        }
        // A backward branch.
        let (top, out) = (p.label(), p.label());
        p.li("a3", 3).li("a0", 0).line(format!("{top}:")).line("addi a0, a0, 5");
        p.line("addi a3, a3, -1").line(format!("{op} a3, zero, {out}"));
        p.line(format!("bnez a3, {top}")).line(format!("{out}:")).record("a0").record("a3");
    }
    let (l1, l2) = (p.label(), p.label());
    p.line(format!("jal ra, {l1}")).line(format!("{l1}:")).record("ra");
    p.line(format!("la t0, {l2}")).line("jalr ra, 1(t0)").line(format!("{l2}:")).record("ra");
    let (back, fwd, done) = (p.label(), p.label(), p.label());
    p.line(format!("j {fwd}")).line(format!("{back}:")).li("a0", 9).line(format!("j {done}"));
    p.line(format!("{fwd}:")).line(format!("jal x0, {back}")).line(format!("{done}:"));
    p.record("a0");
    let l3 = p.label();
    p.line(format!("la t0, {l3}")).line("jalr t0, 0(t0)").line(format!("{l3}:")).record("t0");
    p.line("fence").line("fence.i").line("fence rw, rw");
    p
}

#[test]
fn branches_and_jumps_agree_taken_and_not() {
    let d = dir();
    assert_eq!(agree(d.path(), "control", control()).end, End::Exit(0));
}

/// LR/SC and every AMO in both widths.
pub(crate) fn atomics() -> Program {
    let mut p = Program::default();
    p.line("la t0, scratch").line("addi t1, t0, 8");
    let amos = [
        "amoswap", "amoadd", "amoxor", "amoand", "amoor", "amomin", "amomax", "amominu", "amomaxu",
    ];
    for w in ["w", "d"] {
        for op in amos {
            for m in EDGES.iter().step_by(2) {
                for b in EDGES.iter().step_by(3) {
                    p.li("a1", *m).line("sd a1, 0(t0)").li("a2", *b);
                    p.line(format!("{op}.{w} a0, a2, (t0)")).record("a0");
                    p.line("ld a3, 0(t0)").record("a3");
                }
            }
            p.flush();
        }
        // Ordering bits change nothing here.
        p.li("a2", 3).line(format!("amoadd.{w}.aqrl a0, a2, (t0)")).record("a0");
        p.line(format!("amoor.{w}.aq a0, a2, (t0)")).line(format!("amoxor.{w}.rl a0, a2, (t0)"));
        p.record("a0").line("ld a3, 0(t0)").record("a3");
        // LR then SC to the same address succeeds, and writes.
        p.li("a1", 0x8765_4321_8000_0001).line("sd a1, 0(t0)").li("a2", 0x1234_5678);
        p.line(format!("lr.{w} a0, (t0)")).record("a0");
        p.line(format!("sc.{w} a4, a2, (t0)")).record("a4").line("ld a3, 0(t0)").record("a3");
        // A second SC has no reservation: it fails and writes nothing.
        p.li("a2", 77).line(format!("sc.{w} a4, a2, (t0)")).record("a4");
        p.line("ld a3, 0(t0)").record("a3");
        // SC to another address than the LR's fails, and clears the reservation.
        p.line(format!("lr.{w} a0, (t0)")).line(format!("sc.{w} a4, a2, (t1)")).record("a4");
        p.line(format!("sc.{w} a4, a2, (t0)")).record("a4");
        p.line("ld a3, 0(t0)").record("a3").line("ld a3, 0(t1)").record("a3");
        // rd = rs2 and LR.aq/SC.rl.
        p.line(format!("lr.{w}.aq a0, (t0)")).line(format!("sc.{w}.rl a2, a2, (t0)"));
        p.record("a2").line("ld a3, 0(t0)").record("a3");
    }
    p
}

#[test]
fn lr_sc_and_every_amo_agree_in_both_widths() {
    let d = dir();
    assert_eq!(agree(d.path(), "atomics", atomics()).end, End::Exit(0));
}

/// Syscall results Linux gives too.
pub(crate) fn syscalls() -> Program {
    let mut p = Program::default();
    // read(0) at EOF, read and write on a closed fd, an unknown syscall.
    p.line("la a1, scratch").li("a2", 8).li("a0", 0).li("a7", 63).line("ecall").record("a0");
    p.line("la a1, scratch").li("a2", 8).li("a0", 9).li("a7", 63).line("ecall").record("a0");
    p.line("la a1, scratch").li("a2", 8).li("a0", 9).li("a7", 64).line("ecall").record("a0");
    // A short write to stdout returns its count.
    p.line("la a1, data").li("a2", 3).li("a0", 1).li("a7", 64).line("ecall").record("a0");
    p.line("la a1, data").li("a2", 0).li("a0", 1).li("a7", 64).line("ecall").record("a0");
    p
}

#[test]
fn syscalls_return_what_linux_returns() {
    let d = dir();
    assert_eq!(agree(d.path(), "syscalls", syscalls()).end, End::Exit(0));

    // exit_group, and an exit code past 255 keeps its low byte.
    for (n, code, want) in [(94, 7u64, 7u8), (93, 300, 44)] {
        let mut p = Program::default();
        p.li("a0", code).li("a7", n).line("ecall");
        assert_eq!(agree(d.path(), &format!("exit{n}"), p).end, End::Exit(want));
    }
}

#[test]
fn unknown_syscalls_fail_with_enosys_on_the_vm() {
    let d = dir();
    let mut p = Program::default();
    p.li("a7", 4000).line("ecall").record("a0");
    let (out, _) = vm(&assemble(d.path(), "enosys", &p.source()));
    assert_eq!(out.end, End::Exit(0));
    assert_eq!(&out.stdout[..8], &((-38i64) as u64).to_le_bytes());
}

/// Bodies on which both machines trap.
pub(crate) const TRAPS_BOTH: &[(&str, &[&str])] = &[
    ("amo_w", &["addi t1, t0, 2", "amoadd.w a0, a1, (t1)"]),
    ("amo_d", &["addi t1, t0, 4", "amoswap.d a0, a1, (t1)"]),
    ("lr_w", &["addi t1, t0, 2", "lr.w a0, (t1)"]),
    ("lr_d", &["addi t1, t0, 4", "lr.d a0, (t1)"]),
    ("jalr_2", &["la t1, _start", "jalr ra, 2(t1)"]),
    ("jal_2", &["jal ra, . + 6"]),
    ("branch_2", &["beq zero, zero, . + 6"]),
    ("all_ones", &[".word 0xffffffff"]),
    ("all_zeros", &[".word 0"]),
    ("compressed", &[".word 0x00010001"]),
    ("ebreak", &["ebreak"]),
    ("slli_reserved", &[".word 0x04059513"]),
    ("op_reserved_funct7", &[".word 0x04b50533"]),
    ("lr_with_rs2", &[".word 0x10b2a52f"]),
    ("load_funct3_7", &[".word 0x0002f503"]),
    ("branch_funct3_2", &[".word 0x00002063"]),
];

/// Bodies on which qemu goes on and the VM traps.
pub(crate) const TRAPS_DIFFER: &[(&str, &[&str])] = &[
    ("lh_1", &["lh a0, 1(t3)"]),
    ("lhu_1", &["lhu a0, 1(t3)"]),
    ("lw_2", &["lw a0, 2(t3)"]),
    ("lwu_1", &["lwu a0, 1(t3)"]),
    ("ld_4", &["ld a0, 4(t3)"]),
    ("sh_1", &["sh a1, 1(t0)"]),
    ("sw_2", &["sw a1, 2(t0)"]),
    ("sd_4", &["sd a1, 4(t0)"]),
    ("sc_4", &["addi t1, t0, 4", "sc.d a0, a1, (t1)"]),
    ("csr", &["csrr a0, cycle"]),
];

/// A program that writes a marker, then runs `body` (which traps, or not).
pub(crate) fn trapping(body: &[&str]) -> Program {
    let mut p = Program::default();
    p.li("a1", 0x1111).record("a1").flush();
    p.line("la t0, scratch").line("la t3, data");
    for l in body {
        p.line(l);
    }
    p
}

#[test]
fn traps_agree_and_the_deliberate_differences_are_pinned() {
    let d = dir();
    // Both machines trap: the marker is out, then nothing.
    for &(name, body) in TRAPS_BOTH {
        let elf = assemble(d.path(), name, &trapping(body).source());
        let q = qemu(&elf);
        let (v, vm) = vm(&elf);
        assert_eq!(q.end, End::Fault, "{name}: qemu");
        assert_eq!(v.end, End::Fault, "{name}: VM ({:?})", vm.fault);
        assert_eq!(q.stdout, v.stdout, "{name}");
        assert_eq!(v.stdout, 0x1111u64.to_le_bytes(), "{name}");
        assert_eq!(vm.exit_code(), Some(lamina_rvm::vm::FAULT_EXIT));
    }
    // qemu emulates misaligned loads and stores and reads CSRs, and fails an SC at a
    // misaligned address without a reservation; the VM traps on all of them (natural
    // alignment is what makes one step touch one memory leaf).
    for &(name, body) in TRAPS_DIFFER {
        let elf = assemble(d.path(), name, &trapping(body).source());
        let q = qemu(&elf);
        let (v, _) = vm(&elf);
        assert_eq!(q.end, End::Exit(0), "{name}: qemu goes on");
        assert_eq!(v.end, End::Fault, "{name}: the VM traps");
        assert_eq!(v.stdout, 0x1111u64.to_le_bytes(), "{name}");
        assert_eq!(&q.stdout[..8], &v.stdout[..], "{name}");
    }
}
