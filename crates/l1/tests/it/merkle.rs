//! The portal's Merkle-Patricia verifier on storage tries of every shape: tries built by
//! alloy-trie with up to a few hundred slots (branches at several depths, extensions where
//! hashed keys share prefixes), proofs as alloy-trie retains them. The withdrawal's own proof is
//! accepted; a proof of a neighbouring slot, or of a trie without the slot, is not.

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_trie::{HashBuilder, Nibbles, proof::ProofRetainer};
use lamina_l1::contracts::{OptimismPortal, OutputRootProof, WithdrawalTransaction};
use lamina_protocol::withdrawal::sent_messages_slot;
use proptest::prelude::*;

use crate::{
    fixture::{PROPOSER, STRANGER, deploy},
    l2::withdrawal_hash,
};

/// The storage trie of `slots` (each holding 1) and the proof of `target`'s path, root first.
fn trie(slots: &[B256], target: B256) -> (B256, Vec<Bytes>) {
    let mut leaves: Vec<(Nibbles, Vec<u8>)> = slots
        .iter()
        .map(|s| (Nibbles::unpack(keccak256(s)), alloy_rlp::encode(U256::from(1))))
        .collect();
    leaves.sort();
    leaves.dedup_by(|a, b| a.0 == b.0);
    let path = Nibbles::unpack(keccak256(target));
    let mut hb = HashBuilder::default().with_proof_retainer(ProofRetainer::new(vec![path]));
    for (k, v) in &leaves {
        hb.add_leaf(*k, v);
    }
    let root = hb.root();
    let proof =
        hb.take_proof_nodes().matching_nodes_sorted(&path).into_iter().map(|(_, n)| n).collect();
    (root, proof)
}

fn withdrawal(nonce: u64) -> WithdrawalTransaction {
    WithdrawalTransaction {
        nonce: U256::from(nonce),
        sender: Address::repeat_byte(0x11),
        target: Address::repeat_byte(0x22),
        value: U256::ZERO,
        gasLimit: U256::from(100_000),
        data: Bytes::new(),
    }
}

/// Proposes an output whose message-passer storage root is `root` and proves `w` against it.
fn prove(root: B256, w: &WithdrawalTransaction, proof: Vec<Bytes>) -> crate::evm::Outcome {
    let mut d = deploy(1, 0, 0);
    let v0 = lamina_protocol::output_root::OutputRootV0 {
        state_root: B256::repeat_byte(3),
        message_passer_storage_root: root,
        block_hash: B256::repeat_byte(4),
    };
    let (output, output_root) = (OutputRootProof::from(v0), v0.hash());
    let propose = lamina_l1::contracts::L2OutputOracle::proposeL2OutputCall {
        _outputRoot: output_root,
        _l2BlockNumber: U256::from(1),
        _l1BlockHash: B256::ZERO,
        _l1BlockNumber: U256::ZERO,
    };
    d.l1.send(PROPOSER, d.oracle, U256::ZERO, propose).assert_ok();
    let call = OptimismPortal::proveWithdrawalTransactionCall {
        _tx: w.clone(),
        _l2OutputIndex: U256::ZERO,
        _outputRootProof: output,
        _withdrawalProof: proof,
    };
    d.l1.send(STRANGER, d.portal, U256::ZERO, call)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn proofs_in_tries_of_any_shape(others in prop::collection::vec(any::<[u8; 32]>(), 0..400), pick in any::<prop::sample::Index>()) {
        let w = withdrawal(7);
        let slot = sent_messages_slot(withdrawal_hash(&w));
        let mut slots: Vec<B256> = others.iter().map(|b| B256::from(*b)).collect();
        slots.push(slot);
        let (root, proof) = trie(&slots, slot);
        prove(root, &w, proof.clone()).assert_ok();

        // Another withdrawal, whose slot is absent, cannot borrow this proof, nor its own proof
        // of absence.
        let absent = withdrawal(8);
        let absent_slot = sent_messages_slot(withdrawal_hash(&absent));
        prop_assert!(!prove(root, &absent, proof).success);
        let (_, absence) = trie(&slots, absent_slot);
        prop_assert!(!prove(root, &absent, absence).success);

        // A present slot's proof does not prove a different slot.
        let other = slots[pick.index(slots.len())];
        if other != slot {
            let (_, other_proof) = trie(&slots, other);
            prop_assert!(!prove(root, &w, other_proof).success);
        }
    }
}

/// Two slots whose hashed keys share their first three nibbles make a trie whose root is an
/// extension node: the path runs extension → branch → leaf.
#[test]
fn a_proof_through_an_extension_node() {
    let w = withdrawal(7);
    let slot = sent_messages_slot(withdrawal_hash(&w));
    let target = Nibbles::unpack(keccak256(slot));
    let twin = (0u64..)
        .map(|i| B256::from(U256::from(i)))
        .find(|s| {
            let n = Nibbles::unpack(keccak256(s));
            (0..3).all(|i| n.get(i) == target.get(i)) && n.get(3) != target.get(3)
        })
        .unwrap();
    let (root, proof) = trie(&[slot, twin], slot);
    assert_eq!(proof.len(), 3, "extension, branch, leaf");
    // An extension node is a two-item list whose path has the extension flag (0 or 1).
    assert_eq!(proof[0][2] >> 4 & 0x2, 0, "the root is an extension");
    prove(root, &w, proof).assert_ok();
}
