//! `lamina deploy`: a new chain's L1 contracts deployed on any L1 (the dev L1, anvil, a
//! testnet), and the files its nodes start from written to `--outdir`: `rollup.json`,
//! `genesis.json`, `addresses.json`. Re-running with the same config and directory sends
//! nothing new.

use std::{path::PathBuf, time::Instant};

use alloy_signer_local::PrivateKeySigner;
use clap::Args;
use eyre::{WrapErr, eyre};
use lamina_l1::accounts::DEV_ACCOUNTS;
use lamina_l1::{
    chain::L1Chain,
    chain::RpcL1,
    deploy::{self, DEV_L1_CHAIN_IDS, DeployConfig},
    txmgr::{TxManager, TxManagerConfig},
};

/// Flags of `lamina deploy`.
#[derive(Debug, Args)]
pub(crate) struct DeployArgs {
    /// The L1's JSON-RPC URL.
    #[arg(long = "l1-rpc", default_value = "http://127.0.0.1:8545")]
    l1_rpc: String,
    /// The deploy config (`deploy.json`); default: the dev chain's (`--print-config --dev`).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Print a deploy config template (every role empty, explained on stderr) and exit.
    #[arg(long)]
    print_config: bool,
    /// With --print-config: print the dev chain's config instead (anvil's keys in every role).
    #[arg(long, requires = "print_config")]
    dev: bool,
    /// The deployer's key; without one, the first dev account's, and only on a dev L1 (chain id
    /// 900, 1337 or 31337).
    #[command(flatten)]
    key: crate::key::KeyArgs,
    /// Where the chain's files are written.
    #[arg(long, default_value = "lamina-chain")]
    outdir: PathBuf,
    /// Blocks on top of each tx's block before it counts (1: the including block).
    #[arg(long, default_value_t = 1)]
    confirmations: u64,
}

pub(crate) fn run(args: &DeployArgs) -> eyre::Result<()> {
    if args.print_config {
        if args.dev {
            println!("{}", serde_json::to_string_pretty(&DeployConfig::dev())?);
        } else {
            let template = DeployConfig::template();
            println!("{}", serde_json::to_string_pretty(&template)?);
            eprintln!("Set l2ChainID, l1ChainID and every role before deploying:");
            for (key, what, _) in template.roles() {
                eprintln!("  {key:<28} {what}");
            }
        }
        return Ok(());
    }
    let config = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .wrap_err_with(|| format!("reading {}", path.display()))?;
            DeployConfig::from_json(&text)?
        }
        None => DeployConfig::dev(),
    };
    let given = args.key.signer()?;
    let chain = RpcL1::connect(&args.l1_rpc)?;
    let txmgr = TxManagerConfig { confirmations: args.confirmations, ..TxManagerConfig::dev() };
    tokio::runtime::Runtime::new()?.block_on(async {
        let signer = match given {
            Some(key) => key,
            None => {
                // A dev key signs only on a dev L1: on a real one the deployer's own key must
                // be given, never a key the whole world knows.
                let id = chain.chain_id().await?;
                if !DEV_L1_CHAIN_IDS.contains(&id) {
                    return Err(eyre!(
                        "L1 chain {id} is not a dev chain: give the deployer's key with \
                         --private-key-file or LAMINA_PRIVATE_KEY"
                    ));
                }
                PrivateKeySigner::from_bytes(&DEV_ACCOUNTS[0].1)?
            }
        };
        let started = Instant::now();
        let mgr = TxManager::new(chain, signer, txmgr).await?;
        let d = crate::progress::while_running(
            "deploying",
            deploy::deploy_to_dir(&mgr, &config, &args.outdir),
        )
        .await?;
        let secs = started.elapsed().as_secs_f64();
        let a = d.addresses;
        println!("OptimismPortal  {}", a.optimism_portal);
        println!("L2OutputOracle  {}", a.l2_output_oracle);
        println!("SystemConfig    {}", a.system_config);
        println!("Multicall3      {}", a.multicall3);
        println!("BatchInbox      {}", a.batch_inbox);
        println!("L1 start        {} ({})", d.rollup.genesis.l1.number, d.rollup.genesis.l1.hash);
        println!("L2 genesis      {}", d.rollup.genesis.l2.hash);
        let what = if d.created.is_empty() { "nothing new".into() } else { d.created.join(", ") };
        println!("deployed {what} in {secs:.3} s; files in {}", args.outdir.display());
        Ok(())
    })
}
