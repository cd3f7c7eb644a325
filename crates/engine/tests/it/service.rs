//! The engine service in process, driven the way a rollup node drives it: forkchoice updates
//! with attributes, getPayload, newPayload, forkchoice updates; and a second engine following
//! the first through newPayload only, through an unsafe reorg.

use alloy_consensus::Header;
use alloy_primitives::{Address, B64, B256, Bytes, TxKind, U256};
use alloy_rpc_types_engine::{ForkchoiceState, PayloadAttributes, PayloadStatusEnum};
use lamina_engine::{
    ChainEvent, EngineConfig, EngineError, EngineHandle, PayloadVersion, pool::PoolConfig,
    store::StoreOptions,
};
use lamina_evm::{
    PoolLimits,
    genesis::{FeeVaultConfig, L2Genesis},
};
use lamina_protocol::{
    HardforkSchedule, RollupConfig,
    l1_info::{L1BlockInfoTx, L1OriginFields},
    predeploys::SEQUENCER_FEE_VAULT,
};
use op_alloy_rpc_types_engine::OpPayloadAttributes;

use crate::chain::{config, genesis_json, key, signed_tx};

/// An engine on a fresh dev chain funding keys 0..4.
pub(crate) fn open_engine(dir: &std::path::Path) -> (EngineHandle, RollupConfig) {
    let cfg = config(HardforkSchedule::all_through_isthmus());
    let funded: Vec<Address> = (0..4).map(|i| key(i).address()).collect();
    let genesis =
        L2Genesis::from_json(&genesis_json(&funded), &cfg, FeeVaultConfig::default()).unwrap();
    let engine = EngineHandle::open(
        dir,
        EngineConfig {
            rollup: cfg.clone(),
            pool: PoolConfig::default(),
            store: StoreOptions::default(),
            block_limits: PoolLimits::default(),
        },
        &genesis,
    )
    .unwrap();
    (engine, cfg)
}

/// Attributes for the child of `parent`: the L1-info deposit plus `txs`.
pub(crate) fn attributes(
    cfg: &RollupConfig,
    parent: &Header,
    txs: Vec<Bytes>,
    no_tx_pool: bool,
    randao: u8,
) -> OpPayloadAttributes {
    let ts = parent.timestamp + 2;
    let origin = L1OriginFields {
        number: 1,
        timestamp: ts - 4,
        hash: B256::repeat_byte(1),
        ..Default::default()
    };
    let info = L1BlockInfoTx::build(cfg, &cfg.genesis.system_config, &origin, 0, ts).unwrap();
    let mut all = vec![Bytes::from(info.to_deposit_tx(cfg, ts).encoded_2718())];
    all.extend(txs);
    OpPayloadAttributes {
        payload_attributes: PayloadAttributes {
            timestamp: ts,
            prev_randao: B256::repeat_byte(randao),
            suggested_fee_recipient: SEQUENCER_FEE_VAULT,
            withdrawals: Some(vec![]),
            parent_beacon_block_root: Some(B256::ZERO),
            slot_number: None,
            target_gas_limit: None,
        },
        transactions: Some(all),
        no_tx_pool: Some(no_tx_pool),
        gas_limit: Some(30_000_000),
        eip_1559_params: Some(B64::ZERO),
        min_base_fee: None,
    }
}

pub(crate) fn fcs(head: B256, safe: B256, finalized: B256) -> ForkchoiceState {
    ForkchoiceState {
        head_block_hash: head,
        safe_block_hash: safe,
        finalized_block_hash: finalized,
    }
}

/// The head header.
pub(crate) fn head(engine: &EngineHandle) -> Header {
    let (n, _) = engine.store().head().unwrap().unwrap();
    engine.store().header(n).unwrap().unwrap()
}

/// One sequencer step: FCU with attributes, getPayload, newPayload, FCU to the new block.
/// Returns the built payload's execution data (what a follower receives).
pub(crate) fn sequence(
    engine: &EngineHandle,
    cfg: &RollupConfig,
    txs: Vec<Bytes>,
    randao: u8,
) -> op_alloy_rpc_types_engine::OpExecutionData {
    let parent = head(engine);
    let attrs = attributes(cfg, &parent, txs, false, randao);
    let parent_hash = parent.hash_slow();
    let fcu = engine
        .forkchoice_updated(
            fcs(parent_hash, B256::ZERO, B256::ZERO),
            Some(attrs.clone()),
            PayloadVersion::V3,
        )
        .unwrap();
    assert_eq!(fcu.payload_status.status, PayloadStatusEnum::Valid);
    let id = fcu.payload_id.unwrap();
    assert_eq!(id, attrs.payload_id(&parent_hash, 3), "payload id per the spec");
    let built = engine.get_payload(id, PayloadVersion::V4).unwrap();
    let data = built.execution_data();
    let status = engine.new_payload(data.clone(), PayloadVersion::V4).unwrap();
    assert_eq!(status.status, PayloadStatusEnum::Valid);
    let fcu = engine
        .forkchoice_updated(fcs(built.hash, B256::ZERO, B256::ZERO), None, PayloadVersion::V3)
        .unwrap();
    assert_eq!(fcu.payload_status.status, PayloadStatusEnum::Valid);
    assert_eq!(head(engine).hash_slow(), built.hash);
    data
}

/// Signed transfers from key `from`, nonces `nonces`.
pub(crate) fn transfers(from: u8, nonces: std::ops::Range<u64>) -> Vec<Bytes> {
    let to = TxKind::Call(Address::repeat_byte(0xee));
    nonces.map(|n| signed_tx(&key(from), n, to, 1000, Bytes::new(), 21_000)).collect()
}

#[test]
fn sequencing_takes_pool_txs_and_the_head_follows_forkchoice() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, cfg) = open_engine(dir.path());
    let mut events = engine.subscribe();
    for tx in transfers(0, 0..5) {
        engine.send_raw_transaction(&tx).unwrap();
    }
    assert_eq!(engine.with_pool(|p| p.status().pending), 5);

    let data = sequence(&engine, &cfg, vec![], 2);
    let block = data.payload.as_v1();
    assert_eq!(block.transactions.len(), 6, "the L1-info deposit and the 5 pool txs");
    assert_eq!(engine.with_pool(|p| p.status().pending), 0, "included txs leave the pool");
    let receipts = engine.store().block_receipts(1).unwrap().unwrap();
    assert_eq!(receipts.len(), 6);
    match events.try_recv().unwrap() {
        ChainEvent::Added(b) => assert_eq!((b.header.number, b.tx_hashes.len()), (1, 6)),
        other => panic!("{other:?}"),
    }

    // noTxPool: only the attributes' txs, even with txs waiting.
    for tx in transfers(1, 0..2) {
        engine.send_raw_transaction(&tx).unwrap();
    }
    let parent = head(&engine);
    let attrs = attributes(&cfg, &parent, vec![], true, 3);
    let fcu = engine
        .forkchoice_updated(
            fcs(parent.hash_slow(), B256::ZERO, B256::ZERO),
            Some(attrs),
            PayloadVersion::V3,
        )
        .unwrap();
    let built = engine.get_payload(fcu.payload_id.unwrap(), PayloadVersion::V4).unwrap();
    assert_eq!(built.block.body.transactions.len(), 1);
    // getPayload again returns the same block.
    let again = engine.get_payload(fcu.payload_id.unwrap(), PayloadVersion::V4).unwrap();
    assert_eq!(again.hash, built.hash);
    // Its version is the fork's.
    assert!(matches!(
        engine.get_payload(fcu.payload_id.unwrap(), PayloadVersion::V3),
        Err(EngineError::UnsupportedFork(_))
    ));
    assert!(matches!(
        engine.get_payload(alloy_rpc_types_engine::PayloadId::new([9; 8]), PayloadVersion::V4),
        Err(EngineError::UnknownPayload)
    ));
    assert_eq!(
        head(&engine).number,
        1,
        "a built payload is not the head until a forkchoice update"
    );

    // Safe and finalized move with forkchoice and persist; finality cannot go back.
    let h1 = head(&engine).hash_slow();
    engine.forkchoice_updated(fcs(h1, h1, h1), None, PayloadVersion::V3).unwrap();
    let fc = engine.store().forkchoice().unwrap();
    assert_eq!((fc.safe.number, fc.finalized.number), (1, 1));
    let genesis = engine.store().canonical_hash(0).unwrap().unwrap();
    assert!(matches!(
        engine.forkchoice_updated(fcs(h1, h1, genesis), None, PayloadVersion::V3),
        Err(EngineError::InvalidForkchoiceState(_))
    ));
    assert!(
        matches!(
            engine.forkchoice_updated(fcs(genesis, genesis, genesis), None, PayloadVersion::V3),
            Err(EngineError::InvalidForkchoiceState(_))
        ),
        "the head cannot go below the finalized block"
    );
    assert!(matches!(
        engine.forkchoice_updated(
            fcs(h1, B256::repeat_byte(5), B256::ZERO),
            None,
            PayloadVersion::V3
        ),
        Err(EngineError::InvalidForkchoiceState(_))
    ));
    // An unknown head is SYNCING and changes nothing.
    let fcu = engine
        .forkchoice_updated(
            fcs(B256::repeat_byte(9), B256::ZERO, B256::ZERO),
            None,
            PayloadVersion::V3,
        )
        .unwrap();
    assert_eq!(fcu.payload_status.status, PayloadStatusEnum::Syncing);
    assert_eq!(head(&engine).number, 1);

    // Attributes that cannot be built: a timestamp not after the head, or the wrong version.
    let mut stale = attributes(&cfg, &head(&engine), vec![], true, 4);
    stale.payload_attributes.timestamp = head(&engine).timestamp;
    assert!(matches!(
        engine.forkchoice_updated(fcs(h1, B256::ZERO, B256::ZERO), Some(stale), PayloadVersion::V3),
        Err(EngineError::InvalidPayloadAttributes(_))
    ));
    let ok = attributes(&cfg, &head(&engine), vec![], true, 4);
    assert!(matches!(
        engine.forkchoice_updated(fcs(h1, B256::ZERO, B256::ZERO), Some(ok), PayloadVersion::V2),
        Err(EngineError::UnsupportedFork(_))
    ));
}

#[test]
fn new_payload_checks_every_field_by_re_executing() {
    let dir = tempfile::tempdir().unwrap();
    let (seq, cfg) = open_engine(&dir.path().join("a"));
    let (follower, _) = open_engine(&dir.path().join("b"));
    let data = sequence(&seq, &cfg, transfers(0, 0..3), 2);

    // Tampered fields, with the block hash fixed up so only re-execution can tell.
    let tamper = |f: &dyn Fn(&mut alloy_rpc_types_engine::ExecutionPayloadV3)| {
        let mut d = data.clone();
        let op_alloy_rpc_types_engine::OpExecutionPayload::V4(p) = &mut d.payload else {
            panic!("isthmus payload")
        };
        f(&mut p.payload_inner);
        let block = d
            .payload
            .clone()
            .try_into_block_with_sidecar::<op_alloy_consensus::OpTxEnvelope>(&d.sidecar)
            .unwrap();
        let op_alloy_rpc_types_engine::OpExecutionPayload::V4(p) = &mut d.payload else {
            unreachable!()
        };
        p.payload_inner.payload_inner.payload_inner.block_hash = block.header.hash_slow();
        d
    };
    let genesis = follower.store().canonical_hash(0).unwrap().unwrap();
    for (what, d) in [
        (
            "state root",
            tamper(&|p| p.payload_inner.payload_inner.state_root = B256::repeat_byte(1)),
        ),
        ("gas used", tamper(&|p| p.payload_inner.payload_inner.gas_used += 1)),
        ("base fee", tamper(&|p| p.payload_inner.payload_inner.base_fee_per_gas += U256::from(1))),
        (
            "extra data",
            tamper(&|p| p.payload_inner.payload_inner.extra_data = Bytes::from_static(&[0; 9])),
        ),
    ] {
        let status = follower.new_payload(d, PayloadVersion::V4).unwrap();
        match status.status {
            PayloadStatusEnum::Invalid { validation_error } => {
                // The parent is valid; the payload is not.
                assert_eq!(status.latest_valid_hash, Some(genesis), "{what}");
                assert!(!validation_error.is_empty());
            }
            other => panic!("{what}: {other:?}"),
        }
    }
    // A wrong block hash; a tx list that doesn't decode.
    let mut d = data.clone();
    if let op_alloy_rpc_types_engine::OpExecutionPayload::V4(p) = &mut d.payload {
        p.payload_inner.payload_inner.payload_inner.block_hash = B256::repeat_byte(3);
    }
    assert!(matches!(
        follower.new_payload(d, PayloadVersion::V4).unwrap().status,
        PayloadStatusEnum::Invalid { .. }
    ));
    let mut d = data.clone();
    if let op_alloy_rpc_types_engine::OpExecutionPayload::V4(p) = &mut d.payload {
        p.payload_inner
            .payload_inner
            .payload_inner
            .transactions
            .push(Bytes::from_static(&[2, 0xc0]));
    }
    assert!(matches!(
        follower.new_payload(d, PayloadVersion::V4).unwrap().status,
        PayloadStatusEnum::Invalid { .. }
    ));
    // The wrong method version for the fork.
    assert!(matches!(
        follower.new_payload(data.clone(), PayloadVersion::V3),
        Err(EngineError::UnsupportedFork(_))
    ));
    assert_eq!(head(&follower).number, 0, "nothing changed");

    // The real payload is valid; its child before it is SYNCING.
    let child = sequence(&seq, &cfg, vec![], 3);
    assert_eq!(
        follower.new_payload(child.clone(), PayloadVersion::V4).unwrap().status,
        PayloadStatusEnum::Syncing
    );
    assert_eq!(
        follower.new_payload(data.clone(), PayloadVersion::V4).unwrap().status,
        PayloadStatusEnum::Valid
    );
    follower
        .forkchoice_updated(
            fcs(data.payload.block_hash(), B256::ZERO, B256::ZERO),
            None,
            PayloadVersion::V3,
        )
        .unwrap();
    assert_eq!(
        follower.new_payload(child.clone(), PayloadVersion::V4).unwrap().status,
        PayloadStatusEnum::Valid
    );
    follower
        .forkchoice_updated(
            fcs(child.payload.block_hash(), B256::ZERO, B256::ZERO),
            None,
            PayloadVersion::V3,
        )
        .unwrap();
    assert_eq!(head(&follower), head(&seq), "the follower has the sequencer's chain");
    assert_eq!(
        follower.store().state().unwrap().state_root(),
        seq.store().state().unwrap().state_root()
    );
}

#[test]
fn unsafe_reorg_through_forkchoice_and_new_payload() {
    let dir = tempfile::tempdir().unwrap();
    let (seq, cfg) = open_engine(&dir.path().join("a"));
    let (follower, _) = open_engine(&dir.path().join("b"));
    let follow = |d: &op_alloy_rpc_types_engine::OpExecutionData| {
        assert_eq!(
            follower.new_payload(d.clone(), PayloadVersion::V4).unwrap().status,
            PayloadStatusEnum::Valid
        );
        let f = follower
            .forkchoice_updated(
                fcs(d.payload.block_hash(), B256::ZERO, B256::ZERO),
                None,
                PayloadVersion::V3,
            )
            .unwrap();
        assert_eq!(f.payload_status.status, PayloadStatusEnum::Valid);
    };
    let b1 = sequence(&seq, &cfg, vec![], 2);
    follow(&b1);
    for tx in transfers(0, 0..2) {
        seq.send_raw_transaction(&tx).unwrap();
        follower.send_raw_transaction(&tx).unwrap();
    }
    let b2 = sequence(&seq, &cfg, vec![], 2);
    follow(&b2);
    let b3 = sequence(&seq, &cfg, transfers(1, 0..1), 2);
    follow(&b3);
    assert_eq!(follower.with_pool(|p| p.status().pending), 0);
    let mut events = follower.subscribe();

    // The sequencer rebuilds on block 1 (as op-node does when the unsafe chain is dropped):
    // a forkchoice update to block 1 with new attributes, without the pool.
    let h1 = b1.payload.block_hash();
    let parent = seq.store().header(1).unwrap().unwrap();
    let attrs = attributes(&cfg, &parent, vec![], true, 7);
    let fcu = seq
        .forkchoice_updated(fcs(h1, B256::ZERO, B256::ZERO), Some(attrs), PayloadVersion::V3)
        .unwrap();
    assert_eq!(head(&seq).number, 1, "the sequencer unwound to block 1");
    assert_eq!(
        seq.with_pool(|p| p.status().pending),
        3,
        "the unwound blocks' txs are back in the pool"
    );
    let b2x =
        seq.get_payload(fcu.payload_id.unwrap(), PayloadVersion::V4).unwrap().execution_data();
    assert_ne!(b2x.payload.block_hash(), b2.payload.block_hash());

    // The follower validates 2' on block 1 (not its head), then reorgs to it.
    follow(&b2x);
    assert_eq!(head(&follower).hash_slow(), b2x.payload.block_hash());
    let mut seen = Vec::new();
    while let Ok(e) = events.try_recv() {
        seen.push(match e {
            ChainEvent::Removed(b) => format!("-{}", b.header.number),
            ChainEvent::Added(b) => format!("+{}", b.header.number),
        });
    }
    assert_eq!(seen, ["-3", "-2", "+2"]);
    assert_eq!(follower.with_pool(|p| p.status().pending), 3, "reorged-out txs are pending again");
    let view = follower.store().state().unwrap();
    assert_eq!(view.account(&key(0).address()).unwrap().unwrap().nonce, 0);
    assert!(
        follower
            .store()
            .transaction_location(&alloy_primitives::keccak256(&transfers(0, 0..1)[0]))
            .unwrap()
            .is_none()
    );
    drop(view);

    // Both continue, and the pool's txs go in again.
    seq.forkchoice_updated(
        fcs(b2x.payload.block_hash(), B256::ZERO, B256::ZERO),
        None,
        PayloadVersion::V3,
    )
    .unwrap();
    let b3x = sequence(&seq, &cfg, vec![], 8);
    assert_eq!(b3x.payload.as_v1().transactions.len(), 4);
    follow(&b3x);
    assert_eq!(
        follower.store().state().unwrap().state_root(),
        seq.store().state().unwrap().state_root()
    );
}

#[test]
fn payload_ids_match_op_geth() {
    // The op-geth vectors: our forkchoice update returns `payload_id(parent, version)` of the
    // attributes (checked in `sequence`); here that function against the vectors.
    let path = std::env::var("LAMINA_VECTORS")
        .unwrap_or_else(|_| format!("{}/../../tests/vectors", env!("CARGO_MANIFEST_DIR")));
    let v: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{path}/extracted/engine_p2p.json")).unwrap(),
    )
    .unwrap();
    let cases = v["payload_id"].as_array().unwrap();
    // The first case is complete; the second names its differences from the first.
    let mut base = cases[0].clone();
    let mut n = 0;
    for case in cases.iter().filter(|c| c.get("expected_payloadId").is_some()) {
        if let Some(diff) = case.get("same_as_previous_but").and_then(|d| d.as_object()) {
            for (k, val) in diff {
                base[k] = val.clone();
            }
        }
        let c = &base;
        let b256 = |k: &str| serde_json::from_value::<B256>(c[k].clone()).unwrap();
        let attrs = OpPayloadAttributes {
            payload_attributes: PayloadAttributes {
                timestamp: c["timestamp"].as_u64().unwrap(),
                prev_randao: b256("prevRandao"),
                suggested_fee_recipient: serde_json::from_value(c["suggestedFeeRecipient"].clone())
                    .unwrap(),
                withdrawals: serde_json::from_value(c["withdrawals"].clone()).unwrap(),
                parent_beacon_block_root: Some(b256("parentBeaconBlockRoot")),
                slot_number: None,
                target_gas_limit: None,
            },
            transactions: serde_json::from_value(c["transactions"].clone()).unwrap(),
            no_tx_pool: c["noTxPool"].as_bool(),
            gas_limit: c["gasLimit"].as_u64(),
            eip_1559_params: serde_json::from_value(c["eip1559Params"].clone()).unwrap(),
            min_base_fee: c["minBaseFee"].as_u64(),
        };
        let version = c["payloadVersion"].as_u64().unwrap() as u8;
        let want = case["expected_payloadId"].as_str().unwrap();
        assert_eq!(attrs.payload_id(&b256("parentHash"), version).to_string(), want);
        n += 1;
    }
    assert!(n >= 2, "{n} vectors");
}

/// Senders handed over ahead of a payload (a verifier's next blocks) give the same block as
/// recovering them in it: the payload is valid, with the sequencer's hash, and so is one whose
/// txs were never prefetched.
#[test]
fn a_payload_with_prefetched_senders_executes_as_one_without() {
    let dir = tempfile::tempdir().unwrap();
    let (seq, cfg) = open_engine(&dir.path().join("a"));
    let (follower, _) = open_engine(&dir.path().join("b"));
    let txs = transfers(0, 0..12);
    let first = sequence(&seq, &cfg, txs[..6].to_vec(), 2);
    let second = sequence(&seq, &cfg, txs[6..].to_vec(), 3);
    // Only the second block's senders are prefetched; give the worker time to recover them.
    follower.prefetch_senders(txs[6..].to_vec());
    std::thread::sleep(std::time::Duration::from_millis(200));
    for data in [first, second] {
        let hash = data.payload.block_hash();
        let status = follower.new_payload(data, PayloadVersion::V4).unwrap();
        assert_eq!(status.status, PayloadStatusEnum::Valid);
        assert_eq!(status.latest_valid_hash, Some(hash));
        let fc = ForkchoiceState { head_block_hash: hash, ..Default::default() };
        follower.forkchoice_updated(fc, None, PayloadVersion::V3).unwrap();
    }
    assert_eq!(follower.store().head().unwrap(), seq.store().head().unwrap());
}
