//! The batcher: follows the sequencer's unsafe blocks, packs them into span-batch channels
//! (Brotli-10 by default) and posts each channel's frames to the BatchInbox through the tx
//! manager, one calldata tx per frame.
//!
//! A channel closes when its uncompressed input reaches the target size or when it has been
//! open for `max_channel_duration` L1 blocks (so a quiet chain still turns safe). The batcher
//! starts after what it already has on L1 (or the engine's safe head), and starts over from
//! there when the unsafe chain is reorged under an open channel.

mod error;
mod recover;

use alloy_eips::BlockNumberOrTag;
use alloy_primitives::{TxKind, U256, keccak256};
use lamina_l1::{
    chain::L1Chain,
    txmgr::{TxCandidate, TxManager},
};
use lamina_protocol::{
    batch::SingleBatch,
    block::L2BlockInfo,
    channel::{BatchFormat, ChannelOut, ChannelOutError, CompressionConfig},
    constants::DEPOSIT_TX_TYPE,
    frame::{ChannelId, encode_batcher_data},
};

pub use error::BatcherError;
pub use recover::{PostedChannel, posted_channels};

use crate::rollup::{EngineL2, ExecutionEngine};

/// How the batcher builds and posts channels.
#[derive(Debug, Clone, Copy)]
pub struct BatcherConfig {
    /// Largest frame (one calldata tx each).
    pub max_frame_size: usize,
    /// Uncompressed bytes at which a channel is closed and posted.
    pub target_channel_bytes: u64,
    /// L1 blocks a channel may stay open before it is posted anyway (0: post at every step).
    pub max_channel_duration: u64,
    /// Compression.
    pub compression: CompressionConfig,
}

impl Default for BatcherConfig {
    fn default() -> Self {
        Self {
            max_frame_size: 120_000,
            target_channel_bytes: 1_000_000,
            max_channel_duration: 2,
            compression: CompressionConfig::BROTLI_10,
        }
    }
}

/// The channel being filled.
#[derive(Debug)]
struct Open {
    out: ChannelOut,
    /// L1 head number when it was opened.
    opened_at: u64,
    /// First and last L2 block in it.
    first: u64,
    last: L2BlockInfo,
}

/// What one step posted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posted {
    /// The channel.
    pub channel: ChannelId,
    /// L2 blocks it carries.
    pub blocks: std::ops::RangeInclusive<u64>,
    /// Frames (= txs) sent.
    pub frames: usize,
    /// Batcher data bytes sent.
    pub bytes: usize,
}

/// A batcher posting engine `E`'s blocks to L1 chain `C`.
#[derive(Debug)]
pub struct Batcher<C, E> {
    l2: EngineL2<E>,
    txmgr: TxManager<C>,
    config: BatcherConfig,
    /// The next L2 block to add.
    next: u64,
    /// The block before `next`, as it was added (to notice unsafe reorgs).
    tip: Option<L2BlockInfo>,
    open: Option<Open>,
}

impl<C: L1Chain, E: ExecutionEngine> Batcher<C, E> {
    /// A batcher posting from the engine's safe head on, through `txmgr` (the batcher key).
    pub async fn new(
        engine: E,
        txmgr: TxManager<C>,
        config: BatcherConfig,
    ) -> Result<Self, BatcherError> {
        let l2 = EngineL2::new(engine);
        let mut b = Self { l2, txmgr, config, next: 0, tip: None, open: None };
        b.restart().await?;
        Ok(b)
    }

    /// Drops the open channel and continues after the newest block this batcher already has
    /// on L1 in a complete channel, or else after the safe head.
    async fn restart(&mut self) -> Result<(), BatcherError> {
        let safe = self.l2.engine().heads().await?.safe;
        let safe = self.l2.expect(safe.number).await?;
        let cfg = self.l2.engine().rollup();
        let posted = recover::last_posted_timestamp(
            self.txmgr.chain(),
            cfg,
            self.txmgr.address(),
            safe.l1_origin.number,
        )
        .await?;
        let mut tip = safe;
        if let Some(ts) = posted.filter(|ts| *ts > safe.timestamp) {
            let number = safe.number + (ts - safe.timestamp) / cfg.block_time.max(1);
            if let Some(info) = self.l2.info(number).await? {
                tip = info;
            }
        }
        self.tip = Some(tip);
        self.next = tip.number + 1;
        self.open = None;
        tracing::info!(target: "lamina::batcher", safe = safe.number, from = self.next, "batching resumes");
        Ok(())
    }

    /// Adds the new unsafe blocks and posts the channel if it is due; `None` when nothing was
    /// posted.
    pub async fn step(&mut self) -> Result<Option<Posted>, BatcherError> {
        let engine = self.l2.engine().clone();
        let head = engine.heads().await?.head.number;
        if let Some(tip) = self.tip
            && self.l2.info(tip.number).await?.is_none_or(|b| b.hash != tip.hash)
        {
            tracing::warn!(target: "lamina::batcher", block = tip.number, "unsafe chain reorged: starting over");
            self.restart().await?;
        }
        let l1_head = self.l1_head().await?;
        while self.next <= head {
            let Some((header, txs)) = engine.block(self.next).await? else { break };
            let info = self.l2.expect(self.next).await?;
            let batch = SingleBatch {
                parent_hash: header.parent_hash,
                epoch_num: info.l1_origin.number,
                epoch_hash: info.l1_origin.hash,
                timestamp: info.timestamp,
                transactions: txs
                    .into_iter()
                    .filter(|t| t.first() != Some(&DEPOSIT_TX_TYPE))
                    .collect(),
            };
            let open = match self.open.as_mut() {
                Some(o) => o,
                None => {
                    let parent_epoch = match self.tip {
                        Some(t) => t.l1_origin.number,
                        None => info.l1_origin.number,
                    };
                    self.open = Some(self.open_channel(&info, parent_epoch, l1_head));
                    self.open.as_mut().ok_or(BatcherError::Internal("no open channel"))?
                }
            };
            match open.out.add_batch(batch) {
                Ok(()) => {}
                // Full: post what it holds; this block opens the next channel.
                Err(ChannelOutError::Full { .. }) if open.out.block_count() > 0 => {
                    return self.post().await.map(Some);
                }
                Err(e) => return Err(e.into()),
            }
            open.last = info;
            self.tip = Some(info);
            self.next += 1;
            if open.out.input_bytes() >= self.config.target_channel_bytes {
                return self.post().await.map(Some);
            }
        }
        match &self.open {
            Some(o) if l1_head >= o.opened_at + self.config.max_channel_duration => {
                self.post().await.map(Some)
            }
            _ => Ok(None),
        }
    }

    async fn l1_head(&self) -> Result<u64, BatcherError> {
        let head = self.txmgr.chain().header(BlockNumberOrTag::Latest).await?;
        Ok(head.map(|h| h.number).unwrap_or_default())
    }

    fn open_channel(&self, first: &L2BlockInfo, parent_epoch: u64, l1_head: u64) -> Open {
        let cfg = self.l2.engine().rollup();
        // Unique per batcher, first block and L1 time: a restarted batcher opens new ids.
        let seed = [
            self.txmgr.address().as_slice(),
            first.hash.as_slice(),
            &l1_head.to_be_bytes(),
            &std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default()
                .to_be_bytes(),
        ]
        .concat();
        let mut id = [0u8; 16];
        id.copy_from_slice(&keccak256(seed)[..16]);
        let format = BatchFormat::Span {
            genesis_time: cfg.genesis.l2_time,
            block_time: cfg.block_time,
            chain_id: cfg.l2_chain_id,
            parent_epoch,
        };
        let limit = cfg.max_rlp_bytes_per_channel(first.timestamp);
        Open {
            out: ChannelOut::new(ChannelId::from(id), format, self.config.compression, limit),
            opened_at: l1_head,
            first: first.number,
            last: *first,
        }
    }

    /// Closes the open channel and sends its frames.
    async fn post(&mut self) -> Result<Posted, BatcherError> {
        let mut open = self.open.take().ok_or(BatcherError::Internal("no open channel"))?;
        let frames = open.out.frames(self.config.max_frame_size)?;
        let inbox = self.l2.engine().rollup().batch_inbox_address;
        let mut bytes = 0;
        for frame in &frames {
            let data = encode_batcher_data(std::slice::from_ref(frame));
            bytes += data.len();
            let candidate = TxCandidate {
                to: TxKind::Call(inbox),
                input: data.into(),
                value: U256::ZERO,
                gas_limit: None,
                blobs: None,
            };
            let receipt = self.txmgr.send(candidate).await?;
            if !receipt.status() {
                return Err(BatcherError::Reverted(receipt.transaction_hash));
            }
        }
        let posted = Posted {
            channel: open.out.id(),
            blocks: open.first..=open.last.number,
            frames: frames.len(),
            bytes,
        };
        tracing::info!(
            target: "lamina::batcher",
            first = open.first,
            last = open.last.number,
            frames = posted.frames,
            bytes,
            "channel posted"
        );
        Ok(posted)
    }

    /// The next L2 block it will add.
    pub const fn next_block(&self) -> u64 {
        self.next
    }
}
