//! Lamina and kona-node on one gossip network (run with `LAMINA_KONA_NODE=/path/to/kona-node`;
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

#[test]
#[ignore = "needs kona-node: LAMINA_KONA_NODE=/path/to/kona-node (scripts/kona.sh)"]
fn kona_node_validates_and_relays_lamina_blocks() {
    let kona =
        std::env::var("LAMINA_KONA_NODE").expect("LAMINA_KONA_NODE names the kona-node binary");
    let bin = tools();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let dev = start_with(&d.join("dev"), &[]);
    let chain = d.join("dev/chain");

    // kona's engine: lamina engine on the chain's genesis, over the Engine API.
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
    let (_engine, lines) = spawn(engine, 2, None);
    let auth = format!("http://{}", after(&lines[1], "authrpc: "));

    let log = Arc::new(Mutex::new(String::new()));
    let mut node = Command::new(&kona);
    node.arg("node")
        .args(["--l1-eth-rpc", &dev.l1, "--l1-beacon", dev.beacon.as_deref().unwrap()])
        .args(["--l2-engine-rpc", &auth])
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
    let (_kona, _) = spawn(node, 0, Some(log.clone()));
    let seen = |what: &str| log.lock().unwrap().contains(what);
    let text = || log.lock().unwrap().clone();
    // Its RPC and gossip addresses, from its log.
    let start = Instant::now();
    let (rpc, tcp) = loop {
        let t = text();
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
    let me = json(&cast(&bin, &rpc, &["rpc", "opp2p_self"]).unwrap());
    let kona_addr = format!("{tcp}/p2p/{}", me["peerID"].as_str().unwrap());
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
        if n > safe && seen(&h) {
            break (n, h);
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "the verifier never ran ahead through kona ({s}):\n{}",
            text()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let theirs = cast(&bin, &dev.l2, &["block", &number.to_string(), "--field", "hash"]).unwrap();
    assert_eq!(theirs, hash, "the sequencer's block");
    let peers = json(&cast(&bin, &ver_rpc, &["rpc", "opp2p_peers", "true"]).unwrap());
    assert_eq!(peers["totalConnected"], 1, "kona is the verifier's only peer: {peers}");
    assert_eq!(peers["peers"][me["peerID"].as_str().unwrap()]["userAgent"], "kona", "{peers}");
    assert!(!text().contains("Invalid"), "kona found something invalid:\n{}", text());
    eprintln!("kona validated, inserted and relayed Lamina's block {number} ({hash})");
}
