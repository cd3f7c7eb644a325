//! The `lamina` binary: the command line of the whole stack. It parses flags into validated
//! configs and calls into the library crates; no protocol logic lives here.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod bench;
mod bridge;
mod decode;
mod deploy;
mod dev;
mod engine;
mod explorer;
mod jwt;
mod key;
mod l1;
mod log_flags;
mod metrics_flags;
mod node;
mod p2p_flags;
mod progress;
mod proof;
mod proof_vm;
mod roles;
mod rpc_flags;
mod shutdown;

/// Lamina: an OP Stack rollup in one binary.
#[derive(Debug, Parser)]
#[command(name = "lamina", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    log: log_flags::LogFlags,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The whole rollup in one process: dev L1, contracts, sequencer, batcher and an
    /// independent verifier.
    Dev(dev::DevArgs),
    /// Decode batcher data: a batcher tx, a channel or a blob, down to the blocks and txs.
    Decode(decode::DecodeArgs),
    /// Run the execution engine: Engine API (JWT) and JSON-RPC, optionally sequencing alone.
    Engine(engine::EngineArgs),
    /// Deploy a new chain's L1 contracts and write its rollup.json, genesis.json and
    /// addresses.json.
    Deploy(deploy::DeployArgs),
    /// Run the rollup node (sequencer or verifier) with its in-process engine.
    Node(Box<node::NodeArgs>),
    /// Post a node's blocks to L1 as batches (its own process, its own key).
    Batcher(roles::BatcherArgs),
    /// Propose a node's output roots to the L2OutputOracle (its own process, its own key).
    Proposer(roles::ProposerArgs),
    /// Delete wrong outputs from the L2OutputOracle before they are final (the oracle's
    /// challenger key; a verifier node's rollup RPC is the truth).
    Challenger(roles::ChallengerArgs),
    /// Deposit ETH (and a call) from L1 to L2 through the OptimismPortal.
    Deposit(bridge::TransferArgs),
    /// Start a withdrawal of ETH (and a call) from L2 to L1.
    Withdraw(bridge::TransferArgs),
    /// A withdrawal's status, proof and finalization on L1.
    #[command(subcommand)]
    Withdrawal(bridge::WithdrawalCommand),
    /// Run the dev L1 alone: an anvil-like Ethereum chain with funded dev accounts.
    L1(l1::L1Args),
    /// Whole-system benchmarks.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// The fault-proof program: `run` re-derives and re-executes a block from preimages alone and
    /// judges a claimed output (exit 0 right, 1 wrong, 2 no verdict); `execute` runs one block
    /// from its witness alone.
    #[command(subcommand)]
    Proof(proof::ProofCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(e) = cli.log.init() {
        eprintln!("error: {e:#}");
        return ExitCode::FAILURE;
    }
    match cli.command {
        Command::Decode(args) => decode::run(&args),
        Command::Bench(cmd) => exit(bench::run(&cmd)),
        Command::Proof(cmd) => match proof::run(&cmd) {
            Ok(code) => code,
            Err(e) => {
                eprintln!("error: {e:#}");
                // 0 and 1 are verdicts: an error is neither.
                ExitCode::from(2)
            }
        },
        Command::Deploy(args) => exit(deploy::run(&args)),
        Command::L1(args) => exit(l1::run(&args)),
        Command::Dev(args) => exit(dev::run(&args)),
        Command::Batcher(args) => exit(roles::run_batcher(&args)),
        Command::Proposer(args) => exit(roles::run_proposer(&args)),
        Command::Challenger(args) => exit(roles::run_challenger(&args)),
        Command::Node(args) => exit(node::run(&args)),
        Command::Engine(args) => exit(engine::run(&args)),
        Command::Deposit(args) => exit(bridge::run_deposit(&args)),
        Command::Withdraw(args) => exit(bridge::run_withdraw(&args)),
        Command::Withdrawal(cmd) => exit(bridge::run_withdrawal(&cmd)),
    }
}

/// A command's outcome as the process's: errors are printed with their causes.
fn exit(result: eyre::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// clap's own checks of every command's flags (unique names, valid defaults), which it
    /// otherwise runs only when that command is parsed.
    #[test]
    fn every_command_is_well_formed() {
        super::Cli::command().debug_assert();
    }
}
