//! `lamina bench proof`: the fault-proof program on one block of each kind — an empty block,
//! ETH transfers and ERC-20 transfers posted as calldata, and ETH transfers posted in a blob —
//! of an in-process `lamina dev` stack, run every way it can run: natively (cold, fetching
//! from the stack, then from the cache), as the RISC-V guest under qemu-riscv64, on lamina-rvm
//! in fast mode, and in witness mode (a window of steps each witnessed and re-checked by the
//! stand-alone step). It prints time per block, the guest's instructions, the VM's MIPS and
//! the guest's memory, as measured; every verdict must be "valid".

use std::{
    path::PathBuf,
    sync::Arc,
    time::{Duration, Instant},
};

use alloy_eips::BlockNumberOrTag;
use clap::Args;
use lamina_devl1::DevL1;
use lamina_l1::chain::L1Chain;
use lamina_node::{
    EngineHandle,
    batcher::DaMode,
    dev_stack::DevStack,
    proof::{
        GuestCommand, Host, Mode, PreimageStore, RunInputs, RunOracle, RunReport, Sources,
        guest::default_elf, vm::GuestVm,
    },
    rollup::rpc::output_at,
};

use super::{
    da::{Load, Traffic},
    dev::wait,
    rpc::tempfile_dir,
};

/// Flags of `lamina bench proof`.
#[derive(Debug, Args)]
pub(crate) struct ProofBenchArgs {
    /// Txs sent for the transfer and ERC-20 blocks.
    #[arg(long, default_value_t = 30)]
    txs: u64,
    /// Steps in the witness-mode window (from the middle of the run).
    #[arg(long, default_value_t = 20_000)]
    window: u64,
    /// The guest ELF (default: where scripts/build-program.sh builds it).
    #[arg(long)]
    elf: Option<PathBuf>,
    /// The qemu user-mode emulator.
    #[arg(long, default_value = "qemu-riscv64")]
    qemu: PathBuf,
    /// Work in this directory and keep it: each block's preimage cache (`cache-<da>-<n>`, with
    /// its run-N.json) then serves `lamina proof run --cache … --l2-block n` offline.
    #[arg(long)]
    keep: Option<PathBuf>,
}

/// One measured block.
struct Row {
    kind: &'static str,
    da: DaMode,
    block: u64,
    txs: usize,
    cold: RunReport,
    cached: RunReport,
    qemu: Duration,
    vm: RunReport,
    witness_steps_per_s: f64,
}

async fn run_mode(
    cache: &std::path::Path,
    sources: Option<Sources<DevL1, EngineHandle>>,
    inputs: &RunInputs,
    mode: Mode,
) -> eyre::Result<RunReport> {
    let host = Host::new(PreimageStore::open(cache)?, sources);
    let report = lamina_node::proof::run_with(host, inputs, inputs.node_output, mode).await?;
    eyre::ensure!(report.verdict.valid, "block {}: the true output judged wrong", inputs.l2_block);
    Ok(report)
}

/// Steps per second of the witness mode: `window` steps from the middle of the run, each
/// witnessed, re-computed by the stand-alone step and compared with the fast VM.
fn witness_rate(
    elf: &[u8],
    cache: &std::path::Path,
    inputs: &RunInputs,
    at: u64,
    window: u64,
) -> eyre::Result<f64> {
    let host = Host::<DevL1, EngineHandle>::new(PreimageStore::open(cache)?, None);
    let oracle = Arc::new(RunOracle::new(host, inputs, inputs.node_output)?);
    let mut g = GuestVm::new(elf, oracle)?;
    g.run_to(at)?;
    g.vm_mut().state();
    let started = Instant::now();
    for _ in 0..window {
        let w = g.witness()?;
        let post = w.step()?;
        g.run_to(g.vm().steps() + 1)?;
        eyre::ensure!(
            post == g.vm_mut().state().hash(),
            "step {}: the step disagrees",
            g.vm().steps()
        );
    }
    Ok(window as f64 / started.elapsed().as_secs_f64())
}

async fn measure(
    args: &ProofBenchArgs,
    dir: &std::path::Path,
    da: DaMode,
    elf: &Arc<Vec<u8>>,
    elf_path: &std::path::Path,
) -> eyre::Result<Vec<Row>> {
    let stack =
        DevStack::launch(super::dev::stack_config(2, &dir.join(da.name()), Some(da))?).await?;
    let seq = stack.sequencer.engine.handle.clone();
    let ver = stack.verifier.engine.handle.clone();
    let l1 = stack.l1.as_ref().map(|n| n.l1.clone()).ok_or_else(|| eyre::eyre!("no dev L1"))?;
    let head = |e: &EngineHandle| -> eyre::Result<u64> {
        Ok(e.store().head()?.map(|(n, _)| n).unwrap_or_default())
    };
    wait(|| Ok(head(&seq)? >= 2), "two L2 blocks").await?;
    let mut blocks = Vec::new();
    if da == DaMode::Calldata {
        blocks.push(("empty", 2));
    }
    let mut traffic = Traffic::new(&stack).await?;
    blocks.push(("ETH transfers", traffic.send(&seq, Load::Eth, args.txs).await?));
    if da == DaMode::Calldata {
        blocks.push(("ERC-20 transfers", traffic.send(&seq, Load::Erc20, args.txs).await?));
    }
    let last = blocks.iter().map(|b| b.1).max().unwrap_or_default();
    wait(|| Ok(ver.store().forkchoice()?.safe.number >= last), "the blocks to be safe").await?;
    let l1_head =
        l1.header(BlockNumberOrTag::Latest).await?.ok_or_else(|| eyre::eyre!("no L1 head"))?.hash();
    let mut rows = Vec::new();
    let mut progress = crate::progress::Progress::new("proof runs");
    let total = blocks.len() as u64 * 4;
    let mut done = 0;
    for (kind, k) in blocks {
        let mut step = |mode: &str| {
            progress.update(done, total, &format!("{kind} ({}), {mode}", da.name()));
            done += 1;
        };
        let inputs = RunInputs {
            l2_block: k,
            l1_head,
            agreed: output_at(&ver, k - 1).await?.0,
            node_output: output_at(&ver, k).await?.0.hash(),
            rollup_config: stack.deployment.rollup.to_json(),
        };
        let cache = dir.join(format!("cache-{}-{k}", da.name()));
        std::fs::create_dir_all(&cache)?;
        inputs.save(&cache)?;
        let sources = Sources { l1: l1.clone(), l2: ver.clone() };
        step("native, fetching");
        let cold = run_mode(&cache, Some(sources), &inputs, Mode::Native).await?;
        step("native, cached");
        let cached = run_mode(&cache, None, &inputs, Mode::Native).await?;
        step("qemu");
        let qemu = GuestCommand::qemu(&args.qemu, elf_path);
        let qemu = run_mode(&cache, None, &inputs, Mode::Guest(qemu)).await?.elapsed;
        step("lamina-rvm");
        let vm = run_mode(&cache, None, &inputs, Mode::Vm(elf.clone())).await?;
        let steps = vm.vm.map(|v| v.steps).unwrap_or_default();
        let window = args.window.min(steps / 2);
        let rate = witness_rate(elf, &cache, &inputs, steps / 2, window)?;
        let txs = ver.store().block_transactions(k)?.map(|t| t.len()).unwrap_or_default();
        rows.push(Row {
            kind,
            da,
            block: k,
            txs,
            cold,
            cached,
            qemu,
            vm,
            witness_steps_per_s: rate,
        });
    }
    progress.finish(&format!("{total} runs ({})", da.name()));
    stack.stop().await;
    Ok(rows)
}

async fn scenario(args: &ProofBenchArgs, dir: &std::path::Path) -> eyre::Result<()> {
    let elf_path = args.elf.clone().unwrap_or_else(default_elf);
    let elf = Arc::new(std::fs::read(&elf_path).map_err(|e| {
        eyre::eyre!("{}: {e} (build it with scripts/build-program.sh)", elf_path.display())
    })?);
    let mut rows = measure(args, dir, DaMode::Calldata, &elf, &elf_path).await?;
    rows.extend(measure(args, dir, DaMode::Blobs, &elf, &elf_path).await?);

    println!("fault-proof program per L2 block (ELF {} bytes)", elf.len());
    println!(
        "  {:<28} {:>5} {:>4} {:>9} {:>9} {:>9} {:>9} {:>12} {:>7} {:>9} {:>11}",
        "block",
        "n",
        "txs",
        "cold ms",
        "native ms",
        "qemu ms",
        "VM ms",
        "instructions",
        "MIPS",
        "guest MiB",
        "witness/s"
    );
    for r in &rows {
        let vm = r.vm.vm.unwrap_or(lamina_node::proof::vm::VmRun { steps: 0, pages: 0 });
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        println!(
            "  {:<28} {:>5} {:>4} {:>9.1} {:>9.1} {:>9.1} {:>9.1} {:>12} {:>7.1} {:>9.1} {:>11.0}",
            format!("{} ({})", r.kind, r.da.name()),
            r.block,
            r.txs,
            ms(r.cold.elapsed),
            ms(r.cached.elapsed),
            ms(r.qemu),
            ms(r.vm.elapsed),
            vm.steps,
            vm.steps as f64 / r.vm.elapsed.as_secs_f64() / 1e6,
            vm.pages as f64 * 4096.0 / (1 << 20) as f64,
            r.witness_steps_per_s,
        );
    }
    println!(
        "  (cold: native, fetching every preimage from the stack; native/qemu/VM: from the cache;"
    );
    println!(
        "   witness/s: steps witnessed, re-checked by the stand-alone step and compared, per second)"
    );
    Ok(())
}

pub(crate) fn run(args: &ProofBenchArgs) -> eyre::Result<()> {
    eyre::ensure!(args.txs > 0, "--txs must be positive");
    let dir = match &args.keep {
        Some(dir) => dir.clone(),
        None => tempfile_dir()?.join("proof"),
    };
    let _ = std::fs::remove_dir_all(&dir);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let out = rt.block_on(scenario(args, &dir));
    if args.keep.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    out
}
