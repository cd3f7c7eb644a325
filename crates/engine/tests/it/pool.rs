//! The txpool against a real store: every admission error, pending and queued, replacement,
//! eviction, block order, and blocks built from the pool (skips, gas and DA limits).

use std::{collections::BTreeMap, sync::Arc};

use alloy_consensus::{SignableTransaction, TxEip1559, TxLegacy};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, B256, Bytes, FixedBytes, TxKind, U256, keccak256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use lamina_engine::{
    GenesisAccount,
    pool::{PoolConfig, PoolEnv, PoolError, PooledTx, TxPool},
};
use lamina_evm::{BlockAttributes, PoolLimits, header::next_base_fee};
use lamina_protocol::{
    HardforkSchedule,
    l1_info::{L1BlockInfoTx, L1OriginFields},
    predeploys::SEQUENCER_FEE_VAULT,
};
use op_alloy_consensus::{OpTxEnvelope, TxDeposit};
use revm::database::WrapDatabaseRef;

use crate::chain::{CHAIN_ID, Chain, ETH, config, key};

const GWEI: u128 = 1_000_000_000;

fn sign(from: &PrivateKeySigner, nonce: u64, tip: u128, cap: u128, value: u128, gas: u64) -> Bytes {
    let tx = TxEip1559 {
        chain_id: CHAIN_ID,
        nonce,
        gas_limit: gas,
        max_fee_per_gas: cap,
        max_priority_fee_per_gas: tip,
        to: TxKind::Call(Address::with_last_byte(0x99)),
        value: U256::from(value),
        ..Default::default()
    };
    let sig = from.sign_hash_sync(&tx.signature_hash()).unwrap();
    OpTxEnvelope::Eip1559(tx.into_signed(sig)).encoded_2718().into()
}

fn transfer(from: &PrivateKeySigner, nonce: u64, tip: u128) -> Bytes {
    sign(from, nonce, tip, 100 * GWEI, 1, 21_000)
}

/// A chain whose first 8 keys hold 1000 ETH each and key 8 holds just 0.001 ETH.
fn setup() -> (tempfile::TempDir, Chain) {
    let dir = tempfile::tempdir().unwrap();
    let mut alloc = BTreeMap::new();
    for i in 0..8 {
        alloc.insert(
            key(i).address(),
            GenesisAccount { balance: U256::from(1000 * ETH), ..Default::default() },
        );
    }
    alloc.insert(
        key(8).address(),
        GenesisAccount { balance: U256::from(ETH / 1000), ..Default::default() },
    );
    let mut chain =
        Chain::new(&dir.path().join("db"), config(HardforkSchedule::all_through_isthmus()), alloc);
    chain.produce(Vec::new());
    (dir, chain)
}

#[test]
fn admission_counts_the_l1_data_fee() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(HardforkSchedule::all_through_isthmus());
    // OP Mainnet's Ecotone scalars, on an L1 base fee of 100 gwei.
    let mut scalar = [0u8; 32];
    scalar[0] = 1;
    scalar[24..28].copy_from_slice(&810_949u32.to_be_bytes());
    scalar[28..].copy_from_slice(&1_368u32.to_be_bytes());
    cfg.genesis.system_config.scalar = B256::from(scalar);
    // With the predeploys: the L1Block contract must hold what the L1-info deposit sets.
    let json = crate::chain::genesis_json(&[key(0).address()]);
    let genesis = lamina_evm::genesis::L2Genesis::from_json(
        &json,
        &cfg,
        lamina_evm::genesis::FeeVaults::default(),
    )
    .unwrap();
    let mut chain = Chain::new(&dir.path().join("db"), cfg, genesis.alloc);
    // Fund two accounts with exactly what gas and value cost, and with 0.001 ETH more.
    let cost = 21_000 * 100 * GWEI + 1;
    let fund = |chain: &mut Chain, who: u8, amount: u128| {
        chain.tx(&key(0), TxKind::Call(key(who).address()), amount, Bytes::new(), 21_000)
    };
    let txs = vec![fund(&mut chain, 5, cost), fund(&mut chain, 6, cost + ETH / 1000)];
    chain.produce_with_l1_base_fee(txs, U256::from(100 * GWEI));
    let mut pool = TxPool::new(PoolConfig::default());
    let err = add(&mut pool, &chain, &transfer(&key(5), 0, GWEI)).unwrap_err();
    assert!(
        matches!(err, PoolError::InsufficientFunds { cost: c, .. } if c > U256::from(cost)),
        "the L1 fee makes the difference: {err}"
    );
    add(&mut pool, &chain, &transfer(&key(6), 0, GWEI)).unwrap();
}

fn env(chain: &Chain) -> PoolEnv {
    let forks = chain.builder.forks();
    let ts = chain.head.timestamp + 2;
    PoolEnv {
        chain_id: CHAIN_ID,
        number: chain.head.number + 1,
        base_fee: next_base_fee(forks, &chain.cfg.chain_op_config(), &chain.head).unwrap(),
        gas_limit: 30_000_000,
        spec: forks.spec_id(ts),
    }
}

fn add(pool: &mut TxPool, chain: &Chain, raw: &Bytes) -> Result<B256, PoolError> {
    pool.add(raw, &env(chain), &chain.store.state().unwrap())
}

/// Which error a refused tx must get.
type Expect = fn(&PoolError) -> bool;

#[test]
fn admission_errors_are_typed_and_change_nothing() {
    let (_dir, chain) = setup();
    let mut pool =
        TxPool::new(PoolConfig { max_per_sender: 3, max_nonce_gap: 5, ..Default::default() });
    let k = key(0);
    let base_fee = env(&chain).base_fee;
    let cases: Vec<(Bytes, Expect)> = vec![
        (Bytes::from_static(&[0x02, 0xc0]), |e| matches!(e, PoolError::Decode(_))),
        (
            {
                let d = TxDeposit { from: k.address(), gas_limit: 21_000, ..Default::default() };
                OpTxEnvelope::Deposit(alloy_primitives::Sealed::new(d)).encoded_2718().into()
            },
            |e| matches!(e, PoolError::Deposit),
        ),
        (
            {
                let tx = TxEip1559 {
                    chain_id: 1,
                    gas_limit: 21_000,
                    max_fee_per_gas: 100 * GWEI,
                    to: TxKind::Call(Address::ZERO),
                    ..Default::default()
                };
                let sig = k.sign_hash_sync(&tx.signature_hash()).unwrap();
                OpTxEnvelope::Eip1559(tx.into_signed(sig)).encoded_2718().into()
            },
            |e| matches!(e, PoolError::ChainId { have: Some(1), want: 901 }),
        ),
        (
            {
                // Pre-EIP-155: no replay protection.
                let tx = TxLegacy {
                    chain_id: None,
                    gas_limit: 21_000,
                    gas_price: 100 * GWEI,
                    to: TxKind::Call(Address::ZERO),
                    ..Default::default()
                };
                let sig = k.sign_hash_sync(&tx.signature_hash()).unwrap();
                OpTxEnvelope::Legacy(tx.into_signed(sig)).encoded_2718().into()
            },
            |e| matches!(e, PoolError::ChainId { have: None, .. }),
        ),
        (sign(&k, 0, GWEI, 100 * GWEI, 1, 20_000), |e| {
            matches!(e, PoolError::IntrinsicGas { have: 20_000, want: 21_000 })
        }),
        (sign(&k, 0, GWEI, 100 * GWEI, 1, 40_000_000), |e| matches!(e, PoolError::GasLimit { .. })),
        (sign(&k, 0, 2 * GWEI, GWEI, 1, 21_000), |e| matches!(e, PoolError::TipAboveFeeCap)),
        (sign(&k, 0, 0, u128::from(base_fee) - 1, 1, 21_000), |e| {
            matches!(e, PoolError::FeeCapBelowBaseFee { .. })
        }),
        (sign(&k, 6, GWEI, 100 * GWEI, 1, 21_000), |e| {
            matches!(e, PoolError::NonceTooHigh { next: 0, nonce: 6 })
        }),
        (sign(&key(8), 0, GWEI, 100 * GWEI, 1, 21_000), |e| {
            matches!(e, PoolError::InsufficientFunds { .. })
        }),
        (sign(&key(0), 0, GWEI, 100 * GWEI, 2000 * ETH, 21_000), |e| {
            matches!(e, PoolError::InsufficientFunds { .. })
        }),
        (Bytes::from(vec![0x02; 200 * 1024]), |e| matches!(e, PoolError::Oversized { .. })),
    ];
    for (raw, expected) in cases {
        let err = add(&mut pool, &chain, &raw).unwrap_err();
        assert!(expected(&err), "unexpected {err}");
        assert_eq!(pool.status().pending + pool.status().queued, 0);
    }
    // Already known, replacement rules, per-sender limit.
    let first = transfer(&k, 0, GWEI);
    add(&mut pool, &chain, &first).unwrap();
    assert_eq!(add(&mut pool, &chain, &first), Err(PoolError::AlreadyKnown));
    let same_price = sign(&k, 0, GWEI, 100 * GWEI, 2, 21_000);
    assert_eq!(add(&mut pool, &chain, &same_price), Err(PoolError::ReplacementUnderpriced));
    let bumped_cap_only = sign(&k, 0, GWEI, 110 * GWEI, 2, 21_000);
    assert_eq!(add(&mut pool, &chain, &bumped_cap_only), Err(PoolError::ReplacementUnderpriced));
    let bumped = sign(&k, 0, GWEI * 11 / 10, 110 * GWEI, 2, 21_000);
    let h = add(&mut pool, &chain, &bumped).unwrap();
    assert!(pool.get(&keccak256(&first)).is_none() && pool.get(&h).is_some());
    add(&mut pool, &chain, &transfer(&k, 1, GWEI)).unwrap();
    add(&mut pool, &chain, &transfer(&k, 2, GWEI)).unwrap();
    assert_eq!(
        add(&mut pool, &chain, &transfer(&k, 3, GWEI)),
        Err(PoolError::SenderFull(k.address()))
    );
}

#[test]
fn pending_and_queued_follow_nonce_gaps_and_blocks_order_by_tip() {
    let (_dir, chain) = setup();
    let mut pool = TxPool::new(PoolConfig::default());
    let (a, b) = (key(0), key(1));
    for n in [0, 1, 3] {
        add(&mut pool, &chain, &transfer(&a, n, GWEI)).unwrap();
    }
    assert_eq!((pool.status().pending, pool.status().queued), (2, 1));
    add(&mut pool, &chain, &transfer(&a, 2, GWEI)).unwrap();
    assert_eq!((pool.status().pending, pool.status().queued), (4, 0));
    assert_eq!(pool.pending_nonce(&a.address()), Some(4));
    // b pays more per gas but only its first tx: a's txs interleave by tip, each in nonce order.
    add(&mut pool, &chain, &transfer(&b, 0, 5 * GWEI)).unwrap();
    add(&mut pool, &chain, &transfer(&b, 1, GWEI / 2)).unwrap();
    let base_fee = env(&chain).base_fee;
    let mut best = pool.best(base_fee);
    let mut order = Vec::new();
    while let Some(tx) = best.next_pooled() {
        order.push((tx.sender, tx.nonce()));
    }
    let (a, b) = (a.address(), b.address());
    assert_eq!(order, vec![(b, 0), (a, 0), (a, 1), (a, 2), (a, 3), (b, 1)]);
}

#[test]
fn a_full_pool_evicts_the_cheapest_tail_or_refuses() {
    let (_dir, chain) = setup();
    let mut pool = TxPool::new(PoolConfig { max_txs: 3, ..Default::default() });
    add(&mut pool, &chain, &transfer(&key(0), 0, 2 * GWEI)).unwrap();
    add(&mut pool, &chain, &transfer(&key(1), 0, GWEI)).unwrap();
    add(&mut pool, &chain, &transfer(&key(2), 0, 3 * GWEI)).unwrap();
    assert_eq!(add(&mut pool, &chain, &transfer(&key(3), 0, GWEI / 2)), Err(PoolError::PoolFull));
    let rich = add(&mut pool, &chain, &transfer(&key(3), 0, 4 * GWEI)).unwrap();
    assert!(pool.get(&rich).is_some());
    assert!(pool.get(&keccak256(transfer(&key(1), 0, GWEI))).is_none(), "the cheapest went");
    assert_eq!(pool.status().pending, 3);
}

#[test]
fn blocks_take_pool_txs_within_gas_and_da_limits_and_skip_invalid_senders() {
    let (_dir, mut chain) = setup();
    let mut pool = TxPool::new(PoolConfig::default());
    // key 0: a chain of 3 txs; key 1: three txs of 1 ETH, admitted while it holds 1000 ETH;
    // key 2: one tx paying the most.
    for n in 0..3 {
        add(&mut pool, &chain, &transfer(&key(0), n, GWEI)).unwrap();
    }
    for n in 0..3 {
        add(&mut pool, &chain, &sign(&key(1), n, 2 * GWEI, 100 * GWEI, ETH, 21_000)).unwrap();
    }
    add(&mut pool, &chain, &transfer(&key(2), 0, 3 * GWEI)).unwrap();
    // Before the next block, key 1 spends its nonce 0 elsewhere (another node's block) and
    // drains itself: the pool has not seen that head yet, so its nonce 0 no longer executes
    // and its nonces 1 and 2 must be skipped with it.
    let to = TxKind::Call(Address::with_last_byte(0x77));
    let drain = chain.tx(&key(1), to, 999 * ETH + ETH / 2, Bytes::new(), 21_000);
    chain.produce(vec![drain]);

    let block = build(&mut chain, &pool, 30_000_000, None);
    let senders: Vec<_> = block.iter().map(|t| (t.sender, t.nonce())).collect();
    let (k0, k1, k2) = (key(0).address(), key(1).address(), key(2).address());
    assert_eq!(senders[0], (k2, 0));
    assert!(!senders.iter().any(|(s, _)| *s == k1), "key 1 is skipped: {senders:?}");
    assert_eq!(senders.iter().filter(|(s, _)| *s == k0).count(), 3);
    // Included txs leave the pool once the block is the head, and so do key 1's: one used
    // nonce, two it can no longer pay for.
    pool.on_new_head(&chain.store.state().unwrap()).unwrap();
    assert_eq!(pool.pending_nonce(&k0), None);
    assert_eq!(pool.pending_nonce(&k1), None, "key 1's unpayable txs are dropped");

    // Gas: room for two transfers after the L1-info deposit. DA: room for about one.
    for n in 0..4 {
        add(&mut pool, &chain, &transfer(&key(3), n, GWEI)).unwrap();
    }
    let (none, gas) = build_only(&mut chain, &pool, 30_000_000, Some(0));
    assert!(none.is_empty() && gas == 0, "a zero DA budget takes nothing");
    let (two, _) = build_only(&mut chain, &pool, 2 * 21_000 + 20_000, None);
    assert_eq!(two.iter().filter(|t| t.sender == key(3).address()).count(), 2);
    let (one, _) = build_only(&mut chain, &pool, 30_000_000, Some(150));
    assert_eq!(one.len(), 1, "{} txs fit 150 DA bytes", one.len());
}

fn attrs(chain: &Chain, gas_limit: u64) -> BlockAttributes {
    let ts = chain.head.timestamp + 2;
    let origin = L1OriginFields {
        number: 1,
        timestamp: ts - 4,
        hash: B256::repeat_byte(1),
        ..Default::default()
    };
    let info =
        L1BlockInfoTx::build(&chain.cfg, &chain.cfg.genesis.system_config, &origin, 0, ts).unwrap();
    BlockAttributes {
        timestamp: ts,
        prev_randao: B256::ZERO,
        suggested_fee_recipient: SEQUENCER_FEE_VAULT,
        parent_beacon_block_root: Some(B256::ZERO),
        gas_limit,
        eip1559_params: Some(FixedBytes::ZERO),
        transactions: vec![info.to_deposit_tx(&chain.cfg, ts).encoded_2718().into()],
        no_tx_pool: false,
    }
}

/// Builds a block from the pool without committing it; returns the pool txs it took and its
/// gas used.
fn build_only(
    chain: &mut Chain,
    pool: &TxPool,
    gas_limit: u64,
    da: Option<u64>,
) -> (Vec<Arc<PooledTx>>, u64) {
    // Without the L1-info deposit (whose 1M gas limit must fit the block), so that small
    // gas limits can be tried.
    let a = BlockAttributes { transactions: Vec::new(), ..attrs(chain, gas_limit) };
    build_from_pool(chain, pool, &a, da, false)
}

/// Builds a block from the pool with the L1-info deposit and commits it.
fn build(chain: &mut Chain, pool: &TxPool, gas_limit: u64, da: Option<u64>) -> Vec<Arc<PooledTx>> {
    let a = attrs(chain, gas_limit);
    build_from_pool(chain, pool, &a, da, true).0
}

fn build_from_pool(
    chain: &mut Chain,
    pool: &TxPool,
    a: &BlockAttributes,
    da: Option<u64>,
    commit: bool,
) -> (Vec<Arc<PooledTx>>, u64) {
    let view = chain.store.state().unwrap();
    let mut best = pool.best(env(chain).base_fee);
    let limits = PoolLimits { max_da_bytes: da, max_tx_da_bytes: None };
    let block = chain
        .builder
        .build_with(
            &chain.head,
            chain.head_hash,
            a,
            Some((&mut best, limits)),
            WrapDatabaseRef(&view),
            &view,
        )
        .unwrap();
    let taken =
        block.transactions.iter().filter_map(|t| pool.get(&keccak256(t.encoded_2718()))).collect();
    if commit {
        let update = view.take_update(&block.bundle, block.header.state_root).unwrap();
        drop(view);
        chain.store.commit_block(&block, &update).unwrap();
        chain.head = block.header.clone();
        chain.head_hash = block.hash;
    }
    (taken, block.header.gas_used)
}

/// A sender cannot queue more than it can pay for: its pooled txs' costs (value + gas × fee
/// cap) count together against its balance. A replacement counts instead of the tx it
/// replaces.
#[test]
fn a_sender_cannot_pool_txs_it_cannot_pay_for() {
    let (_dir, chain) = setup();
    let mut pool = TxPool::new(PoolConfig::default());
    // Key 8 holds 0.001 ETH; each tx may cost 21 000 × 10 gwei + 1 wei = 0.00021 ETH.
    let poor = key(8);
    let cheap = |nonce, cap| sign(&poor, nonce, GWEI, cap, 1, 21_000);
    for n in 0..4 {
        add(&mut pool, &chain, &cheap(n, 10 * GWEI)).unwrap();
    }
    let err = add(&mut pool, &chain, &cheap(4, 10 * GWEI)).unwrap_err();
    assert!(matches!(err, PoolError::InsufficientFunds { .. }), "{err}");
    assert_eq!(pool.status().pending, 4, "nothing changed");
    // Replacing nonce 0 at 11 gwei: 0.000231 + 3 × 0.00021 ETH still fits.
    add(&mut pool, &chain, &sign(&poor, 0, 2 * GWEI, 11 * GWEI, 1, 21_000)).unwrap();
    assert_eq!(pool.status().pending, 4);
}

/// After a block, txs whose sender can no longer pay for them (its balance fell) are dropped,
/// not kept to clog the pool, together with the ones behind them.
#[test]
fn txs_that_became_unpayable_are_dropped_on_a_new_head() {
    let (_dir, mut chain) = setup();
    let mut pool = TxPool::new(PoolConfig::default());
    let k = key(7);
    // Nonces 1-3 wait behind nonce 0; each moves 100 ETH.
    for n in 1..4 {
        add(&mut pool, &chain, &sign(&k, n, GWEI, 10 * GWEI, 100 * ETH, 21_000)).unwrap();
    }
    let other = key(6);
    add(&mut pool, &chain, &transfer(&other, 0, GWEI)).unwrap();
    assert_eq!((pool.status().pending, pool.status().queued), (1, 3));
    // Nonce 0, mined elsewhere: 950 ETH out, 50 ETH left, so 1-3 can never all be paid.
    let drain =
        chain.tx(&k, TxKind::Call(Address::with_last_byte(0x77)), 950 * ETH, Bytes::new(), 21_000);
    chain.produce(vec![drain]);
    pool.on_new_head(&chain.store.state().unwrap()).unwrap();
    assert_eq!(pool.pending_nonce(&k.address()), None, "every tx of the drained sender is gone");
    assert_eq!((pool.status().pending, pool.status().queued), (1, 0), "the other sender's stays");
}

/// Under a flood of large txs from many senders, the pool's bytes stay within its bound: a
/// newcomer that pays more evicts the cheapest, one that pays less is refused.
#[test]
fn the_pool_stays_within_its_byte_bound_under_a_flood() {
    let (_dir, chain) = setup();
    let max_bytes = 200_000;
    let mut pool = TxPool::new(PoolConfig { max_bytes, ..Default::default() });
    let big = |from: &PrivateKeySigner, nonce: u64, tip: u128| {
        let tx = TxEip1559 {
            chain_id: CHAIN_ID,
            nonce,
            gas_limit: 2_000_000,
            max_fee_per_gas: 100 * GWEI,
            max_priority_fee_per_gas: tip,
            to: TxKind::Call(Address::with_last_byte(0x99)),
            input: vec![0xab; 30_000].into(),
            ..Default::default()
        };
        let sig = from.sign_hash_sync(&tx.signature_hash()).unwrap();
        Bytes::from(OpTxEnvelope::Eip1559(tx.into_signed(sig)).encoded_2718())
    };
    let mut admitted = 0;
    for i in 0..8 {
        for nonce in 0..6 {
            match add(&mut pool, &chain, &big(&key(i), nonce, GWEI + u128::from(i) * GWEI)) {
                Ok(_) => admitted += 1,
                Err(PoolError::PoolFull) => {}
                Err(e) => panic!("{e}"),
            }
            let status = pool.status();
            assert!(status.bytes <= max_bytes, "{} bytes pooled", status.bytes);
        }
    }
    assert!(admitted > 6, "newcomers that paid more got in by eviction");
    let status = pool.status();
    assert!(status.bytes > max_bytes - 31_000, "the pool is full, not empty: {}", status.bytes);
    // The richest sender (key 7) holds txs; the poorest (key 0) was evicted.
    assert!(pool.pending_nonce(&key(7).address()).is_some());
    assert_eq!(pool.pending_nonce(&key(0).address()), None);
}
