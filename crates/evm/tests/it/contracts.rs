//! Our Solidity predeploys: the committed artifacts match the sources, and the L1-info deposits
//! of the OP vectors execute against our L1Block, leaving exactly the storage op-revm reads.

use std::{collections::BTreeMap, path::PathBuf, process::Command};

use alloy_primitives::{B256, Bytes, FixedBytes, TxKind, U256, hex};
use lamina_evm::{
    BlockAttributes, OpBlockBuilder, contracts, l1block::storage_after, mem::MemoryState,
};
use lamina_protocol::{
    HardforkSchedule, RollupConfig,
    deposit::TxDeposit,
    l1_info::{L1BlockInfoTx, L1InfoEcotone, L1InfoIsthmus},
    predeploys::{L1_BLOCK, SEQUENCER_FEE_VAULT},
};
use revm::database::WrapDatabaseRef;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn committed_artifacts_match_the_solidity_sources() {
    let contracts = repo().join("contracts");
    let has_node = Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success());
    assert!(
        has_node && contracts.join("node_modules/solc").is_dir(),
        "node and contracts/node_modules are required (run scripts/test.sh)"
    );
    let out = Command::new("node")
        .arg("build.mjs")
        .arg("--check")
        .current_dir(&contracts)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `tests/vectors/` (or `$LAMINA_VECTORS`); missing vectors fail the test.
fn vectors() -> PathBuf {
    let path = std::env::var_os("LAMINA_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("tests/vectors"));
    assert!(path.join("README.md").is_file(), "OP test vectors not found at {}", path.display());
    path
}

fn config(hardforks: HardforkSchedule) -> RollupConfig {
    RollupConfig { hardforks, ..RollupConfig::dev() }
}

/// Executes `deposit` as the first tx of a block on a state holding our L1Block, and returns
/// the receipt status and the L1Block storage afterwards.
fn run_l1_info(schedule: HardforkSchedule, deposit: Bytes) -> (bool, BTreeMap<U256, U256>) {
    let cfg = config(schedule);
    let builder = OpBlockBuilder::new(cfg);
    let code = contracts::artifact("L1Block").unwrap().deployed_bytecode;
    let mut state = MemoryState::default();
    state.set_code(L1_BLOCK, code, BTreeMap::new());
    let parent = alloy_consensus::Header {
        timestamp: 1_000,
        gas_limit: 30_000_000,
        base_fee_per_gas: Some(1),
        ..Default::default()
    };
    let forks = builder.forks();
    let ts = 1_002;
    let attrs = BlockAttributes {
        timestamp: ts,
        prev_randao: B256::ZERO,
        suggested_fee_recipient: SEQUENCER_FEE_VAULT,
        parent_beacon_block_root: forks
            .is_active(lamina_protocol::Hardfork::Ecotone, ts)
            .then_some(B256::ZERO),
        gas_limit: 30_000_000,
        eip1559_params: forks
            .is_active(lamina_protocol::Hardfork::Holocene, ts)
            .then_some(FixedBytes::ZERO),
        transactions: vec![deposit],
        no_tx_pool: true,
    };
    let block = builder
        .build(&parent, parent.hash_slow(), &attrs, WrapDatabaseRef(&state), &state)
        .unwrap();
    state.apply(&block.bundle);
    assert_eq!(state.state_root(), block.header.state_root);
    (block.receipts[0].status(), state.accounts[&L1_BLOCK].storage.clone())
}

fn expected(info: &L1BlockInfoTx) -> BTreeMap<U256, U256> {
    storage_after(info).into_iter().filter(|(_, v)| !v.is_zero()).collect()
}

#[test]
fn vector_l1_info_deposits_execute_against_our_l1block() {
    let dir = vectors();
    let v: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("extracted/deposits.json")).unwrap(),
    )
    .unwrap();
    for case in v["deposit_tx_rlp"].as_array().unwrap() {
        let raw = hex::decode(case["raw"].as_str().unwrap()).unwrap();
        let tx = TxDeposit::decode_2718(&raw).unwrap();
        let info = L1BlockInfoTx::decode_calldata(&tx.input).unwrap();
        // A Bedrock-format call runs under Bedrock rules (it is a system tx); Ecotone under Ecotone.
        let schedule = match info {
            L1BlockInfoTx::Bedrock(_) => HardforkSchedule::default(),
            _ => HardforkSchedule {
                regolith_time: Some(0),
                canyon_time: Some(0),
                delta_time: Some(0),
                ecotone_time: Some(0),
                ..Default::default()
            },
        };
        let (ok, storage) = run_l1_info(schedule, raw.into());
        assert!(ok, "{}", case["name"]);
        assert_eq!(storage, expected(&info), "{}", case["name"]);
    }
}

#[test]
fn isthmus_l1_info_sets_the_operator_fee_and_strangers_are_refused() {
    let info = L1BlockInfoTx::Isthmus(L1InfoIsthmus {
        ecotone: L1InfoEcotone {
            base_fee_scalar: 1368,
            blob_base_fee_scalar: 810_949,
            sequence_number: 5,
            timestamp: 1_713_121_139,
            number: 19_655_712,
            base_fee: U256::from(10_445_852_825u64),
            blob_base_fee: U256::from(1),
            block_hash: B256::repeat_byte(0x1c),
            batcher_hash: B256::repeat_byte(0x68),
        },
        operator_fee_scalar: 43_981,
        operator_fee_constant: 56_506,
    });
    let cfg = config(HardforkSchedule::all_through_isthmus());
    let deposit: Bytes = info.to_deposit_tx(&cfg, 1_002).encoded_2718().into();
    let (ok, storage) = run_l1_info(HardforkSchedule::all_through_isthmus(), deposit);
    assert!(ok);
    assert_eq!(storage, expected(&info));

    // The same call from another sender reverts and writes nothing.
    let mut tx = info.to_deposit_tx(&cfg, 1_002);
    tx.from = alloy_primitives::Address::repeat_byte(0x42);
    tx.to = TxKind::Call(L1_BLOCK);
    let (ok, storage) =
        run_l1_info(HardforkSchedule::all_through_isthmus(), tx.encoded_2718().into());
    assert!(!ok);
    assert!(storage.is_empty());
}
