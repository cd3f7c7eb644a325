//! Prague blocks for the dev L1: transfers and a blob tx, blob gas accounting and excess blob
//! gas across blocks, the 1559 base fee with Ethereum's parameters, empty requests.

use alloy_consensus::{Header, SignableTransaction, TxEip1559, TxEip4844, TxEnvelope};
use alloy_eips::{eip1559::BaseFeeParams, eip2718::Encodable2718, eip7685::EMPTY_REQUESTS_HASH};
use alloy_primitives::{Address, B256, Bytes, TxKind, U256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use alloy_trie::EMPTY_ROOT_HASH;
use lamina_evm::{
    ExecError,
    eth::{EthAttributes, EthBlockBuilder},
    mem::MemoryState,
};
use revm::database::WrapDatabaseRef;

const CHAIN: u64 = 900;

fn genesis() -> Header {
    lamina_evm::eth::genesis_header(1_000, 30_000_000)
}

fn transfer(k: &PrivateKeySigner, nonce: u64) -> Bytes {
    let tx = TxEip1559 {
        chain_id: CHAIN,
        nonce,
        gas_limit: 21_000,
        max_fee_per_gas: 50_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to: TxKind::Call(Address::repeat_byte(0x0b)),
        value: U256::from(7),
        ..Default::default()
    };
    let sig = k.sign_hash_sync(&tx.signature_hash()).unwrap();
    TxEnvelope::from(tx.into_signed(sig)).encoded_2718().into()
}

fn blob_tx(k: &PrivateKeySigner, nonce: u64, blobs: usize) -> Bytes {
    let tx = TxEip4844 {
        chain_id: CHAIN,
        nonce,
        gas_limit: 21_000,
        max_fee_per_gas: 50_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to: Address::repeat_byte(0xff),
        // Versioned hashes start with the KZG version byte 0x01.
        blob_versioned_hashes: (0..blobs)
            .map(|i| {
                let mut h = B256::with_last_byte(i as u8);
                h[0] = 0x01;
                h
            })
            .collect(),
        max_fee_per_blob_gas: 1_000_000_000,
        ..Default::default()
    };
    let sig = k.sign_hash_sync(&tx.signature_hash()).unwrap();
    TxEnvelope::from(tx.into_signed(sig)).encoded_2718().into()
}

fn attrs(ts: u64, txs: Vec<Bytes>) -> EthAttributes {
    EthAttributes {
        timestamp: ts,
        prev_randao: B256::repeat_byte(3),
        fee_recipient: Address::repeat_byte(0xc0),
        parent_beacon_block_root: B256::repeat_byte(4),
        gas_limit: 30_000_000,
        transactions: txs,
    }
}

#[test]
fn prague_blocks_account_for_blob_gas_and_chain_their_fees() {
    let builder = EthBlockBuilder::new(CHAIN);
    let alice = PrivateKeySigner::from_bytes(&B256::repeat_byte(0x11)).unwrap();
    let mut state = MemoryState::default();
    state.fund(alice.address(), U256::from(10u128.pow(20)));
    let g = genesis();

    // Block 1: two transfers and a 9-blob tx (Prague's per-block maximum).
    let b1 = builder
        .build(
            &g,
            g.hash_slow(),
            &attrs(1_012, vec![transfer(&alice, 0), transfer(&alice, 1), blob_tx(&alice, 2, 9)]),
            WrapDatabaseRef(&state),
            &state,
        )
        .unwrap();
    assert!(b1.receipts.iter().all(|r| r.status()));
    assert_eq!(b1.header.blob_gas_used, Some(9 * 131_072));
    assert_eq!(b1.header.excess_blob_gas, Some(0));
    assert_eq!(b1.header.requests_hash, Some(EMPTY_REQUESTS_HASH));
    assert_eq!(b1.header.withdrawals_root, Some(EMPTY_ROOT_HASH));
    assert_eq!(b1.header.parent_beacon_block_root, Some(B256::repeat_byte(4)));
    assert_eq!(b1.header.gas_used, 3 * 21_000);
    state.apply(&b1.bundle);
    assert_eq!(state.state_root(), b1.header.state_root);

    // Block 2: 9 blobs were above Prague's target of 6, so excess blob gas grows by 3 blobs.
    let b2 = builder
        .build(
            &b1.header,
            b1.hash,
            &attrs(1_024, vec![transfer(&alice, 3)]),
            WrapDatabaseRef(&state),
            &state,
        )
        .unwrap();
    assert_eq!(b2.header.excess_blob_gas, Some(3 * 131_072));
    assert_eq!(
        b2.header.base_fee_per_gas,
        b1.header.next_block_base_fee(BaseFeeParams::ethereum())
    );
    assert_eq!(b2.header.parent_hash, b1.hash);
    state.apply(&b2.bundle);
    assert_eq!(state.state_root(), b2.header.state_root);
    assert_eq!(state.accounts[&alice.address()].nonce, 4);
}

#[test]
fn bad_l1_blocks_are_typed_errors() {
    let builder = EthBlockBuilder::new(CHAIN);
    let alice = PrivateKeySigner::from_bytes(&B256::repeat_byte(0x12)).unwrap();
    let mut state = MemoryState::default();
    state.fund(alice.address(), U256::from(10u128.pow(20)));
    let g = genesis();
    let err = builder
        .build(&g, g.hash_slow(), &attrs(1_000, vec![]), WrapDatabaseRef(&state), &state)
        .unwrap_err();
    assert!(matches!(err, ExecError::InvalidAttributes(_)));
    // Ten blobs exceed Prague's per-block maximum of nine.
    let err = builder
        .build(
            &g,
            g.hash_slow(),
            &attrs(1_012, vec![blob_tx(&alice, 0, 10)]),
            WrapDatabaseRef(&state),
            &state,
        )
        .unwrap_err();
    assert!(err.is_invalid_input(), "{err}");
    let err = builder
        .build(
            &g,
            g.hash_slow(),
            &attrs(1_012, vec![Bytes::from_static(&[0x7e, 0xc0])]),
            WrapDatabaseRef(&state),
            &state,
        )
        .unwrap_err();
    assert!(
        matches!(err, ExecError::TxDecode { index: 0, .. }),
        "deposits do not exist on L1: {err}"
    );
}
