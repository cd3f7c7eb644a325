//! Withdrawals end to end at the contract level: a withdrawal initiated on a real L2 (lamina's
//! engine), its output proposed to our oracle, proven against that output with the storage
//! proof the engine's `eth_getProof` serves, and finalized once. Every shortcut is refused.

use alloy_primitives::{Address, B256, Bytes, U256, address};
use alloy_sol_types::SolEvent;
use lamina_l1::contracts::{
    L2OutputOracle, OptimismPortal, OutputRootProof, WithdrawalTransaction,
};

use crate::{
    evm::Outcome,
    fixture::{CHALLENGER, Deployed, FINALIZATION_PERIOD, PROPOSER, STRANGER, deploy},
    l2::{L2, Output, withdrawal_hash},
};

const TARGET: Address = address!("000000000000000000000000000000000000beef");
const ETH: u64 = 1_000_000_000_000_000_000;

struct World {
    d: Deployed,
    withdrawal: WithdrawalTransaction,
    output: Output,
    proof: Vec<Bytes>,
}

/// An L2 with one 1-ETH withdrawal to `TARGET` in block 1; L1 contracts with outputs every
/// block, the portal holding 5 ETH of earlier deposits.
fn world() -> World {
    let mut l2 = L2::new();
    let (withdrawal, block) = l2.withdraw(TARGET, U256::from(ETH), 100_000, Bytes::new());
    assert_eq!(block, 1);
    assert_eq!(withdrawal.sender, l2.sender());
    let (output, proof) = l2.output(block, &withdrawal);
    let mut d = deploy(1, 0, 0);
    d.l1.fund(STRANGER, U256::from(100) * U256::from(ETH));
    d.l1.send(STRANGER, d.portal, U256::from(5 * ETH), OptimismPortal::donateETHCall {})
        .assert_ok();
    World { d, withdrawal, output, proof }
}

fn propose(d: &mut Deployed, root: B256, block: u64) {
    let call = L2OutputOracle::proposeL2OutputCall {
        _outputRoot: root,
        _l2BlockNumber: U256::from(block),
        _l1BlockHash: B256::ZERO,
        _l1BlockNumber: U256::ZERO,
    };
    d.l1.send(PROPOSER, d.oracle, U256::ZERO, call).assert_ok();
}

fn prove(
    w: &mut World,
    index: u64,
    tx: &WithdrawalTransaction,
    root: &OutputRootProof,
    proof: &[Bytes],
) -> Outcome {
    let call = OptimismPortal::proveWithdrawalTransactionCall {
        _tx: tx.clone(),
        _l2OutputIndex: U256::from(index),
        _outputRootProof: root.clone(),
        _withdrawalProof: proof.to_vec(),
    };
    w.d.l1.send(STRANGER, w.d.portal, U256::ZERO, call)
}

fn finalize(w: &mut World, tx: &WithdrawalTransaction) -> Outcome {
    let call = OptimismPortal::finalizeWithdrawalTransactionCall { _tx: tx.clone() };
    w.d.l1.send(STRANGER, w.d.portal, U256::ZERO, call)
}

#[test]
fn a_real_withdrawal_is_proven_and_finalized_exactly_once() {
    let mut w = world();
    let (tx, root, proof) = (w.withdrawal.clone(), w.output.proof.clone(), w.proof.clone());
    // No output proposed yet: the oracle's array index is out of bounds.
    prove(&mut w, 0, &tx, &root, &proof).assert_panic(0x32);
    propose(&mut w.d, w.output.root, w.output.block);

    let out = prove(&mut w, 0, &tx, &root, &proof);
    let event = OptimismPortal::WithdrawalProven::decode_log(&out.assert_ok().logs[0]).unwrap();
    let hash = withdrawal_hash(&tx);
    assert_eq!((event.withdrawalHash, event.from, event.to), (hash, tx.sender, TARGET));
    let proven = w.d.l1.view(w.d.portal, OptimismPortal::provenWithdrawalsCall(hash));
    assert_eq!(
        (proven.outputRoot, proven.timestamp, proven.l2OutputIndex),
        (w.output.root, w.d.l1.timestamp as u128, 0)
    );
    prove(&mut w, 0, &tx, &root, &proof)
        .assert_revert("OptimismPortal: withdrawal hash has already been proven");

    // Too early: the proof (and the output) must be older than the finalization period.
    w.d.l1.advance(FINALIZATION_PERIOD);
    finalize(&mut w, &tx)
        .assert_revert("OptimismPortal: proven withdrawal finalization period has not elapsed");
    w.d.l1.advance(1);
    let before = w.d.l1.balance(TARGET);
    let out = finalize(&mut w, &tx);
    let event = OptimismPortal::WithdrawalFinalized::decode_log(&out.assert_ok().logs[0]).unwrap();
    assert!(event.success);
    assert_eq!(w.d.l1.balance(TARGET) - before, U256::from(ETH));
    assert_eq!(w.d.l1.balance(w.d.portal), U256::from(4 * ETH));
    assert!(w.d.l1.view(w.d.portal, OptimismPortal::finalizedWithdrawalsCall(hash)));
    assert_eq!(
        w.d.l1.view(w.d.portal, OptimismPortal::l2SenderCall {}),
        address!("000000000000000000000000000000000000dEaD")
    );

    finalize(&mut w, &tx).assert_revert("OptimismPortal: withdrawal has already been finalized");
    assert_eq!(w.d.l1.balance(TARGET) - before, U256::from(ETH), "funds moved once");
}

#[test]
fn wrong_proofs_are_refused() {
    let mut w = world();
    let (tx, root, proof) = (w.withdrawal.clone(), w.output.proof.clone(), w.proof.clone());
    propose(&mut w.d, w.output.root, w.output.block);

    // The output root preimage must hash to the proposed output.
    let mut bad_root = root.clone();
    bad_root.stateRoot = B256::repeat_byte(1);
    prove(&mut w, 0, &tx, &bad_root, &proof)
        .assert_revert("OptimismPortal: invalid output root proof");
    let mut bad_version = root.clone();
    bad_version.version = B256::repeat_byte(1);
    prove(&mut w, 0, &tx, &bad_version, &proof)
        .assert_revert("OptimismPortal: unknown output root version");

    // A withdrawal L2 never made (more ETH): its slot is not in the message passer's storage.
    let mut greedy = tx.clone();
    greedy.value = U256::from(2 * ETH);
    prove(&mut w, 0, &greedy, &root, &proof).assert_revert("MerkleTrie: key not in trie");
    // A proof cut short, a proof with a node changed, and no proof at all.
    prove(&mut w, 0, &tx, &root, &proof[..proof.len() - 1])
        .assert_revert("MerkleTrie: proof ends before the value");
    let mut tampered = proof.clone();
    let mut last = tampered.last().unwrap().to_vec();
    *last.last_mut().unwrap() ^= 1;
    *tampered.last_mut().unwrap() = last.into();
    prove(&mut w, 0, &tx, &root, &tampered).assert_revert("MerkleTrie: node hash mismatch");
    prove(&mut w, 0, &tx, &root, &[]).assert_revert("MerkleTrie: empty proof");
    // The portal itself is never a target.
    let mut at_portal = tx.clone();
    at_portal.target = w.d.portal;
    prove(&mut w, 0, &at_portal, &root, &proof)
        .assert_revert("OptimismPortal: you cannot send messages to the portal contract");

    // Unproven withdrawals cannot be finalized; nothing moved.
    w.d.l1.advance(FINALIZATION_PERIOD + 1);
    finalize(&mut w, &tx).assert_revert("OptimismPortal: withdrawal has not been proven yet");
    assert_eq!(w.d.l1.balance(w.d.portal), U256::from(5 * ETH));
}

#[test]
fn a_deleted_output_voids_its_proofs_and_allows_proving_again() {
    let mut w = world();
    let (tx, root, proof) = (w.withdrawal.clone(), w.output.proof.clone(), w.proof.clone());
    // A wrong output is proposed first: nothing proves against it.
    propose(&mut w.d, B256::repeat_byte(0xee), w.output.block);
    prove(&mut w, 0, &tx, &root, &proof).assert_revert("OptimismPortal: invalid output root proof");
    // The challenger deletes it and the right one is proposed: the proof goes through.
    let delete = L2OutputOracle::deleteL2OutputsCall { _l2OutputIndex: U256::ZERO };
    w.d.l1.send(CHALLENGER, w.d.oracle, U256::ZERO, delete.clone()).assert_ok();
    propose(&mut w.d, w.output.root, w.output.block);
    prove(&mut w, 0, &tx, &root, &proof).assert_ok();

    // Now that output is deleted too: the proof is void, finalizing fails.
    w.d.l1.advance(2);
    w.d.l1.send(CHALLENGER, w.d.oracle, U256::ZERO, delete).assert_ok();
    w.d.l1.advance(FINALIZATION_PERIOD);
    finalize(&mut w, &tx).assert_panic(0x32);
    // A different root re-proposed at that index: the old proof does not match it, and a new
    // proof is allowed because the output it was made against changed.
    propose(&mut w.d, B256::repeat_byte(0xdd), w.output.block);
    w.d.l1.advance(FINALIZATION_PERIOD + 1);
    finalize(&mut w, &tx)
        .assert_revert("OptimismPortal: output root proven is not the same as current output root");
    let delete = L2OutputOracle::deleteL2OutputsCall { _l2OutputIndex: U256::ZERO };
    assert!(!w.d.l1.send(CHALLENGER, w.d.oracle, U256::ZERO, delete).success, "final outputs stay");
    assert_eq!(w.d.l1.balance(TARGET), U256::ZERO);
}
