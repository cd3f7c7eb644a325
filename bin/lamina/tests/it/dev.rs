//! `lamina dev` as a user runs it: one command, then cast sends an L2 tx to the sequencer,
//! the batcher posts it, the independent verifier's node reports it safe with the same block
//! hash; the proposer's output on L1 is the verifier's; a restart with the same datadir resumes
//! the chain.

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
    time::Duration,
};

use crate::clients::{cast, json, tools};

/// anvil's first dev key, funded on L1 and L2.
const KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

struct Dev {
    child: Child,
    l1: String,
    l2: String,
    verifier_l2: String,
    verifier_rpc: String,
}

impl Drop for Dev {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(datadir: &Path) -> Dev {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lamina"))
        .arg("dev")
        .arg("--datadir")
        .arg(datadir)
        .args(["--l1.port", "0", "--port", "0", "--rpc.port", "0"])
        .args(["--verifier.port", "0", "--verifier.rpc.port", "0"])
        .args(["--block-time", "1", "--l1.block-time", "1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut urls = Vec::new();
    for prefix in ["l1: ", "l2: ", "rpc: ", "verifier l2: ", "verifier rpc: "] {
        let line = lines.next().unwrap().unwrap();
        urls.push(
            line.strip_prefix(prefix).unwrap_or_else(|| panic!("unexpected: {line}")).to_owned(),
        );
    }
    std::thread::spawn(move || for _ in lines {});
    Dev {
        child,
        l1: urls[0].clone(),
        l2: urls[1].clone(),
        verifier_l2: urls[3].clone(),
        verifier_rpc: urls[4].clone(),
    }
}

fn addresses(datadir: &Path) -> serde_json::Value {
    json(&std::fs::read_to_string(datadir.join("chain/addresses.json")).unwrap())
}

/// Polls the verifier until its safe head reaches `n` (at most 30 s).
fn wait_safe(bin: &Path, dev: &Dev, n: u64) {
    for _ in 0..300 {
        let status = json(&cast(bin, &dev.verifier_rpc, &["rpc", "optimism_syncStatus"]).unwrap());
        if status["safe_l2"]["number"].as_u64().unwrap() >= n {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("the verifier never made block {n} safe");
}

#[test]
fn lamina_dev_runs_the_whole_rollup() {
    let Some(bin) = tools() else { return };
    let dir = tempfile::tempdir().unwrap();
    let dev = start(dir.path());
    assert_eq!(cast(&bin, &dev.l2, &["chain-id"]).unwrap(), "901");

    let receipt = json(
        &cast(
            &bin,
            &dev.l2,
            &[
                "send",
                "--private-key",
                KEY,
                "--json",
                "0x000000000000000000000000000000000000dEaD",
                "--value",
                "1",
            ],
        )
        .unwrap(),
    );
    assert_eq!(receipt["status"], "0x1");
    let number =
        u64::from_str_radix(receipt["blockNumber"].as_str().unwrap().trim_start_matches("0x"), 16)
            .unwrap();
    wait_safe(&bin, &dev, number);
    let hash =
        |url: &str| cast(&bin, url, &["block", &number.to_string(), "--field", "hash"]).unwrap();
    assert_eq!(hash(&dev.verifier_l2), hash(&dev.l2), "the verifier derived the same block");
    let balance =
        cast(&bin, &dev.verifier_l2, &["balance", "0x000000000000000000000000000000000000dEaD"]);
    assert_eq!(balance.unwrap(), "1");

    // The proposer posts the output of block 10 (the dev interval); it is the verifier's.
    wait_safe(&bin, &dev, 10);
    let oracle = addresses(dir.path())["L2OutputOracle"].as_str().unwrap().to_owned();
    let mut posted = String::new();
    for _ in 0..100 {
        let out = cast(&bin, &dev.l1, &["call", &oracle, "latestBlockNumber()(uint256)"]);
        if out.as_deref().is_ok_and(|n| n != "0") {
            posted = cast(
                &bin,
                &dev.l1,
                &["call", &oracle, "getL2Output(uint256)((bytes32,uint128,uint128))", "0"],
            )
            .unwrap();
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let want =
        json(&cast(&bin, &dev.verifier_rpc, &["rpc", "optimism_outputAtBlock", "0xa"]).unwrap());
    assert!(posted.contains(want["outputRoot"].as_str().unwrap()), "{posted} vs {want}");

    // Restart on the same datadir: the chain is still there and grows.
    let before = hash(&dev.l2);
    drop(dev);
    let dev = start(dir.path());
    let again = cast(&bin, &dev.l2, &["block", &number.to_string(), "--field", "hash"]).unwrap();
    assert_eq!(again, before);
    wait_safe(&bin, &dev, number + 1);
}

#[test]
fn bench_dev_runs_and_reports() {
    let out = Command::new(env!("CARGO_BIN_EXE_lamina"))
        .args(["bench", "dev", "--samples", "1", "--burst", "30", "--block-time", "1"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    for line in
        ["start → first L2 block", "tx → safe on the verifier", "L1 calldata per ETH transfer"]
    {
        assert!(text.contains(line), "{line} missing from:\n{text}");
    }
}
