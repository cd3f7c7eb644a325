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
    let (ok, config) = lamina(&["deploy", "--print-config", "--dev"], dir.path());
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
    let interval =
        cast(&tools(), &l1.url, &["call", oracle, "SUBMISSION_INTERVAL()(uint256)"]).unwrap();
    assert_eq!(interval, "20");

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
    tools();
    let l1 = spawn(|dir, cmd| {
        cmd.args(["l1", "--http.port", "0", "--datadir"]).arg(dir.join("l1"));
    });
    viem_reads(&l1.url);
}

#[test]
fn viem_reads_the_deployed_chain_on_anvil() {
    let bin = tools();
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

/// A real chain cannot inherit the dev template: `--print-config` prints every role empty and
/// explained, and `lamina deploy` refuses (before sending anything) dev keys in any role on chain
/// id 10, a 0 s finalization period, and signing with a dev key on an L1 that is not a dev
/// chain; the key then comes from `LAMINA_PRIVATE_KEY`, never from argv.
#[test]
fn deploy_refuses_dev_conveniences_on_a_real_chain() {
    let l1 = spawn(|dir, cmd| {
        cmd.args(["l1", "--http.port", "0", "--chain-id", "5", "--datadir"]).arg(dir.join("l1"));
    });
    let dir = tempfile::tempdir().unwrap();
    let deploy = |config: &serde_json::Value, env_key: Option<&str>| {
        std::fs::write(dir.path().join("deploy.json"), config.to_string()).unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_lamina"));
        cmd.args(["deploy", "--l1-rpc", &l1.url, "--config", "deploy.json", "--outdir", "chain"])
            .current_dir(dir.path())
            .env_remove("LAMINA_PRIVATE_KEY");
        if let Some(key) = env_key {
            cmd.env("LAMINA_PRIVATE_KEY", key);
        }
        let out = cmd.output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    };

    let out = Command::new(env!("CARGO_BIN_EXE_lamina"))
        .args(["deploy", "--print-config"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let template: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(template["batchSenderAddress"], "0x0000000000000000000000000000000000000000");
    assert_eq!(template["fundDevAccounts"], false);
    let help = String::from_utf8_lossy(&out.stderr);
    assert!(help.contains("batchSenderAddress") && help.contains("sequencerFeeVaultRecipient"));

    let (_, dev) = lamina(&["deploy", "--print-config", "--dev"], dir.path());
    let mut config: serde_json::Value = serde_json::from_str(&dev).unwrap();
    config["l1ChainID"] = 5.into();
    config["l2ChainID"] = 10.into();
    let (ok, out) = deploy(&config, None);
    assert!(!ok && out.contains("finalSystemOwner") && out.contains("public"), "{out}");

    // Real roles, but a 0 s period.
    for (i, key) in [
        "finalSystemOwner",
        "batchSenderAddress",
        "l2OutputOracleProposer",
        "l2OutputOracleChallenger",
        "p2pSequencerAddress",
        "baseFeeVaultRecipient",
        "l1FeeVaultRecipient",
        "sequencerFeeVaultRecipient",
        "operatorFeeVaultRecipient",
    ]
    .iter()
    .enumerate()
    {
        config[key] = format!("0x{:040x}", 0xa000 + i).into();
    }
    config["fundDevAccounts"] = false.into();
    config["finalizationPeriodSeconds"] = 0.into();
    let (ok, out) = deploy(&config, None);
    assert!(!ok && out.contains("finalizationPeriodSeconds"), "{out}");

    // A sound config, but no key: chain 5 is no dev L1, so no dev key signs.
    config["finalizationPeriodSeconds"] = 3_600.into();
    let (ok, out) = deploy(&config, None);
    assert!(!ok && out.contains("not a dev chain") && out.contains("LAMINA_PRIVATE_KEY"), "{out}");
    assert!(!dir.path().join("chain/addresses.json").exists(), "nothing was deployed");

    // The operator's own key, from the environment.
    let (ok, out) = deploy(&config, Some(crate::dev::KEY));
    assert!(ok && out.contains("deployed L2OutputOracle"), "{out}");
}
