//! `lamina deploy` against `lamina l1` as a user runs it: the addresses printed, the files
//! written (rollup.json that op-node's format reads, genesis.json, addresses.json), the
//! contracts there for cast, a re-run that deploys nothing; `--print-config` gives a config
//! `--config` takes; viem's op-stack L1 reads work on the deployed contracts, on `lamina l1`
//! and on anvil; and `lamina bench deploy` keeps running.

use std::process::Command;

use crate::clients::{anvil, cast, repo, spawn, tools};

fn lamina(args: &[&str], dir: &std::path::Path) -> (bool, String) {
    let out =
        Command::new(env!("CARGO_BIN_EXE_lamina")).args(args).current_dir(dir).output().unwrap();
    let text =
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

#[test]
fn deploys_on_lamina_l1_and_redeploys_nothing() {
    let l1 = spawn(|dir, cmd| {
        cmd.args(["l1", "--http.port", "0", "--datadir"]).arg(dir.join("l1"));
    });
    let dir = tempfile::tempdir().unwrap();
    let (ok, config) = lamina(&["deploy", "--print-config"], dir.path());
    assert!(ok, "{config}");
    let mut config: serde_json::Value = serde_json::from_str(&config).unwrap();
    config["l2OutputOracleSubmissionInterval"] = 20.into();
    std::fs::write(dir.path().join("deploy.json"), config.to_string()).unwrap();

    let args = ["deploy", "--l1-rpc", &l1.url, "--config", "deploy.json", "--outdir", "chain"];
    let (ok, out) = lamina(&args, dir.path());
    assert!(ok, "{out}");
    assert!(out.contains("deployed L2OutputOracle"), "{out}");
    let chain = dir.path().join("chain");
    let addresses: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(chain.join("addresses.json")).unwrap())
            .unwrap();
    let oracle = addresses["L2OutputOracle"].as_str().unwrap();
    assert!(out.to_lowercase().contains(&oracle.to_lowercase()), "{out}");
    let rollup = lamina_protocol::RollupConfig::from_json(
        &std::fs::read_to_string(chain.join("rollup.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(rollup.l2_chain_id, 901);
    assert!(chain.join("genesis.json").is_file());
    if let Some(bin) = tools() {
        let interval =
            cast(&bin, &l1.url, &["call", oracle, "SUBMISSION_INTERVAL()(uint256)"]).unwrap();
        assert_eq!(interval, "20");
    }

    let (ok, again) = lamina(&args, dir.path());
    assert!(ok && again.contains("deployed nothing new"), "{again}");

    let (ok, bad) =
        lamina(&["deploy", "--l1-rpc", &l1.url, "--config", "missing.json"], dir.path());
    assert!(!ok && bad.contains("missing.json"), "{bad}");
}

/// The proposer of the dev deploy config: the third dev account.
const PROPOSER_KEY: &str = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";

/// Deploys the dev chain on the L1 at `url` and runs viem's reads on it.
fn viem_reads(url: &str) {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out) = lamina(&["deploy", "--l1-rpc", url, "--outdir", "chain"], dir.path());
    assert!(ok, "{out}");
    let out = Command::new("node")
        .arg(repo().join("tools/clients/l1-reads.mjs"))
        .arg(url)
        .arg(dir.path().join("chain/addresses.json"))
        .arg(PROPOSER_KEY)
        .output()
        .unwrap();
    assert!(out.status.success(), "viem: {}", String::from_utf8_lossy(&out.stderr));
    let seen: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).trim()).unwrap();
    assert_eq!(seen["before"], "waiting-to-prove");
    assert_eq!(seen["after"], "ready-to-prove");
    assert_eq!(seen["output"]["l2BlockNumber"], 10);
    assert_eq!(seen["timeToFinalize"]["period"], 12);
}

#[test]
fn viem_reads_the_deployed_chain_on_lamina_l1() {
    let Some(_) = tools() else { return };
    let l1 = spawn(|dir, cmd| {
        cmd.args(["l1", "--http.port", "0", "--datadir"]).arg(dir.join("l1"));
    });
    viem_reads(&l1.url);
}

#[test]
fn viem_reads_the_deployed_chain_on_anvil() {
    let Some(bin) = tools() else { return };
    let (_anvil, url) = anvil(&bin);
    viem_reads(&url);
}

#[test]
fn bench_deploy_runs_and_reports() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out) = lamina(&["bench", "deploy", "--runs", "1"], dir.path());
    assert!(ok, "{out}");
    for line in ["dev L1, in process", "dev L1 (lamina l1), RPC"] {
        assert!(out.contains(line), "{line} missing from:\n{out}");
    }
}
