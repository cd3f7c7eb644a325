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
    let mut ver = Command::new(env!("CARGO_BIN_EXE_lamina"));
    ver.arg("node")
        .arg("--rollup-config")
        .arg(chain.join("rollup.json"))
        .arg("--genesis")
        .arg(chain.join("genesis.json"))
        .arg("--datadir")
        .arg(d.join("verifier"))
        .args(["--l1-rpc", &dev.l1, "--l1-beacon", dev.beacon.as_deref().unwrap()])
        .args(["--http.port", "0", "--rpc.port", "0", "--p2p.no-discovery"])
        .args([
            "--p2p.listen.ip",
            "127.0.0.1",
            "--p2p.listen.tcp",
            "0",
            "--p2p.static",
            &kona_addr,
        ]);
    let (_ver, lines) = spawn(ver, 2, None);
    let ver_rpc = format!("http://{}", after(&lines[1], "rpc: "));

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
/// itself; its safe head matches our sequencer's blocks, block for block, past block 50.
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
    let mut seq = lamina();
    seq.arg("node")
        .args(["--mode", "sequencer", "--sequencer.stopped", "--rpc.enable-admin"])
        .arg("--rollup-config")
        .arg(chain.join("rollup.json"))
        .arg("--genesis")
        .arg(chain.join("genesis.json"))
        .arg("--datadir")
        .arg(d.join("sequencer"))
        .args(["--l1-rpc", &l1_url, "--l1-beacon", &l1_url, "--sequencer.l1-confs", "0"])
        .args(["--http.port", "0", "--rpc.port", "0", "--p2p.no-discovery"])
        .args(["--p2p.listen.ip", "127.0.0.1", "--p2p.listen.tcp", "0"])
        .args(["--p2p.sequencer.key", SEQUENCER_KEY, "--p2p.static", &kona_addr]);
    let (_seq, lines) = spawn(seq, 2, None);
    let (seq_l2, seq_rpc) = (
        format!("http://{}", after(&lines[0], "http: ")),
        format!("http://{}", after(&lines[1], "rpc: ")),
    );
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
    let mut batcher = lamina();
    batcher
        .arg("batcher")
        .arg("--rollup-config")
        .arg(chain.join("rollup.json"))
        .args(["--l2-rpc", &seq_l2, "--l1-rpc", &l1_url, "--private-key", BATCHER_KEY])
        .args(["--max-channel-duration", "1", "--poll-interval", "200"]);
    let (_batcher, _) = spawn(batcher, 1, None);

    // kona's own safe head, past block 50, is ours block for block.
    let start = Instant::now();
    let safe = loop {
        let s = status(&bin, &kona_rpc);
        let n = s["safe_l2"]["number"].as_u64().unwrap();
        if n >= 50 {
            break n;
        }
        assert!(
            start.elapsed() < Duration::from_secs(240),
            "kona's safe head stayed at {n}:\n{}",
            kona.text()
        );
        std::thread::sleep(Duration::from_millis(500));
    };
    assert!(kona.text().contains("Finished execution layer sync"), "{}", kona.text());
    let s = status(&bin, &kona_rpc);
    let hash =
        |url: &str, n: u64| cast(&bin, url, &["block", &n.to_string(), "--field", "hash"]).unwrap();
    assert_eq!(
        s["safe_l2"]["hash"].as_str().unwrap(),
        hash(&seq_l2, s["safe_l2"]["number"].as_u64().unwrap())
    );
    // Every block kona's engine holds up to that safe head is ours.
    for n in 1..=safe {
        assert_eq!(hash(&kona_l2, n), hash(&seq_l2, n), "block {n}");
    }
    eprintln!("kona-node derived {safe} blocks of a Lamina chain, each with our hash");
}
