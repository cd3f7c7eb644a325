//! `lamina proof`: the fault-proof program as commands. `run` judges the claimed output of one
//! L2 block by re-deriving it from L1 and re-executing it from preimages alone (fetched from
//! L1, beacon and L2 RPCs into a cache, or served from that cache offline), natively or as the
//! RISC-V guest under qemu (`--mode`); `execute` runs one
//! block statelessly from a file holding its chain's rollup config, its parent header (eth
//! JSON), its payload attributes (Engine API JSON) and its witness (`debug_executionWitness`
//! JSON), and prints what the block came to.

use std::{path::PathBuf, process::ExitCode};

use alloy_primitives::B256;
use lamina_node::proof::{GuestCommand, Host, Mode, PreimageStore, RunInputs, Sources};

use clap::{Args, Subcommand};
use eyre::WrapErr;
use lamina_proof::execute::{Witness, execute};
use lamina_protocol::RollupConfig;
use op_alloy_rpc_types_engine::OpPayloadAttributes;
use serde::Deserialize;

/// `lamina proof …`.
#[derive(Debug, Subcommand)]
pub(crate) enum ProofCommand {
    /// Judge the claimed output of L2 block N: exit 0 when right, 1 when wrong, 2 when no
    /// verdict could be reached.
    Run(Box<RunArgs>),
    /// Execute one block from its witness alone; print its hash, state root, receipts root and
    /// gas used.
    Execute(ExecuteArgs),
    /// The guest on lamina-rvm step by step: the absolute prestate, runs to a step with
    /// witnesses and snapshots.
    #[command(subcommand)]
    Vm(crate::proof_vm::VmCommand),
}

/// Flags of `lamina proof run`.
#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// The L2 block whose output is claimed (the run starts from block N-1's output).
    #[arg(long)]
    l2_block: u64,
    /// The claimed output root (default: the rollup node's).
    #[arg(long)]
    claim: Option<B256>,
    /// The L1 head derivation may read up to (default: the L1 block at which N became safe on
    /// the rollup node).
    #[arg(long)]
    l1_head: Option<B256>,
    /// A verifier's rollup RPC (`optimism_outputAtBlock`, `optimism_safeHeadAtL1Block`). Without
    /// it the run is offline: its inputs and every preimage come from `--cache`.
    #[arg(long, requires_all = ["l1_rpc", "l2_rpc"])]
    rollup_rpc: Option<String>,
    /// L1 JSON-RPC.
    #[arg(long)]
    l1_rpc: Option<String>,
    /// L1 beacon API (blobs).
    #[arg(long)]
    l1_beacon: Option<String>,
    /// L2 JSON-RPC serving `debug_executionWitness`.
    #[arg(long)]
    l2_rpc: Option<String>,
    /// Preimage cache directory: filled by an online run, read by an offline one.
    #[arg(long)]
    cache: Option<PathBuf>,
    /// Where the program runs: in this process (`native`), in this process through the wire
    /// protocol a guest speaks (`wire`), or the RISC-V guest ELF under qemu-riscv64 (`qemu`)
    /// or on lamina-rvm (`vm`).
    #[arg(long, value_enum, default_value_t = RunMode::Native)]
    mode: RunMode,
    /// The guest ELF (default: where scripts/build-program.sh builds it, or
    /// $LAMINA_PROGRAM_ELF).
    #[arg(long)]
    elf: Option<PathBuf>,
    /// The qemu user-mode emulator for `--mode qemu`.
    #[arg(long, default_value = "qemu-riscv64")]
    qemu: PathBuf,
    /// Print the verdict as JSON.
    #[arg(long)]
    json: bool,
}

/// Values of `--mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum RunMode {
    /// In process.
    Native,
    /// In process, over the wire protocol.
    Wire,
    /// The guest ELF under qemu-riscv64.
    Qemu,
    /// The guest ELF on lamina-rvm, in process.
    Vm,
}

impl RunArgs {
    /// The mode as the node's runner takes it; a guest's ELF must exist.
    fn mode(&self) -> eyre::Result<Mode> {
        let elf = || crate::proof_vm::elf_path(self.elf.as_deref());
        Ok(match self.mode {
            RunMode::Native => Mode::Native,
            RunMode::Wire => Mode::Wire,
            RunMode::Qemu => Mode::Guest(GuestCommand::qemu(&self.qemu, &elf()?)),
            RunMode::Vm => {
                let elf = elf()?;
                let bytes = std::fs::read(&elf).wrap_err_with(|| format!("{}", elf.display()))?;
                Mode::Vm(std::sync::Arc::new(bytes))
            }
        })
    }
}

/// Flags of `lamina proof execute`.
#[derive(Debug, Args)]
pub(crate) struct ExecuteArgs {
    /// A JSON file: `{"rollup_config", "parent_header", "attributes", "witness"}`.
    #[arg(long)]
    input: PathBuf,
    /// Print JSON (`block_hash`, `state_root`, `receipts_root`, `gas_used`).
    #[arg(long)]
    json: bool,
}

/// The input file.
#[derive(Debug, Deserialize)]
struct Input {
    rollup_config: serde_json::Value,
    parent_header: alloy_rpc_types_eth::Header,
    attributes: OpPayloadAttributes,
    witness: Witness,
}

pub(crate) fn run(cmd: &ProofCommand) -> eyre::Result<ExitCode> {
    match cmd {
        ProofCommand::Run(args) => run_program(args),
        ProofCommand::Execute(args) => run_execute(args).map(|()| ExitCode::SUCCESS),
        ProofCommand::Vm(cmd) => crate::proof_vm::run(cmd),
    }
}

fn run_program(args: &RunArgs) -> eyre::Result<ExitCode> {
    let mode = args.mode()?;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async {
        let store = match &args.cache {
            Some(dir) => PreimageStore::open(dir)?,
            None => PreimageStore::memory(),
        };
        let (inputs, sources) = match &args.rollup_rpc {
            Some(url) => {
                let rollup = jsonrpsee::http_client::HttpClientBuilder::default()
                    .request_timeout(std::time::Duration::from_secs(30))
                    .build(url)
                    .wrap_err_with(|| format!("rollup RPC {url}"))?;
                let inputs =
                    lamina_node::proof::prepare(&rollup, args.l2_block, args.l1_head).await?;
                if let Some(dir) = &args.cache {
                    inputs.save(dir)?;
                }
                // clap requires both with --rollup-rpc.
                let (l1, l2) = (
                    args.l1_rpc.as_deref().unwrap_or_default(),
                    args.l2_rpc.as_deref().unwrap_or_default(),
                );
                (inputs, Some(Sources::connect(l1, args.l1_beacon.as_deref(), l2)?))
            }
            None => {
                let dir = args
                    .cache
                    .as_ref()
                    .ok_or_else(|| eyre::eyre!("an offline run (no --rollup-rpc) needs --cache"))?;
                let mut inputs = RunInputs::load(dir, args.l2_block)?;
                if let Some(h) = args.l1_head {
                    inputs.l1_head = h;
                }
                (inputs, None)
            }
        };
        let claim = args.claim.unwrap_or(inputs.node_output);
        let host = Host::new(store, sources);
        let report = lamina_node::proof::run_with(host, &inputs, claim, mode).await?;
        let v = report.verdict;
        if args.json {
            let mut json = serde_json::json!({
                "valid": v.valid,
                "l2_block": v.l2_block,
                "claim": claim,
                "output_root": v.output_root,
                "blocks_built": v.blocks_built,
                "preimages": report.preimages,
                "bytes": report.bytes,
                "fetches": report.fetches,
                "millis": report.elapsed.as_millis() as u64,
                "mode": format!("{:?}", args.mode).to_lowercase(),
            });
            if let Some(vm) = report.vm {
                json["steps"] = vm.steps.into();
                json["pages"] = vm.pages.into();
            }
            println!("{json}");
        } else {
            let word = if v.valid { "VALID" } else { "INVALID" };
            println!("{word}: the claim {claim} for L2 block {}", args.l2_block);
            println!("output root    {} (block {})", v.output_root, v.l2_block);
            println!("blocks built   {}", v.blocks_built);
            println!(
                "preimages      {} ({} bytes), {} fetches",
                report.preimages, report.bytes, report.fetches
            );
            println!("time           {:.3} s", report.elapsed.as_secs_f64());
            if let Some(vm) = report.vm {
                println!("VM steps       {} ({} KiB of memory touched)", vm.steps, vm.pages * 4);
            }
        }
        Ok(ExitCode::from(u8::try_from(v.exit_code()).unwrap_or(2)))
    })
}

fn run_execute(args: &ExecuteArgs) -> eyre::Result<()> {
    let text = std::fs::read_to_string(&args.input)
        .wrap_err_with(|| format!("reading {}", args.input.display()))?;
    let input: Input = serde_json::from_str(&text).wrap_err("the input file")?;
    let cfg = RollupConfig::from_json(&input.rollup_config.to_string())
        .wrap_err("the input's rollup_config")?;
    let out = execute(&cfg, &input.parent_header.inner, &input.attributes, &input.witness)?;
    if args.json {
        let json = serde_json::json!({
            "block_hash": out.block_hash,
            "state_root": out.state_root,
            "receipts_root": out.receipts_root,
            "gas_used": out.gas_used,
        });
        println!("{json}");
    } else {
        println!("block hash     {}", out.block_hash);
        println!("state root     {}", out.state_root);
        println!("receipts root  {}", out.receipts_root);
        println!("gas used       {}", out.gas_used);
    }
    Ok(())
}
