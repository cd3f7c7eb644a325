//! `lamina dev`: a whole OP-style rollup on one machine in one command — the dev L1, the
//! contracts, a sequencer, the batcher and an independent verifier following the sequencer's
//! block gossip — printing its endpoints
//! and the funded dev accounts, as anvil does for L1.

use std::{
    net::{IpAddr, SocketAddr},
    path::PathBuf,
    time::Duration,
};

use clap::Args;
use eyre::eyre;
use lamina_l1::deploy::DeployConfig;
use lamina_node::{
    dev_stack::{DevL1Choice, DevStack, DevStackConfig, dev_accounts},
    explorer::{ExplorerConfig, ExplorerNode},
};

/// Flags of `lamina dev`.
#[derive(Debug, Args)]
pub(crate) struct DevArgs {
    /// Where everything is stored; a restart with the same directory resumes (default: a new
    /// temporary directory).
    #[arg(long)]
    datadir: Option<PathBuf>,
    /// The address every server listens on. Anything but a loopback address needs
    /// `--allow-remote`: the dev accounts' keys are public.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Listen on a non-loopback `--host`. The node RPCs then serve no `admin_` methods.
    #[arg(long = "allow-remote")]
    allow_remote: bool,
    /// L1 JSON-RPC (and beacon API) port.
    #[arg(long = "l1.port", default_value_t = 8545)]
    l1_port: u16,
    /// Port of the L1's beacon API alone (blobs), as a consensus client serves it.
    #[arg(long = "l1.beacon.port", default_value_t = 5052)]
    l1_beacon_port: u16,
    /// Sequencer L2 JSON-RPC port.
    #[arg(long = "port", default_value_t = 9545)]
    port: u16,
    /// Sequencer node RPC (`optimism_`, `admin_`) port.
    #[arg(long = "rpc.port", default_value_t = 7545)]
    rpc_port: u16,
    /// Verifier L2 JSON-RPC port.
    #[arg(long = "verifier.port", default_value_t = 9546)]
    verifier_port: u16,
    /// Verifier node RPC port.
    #[arg(long = "verifier.rpc.port", default_value_t = 7546)]
    verifier_rpc_port: u16,
    /// Seconds between L2 blocks.
    #[arg(long = "block-time", default_value_t = 2)]
    block_time: u64,
    /// Seconds between L1 blocks (txs sent to L1 are also mined at once).
    #[arg(long = "l1.block-time", default_value_t = 2)]
    l1_block_time: u64,
    /// Run on this L1 node's JSON-RPC (anvil, say) instead of the embedded L1: the contracts
    /// are deployed there by dev account 0; `--l1.port` and `--l1.block-time` do not apply.
    #[arg(long = "l1-rpc")]
    l1_rpc: Option<String>,
    /// Seconds a withdrawal waits after its output is proposed before it can be finalized.
    #[arg(long = "finalization-period", default_value_t = 12)]
    finalization_period: u64,
    /// L2 blocks between output proposals.
    #[arg(long = "output-interval", default_value_t = 10)]
    output_interval: u64,
    /// The L2 chain id.
    #[arg(long = "l2.chain-id", default_value_t = 901)]
    l2_chain_id: u64,
    /// How the batcher posts: `calldata`, `blobs` or `auto` (default: `auto` on the embedded
    /// L1, `calldata` on `--l1-rpc`, which serves no blobs).
    #[arg(long = "data-availability-type")]
    da: Option<lamina_node::batcher::DaMode>,
    /// The embedded L1's chain id (an external L1 has its own).
    #[arg(long = "l1.chain-id", default_value_t = 900)]
    l1_chain_id: u64,
    /// Run the challenger: it deletes any output the proposer posts that differs from the
    /// independent verifier's (with the deployment's challenger key, dev account 0).
    #[arg(long)]
    challenger: bool,
    /// Testing the challenger: every Nth output the proposer posts is wrong.
    #[arg(long = "dev.corrupt-output-every", hide = true)]
    corrupt_output_every: Option<u64>,
    /// The sequencer's block gossip port on `--host` (0: any free port); the verifier follows
    /// it there, and so can any op-node or kona-node of this chain.
    #[arg(long = "p2p.listen.tcp", default_value_t = 9222)]
    p2p_port: u16,
    /// No block gossip: the verifier follows L1 only.
    #[arg(long = "p2p.disable")]
    p2p_disable: bool,
    /// Prometheus metrics of every role, on `--host` (the verifier's as `op_node_verifier_…`).
    #[command(flatten)]
    metrics: crate::metrics_flags::MetricsFlags,
    /// The explorer's port on `--host` (0: any free port): the chain, its derivation and the
    /// bridge, live, in a browser.
    #[arg(long = "explorer.port", default_value_t = 7400)]
    explorer_port: u16,
    /// No explorer.
    #[arg(long = "explorer.disable")]
    explorer_disable: bool,
}

pub(crate) fn run(args: &DevArgs) -> eyre::Result<()> {
    if args.block_time == 0 || args.l1_block_time == 0 || args.output_interval == 0 {
        return Err(eyre!(
            "--block-time, --l1.block-time and --output-interval must be at least 1"
        ));
    }
    check_host(args.host, args.allow_remote)?;
    let datadir = match &args.datadir {
        Some(d) => d.clone(),
        None => std::env::temp_dir().join(format!("lamina-dev-{}", std::process::id())),
    };
    let deploy = DeployConfig {
        l2_block_time: args.block_time,
        finalization_period_seconds: args.finalization_period,
        l2_output_oracle_submission_interval: args.output_interval,
        l1_chain_id: args.l1_chain_id,
        l2_chain_id: args.l2_chain_id,
        ..DeployConfig::dev()
    };
    let at = |port| SocketAddr::new(args.host, port);
    let config = DevStackConfig {
        datadir: datadir.clone(),
        l1: match &args.l1_rpc {
            Some(url) => DevL1Choice::External { url: url.clone() },
            None => DevL1Choice::Embedded {
                http: at(args.l1_port),
                beacon: Some(at(args.l1_beacon_port)),
                block_time: Duration::from_secs(args.l1_block_time),
            },
        },
        sequencer_http: at(args.port),
        sequencer_rpc: at(args.rpc_port),
        verifier_http: at(args.verifier_port),
        verifier_rpc: at(args.verifier_rpc_port),
        deploy,
        da: args.da,
        // Reachable from other machines: nobody there may stop the sequencer or reset
        // derivation.
        admin_rpc: args.host.is_loopback(),
        challenger: args.challenger,
        corrupt_output_every: args.corrupt_output_every,
        p2p: (!args.p2p_disable).then(|| at(args.p2p_port)),
    };
    crate::shutdown::serve(async {
        let signals = crate::shutdown::Signals::install()?;
        let metrics = args.metrics.on_host(args.host).start().await?;
        let stack = DevStack::launch(config).await?;
        let rollup = &stack.deployment.rollup;
        let http = |e: &lamina_node::EngineNode| {
            e.servers.http.as_ref().map(|(a, _)| format!("http://{a}")).unwrap_or_default()
        };
        // Machine-readable first lines (scripts and tests read them), then the human part.
        println!("l1: {}", stack.l1_url);
        println!("l2: {}", http(&stack.sequencer.engine));
        println!("rpc: http://{}", stack.sequencer.rpc.0);
        println!("verifier l2: {}", http(&stack.verifier.engine));
        println!("verifier rpc: http://{}", stack.verifier.rpc.0);
        if let Some(beacon) = stack.l1.as_ref().and_then(|l1| l1.beacon) {
            println!("l1 beacon: http://{beacon}");
        }
        if let Some(p2p) = &stack.sequencer.p2p {
            for addr in p2p.gossip.listen_addrs().await {
                println!("p2p: {addr}");
            }
        }
        let explorer = if args.explorer_disable {
            None
        } else {
            let config = ExplorerConfig {
                listen: at(args.explorer_port),
                l2_rpc: stack
                    .sequencer
                    .engine
                    .servers
                    .http
                    .as_ref()
                    .map(|(a, _)| crate::explorer::local_url(*a))
                    .unwrap_or_default(),
                nodes: vec![
                    ExplorerNode {
                        name: "sequencer".into(),
                        rpc: crate::explorer::local_url(stack.sequencer.rpc.0),
                    },
                    ExplorerNode {
                        name: "verifier".into(),
                        rpc: crate::explorer::local_url(stack.verifier.rpc.0),
                    },
                ],
            };
            Some(lamina_node::explorer::serve(config).await?)
        };
        if let Some(addr) = explorer {
            println!("explorer: http://{addr}/");
        }
        crate::metrics_flags::banner(metrics);
        println!();
        println!("L1 chain id {}, L2 chain id {}", rollup.l1_chain_id, rollup.l2_chain_id);
        println!("data: {}", datadir.display());
        println!("contracts: {}", datadir.join("chain/addresses.json").display());
        println!();
        println!(
            "Accounts (funded on L1 and L2; mnemonic \"test test test test test test test test test test test junk\"):"
        );
        for (i, (address, key)) in dev_accounts().enumerate() {
            println!("({i}) {address} {key}");
        }
        let signal = signals.wait().await;
        tracing::info!(target: "lamina::dev", signal, "shutting down");
        stack.stop().await;
        Ok(())
    })
}

/// `lamina dev` runs with publicly known keys and an admin RPC: it listens on loopback unless
/// the user says, with `--allow-remote`, that other machines may reach it.
fn check_host(host: IpAddr, allow_remote: bool) -> eyre::Result<()> {
    if host.is_loopback() || allow_remote {
        if !host.is_loopback() {
            tracing::warn!(
                target: "lamina::dev",
                %host,
                "listening beyond loopback: the dev accounts' keys are public; admin_ is off"
            );
        }
        return Ok(());
    }
    Err(eyre!(
        "--host {host} is not a loopback address: lamina dev's accounts have public keys and \
         its node RPC has admin methods. Pass --allow-remote to listen there anyway (admin_ is \
         then off)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_unless_allowed() {
        assert!(check_host("127.0.0.1".parse().unwrap(), false).is_ok());
        assert!(check_host("::1".parse().unwrap(), false).is_ok());
        let err = check_host("0.0.0.0".parse().unwrap(), false).unwrap_err().to_string();
        assert!(err.contains("--allow-remote"), "{err}");
        assert!(check_host("0.0.0.0".parse().unwrap(), true).is_ok());
    }
}
