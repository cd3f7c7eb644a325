//! `lamina l1`: the embedded dev L1 as its own process, an anvil-like Ethereum chain (Prague
//! rules, anvil's ten funded dev accounts, Multicall3) for deploying Lamina's contracts and
//! testing against; `lamina dev` runs the same chain in process.

use std::{
    net::{IpAddr, SocketAddr},
    path::PathBuf,
    time::Duration,
};

use clap::Args;
use eyre::eyre;
use lamina_devl1::{DEV_ACCOUNTS, DevL1Config, DevL1Genesis, Mining};
use lamina_node::{DevL1Node, DevL1NodeConfig};

/// Flags of `lamina l1`.
#[derive(Debug, Args)]
pub(crate) struct L1Args {
    /// Where the chain is stored (an existing chain resumes).
    #[arg(long)]
    datadir: PathBuf,
    /// JSON-RPC (HTTP and WebSocket) address.
    #[arg(long = "http.addr", default_value = "127.0.0.1")]
    http_addr: IpAddr,
    /// JSON-RPC port (0: any free port).
    #[arg(long = "http.port", default_value_t = 8545)]
    http_port: u16,
    /// Chain id.
    #[arg(long, default_value_t = 900)]
    chain_id: u64,
    /// Seconds between blocks (0: a block for every tx, as anvil mines by default).
    #[arg(long, default_value_t = 0)]
    block_time: u64,
    /// The safe block trails the head by this many blocks.
    #[arg(long, default_value_t = 32)]
    safe_depth: u64,
    /// The finalized block trails the head by this many blocks.
    #[arg(long, default_value_t = 64)]
    finalized_depth: u64,
}

pub(crate) fn run(args: &L1Args) -> eyre::Result<()> {
    if args.finalized_depth < args.safe_depth {
        return Err(eyre!("--finalized-depth must be at least --safe-depth"));
    }
    let mining = match args.block_time {
        0 => Mining::Instant,
        s => Mining::Interval(Duration::from_secs(s)),
    };
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();
    let config = DevL1NodeConfig {
        datadir: args.datadir.clone(),
        http: SocketAddr::new(args.http_addr, args.http_port),
        l1: DevL1Config {
            chain_id: args.chain_id,
            mining,
            safe_depth: args.safe_depth,
            finalized_depth: args.finalized_depth,
        },
        genesis: DevL1Genesis::dev(now),
        beacon: None,
    };
    crate::shutdown::serve(async {
        let signals = crate::shutdown::Signals::install()?;
        let node = DevL1Node::launch(config).await?;
        // The address first, on its own line, for scripts that start us on port 0.
        println!("http: {}", node.http);
        println!("beacon API (blobs): http://{}/eth/v1", node.http);
        println!("chain id: {}", args.chain_id);
        println!("accounts (10 000 ETH each):");
        for (i, (address, key)) in DEV_ACCOUNTS.iter().enumerate() {
            println!("  ({i}) {address} {key}");
        }
        let signal = signals.wait().await;
        tracing::info!(target: "lamina::l1", signal, "shutting down");
        node.stop().await;
        Ok(())
    })
}
