//! `lamina decode`: the operator's batch decoder.
//!
//! `batcher-tx` takes a signed L1 tx (or just its calldata), `channel` takes compressed channel
//! bytes, `blob` a 131 072-byte blob. Inputs are a file (binary or hex text) or a `0x…` literal.
//! Output is human-readable, or JSON with `--json`; on any decode failure the exit code is 1 and
//! the message names the field and byte offset.

mod input;
mod inspect;
mod render;

use std::{path::PathBuf, process::ExitCode};

use clap::{Args, Subcommand};
use lamina_protocol::RollupConfig;

/// Arguments of `lamina decode`.
#[derive(Debug, Args)]
pub(crate) struct DecodeArgs {
    #[command(subcommand)]
    what: What,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    /// The chain's rollup.json: gives absolute block timestamps and the L2 chain id.
    #[arg(long, global = true, value_name = "FILE")]
    rollup_config: Option<PathBuf>,
    /// L2 chain id for rebuilding span-batch txs (legacy signatures depend on it). Ignored with
    /// --rollup-config.
    #[arg(long, global = true, default_value_t = 10, value_name = "ID")]
    l2_chain_id: u64,
}

#[derive(Debug, Subcommand)]
enum What {
    /// A batcher transaction: raw signed L1 tx bytes, or the tx's calldata.
    BatcherTx {
        /// A file (binary or hex text) or a 0x-prefixed hex string.
        input: String,
    },
    /// Compressed channel bytes (zlib, or 0x01 ++ brotli).
    Channel {
        /// A file (binary or hex text) or a 0x-prefixed hex string.
        input: String,
    },
    /// An EIP-4844 blob carrying OP batcher data.
    Blob {
        /// A file (binary or hex text) or a 0x-prefixed hex string.
        input: String,
    },
}

/// Chain parameters that turn wire values into meaning.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ChainParams {
    pub(crate) l2_chain_id: u64,
    /// `(genesis time, block time)` when a rollup config was given.
    pub(crate) timing: Option<(u64, u64)>,
}

/// Runs the command and maps its outcome to an exit code.
pub(crate) fn run(args: &DecodeArgs) -> ExitCode {
    match run_inner(args) {
        Ok(report) => {
            let failed = report.has_errors();
            if args.json {
                println!("{}", render::json(&report));
            } else {
                print!("{}", render::text(&report));
            }
            if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS }
        }
        Err(msg) => {
            if args.json {
                println!("{}", serde_json::json!({ "error": msg }));
            } else {
                eprintln!("error: {msg}");
            }
            ExitCode::FAILURE
        }
    }
}

fn run_inner(args: &DecodeArgs) -> Result<inspect::Report, String> {
    let params = match &args.rollup_config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("reading {}: {e}", path.display()))?;
            let cfg =
                RollupConfig::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))?;
            ChainParams {
                l2_chain_id: cfg.l2_chain_id,
                timing: Some((cfg.genesis.l2_time, cfg.block_time)),
            }
        }
        None => ChainParams { l2_chain_id: args.l2_chain_id, timing: None },
    };
    match &args.what {
        What::BatcherTx { input } => Ok(inspect::batcher_tx(&input::read(input)?, params)),
        What::Channel { input } => Ok(inspect::channel_only(&input::read(input)?, params)),
        What::Blob { input } => Ok(inspect::blob(&input::read(input)?, params)),
    }
}
