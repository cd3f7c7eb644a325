//! `lamina bench deploy`: wall time of a whole deployment (four contracts, the L2 genesis, the
//! files) on a fresh chain each run: the dev L1 in process (as `lamina dev` deploys), the dev
//! L1 over JSON-RPC (as `lamina deploy` against `lamina l1`), and anvil; and of a re-run that
//! finds everything in place.

use std::{
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use alloy_signer_local::PrivateKeySigner;
use clap::Args;
use lamina_devl1::{DEV_ACCOUNTS, DevL1, DevL1Config, DevL1Genesis};
use lamina_l1::{
    chain::{L1Chain, RpcL1},
    deploy::{self, DeployConfig},
    txmgr::{TxManager, TxManagerConfig},
};
use lamina_node::{DevL1Node, DevL1NodeConfig};

use super::rpc::{tempfile_dir, wait_ready};

/// Flags of `lamina bench deploy`.
#[derive(Debug, Args)]
pub(crate) struct DeployBenchArgs {
    /// Deployments per target (each on a fresh chain).
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// The anvil binary (default: tools/node_modules/.bin/anvil; skipped when missing).
    #[arg(long)]
    anvil: Option<PathBuf>,
}

/// Times a first deployment and a re-run on `chain`.
async fn once<C: L1Chain>(chain: C, dir: &Path) -> eyre::Result<(Duration, Duration)> {
    let signer = PrivateKeySigner::from_bytes(&DEV_ACCOUNTS[0].1)?;
    let t0 = Instant::now();
    let mgr = TxManager::new(chain, signer, TxManagerConfig::dev()).await?;
    let config = DeployConfig::dev();
    let first = deploy::deploy_to_dir(&mgr, &config, dir).await?;
    let fresh = t0.elapsed();
    // Three contracts, or four where the L1 has no canonical Multicall3 (anvil).
    eyre::ensure!(first.created.len() >= 3, "deployed {:?}", first.created);
    let t1 = Instant::now();
    let again = deploy::deploy_to_dir(&mgr, &config, dir).await?;
    eyre::ensure!(again.created.is_empty(), "re-run deployed {:?}", again.created);
    Ok((fresh, t1.elapsed()))
}

fn median(mut v: Vec<Duration>) -> f64 {
    v.sort_unstable();
    v.get(v.len() / 2).copied().unwrap_or_default().as_secs_f64() * 1e3
}

fn report(target: &str, runs: Vec<(Duration, Duration)>) {
    let (fresh, rerun): (Vec<_>, Vec<_>) = runs.into_iter().unzip();
    println!("{target:<28} {:>10.1} {:>12.1}", median(fresh), median(rerun));
}

pub(crate) fn run(args: &DeployBenchArgs) -> eyre::Result<()> {
    let dir = tempfile_dir()?;
    let anvil_bin = args.anvil.clone().unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tools/node_modules/.bin/anvil")
    });
    let genesis = DevL1Genesis::dev(1_700_000_000);
    println!("deploy wall time, median of {} runs on fresh chains (ms)", args.runs.max(1));
    println!("{:<28} {:>10} {:>12}", "L1", "deploy", "re-run");
    tokio::runtime::Runtime::new()?.block_on(async {
        let mut runs = Vec::new();
        for i in 0..args.runs.max(1) {
            let l1 =
                DevL1::open(&dir.join(format!("inproc-{i}")), DevL1Config::default(), &genesis)?;
            runs.push(once(l1, &dir.join(format!("inproc-out-{i}"))).await?);
        }
        report("dev L1, in process", runs);

        let mut runs = Vec::new();
        for i in 0..args.runs.max(1) {
            let node = DevL1Node::launch(DevL1NodeConfig {
                datadir: dir.join(format!("rpc-{i}")),
                http: "127.0.0.1:0".parse()?,
                l1: DevL1Config::default(),
                genesis: genesis.clone(),
                beacon: None,
            })
            .await?;
            let url = format!("http://{}", node.http);
            wait_ready(&url).await?;
            runs.push(once(RpcL1::connect(&url)?, &dir.join(format!("rpc-out-{i}"))).await?);
            node.stop().await;
        }
        report("dev L1 (lamina l1), RPC", runs);

        if anvil_bin.is_file() {
            let mut runs = Vec::new();
            for i in 0..args.runs.max(1) {
                let anvil = super::l1::start_anvil(&anvil_bin)?;
                wait_ready(&anvil.url).await?;
                runs.push(
                    once(RpcL1::connect(&anvil.url)?, &dir.join(format!("anvil-out-{i}"))).await?,
                );
            }
            report("anvil, RPC", runs);
        } else {
            eprintln!("anvil not found at {} (npm ci --prefix tools)", anvil_bin.display());
        }
        Ok::<_, eyre::Report>(())
    })?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
