//! Assembly test programs: a generator that writes RV64IMA assembly recording every result
//! into a buffer (then writes the buffer to stdout and dumps the registers), the GNU tools that
//! assemble and link it (Debian's `binutils-riscv64-linux-gnu`), and the two machines that run
//! it — `qemu-riscv64` on a CPU without the C extension, and lamina-rvm — each giving its
//! output and how it ended.

use std::{
    fmt::Write as _,
    path::{Path, PathBuf},
    process::{Command, Stdio},
};

use alloy_primitives::B256;
use lamina_rvm::{Host, Vm, preimage::PreimageError};

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum End {
    /// `exit(code)`.
    Exit(u8),
    /// A trap: a signal or an exception under qemu, a fault on the VM.
    Fault,
}

/// What a run printed and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub(crate) stdout: Vec<u8>,
    pub(crate) end: End,
}

/// A program under construction: `_start` sets `s0` to the results buffer; `record` stores a
/// register there and moves on.
#[derive(Debug, Default)]
pub(crate) struct Program {
    text: String,
    data: String,
    records: usize,
    labels: usize,
}

impl Program {
    /// A line of assembly.
    pub(crate) fn line(&mut self, line: impl AsRef<str>) -> &mut Self {
        self.text.push_str("    ");
        self.text.push_str(line.as_ref());
        self.text.push('\n');
        self
    }

    /// `bytes` in the data section at `label`, 32-aligned, after `pad` bytes of padding.
    pub(crate) fn data(&mut self, label: &str, pad: usize, bytes: &[u8]) -> &mut Self {
        let _ = writeln!(self.data, ".balign 32\n{label}:\n    .space {pad}");
        for b in bytes {
            let _ = writeln!(self.data, "    .byte {b}");
        }
        self
    }

    /// A fresh label.
    pub(crate) fn label(&mut self) -> String {
        self.labels += 1;
        format!(".Lt{}", self.labels)
    }

    /// Loads `v` into `reg`.
    pub(crate) fn li(&mut self, reg: &str, v: u64) -> &mut Self {
        self.line(format!("li {reg}, {}", v as i64))
    }

    /// Appends `reg` to the results.
    pub(crate) fn record(&mut self, reg: &str) -> &mut Self {
        self.records += 1;
        self.line(format!("sd {reg}, 0(s0)")).line("addi s0, s0, 8")
    }

    /// Writes the results so far to stdout (the buffer then starts over).
    pub(crate) fn flush(&mut self) -> &mut Self {
        self.line("la a1, results")
            .line("sub a2, s0, a1")
            .line("li a0, 1")
            .line("li a7, 64")
            .line("ecall")
            .line("la s0, results")
    }

    /// The whole source: the body, then every register but sp recorded, the results written
    /// and `exit(0)`.
    pub(crate) fn source(mut self) -> String {
        for r in (1..32).filter(|r| *r != 2 && *r != 8) {
            self.record(&format!("x{r}"));
        }
        self.flush().line("li a0, 0").line("li a7, 93").line("ecall");
        let mut s = String::new();
        let _ = write!(
            s,
            ".globl _start\n.text\n_start:\n    la s0, results\n{}\n\
             .data\n.balign 64\ndata:\n{}\n{}\n.bss\n.balign 64\nscratch: .space 256\n\
             results: .space {}\n",
            self.text,
            (0..64).map(|i| format!("    .byte {}", 0x80 + i)).collect::<Vec<_>>().join("\n"),
            self.data,
            8 * (self.records + 1)
        );
        s
    }
}

/// A tool that must be there (scripts/guest-toolchain.sh installs them).
fn tool(name: &str) -> PathBuf {
    let found = std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|d| d.join(name))
        .find(|p| p.is_file());
    found.unwrap_or_else(|| panic!("{name} is missing: run scripts/test.sh (guest-toolchain.sh)"))
}

/// Assembles and links `source` in `dir` as `name`; the ELF's path. No linker relaxation:
/// it would address data from `gp`, which nothing here sets.
pub(crate) fn assemble(dir: &Path, name: &str, source: &str) -> PathBuf {
    let s = dir.join(format!("{name}.s"));
    let o = dir.join(format!("{name}.o"));
    let elf = dir.join(name);
    std::fs::write(&s, source).unwrap();
    let run = |cmd: &mut Command| {
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
    };
    run(Command::new(tool("riscv64-linux-gnu-as")).arg("-march=rv64ima").arg("-o").arg(&o).arg(&s));
    run(Command::new(tool("riscv64-linux-gnu-ld")).arg("--no-relax").arg("-o").arg(&elf).arg(&o));
    elf
}

/// `elf` under qemu-riscv64 without the C extension.
pub(crate) fn qemu(elf: &Path) -> Outcome {
    let out = Command::new(tool("qemu-riscv64"))
        .args(["-cpu", "rv64,c=false"])
        .arg(elf)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    // qemu aborts with exit 1 on an exception it does not turn into a signal (a misaligned
    // jump target); a signal is a trap too.
    let end = match out.status.code() {
        Some(1) if stderr.contains("unhandled CPU exception") => End::Fault,
        Some(code) => End::Exit(code as u8),
        None => End::Fault,
    };
    Outcome { stdout: out.stdout, end }
}

/// A host with nothing: the test programs read no preimages.
struct NoHost;

impl Host for NoHost {
    fn preimage(&mut self, key: B256) -> Result<Vec<u8>, PreimageError> {
        Err(PreimageError::Missing(key))
    }

    fn hint(&mut self, _hint: &[u8]) {}
}

/// `elf` on lamina-rvm; the VM too.
pub(crate) fn vm(elf: &Path) -> (Outcome, Vm) {
    let mut vm = Vm::from_elf(&std::fs::read(elf).unwrap()).unwrap();
    vm.run(&mut NoHost, 50_000_000).unwrap();
    let end = match (vm.fault, vm.exit_code()) {
        (Some(_), _) => End::Fault,
        (None, Some(code)) => End::Exit(code),
        (None, None) => panic!("{}: still running after 50M steps", elf.display()),
    };
    (Outcome { stdout: vm.stdout.clone(), end }, vm)
}

/// Runs `program` on both machines and requires the same output and end; the output.
pub(crate) fn agree(dir: &Path, name: &str, program: Program) -> Outcome {
    let elf = assemble(dir, name, &program.source());
    let q = qemu(&elf);
    let (v, _) = vm(&elf);
    if q != v {
        let words = |o: &Outcome| -> Vec<u64> {
            o.stdout
                .chunks(8)
                .map(|c| {
                    let mut b = [0u8; 8];
                    b[..c.len()].copy_from_slice(c);
                    u64::from_le_bytes(b)
                })
                .collect()
        };
        let (qw, vw) = (words(&q), words(&v));
        let first = qw.iter().zip(&vw).position(|(a, b)| a != b);
        panic!(
            "{name}: qemu {:?} ({} words), VM {:?} ({} words); first difference at record {first:?}: \
             qemu {:#x?} VM {:#x?}",
            q.end,
            qw.len(),
            v.end,
            vw.len(),
            first.map(|i| qw[i]),
            first.map(|i| vw[i]),
        );
    }
    q
}
