//! `lamina dev --metrics.enabled`: its `/metrics` endpoint, scraped as Prometheus would, shows
//! the heads of both nodes moving (op-node's `refs_number` gauges), and the batcher's DA
//! counters (txs, bytes, fees) equal to what L1 holds from the batcher at the inbox, read
//! with cast; anything but `GET /metrics` is a 404. `--log.format json` and `logfmt` shape
//! each line, and a role's lines carry its name.

use std::{
    collections::BTreeMap,
    io::{Read, Write},
    net::TcpStream,
    process::Command,
    time::{Duration, Instant},
};

use crate::{
    clients::{cast, json, repo, tools},
    dev::start_logged,
};

/// The batcher: dev account 1.
const BATCHER: &str = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";

/// `GET path` on `url`'s host; (status line, body).
pub(crate) fn get(url: &str, path: &str) -> (String, String) {
    let host = url.trim_start_matches("http://").split('/').next().unwrap().to_owned();
    let mut s = TcpStream::connect(&host).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let (head, body) = out.split_once("\r\n\r\n").unwrap();
    (head.lines().next().unwrap().to_owned(), body.to_owned())
}

/// Every sample of the text format: `name{labels}` → value.
fn scrape(url: &str) -> BTreeMap<String, f64> {
    let (status, body) = get(url, "/metrics");
    assert!(status.contains("200"), "{status}");
    body.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (k, v) = l.rsplit_once(' ').unwrap();
            (k.to_owned(), v.parse().unwrap_or_else(|_| panic!("{l}")))
        })
        .collect()
}

fn sample(m: &BTreeMap<String, f64>, key: &str) -> f64 {
    m.get(key).copied().unwrap_or_default()
}

/// A batcher tx on L1: (data bytes, fee in gwei rounded down, type).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Posted {
    bytes: u64,
    fee_gwei: u64,
    blob: bool,
}

#[test]
fn lamina_dev_metrics_follow_heads_and_l1() {
    let bin = tools();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("dev.log");
    let dev = start_logged(
        &dir.path().join("dev"),
        &[
            "--metrics.enabled",
            "--metrics.port",
            "0",
            "--data-availability-type",
            "calldata",
            "--log.format",
            "json",
            "--log.level",
            "info",
        ],
        std::fs::File::create(&log).unwrap().into(),
    );
    let dir_chain = dir.path().join("dev/chain");
    let url = dev.metrics.clone().expect("a metrics line in the banner");
    let (status, _) = get(&url, "/");
    assert!(status.contains("404"), "{status}");

    // The heads move: the sequencer's unsafe head, the verifier's safe head.
    let unsafe_head = r#"op_node_default_refs_number{layer="l2",type="l2_unsafe"}"#;
    let verifier_safe = r#"op_node_verifier_refs_number{layer="l2",type="l2_safe"}"#;
    let first = scrape(&url);
    let start = Instant::now();
    loop {
        let m = scrape(&url);
        if sample(&m, unsafe_head) >= sample(&first, unsafe_head) + 3.0
            && sample(&m, verifier_safe) >= 1.0
        {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "heads never moved: {m:?}");
        std::thread::sleep(Duration::from_millis(250));
    }

    // The engine's RPC latency, per method; a method it does not serve counts as `other`.
    cast(&bin, &dev.l2, &["block-number"]).unwrap();
    cast(&bin, &dev.l2, &["rpc", "lamina_noSuchMethod"]).unwrap_err();
    let m = scrape(&url);
    let served = r#"lamina_engine_rpc_requests_total{method="eth_blockNumber"}"#;
    assert!(sample(&m, served) >= 1.0, "{m:?}");
    assert!(sample(&m, r#"lamina_engine_rpc_requests_total{method="other"}"#) >= 1.0);
    assert!(!m.keys().any(|k| k.contains("lamina_noSuchMethod")), "no label for it");
    assert!(sample(&m, "op_node_default_sequencer_block_build_seconds_count") >= 3.0, "{m:?}");
    // The verifier follows the sequencer's gossip: each counts the other.
    assert!(sample(&m, "op_node_verifier_p2p_peer_count") >= 1.0, "{m:?}");
    assert!(m.contains_key("lamina_engine_txpool_pending"), "{m:?}");
    // Each block's execution, state root and commit, apart: the sequencer's engine builds,
    // the verifier's imports (gossip, then derivation's consolidation).
    let built = r#"lamina_engine_block_execution_seconds_count{source="built"}"#;
    assert!(sample(&m, built) >= 3.0, "{m:?}");
    assert!(sample(&m, "lamina_engine_state_root_seconds_count") >= 3.0, "{m:?}");
    assert!(sample(&m, "lamina_engine_block_commit_seconds_count") >= 3.0, "{m:?}");
    let imported = r#"lamina_engine_verifier_block_execution_seconds_count{source="imported"}"#;
    assert!(sample(&m, imported) >= 1.0, "{m:?}");

    // The DA counters are what L1 holds: scrape, then read L1 up to its head; equal once no
    // tx landed between the two.
    let rollup: serde_json::Value =
        json(&std::fs::read_to_string(dir_chain.join("rollup.json")).unwrap());
    let inbox = rollup["batch_inbox_address"].as_str().unwrap().to_lowercase();
    let mut seen: Vec<Posted> = Vec::new();
    let mut scanned = 0u64;
    let start = Instant::now();
    let (m, posted) = loop {
        let m = scrape(&url);
        let head: u64 = cast(&bin, &dev.l1, &["block-number"]).unwrap().parse().unwrap();
        for n in scanned + 1..=head {
            let block =
                json(&cast(&bin, &dev.l1, &["block", &n.to_string(), "--full", "--json"]).unwrap());
            for tx in block["transactions"].as_array().unwrap() {
                let to = tx["to"].as_str().unwrap_or_default().to_lowercase();
                let from = tx["from"].as_str().unwrap_or_default().to_lowercase();
                if to != inbox || from != BATCHER {
                    continue;
                }
                let hash = tx["hash"].as_str().unwrap();
                let r = json(&cast(&bin, &dev.l1, &["receipt", hash, "--json"]).unwrap());
                let num = |v: &serde_json::Value| {
                    u128::from_str_radix(v.as_str().unwrap_or("0x0").trim_start_matches("0x"), 16)
                        .unwrap()
                };
                let fee = num(&r["gasUsed"]) * num(&r["effectiveGasPrice"])
                    + num(&r["blobGasUsed"]) * num(&r["blobGasPrice"]);
                let input = tx["input"].as_str().unwrap().trim_start_matches("0x");
                seen.push(Posted {
                    bytes: (input.len() / 2) as u64,
                    fee_gwei: (fee / 1_000_000_000) as u64,
                    blob: tx["type"] == "0x3",
                });
            }
        }
        scanned = head;
        let counted = sample(&m, r#"op_batcher_default_da_txs_total{da="calldata"}"#);
        if counted as usize == seen.len() && seen.len() >= 3 {
            break (m, seen.clone());
        }
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "counted {counted} batcher txs, L1 holds {}",
            seen.len()
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(posted.iter().all(|p| !p.blob), "calldata only");
    let bytes: u64 = posted.iter().map(|p| p.bytes).sum();
    let fees: u64 = posted.iter().map(|p| p.fee_gwei).sum();
    assert_eq!(sample(&m, r#"op_batcher_default_da_bytes_total{da="calldata"}"#), bytes as f64);
    assert_eq!(sample(&m, r#"op_batcher_default_da_fee_gwei_total{da="calldata"}"#), fees as f64);
    assert_eq!(
        sample(&m, r#"op_batcher_default_batcher_tx_total{stage="success"}"#),
        posted.len() as f64
    );
    assert!(sample(&m, r#"op_batcher_default_channel_total{stage="closed"}"#) >= 1.0);
    assert_eq!(sample(&m, r#"op_batcher_default_da_txs_total{da="blobs"}"#), 0.0);
    eprintln!(
        "metrics: {} batcher txs, {bytes} bytes, {fees} gwei, as L1 holds; {} samples",
        posted.len(),
        m.len()
    );
    check_logs(&log, &dev.l1);

    // Every node and batcher series the Grafana dashboard plots is served (a node series by
    // the sequencer or the verifier: its `node` variable picks one).
    let dashboard = std::fs::read_to_string(repo().join("ops/grafana/lamina.json")).unwrap();
    let names: Vec<&str> = m.keys().map(|k| k.split(['{', ' ']).next().unwrap()).collect();
    let mut plotted = 0;
    for (prefix, served_as) in [
        ("op_node_${node}_", &["op_node_default_", "op_node_verifier_"][..]),
        ("op_batcher_default_", &["op_batcher_default_"][..]),
        ("lamina_engine_", &["lamina_engine_"][..]),
    ] {
        for (i, _) in dashboard.match_indices(prefix) {
            let metric: String = dashboard[i + prefix.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            assert!(
                served_as.iter().any(|p| names.contains(&format!("{p}{metric}").as_str())),
                "the dashboard plots {prefix}{metric}, not served"
            );
            plotted += 1;
        }
    }
    assert!(plotted >= 15, "{plotted}");
}

/// The role's lines of `lamina dev --log.format json` (kept in `log`): one JSON object each,
/// the batcher's inside its `role` span; and `lamina deploy --log.format logfmt` against the
/// same L1: `key=value` lines.
fn check_logs(log: &std::path::Path, l1: &str) {
    let text = std::fs::read_to_string(log).unwrap();
    let events: Vec<serde_json::Value> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(
        events.iter().any(|e| e["target"] == "lamina::batcher"
            && e["fields"]["message"] == "channel posted"
            && e["span"]["role"] == "batcher"),
        "no batcher line in its role span:\n{text}"
    );
    assert!(events.iter().any(|e| e["span"]["role"] == "verifier"), "no verifier line:\n{text}");

    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_lamina"))
        .args(["deploy", "--print-config", "--dev"])
        .output()
        .unwrap();
    let mut config: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    config["l2ChainID"] = 902.into();
    std::fs::write(dir.path().join("deploy.json"), config.to_string()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_lamina"))
        .args(["deploy", "--l1-rpc", l1, "--config", "deploy.json", "--outdir", "chain"])
        .args(["--log.level", "info", "--log.format", "logfmt"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let deployed: Vec<&str> = err.lines().filter(|l| l.contains(" msg=deployed")).collect();
    assert!(!deployed.is_empty(), "{err}");
    for line in &deployed {
        assert!(line.starts_with("ts="), "{line}");
        assert!(line.contains(" level=info target=l1::deploy "), "{line}");
        assert!(line.contains(" tx=0x"), "{line}");
    }
    let bad = Command::new(env!("CARGO_BIN_EXE_lamina"))
        .args(["deploy", "--print-config", "--log.format", "xml"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("logfmt"), "the choices are named");
}

/// `lamina bench rpc --with-metrics`: the same load on an engine recording metrics, beside the
/// plain one and anvil, with the ratio between the two (tiny run: it must keep working).
#[test]
fn bench_rpc_reports_the_cost_of_metrics() {
    tools();
    let out = Command::new(env!("CARGO_BIN_EXE_lamina"))
        .args(["bench", "rpc", "--requests", "200", "--txs", "500", "--concurrency", "4"])
        .args(["--with-metrics", "--rounds", "2"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}{stderr}");
    for line in [
        "lamina+metrics",
        "with metrics",
        "metrics ÷ none",
        "ratio to anvil",
        "recording one request's metrics",
    ] {
        assert!(stdout.contains(line), "{line} missing from:\n{stdout}");
    }
    // The transfer rows carry the txs included and the gas their receipts used: every one of
    // these is a plain 21 000-gas transfer, on every node.
    let rows: Vec<Vec<&str>> = stdout
        .lines()
        .skip_while(|l| !l.starts_with("transfers"))
        .skip(1)
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .filter(|w| w.len() == 7 && ["lamina", "anvil", "lamina+metrics"].contains(&w[0]))
        .collect();
    assert_eq!(rows.len(), 3, "{stdout}");
    for w in rows {
        let (rejected, included): (u64, u64) = (w[1].parse().unwrap(), w[5].parse().unwrap());
        let gas: u64 = w[6].parse().unwrap();
        assert!(included > 0 && included + rejected == 500, "{stdout}");
        assert_eq!(gas, included * 21_000, "{stdout}");
    }
    // Its progress, as plain lines (stderr is not a terminal here): every run counted.
    // Two rounds of four read scenarios and one tx run, on three nodes.
    assert!(stderr.contains("scenarios: 27 runs"), "{stderr}");
}
