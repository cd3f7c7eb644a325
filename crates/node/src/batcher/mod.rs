//! The batcher: follows the sequencer's unsafe blocks, packs them into span-batch channels
//! (Brotli-10 by default) and posts each channel's frames to the BatchInbox through the tx
//! manager — one calldata tx per frame, or one blob per frame and up to six blobs per tx, as
//! the DA mode says (`auto`: whichever is cheaper at the current fees, within the caps).
//!
//! A channel closes when its uncompressed input reaches the target size or when it has been
//! open for `max_channel_duration` L1 blocks (so a quiet chain still turns safe). The batcher
//! starts after what it already has on L1 (or the engine's safe head), and starts over from
//! there — reading back what L1 holds — when the unsafe chain is reorged under an open
//! channel, when a channel could not be fully sent (a dropped or timed-out tx), or when the L1
//! block holding its last posted channel is reorged out.

mod da;
mod error;
mod recover;
mod throttle;

use alloy_eips::{
    BlockNumberOrTag,
    eip4844::{Blob, BlobTransactionSidecar, env_settings::EnvKzgSettings},
};
use alloy_primitives::{B256, Bytes, TxKind, U256, keccak256};
use lamina_l1::{
    chain::L1Chain,
    txmgr::{TxCandidate, TxManager},
};
use lamina_protocol::{
    batch::SingleBatch,
    blob::encode_blob,
    block::L2BlockInfo,
    channel::{BatchFormat, ChannelOut, ChannelOutError, CompressionConfig},
    constants::DEPOSIT_TX_TYPE,
    frame::{ChannelId, encode_batcher_data},
};

pub use da::{DaMode, UnknownDaMode};
pub use error::BatcherError;
pub use recover::{PostedChannel, posted_channels};
pub use throttle::Throttle;

use crate::{
    metrics::{BatcherMetrics, BatcherTx},
    rollup::{EngineL2, ExecutionEngine},
};

/// How the batcher builds and posts channels.
#[derive(Debug, Clone, Copy)]
pub struct BatcherConfig {
    /// Largest calldata frame (one tx each).
    pub max_frame_size: usize,
    /// Calldata, blobs, or the cheaper.
    pub da: DaMode,
    /// Blobs per blob tx (at most 6, the Prague limit per tx is 9; fewer spread a channel over
    /// more, cheaper-to-replace txs).
    pub max_blobs_per_tx: usize,
    /// Uncompressed bytes at which a channel is closed and posted.
    pub target_channel_bytes: u64,
    /// L1 blocks a channel may stay open before it is posted anyway (0: post at every step).
    pub max_channel_duration: u64,
    /// Compression.
    pub compression: CompressionConfig,
    /// Shrink the sequencer's blocks while the unposted backlog is large (`None`: never).
    pub throttle: Option<Throttle>,
}

impl Default for BatcherConfig {
    fn default() -> Self {
        Self {
            max_frame_size: 120_000,
            // As op-batcher: calldata unless asked, since blobs need the verifiers' L1 to
            // serve them (a beacon API).
            da: DaMode::Calldata,
            max_blobs_per_tx: 6,
            target_channel_bytes: 1_000_000,
            max_channel_duration: 2,
            compression: CompressionConfig::BROTLI_10,
            throttle: Some(Throttle::default()),
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
    /// Frames sent.
    pub frames: usize,
    /// L1 txs sent.
    pub txs: usize,
    /// Batcher data bytes sent (calldata, or the data inside the blobs).
    pub bytes: usize,
    /// Calldata or blobs.
    pub da: DaMode,
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
    /// Start over at the next step (a channel was only partly sent).
    stale: bool,
    /// The L1 block (number, hash) holding the last tx of the newest posted channel.
    last_l1: Option<(u64, B256)>,
    /// Unposted L2 data, for the throttle.
    backlog: throttle::Backlog,
}

impl<C: L1Chain, E: ExecutionEngine> Batcher<C, E> {
    /// A batcher posting from the engine's safe head on, through `txmgr` (the batcher key).
    pub async fn new(
        engine: E,
        txmgr: TxManager<C>,
        config: BatcherConfig,
    ) -> Result<Self, BatcherError> {
        let l2 = EngineL2::new(engine);
        BatcherMetrics.init();
        let mut b = Self {
            l2,
            txmgr,
            config,
            next: 0,
            tip: None,
            open: None,
            stale: false,
            last_l1: None,
            backlog: throttle::Backlog::default(),
        };
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
        self.stale = false;
        self.last_l1 = None;
        self.backlog.reset(tip.number);
        // Txs it sent may have been dropped or reorged out since.
        self.txmgr.forget_nonce().await;
        tracing::info!(target: "lamina::batcher", safe = safe.number, from = self.next, "batching resumes");
        Ok(())
    }

    /// Adds the new unsafe blocks and posts the channel if it is due; `None` when nothing was
    /// posted.
    pub async fn step(&mut self) -> Result<Option<Posted>, BatcherError> {
        let engine = self.l2.engine().clone();
        let head = engine.heads().await?.head.number;
        if self.stale {
            self.restart().await?;
        }
        if let Some(tip) = self.tip
            && self.l2.info(tip.number).await?.is_none_or(|b| b.hash != tip.hash)
        {
            tracing::warn!(target: "lamina::batcher", block = tip.number, "unsafe chain reorged: starting over");
            self.restart().await?;
        }
        if let Some((number, hash)) = self.last_l1 {
            let now = self.txmgr.chain().header(BlockNumberOrTag::Number(number)).await?;
            if now.is_none_or(|h| h.hash() != hash) {
                tracing::warn!(target: "lamina::batcher", l1_block = number, "L1 reorged out posted data: starting over from what L1 holds");
                self.restart().await?;
            }
        }
        let posted = self.batch(&engine, head).await;
        // Also after a failed post: fees above the caps are when the backlog grows.
        if let Some(t) = self.config.throttle {
            self.backlog.measure(&engine, head).await?;
            if let Err(e) = self.backlog.apply(&engine, &t).await {
                tracing::warn!(target: "lamina::batcher", %e, "the engine cannot be throttled; batching without the throttle");
                self.config.throttle = None;
            }
        }
        BatcherMetrics.pending_bytes(self.backlog.bytes());
        posted
    }

    /// Adds blocks up to `head` to the open channel and posts it if it is due.
    async fn batch(&mut self, engine: &E, head: u64) -> Result<Option<Posted>, BatcherError> {
        // A channel closed but not sent (fees were above the caps): send it first.
        if self.open.as_ref().is_some_and(|o| o.out.compressed().is_some()) {
            return self.post().await.map(Some);
        }
        let l1_head = self.l1_head().await?;
        while self.next <= head {
            let Some((header, txs)) = engine.block(self.next).await? else { break };
            let info = self.l2.expect(self.next).await?;
            let bytes = throttle::posted_bytes(&txs);
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
            self.backlog.record(info.number, bytes);
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
        BatcherMetrics.channel("opened");
        Open {
            out: ChannelOut::new(ChannelId::from(id), format, self.config.compression, limit),
            opened_at: l1_head,
            first: first.number,
            last: *first,
        }
    }

    /// Closes the open channel and sends its frames. If a tx fails midway, the next step
    /// starts over from what L1 holds, so the blocks are posted again in a new channel.
    async fn post(&mut self) -> Result<Posted, BatcherError> {
        let open = self.open.as_mut().ok_or(BatcherError::Internal("no open channel"))?;
        let first_close = open.out.compressed().is_none();
        let len = open.out.close()?;
        if first_close {
            BatcherMetrics.channel_closed(open.out.input_bytes(), len);
        }
        // Priced before the channel is taken: when nothing can be sent now it stays, closed,
        // for the next step.
        let da = self.pick_da(len).await?;
        let mut open = self.open.take().ok_or(BatcherError::Internal("no open channel"))?;
        let result = self.send_channel(&mut open, da).await;
        if result.is_err() {
            self.stale = true;
        }
        let (txs, bytes, frames) = result?;
        BatcherMetrics.channel("fully_submitted");
        self.backlog.posted(open.last.number);
        let posted = Posted {
            channel: open.out.id(),
            blocks: open.first..=open.last.number,
            frames,
            txs,
            bytes,
            da,
        };
        tracing::info!(
            target: "lamina::batcher",
            first = open.first,
            last = open.last.number,
            frames,
            txs,
            bytes,
            %da,
            "channel posted"
        );
        Ok(posted)
    }

    /// Calldata or blobs for a channel of `len` compressed bytes.
    async fn pick_da(&self, len: usize) -> Result<DaMode, BatcherError> {
        let fees = self.txmgr.chain().fees().await?;
        let within = |blob| self.txmgr.check_caps(&fees, blob);
        let (calldata, blobs) = match self.config.da {
            DaMode::Calldata => (within(false).map(Some)?, None),
            DaMode::Blobs => (None, within(true).map(Some)?),
            DaMode::Auto => match (within(false), within(true)) {
                (Err(e), Err(_)) => return Err(e.into()),
                (c, b) => (c.ok(), b.ok()),
            },
        };
        da::choose(
            len,
            self.config.max_frame_size,
            self.config.max_blobs_per_tx,
            calldata.map(|()| &fees),
            blobs.map(|()| &fees),
        )
        .ok_or(BatcherError::Internal("no DA mode within the caps"))
    }

    /// Sends the channel's frames; returns (txs, bytes, frames).
    async fn send_channel(
        &mut self,
        open: &mut Open,
        da: DaMode,
    ) -> Result<(usize, usize, usize), BatcherError> {
        let size = match da {
            DaMode::Blobs => da::BLOB_FRAME_SIZE,
            _ => self.config.max_frame_size,
        };
        let frames = open.out.frames(size)?;
        BatcherMetrics.frames(frames.len());
        let inbox = TxKind::Call(self.l2.engine().rollup().batch_inbox_address);
        let per_tx = match da {
            DaMode::Blobs => self.config.max_blobs_per_tx.clamp(1, 6),
            _ => 1,
        };
        let (mut txs, mut bytes) = (0, 0);
        for group in frames.chunks(per_tx) {
            let data: Vec<Vec<u8>> =
                group.iter().map(|f| encode_batcher_data(std::slice::from_ref(f))).collect();
            let sent = data.iter().map(Vec::len).sum::<usize>();
            bytes += sent;
            let candidate = match da {
                DaMode::Blobs => TxCandidate {
                    to: inbox,
                    input: Bytes::new(),
                    value: U256::ZERO,
                    gas_limit: Some(21_000),
                    blobs: Some(sidecar(data).await?),
                },
                _ => TxCandidate {
                    to: inbox,
                    input: data.concat().into(),
                    value: U256::ZERO,
                    gas_limit: None,
                    blobs: None,
                },
            };
            BatcherMetrics.tx("submitted");
            let receipt = match self.txmgr.send(candidate).await {
                Ok(r) => r,
                Err(e) => {
                    BatcherMetrics.tx("failed");
                    return Err(e.into());
                }
            };
            if !receipt.status() {
                BatcherMetrics.tx("failed");
                return Err(BatcherError::Reverted(receipt.transaction_hash));
            }
            let blob_fee = u128::from(receipt.blob_gas_used.unwrap_or_default())
                * receipt.blob_gas_price.unwrap_or_default();
            BatcherMetrics.landed(BatcherTx {
                da: if da == DaMode::Blobs { "blobs" } else { "calldata" },
                bytes: sent,
                fee_wei: u128::from(receipt.gas_used) * receipt.effective_gas_price + blob_fee,
            });
            if let (Some(n), Some(h)) = (receipt.block_number, receipt.block_hash) {
                self.last_l1 = Some((n, h));
            }
            txs += 1;
        }
        Ok((txs, bytes, frames.len()))
    }

    /// The next L2 block it will add.
    pub const fn next_block(&self) -> u64 {
        self.next
    }
}

/// The blob sidecar carrying `data` (one frame's batcher data per blob), with its KZG
/// commitments and proofs, computed off the async threads.
async fn sidecar(data: Vec<Vec<u8>>) -> Result<BlobTransactionSidecar, BatcherError> {
    tokio::task::spawn_blocking(move || {
        // Filled in place: a blob is 128 KiB, too big to pass around on the stack.
        let mut blobs = vec![Blob::ZERO; data.len()];
        for (blob, d) in blobs.iter_mut().zip(&data) {
            let encoded = encode_blob(d).map_err(|e| BatcherError::Blob(e.to_string()))?;
            blob.copy_from_slice(encoded.as_slice());
        }
        BlobTransactionSidecar::try_from_blobs_with_settings(blobs, EnvKzgSettings::Default.get())
            .map_err(|e| BatcherError::Blob(e.to_string()))
    })
    .await
    .map_err(|_| BatcherError::Internal("blob task failed"))?
}
