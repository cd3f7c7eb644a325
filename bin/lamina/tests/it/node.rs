//! `lamina node` as a process, as an operator runs it: on `lamina l1` with a chain from
//! `lamina deploy`, the sequencer builds blocks its engine serves over JSON-RPC, cast reads the
//! node's `optimism_syncStatus`, `admin_` answers only when enabled, and after kill -9 the
//! sequencer resumes its chain.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    time::Duration,
};

use crate::clients::{cast, json, spawn, tools};

/// A `lamina node` process, killed on drop, with its engine and node RPC URLs.
struct Node {
    child: Child,
    http: String,
    rpc: String,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_node(
    chain: &std::path::Path,
    l1: &str,
    datadir: &std::path::Path,
    extra: &[&str],
) -> Node {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lamina"))
        .arg("node")
        .arg("--rollup-config")
        .arg(chain.join("rollup.json"))
        .arg("--genesis")
        .arg(chain.join("genesis.json"))
        .arg("--datadir")
        .arg(datadir)
        .args(["--l1-rpc", l1, "--http.port", "0", "--rpc.port", "0", "--l1.poll-interval", "50"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut next = |prefix: &str| {
        let line = lines.next().unwrap().unwrap();
        let addr = line.strip_prefix(prefix).unwrap_or_else(|| panic!("unexpected: {line}"));
        format!("http://{addr}")
    };
    let http = next("http: ");
    let rpc = next("rpc: ");
    std::thread::spawn(move || for _ in lines {});
    Node { child, http, rpc }
}

fn served_blocks(bin: &std::path::Path, node: &Node) -> u64 {
    cast(bin, &node.http, &["block-number"]).unwrap().parse().unwrap()
}

#[test]
fn lamina_node_sequences_on_lamina_l1() {
    let Some(bin) = tools() else { return };
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
    let ver = start_node(&chain, &l1.url, &dir.path().join("verifier"), &[]);
    let status = json(&rpc(&ver, &["rpc", "optimism_syncStatus"]));
    assert_eq!(status["safe_l2"]["number"], 0);
    assert!(cast(&bin, &ver.rpc, &["rpc", "admin_sequencerActive"]).is_err());
}
