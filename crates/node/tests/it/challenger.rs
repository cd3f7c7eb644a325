//! The challenger against the real oracle on the dev L1, with a stand-in for the trusted node
//! whose roots and safe head the test sets: a right output is left alone, a wrong one is
//! deleted (that index, and so every later one), an output the node does not cover yet waits,
//! a final one is never touched, and a restarted challenger decides the same with no state.
//! And the case the challenger exists for: a withdrawal proven against a wrong output cannot
//! be finalized once the output is deleted; proven again against the right one, it is.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{SystemTime, UNIX_EPOCH},
};

use alloy_consensus::{SignableTransaction, TxEip1559};
use alloy_eips::{
    BlockNumberOrTag,
    eip2718::{Decodable2718, Encodable2718},
};
use alloy_primitives::{Address, B256, Bytes, TxKind, U256};
use alloy_rpc_types_eth::TransactionRequest;
use alloy_signer::SignerSync;
use alloy_sol_types::{SolCall, sol};
use lamina_devl1::DevL1;
use lamina_l1::{
    chain::L1Chain,
    contracts::{L2OutputOracle, OptimismPortal, OutputRootProof, WithdrawalTransaction},
    deploy::DeployConfig,
    txmgr::{TxManager, TxManagerConfig},
};
use lamina_node::{
    EngineHandle,
    challenger::{Challenger, ChallengerError, Deleted, EngineOutputs, TrustedOutputs},
    rollup::{Verifier, rpc::output_at},
};
use lamina_protocol::{
    output_root::OutputRootV0,
    predeploys::L2_TO_L1_MESSAGE_PASSER,
    withdrawal::{decode_message_passed, sent_messages_slot},
};
use op_alloy_consensus::{OpReceiptEnvelope, OpTxEnvelope};

use crate::fixture::{Rollup, key, sequence_to_origin};

sol! {
    function initiateWithdrawal(address _target, uint256 _gasLimit, bytes _data) payable;
}

/// The trusted node as the test says it is.
#[derive(Debug, Clone, Default)]
struct Node {
    head: Arc<Mutex<u64>>,
    roots: Arc<Mutex<HashMap<u64, B256>>>,
}

impl Node {
    fn set(&self, head: u64, roots: &[(u64, B256)]) {
        *self.head.lock().unwrap() = head;
        self.roots.lock().unwrap().extend(roots.iter().copied());
    }
}

impl TrustedOutputs for Node {
    async fn trusted_head(&self) -> Result<u64, ChallengerError> {
        Ok(*self.head.lock().unwrap())
    }

    async fn output_root(&self, number: u64) -> Result<B256, ChallengerError> {
        Ok(self.roots.lock().unwrap()[&number])
    }
}

fn root(n: u8) -> B256 {
    B256::repeat_byte(n)
}

/// Proposes `root` for the next block (from the proposer, dev account 2).
async fn propose(r: &Rollup, block: u64, root: B256) {
    let call = L2OutputOracle::proposeL2OutputCall {
        _outputRoot: root,
        _l2BlockNumber: U256::from(block),
        _l1BlockHash: B256::ZERO,
        _l1BlockNumber: U256::ZERO,
    };
    r.send_l1(2, r.addresses.l2_output_oracle, call.abi_encode(), U256::ZERO).await;
}

async fn next_index(r: &Rollup) -> u64 {
    let tx = TransactionRequest::default()
        .to(r.addresses.l2_output_oracle)
        .input(L2OutputOracle::nextOutputIndexCall {}.abi_encode().into());
    let out = r.l1.call(tx).await.unwrap();
    L2OutputOracle::nextOutputIndexCall::abi_decode_returns(&out).unwrap().to()
}

async fn challenger(r: &Rollup, node: &Node) -> Challenger<DevL1, Node> {
    let txmgr = TxManager::new(r.l1.clone(), key(0), TxManagerConfig::dev());
    Challenger::new(node.clone(), txmgr.await.unwrap(), r.addresses.l2_output_oracle)
}

async fn sent_by_challenger(r: &Rollup) -> u64 {
    r.l1.nonce(key(0).address(), BlockNumberOrTag::Latest).await.unwrap()
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_challenger_deletes_exactly_the_wrong_outputs_it_can_judge() {
    let dir = tempfile::tempdir().unwrap();
    let r = Rollup::new(dir.path()).await;
    // L1 time well past the L2 time of the blocks proposed below (block 40 is 80 s in).
    r.l1.mine_at(now() + 200).unwrap();
    let node = Node::default();
    let mut c = challenger(&r, &node).await;
    let txs_before = sent_by_challenger(&r).await;

    // 10 right, 20 wrong, 30 beyond the node's safe head: only 20 goes.
    propose(&r, 10, root(1)).await;
    propose(&r, 20, root(0xbb)).await;
    propose(&r, 30, root(0xcc)).await;
    node.set(25, &[(10, root(1)), (20, root(2))]);
    let deleted = c.step().await.unwrap().expect("the wrong output is deleted");
    assert_eq!(
        (deleted.index, deleted.l2_block, deleted.bad_root, deleted.good_root),
        (1, 20, root(0xbb), root(2))
    );
    assert!(deleted.gas_used > 0);
    println!("deleteL2Outputs gas: {}", deleted.gas_used);
    assert_eq!(next_index(&r).await, 1, "index 1 and everything after it are gone");
    assert_eq!(c.step().await.unwrap(), None, "what is left is right");

    // The proposer goes on: 20 right now, 30 wrong but not yet covered by the node.
    propose(&r, 20, root(2)).await;
    propose(&r, 30, root(0xcc)).await;
    assert_eq!(c.step().await.unwrap(), None, "block 30 is above the node's safe head");
    assert_eq!(next_index(&r).await, 3);
    node.set(35, &[(30, root(3))]);
    let Some(Deleted { index: 2, l2_block: 30, .. }) = c.step().await.unwrap() else {
        panic!("output 2 (block 30) is deleted once the node covers it");
    };
    propose(&r, 30, root(3)).await;
    assert_eq!(c.step().await.unwrap(), None);
    assert_eq!(sent_by_challenger(&r).await, txs_before + 2, "two deletions, nothing else");

    // A restarted challenger, with nothing remembered, finds nothing to do.
    let mut restarted = challenger(&r, &node).await;
    assert_eq!(restarted.step().await.unwrap(), None);

    // A wrong output that is already final is not the challenger's any more.
    propose(&r, 40, root(0xdd)).await;
    node.set(45, &[(40, root(4))]);
    let l1_time = r.l1.header(BlockNumberOrTag::Latest).await.unwrap().unwrap().timestamp;
    r.l1.mine_at(l1_time + DeployConfig::dev().finalization_period_seconds + 1).unwrap();
    assert_eq!(restarted.step().await.unwrap(), None);
    assert_eq!(next_index(&r).await, 4, "the final output stays");
    assert_eq!(sent_by_challenger(&r).await, txs_before + 2);
}

/// `who`'s L2 tx calling the message passer's `initiateWithdrawal` with `value`.
fn withdrawal_tx(r: &Rollup, who: usize, nonce: u64, target: Address, value: u64) -> Bytes {
    let call = initiateWithdrawalCall {
        _target: target,
        _gasLimit: U256::from(100_000),
        _data: Bytes::new(),
    };
    let tx = TxEip1559 {
        chain_id: r.cfg.l2_chain_id,
        nonce,
        gas_limit: 300_000,
        max_fee_per_gas: 10_000_000_000,
        max_priority_fee_per_gas: 1_000_000,
        to: TxKind::Call(L2_TO_L1_MESSAGE_PASSER),
        value: U256::from(value),
        input: call.abi_encode().into(),
        ..Default::default()
    };
    let sig = key(who).sign_hash_sync(&tx.signature_hash()).unwrap();
    OpTxEnvelope::Eip1559(tx.into_signed(sig)).encoded_2718().into()
}

/// The withdrawal `MessagePassed` logged in block `n` of `engine`, if any.
fn withdrawal_in(engine: &EngineHandle, n: u64) -> Option<WithdrawalTransaction> {
    let receipts = engine.store().block_receipts(n).unwrap().unwrap();
    receipts.iter().find_map(|raw| {
        let receipt = OpReceiptEnvelope::decode_2718(&mut raw.as_ref()).unwrap();
        receipt.logs().iter().find_map(|l| decode_message_passed(l).ok()).map(|(w, _)| w.into())
    })
}

/// The output root proof of block `n` on `engine` and the storage proof of `w` there.
fn proofs(
    engine: &EngineHandle,
    n: u64,
    w: &WithdrawalTransaction,
) -> (OutputRootProof, Vec<Bytes>) {
    let hash = lamina_protocol::withdrawal::WithdrawalTransaction::from(w.clone()).hash();
    let slot = sent_messages_slot(hash);
    let state = engine.store().state_at(n).unwrap();
    let proof = state.proof(&L2_TO_L1_MESSAGE_PASSER, &[slot.into()]).unwrap();
    let header = engine.store().header(n).unwrap().unwrap();
    let output = OutputRootV0 {
        state_root: header.state_root,
        message_passer_storage_root: proof.account.unwrap().storage_root,
        block_hash: header.hash_slow(),
    };
    let (_, value, nodes) = proof.storage.into_iter().next().unwrap();
    assert_eq!(value, U256::from(1), "the withdrawal is in block {n}'s state");
    (OutputRootProof::from(output), nodes)
}

async fn prove(
    r: &Rollup,
    w: &WithdrawalTransaction,
    index: u64,
    root: OutputRootProof,
    proof: Vec<Bytes>,
) {
    let call = OptimismPortal::proveWithdrawalTransactionCall {
        _tx: w.clone(),
        _l2OutputIndex: U256::from(index),
        _outputRootProof: root,
        _withdrawalProof: proof,
    };
    r.send_l1(7, r.addresses.optimism_portal, call.abi_encode(), U256::ZERO).await;
}

/// Whether finalizing `w` would succeed now (an `eth_call` from the prover).
async fn finalizable(r: &Rollup, w: &WithdrawalTransaction) -> bool {
    let call = OptimismPortal::finalizeWithdrawalTransactionCall { _tx: w.clone() };
    let tx = TransactionRequest::default()
        .from(key(7).address())
        .to(r.addresses.optimism_portal)
        .input(call.abi_encode().into());
    r.l1.call(tx).await.is_ok()
}

async fn root_at(engine: &EngineHandle, n: u64) -> B256 {
    output_at(engine, n).await.unwrap().0.hash()
}

async fn warp_past_finalization(r: &Rollup) {
    let l1_time = r.l1.header(BlockNumberOrTag::Latest).await.unwrap().unwrap().timestamp;
    r.l1.mine_at(l1_time + DeployConfig::dev().finalization_period_seconds + 1).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_withdrawal_proven_against_a_wrong_output_is_proven_again_and_finalized() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = Rollup::new(dir.path()).await;
    let (a, mut seq) = r.sequencer(&dir.path().join("sequencer"));

    // Funds in the portal (a deposit), then a 3-wei withdrawal on L2 among 30 blocks.
    let deposit_l1 = r.deposit(5).await;
    let target = Address::repeat_byte(0x7a);
    let mut head = sequence_to_origin(&mut seq, deposit_l1).await;
    let mut sent = false;
    while head.number < 30 {
        if head.number >= 15 && !sent {
            a.send_raw_transaction(&withdrawal_tx(&r, 6, 0, target, 3)).unwrap();
            sent = true;
        }
        head = seq.build_next().await.unwrap().info;
    }
    r.post_batches(&a, 1, head.number).await;
    let b = r.engine(&dir.path().join("verifier"));
    let mut v = Verifier::new(b.clone(), r.source()).await.unwrap();
    assert!(v.sync().await.unwrap().number >= 30);
    let (w, at) = (1..=30).find_map(|n| withdrawal_in(&b, n).map(|w| (w, n))).unwrap();
    assert!(at > 10, "the withdrawal (block {at}) is not in block 10's state");

    // A wrong output for block 10: block 30's root, whose state holds the withdrawal — so the
    // withdrawal is proven against an output that claims a block before it was made.
    r.l1.mine_at(now() + 200).unwrap();
    propose(&r, 10, root_at(&b, 30).await).await;
    let (root_proof, storage_proof) = proofs(&b, 30, &w);
    prove(&r, &w, 0, root_proof.clone(), storage_proof.clone()).await;

    // The challenger trusts the verifier and deletes it; the proposer posts the right ones.
    let node = EngineOutputs::new(b.clone(), false);
    let txmgr = TxManager::new(r.l1.clone(), key(0), TxManagerConfig::dev()).await.unwrap();
    let mut c = Challenger::new(node, txmgr, r.addresses.l2_output_oracle);
    let deleted = c.step().await.unwrap().expect("the wrong output is deleted");
    assert_eq!((deleted.index, deleted.l2_block), (0, 10));
    for n in [10, 20, 30] {
        propose(&r, n, root_at(&b, n).await).await;
    }
    assert_eq!(c.step().await.unwrap(), None, "the new outputs are right");

    // The proof against the deleted output never finalizes; proven again, the withdrawal does.
    warp_past_finalization(&r).await;
    assert!(!finalizable(&r, &w).await, "proven against a deleted output");
    prove(&r, &w, 2, root_proof, storage_proof).await;
    warp_past_finalization(&r).await;
    assert!(finalizable(&r, &w).await);
    let before = r.l1.balance(target).await.unwrap();
    let call = OptimismPortal::finalizeWithdrawalTransactionCall { _tx: w.clone() };
    r.send_l1(7, r.addresses.optimism_portal, call.abi_encode(), U256::ZERO).await;
    let after = r.l1.balance(target).await.unwrap();
    assert_eq!(after - before, U256::from(3), "the 3 wei reached L1");
}
