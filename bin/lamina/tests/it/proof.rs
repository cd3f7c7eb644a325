//! `lamina proof execute` on blocks of a running `lamina dev`: each block's witness
//! (`debug_executionWitness`), parent header and attributes, read over JSON-RPC as any client
//! would, go into an input file, and the stateless execution reproduces the block hash.

use std::{path::Path, process::Command};

use serde_json::{Value, json};

use crate::{
    clients::{cast, hex_u64, json, tools},
    dev::{Dev, send_l2, start_with},
};

fn rpc(bin: &Path, url: &str, method: &str, params: &[&str]) -> Value {
    let mut args = vec!["rpc", method];
    args.extend(params);
    json(&cast(bin, url, &args).unwrap())
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

#[test]
fn proof_execute_reproduces_every_block_from_its_witness() {
    let bin = tools();
    let dir = tempfile::tempdir().unwrap();
    let dev = start_with(dir.path(), &[]);
    let with_tx = send_l2(&bin, &dev);
    let last = with_tx.max(3);
    for _ in 0..100 {
        let head: u64 = cast(&bin, &dev.l2, &["block-number"]).unwrap().parse().unwrap();
        if head >= last {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let rollup: Value =
        json(&std::fs::read_to_string(dir.path().join("chain/rollup.json")).unwrap());
    let input = dir.path().join("input.json");
    let mut witness_bytes = 0;
    for n in 1..=last {
        let at = format!("{n:#x}");
        let block = rpc(&bin, &dev.l2, "eth_getBlockByNumber", &[&at, "false"]);
        let parent =
            rpc(&bin, &dev.l2, "eth_getBlockByNumber", &[&format!("{:#x}", n - 1), "false"]);
        let witness = rpc(&bin, &dev.l2, "debug_executionWitness", &[&at]);
        witness_bytes += witness.to_string().len();
        let file = json!({
            "rollup_config": rollup,
            "parent_header": parent,
            "attributes": attributes(&bin, &dev, &block),
            "witness": witness,
        });
        std::fs::write(&input, file.to_string()).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_lamina"))
            .args(["proof", "execute", "--json", "--input"])
            .arg(&input)
            .output()
            .unwrap();
        assert!(out.status.success(), "block {n}: {}", String::from_utf8_lossy(&out.stderr));
        let got = json(&String::from_utf8_lossy(&out.stdout));
        assert_eq!(got["block_hash"], block["hash"], "block {n}");
        assert_eq!(got["state_root"], block["stateRoot"], "block {n}");
        assert_eq!(hex_u64(&block["gasUsed"]), got["gas_used"].as_u64().unwrap(), "block {n}");
    }
    println!("witness JSON: {} bytes per block", witness_bytes / last as usize);
}
