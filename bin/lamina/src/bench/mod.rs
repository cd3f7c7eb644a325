//! `lamina bench …`: whole-system benchmarks run as a user would run them, against Lamina and,
//! where it makes sense, against a reference node in the same run (ratios, not absolute
//! numbers, are what survive a noisy shared machine).

mod da;
mod deploy;
mod derive;
mod dev;
mod gossip;
mod l1;
mod proof;
mod rpc;

use clap::Subcommand;

/// The benchmarks.
#[derive(Debug, Subcommand)]
pub(crate) enum BenchCommand {
    /// JSON-RPC throughput and latency of `lamina engine --dev`, and of anvil with the same
    /// genesis.
    Rpc(rpc::RpcBenchArgs),
    /// The dev L1: blocks/s in process, and JSON-RPC latency next to anvil's.
    L1(l1::L1BenchArgs),
    /// `lamina deploy`'s wall time on the dev L1 (in process and over RPC) and on anvil.
    Deploy(deploy::DeployBenchArgs),
    /// Derivation plus execution: a fresh verifier derives a synthetic chain of transfers
    /// from the dev L1 (blocks/s, Mgas/s, MB/s of batch data), next to the sequencer's rate.
    Derive(derive::DeriveBenchArgs),
    /// `lamina dev` as a user feels it: start → first L2 block, tx → unsafe and tx → safe
    /// latency, L1 bytes per L2 transfer.
    Dev(dev::DevBenchArgs),
    /// Block gossip: sequencer block → verifier unsafe head (gossip) and safe head (L1)
    /// latency, p50/p99/max, 1 s blocks with transfers.
    Gossip(gossip::GossipBenchArgs),
    /// The fault-proof program on an empty, a transfer, an ERC-20 and a blob-batch block:
    /// native, qemu and lamina-rvm (fast and witness mode) time per block, guest instructions,
    /// VM MIPS, guest memory.
    Proof(proof::ProofBenchArgs),
}

pub(crate) fn run(cmd: &BenchCommand) -> eyre::Result<()> {
    match cmd {
        BenchCommand::Rpc(args) => rpc::run(args),
        BenchCommand::L1(args) => l1::run(args),
        BenchCommand::Deploy(args) => deploy::run(args),
        BenchCommand::Derive(args) => derive::run(args),
        BenchCommand::Dev(args) => dev::run(args),
        BenchCommand::Gossip(args) => gossip::run(args),
        BenchCommand::Proof(args) => proof::run(args),
    }
}
