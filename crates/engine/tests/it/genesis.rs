//! From a geth-format genesis JSON to a proven withdrawal: genesis with our predeploys, an
//! Isthmus block with the L1-info deposit and an `initiateWithdrawal`, then the `sentMessages`
//! proof against the header's `withdrawalsRoot` and the account proof against its state root.

use alloy_consensus::{SignableTransaction, TxEip1559};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, B256, Bytes, FixedBytes, TxKind, U256, keccak256};
use alloy_signer::SignerSync;
use alloy_trie::{Nibbles, TrieAccount, proof::verify_proof};
use lamina_engine::Store;
use lamina_evm::{
    BlockAttributes, OpBlockBuilder,
    genesis::{FeeVaultConfig, L2Genesis},
    l1block::storage_after,
};
use lamina_protocol::{
    HardforkSchedule,
    l1_info::{L1BlockInfoTx, L1OriginFields},
    output_root::OutputRootV0,
    predeploys::{L1_BLOCK, L2_TO_L1_MESSAGE_PASSER, SEQUENCER_FEE_VAULT},
    withdrawal::{decode_message_passed, sent_messages_slot},
};
use op_alloy_consensus::OpTxEnvelope;
use revm::{DatabaseRef, database::WrapDatabaseRef};

use crate::chain::{CHAIN_ID, ETH, config, genesis_json, key};

/// `initiateWithdrawal(address,uint256,bytes)` calldata.
pub(crate) fn initiate_withdrawal(target: Address, gas: u64, data: &[u8]) -> Bytes {
    let mut out = keccak256("initiateWithdrawal(address,uint256,bytes)")[..4].to_vec();
    out.extend_from_slice(target.into_word().as_slice());
    out.extend_from_slice(&U256::from(gas).to_be_bytes::<32>());
    out.extend_from_slice(&U256::from(0x60).to_be_bytes::<32>());
    out.extend_from_slice(&U256::from(data.len()).to_be_bytes::<32>());
    let mut padded = data.to_vec();
    padded.resize(data.len().div_ceil(32) * 32, 0);
    out.extend_from_slice(&padded);
    out.into()
}

#[test]
fn genesis_json_to_a_proven_withdrawal() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(HardforkSchedule::all_through_isthmus());
    let alice = key(7);
    let genesis =
        L2Genesis::from_json(&genesis_json(&[alice.address()]), &cfg, FeeVaultConfig::default())
            .unwrap();
    assert!(genesis.alloc[&L1_BLOCK].code.len() > 100, "predeploys added");
    let store = Store::open(dir.path().join("db")).unwrap();
    let header = store.init_genesis(genesis.header.clone(), &genesis.alloc).unwrap();
    assert_eq!(
        header.state_root,
        genesis.state_root(),
        "store and from-scratch genesis roots agree"
    );
    assert_eq!(header.extra_data.len(), 9, "Holocene extraData at genesis");

    // Block 1: L1-info deposit, then Alice withdraws 1 ETH to an L1 address with some data.
    let ts = header.timestamp + 2;
    let origin = L1OriginFields {
        number: 7,
        timestamp: ts - 6,
        hash: B256::repeat_byte(7),
        ..Default::default()
    };
    let info = L1BlockInfoTx::build(&cfg, &cfg.genesis.system_config, &origin, 0, ts).unwrap();
    let target = Address::repeat_byte(0xa1);
    let tx = TxEip1559 {
        chain_id: CHAIN_ID,
        gas_limit: 200_000,
        max_fee_per_gas: 10_000_000_000,
        max_priority_fee_per_gas: 1,
        to: TxKind::Call(L2_TO_L1_MESSAGE_PASSER),
        value: U256::from(ETH),
        input: initiate_withdrawal(target, 100_000, &[0x12, 0x34]),
        ..Default::default()
    };
    let sig = alice.sign_hash_sync(&tx.signature_hash()).unwrap();
    let attrs = BlockAttributes {
        timestamp: ts,
        prev_randao: B256::ZERO,
        suggested_fee_recipient: SEQUENCER_FEE_VAULT,
        parent_beacon_block_root: Some(B256::ZERO),
        gas_limit: 30_000_000,
        eip1559_params: Some(FixedBytes::ZERO),
        transactions: vec![
            info.to_deposit_tx(&cfg, ts).encoded_2718().into(),
            OpTxEnvelope::Eip1559(tx.into_signed(sig)).encoded_2718().into(),
        ],
        no_tx_pool: true,
    };
    let builder = OpBlockBuilder::new(cfg);
    let view = store.state().unwrap();
    let block =
        builder.build(&header, header.hash_slow(), &attrs, WrapDatabaseRef(&view), &view).unwrap();
    let update = view.take_update(&block.bundle, block.header.state_root).unwrap();
    drop(view);
    store.commit_block(&block, &update).unwrap();
    assert!(block.receipts.iter().all(|r| r.status()));

    // The MessagePassed event describes the withdrawal and its hash.
    let log =
        block.receipts[1].logs().iter().find(|l| l.address == L2_TO_L1_MESSAGE_PASSER).unwrap();
    let (w, logged_hash) = decode_message_passed(log).unwrap();
    assert_eq!(w.hash(), logged_hash);
    assert_eq!((w.sender, w.target, w.value), (alice.address(), target, U256::from(ETH)));
    assert_eq!(w.nonce, U256::from(1) << 240);
    assert_eq!(w.data.as_ref(), &[0x12, 0x34]);

    // L1Block holds what the L1-info call wrote.
    let view = store.state().unwrap();
    for (slot, value) in storage_after(&info) {
        assert_eq!(view.storage_ref(L1_BLOCK, slot).unwrap(), value, "L1Block slot {slot}");
    }

    // Isthmus: withdrawalsRoot is the message passer's storage root, and sentMessages proves.
    let passer = view.account(&L2_TO_L1_MESSAGE_PASSER).unwrap().unwrap();
    assert_eq!(block.header.withdrawals_root, Some(passer.storage_root));
    let slot = U256::from_be_bytes(sent_messages_slot(w.hash()).0);
    let p = view.proof(&L2_TO_L1_MESSAGE_PASSER, &[slot]).unwrap();
    assert_eq!(p.storage[0].1, U256::from(1));
    let sp = &p.storage[0].2;
    let key = Nibbles::unpack(keccak256(slot.to_be_bytes::<32>()));
    verify_proof(passer.storage_root, key, Some(alloy_rlp::encode(U256::from(1))), sp).unwrap();
    let ap = view.account_proof(&L2_TO_L1_MESSAGE_PASSER).unwrap();
    let leaf = alloy_rlp::encode(TrieAccount {
        nonce: passer.nonce,
        balance: passer.balance,
        storage_root: passer.storage_root,
        code_hash: passer.code_hash,
    });
    verify_proof(
        block.header.state_root,
        Nibbles::unpack(keccak256(L2_TO_L1_MESSAGE_PASSER)),
        Some(leaf),
        &ap,
    )
    .unwrap();
    assert_eq!(passer.balance, U256::from(ETH), "the withdrawn ETH waits in the passer");

    // The output root a proposer would post for block 1.
    let output = OutputRootV0 {
        state_root: block.header.state_root,
        message_passer_storage_root: passer.storage_root,
        block_hash: block.hash,
    };
    assert_ne!(output.hash(), B256::ZERO);
}

#[test]
fn a_genesis_for_another_chain_is_refused() {
    let cfg = config(HardforkSchedule::all_through_isthmus());
    let json = genesis_json(&[Address::ZERO])
        .replace(&format!("\"chainId\": {CHAIN_ID}"), "\"chainId\": 5");
    let err = L2Genesis::from_json(&json, &cfg, FeeVaultConfig::default()).unwrap_err();
    assert!(err.to_string().contains("l2_chain_id"), "{err}");
    assert!(L2Genesis::from_json("{", &cfg, FeeVaultConfig::default()).is_err());
}
