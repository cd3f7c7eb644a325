//! Unsafe reorgs: rewinding the head restores the flat state, the trie, the block tables and
//! the tx index exactly as they were, and the chain grows again from there. Also the
//! forkchoice rules (finality cannot be undone or go back).

use std::collections::HashSet;

use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, B256, Bytes, TxKind, keccak256};
use lamina_engine::{
    StoreError,
    store::{Retention, StoreOptions},
};
use lamina_protocol::{BlockId, HardforkSchedule};
use proptest::prelude::*;

use crate::{
    chain::{Chain, config, key},
    store::{alloc, op, reachable_nodes, snapshot, txs_for},
};

fn canyon() -> HardforkSchedule {
    HardforkSchedule { regolith_time: Some(0), canyon_time: Some(0), ..Default::default() }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn rewinding_restores_the_earlier_state_exactly(
        blocks in prop::collection::vec(prop::collection::vec(op(), 0..10), 1..6),
        target in any::<prop::sample::Index>(),
        more in prop::collection::vec(prop::collection::vec(op(), 0..10), 1..3),
        keep in prop_oneof![Just(None), (4u64..8).prop_map(Some)],
    ) {
        let dir = tempfile::tempdir().unwrap();
        let retention = keep.map_or(Retention::Archive, Retention::Recent);
        let mut chain = Chain::with_options(&dir.path().join("db"), config(canyon()), alloc(4), StoreOptions { retention, ..Default::default() });
        let mut seen = vec![snapshot(&chain.store.state().unwrap())];
        let mut txs_of = vec![Vec::new()];
        let mut nodes_at = vec![chain.store.trie_node_count().unwrap()];
        for ops in &blocks {
            let txs = txs_for(&mut chain, ops);
            let block = chain.produce(txs);
            txs_of.push(block.transactions.iter().map(|t| keccak256(t.encoded_2718())).collect::<Vec<B256>>());
            seen.push(snapshot(&chain.store.state().unwrap()));
            nodes_at.push(chain.store.trie_node_count().unwrap());
        }
        let head = chain.head.number;
        let oldest = chain.store.oldest_state().unwrap();
        let n = oldest + target.index((head - oldest + 1) as usize) as u64;
        chain.rewind(n);

        // The head state (flat tables) and the trie agree with what block n had.
        prop_assert_eq!(&snapshot(&chain.store.state().unwrap()), &seen[n as usize]);
        prop_assert_eq!(chain.store.recompute_state_root().unwrap(), chain.head.state_root);
        if keep.is_none() {
            // The undone blocks' nodes are gone: exactly what the kept states reach remains.
            prop_assert_eq!(chain.store.trie_node_count().unwrap(), nodes_at[n as usize]);
            let mut reachable = HashSet::new();
            for b in 0..=n {
                reachable.extend(reachable_nodes(&chain.store.state_at(b).unwrap()));
            }
            prop_assert_eq!(reachable.len() as u64, nodes_at[n as usize]);
        }
        for (b, hashes) in txs_of.iter().enumerate() {
            for h in hashes {
                let found = chain.store.transaction_location(h).unwrap();
                prop_assert_eq!(found.is_some(), b as u64 <= n, "tx of block {}", b);
            }
        }
        prop_assert!(chain.store.header(n + 1).unwrap().is_none());
        prop_assert!(matches!(chain.store.state_at(n + 1), Err(StoreError::UnknownBlock(_))));

        // The chain grows again from block n, with roots that still check out.
        for ops in &more {
            let txs = txs_for(&mut chain, ops);
            let block = chain.produce(txs);
            prop_assert_eq!(chain.store.recompute_state_root().unwrap(), block.header.state_root);
            prop_assert_eq!(chain.store.block_number(&block.hash).unwrap(), Some(block.header.number));
        }
    }
}

#[test]
fn finality_bounds_reorgs_and_never_goes_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut chain = Chain::new(&dir.path().join("db"), config(canyon()), alloc(2));
    for _ in 0..5 {
        let tx =
            chain.tx(&key(0), TxKind::Call(Address::with_last_byte(0x99)), 1, Bytes::new(), 21_000);
        chain.produce(vec![tx]);
    }
    let hashes: Vec<B256> =
        (0..=5).map(|n| chain.store.canonical_hash(n).unwrap().unwrap()).collect();
    let at = |n: u64| BlockId { number: n, hash: hashes[n as usize] };
    let fc = chain.store.forkchoice().unwrap();
    assert_eq!((fc.head.number, fc.safe.number, fc.finalized.number), (5, 0, 0));

    chain.store.set_safe_and_finalized(at(4), at(2)).unwrap();
    let fc = chain.store.forkchoice().unwrap();
    assert_eq!((fc.safe, fc.finalized), (at(4), at(2)));
    // Out of order, unknown, or finality going back: refused, nothing changes.
    assert!(chain.store.set_safe_and_finalized(at(2), at(4)).is_err());
    assert!(chain.store.set_safe_and_finalized(at(4), at(1)).is_err());
    let bogus = BlockId { number: 3, hash: keccak256(b"not a block") };
    assert!(matches!(
        chain.store.set_safe_and_finalized(bogus, at(2)),
        Err(StoreError::NotCanonical(_))
    ));
    assert_eq!(chain.store.forkchoice().unwrap().finalized, at(2));

    // Below finality: refused. Above: the safe head follows the head down.
    assert!(matches!(
        chain.store.rewind_to(1),
        Err(StoreError::BelowFinalized { number: 1, finalized: 2 })
    ));
    chain.rewind(3);
    let fc = chain.store.forkchoice().unwrap();
    assert_eq!((fc.head.number, fc.safe.number, fc.finalized.number), (3, 3, 2));
    assert_eq!(fc.safe, at(3));
}

/// Each block keeps the senders its execution recovered (so reads never recover them again),
/// equal to what the signatures say; a rewind takes them away with the block.
#[test]
fn senders_are_kept_with_each_block_and_leave_with_a_rewind() {
    use alloy_consensus::transaction::SignerRecoverable;
    let dir = tempfile::tempdir().unwrap();
    let mut chain = Chain::new(&dir.path().join("db"), config(canyon()), alloc(2));
    for i in 0..3u8 {
        let from = key(i % 2);
        let to = TxKind::Call(Address::with_last_byte(0x99));
        let txs = vec![
            chain.tx(&from, to, 1, Bytes::new(), 21_000),
            chain.tx(&from, to, 2, Bytes::new(), 21_000),
        ];
        let block = chain.produce(txs);
        let kept = chain.store.block_senders(block.header.number).unwrap().unwrap();
        let recovered: Vec<Address> =
            block.transactions.iter().map(|t| t.recover_signer().unwrap()).collect();
        assert_eq!(kept, recovered, "block {}", block.header.number);
        assert_eq!(kept, block.senders);
        assert_eq!(&kept[1..], [from.address(), from.address()]);
    }
    chain.rewind(1);
    assert_eq!(chain.store.block_senders(2).unwrap(), None, "gone with the block");
    assert_eq!(chain.store.block_senders(1).unwrap().unwrap().len(), 3);
    assert_eq!(chain.store.block_senders(0).unwrap(), None, "genesis has no txs");
}
