//! Stopping `lamina dev` and `lamina node` the way operators do — Ctrl-C (SIGINT) at a
//! terminal, SIGTERM from a service manager — exits promptly with status 0 and every store
//! closed: the restart finds nothing to repair and the chain goes on. The control: after
//! kill -9 the restart does report a repair, so the check can see an unclean stop.

use std::{
    ffi::OsStr,
    fs::File,
    path::Path,
    process::{Child, Command},
    time::{Duration, Instant},
};

use crate::{
    clients::{cast, tools},
    node::start_logging,
};

/// What the stores log when a file was not closed cleanly.
const REPAIRED: &str = "not closed cleanly";

/// A `lamina` process on `datadir` whose stderr goes to `log`, with the URLs it printed for
/// `prefixes`.
fn start(args: &[&str], datadir: &Path, log: &Path, prefixes: &[&str]) -> (Child, Vec<String>) {
    let mut all: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
    all.extend([OsStr::new("--datadir"), datadir.as_os_str()]);
    start_logging(&all, prefixes, File::create(log).unwrap().into())
}

/// Sends `signal` (`TERM`, `INT`) and waits for the exit; returns how long it took.
fn stop(child: &mut Child, signal: &str) -> Duration {
    let sent = Instant::now();
    let ok = Command::new("kill")
        .args([format!("-{signal}"), child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -{signal}");
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "SIG{signal}: exit status {status}");
            return sent.elapsed();
        }
        assert!(sent.elapsed() < Duration::from_secs(10), "no exit 10 s after SIG{signal}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn block_number(bin: &Path, url: &str) -> u64 {
    cast(bin, url, &["block-number"]).unwrap().parse().unwrap()
}

/// Waits until the chain at `url` is past block `n` (at most 30 s).
fn wait_past(bin: &Path, url: &str, n: u64) {
    for _ in 0..300 {
        if block_number(bin, url) > n {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{url} never passed block {n}");
}

fn log_of(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

const DEV: &[&str] = &[
    "dev",
    "--l1.port",
    "0",
    "--l1.beacon.port",
    "0",
    "--port",
    "0",
    "--rpc.port",
    "0",
    "--verifier.port",
    "0",
    "--verifier.rpc.port",
    "0",
    "--p2p.listen.tcp",
    "0",
    "--block-time",
    "1",
    "--l1.block-time",
    "1",
    "--explorer.port",
    "0",
];
const DEV_URLS: &[&str] = &["l1: ", "l2: "];

#[test]
fn lamina_dev_stops_cleanly_on_sigterm_and_sigint() {
    let bin = tools();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut times = Vec::new();
    for (run, signal) in ["TERM", "INT"].iter().enumerate() {
        let log = dir.path().join(format!("run{run}.log"));
        let (mut dev, urls) = start(DEV, &data, &log, DEV_URLS);
        let l2 = &urls[1];
        // Blocks being built, batched and derived while the signal lands.
        wait_past(&bin, l2, 3 * run as u64 + 2);
        let at = block_number(&bin, l2);
        times.push((*signal, stop(&mut dev, signal)));
        let text = log_of(&log);
        assert!(!text.contains(REPAIRED), "run {run} found a store to repair:\n{text}");
        assert!(!text.contains("panicked"), "{text}");
        // The restart (next loop round, or below) must find the chain where it was.
        assert!(at >= 2);
    }
    let log = dir.path().join("after.log");
    let (mut dev, urls) = start(DEV, &data, &log, DEV_URLS);
    wait_past(&bin, &urls[1], 6);
    assert!(!log_of(&log).contains(REPAIRED), "{}", log_of(&log));

    // The control: kill -9 leaves the stores open, and the restart says it repaired them.
    dev.kill().unwrap();
    dev.wait().unwrap();
    let log = dir.path().join("after-kill.log");
    let (mut dev, urls) = start(DEV, &data, &log, DEV_URLS);
    wait_past(&bin, &urls[1], 6);
    assert!(log_of(&log).contains(REPAIRED), "kill -9 went unnoticed:\n{}", log_of(&log));
    times.push(("TERM after a repair", stop(&mut dev, "TERM")));
    for (signal, took) in &times {
        eprintln!("lamina dev: SIG{signal} → exit in {took:?}");
    }
}

/// A stop that lands while `lamina dev` is still starting (it has printed its first URL, not yet
/// its explorer's) is caught, not the default exit: the stack finishes starting, then stops
/// cleanly.
#[test]
fn lamina_dev_stopped_while_starting_exits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let log = dir.path().join("run.log");
    let (mut dev, _) = start(DEV, &data, &log, &["l1: "]);
    stop(&mut dev, "TERM");
    let text = log_of(&log);
    assert!(!text.contains("panicked"), "{text}");
    let log = dir.path().join("after.log");
    let (mut dev, _) = start(DEV, &data, &log, DEV_URLS);
    assert!(!log_of(&log).contains(REPAIRED), "{}", log_of(&log));
    stop(&mut dev, "TERM");
}

#[test]
fn lamina_node_stops_cleanly_on_sigterm() {
    let bin = tools();
    let (l1, dir) = crate::node::l1_with_chain();
    let chain = dir.path().join("chain");
    let rollup = chain.join("rollup.json");
    let genesis = chain.join("genesis.json");
    let args = [
        "node",
        "--rollup-config",
        rollup.to_str().unwrap(),
        "--genesis",
        genesis.to_str().unwrap(),
        "--l1-rpc",
        &l1.url,
        "--mode",
        "sequencer",
        "--sequencer.l1-confs",
        "0",
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
    let data = dir.path().join("node");
    let mut before = 0;
    for run in 0..2 {
        let log = dir.path().join(format!("node{run}.log"));
        let (mut node, urls) = start(&args, &data, &log, &["http: ", "rpc: "]);
        assert!(block_number(&bin, &urls[0]) >= before, "the chain survived the stop");
        wait_past(&bin, &urls[0], before + 1);
        before = block_number(&bin, &urls[0]);
        let took = stop(&mut node, "TERM");
        eprintln!("lamina node: SIGTERM → exit in {took:?}");
        let text = log_of(&log);
        assert!(!text.contains(REPAIRED), "run {run} found a store to repair:\n{text}");
    }
}
