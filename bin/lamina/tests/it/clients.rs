//! Real clients against `lamina engine --dev` run as a process: cast (foundry) and a viem
//! script deploy a contract, transfer, read receipts with the OP fields, estimate gas, call,
//! read logs and proofs; the proofs are verified here against the block's state root.

use std::{
    io::{BufRead, BufReader},
    path::PathBuf,
    process::{Child, Command, Stdio},
};

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_trie::{Nibbles, TrieAccount, proof::verify_proof};
use serde_json::Value;

/// anvil's second dev key and its address, funded in `scripts/dev-genesis.json`.
pub(crate) const KEY: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
pub(crate) const ADDRESS: &str = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
/// A key with no funds.
pub(crate) const POOR_KEY: &str =
    "0x0000000000000000000000000000000000000000000000000000000000000abc";

pub(crate) fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The npm tools (`npm ci --prefix tools`: cast, anvil, viem); a test that needs them fails
/// when they are missing.
pub(crate) fn tools() -> PathBuf {
    let bin = repo().join("tools/node_modules/.bin");
    let has_node = Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success());
    assert!(
        has_node && bin.join("cast").is_file() && repo().join("tools/node_modules/viem").is_dir(),
        "node and tools/node_modules are required (run scripts/test.sh)"
    );
    bin
}

/// A `lamina` server process, killed on drop.
pub(crate) struct Server {
    child: Child,
    pub(crate) url: String,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn start_engine() -> Server {
    // The README's dev genesis: anvil's ten dev accounts funded.
    let genesis = repo().join("scripts/dev-genesis.json");
    spawn(|dir, cmd| {
        cmd.args(["engine", "--genesis"])
            .arg(&genesis)
            .arg("--datadir")
            .arg(dir.join("data"))
            .arg("--jwt-secret")
            .arg(dir.join("jwt.hex"))
            .args(["--http.port", "0", "--authrpc.port", "0", "--dev", "--dev.block-time", "250"]);
    })
}

/// Starts `lamina` with the arguments `args` adds (given a fresh directory); the server's
/// first stdout line is `http: ADDR`.
pub(crate) fn spawn(args: impl FnOnce(&std::path::Path, &mut Command)) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lamina"));
    args(dir.path(), &mut cmd);
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().unwrap().unwrap();
    let addr = first.strip_prefix("http: ").unwrap_or_else(|| panic!("unexpected: {first}"));
    // Keep draining stdout so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server { child, url: format!("http://{addr}"), _dir: dir }
}

/// A contract: a 36-byte call (`set(uint256)`) stores the argument in slot 0 and emits
/// `Stored(uint256)`; any other call returns slot 0 (`get()`).
pub(crate) fn initcode() -> String {
    let topic = keccak256("Stored(uint256)");
    let mut runtime = vec![
        0x36, 0x60, 0x24, 0x14, 0x60, 0x12, 0x57, // if calldatasize == 36 goto set
        0x60, 0x00, 0x54, 0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3, // return slot 0
        0x5b, 0x60, 0x04, 0x35, 0x80, 0x60, 0x00, 0x55, // set: slot 0 = arg
        0x60, 0x00, 0x52, 0x7f, // mem[0] = arg; push topic
    ];
    runtime.extend_from_slice(topic.as_slice());
    runtime.extend_from_slice(&[0x60, 0x20, 0x60, 0x00, 0xa1, 0x00]); // log1(0, 32, topic)
    let len = runtime.len() as u8;
    let mut code = vec![0x60, len, 0x60, 12, 0x60, 0x00, 0x39, 0x60, len, 0x60, 0x00, 0xf3];
    code.extend(runtime);
    format!("0x{}", alloy_primitives::hex::encode(code))
}

pub(crate) fn cast(bin: &std::path::Path, url: &str, args: &[&str]) -> Result<String, String> {
    // Options go before the positional arguments (`cast send --create CODE` takes the rest).
    let out = Command::new(bin.join("cast"))
        .arg(args[0])
        .args(["--rpc-url", url])
        .args(&args[1..])
        .output()
        .unwrap();
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// Output `index` of the L2OutputOracle at `oracle`, read with cast: (root, L2 block).
pub(crate) fn l2_output(
    bin: &std::path::Path,
    l1: &str,
    oracle: &str,
    index: &str,
) -> (String, u64) {
    let sig = "getL2Output(uint256)((bytes32,uint128,uint128))";
    let posted = cast(bin, l1, &["call", oracle, sig, index]).unwrap();
    // `(0xroot, timestamp, l2BlockNumber)`, numbers perhaps followed by `[1e3]`.
    let fields: Vec<&str> = posted.trim_matches(|c| c == '(' || c == ')').split(", ").collect();
    let block = fields[2].split_whitespace().next().unwrap().parse().unwrap();
    (fields[0].to_owned(), block)
}

/// Waits (at most 30 s) until the oracle holds at least `least` outputs, then checks every
/// one against the verifier's `optimism_outputAtBlock`; returns how many there are.
pub(crate) fn outputs_match(
    bin: &std::path::Path,
    l1: &str,
    oracle: &str,
    verifier_rpc: &str,
    least: u64,
) -> u64 {
    let count = || -> u64 {
        cast(bin, l1, &["call", oracle, "nextOutputIndex()(uint256)"]).unwrap().parse().unwrap()
    };
    for _ in 0..300 {
        if count() >= least {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let n = count();
    assert!(n >= least, "only {n} outputs proposed");
    for i in 0..n {
        let (root, block) = l2_output(bin, l1, oracle, &i.to_string());
        let at = format!("{block:#x}");
        let want = json(&cast(bin, verifier_rpc, &["rpc", "optimism_outputAtBlock", &at]).unwrap());
        assert_eq!(root, want["outputRoot"].as_str().unwrap(), "output {i} (block {block})");
    }
    n
}

pub(crate) fn json(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("{e}: {s}"))
}

/// A JSON quantity, or a 32-byte word holding a small number, as a u64.
pub(crate) fn hex_u64(v: &Value) -> u64 {
    match v {
        Value::String(s) => {
            let digits = s.trim_start_matches("0x").trim_start_matches('0');
            if digits.is_empty() { 0 } else { u64::from_str_radix(digits, 16).unwrap() }
        }
        Value::Number(n) => n.as_u64().unwrap(),
        other => panic!("not a number: {other}"),
    }
}

fn bytes_list(v: &Value) -> Vec<Bytes> {
    v.as_array().unwrap().iter().map(|b| b.as_str().unwrap().parse().unwrap()).collect()
}

/// Verifies an `eth_getProof` answer for `address` and storage slot 0 against `state_root`.
pub(crate) fn verify(state_root: B256, address: Address, proof: &Value) {
    let u256 = |v: &Value| -> U256 { v.as_str().unwrap().parse().unwrap() };
    let account = TrieAccount {
        nonce: hex_u64(&proof["nonce"]),
        balance: u256(&proof["balance"]),
        storage_root: proof["storageHash"].as_str().unwrap().parse().unwrap(),
        code_hash: proof["codeHash"].as_str().unwrap().parse().unwrap(),
    };
    verify_proof(
        state_root,
        Nibbles::unpack(keccak256(address)),
        Some(alloy_rlp::encode(account)),
        &bytes_list(&proof["accountProof"]),
    )
    .expect("account proof");
    let slot = &proof["storageProof"][0];
    let value = u256(&slot["value"]);
    verify_proof(
        account.storage_root,
        Nibbles::unpack(keccak256(B256::ZERO)),
        (!value.is_zero()).then(|| alloy_rlp::encode(value)),
        &bytes_list(&slot["proof"]),
    )
    .expect("storage proof");
}

#[test]
fn cast_drives_the_engine() {
    let bin = tools();
    let e = start_engine();
    let url = e.url.as_str();
    assert_eq!(cast(&bin, url, &["chain-id"]).unwrap(), "901");

    let deployed = json(
        &cast(&bin, url, &["send", "--private-key", KEY, "--json", "--create", &initcode()])
            .unwrap(),
    );
    assert_eq!(deployed["status"], "0x1");
    let contract = deployed["contractAddress"].as_str().unwrap().to_owned();

    let estimate: u64 =
        cast(&bin, url, &["estimate", "--from", ADDRESS, &contract, "set(uint256)", "42"])
            .unwrap()
            .parse()
            .unwrap();
    let set = json(
        &cast(
            &bin,
            url,
            &["send", "--private-key", KEY, "--json", &contract, "set(uint256)", "42"],
        )
        .unwrap(),
    );
    assert_eq!(set["status"], "0x1");
    let used = hex_u64(&set["gasUsed"]);
    // `cast send --json` prints the receipt as an Ethereum one; the raw RPC answer has the
    // OP fields.
    let hash = set["transactionHash"].as_str().unwrap();
    let set = json(&cast(&bin, url, &["rpc", "eth_getTransactionReceipt", hash]).unwrap());
    assert!(
        estimate >= used && estimate <= used * 11 / 10 + 3000,
        "estimate {estimate}, used {used}"
    );
    for f in [
        "l1Fee",
        "l1GasUsed",
        "l1GasPrice",
        "l1BaseFeeScalar",
        "l1BlobBaseFee",
        "l1BlobBaseFeeScalar",
        "operatorFeeScalar",
        "operatorFeeConstant",
    ] {
        assert!(set[f].is_string(), "receipt field {f}: {set}");
    }
    assert!(hex_u64(&set["l1Fee"]) > 0);
    assert_eq!(cast(&bin, url, &["call", &contract, "get()(uint256)"]).unwrap(), "42");

    let transfer = json(
        &cast(
            &bin,
            url,
            &[
                "send",
                "--private-key",
                KEY,
                "--json",
                "--value",
                "1ether",
                "0x000000000000000000000000000000000000dEaD",
            ],
        )
        .unwrap(),
    );
    assert_eq!(transfer["status"], "0x1");
    assert_eq!(
        cast(&bin, url, &["balance", "0x000000000000000000000000000000000000dEaD"]).unwrap(),
        "1000000000000000000"
    );

    let logs = json(
        &cast(&bin, url, &["logs", "--json", "--from-block", "0", "--address", &contract]).unwrap(),
    );
    let logs = logs.as_array().unwrap();
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0]["topics"][0], json(&format!("\"{}\"", keccak256("Stored(uint256)"))));
    assert_eq!(
        U256::from_str_radix(logs[0]["data"].as_str().unwrap().trim_start_matches("0x"), 16)
            .unwrap(),
        U256::from(42)
    );

    // eth_getProof at the set block, verified against that block's state root.
    let number = hex_u64(&set["blockNumber"]).to_string();
    let block = json(&cast(&bin, url, &["block", &number, "--json"]).unwrap());
    let root: B256 = block["stateRoot"].as_str().unwrap().parse().unwrap();
    let proof =
        json(&cast(&bin, url, &["proof", &contract, "0x0", "--block", &number, "--json"]).unwrap());
    verify(root, contract.parse().unwrap(), &proof);

    // A tx the pool refuses is reported, not sent.
    let err = cast(
        &bin,
        url,
        &[
            "send",
            "--private-key",
            POOR_KEY,
            "--gas-limit",
            "21000",
            "--gas-price",
            "2gwei",
            "0x000000000000000000000000000000000000dEaD",
        ],
    )
    .unwrap_err();
    assert!(err.contains("insufficient funds"), "{err}");
    let tx = json(
        &cast(&bin, url, &["tx", set["transactionHash"].as_str().unwrap(), "--json"]).unwrap(),
    );
    assert_eq!(tx["hash"], set["transactionHash"]);
}

#[test]
fn viem_drives_the_engine() {
    tools();
    let e = start_engine();
    let out = Command::new("node")
        .arg(repo().join("tools/clients/engine.mjs"))
        .args([e.url.as_str(), KEY, &initcode()])
        .output()
        .unwrap();
    assert!(out.status.success(), "viem: {}", String::from_utf8_lossy(&out.stderr));
    let r = json(String::from_utf8_lossy(&out.stdout).trim());
    // The proof viem read, checked against the block's state root.
    let root: B256 = r["stateRoot"].as_str().unwrap().parse().unwrap();
    let account_proof = bytes_list(&r["proof"]["accountProof"]);
    assert_eq!(keccak256(&account_proof[0]), root, "the account proof starts at the state root");
    let storage_root: B256 = r["proof"]["storageHash"].as_str().unwrap().parse().unwrap();
    verify_proof(
        storage_root,
        Nibbles::unpack(keccak256(B256::ZERO)),
        Some(alloy_rlp::encode(U256::from(7))),
        &bytes_list(&r["proof"]["storageProof"]),
    )
    .expect("storage proof");
}

/// An anvil process, killed on drop.
pub(crate) struct Anvil(Child);

impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts anvil (chain 900, instant mining) from the npm tools; returns it and its URL.
pub(crate) fn anvil(bin: &std::path::Path) -> (Anvil, String) {
    anvil_with(bin, &["--chain-id", "900"])
}

/// Starts anvil with these flags on a free port; returns it and its URL.
pub(crate) fn anvil_with(bin: &std::path::Path, args: &[&str]) -> (Anvil, String) {
    let mut child = Command::new(bin.join("anvil"))
        .args(["--port", "0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let anvil = Anvil(child);
    let addr = loop {
        let line = lines.next().expect("anvil exited").unwrap();
        if let Some(addr) = line.strip_prefix("Listening on ") {
            break addr.trim().to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    (anvil, format!("http://{addr}"))
}
