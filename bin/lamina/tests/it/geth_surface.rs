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
