//! Deposits through our portal: the event is byte for byte what the OP vectors expect for the
//! same inputs, lamina-protocol decodes it into the vector's deposit tx, and the portal's rules
//! (creation target, minimum gas, data size, per-block gas, aliasing) hold.

use std::path::PathBuf;

use alloy_primitives::{Address, B256, Bytes, Log, U256, address, hex};
use alloy_sol_types::SolCall;
use lamina_l1::contracts::{Multicall3, OptimismPortal};
use lamina_protocol::deposit::{apply_l1_to_l2_alias, decode_deposit_log};
use serde_json::Value;

use crate::fixture::{STRANGER, deploy};

/// The deposit vectors from `tests/vectors/` (or `$LAMINA_VECTORS`); missing ones fail the test.
fn vectors() -> Value {
    let dir = std::env::var_os("LAMINA_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors"));
    let path = dir.join("extracted/deposits.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("OP test vectors not found at {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn word(v: &Value) -> B256 {
    v.as_str().unwrap().parse().unwrap()
}

/// The vectors' logs come from decoder tests, not from a portal: their gas limits are below the
/// portal's minimum, and one sets `isCreation` with a non-zero `to`. The portal must refuse
/// exactly those inputs; with the gas limit raised to the minimum (and creation off) it must
/// emit the vector's log with only those bytes changed.
#[test]
fn deposit_event_matches_the_op_vectors() {
    let v = vectors();
    let cases = v["transaction_deposited_log_to_tx"].as_array().unwrap();
    assert_eq!(cases.len(), 2);
    for case in cases {
        let topics: Vec<B256> = case["topics"].as_array().unwrap().iter().map(word).collect();
        let data: Vec<u8> = hex::decode(case["data"].as_str().unwrap()).unwrap();
        let from = Address::from_word(topics[1]);
        let to = Address::from_word(topics[2]);
        // opaqueData = mint(32) ++ value(32) ++ gas(8) ++ isCreation(1) ++ data.
        let opaque = &data[64..64 + usize::from_be_bytes(data[56..64].try_into().unwrap())];
        let mint = U256::from_be_slice(&opaque[0..32]);
        let value = U256::from_be_slice(&opaque[32..64]);
        let gas = u64::from_be_bytes(opaque[64..72].try_into().unwrap());
        let creation = opaque[72] != 0;
        let calldata = Bytes::copy_from_slice(&opaque[73..]);

        let mut d = deploy(1, 0, 0);
        d.l1.fund(from, U256::from(10).pow(U256::from(20)));
        let call = |gas: u64, creation: bool| OptimismPortal::depositTransactionCall {
            _to: to,
            _value: value,
            _gasLimit: gas,
            _isCreation: creation,
            _data: calldata.clone(),
        };
        if creation {
            d.l1.send(from, d.portal, mint, call(1_000_000, true))
                .assert_revert("OptimismPortal: must send to address(0) when creating a contract");
        }
        let min = d.l1.view(
            d.portal,
            OptimismPortal::minimumGasLimitCall { _byteCount: calldata.len() as u64 },
        );
        assert!(
            gas < min,
            "{}: the vector's gas limit is below the portal's minimum",
            case["name"]
        );
        d.l1.send(from, d.portal, mint, call(gas, false))
            .assert_revert("OptimismPortal: gas limit too small");

        let out = d.l1.send(from, d.portal, mint, call(min, false));
        out.assert_ok();
        assert_eq!(out.logs.len(), 1);
        let log = &out.logs[0];
        assert_eq!(log.address, d.portal);
        assert_eq!(log.topics(), topics.as_slice(), "{}", case["name"]);
        let mut expected = data.clone();
        expected[64 + 64..64 + 72].copy_from_slice(&min.to_be_bytes());
        expected[64 + 72] = 0;
        assert_eq!(log.data.data.as_ref(), expected.as_slice(), "{}", case["name"]);
        assert_eq!(d.l1.balance(d.portal), mint, "the portal holds the minted ETH");

        // What derivation reads from it: the vector's deposit tx, with the same two changes.
        let l1_hash = word(&case["l1BlockHash"]);
        let ours = decode_deposit_log(log, l1_hash, case["logIndex"].as_u64().unwrap()).unwrap();
        let vector_log = Log::new_unchecked(d.portal, topics.clone(), data.into());
        let mut theirs = decode_deposit_log(&vector_log, l1_hash, 0).unwrap();
        theirs.gas_limit = min;
        if creation {
            theirs.to = alloy_primitives::TxKind::Call(to);
        }
        assert_eq!(ours, theirs);
    }
}

#[test]
fn a_contract_sender_is_aliased_and_an_eoa_is_not() {
    let mut d = deploy(1, 0, 0);
    d.l1.fund(STRANGER, U256::from(10).pow(U256::from(19)));
    let deposit = OptimismPortal::depositTransactionCall {
        _to: STRANGER,
        _value: U256::ZERO,
        _gasLimit: 50_000,
        _isCreation: false,
        _data: Bytes::new(),
    };
    let direct = d.l1.send(STRANGER, d.portal, U256::from(7), deposit.clone());
    assert_eq!(Address::from_word(direct.assert_ok().logs[0].topics()[1]), STRANGER);

    // Through a contract (Multicall3 forwarding the value): L2 sees the aliased address.
    let via = Multicall3::aggregate3ValueCall {
        calls: vec![Multicall3::Call3Value {
            target: d.portal,
            allowFailure: false,
            value: U256::from(7),
            callData: deposit.abi_encode().into(),
        }],
    };
    let out = d.l1.send(STRANGER, d.multicall, U256::from(7), via);
    let from = Address::from_word(out.assert_ok().logs[0].topics()[1]);
    assert_eq!(from, apply_l1_to_l2_alias(d.multicall));
    assert_ne!(from, d.multicall);
}

#[test]
fn plain_eth_to_the_portal_deposits_to_the_sender() {
    let mut d = deploy(1, 0, 0);
    d.l1.fund(STRANGER, U256::from(10).pow(U256::from(19)));
    let out = d.l1.transact(
        STRANGER,
        alloy_primitives::TxKind::Call(d.portal),
        U256::from(5),
        Bytes::new(),
    );
    let log = &out.assert_ok().logs[0];
    let tx = decode_deposit_log(log, B256::ZERO, 0).unwrap();
    assert_eq!(tx.from, STRANGER);
    assert_eq!(tx.to, alloy_primitives::TxKind::Call(STRANGER));
    assert_eq!(tx.mint, 5);
    assert_eq!(tx.value, U256::from(5));
    assert_eq!(tx.gas_limit, 100_000);
}

fn deposit_of(gas: u64, data: Vec<u8>) -> OptimismPortal::depositTransactionCall {
    OptimismPortal::depositTransactionCall {
        _to: address!("0000000000000000000000000000000000000bee"),
        _value: U256::ZERO,
        _gasLimit: gas,
        _isCreation: false,
        _data: data.into(),
    }
}

const GWEI: u128 = 1_000_000_000;

fn market(d: &mut crate::fixture::Deployed) -> (u128, u64, u64) {
    let p = d.l1.view(d.portal, OptimismPortal::paramsCall {});
    (p.prevBaseFee, p.prevBoughtGas, p.prevBlockNum)
}

#[test]
fn oversized_data_and_too_much_gas_per_block_are_refused() {
    let mut d = deploy(1, 0, 0);
    d.l1.fund(STRANGER, U256::from(10).pow(U256::from(19)));
    d.l1.send(STRANGER, d.portal, U256::ZERO, deposit_of(3_000_000, vec![1; 120_001]))
        .assert_revert("OptimismPortal: data too large");
    d.l1.send(STRANGER, d.portal, U256::ZERO, deposit_of(3_000_000, vec![1; 120_000])).assert_ok();

    // 20M gas per L1 block: 3M were bought above, so 17M more fit and then nothing does.
    d.l1.send(STRANGER, d.portal, U256::ZERO, deposit_of(17_000_000, vec![])).assert_ok();
    d.l1.send(STRANGER, d.portal, U256::ZERO, deposit_of(21_000, vec![]))
        .assert_revert("ResourceMetering: cannot buy more gas than available gas limit");
    assert_eq!(market(&mut d), (GWEI, 20_000_000, d.l1.number));
}

/// Deposit griefing: one deposit asking for a whole L1 block's deposit gas, block after block,
/// would censor every other deposit (forced inclusion is the users' escape hatch) if that gas
/// were free. It is bought on OP's market instead: the attacker burns L1 gas worth the price,
/// the price rises 1/8 × (bought − target)/target per block, and the next max-gas attempt costs
/// more L1 gas than a tx may use, so a user's deposit in that same L1 block lands.
#[test]
fn a_deposit_griefer_pays_the_market_price_and_users_still_get_in() {
    let mut d = deploy(1, 0, 0);
    let attacker = address!("00000000000000000000000000000000000a77ac");
    for who in [attacker, STRANGER] {
        d.l1.fund(who, U256::from(10).pow(U256::from(21)));
    }
    let plain = d.l1.send(STRANGER, d.portal, U256::ZERO, deposit_of(21_000, vec![]));
    plain.assert_ok();
    d.l1.advance(12);

    // Block 2: the whole 20M at the floor price, 1 gwei per L2 gas. The L1 base fee is 0 here,
    // so the burn is priced at 1 gwei too: 20M L1 gas, the market price.
    let (fee, ..) = market(&mut d);
    assert_eq!(fee, GWEI);
    let grief = d.l1.send(attacker, d.portal, U256::ZERO, deposit_of(20_000_000, vec![]));
    grief.assert_ok();
    assert!(grief.gas_used >= 20_000_000, "the attacker burned {} L1 gas", grief.gas_used);
    d.l1.send(STRANGER, d.portal, U256::ZERO, deposit_of(100_000, vec![]))
        .assert_revert("ResourceMetering: cannot buy more gas than available gas limit");

    // Block 3: the price is up by 1/8 × (20M − 2M)/2M = 112.5 %. The same grab would burn
    // 42.5M L1 gas, more than the tx may use; the user's deposit after it lands.
    d.l1.advance(12);
    let again = d.l1.send(attacker, d.portal, U256::ZERO, deposit_of(20_000_000, vec![]));
    assert!(!again.success, "a second max-gas deposit cannot be paid for within a tx");
    let user = d.l1.send(STRANGER, d.portal, U256::ZERO, deposit_of(100_000, vec![]));
    user.assert_ok();
    assert_eq!(user.logs.len(), 1, "the user's deposit is announced");
    let (fee, bought, block) = market(&mut d);
    assert_eq!((fee, bought, block), (GWEI * 17 / 8, 100_000, d.l1.number));
    // The user paid the market price too: 100k L2 gas at 2.125 gwei = 212.5k L1 gas.
    assert!(user.gas_used >= 212_500 && user.gas_used < 212_500 + 60_000, "{}", user.gas_used);
    assert!(user.gas_used > plain.gas_used);
    eprintln!(
        "deposit market: 21k-gas deposit at 1 gwei {} L1 gas; 20M grab {} L1 gas; \
         100k-gas deposit at 2.125 gwei {} L1 gas",
        plain.gas_used, grief.gas_used, user.gas_used
    );
}

/// After a long quiet spell the price decays to the floor (one 1/8 step per empty block), and
/// computing that costs a bounded amount of gas however many blocks passed.
#[test]
fn the_deposit_price_decays_to_its_floor_in_bounded_gas() {
    let mut d = deploy(1, 0, 0);
    d.l1.fund(STRANGER, U256::from(10).pow(U256::from(21)));
    d.l1.send(STRANGER, d.portal, U256::ZERO, deposit_of(20_000_000, vec![])).assert_ok();
    d.l1.advance(12);
    d.l1.send(STRANGER, d.portal, U256::ZERO, deposit_of(10_000_000, vec![])).assert_ok();
    let (high, ..) = market(&mut d);
    assert!(high > 2 * GWEI, "{high}");

    // Three empty blocks: the price after the 10M block, then three 1/8 steps down.
    d.l1.number += 4;
    let target = 2_000_000i128;
    let mut want = high as i128 + high as i128 * (10_000_000 - target) / (target * 8);
    for _ in 0..3 {
        want -= want / 8;
    }
    d.l1.send(STRANGER, d.portal, U256::ZERO, deposit_of(21_000, vec![])).assert_ok();
    assert_eq!(market(&mut d).0, want as u128);

    // A million empty blocks: back at the floor, for little gas.
    d.l1.number += 1_000_000;
    let cheap = d.l1.send(STRANGER, d.portal, U256::ZERO, deposit_of(21_000, vec![]));
    cheap.assert_ok();
    assert_eq!(market(&mut d).0, GWEI);
    assert!(cheap.gas_used < 200_000, "{}", cheap.gas_used);
}
