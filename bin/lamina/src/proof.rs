//! `lamina proof`: the fault-proof program's pieces as commands. `execute` runs one block
//! statelessly from a file holding its chain's rollup config, its parent header (eth JSON), its
//! payload attributes (Engine API JSON) and its witness (`debug_executionWitness` JSON), and
//! prints what the block came to.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use eyre::WrapErr;
use lamina_proof::execute::{Witness, execute};
use lamina_protocol::RollupConfig;
use op_alloy_rpc_types_engine::OpPayloadAttributes;
use serde::Deserialize;

/// `lamina proof …`.
#[derive(Debug, Subcommand)]
pub(crate) enum ProofCommand {
    /// Execute one block from its witness alone; print its hash, state root, receipts root and
    /// gas used.
    Execute(ExecuteArgs),
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

pub(crate) fn run(cmd: &ProofCommand) -> eyre::Result<()> {
    match cmd {
        ProofCommand::Execute(args) => run_execute(args),
    }
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
