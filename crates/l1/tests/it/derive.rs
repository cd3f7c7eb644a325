//! The derivation pipeline reading the dev L1 through [`DeriveL1`] over [`CachedL1`]: a chain
//! deployed by `lamina deploy`'s code, a real portal deposit, a real SystemConfig gas-limit
//! change and a batch posted by the batcher account, derived into payload attributes.

use alloy_primitives::{Address, Bytes, TxKind, U256};
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::SolCall;
use lamina_derive::{DerivedAttributes, Pipeline, memory::MemoryL2};
use lamina_devl1::{DEV_ACCOUNTS, DevL1, DevL1Config, DevL1Genesis};
use lamina_l1::{
    chain::{CacheSizes, CachedL1, DeriveL1, L1Chain, L1Header},
    contracts::{OptimismPortal, SystemConfig},
    deploy::{self, DeployConfig, Deployment},
    txmgr::{TxCandidate, TxManager, TxManagerConfig},
};
use lamina_protocol::{
    BlockId, RollupConfig,
    batch::SingleBatch,
    block::L2BlockInfo,
    channel::{BatchFormat, ChannelOut, CompressionConfig},
    constants::DEPOSIT_TX_TYPE,
    deposit::TxDeposit,
    frame::{ChannelId, encode_batcher_data},
};

pub(crate) fn key(i: usize) -> PrivateKeySigner {
    PrivateKeySigner::from_bytes(&DEV_ACCOUNTS[i].1).unwrap()
}

async fn send(l1: &DevL1, who: usize, to: Address, input: Vec<u8>, value: U256) {
    let mgr = TxManager::new(l1.clone(), key(who), TxManagerConfig::dev()).await.unwrap();
    let c = TxCandidate {
        to: TxKind::Call(to),
        input: input.into(),
        value,
        gas_limit: None,
        blobs: None,
    };
    let r = mgr.send(c).await.unwrap();
    assert!(r.status(), "tx to {to} succeeded");
}

/// The dev L1 (mining at the wall clock, so its genesis is now and L2 blocks are derived up to
/// the L1 head's time) with the dev chain deployed; the rollup config with a 4-block
/// sequencing window (deposit-only blocks come soon without batches) and its start block.
pub(crate) async fn deployed_now(
    dir: &std::path::Path,
) -> (DevL1, Deployment, RollupConfig, L1Header) {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
    let l1 = DevL1::open(dir, DevL1Config::default(), &DevL1Genesis::dev(now.as_secs())).unwrap();
    let mgr = TxManager::new(l1.clone(), key(0), TxManagerConfig::dev()).await.unwrap();
    let d = deploy::deploy_to_dir(&mgr, &DeployConfig::dev(), &dir.join("chain")).await.unwrap();
    let mut cfg = d.rollup.clone();
    cfg.seq_window_size = 4;
    let start = l1.header_by_hash(cfg.genesis.l1.hash).await.unwrap().unwrap();
    (l1, d, cfg, start)
}

/// A fresh L2 at the chain's genesis and a pipeline reading `source` from `start`.
pub(crate) fn pipeline<C: L1Chain>(
    cfg: &RollupConfig,
    start: &L1Header,
    source: DeriveL1<C>,
) -> (MemoryL2, Pipeline<DeriveL1<C>, DeriveL1<C>, MemoryL2>) {
    let genesis = L2BlockInfo {
        hash: cfg.genesis.l2.hash,
        number: cfg.genesis.l2.number,
        timestamp: cfg.genesis.l2_time,
        l1_origin: BlockId { number: start.number, hash: start.hash() },
        ..Default::default()
    };
    let l2 = MemoryL2::new(genesis, cfg.genesis.system_config.clone());
    let mut p = Pipeline::new(cfg.clone(), source.clone(), source, l2.clone());
    p.reset(start.clone(), cfg.genesis.system_config.clone());
    (l2, p)
}

/// Drives `p` until it waits for L1, applying and collecting every block's attributes.
pub(crate) async fn derive_until_idle<C: L1Chain>(
    p: &mut Pipeline<DeriveL1<C>, DeriveL1<C>, MemoryL2>,
    derived: &mut Vec<DerivedAttributes>,
) {
    lamina_derive::testing::derive_until_idle(p, derived).await.unwrap();
}

/// The mints of the user deposits in `derived`, in order.
pub(crate) fn deposit_mints(derived: &[DerivedAttributes]) -> Vec<u128> {
    deposits(derived).iter().map(|d| d.mint).collect()
}

fn deposits(derived: &[DerivedAttributes]) -> Vec<TxDeposit> {
    derived
        .iter()
        .flat_map(|a| a.transactions().iter().skip(1))
        .filter(|t| t[0] == DEPOSIT_TX_TYPE)
        .map(|t| TxDeposit::decode_2718(t).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn derives_deposits_config_updates_and_batches_from_the_dev_l1() {
    let dir = tempfile::tempdir().unwrap();
    let (l1, d, cfg, start) = deployed_now(dir.path()).await;
    let at = d.addresses;

    // A batch for L2 block 1 from the batcher account (dev account 1), a deposit from a user,
    // and a gas-limit change by the owner.
    let user = key(5).address();
    let batch = SingleBatch {
        parent_hash: cfg.genesis.l2.hash,
        epoch_num: start.number,
        epoch_hash: start.hash(),
        timestamp: cfg.genesis.l2_time + cfg.block_time,
        transactions: vec![Bytes::from_static(&[2, 0xc0])],
    };
    let mut ch = ChannelOut::new(
        ChannelId::from([7; 16]),
        BatchFormat::Single,
        CompressionConfig::ZLIB_BEST,
        10_000_000,
    );
    ch.add_batch(batch.clone()).unwrap();
    let data = encode_batcher_data(&ch.frames(100_000).unwrap());
    send(&l1, 1, at.batch_inbox, data, U256::ZERO).await;
    let deposit = OptimismPortal::depositTransactionCall {
        _to: Address::repeat_byte(0x44),
        _value: U256::from(5),
        _gasLimit: 100_000,
        _isCreation: false,
        _data: Bytes::new(),
    };
    send(&l1, 5, at.optimism_portal, deposit.abi_encode(), U256::from(5)).await;
    let gas = SystemConfig::setGasLimitCall { _gasLimit: 40_000_000 };
    send(&l1, 0, at.system_config, gas.abi_encode(), U256::ZERO).await;
    for _ in 0..8 {
        l1.mine().unwrap();
    }

    let source = DeriveL1::new(CachedL1::new(l1.clone(), CacheSizes::default()));
    let (_, mut p) = pipeline(&cfg, &start, source);
    let mut derived = Vec::new();
    derive_until_idle(&mut p, &mut derived).await;
    assert!(derived.len() > 2, "the batch, then deposit-only blocks once the window expired");
    assert_eq!(derived[0].transactions()[1..], batch.transactions[..], "block 1 is the batch");

    let deposits = deposits(&derived);
    assert_eq!(deposits.len(), 1, "the user's deposit, once");
    assert_eq!((deposits[0].from, deposits[0].mint), (user, 5));
    let with_deposit = derived
        .iter()
        .find(|a| a.transactions().len() > 1 && a.transactions()[1][0] == DEPOSIT_TX_TYPE)
        .unwrap();
    assert_eq!(
        with_deposit.parent.l1_origin.number + 1,
        with_deposit.l1_origin.number,
        "first block of its epoch"
    );

    let gas_limits: Vec<u64> = derived.iter().map(|a| a.attributes.gas_limit.unwrap()).collect();
    assert_eq!(gas_limits.first(), Some(&30_000_000));
    assert_eq!(gas_limits.last(), Some(&40_000_000), "the SystemConfig change reached L2");
    assert_eq!(p.system_config().gas_limit, 40_000_000);
}
