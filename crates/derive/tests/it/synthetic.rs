//! The pipeline on a synthetic chain: the verifier must reach the sequencer's exact chain from
//! what the batcher posted, and must treat lost, late, reordered and invalid data as the rules
//! say.

use alloy_primitives::{Address, Bytes};
use lamina_derive::{Classify, PipelineError, Severity};
use lamina_protocol::constants::DEPOSIT_TX_TYPE;

use lamina_derive::testing::{Chain, Rules, Verifier, verify};

const BOTH: [Rules; 2] = [Rules::PreHolocene, Rules::Holocene];

fn sequenced_txs(v: &Verifier) -> usize {
    v.derived
        .iter()
        .flat_map(|a| a.transactions().iter())
        .filter(|t| t.first() != Some(&DEPOSIT_TX_TYPE))
        .count()
}

#[tokio::test]
async fn singular_batches_derive_the_sequencers_chain() {
    for rules in BOTH {
        let chain = Chain::new(rules);
        chain.l1_blocks(3);
        let batches = chain.sequence(20, 2).await;
        let frames = chain.channel(&batches, 300);
        assert!(frames.len() > 1, "several frames");
        chain.l1_block(vec![chain.batcher_tx(&frames)]);
        let v = verify(&chain).await;
        assert_eq!(v.l2.head(), chain.seq.head(), "{rules:?}");
        assert_eq!(sequenced_txs(&v), 40);
    }
}

#[tokio::test]
async fn span_batch_derives_the_sequencers_chain() {
    for rules in BOTH {
        let chain = Chain::new(rules);
        chain.l1_blocks(3);
        let batches = chain.sequence(20, 1).await;
        let frames = chain.span_channel(&batches, chain.genesis.l1_origin.number);
        chain.l1_block(vec![chain.batcher_tx(&frames)]);
        let v = verify(&chain).await;
        assert_eq!(v.l2.head(), chain.seq.head(), "{rules:?}");
        let last: Vec<bool> = v.derived.iter().map(|a| a.is_last_in_span).collect();
        assert_eq!(last.iter().filter(|l| **l).count(), 1, "one span: only its last block is last");
        assert!(last[19]);
    }
}

/// A node recovering senders ahead of execution hears of each accepted span once, with the
/// txs of the blocks still to come from it, in order.
#[tokio::test]
async fn an_accepted_span_announces_its_remaining_txs_once() {
    use lamina_derive::{
        driver::{self, DriverStep},
        testing::{Recording, Verifier},
    };
    for rules in BOTH {
        let chain = Chain::new(rules);
        chain.l1_blocks(3);
        let batches = chain.sequence(20, 1).await;
        let frames = chain.span_channel(&batches, chain.genesis.l1_origin.number);
        chain.l1_block(vec![chain.batcher_tx(&frames)]);
        let mut v = Verifier::new(&chain);
        let mut derived = Vec::new();
        let mut announced = Vec::new();
        let l2 = v.pipeline.l2().clone();
        let mut exec = Recording { l2: l2.clone(), derived: &mut derived };
        loop {
            let step = driver::step(&mut v.pipeline, &l2.head(), &mut exec).await.unwrap();
            announced.extend(v.pipeline.take_fresh_span_transactions());
            if step == DriverStep::Idle {
                break;
            }
        }
        assert_eq!(l2.head(), chain.seq.head(), "{rules:?}");
        assert_eq!(announced.len(), 1, "{rules:?}: one span, one announcement");
        // The first block is handed out as the span is accepted; the other 19 are announced.
        let later: Vec<Bytes> = derived[1..]
            .iter()
            .flat_map(|a| a.transactions().iter())
            .filter(|t| t.first() != Some(&DEPOSIT_TX_TYPE))
            .cloned()
            .collect();
        assert_eq!(later.len(), 19);
        assert_eq!(announced[0], later, "{rules:?}");
    }
}

#[tokio::test]
async fn deposits_land_in_the_first_block_of_their_epoch() {
    for rules in BOTH {
        let chain = Chain::new(rules);
        let to = Address::repeat_byte(0x44);
        chain.l1_block_with(
            vec![],
            vec![Chain::deposit_receipt(to, 7), Chain::deposit_receipt(to, 8)],
        );
        chain.l1_blocks(2);
        let batches = chain.sequence(18, 1).await;
        chain.l1_block(vec![chain.batcher_tx(&chain.channel(&batches, 100_000))]);
        let v = verify(&chain).await;
        assert_eq!(v.l2.head(), chain.seq.head());
        for a in &v.derived {
            let deposits = a.transactions().iter().filter(|t| t[0] == DEPOSIT_TX_TYPE).count();
            let first_of_epoch_1 = a.l1_origin.number == 1 && a.parent.l1_origin.number == 0;
            assert_eq!(
                deposits,
                if first_of_epoch_1 { 3 } else { 1 },
                "{rules:?} block {}",
                a.parent.number + 1
            );
        }
        assert!(v.derived.iter().any(|a| a.l1_origin.number == 1), "epoch 1 was reached");
    }
}

#[tokio::test]
async fn frames_out_of_order_assemble_before_holocene_only() {
    for rules in BOTH {
        let chain = Chain::new(rules);
        chain.l1_blocks(3);
        let batches = chain.sequence(12, 3).await;
        let frames = chain.channel(&batches, 200);
        assert!(frames.len() >= 3);
        let mut txs: Vec<_> =
            frames.iter().rev().map(|f| chain.batcher_tx(std::slice::from_ref(f))).collect();
        // Reversed, across two L1 blocks.
        let rest = txs.split_off(1);
        chain.l1_block(txs);
        chain.l1_block(rest);
        let v = verify(&chain).await;
        match rules {
            Rules::PreHolocene => assert_eq!(v.l2.head(), chain.seq.head()),
            Rules::Holocene => assert_eq!(sequenced_txs(&v), 0, "out-of-order frames are dropped"),
        }
    }
}

#[tokio::test]
async fn duplicate_frames_are_ignored() {
    for rules in BOTH {
        let chain = Chain::new(rules);
        chain.l1_blocks(3);
        let batches = chain.sequence(12, 3).await;
        let frames = chain.channel(&batches, 200);
        let mut doubled = Vec::new();
        for f in &frames {
            if rules == Rules::PreHolocene {
                doubled.push(chain.batcher_tx(std::slice::from_ref(f)));
            }
            doubled.push(chain.batcher_tx(std::slice::from_ref(f)));
        }
        // Holocene: a whole second copy after the first closes the channel.
        if rules == Rules::Holocene {
            doubled.extend(frames.iter().map(|f| chain.batcher_tx(std::slice::from_ref(f))));
        }
        chain.l1_block(doubled);
        let v = verify(&chain).await;
        assert_eq!(v.l2.head(), chain.seq.head(), "{rules:?}");
        assert_eq!(sequenced_txs(&v), 36);
    }
}

#[tokio::test]
async fn a_channel_completed_after_its_timeout_is_dropped() {
    for rules in BOTH {
        let chain = Chain::new(rules);
        chain.l1_blocks(3);
        let batches = chain.sequence(12, 1).await;
        let late = chain.channel(&batches, 150);
        assert!(late.len() >= 2);
        // Frame 0 in block 4, the rest in block 9 > 4 + timeout 4.
        chain.l1_block(vec![chain.batcher_tx(&late[..1])]);
        chain.l1_blocks(4);
        chain.l1_block(vec![chain.batcher_tx(&late[1..])]);
        let v = verify(&chain).await;
        assert_eq!(sequenced_txs(&v), 0, "{rules:?}: the timed-out channel gave nothing");
        assert_eq!(v.l2.head().number, 0, "{rules:?}: the window (20) has not expired yet");

        // The batcher re-posts the blocks in a fresh channel, in time.
        chain.l1_block(vec![chain.batcher_tx(&chain.channel(&batches, 100_000))]);
        let v = verify(&chain).await;
        assert_eq!(v.l2.head(), chain.seq.head(), "{rules:?}");
    }
}

#[tokio::test]
async fn an_invalid_batch_flushes_the_rest_of_its_channel_from_holocene() {
    for rules in BOTH {
        let chain = Chain::new(rules);
        chain.l1_blocks(3);
        let good = chain.sequence(6, 1).await;
        let mut bad = good[2].clone();
        bad.transactions = vec![Bytes::from_static(&[DEPOSIT_TX_TYPE, 1])];
        // Channel: blocks 1-2, an invalid block 3, then blocks 4-6.
        let mut mixed = good[..2].to_vec();
        mixed.push(bad);
        mixed.extend_from_slice(&good[3..]);
        chain.l1_block(vec![chain.batcher_tx(&chain.channel(&mixed, 100_000))]);
        let v = verify(&chain).await;
        assert_eq!(v.l2.head().number, 2, "{rules:?}: blocks 1-2 derived, block 3 is missing");

        // Block 3 alone: before Holocene, blocks 4-6 waited in the queue as future batches;
        // from Holocene they went with the channel and must be posted again.
        chain.l1_block(vec![chain.batcher_tx(&chain.channel(&good[2..3], 100_000))]);
        let mut v = verify(&chain).await;
        match rules {
            Rules::PreHolocene => assert_eq!(v.l2.head(), chain.seq.head()),
            Rules::Holocene => {
                assert_eq!(v.l2.head().number, 3);
                chain.l1_block(vec![chain.batcher_tx(&chain.channel(&good[3..], 100_000))]);
                v.sync().await.unwrap();
                assert_eq!(v.l2.head(), chain.seq.head());
            }
        }
    }
}

#[tokio::test]
async fn an_expired_sequencing_window_makes_deposit_only_blocks() {
    for rules in BOTH {
        let chain = Chain::new(rules);
        let to = Address::repeat_byte(0x55);
        chain.l1_block_with(vec![], vec![Chain::deposit_receipt(to, 1)]);
        // Window 20: epoch 0 expires once L1 passes block 20.
        chain.l1_blocks(24);
        let v = verify(&chain).await;
        assert!(v.l2.head().number > 0, "{rules:?}: empty blocks were forced");
        assert_eq!(sequenced_txs(&v), 0);
        let mut ts = chain.genesis.timestamp;
        let mut deposits = 0;
        for a in &v.derived {
            ts += 2;
            assert_eq!(a.attributes.payload_attributes.timestamp, ts);
            deposits += a.transactions().len() - 1;
        }
        assert_eq!(deposits, 1, "{rules:?}: the epoch-1 deposit is in exactly one block");
        let first_of_1 = v.derived.iter().find(|a| a.l1_origin.number == 1).unwrap();
        assert_eq!(first_of_1.transactions().len(), 2);
        // Each epoch's blocks stay at or after its L1 time, and an epoch moves on only when
        // the next L1 block's time has come.
        for a in &v.derived {
            let origin = chain.l1.header(a.l1_origin.number).unwrap();
            assert!(a.attributes.payload_attributes.timestamp >= origin.timestamp);
        }
    }
}

#[tokio::test]
async fn an_l1_reorg_needs_a_reset_and_derivation_follows_the_new_chain() {
    for rules in BOTH {
        let chain = Chain::new(rules);
        chain.l1_blocks(3);
        let batches = chain.sequence(12, 1).await;
        let channel = chain.channel(&batches, 100_000);
        chain.l1_block(vec![chain.batcher_tx(&channel)]);
        let mut v = verify(&chain).await;
        assert_eq!(v.l2.head(), chain.seq.head());

        // Block 4 (the batch) is reorged out for an empty block.
        chain.l1.rewind(3);
        chain.l1.push(0, chain.l1.head().unwrap().timestamp + 13, vec![], vec![]);
        chain.l1_block(vec![]);
        let err = v.sync().await.unwrap_err();
        assert!(matches!(err, PipelineError::L1Reorg { number: 5, .. }), "{err}");
        assert_eq!(err.severity(), Severity::Reset);

        // The driver's reset: back to a safe head and an L1 base both chains agree on.
        v.l2.rewind(0);
        v.pipeline.reset(chain.l1.header(0).unwrap(), chain.cfg.genesis.system_config.clone());
        v.sync().await.unwrap();
        assert_eq!(v.l2.head().number, 0, "{rules:?}: without the batch nothing is safe yet");

        // The batcher re-posts: the chains converge again.
        chain.l1_block(vec![chain.batcher_tx(&channel)]);
        v.sync().await.unwrap();
        assert_eq!(v.l2.head(), chain.seq.head(), "{rules:?}");
    }
}
