//! Output root and withdrawal vectors, including a real `MessagePassed` receipt.

use alloy_primitives::{Address, Bytes, Log, LogData, U256};
use lamina_protocol::{
    output_root::OutputRootV0,
    withdrawal::{WithdrawalTransaction, decode_message_passed},
};

use crate::vectors::{b256, json, unhex};

#[test]
fn output_root_v0_matches() {
    let dir = crate::vectors::dir();
    let v = json(&dir, "extracted/output_root_withdrawals.json");
    for c in v["output_root_v0"].as_array().unwrap() {
        let o = OutputRootV0 {
            state_root: b256(&c["stateRoot"]),
            message_passer_storage_root: b256(&c["messagePasserStorageRoot"]),
            block_hash: b256(&c["blockHash"]),
        };
        assert_eq!(o.preimage().to_vec(), unhex(&c["preimage"]));
        assert_eq!(o.hash(), b256(&c["outputRoot"]));
    }
}

#[test]
fn withdrawal_hash_and_slot_match_and_the_receipt_log_agrees() {
    let dir = crate::vectors::dir();
    let v = json(&dir, "extracted/output_root_withdrawals.json");
    let c = &v["withdrawal_hash"][0];
    let w = WithdrawalTransaction {
        nonce: U256::from(c["nonce"].as_u64().unwrap()),
        sender: c["sender"].as_str().unwrap().parse().unwrap(),
        target: c["target"].as_str().unwrap().parse().unwrap(),
        value: U256::from(c["value"].as_u64().unwrap()),
        gas_limit: U256::from(c["gasLimit"].as_u64().unwrap()),
        data: Bytes::from(unhex(&c["data"])),
    };
    assert_eq!(w.hash(), b256(&c["withdrawalHash"]));
    assert_eq!(w.storage_slot(), b256(&c["derived_sentMessages_storage_key"]));

    let receipt = json(&dir, "optimism/bridge-withdrawal-receipt.json");
    let l = &receipt["logs"][2];
    let log = Log {
        address: l["address"].as_str().unwrap().parse::<Address>().unwrap(),
        data: LogData::new_unchecked(
            l["topics"].as_array().unwrap().iter().map(b256).collect(),
            unhex(&l["data"]).into(),
        ),
    };
    let (decoded, logged_hash) = decode_message_passed(&log).unwrap();
    assert_eq!(decoded, w);
    assert_eq!(logged_hash, w.hash());
}
