//! `lamina l1`, the dev L1 as a process, driven by cast as anvil users drive anvil: funded
//! dev accounts, transfers, contract creation, calls, estimates, logs, proofs verified against
//! the block's state root, pending nonces, `evm_mine`, refusals worded as geth's.

use crate::clients::{cast, hex_u64, initcode, json, spawn, tools, verify};

/// anvil's first dev key, funded by the dev L1's genesis.
const KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const ADDRESS: &str = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const DEAD: &str = "0x000000000000000000000000000000000000dEaD";

#[test]
fn cast_drives_the_dev_l1() {
    let bin = tools();
    let l1 = spawn(|dir, cmd| {
        cmd.args(["l1", "--http.port", "0", "--datadir"]).arg(dir.join("l1"));
    });
    let url = l1.url.as_str();
    let run = |args: &[&str]| cast(&bin, url, args).unwrap_or_else(|e| panic!("{args:?}: {e}"));
    assert_eq!(run(&["chain-id"]), "900");
    assert_eq!(run(&["block-number"]), "0");
    assert_eq!(run(&["balance", ADDRESS]), "10000000000000000000000");
    // Multicall3 is at its usual address from genesis.
    assert_eq!(
        run(&["call", "0xcA11bde05977b3631167028862bE2a173976CA11", "getChainId()(uint256)"]),
        "900"
    );

    // Instant mining: each tx is a block.
    let deployed = json(&run(&["send", "--private-key", KEY, "--json", "--create", &initcode()]));
    assert_eq!(deployed["status"], "0x1");
    assert_eq!(run(&["block-number"]), "1");
    let contract = deployed["contractAddress"].as_str().unwrap().to_owned();
    let estimate: u64 =
        run(&["estimate", "--from", ADDRESS, &contract, "set(uint256)", "42"]).parse().unwrap();
    let set =
        json(&run(&["send", "--private-key", KEY, "--json", &contract, "set(uint256)", "42"]));
    assert_eq!(set["status"], "0x1");
    let used = hex_u64(&set["gasUsed"]);
    assert!(estimate >= used && estimate <= used * 11 / 10 + 3000, "{estimate} vs {used}");
    assert_eq!(run(&["call", &contract, "get()(uint256)"]), "42");
    let logs = json(&run(&["logs", "--json", "--from-block", "0", "--address", &contract]));
    assert_eq!(logs.as_array().unwrap().len(), 1);
    assert_eq!(logs[0]["transactionHash"], set["transactionHash"]);

    let number = hex_u64(&set["blockNumber"]).to_string();
    let block = json(&run(&["block", &number, "--json"]));
    let root = block["stateRoot"].as_str().unwrap().parse().unwrap();
    let proof = json(&run(&["proof", &contract, "0x0", "--block", &number, "--json"]));
    verify(root, contract.parse().unwrap(), &proof);
    let tx = json(&run(&["tx", set["transactionHash"].as_str().unwrap(), "--json"]));
    assert_eq!(tx["from"].as_str().unwrap().to_lowercase(), ADDRESS.to_lowercase());

    run(&["send", "--private-key", KEY, "--value", "1ether", DEAD]);
    assert_eq!(run(&["balance", DEAD]), "1000000000000000000");
    assert_eq!(run(&["nonce", ADDRESS]), "3");

    // evm_mine makes an empty block; fee reads see it.
    run(&["rpc", "evm_mine"]);
    let head = json(&run(&["block", "latest", "--json"]));
    assert_eq!(hex_u64(&head["number"]), 4);
    assert_eq!(head["transactions"].as_array().unwrap().len(), 0);
    let history = json(&run(&["rpc", "eth_feeHistory", "0x4", "latest", "[50]"]));
    assert_eq!(history["baseFeePerGas"].as_array().unwrap().len(), 5);
    assert_eq!(history["baseFeePerBlobGas"].as_array().unwrap().len(), 5);
    assert!(hex_u64(&json(&run(&["rpc", "eth_blobBaseFee"]))) >= 1);

    // Refusals, worded as geth words them.
    let poor = "0x0000000000000000000000000000000000000000000000000000000000000abc";
    let err = cast(&bin, url, &["send", "--private-key", poor, "--gas-limit", "21000", DEAD])
        .unwrap_err();
    assert!(err.contains("insufficient funds"), "{err}");
    let err = cast(
        &bin,
        url,
        &["send", "--private-key", KEY, "--nonce", "0", "--gas-limit", "21000", DEAD],
    )
    .unwrap_err();
    assert!(err.contains("nonce too low"), "{err}");
    assert_eq!(run(&["block-number"]), "4");
}

#[test]
fn bench_l1_runs_and_reports() {
    // A tiny run: the benchmark must keep working, whatever its numbers.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_lamina"))
        .args(["bench", "l1", "--empty-blocks", "5", "--full-blocks", "2"])
        .args(["--txs-per-block", "10", "--requests", "40"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    for line in ["empty blocks", "full blocks", "inclusion", "eth_getBalance", "eth_call"] {
        assert!(stdout.contains(line), "{line} missing from:\n{stdout}");
    }
}
