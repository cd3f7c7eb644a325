//! Block building across the forks: deposits (including failing ones that keep their mint),
//! transfers, header fields per fork, Holocene's base fee chain, and bad input.

use alloy_consensus::{SignableTransaction, TxEip1559};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, B256, Bytes, FixedBytes, TxKind, U256, address};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use alloy_trie::EMPTY_ROOT_HASH;
use lamina_evm::{BlockAttributes, ExecError, OpBlockBuilder, mem::MemoryState};
use lamina_protocol::{
    HardforkSchedule, RollupConfig,
    constants::ISTHMUS_REQUESTS_HASH,
    deposit::{DepositSource, TxDeposit},
    l1_info::{L1BlockInfoTx, L1OriginFields},
    predeploys::SEQUENCER_FEE_VAULT,
};
use op_alloy_consensus::{OpReceiptEnvelope, OpTxEnvelope};
use revm::database::WrapDatabaseRef;

const CHAIN_ID: u64 = 901;
const GWEI: u128 = 1_000_000_000;
const ETH: u128 = 1_000_000_000_000_000_000;

fn config(hardforks: HardforkSchedule) -> RollupConfig {
    RollupConfig { hardforks, ..RollupConfig::dev() }
}

fn genesis() -> alloy_consensus::Header {
    alloy_consensus::Header {
        number: 0,
        timestamp: 1_000,
        gas_limit: 30_000_000,
        base_fee_per_gas: Some(GWEI as u64),
        ..Default::default()
    }
}

fn key(i: u8) -> PrivateKeySigner {
    PrivateKeySigner::from_bytes(&B256::repeat_byte(i)).unwrap()
}

fn transfer(from: &PrivateKeySigner, nonce: u64, to: Address, value: u128, gas: u64) -> Bytes {
    let tx = TxEip1559 {
        chain_id: CHAIN_ID,
        nonce,
        gas_limit: gas,
        max_fee_per_gas: 10 * GWEI,
        max_priority_fee_per_gas: GWEI,
        to: TxKind::Call(to),
        value: U256::from(value),
        ..Default::default()
    };
    let sig = from.sign_hash_sync(&tx.signature_hash()).unwrap();
    OpTxEnvelope::Eip1559(tx.into_signed(sig)).encoded_2718().into()
}

fn l1_info(cfg: &RollupConfig, ts: u64) -> Bytes {
    let origin = L1OriginFields {
        number: 10,
        timestamp: ts - 10,
        base_fee: U256::from(GWEI),
        hash: B256::repeat_byte(0x11),
        blob_base_fee: Some(U256::from(1)),
    };
    let info = L1BlockInfoTx::build(cfg, &cfg.genesis.system_config, &origin, 0, ts).unwrap();
    info.to_deposit_tx(cfg, ts).encoded_2718().into()
}

fn user_deposit(from: Address, to: Address, mint: u128, value: u128, log_index: u64) -> Bytes {
    TxDeposit {
        source_hash: DepositSource::User { l1_block_hash: B256::repeat_byte(0x11), log_index }
            .source_hash(),
        from,
        to: TxKind::Call(to),
        mint,
        value: U256::from(value),
        gas_limit: 100_000,
        is_system_transaction: false,
        input: Bytes::new(),
    }
    .encoded_2718()
    .into()
}

fn attrs(builder: &OpBlockBuilder, ts: u64, txs: Vec<Bytes>) -> BlockAttributes {
    let forks = builder.forks();
    BlockAttributes {
        timestamp: ts,
        prev_randao: B256::repeat_byte(0x22),
        suggested_fee_recipient: SEQUENCER_FEE_VAULT,
        parent_beacon_block_root: forks
            .is_active(lamina_protocol::Hardfork::Ecotone, ts)
            .then_some(B256::repeat_byte(0x33)),
        gas_limit: 30_000_000,
        eip1559_params: forks
            .is_active(lamina_protocol::Hardfork::Holocene, ts)
            .then_some(FixedBytes::ZERO),
        transactions: txs,
        no_tx_pool: true,
    }
}

fn schedules() -> Vec<(&'static str, HardforkSchedule)> {
    let upto = |n: usize| {
        let mut s = HardforkSchedule::default();
        let slots = [
            &mut s.regolith_time,
            &mut s.canyon_time,
            &mut s.delta_time,
            &mut s.ecotone_time,
            &mut s.fjord_time,
            &mut s.granite_time,
            &mut s.holocene_time,
            &mut s.isthmus_time,
        ];
        for slot in slots.into_iter().take(n) {
            *slot = Some(0);
        }
        s
    };
    vec![
        ("regolith", upto(1)),
        ("canyon", upto(2)),
        ("ecotone", upto(4)),
        ("holocene", upto(7)),
        ("isthmus", upto(8)),
    ]
}

#[test]
fn deposits_and_transfers_execute_with_each_forks_header_fields() {
    for (name, schedule) in schedules() {
        let cfg = config(schedule);
        let builder = OpBlockBuilder::new(cfg.clone());
        let alice = key(1);
        let bob = address!("00000000000000000000000000000000000000b0");
        let depositor = address!("00000000000000000000000000000000000000d0");
        let mut state = MemoryState::default();
        state.fund(alice.address(), U256::from(10 * ETH));
        let parent = genesis();
        let ts = parent.timestamp + 2;
        let txs = vec![
            l1_info(&cfg, ts),
            user_deposit(depositor, bob, 3 * ETH, ETH, 0),
            transfer(&alice, 0, bob, ETH, 21_000),
            transfer(&alice, 1, bob, 2 * ETH, 21_000),
        ];
        let a = attrs(&builder, ts, txs);
        let block = builder
            .build(&parent, parent.hash_slow(), &a, WrapDatabaseRef(&state), &state)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let h = &block.header;

        assert_eq!(block.receipts.len(), 4, "{name}");
        assert!(block.receipts.iter().all(|r| r.status()), "{name}: all succeed");
        assert!(matches!(block.receipts[1], OpReceiptEnvelope::Deposit(_)));
        assert_eq!(h.number, 1);
        assert_eq!(h.parent_hash, parent.hash_slow());
        assert_eq!(h.beneficiary, SEQUENCER_FEE_VAULT);
        assert_eq!(h.mix_hash, B256::repeat_byte(0x22));
        assert_eq!(block.hash, h.hash_slow());
        assert_eq!(h.gas_used, block.receipts.last().unwrap().cumulative_gas_used());
        // Deposits: the L1-info tx (1M gas budget) and the user deposit are metered for real
        // since Regolith; each transfer uses 21 000.
        assert!(h.gas_used > 2 * 21_000, "{name}");

        let canyon = name != "regolith";
        let ecotone = matches!(name, "ecotone" | "holocene" | "isthmus");
        let holocene = matches!(name, "holocene" | "isthmus");
        let isthmus = name == "isthmus";
        assert_eq!(h.withdrawals_root.is_some(), canyon, "{name}");
        if canyon && !isthmus {
            assert_eq!(h.withdrawals_root, Some(EMPTY_ROOT_HASH));
        }
        assert_eq!(h.blob_gas_used, ecotone.then_some(0), "{name}");
        assert_eq!(h.excess_blob_gas, ecotone.then_some(0), "{name}");
        assert_eq!(h.parent_beacon_block_root, ecotone.then_some(B256::repeat_byte(0x33)));
        assert_eq!(h.requests_hash, isthmus.then_some(ISTHMUS_REQUESTS_HASH), "{name}");
        assert_eq!(h.extra_data.len(), if holocene { 9 } else { 0 }, "{name}");

        // The deposit receipt carries the depositor's nonce, and from Canyon its version.
        let OpReceiptEnvelope::Deposit(d) = &block.receipts[1] else { unreachable!() };
        assert_eq!(d.receipt.deposit_nonce, Some(0), "{name}");
        assert_eq!(d.receipt.deposit_receipt_version, canyon.then_some(1), "{name}");

        // Applying the changes gives the state the header commits to.
        state.apply(&block.bundle);
        assert_eq!(state.state_root(), h.state_root, "{name}");
        let bob_balance = state.accounts[&bob].balance;
        assert_eq!(bob_balance, U256::from(4 * ETH), "{name}: 1 deposited + 3 transferred");
        assert_eq!(
            state.accounts[&depositor].balance,
            U256::from(2 * ETH),
            "{name}: minted 3, sent 1"
        );
        assert_eq!(state.accounts[&alice.address()].nonce, 2);
    }
}

#[test]
fn a_failing_deposit_keeps_its_mint_and_bumps_the_nonce() {
    let cfg = config(HardforkSchedule::all_through_isthmus());
    let builder = OpBlockBuilder::new(cfg.clone());
    let state = MemoryState::default();
    let parent = genesis();
    let ts = parent.timestamp + 2;
    let from = address!("00000000000000000000000000000000000000d1");
    // Mints 1 ETH but tries to send 5: the call fails, the mint stays.
    let txs = vec![l1_info(&cfg, ts), user_deposit(from, Address::repeat_byte(9), ETH, 5 * ETH, 0)];
    let block = builder
        .build(
            &parent,
            parent.hash_slow(),
            &attrs(&builder, ts, txs),
            WrapDatabaseRef(&state),
            &state,
        )
        .unwrap();
    assert!(block.receipts[0].status());
    assert!(!block.receipts[1].status(), "the deposit's call fails");
    let mut after = state;
    after.apply(&block.bundle);
    assert_eq!(after.accounts[&from].balance, U256::from(ETH));
    assert_eq!(after.accounts[&from].nonce, 1);
    assert!(!after.accounts.contains_key(&Address::repeat_byte(9)));
    assert_eq!(after.state_root(), block.header.state_root);
}

#[test]
fn holocene_params_go_into_extra_data_and_drive_the_next_base_fee() {
    let cfg = config(HardforkSchedule::all_through_isthmus());
    let builder = OpBlockBuilder::new(cfg.clone());
    let alice = key(2);
    let mut state = MemoryState::default();
    state.fund(alice.address(), U256::from(100 * ETH));
    let mut parent = genesis();
    let mut parent_hash = parent.hash_slow();
    let mut params = [0u8; 8];
    params[3] = 10; // denominator 10
    params[7] = 2; // elasticity 2
    for n in 0..3u64 {
        let ts = parent.timestamp + 2;
        // 200 transfers × 21 000 gas = 4.2M of a 30M limit (target 15M): the fee must fall.
        let txs: Vec<Bytes> = std::iter::once(l1_info(&cfg, ts))
            .chain(
                (0..200).map(|i| transfer(&alice, n * 200 + i, Address::repeat_byte(7), 1, 21_000)),
            )
            .collect();
        let mut a = attrs(&builder, ts, txs);
        a.eip1559_params = Some(FixedBytes(params));
        let block =
            builder.build(&parent, parent_hash, &a, WrapDatabaseRef(&state), &state).unwrap();
        assert_eq!(block.header.extra_data.as_ref(), &[0, 0, 0, 0, 10, 0, 0, 0, 2]);
        if n > 0 {
            let target = parent.gas_limit / 2;
            let pbf = u128::from(parent.base_fee_per_gas.unwrap());
            let expected =
                pbf - pbf * u128::from(target - parent.gas_used) / u128::from(target) / 10;
            assert_eq!(
                u128::from(block.header.base_fee_per_gas.unwrap()),
                expected,
                "block {}",
                n + 1
            );
        }
        state.apply(&block.bundle);
        assert_eq!(state.state_root(), block.header.state_root);
        parent_hash = block.hash;
        parent = block.header;
    }
}

#[test]
fn bad_input_is_a_typed_error_and_changes_nothing() {
    let cfg = config(HardforkSchedule::all_through_isthmus());
    let builder = OpBlockBuilder::new(cfg.clone());
    let alice = key(3);
    let mut state = MemoryState::default();
    state.fund(alice.address(), U256::from(ETH));
    let root = state.state_root();
    let parent = genesis();
    let ts = parent.timestamp + 2;
    let run = |txs: Vec<Bytes>, tweak: &dyn Fn(&mut BlockAttributes)| {
        let mut a = attrs(&builder, ts, txs);
        tweak(&mut a);
        builder.build(&parent, parent.hash_slow(), &a, WrapDatabaseRef(&state), &state)
    };
    let info = l1_info(&cfg, ts);
    let none = &|_: &mut BlockAttributes| {};

    let err = run(vec![info.clone(), Bytes::from_static(&[0x02, 0xc0])], none).unwrap_err();
    assert!(matches!(err, ExecError::TxDecode { index: 1, .. }), "{err}");
    let err =
        run(vec![info.clone(), transfer(&alice, 5, Address::ZERO, 1, 21_000)], none).unwrap_err();
    assert!(matches!(err, ExecError::InvalidTx { index: 1, .. }), "nonce too high: {err}");
    let err = run(vec![info.clone(), transfer(&alice, 0, Address::ZERO, 2 * ETH, 21_000)], none)
        .unwrap_err();
    assert!(matches!(err, ExecError::InvalidTx { index: 1, .. }), "insufficient funds: {err}");
    let err = run(vec![info.clone(), transfer(&alice, 0, Address::ZERO, 1, 31_000_000)], none)
        .unwrap_err();
    assert!(
        matches!(err, ExecError::InvalidTx { index: 1, .. }),
        "gas over the block limit: {err}"
    );
    let err = run(vec![info.clone()], &|a| a.timestamp = parent.timestamp).unwrap_err();
    assert!(matches!(err, ExecError::InvalidAttributes(_)), "{err}");
    let err = run(vec![info.clone()], &|a| a.parent_beacon_block_root = None).unwrap_err();
    assert!(matches!(err, ExecError::InvalidAttributes(_)), "{err}");
    let err = run(vec![info], &|a| a.eip1559_params = None).unwrap_err();
    assert!(matches!(err, ExecError::InvalidAttributes(_)), "{err}");
    assert!(err.is_invalid_input());
    assert_eq!(state.state_root(), root, "nothing was written");
}
