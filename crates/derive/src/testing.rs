//! A synthetic rollup in memory, for tests and benchmarks (feature `testing`): an L1 chain, a
//! sequencer that builds L2 blocks from the same attributes code the verifier uses (so both
//! compute identical block hashes through [`MemoryL2::apply`]), a batcher key that posts
//! channels to the inbox, and a verifier that derives the chain from L1 alone.
//!
//! Test support: its helpers panic on impossible states instead of returning errors.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::atomic::{AtomicU64, Ordering};

use crate::{
    BlobSource, DerivedAttributes, L1Source, Pipeline, PipelineError, attributes,
    driver::{self, DriverError, DriverStep, Execution, Executor},
    l1_blob_fee::L1BlobSchedule,
    memory::{MemoryL1, MemoryL2},
};
use alloy_consensus::{
    Eip658Value, Receipt, ReceiptEnvelope, ReceiptWithBloom, SignableTransaction, TxEip1559,
    TxEnvelope,
};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, B256, Bytes, Log, TxKind, U256, address, keccak256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use lamina_protocol::{
    BlockId, HardforkSchedule, RollupConfig, SystemConfig,
    batch::SingleBatch,
    block::{L1BlockInfo, L2BlockInfo},
    channel::{BatchFormat, ChannelOut, CompressionConfig},
    deposit::encode_deposit_log_data,
    frame::{ChannelId, Frame, encode_batcher_data},
};

pub const L1_BLOCK_TIME: u64 = 12;
pub const GENESIS_TIME: u64 = 1_000;
pub const PORTAL: Address = address!("00000000000000000000000000000000000b0a17");
pub const INBOX: Address = address!("ff00000000000000000000000000000000000901");

/// Which rules the chain runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rules {
    /// Through Ecotone: channel bank, batch queue.
    PreHolocene,
    /// Through Isthmus.
    Holocene,
}

#[derive(Debug)]
pub struct Chain {
    pub cfg: RollupConfig,
    pub l1: MemoryL1,
    pub seq: MemoryL2,
    pub genesis: L2BlockInfo,
    pub batcher: PrivateKeySigner,
    nonce: AtomicU64,
    l2_nonce: AtomicU64,
    channel_ids: AtomicU64,
}

impl Chain {
    pub fn new(rules: Rules) -> Self {
        let batcher = PrivateKeySigner::from_bytes(&B256::repeat_byte(0x0b)).unwrap();
        let hardforks = match rules {
            Rules::PreHolocene => HardforkSchedule {
                regolith_time: Some(0),
                canyon_time: Some(0),
                delta_time: Some(0),
                ecotone_time: Some(0),
                ..Default::default()
            },
            Rules::Holocene => HardforkSchedule::all_through_isthmus(),
        };
        let l1 = MemoryL1::new();
        let l1_genesis = l1.push(0, GENESIS_TIME, vec![], vec![]);
        let system_config = SystemConfig {
            batcher_addr: batcher.address(),
            gas_limit: 30_000_000,
            ..Default::default()
        };
        let genesis = L2BlockInfo {
            hash: keccak256(b"l2 genesis"),
            number: 0,
            parent_hash: B256::ZERO,
            timestamp: GENESIS_TIME,
            l1_origin: l1_genesis.id(),
            seq_num: 0,
        };
        let cfg = RollupConfig {
            block_time: 2,
            max_sequencer_drift: 600,
            seq_window_size: 20,
            channel_timeout: 4,
            granite_channel_timeout: Some(4),
            l1_chain_id: 900,
            l2_chain_id: 901,
            hardforks,
            batch_inbox_address: INBOX,
            deposit_contract_address: PORTAL,
            l1_system_config_address: address!("00000000000000000000000000000000005c0f16"),
            genesis: lamina_protocol::config::Genesis {
                l1: l1_genesis.id(),
                l2: genesis.id(),
                l2_time: GENESIS_TIME,
                system_config: system_config.clone(),
            },
            ..Default::default()
        };
        let seq = MemoryL2::new(genesis, system_config);
        Self {
            cfg,
            l1,
            seq,
            genesis,
            batcher,
            nonce: AtomicU64::new(0),
            l2_nonce: AtomicU64::new(0),
            channel_ids: AtomicU64::new(1),
        }
    }

    /// Mines an L1 block with these txs and receipts.
    pub fn l1_block_with(
        &self,
        txs: Vec<TxEnvelope>,
        receipts: Vec<ReceiptEnvelope>,
    ) -> L1BlockInfo {
        let head = self.l1.head().unwrap();
        self.l1.push(0, head.timestamp + L1_BLOCK_TIME, txs, receipts)
    }

    /// Mines an L1 block with these txs.
    pub fn l1_block(&self, txs: Vec<TxEnvelope>) -> L1BlockInfo {
        self.l1_block_with(txs, vec![])
    }

    /// Mines `n` empty L1 blocks.
    pub fn l1_blocks(&self, n: usize) {
        for _ in 0..n {
            self.l1_block(vec![]);
        }
    }

    /// A receipt with one portal deposit log: `value` wei to `to`.
    pub fn deposit_receipt(to: Address, value: u64) -> ReceiptEnvelope {
        let data = encode_deposit_log_data(
            Address::repeat_byte(0xde),
            Some(to),
            U256::from(value),
            U256::from(value),
            21_000,
            &[],
        );
        let log = Log { address: PORTAL, data };
        let receipt = Receipt {
            status: Eip658Value::Eip658(true),
            cumulative_gas_used: 50_000,
            logs: vec![log],
        };
        ReceiptEnvelope::Eip1559(ReceiptWithBloom::new(receipt, Default::default()))
    }

    /// Builds the sequencer's next block in `epoch` with `txs` and returns its batch.
    pub async fn sequence_in(&self, epoch: u64, txs: Vec<Bytes>) -> SingleBatch {
        let parent = self.seq.head();
        let origin = self.l1.header(epoch).expect("epoch on L1");
        let ts = parent.timestamp + self.cfg.block_time;
        let id = BlockId { number: epoch, hash: origin.hash() };
        let mut attrs = attributes::build(
            &self.cfg,
            &L1BlobSchedule::default(),
            &self.l1,
            &self.seq,
            &parent,
            id,
            ts,
        )
        .await
        .unwrap();
        attrs.transactions.as_mut().unwrap().extend(txs.iter().cloned());
        self.seq.apply(&DerivedAttributes {
            attributes: attrs,
            parent,
            l1_origin: id,
            derived_from: crate::ports::l1_info(&origin),
            is_last_in_span: true,
        });
        SingleBatch {
            parent_hash: parent.hash,
            epoch_num: epoch,
            epoch_hash: id.hash,
            timestamp: ts,
            transactions: txs,
        }
    }

    /// Builds `n` blocks, moving to the next L1 block as soon as its time has come (and it
    /// exists), each with `txs_per_block` small txs.
    pub async fn sequence(&self, n: usize, txs_per_block: usize) -> Vec<SingleBatch> {
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            let parent = self.seq.head();
            let ts = parent.timestamp + self.cfg.block_time;
            let mut epoch = parent.l1_origin.number;
            if self.l1.header(epoch + 1).is_some_and(|h| h.timestamp <= ts) {
                epoch += 1;
            }
            let txs = (0..txs_per_block).map(|_| self.l2_tx()).collect();
            out.push(self.sequence_in(epoch, txs).await);
        }
        out
    }

    /// A signed L2 transfer from the test user (span batches need real txs).
    pub fn l2_tx(&self) -> Bytes {
        let user = PrivateKeySigner::from_bytes(&B256::repeat_byte(0x0c)).unwrap();
        let tx = TxEip1559 {
            chain_id: self.cfg.l2_chain_id,
            nonce: self.l2_nonce.fetch_add(1, Ordering::Relaxed),
            gas_limit: 21_000,
            max_fee_per_gas: 2_000_000_000,
            max_priority_fee_per_gas: 1_000,
            to: TxKind::Call(Address::repeat_byte(0x77)),
            value: U256::from(1),
            access_list: Default::default(),
            input: Bytes::new(),
        };
        let sig = user.sign_hash_sync(&tx.signature_hash()).unwrap();
        Bytes::from(TxEnvelope::Eip1559(tx.into_signed(sig)).encoded_2718())
    }

    fn next_channel_id(&self) -> ChannelId {
        let n = self.channel_ids.fetch_add(1, Ordering::Relaxed);
        let mut id = [0u8; 16];
        id[8..].copy_from_slice(&n.to_be_bytes());
        ChannelId::from(id)
    }

    /// A channel of singular batches, cut into frames of at most `frame_size` bytes.
    pub fn channel(&self, batches: &[SingleBatch], frame_size: usize) -> Vec<Frame> {
        self.channel_as(batches, BatchFormat::Single, frame_size)
    }

    /// A channel holding one span batch of `batches`.
    pub fn span_channel(&self, batches: &[SingleBatch], parent_epoch: u64) -> Vec<Frame> {
        let format = BatchFormat::Span {
            genesis_time: self.cfg.genesis.l2_time,
            block_time: self.cfg.block_time,
            chain_id: self.cfg.l2_chain_id,
            parent_epoch,
        };
        self.channel_as(batches, format, 100_000)
    }

    fn channel_as(
        &self,
        batches: &[SingleBatch],
        format: BatchFormat,
        frame_size: usize,
    ) -> Vec<Frame> {
        let mut ch = ChannelOut::new(
            self.next_channel_id(),
            format,
            CompressionConfig::ZLIB_BEST,
            self.cfg.max_rlp_bytes_per_channel(0),
        );
        for b in batches {
            ch.add_batch(b.clone()).unwrap();
        }
        ch.frames(frame_size).unwrap()
    }

    /// A batcher tx (signed by the batcher) carrying these frames.
    pub fn batcher_tx(&self, frames: &[Frame]) -> TxEnvelope {
        self.tx_from(&self.batcher, INBOX, encode_batcher_data(frames))
    }

    /// A signed L1 tx from `signer` to `to` with `input`.
    pub fn tx_from(&self, signer: &PrivateKeySigner, to: Address, input: Vec<u8>) -> TxEnvelope {
        let tx = TxEip1559 {
            chain_id: self.cfg.l1_chain_id,
            nonce: self.nonce.fetch_add(1, Ordering::Relaxed),
            gas_limit: 1_000_000,
            max_fee_per_gas: 10_000_000_000,
            max_priority_fee_per_gas: 1_000_000_000,
            to: TxKind::Call(to),
            value: U256::ZERO,
            access_list: Default::default(),
            input: input.into(),
        };
        let sig = signer.sign_hash_sync(&tx.signature_hash()).unwrap();
        TxEnvelope::Eip1559(tx.into_signed(sig))
    }
}

/// A verifier: its own L2 chain from genesis and a pipeline over the shared L1.
#[derive(Debug)]
pub struct Verifier {
    pub l2: MemoryL2,
    pub pipeline: Pipeline<MemoryL1, MemoryL1, MemoryL2>,
    pub derived: Vec<DerivedAttributes>,
}

impl Verifier {
    pub fn new(chain: &Chain) -> Self {
        let l2 = MemoryL2::new(chain.genesis, chain.cfg.genesis.system_config.clone());
        let mut pipeline =
            Pipeline::new(chain.cfg.clone(), chain.l1.clone(), chain.l1.clone(), l2.clone())
                .with_blob_schedule(L1BlobSchedule::default());
        pipeline.reset(chain.l1.header(0).unwrap(), chain.cfg.genesis.system_config.clone());
        Self { l2, pipeline, derived: Vec::new() }
    }

    /// Drives the pipeline until it waits for L1, executing every block on the in-memory
    /// chain and recording its attributes.
    pub async fn sync(&mut self) -> Result<L2BlockInfo, PipelineError> {
        derive_until_idle(&mut self.pipeline, &mut self.derived).await?;
        Ok(self.l2.head())
    }
}

/// The pipeline's [`MemoryL2`] as the executor, keeping what it executed.
#[derive(Debug)]
pub struct Recording<'a> {
    pub l2: MemoryL2,
    pub derived: &'a mut Vec<DerivedAttributes>,
}

impl Executor for Recording<'_> {
    type Error = std::convert::Infallible;

    async fn execute(&mut self, attrs: &DerivedAttributes) -> Result<Execution, Self::Error> {
        self.derived.push(attrs.clone());
        self.l2.execute(attrs).await
    }
}

/// Drives `pipeline` with the [driver](crate::driver) until it waits for L1, executing every
/// block on its in-memory L2 chain and appending the attributes to `derived`.
pub async fn derive_until_idle<L1: L1Source, B: BlobSource>(
    pipeline: &mut Pipeline<L1, B, MemoryL2>,
    derived: &mut Vec<DerivedAttributes>,
) -> Result<(), PipelineError> {
    let l2 = pipeline.l2().clone();
    let mut exec = Recording { l2: l2.clone(), derived };
    for _ in 0..100_000 {
        match driver::step(pipeline, &l2.head(), &mut exec).await {
            Ok(DriverStep::Idle) => return Ok(()),
            Ok(_) => {}
            Err(DriverError::Pipeline(e)) => return Err(e),
            Err(e) => panic!("the in-memory executor failed: {e}"),
        }
    }
    panic!("the pipeline never idled");
}

/// Derives the whole chain afresh and returns the verifier.
pub async fn verify(chain: &Chain) -> Verifier {
    let mut v = Verifier::new(chain);
    v.sync().await.unwrap();
    v
}
