//! The real OP Mainnet batcher tx (kona's `raw_batcher_tx`) through the whole pipeline: the
//! test supplies L1 blocks whose hashes match the span batch's origin check and an L2 safe head
//! matching its parent check; the pipeline must yield the 27 blocks' attributes with the right
//! timestamps, L1 origins and txs.

use alloy_consensus::{Header, Sealed, TxEnvelope};
use alloy_eips::eip2718::Decodable2718;
use alloy_primitives::{Address, B256, keccak256};
use lamina_derive::{
    Pipeline,
    memory::{MemoryL1, MemoryL2},
};
use lamina_protocol::{
    BlockId, HardforkSchedule, RollupConfig, SystemConfig, block::L2BlockInfo,
    l1_info::L1BlockInfoTx,
};
use serde_json::Value;

const FIRST_ORIGIN: u64 = 19_426_582;
const INCLUSION: u64 = 19_426_590;
/// Cancun reached mainnet at block 19426587 (t = 1710338135).
const CANCUN_BLOCK: u64 = 19_426_587;
const CANCUN_TIME: u64 = 1_710_338_135;

fn json(dir: &std::path::Path, rel: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join(rel)).unwrap()).unwrap()
}

/// OP Mainnet's rollup config from the registry subset.
fn op_mainnet(dir: &std::path::Path) -> RollupConfig {
    let v = json(dir, "extracted/superchain_registry_subset.json");
    let op = v["chains"].as_array().unwrap().iter().find(|c| c["l2_chain_id"] == 10).unwrap();
    let g = &op["genesis"];
    let sc = &g["system_config"];
    let addr = |v: &Value| v.as_str().unwrap().parse::<Address>().unwrap();
    RollupConfig {
        block_time: 2,
        max_sequencer_drift: op["max_sequencer_drift"].as_u64().unwrap(),
        seq_window_size: op["seq_window_size"].as_u64().unwrap(),
        channel_timeout: 300,
        l1_chain_id: 1,
        l2_chain_id: 10,
        hardforks: serde_json::from_value::<HardforkSchedule>(op["hardfork_configuration"].clone())
            .unwrap(),
        batch_inbox_address: addr(&op["batch_inbox_address"]),
        deposit_contract_address: addr(&op["Addresses"]["OptimismPortalProxy"]),
        l1_system_config_address: addr(&op["Addresses"]["SystemConfigProxy"]),
        genesis: lamina_protocol::config::Genesis {
            l1: serde_json::from_value(g["l1"].clone()).unwrap(),
            l2: serde_json::from_value(g["l2"].clone()).unwrap(),
            l2_time: g["l2_time"].as_u64().unwrap(),
            system_config: SystemConfig {
                batcher_addr: addr(&sc["batcherAddr"]),
                overhead: sc["overhead"].as_str().unwrap().parse().unwrap(),
                scalar: sc["scalar"].as_str().unwrap().parse().unwrap(),
                gas_limit: sc["gasLimit"].as_u64().unwrap(),
                ..Default::default()
            },
        },
        ..Default::default()
    }
}

/// A hash whose first 20 bytes are `prefix` (the span batch checks only those).
fn with_prefix(prefix: &str) -> B256 {
    let mut h = [0x11u8; 32];
    h[..20].copy_from_slice(&alloy_primitives::hex::decode(prefix).unwrap());
    B256::from(h)
}

struct Setup {
    cfg: RollupConfig,
    l1: MemoryL1,
    l2: MemoryL2,
    summary: Value,
}

fn setup(dir: &std::path::Path, batcher_tx: TxEnvelope) -> Setup {
    let cfg = op_mainnet(dir);
    let v = json(dir, "extracted/frames_channels_batches.json");
    let summary = v["real_batcher_tx"]["derived"]["span_batch"].clone();
    let origin_check = summary["l1_origin_check"].as_str().unwrap();
    let last_origin = summary["l1_origin_num"].as_u64().unwrap();

    // L1 blocks 19426582..=19426595, 12 s apart, Cancun fields from 19426587 on.
    let l1 = MemoryL1::new();
    let mut parent = B256::repeat_byte(0x42);
    for n in FIRST_ORIGIN..=INCLUSION + 5 {
        let timestamp = CANCUN_TIME + 12 * n - 12 * CANCUN_BLOCK;
        let cancun = n >= CANCUN_BLOCK;
        let header = Header {
            number: n,
            parent_hash: parent,
            timestamp,
            base_fee_per_gas: Some(30_000_000_000 + n % 1000),
            mix_hash: keccak256(n.to_be_bytes()),
            excess_blob_gas: cancun.then_some(0),
            blob_gas_used: cancun.then_some(0),
            parent_beacon_block_root: cancun.then(|| keccak256(b"beacon")),
            ..Default::default()
        };
        let hash = if n == last_origin {
            with_prefix(&origin_check[2..])
        } else {
            keccak256(n.to_be_bytes())
        };
        let txs = if n == INCLUSION { vec![batcher_tx.clone()] } else { vec![] };
        l1.push_sealed(Sealed::new_unchecked(header, hash), txs, vec![]);
        parent = hash;
    }

    // The safe head: the block before the span, in epoch 19426582, whose hash starts with
    // the span's parent check.
    let first_ts = summary["derived_block_timestamps_first_last"][0].as_u64().unwrap();
    let parent_ts = first_ts - 2;
    let origin = l1.header(FIRST_ORIGIN).unwrap();
    let safe = L2BlockInfo {
        hash: with_prefix(&summary["parent_check"].as_str().unwrap()[2..]),
        number: cfg.block_number_at(parent_ts).unwrap(),
        parent_hash: B256::repeat_byte(0x33),
        timestamp: parent_ts,
        l1_origin: BlockId { number: FIRST_ORIGIN, hash: origin.hash() },
        seq_num: 7,
    };
    let l2 = MemoryL2::new(safe, cfg.genesis.system_config.clone());
    Setup { cfg, l1, l2, summary }
}

/// Steps until the pipeline idles, applying every attributes to the L2 chain.
async fn derive_all(
    cfg: &RollupConfig,
    l1: &MemoryL1,
    l2: &MemoryL2,
) -> Vec<lamina_derive::DerivedAttributes> {
    let mut p = Pipeline::new(cfg.clone(), l1.clone(), l1.clone(), l2.clone());
    p.reset(l1.header(FIRST_ORIGIN).unwrap(), cfg.genesis.system_config.clone());
    let mut out = Vec::new();
    lamina_derive::testing::derive_until_idle(&mut p, &mut out).await.unwrap();
    assert_eq!(p.origin().unwrap().number, INCLUSION + 5, "the pipeline read all of L1");
    out
}

#[tokio::test]
async fn op_mainnet_batcher_tx_derives_27_payload_attributes() {
    let dir = crate::vectors::dir();
    let raw = std::fs::read(dir.join("kona/raw_batcher_tx.bin")).unwrap();
    let tx = TxEnvelope::decode_2718_exact(&raw).unwrap();
    let Setup { cfg, l1, l2, summary } = setup(&dir, tx);
    let derived = derive_all(&cfg, &l1, &l2).await;

    assert_eq!(derived.len(), 27);
    let counts: Vec<u64> = summary["block_tx_counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_u64().unwrap())
        .collect();
    let origins: Vec<u64> = summary["derived_l1_origin_per_block"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o.as_u64().unwrap())
        .collect();
    let first_ts = summary["derived_block_timestamps_first_last"][0].as_u64().unwrap();
    let mut seq = 7;
    let mut prev_origin = FIRST_ORIGIN;
    for (i, a) in derived.iter().enumerate() {
        let pa = &a.attributes.payload_attributes;
        assert_eq!(pa.timestamp, first_ts + 2 * i as u64, "block {i} timestamp");
        assert_eq!(a.l1_origin.number, origins[i], "block {i} origin");
        let origin = l1.header(origins[i]).unwrap();
        assert_eq!(a.l1_origin.hash, origin.hash());
        assert_eq!(pa.prev_randao, origin.mix_hash);
        // No deposits were supplied: the L1-info tx plus the batch's txs.
        let txs = a.transactions();
        assert_eq!(txs.len() as u64, 1 + counts[i], "block {i} tx count");
        assert_eq!(txs[0][0], 0x7e);
        let info = L1BlockInfoTx::decode_calldata(
            &lamina_protocol::deposit::TxDeposit::decode_2718(&txs[0]).unwrap().input,
        )
        .unwrap();
        seq = if origins[i] == prev_origin { seq + 1 } else { 0 };
        prev_origin = origins[i];
        assert_eq!((info.number(), info.sequence_number()), (origins[i], seq), "block {i} l1 info");
        // Pre-Ecotone (Mar 2024): Bedrock L1 info, no beacon root; Canyon: empty withdrawals.
        assert!(matches!(info, L1BlockInfoTx::Bedrock(_)));
        assert_eq!(pa.parent_beacon_block_root, None);
        assert_eq!(pa.withdrawals.as_deref(), Some(&[][..]));
        assert_eq!(a.attributes.no_tx_pool, Some(true));
        assert_eq!(a.attributes.gas_limit, Some(30_000_000));
        assert_eq!(a.attributes.eip_1559_params, None);
        assert_eq!(a.is_last_in_span, i == 26);
        assert_eq!(a.derived_from.number, INCLUSION);
    }
    let hashes: Vec<String> = derived
        .iter()
        .flat_map(|a| a.transactions()[1..].iter())
        .map(|t| keccak256(t).to_string())
        .collect();
    assert_eq!(hashes.len(), 209);
    for (i, h) in summary["derived_tx_hashes_first3"].as_array().unwrap().iter().enumerate() {
        assert_eq!(hashes[i], h.as_str().unwrap());
    }
    assert_eq!(hashes[208], summary["derived_tx_hash_last"].as_str().unwrap());
}

#[tokio::test]
async fn op_mainnet_batcher_tx_from_another_sender_derives_nothing() {
    let dir = crate::vectors::dir();
    let raw = std::fs::read(dir.join("kona/raw_batcher_tx.bin")).unwrap();
    let tx = TxEnvelope::decode_2718_exact(&raw).unwrap();
    let Setup { mut cfg, l1, l2, .. } = setup(&dir, tx);
    cfg.genesis.system_config.batcher_addr = Address::repeat_byte(9);
    let derived = derive_all(&cfg, &l1, &l2).await;
    assert!(derived.is_empty(), "a tx not from the batcher is ignored");
}
