//! Lamina and kona-node (run with `LAMINA_KONA_NODE=/path/to/kona-node`;
//! `scripts/kona.sh` builds kona-node 1.0.0-rc.1 and runs this). `lamina dev` runs the chain;
//! kona-node runs as a full node of it (our rollup.json, the dev L1 and its beacon API, and a
//! `lamina engine` behind the Engine API) and the sequencer dials it; a `lamina node` verifier
//! has kona as its only peer. The sequencer's blocks pass kona's validation (kona inserts them
//! into its engine: its log names them) and kona's relay to the verifier, whose unsafe head
//! runs ahead of what L1 has made safe with the sequencer's blocks.
//!
//! (kona-node's `net` subcommand, the network stack alone, exits at start in 1.0.0-rc.1: it
//! drops the channel its signer updates would come on. The full node does not.)

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use crate::{
    clients::{cast, json, tools},
    dev::start_with,
};

/// The dev deployment's unsafe block signer (dev account 3) and batcher (dev account 1).
const SEQUENCER_KEY: &str = "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6";
const BATCHER_KEY: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
/// A user: dev account 5, funded on both chains and in no role.
const USER_KEY: &str = "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba";

struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `cmd`; returns it, its first `n` stdout lines, and (with `log`) the rest of its
/// output collected there.
fn spawn(mut cmd: Command, n: usize, log: Option<Arc<Mutex<String>>>) -> (Proc, Vec<String>) {
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("starts");
    let mut out = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = (0..n).map(|_| out.next().unwrap().unwrap()).collect();
    let err = BufReader::new(child.stderr.take().unwrap()).lines();
    for lines in
        [Box::new(out) as Box<dyn Iterator<Item = std::io::Result<String>> + Send>, Box::new(err)]
    {
        let log = log.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                if let Some(log) = &log {
                    log.lock().unwrap().push_str(&(plain(&line) + "\n"));
                }
            }
        });
    }
    (Proc(child), first)
}

/// `line` without terminal colour codes (kona colours its log even into a pipe).
fn plain(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn after<'a>(line: &'a str, prefix: &str) -> &'a str {
    line.strip_prefix(prefix).unwrap_or_else(|| panic!("unexpected: {line}"))
}

fn status(bin: &Path, rpc: &str) -> serde_json::Value {
    json(&cast(bin, rpc, &["rpc", "optimism_syncStatus"]).unwrap())
}

/// `lamina node` of the chain in `chain`, its data in `datadir`, reading L1 at `l1` and blobs at
/// `beacon`, its servers on free ports, with its role's `extra` flags; returns it and its L2
/// JSON-RPC and node RPC URLs.
fn lamina_node(
    chain: &Path,
    datadir: &Path,
    l1: &str,
    beacon: &str,
    extra: &[&str],
) -> (Proc, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lamina"));
    cmd.arg("node")
        .arg("--rollup-config")
        .arg(chain.join("rollup.json"))
        .arg("--genesis")
        .arg(chain.join("genesis.json"))
        .arg("--datadir")
        .arg(datadir)
        .args(["--l1-rpc", l1, "--l1-beacon", beacon, "--http.port", "0", "--rpc.port", "0"])
        .args(extra);
    let (proc, lines) = spawn(cmd, 2, None);
    let http = format!("http://{}", after(&lines[0], "http: "));
    (proc, http, format!("http://{}", after(&lines[1], "rpc: ")))
}

/// kona-node as a full node of the chain in `chain` (its rollup.json as written), on a fresh
/// `lamina engine` behind the Engine API, reading L1 at `l1` and blobs at `beacon`; everything
/// kona prints is kept in `log`.
struct Kona {
    _engine: Proc,
    _kona: Proc,
    /// Its engine's public JSON-RPC.
    l2: String,
    /// Its node RPC.
    rpc: String,
    /// Its gossip address, to dial.
    addr: String,
    /// Its peer id.
    id: String,
    log: Arc<Mutex<String>>,
}

impl Kona {
    fn start(bin: &Path, d: &Path, chain: &Path, l1: &str, beacon: &str) -> Self {
        let kona =
            std::env::var("LAMINA_KONA_NODE").expect("LAMINA_KONA_NODE names the kona-node binary");
        let mut engine = Command::new(env!("CARGO_BIN_EXE_lamina"));
        engine
            .arg("engine")
            .arg("--genesis")
            .arg(chain.join("genesis.json"))
            .arg("--rollup-config")
            .arg(chain.join("rollup.json"))
            .arg("--datadir")
            .arg(d.join("kona-engine"))
            .arg("--jwt-secret")
            .arg(d.join("jwt.hex"))
            .args(["--http.port", "0", "--authrpc.port", "0"]);
        let (engine, lines) = spawn(engine, 2, None);
        let l2 = format!("http://{}", after(&lines[0], "http: "));
        let auth = format!("http://{}", after(&lines[1], "authrpc: "));
        let log = Arc::new(Mutex::new(String::new()));
        let mut node = Command::new(&kona);
        node.arg("node")
            .args(["--l1-eth-rpc", l1, "--l1-beacon", beacon, "--l2-engine-rpc", &auth])
            .arg("--l2-engine-jwt-secret")
            .arg(d.join("jwt.hex"))
            .arg("--l2-config-file")
            .arg(chain.join("rollup.json"))
            .args(["--p2p.listen.ip", "127.0.0.1", "--p2p.advertise.ip", "127.0.0.1"])
            .args(["--p2p.listen.tcp", "0", "--p2p.listen.udp", "0", "--p2p.no-discovery"])
            .args(["--rpc.addr", "127.0.0.1", "--port", "0"])
            .arg("--p2p.bootstore")
            .arg(d.join("kona-bootstore"))
            .arg("--p2p.priv.path")
            .arg(d.join("kona-key"))
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1");
        let (kona, _) = spawn(node, 0, Some(log.clone()));
        // Its RPC and gossip addresses, from its log.
        let start = Instant::now();
        let (rpc, tcp) = loop {
            let t = log.lock().unwrap().clone();
            let find = |key: &str| {
                t.lines().find_map(|l| l.find(key).map(|i| l[i + key.len()..].trim().to_owned()))
            };
            if let (Some(rpc), Some(tcp)) =
                (find("RPC server bound to address addr="), find("Swarm now listening on: "))
            {
                break (format!("http://{rpc}"), tcp);
            }
            assert!(start.elapsed() < Duration::from_secs(60), "kona did not start:\n{t}");
            std::thread::sleep(Duration::from_millis(200));
        };
        let me = json(&cast(bin, &rpc, &["rpc", "opp2p_self"]).unwrap());
        let id = me["peerID"].as_str().unwrap().to_owned();
        let addr = format!("{tcp}/p2p/{id}");
        Self { _engine: engine, _kona: kona, l2, rpc, addr, id, log }
    }

    fn text(&self) -> String {
        self.log.lock().unwrap().clone()
    }
}

#[test]
#[ignore = "needs kona-node: LAMINA_KONA_NODE=/path/to/kona-node (scripts/kona.sh)"]
fn kona_node_validates_and_relays_lamina_blocks() {
    let bin = tools();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let dev = start_with(&d.join("dev"), &[]);
    let chain = d.join("dev/chain");
    let kona = Kona::start(&bin, d, &chain, &dev.l1, dev.beacon.as_deref().unwrap());
    let kona_addr = kona.addr.clone();
    cast(&bin, &dev.rpc, &["rpc", "opp2p_connectPeer", &kona_addr]).unwrap();

    // A verifier whose only peer is kona.
    let p2p = ["--p2p.no-discovery", "--p2p.listen.ip", "127.0.0.1", "--p2p.listen.tcp", "0"];
    let static_kona = [&p2p[..], &["--p2p.static", &kona_addr]].concat();
    let beacon = dev.beacon.as_deref().unwrap();
    let (_ver, _, ver_rpc) =
        lamina_node(&chain, &d.join("verifier"), &dev.l1, beacon, &static_kona);

    // Its unsafe head runs ahead of its safe head with the sequencer's block, which kona
    // validated and inserted.
    let start = Instant::now();
    let (number, hash) = loop {
        let s = status(&bin, &ver_rpc);
        let (u, safe) = (&s["unsafe_l2"], s["safe_l2"]["number"].as_u64().unwrap());
        let n = u["number"].as_u64().unwrap();
        let h = u["hash"].as_str().unwrap().to_owned();
        if n > safe && kona.text().contains(&h) {
            break (n, h);
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "the verifier never ran ahead through kona ({s}):\n{}",
            kona.text()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let theirs = cast(&bin, &dev.l2, &["block", &number.to_string(), "--field", "hash"]).unwrap();
    assert_eq!(theirs, hash, "the sequencer's block");
    let peers = json(&cast(&bin, &ver_rpc, &["rpc", "opp2p_peers", "true"]).unwrap());
    assert_eq!(peers["totalConnected"], 1, "kona is the verifier's only peer: {peers}");
    assert_eq!(peers["peers"][&kona.id]["userAgent"], "kona", "{peers}");
    assert!(!kona.text().contains("Invalid"), "kona found something invalid:\n{}", kona.text());
    eprintln!("kona validated, inserted and relayed Lamina's block {number} ({hash})");
}

/// kona-node as a validator of a Lamina chain, from a fresh engine: `lamina l1` (a block a
/// second, its beacon API on the same port), the chain deployed there, a `lamina node`
/// sequencer started stopped, `lamina batcher`, and kona-node on a fresh `lamina engine`,
/// dialed by the sequencer before its first block, so that block builds on the genesis kona's
/// engine has and kona's engine sync completes at once. kona then derives the chain from L1
/// itself: L2 transfers, a deposit, batches first in calldata and then in blobs. Its safe head
/// matches our sequencer's blocks and our verifier's (from L1 alone), block for block, past
/// block 50 and past the switch.
#[test]
#[ignore = "needs kona-node: LAMINA_KONA_NODE=/path/to/kona-node (scripts/kona.sh)"]
fn kona_node_derives_a_lamina_chain() {
    let bin = tools();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let lamina = || Command::new(env!("CARGO_BIN_EXE_lamina"));

    let mut l1 = lamina();
    l1.args(["l1", "--http.port", "0", "--block-time", "1", "--datadir"]).arg(d.join("l1"));
    let (_l1, lines) = spawn(l1, 1, None);
    let l1_url = format!("http://{}", after(&lines[0], "http: "));
    let out = lamina().args(["deploy", "--print-config", "--dev"]).output().unwrap();
    let mut config: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    config["l2BlockTime"] = 1.into();
    std::fs::write(d.join("deploy.json"), config.to_string()).unwrap();
    let out = lamina()
        .args(["deploy", "--l1-rpc", &l1_url, "--config", "deploy.json", "--outdir", "chain"])
        .current_dir(d)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let chain = d.join("chain");

    // kona on a fresh engine.
    let kona = Kona::start(&bin, d, &chain, &l1_url, &l1_url);
    let (kona_rpc, kona_addr, kona_l2) = (kona.rpc.clone(), kona.addr.clone(), kona.l2.clone());

    // Our sequencer, stopped until kona is its peer, and the batcher.
    let sequencer = [
        "--mode",
        "sequencer",
        "--sequencer.stopped",
        "--rpc.enable-admin",
        "--sequencer.l1-confs",
        "0",
        "--p2p.no-discovery",
        "--p2p.listen.ip",
        "127.0.0.1",
        "--p2p.listen.tcp",
        "0",
        "--p2p.sequencer.key",
        SEQUENCER_KEY,
        "--p2p.static",
        &kona_addr,
    ];
    let (_seq, seq_l2, seq_rpc) =
        lamina_node(&chain, &d.join("sequencer"), &l1_url, &l1_url, &sequencer);
    let start = Instant::now();
    while json(&cast(&bin, &seq_rpc, &["rpc", "opp2p_peers", "true"]).unwrap())["totalConnected"]
        != 1
    {
        assert!(start.elapsed() < Duration::from_secs(30), "the sequencer never reached kona");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_secs(2));
    let genesis = status(&bin, &seq_rpc)["unsafe_l2"]["hash"].as_str().unwrap().to_owned();
    cast(&bin, &seq_rpc, &["rpc", "admin_startSequencer", &genesis]).unwrap();
    let batcher = |da: &str| {
        let mut batcher = lamina();
        batcher
            .arg("batcher")
            .arg("--rollup-config")
            .arg(chain.join("rollup.json"))
            .args(["--l2-rpc", &seq_l2, "--l1-rpc", &l1_url, "--private-key", BATCHER_KEY])
            .args(["--max-channel-duration", "1", "--poll-interval", "200"])
            .args(["--data-availability-type", da]);
        spawn(batcher, 1, None).0
    };
    let calldata = batcher("calldata");
    // Our own verifier, from L1 alone.
    let (_ver, ver_l2, ver_rpc) =
        lamina_node(&chain, &d.join("verifier"), &l1_url, &l1_url, &["--p2p.disable"]);

    // L2 transfers, and a deposit from L1.
    let mut transfers = Vec::new();
    for i in 1..=3u64 {
        let to = format!("0x{:040x}", 0xc0ffee00 + i);
        let send = ["send", "--private-key", USER_KEY, &to, "--value", "7", "--json"];
        let receipt = json(&cast(&bin, &seq_l2, &send).unwrap());
        assert_eq!(receipt["status"], "0x1", "{receipt}");
        transfers.push(to);
    }
    let beef = "0x000000000000000000000000000000000000bEEF";
    let out = lamina()
        .args(["deposit", "--l1-rpc", &l1_url, "--l2-rpc", &seq_l2, "--addresses"])
        .arg(chain.join("addresses.json"))
        .args(["--private-key", USER_KEY, "--to", beef, "--value", "1ether"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    let deposit_block: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("l2 block: "))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("no l2 block in: {text}"))
        .parse()
        .unwrap();

    // kona's safe head until past the deposit on calldata batches; then blobs.
    let kona_safe = |past: u64, what: &str| {
        let start = Instant::now();
        loop {
            let n = status(&bin, &kona_rpc)["safe_l2"]["number"].as_u64().unwrap();
            if n >= past {
                return n;
            }
            assert!(
                start.elapsed() < Duration::from_secs(400),
                "kona's safe head stayed at {n}, short of {past} ({what}):\n{}",
                kona.text()
            );
            std::thread::sleep(Duration::from_millis(500));
        }
    };
    kona_safe(deposit_block.max(20), "calldata batches");
    drop(calldata);
    let switch = status(&bin, &seq_rpc)["unsafe_l2"]["number"].as_u64().unwrap();
    let _blobs = batcher("blobs");
    let safe = kona_safe((switch + 10).max(50), "blob batches");

    assert!(kona.text().contains("Finished execution layer sync"), "{}", kona.text());
    let s = status(&bin, &kona_rpc);
    let hash =
        |url: &str, n: u64| cast(&bin, url, &["block", &n.to_string(), "--field", "hash"]).unwrap();
    assert_eq!(
        s["safe_l2"]["hash"].as_str().unwrap(),
        hash(&seq_l2, s["safe_l2"]["number"].as_u64().unwrap())
    );
    // Every block kona's engine holds up to that safe head is our sequencer's, and our
    // verifier derived the same.
    let start = Instant::now();
    while status(&bin, &ver_rpc)["safe_l2"]["number"].as_u64().unwrap() < safe {
        assert!(start.elapsed() < Duration::from_secs(120), "our verifier stayed behind");
        std::thread::sleep(Duration::from_millis(500));
    }
    for n in 1..=safe {
        let ours = hash(&seq_l2, n);
        assert_eq!(hash(&kona_l2, n), ours, "block {n}: kona");
        assert_eq!(hash(&ver_l2, n), ours, "block {n}: our verifier");
    }
    // The deposit and the transfers, as kona's engine has them at its safe head.
    let at = safe.to_string();
    let balance = |who: &str| cast(&bin, &kona_l2, &["balance", who, "--block", &at]).unwrap();
    assert_eq!(balance(beef), "1000000000000000000");
    for to in &transfers {
        assert_eq!(balance(to), "7");
    }
    // Both kinds of batcher tx reached the inbox.
    let inbox =
        json(&std::fs::read_to_string(chain.join("rollup.json")).unwrap())["batch_inbox_address"]
            .as_str()
            .unwrap()
            .to_lowercase();
    let (mut calldata_txs, mut blob_txs) = (0, 0);
    let head: u64 = cast(&bin, &l1_url, &["block-number"]).unwrap().parse().unwrap();
    for n in 1..=head {
        let block =
            json(&cast(&bin, &l1_url, &["block", &n.to_string(), "--full", "--json"]).unwrap());
        for tx in block["transactions"].as_array().unwrap() {
            if tx["to"].as_str().map(str::to_lowercase).as_deref() == Some(inbox.as_str()) {
                match tx["type"].as_str().unwrap() {
                    "0x3" => blob_txs += 1,
                    _ => calldata_txs += 1,
                }
            }
        }
    }
    assert!(calldata_txs > 0 && blob_txs > 0, "calldata {calldata_txs}, blobs {blob_txs}");
    eprintln!(
        "kona-node derived {safe} blocks of a Lamina chain, each with our hash: the deposit in \
         block {deposit_block}, batches in {calldata_txs} calldata and {blob_txs} blob txs \
         (blobs from block {switch})"
    );
}
