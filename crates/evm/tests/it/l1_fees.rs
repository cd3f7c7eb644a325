//! L1 data fees: the L1Block storage we write (the layout our predeploy must keep) read back by
//! op-revm gives op-geth's fees for its vector tx in every fork; and a block charges exactly
//! that fee to the L1FeeVault.

use std::{collections::BTreeMap, path::PathBuf};

use alloy_consensus::{SignableTransaction, TxEip1559};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, B256, Bytes, FixedBytes, TxKind, U256, hex};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use lamina_evm::{
    BlockAttributes, OpBlockBuilder, OpForks, l1block::storage_after, mem::MemoryState,
};
use lamina_protocol::{
    HardforkSchedule, RollupConfig, SystemConfig,
    l1_info::{L1BlockInfoTx, L1InfoBedrock, L1InfoEcotone, L1OriginFields},
    predeploys::{L1_BLOCK, L1_FEE_VAULT, SEQUENCER_FEE_VAULT},
};
use op_alloy_consensus::OpTxEnvelope;
use op_revm::{L1BlockInfo, OpSpecId};
use revm::database::{CacheDB, WrapDatabaseRef};
use serde_json::Value;

/// `tests/vectors/` (or `$LAMINA_VECTORS`); missing vectors fail the test.
fn vectors() -> PathBuf {
    let path = std::env::var_os("LAMINA_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors"));
    assert!(path.join("README.md").is_file(), "OP test vectors not found at {}", path.display());
    path
}

fn state_with(info: &L1BlockInfoTx) -> MemoryState {
    let mut s = MemoryState::default();
    s.set_code(
        L1_BLOCK,
        Bytes::from_static(&[0x00]),
        storage_after(info).into_iter().collect::<BTreeMap<_, _>>(),
    );
    s
}

fn fee(state: &MemoryState, tx: &[u8], spec: OpSpecId) -> (U256, U256) {
    let mut db = CacheDB::new(WrapDatabaseRef(state));
    let mut info = L1BlockInfo::try_fetch(&mut db, U256::from(1), spec).unwrap();
    (info.calculate_tx_l1_cost(tx, spec), info.data_gas(tx, spec))
}

#[test]
fn op_geth_l1_cost_vectors_through_our_l1block_storage() {
    let dir = vectors();
    let v: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("extracted/l1_fees_fastlz.json")).unwrap(),
    )
    .unwrap();
    let case = &v["op_geth_emptyTx"];
    let tx = hex::decode(case["tx_bytes"].as_str().unwrap()).unwrap();
    let p = &case["params"];
    let n = |k: &str| p[k].as_u64().unwrap();
    let bedrock = L1BlockInfoTx::Bedrock(L1InfoBedrock {
        base_fee: U256::from(n("l1BaseFee")),
        l1_fee_overhead: U256::from(n("overhead")),
        l1_fee_scalar: U256::from(n("scalar")),
        ..Default::default()
    });
    let ecotone = L1BlockInfoTx::Ecotone(L1InfoEcotone {
        base_fee: U256::from(n("l1BaseFee")),
        blob_base_fee: U256::from(n("blobBaseFee")),
        base_fee_scalar: n("baseFeeScalar") as u32,
        blob_base_fee_scalar: n("blobBaseFeeScalar") as u32,
        ..Default::default()
    });
    let e = &case["expected"];
    for (label, info, spec) in [
        ("bedrock(pre-Regolith)", &bedrock, OpSpecId::BEDROCK),
        ("regolith", &bedrock, OpSpecId::REGOLITH),
        ("ecotone", &ecotone, OpSpecId::ECOTONE),
        ("fjord", &ecotone, OpSpecId::FJORD),
    ] {
        let (cost, _gas) = fee(&state_with(info), &tx, spec);
        assert_eq!(cost, U256::from(e[label]["fee"].as_u64().unwrap()), "{label}");
    }
}

#[test]
fn a_block_charges_the_l1_fee_to_the_l1_fee_vault() {
    let cfg =
        RollupConfig { hardforks: HardforkSchedule::all_through_isthmus(), ..RollupConfig::dev() };
    let mut scalar = B256::ZERO;
    scalar[0] = 1;
    scalar[24..28].copy_from_slice(&15u32.to_be_bytes()); // blob base fee scalar
    scalar[28..].copy_from_slice(&20u32.to_be_bytes()); // base fee scalar
    let sys = SystemConfig { scalar, gas_limit: 30_000_000, ..Default::default() };
    let ts = 1_002;
    let origin = L1OriginFields {
        number: 5,
        timestamp: 990,
        base_fee: U256::from(2_000_000u64),
        hash: B256::repeat_byte(5),
        blob_base_fee: Some(U256::from(3_000_000u64)),
    };
    let info = L1BlockInfoTx::build(&cfg, &sys, &origin, 0, ts).unwrap();
    let mut state = state_with(&info);
    let alice = PrivateKeySigner::from_bytes(&B256::repeat_byte(9)).unwrap();
    state.fund(alice.address(), U256::from(10u128.pow(18)));
    let tx = TxEip1559 {
        chain_id: 901,
        gas_limit: 21_000,
        max_fee_per_gas: 10_000_000_000,
        max_priority_fee_per_gas: 0,
        to: TxKind::Call(Address::repeat_byte(0x77)),
        value: U256::from(1),
        ..Default::default()
    };
    let sig = alice.sign_hash_sync(&tx.signature_hash()).unwrap();
    let raw: Bytes = OpTxEnvelope::Eip1559(tx.into_signed(sig)).encoded_2718().into();
    let spec = OpForks::new(cfg.hardforks).spec_id(ts);
    let (expected_fee, _) = fee(&state, &raw, spec);
    assert!(expected_fee > U256::ZERO);

    let builder = OpBlockBuilder::new(cfg.clone());
    let parent = alloy_consensus::Header {
        timestamp: 1_000,
        gas_limit: 30_000_000,
        base_fee_per_gas: Some(1_000),
        ..Default::default()
    };
    // The L1-info deposit would also write L1Block, but there is no contract code here: the
    // storage set above stands in for what it writes.
    let attrs = BlockAttributes {
        timestamp: ts,
        prev_randao: B256::ZERO,
        suggested_fee_recipient: SEQUENCER_FEE_VAULT,
        parent_beacon_block_root: Some(B256::ZERO),
        gas_limit: 30_000_000,
        eip1559_params: Some(FixedBytes::ZERO),
        transactions: vec![info.to_deposit_tx(&cfg, ts).encoded_2718().into(), raw],
        no_tx_pool: true,
    };
    let block = builder
        .build(&parent, parent.hash_slow(), &attrs, WrapDatabaseRef(&state), &state)
        .unwrap();
    let before = state.accounts.get(&alice.address()).unwrap().balance;
    state.apply(&block.bundle);
    let vault = state.accounts.get(&L1_FEE_VAULT).map(|a| a.balance).unwrap_or_default();
    assert_eq!(vault, expected_fee, "the L1FeeVault receives the L1 data fee");
    let base_fee = U256::from(block.header.base_fee_per_gas.unwrap());
    let after = state.accounts.get(&alice.address()).unwrap().balance;
    assert_eq!(before - after, U256::from(1) + U256::from(21_000) * base_fee + expected_fee);
}
