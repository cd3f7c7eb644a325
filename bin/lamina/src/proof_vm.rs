//! `lamina proof vm`: the guest on lamina-rvm as a dispute uses it. `load-elf` gives the
//! absolute prestate (the hash of the VM state at the ELF's entry); `run` runs the proof of
//! one block offline from a preimage cache (filled by `lamina proof run --cache`) to a step or
//! to the exit, prints the state reached, the witness of any one step (checked by the
//! stand-alone step before it is printed), and keeps snapshots every K steps so a later run
//! starts from the nearest one.

use std::{
    path::{Path, PathBuf},
    process::ExitCode,
    sync::Arc,
    time::Instant,
};

use alloy_primitives::{B256, hex};
use clap::{Args, Subcommand};
use eyre::{WrapErr, bail};
use lamina_node::proof::{
    Host, PreimageStore, RunInputs, RunOracle, guest::default_elf, vm::GuestVm,
};
use lamina_rvm::{Status, Vm, witness::StepWitness};
use serde_json::{Value, json};
use sha2::Digest;

/// `lamina proof vm …`.
#[derive(Debug, Subcommand)]
pub(crate) enum VmCommand {
    /// The absolute prestate: the state hash of the guest ELF at its entry.
    LoadElf(LoadElfArgs),
    /// Run the proof of one block on the VM, offline from a preimage cache.
    Run(Box<VmRunArgs>),
}

/// Flags of `lamina proof vm load-elf`.
#[derive(Debug, Args)]
pub(crate) struct LoadElfArgs {
    /// The guest ELF (default: where scripts/build-program.sh builds it, or
    /// $LAMINA_PROGRAM_ELF).
    #[arg(long)]
    elf: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Flags of `lamina proof vm run`.
#[derive(Debug, Args)]
pub(crate) struct VmRunArgs {
    /// The L2 block whose output is claimed.
    #[arg(long)]
    l2_block: u64,
    /// The preimage cache holding the run's inputs (run-N.json) and preimages.
    #[arg(long)]
    cache: PathBuf,
    /// The claimed output root (default: the rollup node's, from the run's inputs).
    #[arg(long)]
    claim: Option<B256>,
    /// The L1 head (default: the run's inputs').
    #[arg(long)]
    l1_head: Option<B256>,
    /// The guest ELF.
    #[arg(long)]
    elf: Option<PathBuf>,
    /// Stop at this step (default: run to the exit).
    #[arg(long)]
    stop_at: Option<u64>,
    /// Print the witness of the step from this state to the next.
    #[arg(long)]
    proof_at: Option<u64>,
    /// Write a snapshot every this many steps (into --snapshots).
    #[arg(long, requires = "snapshots", value_parser = clap::value_parser!(u64).range(1..))]
    snapshot_every: Option<u64>,
    /// The snapshot directory: a run starts from its latest snapshot at or before the first
    /// step it must stop at.
    #[arg(long)]
    snapshots: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(cmd: &VmCommand) -> eyre::Result<ExitCode> {
    match cmd {
        VmCommand::LoadElf(args) => load_elf(args).map(|()| ExitCode::SUCCESS),
        VmCommand::Run(args) => run_vm(args),
    }
}

/// The guest ELF's path: `elf`, or where scripts/build-program.sh builds it; it must exist.
pub(crate) fn elf_path(elf: Option<&Path>) -> eyre::Result<PathBuf> {
    let path = elf.map_or_else(default_elf, Path::to_path_buf);
    if !path.is_file() {
        bail!(
            "the guest ELF {} is missing: build it with scripts/build-program.sh or pass --elf",
            path.display()
        );
    }
    Ok(path)
}

/// The ELF's bytes and their sha256.
fn read_elf(elf: Option<&Path>) -> eyre::Result<(Vec<u8>, B256)> {
    let path = elf_path(elf)?;
    let bytes = std::fs::read(&path).wrap_err_with(|| format!("{}", path.display()))?;
    let sha = B256::from_slice(&sha2::Sha256::digest(&bytes));
    Ok((bytes, sha))
}

fn load_elf(args: &LoadElfArgs) -> eyre::Result<()> {
    let (bytes, sha) = read_elf(args.elf.as_deref())?;
    let mut vm = Vm::from_elf(&bytes)?;
    let state = vm.state();
    let prestate = state.hash();
    if args.json {
        let out = json!({
            "prestate": prestate,
            "elf_sha256": sha,
            "elf_bytes": bytes.len(),
            "entry": format!("{:#x}", state.pc),
            "pages": vm.mem.pages(),
        });
        println!("{out}");
    } else {
        println!("prestate   {prestate}");
        println!("elf        {} bytes, sha256 {sha}", bytes.len());
        println!("entry      {:#x}, {} pages loaded", state.pc, vm.mem.pages());
    }
    Ok(())
}

/// What identifies a run's snapshots: the same ELF and the same boot inputs.
fn run_id(sha: B256, inputs: &RunInputs, claim: B256) -> Value {
    json!({ "elf_sha256": sha, "l2_block": inputs.l2_block, "claim": claim, "l1_head": inputs.l1_head })
}

/// The snapshot directory, checked to be this run's (or made so).
fn snapshot_dir(dir: &Path, id: &Value) -> eyre::Result<()> {
    std::fs::create_dir_all(dir).wrap_err_with(|| format!("{}", dir.display()))?;
    let path = dir.join("run.json");
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let theirs: Value = serde_json::from_str(&text).wrap_err("snapshots' run.json")?;
            if &theirs != id {
                bail!("{} holds snapshots of another run: {theirs}", dir.display());
            }
        }
        Err(_) => std::fs::write(&path, id.to_string())?,
    }
    Ok(())
}

fn snapshot_path(dir: &Path, step: u64) -> PathBuf {
    dir.join(format!("{step:012}.snap"))
}

/// The latest snapshot in `dir` at or before `step`.
fn latest_snapshot(dir: &Path, step: u64) -> eyre::Result<Option<(u64, PathBuf)>> {
    let mut best = None;
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let at = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".snap"))
            .and_then(|n| n.parse::<u64>().ok());
        if let Some(at) = at.filter(|at| *at <= step)
            && best.as_ref().is_none_or(|(b, _)| at > *b)
        {
            best = Some((at, path));
        }
    }
    Ok(best)
}

fn witness_json(w: &StepWitness, post: B256) -> Value {
    json!({
        "pre": w.pre,
        "post": post,
        "state": format!("0x{}", hex::encode(w.state)),
        "proof": format!("0x{}", hex::encode(&w.proof)),
        "preimage": w.preimage.as_ref().map(|p| json!({
            "key": p.key,
            "offset": p.offset,
            "data": format!("0x{}", hex::encode(&p.data)),
        })),
    })
}

fn run_vm(args: &VmRunArgs) -> eyre::Result<ExitCode> {
    let (bytes, sha) = read_elf(args.elf.as_deref())?;
    let mut inputs = RunInputs::load(&args.cache, args.l2_block)?;
    if let Some(h) = args.l1_head {
        inputs.l1_head = h;
    }
    let claim = args.claim.unwrap_or(inputs.node_output);
    // The host is offline: it serves the cache and never fetches, but it lives on a runtime.
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let _enter = rt.enter();
    let host = Host::<lamina_l1::chain::RpcL1, lamina_node::proof::RpcL2>::new(
        PreimageStore::open(&args.cache)?,
        None,
    );
    let oracle = Arc::new(RunOracle::new(host, &inputs, claim)?);
    let stop_at = args.stop_at.unwrap_or(u64::MAX);
    let first_stop = args.proof_at.unwrap_or(stop_at).min(stop_at);

    let id = run_id(sha, &inputs, claim);
    let mut guest = match &args.snapshots {
        Some(dir) => {
            snapshot_dir(dir, &id)?;
            match latest_snapshot(dir, first_stop)? {
                Some((_, path)) => {
                    let vm = Vm::restore(&std::fs::read(&path)?)
                        .wrap_err_with(|| format!("{}", path.display()))?;
                    GuestVm::resume(vm, oracle)
                }
                None => GuestVm::new(&bytes, oracle)?,
            }
        }
        None => GuestVm::new(&bytes, oracle)?,
    };
    let resumed_at = guest.vm().steps();
    let started = Instant::now();
    let mut proof = None;
    loop {
        let now = guest.vm().steps();
        let mut next = stop_at;
        if let Some(p) = args.proof_at.filter(|p| *p >= now && proof.is_none()) {
            next = next.min(p);
        }
        if let Some(k) = args.snapshot_every {
            next = next.min((now / k + 1) * k);
        }
        guest.run_to(next)?;
        let now = guest.vm().steps();
        let exited = guest.vm().exit_code().is_some();
        if let (Some(k), Some(dir)) = (args.snapshot_every, &args.snapshots) {
            let path = snapshot_path(dir, now);
            if now % k == 0 && !exited && !path.exists() {
                std::fs::write(&path, guest.vm_mut().snapshot())?;
            }
        }
        if args.proof_at == Some(now) && proof.is_none() {
            let w = guest.witness()?;
            let post = w.step().wrap_err("the stand-alone step refused the VM's own witness")?;
            proof = Some(witness_json(&w, post));
        }
        if exited || now >= stop_at {
            break;
        }
    }
    let elapsed = started.elapsed();
    if let Some(p) = args.proof_at.filter(|_| proof.is_none()) {
        bail!("no step {p}: the run ended at step {}", guest.vm().steps());
    }
    let state = guest.vm_mut().state();
    let ran = state.step - resumed_at;
    let mips = ran as f64 / elapsed.as_secs_f64().max(1e-9) / 1e6;
    let status = match state.status() {
        Status::Valid => "valid",
        Status::Invalid => "invalid",
        Status::Panic => "panic",
        Status::Unfinished => "unfinished",
    };
    if args.json {
        let mut out = json!({
            "step": state.step,
            "state_hash": state.hash(),
            "status": status,
            "exit_code": state.exited.then_some(state.exit_code),
            "resumed_at": resumed_at,
            "millis": elapsed.as_millis() as u64,
            "mips": mips,
            "pages": guest.vm().mem.pages(),
        });
        if let Some(p) = proof {
            out["proof"] = p;
        }
        println!("{out}");
    } else {
        println!("step        {} ({status})", state.step);
        println!("state hash  {}", state.hash());
        println!(
            "ran         {ran} steps from {resumed_at} in {:.3} s ({mips:.1} MIPS)",
            elapsed.as_secs_f64()
        );
        if let Some(p) = proof {
            println!("witness     {p}");
        }
    }
    Ok(match state.status() {
        Status::Valid | Status::Unfinished => ExitCode::SUCCESS,
        Status::Invalid => ExitCode::from(1),
        Status::Panic => ExitCode::from(2),
    })
}
