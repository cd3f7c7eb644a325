//! The program as a guest process: a command (`qemu-riscv64 <elf>`, or any runner of the
//! guest ELF) started with four pipes on its file descriptors 3–6 — hint acknowledgements in,
//! hints out, preimages in, preimage requests out, as `program/src/main.rs` expects — served
//! from an oracle by [`serve`](super::serve)'s two loops. The guest's exit code is its verdict
//! (0 valid, 1 invalid, anything else none); the line it writes on standard output gives the
//! verdict's other fields and must agree with the exit code.

use std::{
    ffi::OsString,
    io::{PipeReader, PipeWriter, Read, Write},
    os::{
        fd::{AsRawFd, RawFd},
        unix::process::{CommandExt, ExitStatusExt},
    },
    path::{Path, PathBuf},
    process::{Command, Stdio},
    sync::Arc,
};

use lamina_proof::{preimage::Oracle, program::Verdict};

use super::serve::{serve_hints, serve_preimages};

/// Where `scripts/build-program.sh` leaves the guest ELF: `$LAMINA_PROGRAM_ELF` if set, else
/// the release build under `$LAMINA_GUEST_TARGET_DIR` (default `~/.cache/lamina-guest-target`).
pub fn default_elf() -> PathBuf {
    if let Some(elf) = std::env::var_os("LAMINA_PROGRAM_ELF") {
        return elf.into();
    }
    let dir = std::env::var_os("LAMINA_GUEST_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| {
        let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
        home.join(".cache/lamina-guest-target")
    });
    dir.join("riscv64imac-unknown-none-elf/release/lamina-program")
}

/// How to start a guest.
#[derive(Debug, Clone)]
pub struct GuestCommand {
    program: PathBuf,
    args: Vec<OsString>,
}

impl GuestCommand {
    /// `program` with `args`.
    pub fn new(program: impl Into<PathBuf>, args: impl IntoIterator<Item = OsString>) -> Self {
        Self { program: program.into(), args: args.into_iter().collect() }
    }

    /// The ELF at `elf` under the user-mode emulator `qemu` (Debian's `qemu-riscv64`), on a
    /// CPU without the C extension, as the VM (a compressed instruction or a jump to a
    /// 2-aligned address faults there too).
    pub fn qemu(qemu: impl Into<PathBuf>, elf: &Path) -> Self {
        Self::new(qemu, ["-cpu".into(), "rv64,c=false".into(), elf.as_os_str().to_owned()])
    }

    /// The program, as a path to run: one with a slash as given, a bare name looked up in
    /// `PATH` (so a missing runner is a clear error before anything is spawned).
    fn resolve(&self) -> Result<PathBuf, GuestError> {
        if self.program.components().count() > 1 {
            return match self.program.is_file() {
                true => Ok(self.program.clone()),
                false => Err(GuestError::Missing(self.program.clone())),
            };
        }
        std::env::var_os("PATH")
            .iter()
            .flat_map(std::env::split_paths)
            .map(|dir| dir.join(&self.program))
            .find(|p| p.is_file())
            .ok_or_else(|| GuestError::Missing(self.program.clone()))
    }
}

/// Why a guest gave no verdict.
#[derive(Debug, thiserror::Error)]
pub enum GuestError {
    /// The runner is not there.
    #[error("{}: not found (qemu-riscv64 comes with Debian's qemu-user)", .0.display())]
    Missing(PathBuf),
    /// Pipes, spawning or waiting failed.
    #[error("guest process: {0}")]
    Io(#[from] std::io::Error),
    /// The guest ended without a verdict (its own code 2: no verdict, or a panic).
    #[error("the guest exited {code} without a verdict: {stderr}")]
    NoVerdict {
        /// Its exit code.
        code: i32,
        /// What it wrote on standard error.
        stderr: String,
    },
    /// The guest was killed.
    #[error("the guest was killed by signal {signal}: {stderr}")]
    Killed {
        /// The signal.
        signal: i32,
        /// What it wrote on standard error.
        stderr: String,
    },
    /// The ELF does not load on the VM.
    #[error("guest ELF: {0}")]
    Elf(String),
    /// The VM stopped without an exit (a preimage the host lacks) or faulted.
    #[error("VM: {0}")]
    Vm(String),
    /// Its exit code and its verdict line disagree, or the line is missing or malformed.
    #[error("the guest exited {code} but wrote {line:?}")]
    BadLine {
        /// Its exit code.
        code: i32,
        /// What it wrote on standard output.
        line: String,
    },
}

/// One direction pair of pipes as a duplex stream for the servers.
#[derive(Debug)]
struct Duplex {
    from_guest: PipeReader,
    to_guest: PipeWriter,
}

impl Read for Duplex {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.from_guest.read(buf)
    }
}

impl Write for Duplex {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.to_guest.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.to_guest.flush()
    }
}

/// Makes `fds[i]` the child's descriptor `3 + i`, between fork and exec. The sources go above
/// 9 first, so mapping one onto 3–6 never closes another still to be mapped.
fn map_fds(cmd: &mut Command, fds: [RawFd; 4]) {
    let map = move || -> std::io::Result<()> {
        let mut high = [0; 4];
        for (h, fd) in high.iter_mut().zip(fds) {
            // SAFETY: fcntl, dup2 and close are async-signal-safe and touch only descriptors.
            *h = unsafe { libc::fcntl(fd, libc::F_DUPFD, 10) };
            if *h < 0 {
                return Err(std::io::Error::last_os_error());
            }
        }
        for (i, h) in (3..).zip(high) {
            // SAFETY: as above; dup2 leaves the target without close-on-exec.
            if unsafe { libc::dup2(h, i) } < 0 {
                return Err(std::io::Error::last_os_error());
            }
            // SAFETY: as above; `h` is ours (made by F_DUPFD above).
            unsafe { libc::close(h) };
        }
        Ok(())
    };
    // SAFETY: the closure only calls async-signal-safe functions and allocates nothing.
    unsafe { cmd.pre_exec(map) };
}

/// Runs the guest `cmd` with its preimages and hints served from `oracle`; its verdict.
pub fn run_guest<O: Oracle + 'static>(
    cmd: &GuestCommand,
    oracle: Arc<O>,
) -> Result<Verdict, GuestError> {
    let program = cmd.resolve()?;
    let (ack_r, ack_w) = std::io::pipe()?;
    let (hint_r, hint_w) = std::io::pipe()?;
    let (pre_r, pre_w) = std::io::pipe()?;
    let (req_r, req_w) = std::io::pipe()?;
    let mut command = Command::new(&program);
    command.args(&cmd.args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    map_fds(
        &mut command,
        [ack_r.as_raw_fd(), hint_w.as_raw_fd(), pre_r.as_raw_fd(), req_w.as_raw_fd()],
    );
    let child = command.spawn()?;
    // The guest's ends live in the guest now: dropping ours lets the servers see it exit.
    drop((ack_r, hint_w, pre_r, req_w));
    let (h, p) = (oracle.clone(), oracle);
    let hints = std::thread::spawn(move || {
        serve_hints(Duplex { from_guest: hint_r, to_guest: ack_w }, &*h)
    });
    let preimages = std::thread::spawn(move || {
        serve_preimages(Duplex { from_guest: req_r, to_guest: pre_w }, &*p)
    });
    let out = child.wait_with_output()?;
    for (name, t) in [("hints", hints), ("preimages", preimages)] {
        match t.join() {
            Ok(Err(e)) => {
                tracing::debug!(target: "lamina::proof", name, error = %e, "guest server")
            }
            Err(_) => tracing::warn!(target: "lamina::proof", name, "guest server panicked"),
            Ok(Ok(())) => {}
        }
    }
    let Some(code) = out.status.code() else {
        let stderr = String::from_utf8_lossy(&out.stderr).trim().to_owned();
        return Err(GuestError::Killed { signal: out.status.signal().unwrap_or(0), stderr });
    };
    judge(code, &out.stdout, &out.stderr)
}

/// The verdict of a guest that exited with `code` after writing `stdout` and `stderr`: 0 or 1
/// with a verdict line that agrees, anything else no verdict.
pub(crate) fn judge(code: i32, stdout: &[u8], stderr: &[u8]) -> Result<Verdict, GuestError> {
    if code != 0 && code != 1 {
        let stderr = String::from_utf8_lossy(stderr).trim().to_owned();
        return Err(GuestError::NoVerdict { code, stderr });
    }
    let line = String::from_utf8_lossy(stdout).into_owned();
    match Verdict::from_line(&line) {
        Ok(v) if v.exit_code() == code => Ok(v),
        _ => Err(GuestError::BadLine { code, line }),
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use lamina_proof::preimage::MemoryOracle;

    use super::*;

    /// A shell script as a guest: it reads a 4-byte length, a hint, and so on through fds 3–6
    /// exactly as the ELF does, using only `dd` and `printf`.
    fn script(dir: &Path, body: &str) -> GuestCommand {
        let path = dir.join("guest.sh");
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        GuestCommand::new(path, [])
    }

    #[test]
    fn the_guest_reads_a_preimage_through_fds_5_and_6_and_its_line_is_the_verdict() {
        let dir = tempfile::tempdir().unwrap();
        let mut oracle = MemoryOracle::default();
        let hash = oracle.insert_keccak(b"abc".to_vec());
        let key = lamina_proof::preimage::PreimageKey::keccak(hash);
        let key_hex: String = key.0.iter().map(|b| format!("\\{b:03o}")).collect();
        // Request the key, read the 8-byte length and the 3 bytes, and answer with the
        // preimage as the verdict's block number of sorts: "abc" must come back.
        let root = format!("{:#x}", alloy_primitives::B256::repeat_byte(1));
        let guest = script(
            dir.path(),
            &format!(
                "printf '{key_hex}' >&6\n\
                 got=$(dd bs=1 count=11 <&5 2>/dev/null | tail -c 3)\n\
                 [ \"$got\" = abc ] || exit 2\n\
                 echo 'verdict 1 7 {root} 1'\nexit 0"
            ),
        );
        let v = run_guest(&guest, Arc::new(oracle)).unwrap();
        assert!(v.valid);
        assert_eq!((v.l2_block, v.blocks_built), (7, 1));
    }

    #[test]
    fn exit_codes_and_lines_that_disagree_give_no_verdict() {
        let dir = tempfile::tempdir().unwrap();
        let oracle = Arc::new(MemoryOracle::default());
        let root = format!("{:#x}", alloy_primitives::B256::ZERO);
        let cases = [
            (format!("echo 'verdict 1 7 {root} 1'; exit 1"), "bad line"),
            ("echo oops >&2; exit 2".to_owned(), "no verdict"),
            ("exit 0".to_owned(), "bad line"),
            ("kill -9 $$".to_owned(), "killed"),
        ];
        for (body, want) in cases {
            let err = run_guest(&script(dir.path(), &body), oracle.clone()).unwrap_err();
            let got = match &err {
                GuestError::BadLine { .. } => "bad line",
                GuestError::NoVerdict { stderr, .. } => {
                    assert_eq!(stderr, "oops");
                    "no verdict"
                }
                GuestError::Killed { signal, .. } => {
                    assert_eq!(*signal, 9);
                    "killed"
                }
                other => panic!("{body}: {other}"),
            };
            assert_eq!(got, want, "{body}");
        }
        let missing = GuestCommand::new("lamina-no-such-runner", []);
        assert!(matches!(run_guest(&missing, oracle), Err(GuestError::Missing(_))));
    }
}
