//! The fault-proof program's host side, natively: [`setup`] gathers a run's inputs from a
//! rollup node, [`host::Host`] answers the program's hints from L1, beacon and L2 RPCs into a
//! [`store::PreimageStore`] (on disk, so a run repeats offline), and [`run`] runs
//! `lamina_proof::program::run` against it — natively, through the wire protocol, or as the
//! RISC-V guest under a runner ([`guest`]) — and reports the verdict with what it read.

pub mod guest;
pub mod host;
pub mod serve;
pub mod setup;
pub mod store;
pub mod vm;

use std::{path::PathBuf, sync::Arc, time::Duration};

use alloy_primitives::{B256, Bytes};
use lamina_l1::chain::L1Chain;
use lamina_proof::{
    preimage::{Hint, Oracle, OracleError, PreimageKey},
    program::{self, Verdict},
};

pub use guest::{GuestCommand, GuestError};
pub use host::{Host, L2Node, RpcL2, Sources};
pub use setup::{RunInputs, prepare};
pub use store::{PreimageStore, StoreError};

/// Why a run could not be set up or finished.
#[derive(Debug, thiserror::Error)]
pub enum ProofError {
    /// A flag or file is wrong.
    #[error("{0}")]
    Config(String),
    /// The rollup node answered something unusable.
    #[error("rollup node: {0}")]
    Node(String),
    /// The block is not safe on the node yet.
    #[error("L2 block {0} is not safe on the rollup node yet")]
    NotSafe(u64),
    /// A file.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The failure.
        #[source]
        source: std::io::Error,
    },
    /// The preimage cache.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The program ended without a verdict.
    #[error("program: {0}")]
    Program(#[from] program::ProgramError),
    /// The guest ended without a verdict.
    #[error(transparent)]
    Guest(#[from] GuestError),
}

/// Where the program runs.
#[derive(Debug, Clone)]
pub enum Mode {
    /// In this process, calling the host directly.
    Native,
    /// In this process, reading preimages through the wire protocol (as a guest does).
    Wire,
    /// As a guest process (the RISC-V ELF under a runner) on file descriptors 3–6.
    Guest(GuestCommand),
    /// The RISC-V ELF (its bytes) on lamina-rvm's fast VM, in this process.
    Vm(Arc<Vec<u8>>),
}

/// The oracle of one run: the host's store, and the run's boot inputs (local keys are per
/// run, so they never go into the shared cache).
#[derive(Debug)]
pub struct RunOracle<L1, L2> {
    host: Host<L1, L2>,
    locals: std::collections::HashMap<PreimageKey, Bytes>,
}

impl<L1: L1Chain + std::fmt::Debug + 'static, L2: L2Node> RunOracle<L1, L2> {
    /// The oracle of the run about `inputs.l2_block` claiming `claim`: the inputs' keccak
    /// preimages (the agreed output, the rollup config) go into the host's store.
    pub fn new(host: Host<L1, L2>, inputs: &RunInputs, claim: B256) -> Result<Self, ProofError> {
        let (keccaks, locals): (Vec<_>, Vec<_>) = inputs
            .preimages(claim)?
            .into_iter()
            .partition(|(k, _)| k.kind() != Some(lamina_proof::preimage::KeyType::Local));
        for (key, data) in keccaks {
            host.store().insert(key, data)?;
        }
        Ok(Self { host, locals: locals.into_iter().collect() })
    }

    /// The host.
    pub const fn host(&self) -> &Host<L1, L2> {
        &self.host
    }
}

impl<L1: L1Chain + std::fmt::Debug + 'static, L2: L2Node> Oracle for RunOracle<L1, L2> {
    fn get(&self, key: PreimageKey) -> Result<Bytes, OracleError> {
        match self.locals.get(&key) {
            Some(v) => Ok(v.clone()),
            None => self.host.get(key),
        }
    }

    fn hint(&self, hint: &Hint) -> Result<(), OracleError> {
        self.host.hint(hint)
    }
}

/// What a run came to and what it read.
#[derive(Debug, Clone, Copy)]
pub struct RunReport {
    /// The verdict.
    pub verdict: Verdict,
    /// Wall time of the program (fetching included).
    pub elapsed: Duration,
    /// Preimages the program read.
    pub preimages: u64,
    /// Their bytes.
    pub bytes: u64,
    /// Hints that made the host fetch.
    pub fetches: u64,
    /// What the VM did, in VM mode.
    pub vm: Option<vm::VmRun>,
}

/// Runs the program about `inputs.l2_block` claiming `claim`, with `host`. Call it on a tokio
/// runtime (the host's); the program runs on a blocking thread.
pub async fn run<L1: L1Chain + std::fmt::Debug + 'static, L2: L2Node>(
    host: Host<L1, L2>,
    inputs: &RunInputs,
    claim: B256,
) -> Result<RunReport, ProofError> {
    run_with(host, inputs, claim, Mode::Native).await
}

/// [`run`], with the program running as `mode` says.
pub async fn run_with<L1: L1Chain + std::fmt::Debug + 'static, L2: L2Node>(
    host: Host<L1, L2>,
    inputs: &RunInputs,
    claim: B256,
    mode: Mode,
) -> Result<RunReport, ProofError> {
    let oracle = Arc::new(RunOracle::new(host, inputs, claim)?);
    let started = std::time::Instant::now();
    let o = oracle.clone();
    let (verdict, vm) = tokio::task::spawn_blocking(move || -> Result<_, ProofError> {
        Ok(match mode {
            Mode::Native => (program::run(o)?, None),
            Mode::Wire => (serve::run_over_wire(o)?, None),
            Mode::Guest(cmd) => (guest::run_guest(&cmd, o)?, None),
            Mode::Vm(elf) => {
                let (verdict, run) = vm::run_vm(&elf, o)?;
                (verdict, Some(run))
            }
        })
    })
    .await
    .map_err(|e| ProofError::Config(format!("the program thread: {e}")))??;
    let elapsed = started.elapsed();
    oracle.host.store().flush()?;
    let stats = &oracle.host.stats;
    let load = |c: &std::sync::atomic::AtomicU64| c.load(std::sync::atomic::Ordering::Relaxed);
    Ok(RunReport {
        verdict,
        elapsed,
        preimages: load(&stats.preimages),
        bytes: load(&stats.bytes),
        fetches: load(&stats.fetches),
        vm,
    })
}
