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

/// anvil's first dev key, funded on L1 and L2, and its address.
pub(crate) const KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const ADDRESS: &str = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

pub(crate) struct Dev {
    child: Child,
    pub(crate) l1: String,
    pub(crate) l2: String,
    pub(crate) verifier_l2: String,
    pub(crate) verifier_rpc: String,
    pub(crate) rpc: String,
    pub(crate) beacon: Option<String>,
    /// The sequencer's gossip address.
    pub(crate) p2p: Option<String>,
    /// The Prometheus endpoint (`--metrics.enabled`).
    pub(crate) metrics: Option<String>,
    /// The explorer's URL.
    pub(crate) explorer: Option<String>,
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

pub(crate) fn start_with(datadir: &Path, extra: &[&str]) -> Dev {
    start_logged(datadir, extra, Stdio::inherit())
}

/// [`start_with`], its log going to `stderr`.
pub(crate) fn start_logged(datadir: &Path, extra: &[&str], stderr: Stdio) -> Dev {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lamina"))
        .arg("dev")
        .arg("--datadir")
        .arg(datadir)
        .args(["--l1.port", "0", "--l1.beacon.port", "0", "--port", "0", "--rpc.port", "0"])
        .args(["--verifier.port", "0", "--verifier.rpc.port", "0", "--p2p.listen.tcp", "0"])
        // Defaults a test may override.
        .args(
            [("--block-time", "1"), ("--l1.block-time", "1"), ("--explorer.port", "0")]
                .into_iter()
                .filter(|(flag, _)| !extra.contains(flag))
                .flat_map(|(flag, v)| [flag, v]),
        )
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(stderr)
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
    // The embedded L1's beacon port, the sequencer's gossip address, the metrics endpoint
    // (each when there is one), then a blank line.
    let (mut beacon, mut p2p, mut metrics, mut explorer) = (None, None, None, None);
    for line in lines.by_ref() {
        let line = line.unwrap();
        if line.is_empty() {
            break;
        }
        for (prefix, slot) in [
            ("l1 beacon: ", &mut beacon),
            ("p2p: ", &mut p2p),
            ("metrics: ", &mut metrics),
            ("explorer: ", &mut explorer),
        ] {
            if let Some(v) = line.strip_prefix(prefix) {
                slot.get_or_insert_with(|| v.to_owned());
            }
        }
    }
    std::thread::spawn(move || for _ in lines {});
    Dev {
        beacon,
        child,
        l1: urls[0].clone(),
        l2: urls[1].clone(),
        verifier_l2: urls[3].clone(),
        verifier_rpc: urls[4].clone(),
        rpc: urls[2].clone(),
        p2p,
        metrics,
        explorer,
    }
}

pub(crate) fn addresses(datadir: &Path) -> serde_json::Value {
    json(&std::fs::read_to_string(datadir.join("chain/addresses.json")).unwrap())
}

/// Polls the verifier until its safe head reaches `n` (at most 60 s).
pub(crate) fn wait_safe(bin: &Path, dev: &Dev, n: u64) {
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
    let bin = tools();
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

/// The verifier follows the sequencer over loopback gossip: it has the sequencer as a peer
/// (`opp2p_peers`), its unsafe head runs ahead of its safe head (only gossip brings blocks
/// before L1 has them) and matches the sequencer's blocks. With `--p2p.disable` there is no
/// gossip and no `opp2p_`.
#[test]
fn lamina_dev_verifier_follows_the_sequencer_over_gossip() {
    let bin = tools();
    let dir = tempfile::tempdir().unwrap();
    let dev = start(dir.path());
    let p2p = dev.p2p.clone().expect("the banner prints the sequencer's multiaddr");
    assert!(p2p.starts_with("/ip4/127.0.0.1/tcp/") && p2p.contains("/p2p/"), "{p2p}");
    let me = json(&cast(&bin, &dev.rpc, &["rpc", "opp2p_self"]).unwrap());
    assert!(p2p.ends_with(me["peerID"].as_str().unwrap()), "{me}");
    // Connected, identified and subscribed within moments of the start.
    let id = me["peerID"].as_str().unwrap().to_owned();
    let mut peers = serde_json::Value::Null;
    for _ in 0..100 {
        peers = json(&cast(&bin, &dev.verifier_rpc, &["rpc", "opp2p_peers", "true"]).unwrap());
        if peers["peers"][&id]["gossipBlocks"] == true && peers["peers"][&id]["userAgent"] != "" {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(peers["totalConnected"], 1, "{peers}");
    let seq = &peers["peers"][&id];
    assert_eq!(seq["direction"], 2, "the verifier dialed the sequencer: {peers}");
    assert!(seq["userAgent"].as_str().unwrap().starts_with("lamina/"), "{peers}");
    let stats = json(&cast(&bin, &dev.verifier_rpc, &["rpc", "opp2p_peerStats"]).unwrap());
    assert_eq!(stats["blocksTopicV4"], 1, "{stats}");

    let mut ahead = None;
    for _ in 0..300 {
        let s = json(&cast(&bin, &dev.verifier_rpc, &["rpc", "optimism_syncStatus"]).unwrap());
        let (unsafe_l2, safe) =
            (s["unsafe_l2"]["number"].as_u64().unwrap(), s["safe_l2"]["number"].as_u64().unwrap());
        if unsafe_l2 > safe {
            ahead = Some((unsafe_l2, s["unsafe_l2"]["hash"].as_str().unwrap().to_owned()));
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let (number, hash) = ahead.expect("the verifier's unsafe head ran ahead of L1");
    let theirs = cast(&bin, &dev.l2, &["block", &number.to_string(), "--field", "hash"]).unwrap();
    assert_eq!(theirs, hash, "the sequencer's block");
    drop(dev);

    let dev = start_with(dir.path(), &["--p2p.disable"]);
    assert!(dev.p2p.is_none());
    let err = cast(&bin, &dev.verifier_rpc, &["rpc", "opp2p_self"]).unwrap_err();
    assert!(err.contains("not found"), "{err}");
}

/// Waits until the oracle holds at least `least` outputs, then checks every one of them
/// against the verifier's `optimism_outputAtBlock`; returns how many there are.
fn outputs_match(bin: &Path, dev: &Dev, datadir: &Path, least: u64) -> u64 {
    let oracle = addresses(datadir)["L2OutputOracle"].as_str().unwrap().to_owned();
    crate::clients::outputs_match(bin, &dev.l1, &oracle, &dev.verifier_rpc, least)
}

/// Sends 1 wei to 0xdead on the sequencer with cast; returns the L2 block it landed in.
pub(crate) fn send_l2(bin: &Path, dev: &Dev) -> u64 {
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
    let bin = tools();
    // anvil's own chain id and a block a second, as a user starts it.
    let (_anvil, l1) = anvil_with(&bin, &["--block-time", "1"]);
    let dir = tempfile::tempdir().unwrap();
    let dev = start_with(dir.path(), &["--l1-rpc", &l1]);
    assert_eq!(dev.l1, l1);
    assert!(dev.beacon.is_none(), "no beacon of our own on an external L1");
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
    for line in [
        "start → first L2 block",
        "tx → safe on the verifier",
        "ETH transfers",
        "ERC-20 transfers",
        "mixed",
        "calldata",
        "blobs",
    ] {
        assert!(text.contains(line), "{line} missing from:\n{text}");
    }
}

#[test]
fn bench_gossip_runs_and_reports() {
    let out = Command::new(env!("CARGO_BIN_EXE_lamina"))
        .args(["bench", "gossip", "--blocks", "4", "--txs-per-block", "5", "--per-block"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("4 blocks (1 s apart)"), "{text}");
    let row = |name: &str| -> Vec<f64> {
        let line = text.lines().find(|l| l.trim_start().starts_with(name)).unwrap();
        line[line.find(')').unwrap() + 1..].split_whitespace().map(|v| v.parse().unwrap()).collect()
    };
    let (gossip, l1) = (row("unsafe head (gossip)"), row("safe head (L1"));
    assert_eq!((gossip.len(), l1.len()), (3, 3), "{text}");
    assert!(gossip[0] > 0.0 && gossip[0] <= gossip[2], "{text}");
    // Gossip beats L1: the block is on the verifier before the batcher has even posted it.
    assert!(gossip[0] < l1[0], "{text}");
    assert!(text.contains(", 0 never gossiped"), "{text}");
    assert_eq!(text.lines().filter(|l| l.starts_with("block ")).count(), 4, "{text}");
}

/// A small xorshift, seeded from the clock, for kill moments (printed, to replay a failure).
struct Moments(u64);

impl Moments {
    fn next_ms(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below
    }
}

/// The verifier's safe head (number, hash).
fn safe_head(bin: &Path, dev: &Dev) -> (u64, String) {
    let status = json(&cast(bin, &dev.verifier_rpc, &["rpc", "optimism_syncStatus"]).unwrap());
    let safe = &status["safe_l2"];
    (safe["number"].as_u64().unwrap(), safe["hash"].as_str().unwrap().to_owned())
}

/// kill -9 of `lamina dev` at random moments while txs are sent and batched: after each
/// restart the chain goes on, the verifier catches up, every block and tx that was safe is
/// still there with the same hash, and L1 holds no channel (or frame) posted twice.
#[test]
fn lamina_dev_survives_kill_9_while_batching() {
    let bin = tools();
    let seed =
        std::env::var("LAMINA_SOAK_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
                as u64
                | 1
        });
    eprintln!("kill moments: LAMINA_SOAK_SEED={seed}");
    let mut moments = Moments(seed);
    let dir = tempfile::tempdir().unwrap();
    let mut dev = start(dir.path());
    // (block number, hash) of each safe head seen, and (tx hash, block hash) of safe txs.
    let mut safe_blocks: Vec<(u64, String)> = Vec::new();
    let mut safe_txs: Vec<(String, String)> = Vec::new();
    let mut sent: Vec<String> = Vec::new();
    for _round in 0..4 {
        for _ in 0..3 {
            // cast takes the `latest` nonce; the pool's `pending` one queues behind the rest.
            let nonce = cast(&bin, &dev.l2, &["nonce", "--block", "pending", ADDRESS]).unwrap();
            let hash = cast(
                &bin,
                &dev.l2,
                &[
                    "send",
                    "--async",
                    "--nonce",
                    &nonce,
                    "--private-key",
                    KEY,
                    "0x000000000000000000000000000000000000dEaD",
                    "--value",
                    "1",
                ],
            )
            .unwrap();
            sent.push(hash);
        }
        std::thread::sleep(Duration::from_millis(500 + moments.next_ms(2_500)));
        let (number, hash) = safe_head(&bin, &dev);
        safe_blocks.push((number, hash));
        for tx in std::mem::take(&mut sent) {
            let receipt = cast(&bin, &dev.verifier_l2, &["receipt", &tx, "--json"]);
            match receipt.ok().map(|r| json(&r)) {
                Some(r)
                    if r["blockNumber"].as_str().is_some_and(|n| {
                        u64::from_str_radix(n.trim_start_matches("0x"), 16).unwrap() <= number
                    }) =>
                {
                    safe_txs.push((tx, r["blockHash"].as_str().unwrap().to_owned()));
                }
                _ => sent.push(tx),
            }
        }
        // Child::kill is SIGKILL: no shutdown code runs.
        drop(dev);
        dev = start(dir.path());
        let (top, _) = *safe_blocks.last().unwrap();
        wait_safe(&bin, &dev, top + 3);
        for (n, hash) in &safe_blocks {
            for url in [&dev.l2, &dev.verifier_l2] {
                let got = cast(&bin, url, &["block", &n.to_string(), "--field", "hash"]).unwrap();
                assert_eq!(&got, hash, "safe block {n} changed at {url}");
            }
        }
        for (tx, block) in &safe_txs {
            let r = json(&cast(&bin, &dev.verifier_l2, &["receipt", tx, "--json"]).unwrap());
            assert_eq!(r["blockHash"].as_str().unwrap(), block, "safe tx {tx} moved");
        }
    }
    assert!(safe_txs.len() >= 6, "too few txs became safe: {}", safe_txs.len());

    // What the batcher posted, read back from L1.
    let rollup = lamina_protocol::RollupConfig::from_json(
        &std::fs::read_to_string(dir.path().join("chain/rollup.json")).unwrap(),
    )
    .unwrap();
    let batcher = lamina_l1::accounts::DEV_ACCOUNTS[1].0;
    // Blobs come from the dev L1's beacon API on its own port.
    let beacon: url::Url = dev.beacon.as_deref().expect("a beacon port").parse().unwrap();
    let l1 = lamina_l1::chain::RpcL1::new(
        &lamina_l1::chain::RpcL1Config::new(dev.l1.parse().unwrap()).with_beacon(beacon),
    );
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let (channels, repeated) =
        rt.block_on(lamina_node::batcher::posted_channels(&l1, &rollup, batcher, 0)).unwrap();
    assert_eq!(repeated, 0, "frames posted twice");
    let mut seen = std::collections::HashMap::new();
    for c in &channels {
        assert!(!c.l2_timestamps.is_empty(), "channel {:?} carries no blocks", c.id);
        for ts in &c.l2_timestamps {
            if let Some(other) = seen.insert(*ts, c.id) {
                panic!("L2 block at {ts} posted in complete channels {other:?} and {:?}", c.id);
            }
        }
    }
    let top = safe_blocks.iter().map(|(n, _)| *n).max().unwrap();
    let covered =
        (1..=top).all(|n| seen.contains_key(&(rollup.genesis.l2_time + n * rollup.block_time)));
    assert!(covered, "every safe block is in a channel on L1");
}

/// `lamina dev` has public keys and an admin RPC: it refuses to listen beyond loopback unless
/// told so, and exits before starting anything.
#[test]
fn lamina_dev_refuses_a_public_host_without_allow_remote() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_lamina"))
        .args(["dev", "--host", "0.0.0.0", "--datadir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--allow-remote"), "{err}");
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none(), "nothing was created");
}
