//! `lamina node` as a process, as an operator runs it: on `lamina l1` with a chain from
//! `lamina deploy`, the sequencer builds blocks its engine serves over JSON-RPC, cast reads the
//! node's `optimism_syncStatus`, `admin_` answers only when enabled, and after kill -9 the
//! sequencer resumes its chain; and the node driving `lamina engine` over the Engine API.

use std::{
    ffi::OsStr,
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
    time::Duration,
};

use crate::clients::{cast, json, spawn, tools};

/// A `lamina` process, killed on drop, with its engine and node RPC URLs (`rpc` is the
/// Engine API's for `lamina engine`).
struct Node {
    child: Child,
    http: String,
    rpc: String,
}

/// Starts `lamina` with `args` and reads the URLs it prints for `prefixes`.
fn start(args: &[&std::ffi::OsStr], prefixes: &[&str]) -> (Child, Vec<String>) {
    start_logging(args, prefixes, Stdio::inherit())
}

/// [`start`], with the process's log going to `stderr`.
pub(crate) fn start_logging(
    args: &[&std::ffi::OsStr],
    prefixes: &[&str],
    stderr: Stdio,
) -> (Child, Vec<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lamina"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let urls = prefixes
        .iter()
        .map(|prefix| {
            let line = lines.next().unwrap().unwrap();
            let url = line.strip_prefix(prefix).unwrap_or_else(|| panic!("unexpected: {line}"));
            if url.starts_with("http") { url.to_owned() } else { format!("http://{url}") }
        })
        .collect();
    std::thread::spawn(move || for _ in lines {});
    (child, urls)
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_node(chain: &Path, l1: &str, datadir: &Path, extra: &[&str]) -> Node {
    let mut args: Vec<&OsStr> = vec!["node".as_ref(), "--rollup-config".as_ref()];
    let rollup = chain.join("rollup.json");
    let genesis = chain.join("genesis.json");
    args.extend([rollup.as_os_str(), "--genesis".as_ref(), genesis.as_os_str()]);
    args.extend(["--datadir".as_ref(), datadir.as_os_str()]);
    args.extend(COMMON.iter().map(OsStr::new));
    args.extend(["--l1-rpc".as_ref(), OsStr::new(l1)]);
    args.extend(extra.iter().map(OsStr::new));
    let (child, urls) = start(&args, &["http: ", "rpc: "]);
    Node { child, http: urls[0].clone(), rpc: urls[1].clone() }
}

/// The node flags every test run uses.
const COMMON: &[&str] = &[
    "--http.port",
    "0",
    "--rpc.port",
    "0",
    "--l1.poll-interval",
    "50",
    "--p2p.listen.ip",
    "127.0.0.1",
    "--p2p.listen.tcp",
    "0",
];

/// `lamina l1`, and a chain deployed on it by `lamina deploy` into `<dir>/chain`.
pub(crate) fn l1_with_chain() -> (crate::clients::Server, tempfile::TempDir) {
    let l1 = spawn(|dir, cmd| {
        cmd.args(["l1", "--http.port", "0", "--datadir"]).arg(dir.join("l1"));
    });
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_lamina"))
        .args(["deploy", "--l1-rpc", &l1.url, "--outdir", "chain"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    (l1, dir)
}

fn served_blocks(bin: &std::path::Path, node: &Node) -> u64 {
    cast(bin, &node.http, &["block-number"]).unwrap().parse().unwrap()
}

#[test]
fn lamina_node_sequences_on_lamina_l1() {
    let bin = tools();
    let (l1, dir) = l1_with_chain();
    let chain = dir.path().join("chain");
    let seq = start_node(
        &chain,
        &l1.url,
        &dir.path().join("sequencer"),
        &["--mode", "sequencer", "--sequencer.l1-confs", "0", "--rpc.enable-admin"],
    );
    let rpc = |node: &Node, args: &[&str]| {
        cast(&bin, &node.rpc, args).unwrap_or_else(|e| panic!("{args:?}: {e}"))
    };

    // The L2 genesis is the deployment's L1 time (now): a block every 2 s from there.
    let mut status = json(&rpc(&seq, &["rpc", "optimism_syncStatus"]));
    for _ in 0..100 {
        if status["unsafe_l2"]["number"].as_u64().unwrap() >= 2 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
        status = json(&rpc(&seq, &["rpc", "optimism_syncStatus"]));
    }
    assert!(status["unsafe_l2"]["number"].as_u64().unwrap() >= 2, "{status}");
    assert!(served_blocks(&bin, &seq) >= 2, "the engine serves the sequenced blocks");
    assert_eq!(rpc(&seq, &["rpc", "admin_sequencerActive"]), "true");
    let cfg = json(&rpc(&seq, &["rpc", "optimism_rollupConfig"]));
    assert_eq!(cfg["l2_chain_id"], 901);

    // kill -9 and a restart on the same datadir: the chain continues from where it was.
    let before = served_blocks(&bin, &seq);
    let hash_before =
        cast(&bin, &seq.http, &["block", &before.to_string(), "--field", "hash"]).unwrap();
    let mut seq = seq;
    let _ = seq.child.kill();
    let _ = seq.child.wait();
    drop(seq);
    let seq = start_node(
        &chain,
        &l1.url,
        &dir.path().join("sequencer"),
        &["--mode", "sequencer", "--sequencer.l1-confs", "0"],
    );
    let at = |n: u64| cast(&bin, &seq.http, &["block", &n.to_string(), "--field", "hash"]).unwrap();
    assert!(served_blocks(&bin, &seq) >= before, "nothing lost");
    assert_eq!(at(before), hash_before, "the same chain");
    for _ in 0..100 {
        if served_blocks(&bin, &seq) > before {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(served_blocks(&bin, &seq) > before, "the restarted sequencer builds on");

    // A verifier without admin: it runs, derives nothing yet (no batcher), refuses admin_.
    // It serves the explorer, which reads its RPCs and passes no write or admin method on.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let port = port.to_string();
    let ver =
        start_node(&chain, &l1.url, &dir.path().join("verifier"), &["--explorer.port", &port]);
    let status = json(&rpc(&ver, &["rpc", "optimism_syncStatus"]));
    assert_eq!(status["safe_l2"]["number"], 0);
    assert!(cast(&bin, &ver.rpc, &["rpc", "admin_sequencerActive"]).is_err());
    let explorer = format!("http://127.0.0.1:{port}");
    let (ok, page) = crate::metrics::get(&explorer, "/");
    assert!(ok.contains("200") && page.contains("Lamina explorer"), "{ok}");
    let (_, listing) = crate::metrics::get(&explorer, "/config.json");
    assert_eq!(json(&listing)["nodes"], serde_json::json!(["verifier"]));
    let through = |path: &str, args: &[&str]| {
        let url = format!("{explorer}{path}");
        cast(&bin, &url, args)
    };
    let status = json(&through("/rpc/node/0", &["rpc", "optimism_syncStatus"]).unwrap());
    assert_eq!(status["safe_l2"]["number"], 0);
    let genesis = json(&through("/rpc/node/0", &["rpc", "lamina_blockDerivation", "0x0"]).unwrap());
    assert_eq!(genesis["number"], 0);
    assert!(through("/rpc/l2", &["block-number"]).is_ok(), "the engine's eth_ through it");
    let refused = through("/rpc/node/0", &["rpc", "admin_sequencerActive"]).unwrap_err();
    assert!(refused.contains("not served by the explorer"), "{refused}");
    let refused = through("/rpc/l2", &["rpc", "eth_sendRawTransaction", "0x00"]).unwrap_err();
    assert!(refused.contains("not served by the explorer"), "{refused}");
}

/// Polls the node's sync status until its unsafe head reaches `n` (at most 10 s).
fn wait_unsafe(bin: &Path, rpc: &str, n: u64) -> serde_json::Value {
    for _ in 0..100 {
        let status = json(&cast(bin, rpc, &["rpc", "optimism_syncStatus"]).unwrap());
        if status["unsafe_l2"]["number"].as_u64().unwrap() >= n {
            return status;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("the unsafe head never reached {n}");
}

#[test]
fn lamina_node_drives_lamina_engine_over_the_engine_api() {
    let bin = tools();
    let (l1, dir) = l1_with_chain();
    let chain = dir.path().join("chain");
    let (genesis, rollup) = (chain.join("genesis.json"), chain.join("rollup.json"));
    let (data, jwt) = (dir.path().join("engine"), dir.path().join("jwt.hex"));
    let engine_args: Vec<&OsStr> = vec![
        "engine".as_ref(),
        "--genesis".as_ref(),
        genesis.as_os_str(),
        "--rollup-config".as_ref(),
        rollup.as_os_str(),
        "--datadir".as_ref(),
        data.as_os_str(),
        "--jwt-secret".as_ref(),
        jwt.as_os_str(),
        "--http.port".as_ref(),
        "0".as_ref(),
        "--authrpc.port".as_ref(),
        "0".as_ref(),
    ];
    let (engine_child, urls) = start(&engine_args, &["http: ", "authrpc: "]);
    let engine = Node { child: engine_child, http: urls[0].clone(), rpc: urls[1].clone() };

    let mut args: Vec<&OsStr> = vec!["node".as_ref(), "--rollup-config".as_ref()];
    args.extend([rollup.as_os_str(), "--engine.url".as_ref(), OsStr::new(&engine.rpc)]);
    args.extend(["--engine.jwt-secret".as_ref(), jwt.as_os_str()]);
    args.extend(["--l1-rpc".as_ref(), OsStr::new(&l1.url)]);
    args.extend(
        ["--rpc.port", "0", "--mode", "sequencer", "--sequencer.l1-confs", "0", "--p2p.disable"]
            .map(OsStr::new),
    );
    let (node_child, urls) = start(&args, &["rpc: "]);
    let node = Node { child: node_child, http: engine.http.clone(), rpc: urls[0].clone() };

    let status = wait_unsafe(&bin, &node.rpc, 2);
    let n = status["unsafe_l2"]["number"].as_u64().unwrap();
    assert!(served_blocks(&bin, &node) >= n, "lamina engine holds the blocks the node built");
    let hash = cast(&bin, &engine.http, &["block", &n.to_string(), "--field", "hash"]).unwrap();
    assert_eq!(status["unsafe_l2"]["hash"].as_str().unwrap(), hash);

    // A wrong secret: the node does not start.
    let wrong = dir.path().join("wrong.hex");
    std::fs::write(&wrong, format!("{:064x}", 7)).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_lamina"))
        .arg("node")
        .arg("--rollup-config")
        .arg(&rollup)
        .args(["--engine.url", &engine.rpc, "--l1-rpc", &l1.url, "--rpc.port", "0"])
        .arg("--engine.jwt-secret")
        .arg(&wrong)
        .output()
        .unwrap();
    assert!(!out.status.success(), "a wrong JWT secret stops the node");
}

/// A verifier started far behind L1 shows it catching up — plain lines, as stderr is no
/// terminal — and says when it follows L1 again.
#[test]
fn a_verifier_behind_l1_shows_its_catch_up() {
    let bin = tools();
    let (l1, dir) = l1_with_chain();
    // Enough empty L1 blocks that deriving them outlasts the node's start.
    for _ in 0..120 {
        cast(&bin, &l1.url, &["rpc", "evm_mine"]).unwrap();
    }
    let log = dir.path().join("verifier.log");
    let chain = dir.path().join("chain");
    let (rollup, genesis, datadir) =
        (chain.join("rollup.json"), chain.join("genesis.json"), dir.path().join("verifier"));
    let mut args: Vec<&OsStr> = vec!["node".as_ref(), "--rollup-config".as_ref()];
    args.extend([rollup.as_os_str(), "--genesis".as_ref(), genesis.as_os_str()]);
    args.extend(["--datadir".as_ref(), datadir.as_os_str(), "--p2p.disable".as_ref()]);
    args.extend(["--http.port", "0", "--rpc.port", "0", "--l1-rpc"].map(OsStr::new));
    args.push(OsStr::new(&l1.url));
    let (child, urls) =
        start_logging(&args, &["http: ", "rpc: "], std::fs::File::create(&log).unwrap().into());
    let _node = Node { child, http: urls[0].clone(), rpc: urls[1].clone() };
    let start = std::time::Instant::now();
    let text = loop {
        let text = std::fs::read_to_string(&log).unwrap();
        if text.contains("syncing: caught up with L1 at block") {
            break text;
        }
        assert!(start.elapsed() < std::time::Duration::from_secs(60), "no catch-up:\n{text}");
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    let first = text.lines().find(|l| l.starts_with("syncing: 0/")).unwrap_or_else(|| {
        panic!("no first progress line:\n{text}");
    });
    assert!(first.contains(" L1 block ") && first.contains(" L2 safe "), "{first}");
}
