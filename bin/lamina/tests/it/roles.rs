//! The rollup as separate processes on anvil, as an operator splits it: `lamina deploy` on
//! anvil, `lamina node --mode sequencer`, `lamina batcher`, `lamina node --mode verifier` and
//! `lamina proposer`. A tx sent with cast becomes safe on the verifier with the sequencer's
//! block hash (through zlib channels), every output on L1 is the verifier's, and the verifier
//! follows the sequencer's blocks over gossip ahead of L1, having found it by discovery
//! (`--p2p.bootnodes` with the ENR the sequencer's `opp2p_self` gives; `--p2p.sequencer.key`).

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
    time::Duration,
};

use crate::clients::{anvil, cast, json, tools};

/// anvil's dev keys 0 (user), 1 (batcher) and 2 (proposer).
const USER: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const BATCHER: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const PROPOSER: &str = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";
/// anvil's dev key 3: the deployment's unsafe block signer.
const SIGNER: &str = "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6";

/// A process, killed on drop, with the lines it printed first.
struct Proc(Child, Vec<String>);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn lamina(dir: &Path, args: &[&str], lines: usize) -> Proc {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lamina"))
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = (0..lines).map(|_| out.next().unwrap().unwrap()).collect();
    std::thread::spawn(move || for _ in out {});
    Proc(child, first)
}

fn url(line: &str, prefix: &str) -> String {
    format!("http://{}", line.strip_prefix(prefix).unwrap_or_else(|| panic!("unexpected: {line}")))
}

#[test]
fn the_roles_run_as_separate_processes_on_anvil() {
    let bin = tools();
    let (_anvil, l1) = anvil(&bin);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    // A chain with 1 s blocks and an output every 4 blocks.
    let out = Command::new(env!("CARGO_BIN_EXE_lamina"))
        .args(["deploy", "--print-config", "--dev"])
        .output()
        .unwrap();
    let mut config: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    config["l2BlockTime"] = 1.into();
    config["l2OutputOracleSubmissionInterval"] = 4.into();
    std::fs::write(d.join("deploy.json"), config.to_string()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_lamina"))
        .args(["deploy", "--l1-rpc", &l1, "--config", "deploy.json", "--outdir", "chain"])
        .current_dir(d)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let addresses = json(&std::fs::read_to_string(d.join("chain/addresses.json")).unwrap());
    let oracle = addresses["L2OutputOracle"].as_str().unwrap();

    let node = |mode: &str, data: &str, p2p: &[&str]| {
        let mut args = vec![
            "node",
            "--mode",
            mode,
            "--rollup-config",
            "chain/rollup.json",
            "--genesis",
            "chain/genesis.json",
            "--datadir",
            data,
            "--l1-rpc",
            &l1,
            "--http.port",
            "0",
            "--rpc.port",
            "0",
            "--sequencer.l1-confs",
            "0",
            "--l1.poll-interval",
            "100",
            "--p2p.listen.ip",
            "127.0.0.1",
            "--p2p.listen.tcp",
            "0",
            "--l1.runtime-config-reload-interval",
            "1s",
        ];
        args.extend(p2p);
        lamina(d, &args, 3)
    };
    // The sequencer signs its blocks with the chain's unsafe block signer (dev account 3).
    let seq = node("sequencer", "seq", &["--p2p.sequencer.key", SIGNER]);
    let seq_p2p = seq.1[2].strip_prefix("p2p: ").unwrap().to_owned();
    // The verifier finds the sequencer by discovery, from its ENR as op-node tooling reads it.
    let me = json(&cast(&bin, &url(&seq.1[1], "rpc: "), &["rpc", "opp2p_self"]).unwrap());
    let enr = me["ENR"].as_str().unwrap().to_owned();
    assert!(enr.starts_with("enr:-") && seq_p2p.ends_with(me["peerID"].as_str().unwrap()), "{me}");
    let seq_l2 = url(&seq.1[0], "http: ");
    let role = |name: &str, l2: &str, extra: &[&str]| {
        let mut args = vec![name, "--rollup-config", "chain/rollup.json", "--l2-rpc", l2];
        args.extend(["--l1-rpc", &l1, "--poll-interval", "200"]);
        // anvil mines only on txs: one confirmation is all there will be.
        args.extend(["--num-confirmations", "1", "--txmgr.poll-interval", "50"]);
        args.extend(extra);
        lamina(d, &args, 1)
    };
    let _batcher = role(
        "batcher",
        &seq_l2,
        &["--private-key", BATCHER, "--max-channel-duration", "0", "--compression-algo", "zlib"],
    );
    let ver = node("verifier", "ver", &["--p2p.bootnodes", &enr]);
    let (ver_l2, ver_rpc) = (url(&ver.1[0], "http: "), url(&ver.1[1], "rpc: "));
    let _proposer = role(
        "proposer",
        &ver_l2,
        &["--private-key", PROPOSER, "--l2oo-address", oracle, "--allow-non-finalized"],
    );

    let receipt = json(
        &cast(&bin, &seq_l2, &["send", "--private-key", USER, "--json", oracle, "--value", "1"])
            .unwrap(),
    );
    assert_eq!(receipt["status"], "0x1");
    let n =
        u64::from_str_radix(receipt["blockNumber"].as_str().unwrap().trim_start_matches("0x"), 16)
            .unwrap();
    let target = n.max(8);
    let mut safe = 0;
    for _ in 0..300 {
        let status = json(&cast(&bin, &ver_rpc, &["rpc", "optimism_syncStatus"]).unwrap());
        safe = status["safe_l2"]["number"].as_u64().unwrap();
        if safe >= target {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(safe >= target, "the verifier's safe head stayed at {safe}");
    let hash = |u: &str| cast(&bin, u, &["block", &n.to_string(), "--field", "hash"]).unwrap();
    assert_eq!(hash(&ver_l2), hash(&seq_l2));

    // Every output on L1 (one per 4 blocks) is the verifier's.
    assert!(crate::clients::outputs_match(&bin, &l1, oracle, &ver_rpc, 2) >= 2);

    // The verifier has the sequencer's blocks before L1 does: over gossip.
    let mut ahead = false;
    for _ in 0..100 {
        let status = json(&cast(&bin, &ver_rpc, &["rpc", "optimism_syncStatus"]).unwrap());
        let (u, s) = (&status["unsafe_l2"], &status["safe_l2"]);
        if u["number"].as_u64() > s["number"].as_u64() {
            let n = u["number"].as_u64().unwrap().to_string();
            let hash = cast(&bin, &seq_l2, &["block", &n, "--field", "hash"]).unwrap();
            assert_eq!(u["hash"].as_str().unwrap(), hash);
            ahead = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(ahead, "the verifier's unsafe head never ran ahead of its safe head");
}
