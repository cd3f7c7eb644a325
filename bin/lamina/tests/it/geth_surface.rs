//! Where geth's RPC answers are what clients compare against, `lamina engine` answers as anvil
//! (geth's behaviour) does, side by side: a plain transfer estimates at exactly 21,000, and a tx
//! sent raw comes back byte for byte from `eth_getRawTransactionByHash` and
//! `debug_getRawTransaction` (pooled or mined; an unknown hash is null). The block-level raw
//! reads anvil lacks (`debug_getRawHeader|Block|Receipts`) are checked by decoding them: the
//! header hashes to the block's hash, the block holds the header and the txs, the receipts
//! decode, one per tx.

use alloy_consensus::{Block, Header};
use alloy_eips::eip2718::Decodable2718;
use alloy_primitives::{Bytes, keccak256};
use op_alloy_consensus::{OpReceiptEnvelope, OpTxEnvelope};

use crate::clients::{anvil, cast, json, start_engine, tools};

const KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const FROM: &str = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const TO: &str = "0x000000000000000000000000000000000000dEaD";

fn bytes(s: &str) -> Bytes {
    json(s).as_str().unwrap().parse().unwrap()
}

#[test]
fn lamina_engine_answers_as_anvil_does() {
    let bin = tools();
    let e = start_engine();
    let (_anvil, a) = anvil(&bin);
    for url in [e.url.as_str(), a.as_str()] {
        let gas = cast(&bin, url, &["estimate", "--from", FROM, TO, "--value", "1"]).unwrap();
        assert_eq!(gas, "21000", "{url}");
        // A tx signed here, sent raw, read back raw.
        let raw = cast(&bin, url, &["mktx", "--private-key", KEY, TO, "--value", "7"]).unwrap();
        let hash = keccak256(raw.parse::<Bytes>().unwrap()).to_string();
        cast(&bin, url, &["publish", &raw]).unwrap();
        for method in ["eth_getRawTransactionByHash", "debug_getRawTransaction"] {
            let got = cast(&bin, url, &["rpc", method, &hash]).unwrap();
            assert_eq!(bytes(&got).to_string(), raw, "{method} on {url}");
            let none =
                cast(&bin, url, &["rpc", method, &format!("0x{}", "ab".repeat(32))]).unwrap();
            assert_eq!(none, "null", "{method} of an unknown tx on {url}");
        }
    }

    // The raw block reads, on a block holding a tx.
    let url = e.url.as_str();
    let sent = json(
        &cast(&bin, url, &["send", "--private-key", KEY, "--json", TO, "--value", "3"]).unwrap(),
    );
    let number = sent["blockNumber"].as_str().unwrap().to_owned();
    let block = json(&cast(&bin, url, &["rpc", "eth_getBlockByNumber", &number, "false"]).unwrap());
    let header = bytes(&cast(&bin, url, &["rpc", "debug_getRawHeader", &number]).unwrap());
    assert_eq!(keccak256(&header).to_string(), block["hash"].as_str().unwrap());
    let raw_block = bytes(&cast(&bin, url, &["rpc", "debug_getRawBlock", &number]).unwrap());
    let decoded: Block<OpTxEnvelope, Header> =
        alloy_rlp::Decodable::decode(&mut raw_block.as_ref()).unwrap();
    assert_eq!(decoded.header.hash_slow().to_string(), block["hash"].as_str().unwrap());
    let txs = block["transactions"].as_array().unwrap();
    assert_eq!(decoded.body.transactions.len(), txs.len());
    assert_eq!(decoded.body.withdrawals.as_ref().map(|w| w.len()), Some(0), "Canyon's empty list");
    let receipts = json(&cast(&bin, url, &["rpc", "debug_getRawReceipts", &number]).unwrap());
    let receipts = receipts.as_array().unwrap();
    assert_eq!(receipts.len(), txs.len());
    for r in receipts {
        let b: Bytes = r.as_str().unwrap().parse().unwrap();
        OpReceiptEnvelope::decode_2718(&mut b.as_ref()).unwrap();
    }
    let err = cast(&bin, url, &["rpc", "debug_getRawBlock", "0xffffff"]).unwrap_err();
    assert!(err.contains("not found"), "{err}");
}

/// A contract that returns `runtime` as its code.
fn initcode(runtime: &str) -> String {
    let len = runtime.len() / 2;
    assert!(len < 256);
    // PUSH1 len PUSH1 12 PUSH1 0 CODECOPY PUSH1 len PUSH1 0 RETURN, then the runtime.
    format!("0x60{len:02x}600c60003960{len:02x}6000f3{runtime}")
}

fn deploy(bin: &std::path::Path, url: &str, runtime: &str) -> String {
    let create = ["send", "--private-key", KEY, "--json", "--create", &initcode(runtime)];
    let r = json(&cast(bin, url, &create).unwrap());
    r["contractAddress"].as_str().unwrap().to_owned()
}

/// geth's estimator on both: a call that needs more than it uses (a forwarded call under the
/// 63/64 rule) is bisected to within 1.5% (the two agree that closely, and our answer is
/// enough); one that never ends names the cap it ran out at, the block's or the caller's; a
/// gas limit below 21,000 is ignored. Where anvil parts from geth (it estimates for a sender
/// that cannot pay) ours answers as geth.
#[test]
fn estimates_bisect_and_fail_as_geth_and_anvil_do() {
    let bin = tools();
    let e = start_engine();
    let (_anvil, a) = anvil(&bin);
    let mut estimates = Vec::new();
    for url in [e.url.as_str(), a.as_str()] {
        // NUMBER PUSH1 0 SSTORE STOP: a fresh slot, 22,100 gas.
        let store = deploy(&bin, url, "4360005500");
        // CALL(gas, store, 0, 0, 0, 0, 0); revert if it failed (JUMPDEST at 0x26).
        let forward = format!("{}73{}5af115602657005b600080fd", "6000".repeat(5), &store[2..]);
        let forward = deploy(&bin, url, &forward);
        let gas: u64 =
            cast(&bin, url, &["estimate", "--from", FROM, &forward]).unwrap().parse().unwrap();
        let limit = gas.to_string();
        let send = ["send", "--private-key", KEY, "--json", "--gas-limit", &limit, &forward];
        let sent = json(&cast(&bin, url, &send).unwrap());
        assert_eq!(sent["status"], "0x1", "the estimate is enough on {url}: {sent}");
        let used =
            u64::from_str_radix(sent["gasUsed"].as_str().unwrap().trim_start_matches("0x"), 16)
                .unwrap();
        assert!(gas > used, "63/64: the limit needed ({gas}) is above the gas used ({used})");
        estimates.push(gas);

        // An endless loop (JUMPDEST PUSH1 0 JUMP) runs out at the cap.
        let spin = deploy(&bin, url, "5b600056");
        let err = cast(&bin, url, &["estimate", "--from", FROM, &spin]).unwrap_err();
        assert!(
            err.contains("gas required exceeds allowance") && err.contains("30000000"),
            "{err}"
        );
        let err = cast(&bin, url, &["estimate", "--from", FROM, &spin, "--gas-limit", "50000"])
            .unwrap_err();
        assert!(err.contains("gas required exceeds allowance") && err.contains("50000"), "{err}");
        // Too little gas to be a limit: ignored.
        let gas =
            cast(&bin, url, &["estimate", "--from", FROM, TO, "--gas-limit", "20000"]).unwrap();
        assert_eq!(gas, "21000", "{url}");
    }
    let (ours, anvils) = (estimates[0] as f64, estimates[1] as f64);
    assert!((ours - anvils).abs() / anvils < 0.015, "ours {ours}, anvil {anvils}");

    // A sender with nothing, a fee given: geth refuses (anvil answers 21000 regardless).
    let poor = "0x0000000000000000000000000000000000001234";
    let err =
        cast(&bin, &e.url, &["estimate", "--from", poor, TO, "--gas-price", "1gwei"]).unwrap_err();
    assert!(err.contains("insufficient funds for transfer"), "{err}");
    // Without a fee nothing is charged: 21000.
    let gas = cast(&bin, &e.url, &["estimate", "--from", poor, TO]).unwrap();
    assert_eq!(gas, "21000");
    eprintln!("forwarded call: ours {ours}, anvil {anvils}");
}
