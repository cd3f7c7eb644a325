//! The sequencer and an independent verifier on the dev L1: the verifier, fed only from L1,
//! reaches the sequencer's blocks (hashes, so state roots too), places deposits where the
//! sequencer did, consolidates instead of re-executing on the sequencer's own engine, finalizes
//! with L1, resumes after a restart without re-deriving, and follows L1 reorgs.

use alloy_eips::BlockNumberOrTag;
use alloy_primitives::{Address, U256};
use lamina_l1::chain::L1Chain;
use lamina_node::EngineHandle;
use lamina_node::rollup::Verifier;

use crate::fixture::{Rollup, deposits_from, key, sequence_to_origin, transfer};

async fn l1_head(r: &Rollup) -> u64 {
    r.l1.header(BlockNumberOrTag::Latest).await.unwrap().unwrap().number
}

fn hash_at(e: &EngineHandle, n: u64) -> alloy_primitives::B256 {
    e.store().canonical_hash(n).unwrap().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_verifier_reaches_the_sequencers_chain_from_l1_alone() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = Rollup::new(dir.path()).await;
    let (a, mut seq) = r.sequencer(&dir.path().join("sequencer"));

    // L2 txs in the pool, a deposit on L1, blocks up to the deposit's epoch and past it.
    r.transfers(&a, 0..3);
    seq.build_next().await.unwrap();
    let user = key(5);
    let deposit_l1 = r.deposit(5).await;
    r.transfers(&a, 3..4);
    let mut head = sequence_to_origin(&mut seq, deposit_l1).await;
    for _ in 0..2 {
        head = seq.build_next().await.unwrap().info;
    }
    let n = head.number;
    let with_deposit = (1..=n).find(|b| deposits_from(&a, *b, user.address()) == 1).unwrap();
    let info =
        lamina_node::rollup::EngineL2::new(a.clone()).info(with_deposit).await.unwrap().unwrap();
    assert_eq!((info.l1_origin.number, info.seq_num), (deposit_l1, 0), "first block of its epoch");
    let sent: usize =
        (1..=n).map(|b| a.store().block_transactions(b).unwrap().unwrap().len()).sum();
    assert!(sent >= n as usize + 5, "L1-info txs, 4 transfers and the deposit are in");

    // The batcher's stand-in posts them; a verifier with its own engine derives them.
    r.post_batches(&a, 1, n).await;
    let b_dir = dir.path().join("verifier");
    let b = r.engine(&b_dir);
    let mut v = Verifier::new(b.clone(), r.source()).await.unwrap();
    let safe = v.sync().await.unwrap();
    assert_eq!(safe.number, n);
    for k in 1..=n {
        assert_eq!(hash_at(&b, k), hash_at(&a, k), "block {k}");
    }
    assert_eq!(
        b.store().header(n).unwrap().unwrap().state_root,
        a.store().header(n).unwrap().unwrap().state_root
    );
    assert_eq!(deposits_from(&b, with_deposit, user.address()), 1);
    assert_eq!(v.stats().derived, n);

    // On the sequencer's own engine, derivation confirms the unsafe blocks without rebuilding.
    let mut own = Verifier::new(a.clone(), r.source()).await.unwrap();
    assert_eq!(own.sync().await.unwrap().hash, head.hash);
    assert_eq!((own.stats().consolidated, own.stats().derived), (n, 0));
    drop(own);

    // Finality follows L1's: once the batch's L1 block is final, so are the blocks.
    for _ in 0..5 {
        r.l1.mine().unwrap();
    }
    v.sync().await.unwrap();
    assert_eq!(v.finalized_head().await.unwrap().number, n);

    // Restart: the verifier resumes from its store, deriving only what is new.
    drop(v);
    drop(b);
    let b = r.engine(&b_dir);
    let mut v = Verifier::new(b.clone(), r.source()).await.unwrap();
    assert_eq!(v.safe_head().await.unwrap().number, n, "progress survived the restart");
    r.transfers(&a, 4..5);
    for _ in 0..3 {
        head = seq.build_next().await.unwrap().info;
    }
    let m = head.number;
    r.post_batches(&a, n + 1, m).await;
    assert_eq!(v.sync().await.unwrap().hash, head.hash);
    assert_eq!(v.stats().derived, m - n, "nothing before the restart was derived again");

    // An L1 reorg takes the next batch out: the safe head moves back; re-posted, it returns.
    for _ in 0..3 {
        head = seq.build_next().await.unwrap().info;
    }
    let k = head.number;
    r.post_batches(&a, m + 1, k).await;
    assert_eq!(v.sync().await.unwrap().number, k);
    r.l1.reorg(1, &[]).unwrap();
    r.l1.mine().unwrap();
    let after = v.sync().await.unwrap();
    assert!(after.number <= m, "safe head {} moved back below the reorged batch", after.number);
    assert!(v.stats().resets >= 2);
    r.post_batches(&a, m + 1, k).await;
    let safe = v.sync().await.unwrap();
    assert_eq!((safe.number, safe.hash), (k, head.hash), "converged again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sequencer_rebuilds_on_a_reorged_l1_origin() {
    let dir = tempfile::tempdir().unwrap();
    let r = Rollup::new(dir.path()).await;
    let (a, mut seq) = r.sequencer(&dir.path().join("sequencer"));
    let top = l1_head(&r).await;
    let head = sequence_to_origin(&mut seq, top).await;
    let old_origin = head.l1_origin;
    let l2 = lamina_node::rollup::EngineL2::new(a.clone());
    let mut first_on_it = head.number;
    while l2.expect(first_on_it - 1).await.unwrap().l1_origin == old_origin {
        first_on_it -= 1;
    }

    r.l1.reorg(1, &[]).unwrap();
    let rebuilt = seq.build_next().await.unwrap().info;
    assert_eq!(rebuilt.number, first_on_it, "the blocks on the lost origin were unwound");
    assert_ne!(rebuilt.l1_origin, old_origin);
    let canonical = r.l1.header(BlockNumberOrTag::Number(rebuilt.l1_origin.number)).await;
    assert_eq!(canonical.unwrap().unwrap().hash(), rebuilt.l1_origin.hash);

    // Restart: the sequencer continues from the engine's head.
    drop((seq, l2, a));
    let (_a, mut seq) = r.sequencer(&dir.path().join("sequencer"));
    assert_eq!(seq.build_next().await.unwrap().info.number, rebuilt.number + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_batcher_data_never_changes_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = Rollup::new(dir.path()).await;
    let (a, mut seq) = r.sequencer(&dir.path().join("sequencer"));
    let sender = key(6);
    r.transfers(&a, 0..1);
    let mut head = seq.build_next().await.unwrap().info;
    for _ in 0..3 {
        head = seq.build_next().await.unwrap().info;
    }
    let b = r.engine(&dir.path().join("verifier"));
    let mut v = Verifier::new(b.clone(), r.source()).await.unwrap();
    let inbox = r.cfg.batch_inbox_address;

    // Garbage from the batcher; a valid channel from a stranger; a lone middle frame of an
    // unknown channel; a batch from the far future.
    r.send_l1(1, inbox, vec![0x00, 0xde, 0xad, 0xbe, 0xef], U256::ZERO).await;
    r.send_l1(1, inbox, vec![0x01; 300], U256::ZERO).await;
    let l2 = lamina_node::rollup::EngineL2::new(a.clone());
    let genesis = l2.info(0).await.unwrap().unwrap();
    let block1 = l2.info(1).await.unwrap().unwrap();
    let real = lamina_protocol::batch::SingleBatch {
        parent_hash: genesis.hash,
        epoch_num: block1.l1_origin.number,
        epoch_hash: block1.l1_origin.hash,
        timestamp: block1.timestamp,
        transactions: vec![transfer(&r.cfg, &sender, 0, Address::repeat_byte(6))],
    };
    let mut forged = real.clone();
    forged.transactions = vec![transfer(&r.cfg, &sender, 0, Address::repeat_byte(0x99))];
    let stranger = r.channel(std::slice::from_ref(&forged), genesis.l1_origin.number);
    r.send_l1(7, inbox, stranger, U256::ZERO).await;
    let mut lone = r.channel(std::slice::from_ref(&forged), genesis.l1_origin.number);
    lone[1 + 16..1 + 18].copy_from_slice(&3u16.to_be_bytes()); // frame number 3 of a new channel
    r.send_l1(1, inbox, lone, U256::ZERO).await;
    let mut future = real.clone();
    future.timestamp += 1_000_000;
    let future = r.channel(&[future], genesis.l1_origin.number);
    r.send_l1(1, inbox, future, U256::ZERO).await;

    let before = v.sync().await.unwrap();
    assert_eq!(before.number, 0, "nothing hostile made a block");
    assert_eq!(b.store().head().unwrap().unwrap().0, 0);

    // The real batches still derive exactly the sequencer's chain.
    r.post_batches(&a, 1, head.number).await;
    let safe = v.sync().await.unwrap();
    assert_eq!((safe.number, safe.hash), (head.number, head.hash));
    assert_eq!(v.stats().invalid, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_batch_tx_leaves_a_deposits_only_block() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = Rollup::new(dir.path()).await;
    let b = r.engine(&dir.path().join("verifier"));
    let mut v = Verifier::new(b.clone(), r.source()).await.unwrap();
    let genesis = lamina_node::rollup::EngineL2::new(b.clone()).info(0).await.unwrap().unwrap();
    // Nonce 7 of an account that has sent nothing: the block cannot be built (Holocene:
    // the batch's txs go, its deposits stay).
    let batch = lamina_protocol::batch::SingleBatch {
        parent_hash: genesis.hash,
        epoch_num: genesis.l1_origin.number,
        epoch_hash: genesis.l1_origin.hash,
        timestamp: genesis.timestamp + r.cfg.block_time,
        transactions: vec![transfer(&r.cfg, &key(6), 7, Address::repeat_byte(6))],
    };
    let data = r.channel(&[batch], genesis.l1_origin.number);
    r.send_l1(1, r.cfg.batch_inbox_address, data, U256::ZERO).await;
    let mut replaced = None;
    for _ in 0..1_000 {
        match v.step().await.unwrap() {
            lamina_node::rollup::VerifierStep::Replaced(b) => replaced = b,
            lamina_node::rollup::VerifierStep::Idle => break,
            _ => {}
        }
    }
    let block = replaced.expect("a deposits-only block replaced the invalid one");
    assert_eq!(block.number, 1);
    let txs = b.store().block_transactions(1).unwrap().unwrap();
    assert!(txs.iter().all(|t| t[0] == 0x7e), "only deposits in block 1");
    assert_eq!(v.stats().invalid, 1);
    assert_eq!(v.safe_head().await.unwrap().hash, block.hash);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_in_blobs_derive_the_same_chain() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = Rollup::new(dir.path()).await;
    let (a, mut seq) = r.sequencer(&dir.path().join("sequencer"));
    r.transfers(&a, 0..3);
    let mut head = seq.build_next().await.unwrap().info;
    for _ in 0..3 {
        head = seq.build_next().await.unwrap().info;
    }
    r.post_batches_as_blob(&a, 1, head.number).await;
    let b = r.engine(&dir.path().join("verifier"));
    let mut v = Verifier::new(b.clone(), r.source()).await.unwrap();
    let safe = v.sync().await.unwrap();
    assert_eq!((safe.number, safe.hash), (head.number, head.hash));
    // No calldata batch was posted: the chain came from the blob.
    assert!(v.pipeline().stats().data_bytes > 0);
}
