//! Deposit vectors: source hashes, log → tx, reject cases, full deposit txs, upgrade txs.

use alloy_primitives::{Address, B256, Log, LogData, TxKind, U256, keccak256};
use lamina_protocol::deposit::{DepositLogError, DepositSource, TxDeposit, decode_deposit_log};
use serde_json::Value;

use crate::vectors::{b256, json, unhex};

#[test]
fn every_source_hash_domain_matches() {
    let dir = crate::vectors::dir();
    let v = json(&dir, "extracted/deposits.json");
    let cases = v["source_hashes"].as_array().unwrap();
    assert_eq!(cases.len(), 20);
    for c in cases {
        let kind = c["kind"].as_str().unwrap();
        let src = match kind {
            "upgrade" => DepositSource::Upgrade { intent: c["intent"].as_str().unwrap() },
            "l1_info" => DepositSource::L1Info {
                l1_block_hash: b256(&c["l1BlockHash"]),
                seq_number: c["seqNumber"].as_u64().unwrap(),
            },
            "user_deposit" => DepositSource::User {
                l1_block_hash: b256(&c["l1BlockHash"]),
                log_index: c["logIndex"].as_u64().unwrap(),
            },
            k if k.starts_with("after_force_include") => DepositSource::AfterForceInclude {
                l1_block_hash: b256(&c["l1BlockHash"]),
                seq_number: c["seqNumber"].as_u64().unwrap(),
            },
            other => panic!("unknown kind {other}"),
        };
        assert_eq!(src.source_hash(), b256(&c["sourceHash"]), "{kind} {c}");
    }
}

fn log_of(c: &Value) -> Log {
    let topics: Vec<B256> = c["topics"].as_array().unwrap().iter().map(b256).collect();
    Log { address: Address::ZERO, data: LogData::new_unchecked(topics, unhex(&c["data"]).into()) }
}

#[test]
fn transaction_deposited_logs_become_the_expected_txs() {
    let dir = crate::vectors::dir();
    let v = json(&dir, "extracted/deposits.json");
    for c in v["transaction_deposited_log_to_tx"].as_array().unwrap() {
        let tx = decode_deposit_log(
            &log_of(c),
            b256(&c["l1BlockHash"]),
            c["logIndex"].as_u64().unwrap(),
        )
        .unwrap_or_else(|e| panic!("{}: {e}", c["name"]));
        assert_eq!(tx.encoded_2718(), unhex(&c["expected_tx"]), "{}", c["name"]);
    }
}

#[test]
fn malformed_deposit_logs_are_rejected_with_their_reason() {
    let dir = crate::vectors::dir();
    let v = json(&dir, "extracted/deposits.json");
    let good = &v["transaction_deposited_log_to_tx"][1];
    let rejects = v["transaction_deposited_log_to_tx_rejects"].as_array().unwrap();
    for c in rejects {
        let expect = c["expect"].as_str().unwrap();
        let mut log = log_of(good);
        if c.get("data").is_some() {
            log.data = LogData::new_unchecked(log.data.topics().to_vec(), unhex(&c["data"]).into());
        } else {
            let mut topics = log.data.topics().to_vec();
            topics[3] = B256::with_last_byte(1);
            log.data = LogData::new_unchecked(topics, log.data.data.clone());
        }
        let err = decode_deposit_log(&log, B256::ZERO, 0).unwrap_err();
        let ok = match &err {
            DepositLogError::InvalidOpaqueDataLength { .. } => {
                expect.contains("InvalidOpaqueDataLength")
            }
            DepositLogError::UnalignedData(_) => expect.contains("UnalignedData"),
            DepositLogError::InvalidVersion(_) => expect.contains("InvalidVersion"),
            _ => false,
        };
        assert!(ok, "{}: got {err:?}, expected {expect}", c["name"]);
    }
    // Topic-level rejects.
    let mut log = log_of(good);
    log.data = LogData::new_unchecked(log.data.topics()[..3].to_vec(), log.data.data.clone());
    assert_eq!(decode_deposit_log(&log, B256::ZERO, 0), Err(DepositLogError::TopicCount(3)));
}

fn check_fields(tx: &TxDeposit, d: &Value, label: &str) {
    assert_eq!(tx.source_hash, b256(&d["sourceHash"]), "{label}");
    let from = d.get("from").or_else(|| d.get("from_")).unwrap();
    assert_eq!(tx.from, from.as_str().unwrap().parse::<Address>().unwrap(), "{label}");
    match d["to"].as_str() {
        Some(to) => assert_eq!(tx.to, TxKind::Call(to.parse().unwrap()), "{label}"),
        None => assert_eq!(tx.to, TxKind::Create, "{label}"),
    }
    assert_eq!(U256::from(tx.mint), U256::from(d["mint"].as_u64().unwrap()), "{label}");
    assert_eq!(tx.value, U256::from(d["value"].as_u64().unwrap()), "{label}");
    assert_eq!(tx.gas_limit, d["gas"].as_u64().unwrap(), "{label}");
    assert_eq!(tx.is_system_transaction, d["isSystemTx"].as_bool().unwrap(), "{label}");
    assert_eq!(tx.input.len() as u64, d["data_len"].as_u64().unwrap(), "{label}");
    assert_eq!(tx.tx_hash(), b256(&d["tx_hash"]), "{label}");
}

#[test]
fn full_deposit_txs_decode_and_reencode_identically() {
    let dir = crate::vectors::dir();
    let v = json(&dir, "extracted/deposits.json");
    for c in v["deposit_tx_rlp"].as_array().unwrap() {
        let raw = unhex(&c["raw"]);
        let tx = TxDeposit::decode_2718(&raw).unwrap();
        assert_eq!(tx.encoded_2718(), raw);
        check_fields(&tx, &c["decoded (derived)"], c["name"].as_str().unwrap());
    }
}

#[test]
fn upgrade_txs_decode_with_their_intent_source_hashes() {
    let dir = crate::vectors::dir();
    let v = json(&dir, "extracted/deposits.json");
    let decoded = v["upgrade_txs_files"]["decoded (derived, sourceHash matched to intent)"]
        .as_object()
        .unwrap();
    assert_eq!(decoded.len(), 17);
    for (name, d) in decoded {
        let text =
            std::fs::read_to_string(dir.join(format!("kona/upgrade_txs/{name}.hex"))).unwrap();
        let raw = alloy_primitives::hex::decode(text.trim()).unwrap();
        let tx = TxDeposit::decode_2718(&raw).unwrap();
        assert_eq!(tx.encoded_2718(), raw, "{name}");
        check_fields(&tx, d, name);
        assert_eq!(keccak256(&tx.input), b256(&d["data_keccak"]), "{name}");
        let intent = d["intent"].as_str().unwrap();
        assert_eq!(DepositSource::Upgrade { intent }.source_hash(), tx.source_hash, "{name}");
    }
}

#[test]
fn deposit_receipts_match_op_alloy_encodings() {
    // The vector strings (op-alloy's regolith/canyon round-trip tests) have an odd number of hex
    // digits: one zero nibble is missing inside the all-zero 256-byte bloom (the RLP headers say
    // 275/276 bytes). So we compare structurally: every digit before and after the bloom must
    // match exactly, and the bloom must be all zeros. The receipts carry no logs.
    let dir = crate::vectors::dir();
    let v = json(&dir, "extracted/deposits.json");
    let cases = v["deposit_receipts"].as_array().unwrap();
    assert_eq!(cases.len(), 2);
    for c in cases {
        let f = &c["fields"];
        let r = lamina_protocol::deposit::DepositReceipt::new(
            f["status"].as_u64().unwrap() == 1,
            f["cumulativeGasUsed"].as_u64().unwrap(),
            vec![],
            f["depositNonce"].as_u64(),
            f["depositReceiptVersion"].as_u64(),
        );
        let inner = r.encoded_2718();
        let mut network = Vec::new();
        alloy_rlp::Encodable::encode(&inner.as_slice(), &mut network);
        assert_eq!(lamina_protocol::deposit::DepositReceipt::decode_2718(&inner).unwrap(), r);

        let ours = alloy_primitives::hex::encode(&network);
        let theirs = c["network_encoding"].as_str().unwrap().trim_start_matches("0x");
        let bloom_at = ours.find("b90100").unwrap() + 6;
        let after_bloom = bloom_at + 512;
        assert_eq!(theirs[..bloom_at], ours[..bloom_at], "{}: prefix", c["name"]);
        let tail = ours.len() - after_bloom;
        assert_eq!(theirs[theirs.len() - tail..], ours[after_bloom..], "{}: suffix", c["name"]);
        assert!(theirs[bloom_at..theirs.len() - tail].bytes().all(|b| b == b'0'));
    }
}
