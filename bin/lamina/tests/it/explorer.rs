//! The explorer in a real browser (Debian's chromium, driven by playwright-core from
//! `tests/e2e/explorer.mjs`) against `lamina dev`: a tx sent with cast is seen unsafe, then
//! safe; its block names the L1 batcher tx that carried it, which cast finds on L1 where the
//! page says; a deposit names its L1 tx; a finalized withdrawal shows its status and the output
//! it was proven against; search finds a block by number and by hash, a tx and an address;
//! every page draws with no JavaScript error. Page load times are printed and screenshots
//! written (paths in the output).

use std::{
    io::{BufRead, BufReader, Write},
    path::{Path, PathBuf},
    process::{Command, Stdio},
};

use serde_json::{Value, json};

use crate::{
    bridge::{lamina, line, wait_status},
    clients::{cast, json, repo, tools},
    dev::start_with,
};

/// Dev account 5: sends the watched transfer (account 0 does the bridge dance).
const KEY5: &str = "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba";
/// The dev batcher (account 1).
const BATCHER: &str = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

fn script() -> PathBuf {
    let e2e = repo().join("tests/e2e");
    assert!(
        e2e.join("node_modules/playwright-core").is_dir(),
        "tests/e2e/node_modules missing: run `npm ci --prefix tests/e2e` (scripts/test.sh does)"
    );
    assert!(
        Path::new("/usr/bin/chromium").is_file(),
        "/usr/bin/chromium missing: install Debian's chromium (scripts/test.sh does)"
    );
    e2e.join("explorer.mjs")
}

/// The JSON the script printed last; fails on a script failure or any page error.
fn finish(out: std::process::Output) -> Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "explorer.mjs failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(stdout.lines().last().unwrap_or_default());
    assert_eq!(v["errors"], json!([]), "JavaScript or request errors on the pages");
    v
}

fn text<'a>(page: &'a Value, key: &str) -> &'a str {
    page["texts"][key].as_str().unwrap_or_else(|| panic!("{key} missing on {page}"))
}

#[test]
fn the_explorer_shows_a_tx_its_batch_a_deposit_and_a_withdrawal_in_chromium() {
    let bin = tools();
    let script = script();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // L1 blocks of two seconds: a tx stays unsafe long enough to be watched.
    let dev = start_with(d, &["--finalization-period", "4", "--l1.block-time", "2"]);
    let explorer = dev.explorer.clone().expect("lamina dev prints its explorer URL");
    let cast = |url: &str, args: &[&str]| cast(&bin, url, args).unwrap();

    // 1. The browser is up on the home page; cast sends a transfer; its page follows it.
    let mut watch = Command::new("node")
        .arg(&script)
        .args(["watch", &explorer, "90"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(watch.stdout.take().unwrap()).lines();
    assert_eq!(lines.next().unwrap().unwrap(), "ready");
    let dead = "0x000000000000000000000000000000000000dEaD";
    let tx = cast(&dev.l2, &["send", "--async", "--private-key", KEY5, dead, "--value", "1ether"]);
    writeln!(watch.stdin.take().unwrap(), "{tx}").unwrap();
    let last = lines.map(Result::unwrap).last().unwrap();
    assert!(watch.wait().unwrap().success());
    let seen = json(&last);
    assert_eq!(seen["errors"], json!([]));
    let statuses: Vec<&str> =
        seen["statuses"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
    eprintln!("tx page statuses: {statuses:?}");
    let unsafe_at = statuses.iter().position(|s| *s == "unsafe").expect("seen unsafe");
    let safe_at = statuses.iter().position(|s| *s == "safe").expect("seen safe");
    assert!(unsafe_at < safe_at, "unsafe before safe: {statuses:?}");
    let receipt = json(&cast(&dev.l2, &["receipt", &tx, "--json"]));
    let block = crate::clients::hex_u64(&receipt["blockNumber"]);
    let block_hash = receipt["blockHash"].as_str().unwrap().to_owned();

    // 2. A deposit, and a withdrawal taken all the way to finalized.
    let beef = "0x000000000000000000000000000000000000bEEF";
    let (ok, out) = lamina(&dev, d, &["deposit", "--to", beef, "--value", "1ether"]);
    assert!(ok, "{out}");
    let deposit_l1 = line(&out, "l1 tx: ").to_owned();
    let deposit_l2 = line(&out, "l2 tx: ").to_owned();
    let (ok, out) = lamina(&dev, d, &["withdraw", "--value", "0.25ether"]);
    assert!(ok, "{out}");
    let withdrawal = line(&out, "l2 tx: ").to_owned();
    let withdrawal_hash = line(&out, "withdrawal hash: ").to_owned();
    wait_status(&dev, d, &withdrawal, "ready-to-prove");
    let (ok, out) = lamina(&dev, d, &["withdrawal", "prove", &withdrawal]);
    assert!(ok, "{out}");
    wait_status(&dev, d, &withdrawal, "ready-to-finalize");
    let (ok, out) = lamina(&dev, d, &["withdrawal", "finalize", &withdrawal]);
    assert!(ok, "{out}");
    // A second withdrawal, left unproven.
    let (ok, out) = lamina(&dev, d, &["withdraw", "--value", "0.1ether"]);
    assert!(ok, "{out}");
    let unproven = line(&out, "l2 tx: ").to_owned();

    // 3. Every page, timed, read and photographed.
    let me = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
    let spec = json!([
        // Unmeasured: the browser's first page pays for starting a renderer.
        { "name": "warm-up", "route": "/", "read": {} },
        { "name": "home", "route": "/", "screenshot": true,
          "read": { "seq_unsafe": ["tr[data-node=sequencer] td[data-head=unsafe]"],
                    "ver_safe": ["tr[data-node=verifier] td[data-head=safe]"],
                    "l1": ["tr[data-node=l1]"], "gas_plot": ["[data-plot=gas] svg"] } },
        { "name": "block", "route": format!("/block/{block}"), "screenshot": true,
          "read": { "batch_tx": ["#batch-tx"], "safe_at": ["#safe-at"], "da": ["#batch-da"],
                    "txs": ["#txs"] } },
        { "name": "tx", "route": format!("/tx/{tx}"), "screenshot": true,
          "read": { "status": ["#tx-status", "data-status"], "l1_fee": ["#fee-l1"],
                    "l2_fee": ["#fee-l2"] } },
        { "name": "deposit", "route": format!("/tx/{deposit_l2}"), "screenshot": true,
          "read": { "l1_tx": ["#deposit-l1-tx"] } },
        { "name": "withdrawal", "route": format!("/tx/{withdrawal}"), "screenshot": true,
          "read": { "status": [".withdrawal-status", "data-status"], "table": ["#withdrawals"] } },
        { "name": "unproven", "route": format!("/tx/{unproven}"),
          "read": { "status": [".withdrawal-status", "data-status"] } },
        { "name": "address", "route": format!("/address/{me}"), "screenshot": true,
          "read": { "txs": ["#address-txs"] } },
        { "name": "outputs", "route": "/outputs", "screenshot": true,
          "read": { "outputs": ["#outputs"], "deletions": ["#deletions"] } },
        { "name": "search-number", "search": block.to_string(), "expectHash": format!("#/block/{block}"), "read": { "title": ["h1"] } },
        { "name": "search-block-hash", "search": block_hash, "expectHash": "#/block/0x", "read": { "title": ["h1"] } },
        { "name": "search-tx", "search": tx, "expectHash": "#/tx/", "read": { "status": ["#tx-status", "data-status"] } },
        { "name": "search-address", "search": me, "expectHash": "#/address/", "read": { "address": ["#address"] } },
    ]);
    let spec_path = d.join("spec.json");
    std::fs::write(&spec_path, spec.to_string()).unwrap();
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("explorer-screenshots");
    let out = Command::new("node")
        .arg(&script)
        .args(["pages", &explorer])
        .arg(&spec_path)
        .arg(&shots)
        .output()
        .unwrap();
    let v = finish(out);
    let pages: Vec<&Value> = v["results"].as_array().unwrap().iter().collect();
    let page = |name: &str| *pages.iter().find(|p| p["name"] == name).unwrap();
    for p in pages.iter().filter(|p| p["name"] != "warm-up") {
        eprintln!(
            "page {:<18} loaded in {:>4} ms (data and draw {:>4} ms){}",
            p["name"].as_str().unwrap(),
            p["ms"],
            p["drawMs"],
            p["screenshot"].as_str().map(|s| format!(", screenshot {s}")).unwrap_or_default()
        );
    }

    // Home: both nodes' heads and L1's.
    let home = page("home");
    assert!(!text(home, "seq_unsafe").is_empty() && !text(home, "ver_safe").is_empty());
    assert!(text(home, "l1").starts_with("L1"), "{home}");

    // The block page names the batcher tx; cast finds it on L1, from the batcher to the inbox,
    // in the L1 block where the page says the block became safe.
    let b = page("block");
    let batch_tx = text(b, "batch_tx");
    let l1_tx = json(&cast(&dev.l1, &["tx", batch_tx, "--json"]));
    let inbox = crate::dev::addresses(d)["BatchInbox"].as_str().unwrap().to_lowercase();
    assert_eq!(l1_tx["to"].as_str().unwrap().to_lowercase(), inbox);
    assert_eq!(l1_tx["from"].as_str().unwrap().to_lowercase(), BATCHER.to_lowercase());
    let safe_at: u64 = text(b, "safe_at").split_whitespace().next().unwrap().parse().unwrap();
    assert_eq!(crate::clients::hex_u64(&l1_tx["blockNumber"]), safe_at, "{b}");
    let l1_receipt = json(&cast(&dev.l1, &["receipt", batch_tx, "--json"]));
    assert_eq!(l1_receipt["status"], "0x1");
    assert!(["blob", "calldata"].contains(&text(b, "da")), "{b}");
    assert!(text(b, "txs").contains(&tx[..10]), "the block lists the tx: {b}");

    // The tx: safe, with both parts of its fee.
    let t = page("tx");
    assert!(["safe", "finalized"].contains(&text(t, "status")), "{t}");
    assert!(text(t, "l1_fee").contains("ETH") && !text(t, "l1_fee").starts_with("0 ETH"), "{t}");
    assert!(text(t, "l2_fee").contains("21,000 gas"), "{t}");

    assert_eq!(text(page("deposit"), "l1_tx"), deposit_l1);

    let w = page("withdrawal");
    assert_eq!(text(w, "status"), "finalized", "{w}");
    assert!(text(w, "table").contains(&withdrawal_hash), "{w}");
    assert!(text(w, "table").contains("output #"), "names the output proven against: {w}");
    let unproven_status = text(page("unproven"), "status");
    assert!(["waiting-to-prove", "ready-to-prove"].contains(&unproven_status), "{unproven_status}");

    assert!(text(page("address"), "txs").contains(&withdrawal[..10]), "the address's own txs");
    let o = page("outputs");
    assert!(text(o, "outputs").contains("matches"), "the verifier agrees with outputs: {o}");
    assert_eq!(text(o, "deletions"), "None.");

    assert!(text(page("search-number"), "title").starts_with(&format!("Block {block}")));
    assert!(text(page("search-block-hash"), "title").starts_with(&format!("Block {block}")));
    assert!(page("search-tx")["hash"].as_str().unwrap().ends_with(&tx));
    assert_eq!(text(page("search-address"), "address").to_lowercase(), me.to_lowercase());
}
