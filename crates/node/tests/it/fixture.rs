//! A rollup on the dev L1: contracts deployed by `lamina deploy`'s code, engines opened from
//! the deployment's genesis, and a batcher stand-in that posts blocks as a channel from the
//! batcher account (until the batcher exists).

use std::path::Path;

use alloy_consensus::{SignableTransaction, TxEip1559};
use alloy_eips::BlockNumberOrTag;
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, Bytes, TxKind, U256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::SolCall;
use lamina_devl1::{DEV_ACCOUNTS, DevL1, DevL1Config, DevL1Genesis};
use lamina_l1::{
    chain::{CacheSizes, CachedL1, DeriveL1, L1Chain},
    contracts::OptimismPortal,
    deploy::{self, Addresses, DeployConfig},
    txmgr::{TxCandidate, TxManager, TxManagerConfig},
};
use lamina_node::{
    EngineHandle,
    rollup::{Sequencer, SequencerConfig, Verifier, VerifierStep},
};
use lamina_protocol::{
    RollupConfig,
    batch::SingleBatch,
    block::L2BlockInfo,
    channel::{BatchFormat, ChannelOut, CompressionConfig},
    deposit::TxDeposit,
    frame::{ChannelId, encode_batcher_data},
};
use op_alloy_consensus::OpTxEnvelope;

/// The L1 chain the rollup node reads.
pub(crate) type Chain = CachedL1<DevL1>;

/// That chain as derivation reads it.
pub(crate) type L1 = DeriveL1<Chain>;

pub(crate) fn key(i: usize) -> PrivateKeySigner {
    PrivateKeySigner::from_bytes(&DEV_ACCOUNTS[i].1).unwrap()
}

/// The dev L1 with the rollup deployed.
pub(crate) struct Rollup {
    pub(crate) l1: DevL1,
    pub(crate) cfg: RollupConfig,
    pub(crate) genesis_json: String,
    pub(crate) addresses: Addresses,
    channels: u8,
}

impl Rollup {
    pub(crate) async fn new(dir: &Path) -> Self {
        // The dev L1 mines at the wall clock: its genesis is now.
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
        let config = DevL1Config { safe_depth: 2, finalized_depth: 4, ..DevL1Config::default() };
        let l1 = DevL1::open(&dir.join("l1"), config, &DevL1Genesis::dev(now.as_secs())).unwrap();
        let mgr = TxManager::new(l1.clone(), key(0), TxManagerConfig::dev()).await.unwrap();
        let d =
            deploy::deploy_to_dir(&mgr, &DeployConfig::dev(), &dir.join("chain")).await.unwrap();
        Self {
            l1,
            cfg: d.rollup,
            genesis_json: serde_json::to_string(&d.genesis).unwrap(),
            addresses: d.addresses,
            channels: 0,
        }
    }

    /// The L1 as the rollup node reads it.
    pub(crate) fn source(&self) -> L1 {
        DeriveL1::new(CachedL1::new(self.l1.clone(), CacheSizes::default()))
    }

    /// Gossip settings for this chain on loopback (any port) under a new node key.
    pub(crate) fn gossip_config(&self) -> lamina_p2p::GossipConfig {
        let key = libp2p::identity::Keypair::generate_secp256k1();
        let mut c = lamina_p2p::GossipConfig::new(self.cfg.l2_chain_id, self.cfg.hardforks, key);
        c.listen = "/ip4/127.0.0.1/tcp/0".parse().unwrap();
        c
    }

    /// An engine on this rollup's genesis in `dir`.
    pub(crate) fn engine(&self, dir: &Path) -> EngineHandle {
        lamina_node::open_engine(dir, &self.genesis_json, &self.cfg).unwrap()
    }

    /// A sequencer on a new engine in `dir`, taking the L1 head as origin as soon as its time
    /// allows (the dev L1 mines on demand).
    pub(crate) fn sequencer(&self, dir: &Path) -> (EngineHandle, Sequencer<Chain>) {
        let engine = self.engine(dir);
        let config = SequencerConfig { confirmation_depth: 0 };
        (engine.clone(), Sequencer::new(engine, self.source(), config))
    }

    /// Puts transfers from dev account 6 with `nonces` into `engine`'s pool.
    pub(crate) fn transfers(&self, engine: &EngineHandle, nonces: std::ops::Range<u64>) {
        for nonce in nonces {
            let tx = transfer(&self.cfg, &key(6), nonce, Address::repeat_byte(6));
            engine.send_raw_transaction(&tx).unwrap();
        }
    }

    /// Sends L2 txs from dev account 5 carrying `bytes` of incompressible calldata each.
    pub(crate) fn noise(&self, engine: &EngineHandle, nonces: std::ops::Range<u64>, bytes: usize) {
        for nonce in nonces {
            // xorshift bytes: Brotli cannot shrink them.
            let mut x = nonce.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
            let data: Vec<u8> = (0..bytes)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x as u8
                })
                .collect();
            let tx = TxEip1559 {
                chain_id: self.cfg.l2_chain_id,
                nonce,
                gas_limit: 21_000 + 40 * bytes as u64,
                max_fee_per_gas: 10_000_000_000,
                max_priority_fee_per_gas: 1_000_000,
                to: TxKind::Call(Address::repeat_byte(5)),
                input: data.into(),
                ..Default::default()
            };
            let sig = key(5).sign_hash_sync(&tx.signature_hash()).unwrap();
            let raw: Bytes = OpTxEnvelope::Eip1559(tx.into_signed(sig)).encoded_2718().into();
            engine.send_raw_transaction(&raw).unwrap();
        }
    }

    /// Sends an L1 tx from dev account `who` and waits for it to succeed.
    pub(crate) async fn send_l1(&self, who: usize, to: Address, input: Vec<u8>, value: U256) {
        let mgr = TxManager::new(self.l1.clone(), key(who), TxManagerConfig::dev()).await.unwrap();
        let c = TxCandidate {
            to: TxKind::Call(to),
            input: input.into(),
            value,
            gas_limit: None,
            blobs: None,
        };
        assert!(mgr.send(c).await.unwrap().status(), "L1 tx to {to} succeeded");
    }

    /// Dev account `who` deposits 5 wei to 0x44… through the portal; returns the L1 block
    /// that holds the deposit.
    pub(crate) async fn deposit(&self, who: usize) -> u64 {
        let deposit = OptimismPortal::depositTransactionCall {
            _to: Address::repeat_byte(0x44),
            _value: U256::from(5),
            _gasLimit: 100_000,
            _isCreation: false,
            _data: Bytes::new(),
        };
        self.send_l1(who, self.addresses.optimism_portal, deposit.abi_encode(), U256::from(5))
            .await;
        self.l1.header(BlockNumberOrTag::Latest).await.unwrap().unwrap().number
    }

    /// Posts L2 blocks `from..=to` of `engine` as one span-batch channel from the batcher.
    pub(crate) async fn post_batches(&mut self, engine: &EngineHandle, from: u64, to: u64) {
        let data = self.batches(engine, from, to).await;
        self.send_l1(1, self.cfg.batch_inbox_address, data, U256::ZERO).await;
    }

    /// The same, as a blob tx (the channel's frames in one blob).
    pub(crate) async fn post_batches_as_blob(&mut self, engine: &EngineHandle, from: u64, to: u64) {
        let data = self.batches(engine, from, to).await;
        // A blob's payload is what calldata would hold: the version byte, then the frames.
        let encoded = lamina_protocol::blob::encode_blob(&data).unwrap();
        let blob = alloy_eips::eip4844::Blob::from_slice(encoded.as_slice());
        let settings = alloy_eips::eip4844::env_settings::EnvKzgSettings::Default;
        let sidecar = alloy_eips::eip4844::BlobTransactionSidecar::try_from_blobs_with_settings(
            vec![blob],
            settings.get(),
        )
        .unwrap();
        let mgr = TxManager::new(self.l1.clone(), key(1), TxManagerConfig::dev()).await.unwrap();
        let c = TxCandidate {
            to: TxKind::Call(self.cfg.batch_inbox_address),
            input: Bytes::new(),
            value: U256::ZERO,
            gas_limit: None,
            blobs: Some(sidecar),
        };
        assert!(mgr.send(c).await.unwrap().status(), "blob batch tx succeeded");
    }

    /// Batcher data holding L2 blocks `from..=to` of `engine` as one span-batch channel.
    async fn batches(&mut self, engine: &EngineHandle, from: u64, to: u64) -> Vec<u8> {
        let store = engine.store();
        let l2 = lamina_node::rollup::EngineL2::new(engine.clone());
        let parent = l2.info(from - 1).await.unwrap().unwrap();
        let mut parent_hash = parent.hash;
        let mut batches = Vec::new();
        for n in from..=to {
            let info = l2.info(n).await.unwrap().unwrap();
            let txs = store.block_transactions(n).unwrap().unwrap();
            batches.push(SingleBatch {
                parent_hash,
                epoch_num: info.l1_origin.number,
                epoch_hash: info.l1_origin.hash,
                timestamp: info.timestamp,
                transactions: txs.into_iter().filter(|t| t[0] != 0x7e).collect(),
            });
            parent_hash = info.hash;
        }
        self.channel(&batches, parent.l1_origin.number)
    }

    /// A new span-batch channel holding `batches` (the first builds on a block of epoch
    /// `parent_epoch`), as batcher-tx calldata.
    /// Posts blocks `1..=head` of `seq_engine` as batches, then an invalid batch for the block
    /// after `head`; runs a new verifier (its engine in `datadir`) until idle and checks that it
    /// replaced that block by its deposits alone. The verifier's engine and the replaced block.
    pub(crate) async fn verify_an_invalid_last_batch(
        &mut self,
        seq_engine: &EngineHandle,
        head: &L2BlockInfo,
        datadir: &Path,
    ) -> (EngineHandle, L2BlockInfo) {
        self.post_batches(seq_engine, 1, head.number).await;
        self.post_invalid_batch(head).await;
        let b = self.engine(datadir);
        let (v, replaced) = self.verify_until_idle(&b).await;
        let replaced = replaced.expect("the verifier replaced the invalid block");
        assert_eq!(replaced.number, head.number + 1);
        assert_eq!(v.safe_head().await.unwrap(), replaced);
        (b, replaced)
    }

    /// A verifier on `engine` run until it is idle; the block it last replaced by its deposits
    /// alone (Holocene's rule for an invalid batch), if any.
    pub(crate) async fn verify_until_idle(
        &self,
        engine: &EngineHandle,
    ) -> (Verifier<Chain>, Option<L2BlockInfo>) {
        let mut v = Verifier::new(engine.clone(), self.source()).await.unwrap();
        let mut replaced = None;
        loop {
            match v.step().await.unwrap() {
                VerifierStep::Replaced(block) => replaced = block,
                VerifierStep::Idle => return (v, replaced),
                _ => {}
            }
        }
    }

    /// Posts a batch for the block after `head` whose only tx cannot execute (a nonce far
    /// ahead): from Holocene the block is rebuilt from its deposits alone.
    pub(crate) async fn post_invalid_batch(&mut self, head: &L2BlockInfo) {
        let bad = SingleBatch {
            parent_hash: head.hash,
            epoch_num: head.l1_origin.number,
            epoch_hash: head.l1_origin.hash,
            timestamp: head.timestamp + self.cfg.block_time,
            transactions: vec![transfer(&self.cfg, &key(6), 77, Address::repeat_byte(6))],
        };
        let data = self.channel(&[bad], head.l1_origin.number);
        self.send_l1(1, self.cfg.batch_inbox_address, data, U256::ZERO).await;
    }

    pub(crate) fn channel(&mut self, batches: &[SingleBatch], parent_epoch: u64) -> Vec<u8> {
        self.channels += 1;
        let format = BatchFormat::Span {
            genesis_time: self.cfg.genesis.l2_time,
            block_time: self.cfg.block_time,
            chain_id: self.cfg.l2_chain_id,
            parent_epoch,
        };
        let mut ch = ChannelOut::new(
            ChannelId::from([self.channels; 16]),
            format,
            CompressionConfig::BROTLI_10,
            10_000_000,
        );
        for b in batches {
            ch.add_batch(b.clone()).unwrap();
        }
        encode_batcher_data(&ch.frames(100_000).unwrap())
    }
}

/// A signed L2 transfer.
pub(crate) fn transfer(
    cfg: &RollupConfig,
    from: &PrivateKeySigner,
    nonce: u64,
    to: Address,
) -> Bytes {
    let tx = TxEip1559 {
        chain_id: cfg.l2_chain_id,
        nonce,
        gas_limit: 21_000,
        max_fee_per_gas: 10_000_000_000,
        max_priority_fee_per_gas: 1_000_000,
        to: TxKind::Call(to),
        value: U256::from(1_000 + nonce),
        ..Default::default()
    };
    let sig = from.sign_hash_sync(&tx.signature_hash()).unwrap();
    OpTxEnvelope::Eip1559(tx.into_signed(sig)).encoded_2718().into()
}

/// Sequences until the head's L1 origin reaches `origin` (at most 40 blocks).
pub(crate) async fn sequence_to_origin(seq: &mut Sequencer<Chain>, origin: u64) -> L2BlockInfo {
    for _ in 0..40 {
        let b = seq.build_next().await.unwrap().info;
        if b.l1_origin.number >= origin {
            return b;
        }
    }
    panic!("the sequencer never reached L1 origin {origin}");
}

/// `user`'s deposits in block `n` of `e`.
pub(crate) fn deposits_from(e: &EngineHandle, n: u64, user: Address) -> usize {
    let txs = e.store().block_transactions(n).unwrap().unwrap();
    txs.iter()
        .filter(|t| t[0] == 0x7e)
        .filter_map(|t| TxDeposit::decode_2718(t).ok())
        .filter(|d| d.from == user)
        .count()
}
