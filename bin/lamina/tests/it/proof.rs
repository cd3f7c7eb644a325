//! The fault-proof program on a mixed `lamina dev` run — an L1 deposit, ETH and ERC-20 transfers,
//! an L1 system-config update, calldata batches and then (after a restart) blob batches:
//!
//! - `lamina proof run` judges every block's output: right for the node's output, fetching
//!   from the L1, beacon and L2 RPCs into a cache; again offline from that cache alone, right
//!   for the true output and wrong for a corrupted one; wrong when the L1 head is too early
//!   for the block to be derived;
//! - `lamina proof execute` reproduces every block from its `debug_executionWitness`, read over
//!   JSON-RPC as any client would.

use std::{
    path::{Path, PathBuf},
    process::Command,
    time::Duration,
};

use serde_json::{Value, json};

use crate::{
    clients::{cast, hex_u64, json, repo, tools},
    dev::{Dev, KEY, addresses, send_l2, start_with, wait_safe},
};

const BEEF: &str = "0x000000000000000000000000000000000000bEEF";

/// anvil's sixth dev key (no role in `lamina dev`): the depositor. A deposit is a tx from its
/// sender on L2 too, so a deposit from the key that also sends L2 txs would race their nonces.
const DEPOSITOR: &str = "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba";

fn rpc(bin: &Path, url: &str, method: &str, params: &[&str]) -> Value {
    let mut args = vec!["rpc", method];
    args.extend(params);
    json(&cast(bin, url, &args).unwrap())
}

/// `cast send` with the dev key; the receipt, which must be a success.
fn send(bin: &Path, url: &str, args: &[&str]) -> Value {
    send_as(bin, url, KEY, args)
}

/// `cast send` with `key`; the receipt, which must be a success.
fn send_as(bin: &Path, url: &str, key: &str, args: &[&str]) -> Value {
    let mut all = vec!["send", "--private-key", key, "--json"];
    all.extend(args);
    let receipt = json(&cast(bin, url, &all).unwrap());
    assert_eq!(receipt["status"], "0x1", "{args:?}");
    receipt
}

/// Deploys the dev ERC-20 on L2 (the whole supply to the dev account); its address.
fn deploy_token(bin: &Path, dev: &Dev) -> String {
    let artifact =
        json(&std::fs::read_to_string(repo().join("contracts/artifacts/DevToken.json")).unwrap());
    // The constructor's argument: a supply of 10^21 (1000 tokens), one ABI word.
    let supply = format!("{:064x}", 1_000_000_000_000_000_000_000u128);
    let code = format!("{}{supply}", artifact["bytecode"].as_str().unwrap());
    let receipt = send(bin, &dev.l2, &["--create", &code]);
    receipt["contractAddress"].as_str().unwrap().to_owned()
}

/// The Engine API payload attributes that rebuild block `block` (JSON from
/// `eth_getBlockByNumber`), its txs read raw.
fn attributes(bin: &Path, dev: &Dev, block: &Value) -> Value {
    let txs: Vec<Value> = block["transactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| rpc(bin, &dev.l2, "eth_getRawTransactionByHash", &[h.as_str().unwrap()]))
        .collect();
    // Holocene's extraData: version byte, then the EIP-1559 denominator and elasticity.
    let extra = block["extraData"].as_str().unwrap();
    json!({
        "timestamp": block["timestamp"],
        "prevRandao": block["mixHash"],
        "suggestedFeeRecipient": block["miner"],
        "withdrawals": [],
        "parentBeaconBlockRoot": block["parentBeaconBlockRoot"],
        "transactions": txs,
        "noTxPool": true,
        "gasLimit": block["gasLimit"],
        "eip1559Params": format!("0x{}", &extra[4..20]),
    })
}

/// `lamina proof execute` on block `n`'s witness file: checks it reproduces the block; returns
/// the witness's JSON size.
fn execute(bin: &Path, dev: &Dev, rollup: &Value, input: &Path, n: u64) -> usize {
    let at = format!("{n:#x}");
    let block = rpc(bin, &dev.l2, "eth_getBlockByNumber", &[&at, "false"]);
    let parent = rpc(bin, &dev.l2, "eth_getBlockByNumber", &[&format!("{:#x}", n - 1), "false"]);
    let witness = rpc(bin, &dev.l2, "debug_executionWitness", &[&at]);
    let size = witness.to_string().len();
    let file = json!({
        "rollup_config": rollup,
        "parent_header": parent,
        "attributes": attributes(bin, dev, &block),
        "witness": witness,
    });
    std::fs::write(input, file.to_string()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_lamina"))
        .args(["proof", "execute", "--json", "--input"])
        .arg(input)
        .output()
        .unwrap();
    assert!(out.status.success(), "block {n}: {}", String::from_utf8_lossy(&out.stderr));
    let got = json(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(got["block_hash"], block["hash"], "block {n}");
    assert_eq!(got["state_root"], block["stateRoot"], "block {n}");
    assert_eq!(hex_u64(&block["gasUsed"]), got["gas_used"].as_u64().unwrap(), "block {n}");
    size
}

/// `lamina proof run --json` about block `n`: its exit code and its report.
fn prove(cache: &Path, n: u64, online: Option<&Dev>, extra: &[&str]) -> (i32, Value) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lamina"));
    cmd.args(["proof", "run", "--json", "--l2-block", &n.to_string(), "--cache"]).arg(cache);
    if let Some(dev) = online {
        cmd.args(["--rollup-rpc", &dev.verifier_rpc, "--l1-rpc", &dev.l1, "--l2-rpc", &dev.l2]);
        cmd.args(["--l1-beacon", dev.beacon.as_deref().unwrap()]);
    }
    let out = cmd.args(extra).output().unwrap();
    let code = out.status.code().unwrap();
    if code != 0 && code != 1 {
        let inputs = std::fs::read_to_string(cache.join(format!("run-{n}.json")));
        panic!(
            "block {n}: exit {code}: {}\ninputs: {inputs:?}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    (code, json(&String::from_utf8_lossy(&out.stdout)))
}

/// The output root with its first byte flipped: a wrong claim.
fn corrupt(root: &str) -> String {
    let first = u8::from_str_radix(&root[2..4], 16).unwrap() ^ 0xff;
    format!("0x{first:02x}{}", &root[4..])
}

/// Polls L2 until a block with gas limit `limit` exists; its number.
fn block_with_gas_limit(bin: &Path, dev: &Dev, limit: u64) -> u64 {
    for _ in 0..300 {
        let head = rpc(bin, &dev.l2, "eth_getBlockByNumber", &["latest", "false"]);
        if hex_u64(&head["gasLimit"]) == limit {
            return hex_u64(&head["number"]);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("the L1 config update never reached L2");
}

/// The types of the batcher txs L1 holds.
fn batch_tx_types(bin: &Path, dev: &Dev, inbox: &str) -> Vec<u64> {
    let head: u64 = cast(bin, &dev.l1, &["block-number"]).unwrap().parse().unwrap();
    let mut types = Vec::new();
    for n in 1..=head {
        let block =
            json(&cast(bin, &dev.l1, &["block", &n.to_string(), "--full", "--json"]).unwrap());
        for tx in block["transactions"].as_array().unwrap() {
            if tx["to"].as_str().is_some_and(|to| to.eq_ignore_ascii_case(inbox)) {
                types.push(hex_u64(&tx["type"]));
            }
        }
    }
    types
}

#[test]
fn proof_run_and_execute_judge_every_block_of_a_mixed_run() {
    let bin = tools();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let cache: PathBuf = dir.path().join("cache");

    // Calldata batches: an L1 deposit, an ETH transfer, an ERC-20 deployed and moved, and an
    // L1 config update.
    let dev = start_with(&data, &["--data-availability-type", "calldata"]);
    let addrs = addresses(&data);
    let portal = addrs["OptimismPortal"].as_str().unwrap().to_owned();
    let system_config = addrs["SystemConfig"].as_str().unwrap().to_owned();
    let inbox = addrs["BatchInbox"].as_str().unwrap().to_owned();
    send_as(&bin, &dev.l1, DEPOSITOR, &[&portal, "--value", "0.5ether"]);
    send_l2(&bin, &dev);
    let token = deploy_token(&bin, &dev);
    send(&bin, &dev.l2, &[&token, "transfer(address,uint256)", BEEF, "1000"]);
    send(&bin, &dev.l1, &[&system_config, "setGasLimit(uint64)", "45000000"]);
    let updated = block_with_gas_limit(&bin, &dev, 45_000_000);
    wait_safe(&bin, &dev, updated);
    drop(dev);

    // Blob batches, after a restart on the same chain.
    let dev = start_with(&data, &["--data-availability-type", "blobs"]);
    send_l2(&bin, &dev);
    let moved = send(&bin, &dev.l2, &[&token, "transfer(address,uint256)", BEEF, "2000"]);
    let last = hex_u64(&moved["blockNumber"]);
    wait_safe(&bin, &dev, last);
    let types = batch_tx_types(&bin, &dev, &inbox);
    assert!(types.contains(&2) && types.contains(&3), "calldata and blob batches: {types:?}");

    let rollup = json(&std::fs::read_to_string(data.join("chain/rollup.json")).unwrap());
    let input = dir.path().join("input.json");
    let mut outputs = Vec::new();
    let (mut preimages, mut bytes, mut witness_bytes) = (0, 0, 0);
    let started = std::time::Instant::now();
    for n in 1..=last {
        let (code, report) = prove(&cache, n, Some(&dev), &[]);
        eprintln!("block {n}: {report} at {:?}", started.elapsed());
        assert_eq!(code, 0, "block {n}: {report}");
        assert_eq!(report["valid"], true);
        assert_eq!(report["l2_block"], n);
        assert_eq!(report["blocks_built"], 1);
        preimages += report["preimages"].as_u64().unwrap();
        bytes += report["bytes"].as_u64().unwrap();
        outputs.push(report["output_root"].as_str().unwrap().to_owned());
        witness_bytes += execute(&bin, &dev, &rollup, &input, n);
    }
    // The agreed block's L1 origin: an L1 head from before the last block's batch.
    let agreed = format!("{:#x}", last - 1);
    let output = rpc(&bin, &dev.verifier_rpc, "optimism_outputAtBlock", &[&agreed]);
    let early = output["blockRef"]["l1origin"]["hash"].as_str().unwrap().to_owned();
    drop(dev);

    // Offline: the cache alone gives every verdict again, natively and as the RISC-V guest
    // under qemu.
    let elf = lamina_node::proof::guest::default_elf();
    assert!(elf.is_file(), "{}: build it with scripts/build-program.sh", elf.display());
    let (mut guest_millis, mut steps) = ([0, 0], Vec::new());
    for n in 1..=last {
        let out = &outputs[n as usize - 1];
        let (code, report) = prove(&cache, n, None, &[]);
        assert_eq!((code, &report["output_root"]), (0, &json!(out)), "block {n}");
        assert_eq!(report["fetches"], 0);
        let (code, report) = prove(&cache, n, None, &["--claim", &corrupt(out)]);
        assert_eq!(code, 1, "block {n}: {report}");
        assert_eq!(report["valid"], false);
        for claim in [out.clone(), corrupt(out)] {
            let native = prove(&cache, n, None, &["--claim", &claim]);
            for mode in ["qemu", "vm"] {
                let guest = prove(&cache, n, None, &["--claim", &claim, "--mode", mode]);
                assert_eq!(guest.1["mode"], mode);
                for field in ["valid", "output_root", "l2_block", "blocks_built", "preimages"] {
                    assert_eq!(native.1[field], guest.1[field], "block {n} {field}: {}", guest.1);
                }
                assert_eq!(native.0, guest.0, "block {n}: exit codes in {mode}");
                guest_millis[usize::from(mode == "vm")] += guest.1["millis"].as_u64().unwrap();
                if mode == "vm" && claim == *out {
                    steps.push(guest.1["steps"].as_u64().unwrap());
                }
            }
        }
    }
    // With that early L1 head, derivation runs out of L1 before the last block: the node's
    // true output cannot be shown.
    let (code, report) = prove(&cache, last, None, &["--l1-head", &early]);
    assert_eq!(code, 1, "{report}");
    assert_eq!(report["l2_block"], last - 1, "{report}");
    // A claim equal to the agreed output is right without deriving anything (OP's rule for
    // extending a trace past the disputed block).
    let (code, report) = prove(&cache, last, None, &["--claim", &outputs[last as usize - 2]]);
    assert_eq!((code, &report["blocks_built"]), (0, &json!(0)), "{report}");

    println!(
        "{last} blocks: {} preimages, {} bytes per run; witness JSON {} bytes per block; \
         {} ms per qemu run, {} ms per VM run; VM steps per block {steps:?}",
        preimages / last,
        bytes / last,
        witness_bytes as u64 / last,
        guest_millis[0] / (2 * last),
        guest_millis[1] / (2 * last),
    );
    vm_commands(&cache, last, steps[last as usize - 1], &corrupt(&outputs[last as usize - 1]));
}

/// `lamina proof vm …` as JSON, with its exit code.
fn vm_cmd(args: &[&str]) -> (i32, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_lamina"))
        .args(["proof", "vm"])
        .args(args)
        .arg("--json")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.is_empty(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap(), json(&stdout))
}

/// `lamina proof vm`: the prestate, a run to the exit, a stop with a witness and snapshots, a
/// second run resumed from a snapshot with the same witness, and a wrong claim.
fn vm_commands(cache: &Path, n: u64, steps: u64, wrong: &str) {
    let (code, elf) = vm_cmd(&["load-elf"]);
    assert_eq!(code, 0);
    assert_eq!(elf["prestate"].as_str().unwrap()[..4], *"0x03", "unfinished: {elf}");
    let block = n.to_string();
    let base = ["run", "--l2-block", &block, "--cache", cache.to_str().unwrap()];
    let (code, end) = vm_cmd(&base);
    assert_eq!((code, &end["status"], &end["step"]), (0, &json!("valid"), &json!(steps)), "{end}");
    assert_eq!(end["state_hash"].as_str().unwrap()[..4], *"0x00");

    let snaps = cache.join("snapshots");
    let every = (steps / 5).to_string();
    let (p, stop) = ((steps / 2 + 3).to_string(), (steps * 3 / 4).to_string());
    let mut args = base.to_vec();
    args.extend(["--snapshot-every", &every, "--snapshots", snaps.to_str().unwrap()]);
    args.extend(["--proof-at", &p, "--stop-at", &stop]);
    let (code, first) = vm_cmd(&args);
    assert_eq!(
        (code, &first["status"], &first["resumed_at"]),
        (0, &json!("unfinished"), &json!(0))
    );
    assert_eq!(first["step"], json!(steps * 3 / 4));
    let snapshots = std::fs::read_dir(&snaps).unwrap().count() - 1;
    assert_eq!(snapshots, 3, "snapshots at 1/5, 2/5 and 3/5 of the run");
    // Again: it resumes from the snapshot before the witness's step, and witnesses the same.
    let (_, again) = vm_cmd(&args);
    assert_eq!(again["resumed_at"], json!(steps / 5 * 2));
    assert_eq!(again["proof"], first["proof"]);
    assert_eq!(again["state_hash"], first["state_hash"]);
    // Another run's snapshots are refused; the wrong claim ends invalid.
    let mut wrong_args = args.clone();
    wrong_args.extend(["--claim", wrong]);
    let out = Command::new(env!("CARGO_BIN_EXE_lamina"))
        .args(["proof", "vm"])
        .args(&wrong_args)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("another run"));
    let (code, end) = vm_cmd(&[&base[..], &["--claim", wrong]].concat());
    assert_eq!((code, &end["status"]), (1, &json!("invalid")), "{end}");
    println!("VM: {} MIPS on block {n} ({} pages)", end["mips"], end["pages"]);
}
