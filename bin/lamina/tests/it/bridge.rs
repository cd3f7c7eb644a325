//! Deposits and withdrawals end to end: viem's op-stack actions, unchanged (the Node suite in
//! `tests/e2e`), against `lamina dev` on its embedded L1 and on anvil (`--l1-rpc`); and the
//! same dance through `lamina deposit`, `lamina withdraw` and `lamina withdrawal …`, with
//! every step out of order refused and balances checked with cast.

use std::{path::Path, process::Command};

use crate::{
    clients::{anvil_with, json, repo, tools},
    dev::{Dev, KEY, start_with},
};

/// Runs `tests/e2e/bridge.mjs` against `dev`; returns what it saw.
fn bridge(dev: &Dev, datadir: &Path) -> serde_json::Value {
    let e2e = repo().join("tests/e2e");
    assert!(
        e2e.join("node_modules/viem").is_dir(),
        "tests/e2e/node_modules missing: run `npm ci --prefix tests/e2e` (scripts/test.sh does)"
    );
    let out = Command::new("node")
        .arg(e2e.join("bridge.mjs"))
        .arg(&dev.l1)
        .arg(&dev.l2)
        .arg(datadir.join("chain/addresses.json"))
        .arg(repo().join("contracts/artifacts/DevToken.json"))
        .arg(KEY)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "viem bridge suite failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let seen = json(String::from_utf8_lossy(&out.stdout).trim());
    eprintln!("bridge: {seen}");
    let statuses: Vec<&str> =
        seen["statuses"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
    assert_eq!(
        statuses,
        [
            "waiting-to-prove",
            "ready-to-prove",
            "waiting-to-finalize",
            "ready-to-finalize",
            "finalized"
        ]
    );
    seen
}

#[test]
fn viem_deposits_and_withdraws_through_lamina_dev() {
    tools();
    let dir = tempfile::tempdir().unwrap();
    let dev = start_with(dir.path(), &["--finalization-period", "4"]);
    bridge(&dev, dir.path());
}

#[test]
fn viem_deposits_and_withdraws_through_lamina_dev_on_anvil() {
    let bin = tools();
    let (_anvil, l1) = anvil_with(&bin, &["--block-time", "1"]);
    let dir = tempfile::tempdir().unwrap();
    let dev = start_with(dir.path(), &["--l1-rpc", &l1, "--finalization-period", "4"]);
    bridge(&dev, dir.path());
}

/// Runs a `lamina` bridge command against `dev`; returns (success, stdout + stderr).
pub(crate) fn lamina(dev: &Dev, datadir: &Path, args: &[&str]) -> (bool, String) {
    let addresses = datadir.join("chain/addresses.json");
    let out = Command::new(env!("CARGO_BIN_EXE_lamina"))
        .args(args)
        .args(["--l1-rpc", &dev.l1, "--l2-rpc", &dev.l2, "--private-key", KEY, "--addresses"])
        .arg(addresses)
        .output()
        .unwrap();
    let text =
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

pub(crate) fn line<'a>(text: &'a str, prefix: &str) -> &'a str {
    text.lines()
        .find_map(|l| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no {prefix:?} in {text}"))
}

/// Polls `lamina withdrawal status` until it starts with `want`.
pub(crate) fn wait_status(dev: &Dev, datadir: &Path, tx: &str, want: &str) {
    let mut last = String::new();
    for _ in 0..240 {
        let (ok, out) = lamina(dev, datadir, &["withdrawal", "status", tx]);
        assert!(ok, "{out}");
        if out.trim().starts_with(want) {
            return;
        }
        last = out;
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
    panic!("never {want}: {last}");
}

#[test]
fn the_cli_deposits_withdraws_proves_and_finalizes() {
    let bin = tools();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let dev = start_with(d, &["--finalization-period", "6"]);
    let cast = |url: &str, args: &[&str]| crate::clients::cast(&bin, url, args).unwrap();

    // Deposit 1 ETH to 0xbeef: it arrives on L2.
    let beef = "0x000000000000000000000000000000000000bEEF";
    let (ok, out) = lamina(&dev, d, &["deposit", "--to", beef, "--value", "1ether"]);
    assert!(ok, "{out}");
    let l2_tx = line(&out, "l2 tx: ").to_owned();
    assert!(line(&out, "l2 block: ").contains("success"), "{out}");
    assert_eq!(cast(&dev.l2, &["balance", beef]), "1000000000000000000");
    let receipt = json(&cast(&dev.l2, &["receipt", &l2_tx, "--json"]));
    assert_eq!(receipt["type"], "0x7e", "a deposit tx");

    // Withdraw 0.25 ETH to ourselves.
    let (ok, out) = lamina(&dev, d, &["withdraw", "--value", "0.25ether"]);
    assert!(ok, "{out}");
    let tx = line(&out, "l2 tx: ").to_owned();

    // Finalizing an unproven withdrawal is refused before anything is sent.
    let (ok, out) = lamina(&dev, d, &["withdrawal", "finalize", &tx]);
    let refused = ["withdrawal is waiting-to-prove", "withdrawal is ready-to-prove"];
    assert!(!ok && refused.iter().any(|r| out.contains(r)), "{out}");

    wait_status(&dev, d, &tx, "ready-to-prove");
    let (ok, out) = lamina(&dev, d, &["withdrawal", "prove", &tx]);
    assert!(ok, "{out}");
    assert!(out.contains("waiting-to-finalize"), "{out}");
    // Proving twice, or finalizing within the period, is refused.
    let (ok, out) = lamina(&dev, d, &["withdrawal", "prove", &tx]);
    assert!(!ok && out.contains("withdrawal is waiting-to-finalize"), "{out}");
    let (ok, out) = lamina(&dev, d, &["withdrawal", "finalize", &tx]);
    assert!(!ok && out.contains("withdrawal is waiting-to-finalize"), "{out}");

    wait_status(&dev, d, &tx, "ready-to-finalize");
    let me = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
    let before: u128 = cast(&dev.l1, &["balance", me]).parse().unwrap();
    let (ok, out) = lamina(&dev, d, &["withdrawal", "finalize", &tx]);
    assert!(ok, "{out}");
    assert_eq!(out.lines().last().unwrap().trim(), "finalized", "{out}");
    assert!(!out.contains("warning"), "the call succeeded: {out}");
    let l1_tx = line(&out, "l1 tx: ");
    let r = json(&cast(&dev.l1, &["receipt", l1_tx, "--json"]));
    let hex = |v: &serde_json::Value| {
        u128::from_str_radix(v.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
    };
    let paid = hex(&r["gasUsed"]) * hex(&r["effectiveGasPrice"]);
    let after: u128 = cast(&dev.l1, &["balance", me]).parse().unwrap();
    assert_eq!(after, before + 250_000_000_000_000_000 - paid, "0.25 ETH arrived on L1");

    // Once finalized, nothing more.
    let (ok, out) = lamina(&dev, d, &["withdrawal", "finalize", &tx]);
    assert!(!ok && out.contains("withdrawal is finalized"), "{out}");
    assert_eq!(
        cast(&dev.l1, &["balance", me]).parse::<u128>().unwrap(),
        after,
        "balance unchanged"
    );
}

/// The same dance with cast alone: a deposit to the portal, a withdrawal from the message
/// passer, proven and finalized from what the chains serve; the portal itself refuses a forged
/// proof and an early finalization.
#[test]
fn cast_alone_deposits_withdraws_proves_and_finalizes() {
    let bin = tools();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let dev = start_with(d, &["--finalization-period", "6"]);
    let cast = |url: &str, args: &[&str]| crate::clients::cast(&bin, url, args).unwrap();
    let send = |url: &str, value: &str, to: &str, sig: &str, args: &[&str]| {
        let mut all = vec!["send", "--private-key", KEY, "--json", "--value", value, to, sig];
        all.extend(args);
        crate::clients::cast(&bin, url, &all).map(|out| json(&out))
    };
    let addresses = std::fs::read_to_string(d.join("chain/addresses.json")).unwrap();
    let portal = json(&addresses)["OptimismPortal"].as_str().unwrap().to_owned();
    let cafe = "0x000000000000000000000000000000000000cAFE";
    let sig = "depositTransaction(address,uint256,uint64,bool,bytes)";
    // The portal pays withdrawals from what was deposited (L2 genesis funds are not backed
    // on L1): deposit more than is withdrawn below.
    let sent = send(&dev.l1, "8", &portal, sig, &[cafe, "8", "100000", "false", "0x"]).unwrap();
    assert_eq!(sent["status"], "0x1");
    let mut arrived = String::new();
    for _ in 0..100 {
        arrived = cast(&dev.l2, &["balance", cafe]);
        if arrived == "8" {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert_eq!(arrived, "8", "the cast deposit arrived");
    let passer = "0x4200000000000000000000000000000000000016";
    let sig = "initiateWithdrawal(address,uint256,bytes)";
    let sent = send(&dev.l2, "5", passer, sig, &[cafe, "100000", "0x"]).unwrap();
    assert_eq!(sent["status"], "0x1");
    let tx = sent["transactionHash"].as_str().unwrap().to_owned();
    let (ok, out) = lamina(&dev, d, &["withdrawal", "status", &tx]);
    assert!(ok && (out.contains("waiting-to-prove") || out.contains("ready-to-prove")), "{out}");

    // Proven and finalized with cast too, from what the chains serve: the MessagePassed log,
    // the output, the L2 block and `eth_getProof`. A forged proof and an early finalization
    // are refused by the portal itself.
    let receipt = json(&cast(&dev.l2, &["receipt", &tx, "--json"]));
    let log = receipt["logs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["address"].as_str().unwrap().eq_ignore_ascii_case(passer))
        .unwrap();
    let topic = |i: usize| log["topics"][i].as_str().unwrap().to_owned();
    let data = log["data"].as_str().unwrap().trim_start_matches("0x").to_owned();
    let word = |i: usize| format!("0x{}", &data[i * 64..(i + 1) * 64]);
    let (nonce, sender, target) =
        (topic(1), format!("0x{}", &topic(2)[26..]), format!("0x{}", &topic(3)[26..]));
    let (value, gas, hash) = (word(0), word(1), word(3));
    let wtx = format!("({},{sender},{target},{},{},0x)", dec(&nonce), dec(&value), dec(&gas));
    wait_status(&dev, d, &tx, "ready-to-prove");
    let oracle = json(&addresses)["L2OutputOracle"].as_str().unwrap().to_owned();
    let block = receipt["blockNumber"].as_str().unwrap();
    let index =
        cast(&dev.l1, &["call", &oracle, "getL2OutputIndexAfter(uint256)(uint256)", &dec(block)]);
    let (_, output_block) = crate::clients::l2_output(&bin, &dev.l1, &oracle, &index);
    let output_block = output_block.to_string();
    // The message passer's `sentMessages[hash]` slot (cast index takes no RPC).
    let out =
        Command::new(bin.join("cast")).args(["index", "bytes32", &hash, "0"]).output().unwrap();
    let slot = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let proof = json(&cast(&dev.l2, &["proof", passer, &slot, "--block", &output_block, "--json"]));
    let header = json(&cast(&dev.l2, &["block", &output_block, "--json"]));
    let root_proof = format!(
        "(0x{},{},{},{})",
        "00".repeat(32),
        header["stateRoot"].as_str().unwrap(),
        proof["storageHash"].as_str().unwrap(),
        header["hash"].as_str().unwrap()
    );
    let nodes: Vec<String> = proof["storageProof"][0]["proof"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().to_owned())
        .collect();
    let prove_sig = "proveWithdrawalTransaction((uint256,address,address,uint256,uint256,bytes),uint256,(bytes32,bytes32,bytes32,bytes32),bytes[])";
    let prove = |nodes: &[String]| {
        let nodes = format!("[{}]", nodes.join(","));
        send(&dev.l1, "0", &portal, prove_sig, &[&wtx, &index, &root_proof, &nodes])
    };
    let mut forged = nodes.clone();
    let last = forged.len() - 1;
    forged[last] = format!("{}00", forged[last]);
    let refused = prove(&forged).unwrap_err();
    assert!(refused.contains("MerkleTrie") || refused.contains("revert"), "{refused}");
    assert_eq!(prove(&nodes).unwrap()["status"], "0x1");
    let finalize_sig =
        "finalizeWithdrawalTransaction((uint256,address,address,uint256,uint256,bytes))";
    let finalize = || send(&dev.l1, "0", &portal, finalize_sig, &[&wtx]);
    let early = finalize().unwrap_err();
    assert!(early.contains("finalization period has not elapsed"), "{early}");
    assert_eq!(cast(&dev.l1, &["balance", cafe]), "0", "nothing paid out early");
    wait_status(&dev, d, &tx, "ready-to-finalize");
    assert_eq!(finalize().unwrap()["status"], "0x1");
    assert_eq!(cast(&dev.l1, &["balance", cafe]), "5", "the 5 wei arrived on L1");
    let (ok, out) = lamina(&dev, d, &["withdrawal", "status", &tx]);
    assert!(ok && out.trim() == "finalized", "{out}");
}

/// A 0x quantity or 32-byte word in decimal, as cast takes numbers.
fn dec(hex: &str) -> String {
    alloy_primitives::U256::from_str_radix(hex.trim_start_matches("0x"), 16).unwrap().to_string()
}
