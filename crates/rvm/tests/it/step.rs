//! The stand-alone step against the fast VM: on every step of the ISA programs (sampled
//! windows of the largest), of the trapping ones, and of a program that reads a preimage
//! through fds 5 and 6 in odd pieces, the step computed from the witness alone gives the hash
//! of the state the fast VM reaches. Forged witnesses are refused.

use std::collections::HashMap;

use alloy_primitives::{B256, keccak256};
use lamina_rvm::{
    Host, Vm,
    merkle::PROOF_BYTES,
    preimage::PreimageError,
    state::State,
    step::{StepError, step},
    witness::StepWitness,
};

use crate::{
    asm::{Program, assemble},
    isa,
};

/// Preimages by key, and the hints received.
#[derive(Default)]
struct MemHost {
    preimages: HashMap<B256, Vec<u8>>,
    hints: Vec<Vec<u8>>,
}

impl Host for MemHost {
    fn preimage(&mut self, key: B256) -> Result<Vec<u8>, PreimageError> {
        self.preimages.get(&key).cloned().ok_or(PreimageError::Missing(key))
    }

    fn hint(&mut self, hint: &[u8]) {
        self.hints.push(hint.to_vec());
    }
}

/// Runs `program` to its end on the fast VM, checking the stand-alone step on every step
/// `check` selects; the VM and how many steps were checked (and how many of them read a
/// preimage).
fn run_checked(
    program: Program,
    host: &mut MemHost,
    check: impl Fn(u64) -> bool,
) -> (Vm, u64, u64) {
    let dir = tempfile::tempdir().unwrap();
    let elf = std::fs::read(assemble(dir.path(), "p", &program.source())).unwrap();
    let mut vm = Vm::from_elf(&elf).unwrap();
    let (mut checked, mut reads) = (0, 0);
    while vm.exit_code().is_none() {
        assert!(vm.steps() < 2_000_000, "runaway program");
        if !check(vm.steps()) {
            vm.step_one(host).unwrap();
            continue;
        }
        let w = vm.witness(host).unwrap();
        let post = w.step().unwrap_or_else(|e| panic!("step {}: {e}", vm.steps()));
        vm.step_one(host).unwrap();
        let after = vm.state();
        assert_eq!(post, after.hash(), "step {}: {:?}", after.step, State::decode(&w.state));
        checked += 1;
        reads += u64::from(w.preimage.is_some());
    }
    // An exited state steps to itself.
    let w = vm.witness(host).unwrap();
    assert_eq!(w.step(), Ok(w.pre));
    (vm, checked, reads)
}

#[test]
fn every_step_of_the_isa_programs_steps_the_same_from_its_witness() {
    for (name, program) in [
        ("imm", isa::imm()),
        ("mem", isa::mem()),
        ("control", isa::control()),
        ("atomics", isa::atomics()),
        ("syscalls", isa::syscalls()),
    ] {
        let (vm, checked, _) = run_checked(program, &mut MemHost::default(), |_| true);
        assert_eq!(vm.exit_code(), Some(0), "{name}");
        assert_eq!(checked, vm.steps(), "{name}");
    }
    // The register-register program is long: windows of 4096 steps in every 16384.
    let (vm, checked, _) = run_checked(isa::rr(), &mut MemHost::default(), |s| s % 16384 < 4096);
    assert_eq!(vm.exit_code(), Some(0));
    assert!(checked * 5 > vm.steps(), "{checked} of {}", vm.steps());
}

#[test]
fn every_step_of_the_trapping_programs_steps_the_same() {
    for &(name, body) in isa::TRAPS_BOTH.iter().chain(isa::TRAPS_DIFFER) {
        let (vm, checked, _) = run_checked(isa::trapping(body), &mut MemHost::default(), |_| true);
        assert_eq!(vm.exit_code(), Some(lamina_rvm::vm::FAULT_EXIT), "{name}");
        assert_eq!(checked, vm.steps(), "{name}");
    }
}

/// The preimage the program reads, and its keccak key.
fn the_preimage() -> (B256, Vec<u8>) {
    let data: Vec<u8> = (0..75u8).map(|i| i.wrapping_mul(37)).collect();
    let mut key = keccak256(&data);
    key.0[0] = 2;
    (key, data)
}

/// Writes the key to fd 6 in three writes from a misaligned buffer (the second is cut at the
/// leaf's end), reads fd 5 in pieces of 11 into a misaligned buffer until it yields 0, writes
/// what it read to stdout, sends a hint and reads its acknowledgement, then writes the key
/// again in one aligned write and reads 8 bytes: the length, from offset 0 again.
fn preimage_program(key: B256) -> Program {
    let mut p = Program::default();
    p.data("keybuf", 3, key.as_slice()).data("outbuf", 0, &[0; 160]);
    p.data("hint", 0, &[0, 0, 0, 5, b'h', b'e', b'l', b'l', b'o']);
    p.data("aligned_key", 0, key.as_slice());
    p.line("la s1, keybuf").line("addi s1, s1, 3");
    for (count, advance) in [(5, 5), (27, 24), (3, 3)] {
        p.li("a7", 64).li("a0", 6).line("mv a1, s1").li("a2", count).line("ecall").record("a0");
        p.line(format!("addi s1, s1, {advance}"));
    }
    let (top, done) = (p.label(), p.label());
    p.line("la s2, outbuf").line("addi s2, s2, 5").line("mv s3, s2");
    p.line(format!("{top}:")).li("a7", 63).li("a0", 5).line("mv a1, s2").li("a2", 11);
    p.line("ecall").record("a0").line(format!("beqz a0, {done}")).line("add s2, s2, a0");
    p.line(format!("j {top}")).line(format!("{done}:"));
    p.flush();
    p.li("a7", 64).li("a0", 1).line("mv a1, s3").line("sub a2, s2, s3").line("ecall");
    p.li("a7", 64).li("a0", 4).line("la a1, hint").li("a2", 9).line("ecall").record("a0");
    p.li("a7", 63).li("a0", 3).line("la a1, outbuf").li("a2", 1).line("ecall").record("a0");
    p.li("a7", 64).li("a0", 6).line("la a1, aligned_key").li("a2", 32).line("ecall").record("a0");
    p.li("a7", 63).li("a0", 5).line("la a1, outbuf").li("a2", 8).line("ecall").record("a0");
    p.line("la t0, outbuf").line("ld a0, 0(t0)").record("a0");
    p
}

#[test]
fn preimage_reads_in_odd_pieces_step_the_same_and_read_the_length_prefixed_preimage() {
    let (key, data) = the_preimage();
    let mut host = MemHost::default();
    host.preimages.insert(key, data.clone());
    let (vm, checked, reads) = run_checked(preimage_program(key), &mut host, |_| true);
    assert_eq!(vm.exit_code(), Some(0));
    assert_eq!(checked, vm.steps());
    let words: Vec<u64> = vm
        .stdout
        .chunks(8)
        .take(20)
        .map(|c| u64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
        .collect();
    // Three key writes: 5, then 24 (the leaf ends), then 3.
    assert_eq!(&words[..3], &[5, 24, 3]);
    // Reads of 11 into a buffer at 5 mod 32: cut at the leaf ends and the stream's end.
    let mut stream = (data.len() as u64).to_be_bytes().to_vec();
    stream.extend_from_slice(&data);
    let mut want = Vec::new();
    let (mut at, mut left) = (5u64, stream.len() as u64);
    loop {
        let n = 11u64.min(32 - at % 32).min(left);
        want.push(n);
        if n == 0 {
            break;
        }
        at += n;
        left -= n;
    }
    assert_eq!(&words[3..3 + want.len()], &want[..]);
    assert_eq!(reads, want.len() as u64 + 1);
    // The stream as read, then the hint, its acknowledgement, the re-keyed read of the length.
    let rest = &vm.stdout[8 * (3 + want.len())..];
    assert_eq!(&rest[..stream.len()], &stream[..]);
    let tail: Vec<u64> = rest[stream.len()..]
        .chunks(8)
        .take(5)
        .map(|c| u64::from_le_bytes(c.try_into().unwrap()))
        .collect();
    assert_eq!(tail, vec![9, 1, 32, 8, u64::from_le_bytes(stream[..8].try_into().unwrap())]);
    assert_eq!(host.hints, vec![b"hello".to_vec()]);
}

/// Whether the witnessed step is a store (read from its instruction's leaf).
fn is_store(w: &StepWitness) -> bool {
    let pc = State::decode(&w.state).unwrap().pc as usize;
    let at = pc % 32;
    let insn = u32::from_le_bytes(w.proof[at..at + 4].try_into().unwrap());
    insn & 0x7f == 0x23
}

/// The witness of the first step that reads fd 5, and of the first store.
fn witnesses() -> (StepWitness, StepWitness) {
    let (key, data) = the_preimage();
    let mut host = MemHost::default();
    host.preimages.insert(key, data);
    let dir = tempfile::tempdir().unwrap();
    let elf = std::fs::read(assemble(dir.path(), "p", &preimage_program(key).source())).unwrap();
    let mut vm = Vm::from_elf(&elf).unwrap();
    let (mut read, mut store) = (None, None);
    while read.is_none() || store.is_none() {
        let w = vm.witness(&mut host).unwrap();
        if w.preimage.is_some() && read.is_none() {
            read = Some(w);
        } else if store.is_none() && is_store(&w) {
            store = Some(w);
        }
        vm.step_one(&mut host).unwrap();
    }
    (read.unwrap(), store.unwrap())
}

#[test]
fn forged_states_proofs_and_preimages_are_refused() {
    let (read, store) = witnesses();
    for w in [&read, &store] {
        assert!(w.step().is_ok());
        // A state that is not the pre-state's.
        let mut forged = w.clone();
        forged.state[72 + 7] ^= 4;
        assert_eq!(forged.step(), Err(StepError::PreState));
        // A forged state whose hash is claimed: its memory root is not the proofs'.
        forged.state[0] ^= 1;
        forged.pre = lamina_rvm::state::hash_encoded(&forged.state);
        assert!(matches!(forged.step(), Err(StepError::Proof(0))));
        // A sibling changed, a leaf changed, a proof cut short, a proof missing.
        for (at, want) in [(0, 0), (32 * 30, 0), (PROOF_BYTES + 5, 1), (PROOF_BYTES + 32 * 59, 1)] {
            let mut forged = w.clone();
            forged.proof[at] ^= 0x10;
            assert_eq!(forged.step(), Err(StepError::Proof(want)), "byte {at}");
        }
        let mut cut = w.clone();
        cut.proof.truncate(2 * PROOF_BYTES - 1);
        assert_eq!(cut.step(), Err(StepError::Proof(1)));
        let mut missing = w.clone();
        missing.proof.truncate(PROOF_BYTES);
        assert_eq!(missing.step(), Err(StepError::Proof(1)));
        // Another leaf's valid proof in the data slot.
        let mut swapped = w.clone();
        let insn = swapped.proof[..PROOF_BYTES].to_vec();
        swapped.proof[PROOF_BYTES..].copy_from_slice(&insn);
        assert_eq!(swapped.step(), Err(StepError::Proof(1)));
        // Not a state at all.
        let mut bad = w.clone();
        bad.state[81] = 7;
        bad.pre = lamina_rvm::state::hash_encoded(&bad.state);
        assert!(matches!(bad.step(), Err(StepError::State(_))));
        assert!(step(w.pre, &w.state[1..], &w.proof, &w.oracle()).is_err());
    }
    // A preimage that does not hash to its key, and none at all.
    let mut lie = read.clone();
    if let Some(p) = lie.preimage.as_mut() {
        p.data[3] ^= 1;
    }
    assert!(matches!(lie.step(), Err(StepError::Preimage(PreimageError::Wrong(_)))));
    let mut none = read;
    none.preimage = None;
    assert!(matches!(none.step(), Err(StepError::Preimage(PreimageError::Missing(_)))));
}
