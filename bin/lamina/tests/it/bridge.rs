//! Deposits and withdrawals end to end with viem's op-stack actions, unchanged: the Node suite
//! in `tests/e2e` runs against `lamina dev` on its embedded L1 and on anvil (`--l1-rpc`).

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
    let Some(_) = tools() else { return };
    let dir = tempfile::tempdir().unwrap();
    let dev = start_with(dir.path(), &["--finalization-period", "4"]);
    bridge(&dev, dir.path());
}

#[test]
fn viem_deposits_and_withdraws_through_lamina_dev_on_anvil() {
    let Some(bin) = tools() else { return };
    let (_anvil, l1) = anvil_with(&bin, &["--block-time", "1"]);
    let dir = tempfile::tempdir().unwrap();
    let dev = start_with(dir.path(), &["--l1-rpc", &l1, "--finalization-period", "4"]);
    bridge(&dev, dir.path());
}
