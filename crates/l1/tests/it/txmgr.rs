//! The tx manager on the dev L1 (in process) and on anvil: overlapping sends get their own
//! nonces, blob txs carry their sidecars, a stuck tx is re-priced and the new version lands, a
//! price over the cap is not sent, and a tx dropped by a reorg is sent again and confirmed in
//! the new branch.

use std::{sync::Arc, time::Duration};

use alloy_consensus::Transaction;
use alloy_eips::BlockNumberOrTag;
use alloy_primitives::{Address, B256, TxKind, U256, address};
use alloy_signer_local::PrivateKeySigner;
use lamina_devl1::{DEV_ACCOUNTS, DevL1, DevL1Config, DevL1Genesis, Mining};
use lamina_l1::{
    chain::{L1Chain, RpcL1},
    txmgr::{TxCandidate, TxError, TxManager, TxManagerConfig},
};

use crate::l1_chain::{anvil_bin, anvil_reorg, evm_mine, sidecar, start_anvil};

const SINK: Address = address!("000000000000000000000000000000000000a11a");

fn dev_l1(dir: &std::path::Path, mining: Mining) -> DevL1 {
    let config = DevL1Config { mining, safe_depth: 2, finalized_depth: 8, ..Default::default() };
    DevL1::open(dir, config, &DevL1Genesis::dev(1_700_000_000)).unwrap()
}

fn key() -> PrivateKeySigner {
    PrivateKeySigner::from_bytes(&DEV_ACCOUNTS[7].1).unwrap()
}

fn transfer(value: u64) -> TxCandidate {
    TxCandidate { to: TxKind::Call(SINK), value: U256::from(value), ..Default::default() }
}

fn fast(confirmations: u64) -> TxManagerConfig {
    TxManagerConfig {
        confirmations,
        resubmission_timeout: Duration::from_millis(150),
        poll_interval: Duration::from_millis(10),
        send_timeout: Duration::from_secs(30),
        ..TxManagerConfig::dev()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn overlapping_sends_and_blob_txs() {
    let dir = tempfile::tempdir().unwrap();
    let l1 = dev_l1(dir.path(), Mining::Instant);
    let mgr = TxManager::new(l1.clone(), key(), fast(1)).await.unwrap();
    let (a, b, c) =
        tokio::join!(mgr.send(transfer(1)), mgr.send(transfer(2)), mgr.send(transfer(3)));
    let receipts = [a.unwrap(), b.unwrap(), c.unwrap()];
    assert!(receipts.iter().all(|r| r.status()));
    let mut nonces = Vec::new();
    for r in &receipts {
        let txs = l1.transactions(r.block_hash.unwrap()).await.unwrap().unwrap();
        nonces.push(txs.iter().find(|t| *t.tx_hash() == r.transaction_hash).unwrap().nonce());
    }
    nonces.sort_unstable();
    assert_eq!(nonces, [0, 1, 2]);
    assert_eq!(l1.balance(SINK).await.unwrap(), U256::from(6));

    // A blob tx: the blobs are on L1 after it.
    let blobs = sidecar(b"a channel");
    let hashes: Vec<B256> = blobs.versioned_hashes().collect();
    let r = mgr.send(TxCandidate { blobs: Some(blobs), ..transfer(0) }).await.unwrap();
    assert!(r.status());
    assert_eq!(r.blob_gas_used, Some(2 * 131_072));
    let block = l1.header_by_hash(r.block_hash.unwrap()).await.unwrap().unwrap();
    let got = l1.blobs(&block, &hashes).await.unwrap();
    assert_eq!(lamina_protocol::blob::decode_blob(got[0].as_slice()).unwrap(), b"a channel");
    let create_with_blobs = TxCandidate { to: TxKind::Create, ..TxCandidate::default() };
    let invalid = TxCandidate { blobs: Some(sidecar(b"x")), ..create_with_blobs };
    assert!(matches!(mgr.send(invalid).await, Err(TxError::Invalid(_))));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stuck_tx_is_repriced_and_a_price_over_the_cap_is_not_sent() {
    let dir = tempfile::tempdir().unwrap();
    let l1 = dev_l1(dir.path(), Mining::Manual);

    let capped = TxManagerConfig { max_fee_per_gas: 1_000, ..fast(1) };
    let mgr = TxManager::new(l1.clone(), key(), capped).await.unwrap();
    let err = mgr.send(transfer(1)).await.unwrap_err();
    assert!(matches!(err, TxError::FeeCap { .. }), "{err}");
    assert_eq!(l1.pending_count(), 0, "nothing sent");

    let fees = l1.fees().await.unwrap();
    let first_offer = fees.base_fee * 2 + fees.tip.max(TxManagerConfig::dev().min_tip);
    let mgr = Arc::new(TxManager::new(l1.clone(), key(), fast(1)).await.unwrap());
    let sending = tokio::spawn({
        let mgr = mgr.clone();
        async move { mgr.send(transfer(7)).await }
    });
    // Nothing mines for a while: the manager re-prices (the pool keeps one version).
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(l1.pending_count(), 1);
    l1.mine().unwrap();
    let r = sending.await.unwrap().unwrap();
    let txs = l1.transactions(r.block_hash.unwrap()).await.unwrap().unwrap();
    let mined = txs.iter().find(|t| *t.tx_hash() == r.transaction_hash).unwrap();
    assert_eq!(mined.nonce(), 0, "the refused send left no gap");
    assert!(mined.max_fee_per_gas() > first_offer, "a re-priced version was mined");
}

/// Sends a transfer, waits for it to be included, has `reorg` drop its block, and keeps
/// mining with `mine`: the manager must send it again and return it from the new branch.
async fn resubmits_after_reorg<C, R, M>(mgr: Arc<TxManager<C>>, reorg: R, mine: M)
where
    C: L1Chain + 'static,
    R: AsyncFnOnce(),
    M: AsyncFn(),
{
    let chain = mgr.chain();
    let sending = tokio::spawn({
        let mgr = mgr.clone();
        async move { mgr.send(transfer(9)).await }
    });
    let me = mgr.address();
    let included = loop {
        if chain.nonce(me, BlockNumberOrTag::Latest).await.unwrap() > 0 {
            break chain.header(BlockNumberOrTag::Latest).await.unwrap().unwrap();
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    reorg().await;
    let replaced = chain.header(included.number.into()).await.unwrap().unwrap();
    assert_ne!(replaced.hash(), included.hash());
    while !sending.is_finished() {
        mine().await;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let r = sending.await.unwrap().unwrap();
    assert!(r.status());
    assert_ne!(r.block_hash, Some(included.hash()), "confirmed in the new branch");
    let head = chain.header(BlockNumberOrTag::Latest).await.unwrap().unwrap();
    assert!(head.number >= r.block_number.unwrap() + 2, "three confirmations");
    assert_eq!(chain.balance(SINK).await.unwrap(), U256::from(9), "sent once");
}

#[tokio::test(flavor = "multi_thread")]
async fn resubmits_after_a_reorg_on_the_dev_l1() {
    let dir = tempfile::tempdir().unwrap();
    let l1 = dev_l1(dir.path(), Mining::Instant);
    let mgr = Arc::new(TxManager::new(l1.clone(), key(), fast(3)).await.unwrap());
    let (a, b) = (l1.clone(), l1.clone());
    resubmits_after_reorg(
        mgr,
        async move || {
            a.reorg(1, &[]).unwrap();
        },
        async move || {
            b.mine().unwrap();
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn resubmits_after_a_reorg_on_anvil() {
    let bin = anvil_bin();
    let (_anvil, url) = start_anvil(&bin);
    let chain = RpcL1::connect(&url).unwrap();
    let mgr = Arc::new(TxManager::new(chain.clone(), key(), fast(3)).await.unwrap());
    let (a, b) = (chain.clone(), chain);
    resubmits_after_reorg(
        mgr,
        async move || anvil_reorg(&a, 1).await,
        async move || evm_mine(&b).await,
    )
    .await;
}
