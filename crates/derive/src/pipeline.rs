//! The derivation pipeline (digest §4): the stages composed and pulled from the top. Each
//! [`Pipeline::step`] asks for the next block's attributes; a stage that runs dry asks the one
//! below, down to L1 retrieval; when the current L1 block is exhausted the L1 origin advances
//! (checking parent-hash continuity: a mismatch is a reorg and needs a reset).
//!
//! The pipeline holds no L2 state of its own: the caller passes the safe head to every step and
//! applies (or rejects) what comes out. That is what lets the same pipeline serve a verifier,
//! a sequencer catching up, and later the proof program.

use alloc::collections::VecDeque;
use alloc::{boxed::Box, format, vec::Vec};

use alloy_primitives::Bytes;
use lamina_protocol::{
    BlockId, Hardfork, RollupConfig, SystemConfig,
    batch::{Batch, SingleBatch, SpanBatch},
    blob::decode_blob,
    block::{L1BlockInfo, L2BlockInfo},
    channel::ChannelReader,
    frame::Frame,
};

use crate::error::{Classify, Severity};
use crate::{
    attributes::{self, DerivedAttributes},
    batch::{
        IncludedBatch, ReadBatch,
        holocene::{HoloceneBatches, Streamed},
        queue::BatchQueue,
        validity::BatchValidity,
        window::L1Window,
    },
    error::{PipelineError, SourceError},
    l1_blob_fee::L1BlobSchedule,
    l1_logs,
    ports::{BlobSource, L1Header, L1Source, L2Source, l1_info},
    stages::{
        assembler::ChannelAssembler,
        bank::{BankRead, ChannelBank},
        frames::FrameQueue,
        retrieval::{DataRef, batcher_data, blob_hashes},
    },
};

/// What one step did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// The next block's attributes.
    Attributes(Box<DerivedAttributes>),
    /// Work was done but nothing is ready yet: step again.
    Progress,
    /// The L1 origin moved to this block.
    AdvancedOrigin(L1BlockInfo),
    /// Everything L1 has was consumed: wait for the next L1 block.
    Idle,
}

/// Counters of what the pipeline has read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PipelineStats {
    /// L1 blocks traversed.
    pub l1_blocks: u64,
    /// Batcher payload bytes retrieved (calldata or decoded blobs).
    pub data_bytes: u64,
    /// Channels completed.
    pub channels: u64,
    /// Batches read from channels.
    pub batches: u64,
    /// Attributes produced.
    pub attributes: u64,
}

/// A batch chosen for the next block, kept until its attributes are built (so a temporary L1
/// failure while building them loses nothing).
#[derive(Debug, Clone)]
struct Chosen {
    batch: SingleBatch,
    last: bool,
}

/// The pipeline.
#[derive(Debug)]
pub struct Pipeline<L1, B, L2> {
    cfg: RollupConfig,
    blob_schedule: L1BlobSchedule,
    l1: L1,
    blobs: B,
    l2: L2,
    /// Traversal: the current L1 origin and the system config as of it.
    origin: Option<L1Header>,
    system_config: SystemConfig,
    /// Retrieval: the origin's batcher payloads not yet framed.
    retrieved: bool,
    data: VecDeque<Bytes>,
    frames: FrameQueue,
    bank: ChannelBank,
    assembler: ChannelAssembler,
    reader: Option<ChannelReader>,
    window: L1Window,
    queue: BatchQueue,
    holocene: HoloceneBatches,
    chosen: Option<Chosen>,
    stats: PipelineStats,
}

impl<L1: L1Source, B: BlobSource, L2: L2Source> Pipeline<L1, B, L2> {
    /// A pipeline for chain `cfg`; it starts at the first [`Pipeline::reset`].
    pub fn new(cfg: RollupConfig, l1: L1, blobs: B, l2: L2) -> Self {
        Self {
            blob_schedule: L1BlobSchedule::for_config(&cfg),
            cfg,
            l1,
            blobs,
            l2,
            origin: None,
            system_config: SystemConfig::default(),
            retrieved: false,
            data: VecDeque::new(),
            frames: FrameQueue::default(),
            bank: ChannelBank::default(),
            assembler: ChannelAssembler::default(),
            reader: None,
            window: L1Window::default(),
            queue: BatchQueue::default(),
            holocene: HoloceneBatches::default(),
            chosen: None,
            stats: PipelineStats::default(),
        }
    }

    /// Uses `schedule` for L1 blob base fees instead of the one known for the L1 chain id.
    pub fn with_blob_schedule(mut self, schedule: L1BlobSchedule) -> Self {
        self.blob_schedule = schedule;
        self
    }

    /// The chain.
    pub const fn config(&self) -> &RollupConfig {
        &self.cfg
    }

    /// The L1 source.
    pub const fn l1(&self) -> &L1 {
        &self.l1
    }

    /// The L2 source.
    pub const fn l2(&self) -> &L2 {
        &self.l2
    }

    /// The current L1 origin.
    pub fn origin(&self) -> Option<L1BlockInfo> {
        self.origin.as_ref().map(l1_info)
    }

    /// The system config as of the current L1 origin.
    pub const fn system_config(&self) -> &SystemConfig {
        &self.system_config
    }

    /// What has been read so far.
    pub const fn stats(&self) -> PipelineStats {
        self.stats
    }

    /// Restarts derivation at L1 block `base` with the system config in force there. Every
    /// stage is emptied; `base` must be old enough that every channel still open at the safe
    /// head starts after it (a channel timeout before the safe head's origin).
    pub fn reset(&mut self, base: L1Header, system_config: SystemConfig) {
        let info = l1_info(&base);
        tracing::info!(target: "lamina::derive", base = info.number, hash = %info.hash, "pipeline reset");
        self.origin = Some(base);
        self.system_config = system_config;
        self.retrieved = false;
        self.data.clear();
        self.clear_channels();
        self.window.reset(info);
        self.queue.clear();
        self.holocene.flush();
        self.chosen = None;
    }

    /// The txs of the blocks still to come from a span batch accepted since the last call
    /// (`None`: none was): what a node can recover the senders of ahead of execution.
    pub fn take_fresh_span_transactions(&mut self) -> Option<Vec<Bytes>> {
        let queue = self.queue.take_fresh_span();
        let holocene = self.holocene.take_fresh_span();
        match (queue, holocene) {
            (None, None) => None,
            (a, b) => Some(a.into_iter().chain(b).flatten().collect()),
        }
    }

    /// Drops the channel being read and any span being streamed (Holocene's response to an
    /// invalid batch or payload).
    pub fn flush_channel(&mut self) {
        self.reader = None;
        self.assembler.clear();
        self.holocene.flush();
    }

    fn clear_channels(&mut self) {
        self.frames.clear();
        self.bank.clear();
        self.assembler.clear();
        self.reader = None;
    }

    fn current(&self) -> Result<L1BlockInfo, PipelineError> {
        self.origin().ok_or(PipelineError::NotStarted)
    }

    fn active(&self, fork: Hardfork, origin: &L1BlockInfo) -> bool {
        self.cfg.is_active(fork, origin.timestamp)
    }

    /// One step: attributes for the block after `safe`, or progress, or an L1 advance.
    pub async fn step(&mut self, safe: &L2BlockInfo) -> Result<Step, PipelineError> {
        self.current()?;
        match self.next_attributes(safe).await {
            Ok(a) => {
                self.stats.attributes += 1;
                Ok(Step::Attributes(Box::new(a)))
            }
            Err(PipelineError::NotEnoughData) => Ok(Step::Progress),
            Err(PipelineError::Eof) => self.advance().await,
            Err(e) => Err(e),
        }
    }

    /// Moves the origin to the next L1 block, if L1 has it.
    async fn advance(&mut self) -> Result<Step, PipelineError> {
        let current = self.current()?;
        let Some(next) = self.l1.header_by_number(current.number + 1).await? else {
            return Ok(Step::Idle);
        };
        if next.parent_hash != current.hash {
            return Err(PipelineError::L1Reorg {
                number: next.number,
                parent: next.parent_hash,
                expected: current.hash,
            });
        }
        let receipts = self.l1.receipts(next.hash()).await?;
        let mut system_config = self.system_config.clone();
        l1_logs::apply_config_updates(
            &self.cfg,
            &mut system_config,
            next.hash(),
            next.timestamp,
            &receipts,
        );
        let info = l1_info(&next);
        let crossing_holocene =
            !self.active(Hardfork::Holocene, &current) && self.active(Hardfork::Holocene, &info);
        self.system_config = system_config;
        self.origin = Some(next);
        // Payloads of the previous block not yet framed stay queued and are read first.
        self.retrieved = false;
        self.stats.l1_blocks += 1;
        if crossing_holocene {
            // Channels and batches straddling the fork are discarded (digest §4.4).
            tracing::info!(target: "lamina::derive", block = info.number, "holocene: pipeline flushed at the fork");
            self.clear_channels();
            self.queue.clear();
            self.holocene.flush();
        }
        tracing::debug!(target: "lamina::derive", number = info.number, hash = %info.hash, "L1 origin advanced");
        Ok(Step::AdvancedOrigin(info))
    }

    async fn next_attributes(
        &mut self,
        safe: &L2BlockInfo,
    ) -> Result<DerivedAttributes, PipelineError> {
        let chosen = match self.chosen.take() {
            Some(c) => c,
            None => self.next_batch(safe).await?,
        };
        let epoch = BlockId { number: chosen.batch.epoch_num, hash: chosen.batch.epoch_hash };
        let built = attributes::build(
            &self.cfg,
            &self.blob_schedule,
            &self.l1,
            &self.l2,
            safe,
            epoch,
            chosen.batch.timestamp,
        )
        .await;
        let mut attributes = match built {
            Ok(a) => a,
            Err(e) => {
                if e.severity() == Severity::Temporary {
                    self.chosen = Some(chosen);
                }
                return Err(e);
            }
        };
        if let Some(txs) = attributes.transactions.as_mut() {
            txs.extend(chosen.batch.transactions);
        }
        Ok(DerivedAttributes {
            attributes,
            parent: *safe,
            l1_origin: epoch,
            derived_from: self.current()?,
            is_last_in_span: chosen.last,
        })
    }

    async fn next_batch(&mut self, safe: &L2BlockInfo) -> Result<Chosen, PipelineError> {
        let origin = self.current()?;
        if self.active(Hardfork::Holocene, &origin) {
            self.next_batch_holocene(safe, origin).await
        } else {
            self.next_batch_queue(safe, origin).await
        }
    }

    /// Pre-Holocene: the batch queue.
    async fn next_batch_queue(
        &mut self,
        safe: &L2BlockInfo,
        origin: L1BlockInfo,
    ) -> Result<Chosen, PipelineError> {
        if let Some((batch, last)) = self.queue.pop_span(self.cfg.block_time, safe) {
            return Ok(Chosen { batch, last });
        }
        let behind = self.window.update(&origin, safe);
        let out_of_data = match self.read_batch().await {
            Ok(batch) => {
                if !behind {
                    self.queue.add(&self.cfg, &self.window, batch, safe, &self.l2).await;
                }
                false
            }
            Err(PipelineError::Eof) => true,
            Err(e) => return Err(e),
        };
        if behind {
            return Err(if out_of_data {
                PipelineError::Eof
            } else {
                PipelineError::NotEnoughData
            });
        }
        match self.queue.next(&self.cfg, &mut self.window, out_of_data, safe, &self.l2).await {
            Ok((batch, last)) => Ok(Chosen { batch, last }),
            // Nothing to hand up, but the channel may hold more: read on before moving L1.
            Err(PipelineError::Eof) if !out_of_data => Err(PipelineError::NotEnoughData),
            Err(e) => Err(e),
        }
    }

    /// Holocene: batches in order, judged one at a time.
    async fn next_batch_holocene(
        &mut self,
        safe: &L2BlockInfo,
        origin: L1BlockInfo,
    ) -> Result<Chosen, PipelineError> {
        let behind = self.window.update(&origin, safe);
        if behind || safe.l1_origin.number == origin.number {
            // Data read at (or before) the safe head's own origin can only hold old batches.
            if self.holocene.pop_span(safe).is_none() {
                self.read_batch().await?;
            }
            return Err(PipelineError::NotEnoughData);
        }
        let candidate = match self.holocene.pop_span(safe) {
            Some(c) => Some(c),
            None => match self.read_batch().await {
                Ok(read) => {
                    match self.holocene.stream(&self.cfg, &self.window, read, safe, &self.l2).await
                    {
                        Streamed::Batch(b, inclusion) => Some((b, inclusion)),
                        Streamed::Skip => return Err(PipelineError::NotEnoughData),
                        Streamed::Flush => {
                            self.flush_channel();
                            return Err(PipelineError::NotEnoughData);
                        }
                    }
                }
                Err(PipelineError::Eof) => None,
                Err(e) => return Err(e),
            },
        };
        let Some((batch, inclusion)) = candidate else {
            let batch = self.window.empty_batch(
                self.cfg.seq_window_size,
                self.cfg.block_time,
                true,
                safe,
            )?;
            return Ok(Chosen { batch, last: true });
        };
        match HoloceneBatches::judge(&self.cfg, &self.window, &batch, &inclusion, safe) {
            BatchValidity::Accept => Ok(Chosen { batch, last: !self.holocene.has_span() }),
            BatchValidity::Past => Err(PipelineError::NotEnoughData),
            BatchValidity::Drop(reason) => {
                tracing::warn!(target: "lamina::derive", ?reason, timestamp = batch.timestamp, "batch dropped with the rest of its channel");
                self.flush_channel();
                Err(PipelineError::NotEnoughData)
            }
            BatchValidity::Undecided | BatchValidity::Future => {
                self.holocene.flush();
                Err(PipelineError::Eof)
            }
        }
    }

    /// The next batch read from a channel at the current origin; `Eof` when the origin's data
    /// is exhausted.
    async fn read_batch(&mut self) -> Result<IncludedBatch, PipelineError> {
        loop {
            let origin = self.current()?;
            if let Some(reader) = self.reader.as_mut() {
                match reader.next_batch() {
                    Some(Ok(batch)) => {
                        self.stats.batches += 1;
                        if let Some(batch) = self.interpret(batch, &origin) {
                            return Ok(IncludedBatch { batch, inclusion: origin });
                        }
                    }
                    Some(Err(e)) => {
                        tracing::warn!(target: "lamina::derive", %e, "malformed batch ends its channel");
                        self.reader = None;
                    }
                    None => self.reader = None,
                }
                continue;
            }
            let data = self.next_channel().await?;
            self.stats.channels += 1;
            let fjord = self.active(Hardfork::Fjord, &origin);
            let limit = self.cfg.max_rlp_bytes_per_channel(origin.timestamp);
            match ChannelReader::new(&data, fjord, limit) {
                Ok(r) => self.reader = Some(r),
                Err(e) => tracing::warn!(target: "lamina::derive", %e, "channel dropped"),
            }
        }
    }

    /// A batch as read: a span is interpreted with the chain's genesis time, block time and
    /// chain id; a span before Delta, or one that cannot be interpreted, is skipped.
    fn interpret(&mut self, batch: Batch, origin: &L1BlockInfo) -> Option<ReadBatch> {
        match batch {
            Batch::Single(b) => Some(ReadBatch::Single(b)),
            Batch::Span(raw) => {
                if !self.active(Hardfork::Delta, origin) {
                    tracing::warn!(target: "lamina::derive", origin = origin.number, "span batch before Delta skipped");
                    return None;
                }
                let cfg = &self.cfg;
                match SpanBatch::from_raw(
                    &raw,
                    cfg.genesis.l2_time,
                    cfg.block_time,
                    cfg.l2_chain_id,
                ) {
                    Ok(span) => Some(ReadBatch::Span(span)),
                    Err(e) => {
                        tracing::warn!(target: "lamina::derive", %e, "invalid span batch ends its channel");
                        self.reader = None;
                        None
                    }
                }
            }
        }
    }

    /// The next complete channel's data.
    async fn next_channel(&mut self) -> Result<Vec<u8>, PipelineError> {
        loop {
            let origin = self.current()?;
            let timeout = self.cfg.channel_timeout(origin.timestamp);
            if self.active(Hardfork::Holocene, &origin) {
                self.assembler.expire(origin.number, timeout);
                let frame = self.next_frame().await?;
                let limit = self.cfg.max_rlp_bytes_per_channel(origin.timestamp);
                if let Some(data) = self.assembler.ingest(frame, &origin, limit) {
                    return Ok(data);
                }
            } else {
                let canyon = self.active(Hardfork::Canyon, &origin);
                match self.bank.read(origin.number, timeout, canyon) {
                    BankRead::Channel(data) => return Ok(data),
                    BankRead::Pruned => continue,
                    BankRead::Empty => {}
                }
                let frame = self.next_frame().await?;
                let max = self.cfg.max_channel_bank_size(origin.timestamp);
                self.bank.ingest(frame, &origin, timeout, max);
            }
        }
    }

    async fn next_frame(&mut self) -> Result<Frame, PipelineError> {
        loop {
            if let Some(frame) = self.frames.pop() {
                return Ok(frame);
            }
            let data = self.next_data().await?;
            let origin = self.current()?;
            let holocene = self.active(Hardfork::Holocene, &origin);
            self.frames.load(&data, holocene);
        }
    }

    async fn next_data(&mut self) -> Result<Bytes, PipelineError> {
        if self.data.is_empty() && !self.retrieved {
            self.retrieve().await?;
            self.retrieved = true;
        }
        self.data.pop_front().ok_or(PipelineError::Eof)
    }

    /// Reads the origin's batcher payloads: calldata, and blobs fetched in one request.
    async fn retrieve(&mut self) -> Result<(), PipelineError> {
        let origin = self.origin.clone().ok_or(PipelineError::NotStarted)?;
        let txs = self.l1.transactions(origin.hash()).await?;
        let ecotone = self.cfg.is_active(Hardfork::Ecotone, origin.timestamp);
        let refs = batcher_data(
            &txs,
            self.cfg.batch_inbox_address,
            self.system_config.batcher_addr,
            ecotone,
        );
        let hashes = blob_hashes(&refs);
        let blobs =
            if hashes.is_empty() { Vec::new() } else { self.blobs.blobs(&origin, &hashes).await? };
        if blobs.len() != hashes.len() {
            return Err(SourceError::Invalid(format!(
                "asked for {} blobs of block {}, got {}",
                hashes.len(),
                origin.number,
                blobs.len()
            ))
            .into());
        }
        let mut blobs = blobs.into_iter();
        let mut data = VecDeque::with_capacity(refs.len());
        for r in refs {
            match r {
                DataRef::Calldata(b) => data.push_back(b),
                DataRef::Blob(hash) => {
                    let Some(blob) = blobs.next() else { break };
                    match decode_blob(blob.as_slice()) {
                        Ok(d) => data.push_back(Bytes::from(d)),
                        Err(e) => {
                            tracing::warn!(target: "lamina::derive", %hash, %e, "undecodable blob skipped");
                        }
                    }
                }
            }
        }
        self.stats.data_bytes += data.iter().map(|d| d.len() as u64).sum::<u64>();
        self.data.extend(data);
        Ok(())
    }
}
