//! L1-info calldata vectors for the three formats, and the full L1-info deposits.

use alloy_primitives::{B256, U256};
use lamina_protocol::{
    deposit::TxDeposit,
    l1_info::{L1BlockInfoTx, L1InfoEcotone},
};
use serde_json::Value;

use crate::vectors::{json, unhex};

fn check_ecotone(e: &L1InfoEcotone, x: &Value) {
    assert_eq!(u64::from(e.base_fee_scalar), x["baseFeeScalar"]);
    assert_eq!(u64::from(e.blob_base_fee_scalar), x["blobBaseFeeScalar"]);
    assert_eq!(e.sequence_number, x["sequenceNumber"]);
    assert_eq!(e.timestamp, x["l1BlockTimestamp"]);
    assert_eq!(e.number, x["l1BlockNumber"]);
    assert_eq!(e.base_fee, U256::from(x["basefee"].as_u64().unwrap()));
    assert_eq!(e.blob_base_fee, U256::from(x["blobBaseFee"].as_u64().unwrap()));
    assert_eq!(e.block_hash, x["l1BlockHash"].as_str().unwrap().parse::<B256>().unwrap());
    assert_eq!(e.batcher_hash, x["batcherHash"].as_str().unwrap().parse::<B256>().unwrap());
}

#[test]
fn all_three_calldata_formats_decode_and_reencode() {
    let dir = crate::vectors::dir();
    let v = json(&dir, "extracted/l1_info.json");
    let cases = v["calldata"].as_array().unwrap();
    assert_eq!(cases.len(), 3);
    for c in cases {
        let data = unhex(&c["calldata"]);
        assert_eq!(data.len() as u64, c["length"]);
        let info = L1BlockInfoTx::decode_calldata(&data).unwrap();
        assert_eq!(info.encode_calldata().to_vec(), data);
        let x = &c["expected"];
        match (c["fork"].as_str().unwrap(), &info) {
            ("bedrock", L1BlockInfoTx::Bedrock(b)) => {
                assert_eq!(b.number, x["number"]);
                assert_eq!(b.timestamp, x["timestamp"]);
                assert_eq!(b.base_fee, U256::from(x["basefee"].as_u64().unwrap()));
                assert_eq!(b.block_hash, x["hash"].as_str().unwrap().parse::<B256>().unwrap());
                assert_eq!(b.sequence_number, x["sequenceNumber"]);
                assert_eq!(
                    b.batcher_hash,
                    x["batcherHash"].as_str().unwrap().parse::<B256>().unwrap()
                );
                assert_eq!(b.l1_fee_overhead, U256::from(x["l1FeeOverhead"].as_u64().unwrap()));
                assert_eq!(b.l1_fee_scalar, U256::from(x["l1FeeScalar"].as_u64().unwrap()));
            }
            ("ecotone", L1BlockInfoTx::Ecotone(e)) => check_ecotone(e, x),
            ("isthmus", L1BlockInfoTx::Isthmus(i)) => {
                check_ecotone(&i.ecotone, x);
                assert_eq!(u64::from(i.operator_fee_scalar), x["operatorFeeScalar"]);
                assert_eq!(i.operator_fee_constant, x["operatorFeeConstant"]);
            }
            (fork, other) => panic!("{fork} decoded as {other:?}"),
        }
    }
}

#[test]
fn l1_info_deposits_carry_parseable_calldata() {
    let dir = crate::vectors::dir();
    let v = json(&dir, "extracted/deposits.json");
    for c in v["deposit_tx_rlp"].as_array().unwrap() {
        let tx = TxDeposit::decode_2718(&unhex(&c["raw"])).unwrap();
        let info = L1BlockInfoTx::decode_calldata(&tx.input).unwrap();
        assert_eq!(info.encode_calldata(), tx.input);
        // The source hash is the L1-info domain over (origin hash, sequence number).
        let src = lamina_protocol::deposit::DepositSource::L1Info {
            l1_block_hash: info.block_hash(),
            seq_number: info.sequence_number(),
        };
        assert_eq!(src.source_hash(), tx.source_hash, "{}", c["name"]);
    }
}
