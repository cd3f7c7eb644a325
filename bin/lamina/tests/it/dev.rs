//! `lamina dev` as a user runs it: one command, then cast sends an L2 tx to the sequencer,
//! the batcher posts it, the independent verifier's node reports it safe with the same block
//! hash; every output the proposer put on L1 is the verifier's; a restart with the same datadir
//! resumes the chain. The same on anvil with `--l1-rpc`.

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
    time::Duration,
};

use crate::clients::{anvil_with, cast, json, tools};

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
    start_with(datadir, &[])
}

fn start_with(datadir: &Path, extra: &[&str]) -> Dev {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lamina"))
        .arg("dev")
        .arg("--datadir")
        .arg(datadir)
        .args(["--l1.port", "0", "--port", "0", "--rpc.port", "0"])
        .args(["--verifier.port", "0", "--verifier.rpc.port", "0"])
        .args(["--block-time", "1", "--l1.block-time", "1"])
        .args(extra)
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

/// Polls the verifier until its safe head reaches `n` (at most 60 s).
fn wait_safe(bin: &Path, dev: &Dev, n: u64) {
    for _ in 0..600 {
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

    let number = send_l2(&bin, &dev);
    wait_safe(&bin, &dev, number);
    let hash =
        |url: &str| cast(&bin, url, &["block", &number.to_string(), "--field", "hash"]).unwrap();
    assert_eq!(hash(&dev.verifier_l2), hash(&dev.l2), "the verifier derived the same block");
    let balance =
        cast(&bin, &dev.verifier_l2, &["balance", "0x000000000000000000000000000000000000dEaD"]);
    assert_eq!(balance.unwrap(), "1");

    // The proposer posts an output every 10 blocks (the dev interval); each is the verifier's.
    wait_safe(&bin, &dev, 20);
    assert!(outputs_match(&bin, &dev, dir.path(), 2) >= 2);
    let before = hash(&dev.l2);

    // Restart on the same datadir: the chain is still there and grows.
    drop(dev);
    let dev = start(dir.path());
    let again = cast(&bin, &dev.l2, &["block", &number.to_string(), "--field", "hash"]).unwrap();
    assert_eq!(again, before);
    wait_safe(&bin, &dev, number + 1);
}

/// Waits until the oracle holds at least `least` outputs, then checks every one of them
/// against the verifier's `optimism_outputAtBlock`; returns how many there are.
fn outputs_match(bin: &Path, dev: &Dev, datadir: &Path, least: u64) -> u64 {
    let oracle = addresses(datadir)["L2OutputOracle"].as_str().unwrap().to_owned();
    let count = || -> u64 {
        cast(bin, &dev.l1, &["call", &oracle, "nextOutputIndex()(uint256)"])
            .unwrap()
            .parse()
            .unwrap()
    };
    for _ in 0..300 {
        if count() >= least {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let n = count();
    assert!(n >= least, "only {n} outputs proposed");
    for i in 0..n {
        let sig = "getL2Output(uint256)((bytes32,uint128,uint128))";
        let posted = cast(bin, &dev.l1, &["call", &oracle, sig, &i.to_string()]).unwrap();
        // `(0xroot, timestamp, l2BlockNumber)`
        let fields: Vec<&str> = posted.trim_matches(|c| c == '(' || c == ')').split(", ").collect();
        let block: u64 = fields[2].split_whitespace().next().unwrap().parse().unwrap();
        let want = json(
            &cast(
                bin,
                &dev.verifier_rpc,
                &["rpc", "optimism_outputAtBlock", &format!("{block:#x}")],
            )
            .unwrap(),
        );
        assert_eq!(fields[0], want["outputRoot"].as_str().unwrap(), "output {i} (block {block})");
    }
    n
}

/// Sends 1 wei to 0xdead on the sequencer with cast; returns the L2 block it landed in.
fn send_l2(bin: &Path, dev: &Dev) -> u64 {
    let receipt = json(
        &cast(
            bin,
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
    u64::from_str_radix(receipt["blockNumber"].as_str().unwrap().trim_start_matches("0x"), 16)
        .unwrap()
}

#[test]
fn lamina_dev_runs_on_anvil() {
    let Some(bin) = tools() else { return };
    // anvil's own chain id and a block a second, as a user starts it.
    let (_anvil, l1) = anvil_with(&bin, &["--block-time", "1"]);
    let dir = tempfile::tempdir().unwrap();
    let dev = start_with(dir.path(), &["--l1-rpc", &l1]);
    assert_eq!(dev.l1, l1);
    let number = send_l2(&bin, &dev);
    wait_safe(&bin, &dev, number.max(10));
    let hash = |url: &str| cast(&bin, url, &["block", &number.to_string(), "--field", "hash"]);
    assert_eq!(hash(&dev.verifier_l2).unwrap(), hash(&dev.l2).unwrap());
    let rollup = json(&std::fs::read_to_string(dir.path().join("chain/rollup.json")).unwrap());
    assert_eq!(rollup["l1_chain_id"], 31337, "the L1's own chain id");
    assert!(outputs_match(&bin, &dev, dir.path(), 1) >= 1);

    // A restart deploys nothing new and keeps the chain.
    let before = hash(&dev.l2).unwrap();
    drop(dev);
    let dev = start_with(dir.path(), &["--l1-rpc", &l1]);
    assert_eq!(hash(&dev.l2).unwrap(), before);
    wait_safe(&bin, &dev, number + 2);
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
