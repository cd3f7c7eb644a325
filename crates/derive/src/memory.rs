//! In-memory sources: an L1 chain and an L2 chain held in memory, for tests, benchmarks and
//! tools that feed the pipeline from recorded data. [`MemoryL2::apply`] stands in for an
//! engine: it appends a block for a set of attributes, with a hash that depends on everything
//! the attributes say, so two derivations agree exactly when their attributes do.

use std::{
    collections::HashMap,
    sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard},
};

use alloy_consensus::{Header, ReceiptEnvelope, Sealed, TxEnvelope};
use alloy_primitives::{B256, Bytes, keccak256};
use lamina_protocol::{
    SystemConfig,
    block::{L1BlockInfo, L2BlockInfo},
    block_config::system_config_of_block,
};

use crate::{
    attributes::DerivedAttributes,
    error::SourceError,
    ports::{Blob, BlobSource, L1Header, L1Source, L2Source, l1_info},
};

fn read<T>(l: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(PoisonError::into_inner)
}

fn write<T>(l: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(PoisonError::into_inner)
}

#[derive(Debug, Clone)]
struct L1Block {
    header: L1Header,
    txs: Vec<TxEnvelope>,
    receipts: Vec<ReceiptEnvelope>,
}

#[derive(Debug, Default)]
struct L1State {
    /// Canonical hashes by number, from `first` on.
    first: u64,
    canonical: Vec<B256>,
    blocks: HashMap<B256, L1Block>,
    blobs: HashMap<B256, Blob>,
}

/// An L1 chain in memory. Clones share the chain.
#[derive(Debug, Clone, Default)]
pub struct MemoryL1 {
    state: Arc<RwLock<L1State>>,
}

impl MemoryL1 {
    /// An empty chain.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a block with this (sealed) header to the canonical chain, replacing any
    /// canonical blocks at or above its number.
    pub fn push_sealed(
        &self,
        header: L1Header,
        txs: Vec<TxEnvelope>,
        receipts: Vec<ReceiptEnvelope>,
    ) -> L1BlockInfo {
        let info = l1_info(&header);
        let mut s = write(&self.state);
        if s.canonical.is_empty() {
            s.first = info.number;
        }
        let keep = info.number.saturating_sub(s.first) as usize;
        s.canonical.truncate(keep);
        s.canonical.push(info.hash);
        s.blocks.insert(info.hash, L1Block { header, txs, receipts });
        info
    }

    /// Appends a block on the head at `timestamp` (or the first block, numbered `number`, when
    /// the chain is empty), with a real header hash.
    pub fn push(
        &self,
        number_if_first: u64,
        timestamp: u64,
        txs: Vec<TxEnvelope>,
        receipts: Vec<ReceiptEnvelope>,
    ) -> L1BlockInfo {
        let (number, parent_hash) = match self.head() {
            Some(h) => (h.number + 1, h.hash),
            None => (number_if_first, B256::ZERO),
        };
        let header = Header {
            number,
            parent_hash,
            timestamp,
            base_fee_per_gas: Some(1_000_000_000),
            gas_limit: 30_000_000,
            mix_hash: keccak256(number.to_be_bytes()),
            excess_blob_gas: Some(0),
            blob_gas_used: Some(0),
            parent_beacon_block_root: Some(keccak256(parent_hash)),
            // Distinguishes same-height blocks of different branches.
            extra_data: Bytes::copy_from_slice(&(txs.len() as u64).to_be_bytes()),
            ..Default::default()
        };
        self.push_sealed(Sealed::new(header), txs, receipts)
    }

    /// Stores blobs (by versioned hash) for any block.
    pub fn add_blobs(&self, blobs: impl IntoIterator<Item = (B256, Blob)>) {
        write(&self.state).blobs.extend(blobs);
    }

    /// Removes canonical blocks above `number` (a reorg's first half).
    pub fn rewind(&self, number: u64) {
        let mut s = write(&self.state);
        let keep = (number + 1).saturating_sub(s.first) as usize;
        s.canonical.truncate(keep);
    }

    /// The canonical head.
    pub fn head(&self) -> Option<L1BlockInfo> {
        let s = read(&self.state);
        let hash = s.canonical.last()?;
        s.blocks.get(hash).map(|b| l1_info(&b.header))
    }

    /// The canonical header at `number`.
    pub fn header(&self, number: u64) -> Option<L1Header> {
        let s = read(&self.state);
        let i = number.checked_sub(s.first)? as usize;
        s.canonical.get(i).and_then(|h| s.blocks.get(h)).map(|b| b.header.clone())
    }

    fn block(&self, hash: B256) -> Result<L1Block, SourceError> {
        read(&self.state)
            .blocks
            .get(&hash)
            .cloned()
            .ok_or_else(|| SourceError::NotFound(format!("L1 block {hash}")))
    }
}

impl L1Source for MemoryL1 {
    async fn header_by_number(&self, number: u64) -> Result<Option<L1Header>, SourceError> {
        Ok(self.header(number))
    }

    async fn header_by_hash(&self, hash: B256) -> Result<Option<L1Header>, SourceError> {
        Ok(read(&self.state).blocks.get(&hash).map(|b| b.header.clone()))
    }

    async fn transactions(&self, block: B256) -> Result<Vec<TxEnvelope>, SourceError> {
        self.block(block).map(|b| b.txs)
    }

    async fn receipts(&self, block: B256) -> Result<Vec<ReceiptEnvelope>, SourceError> {
        self.block(block).map(|b| b.receipts)
    }
}

impl BlobSource for MemoryL1 {
    async fn blobs(&self, _block: &L1Header, hashes: &[B256]) -> Result<Vec<Blob>, SourceError> {
        let s = read(&self.state);
        hashes
            .iter()
            .map(|h| {
                s.blobs.get(h).cloned().ok_or_else(|| SourceError::Unavailable(format!("blob {h}")))
            })
            .collect()
    }
}

/// The system config the block built from `attrs` carries: the L1-info tx's fields, the gas
/// limit, and the `extraData` an engine writes from the EIP-1559 parameters.
fn block_config(attrs: &DerivedAttributes) -> Option<SystemConfig> {
    let a = &attrs.attributes;
    let extra = a.eip_1559_params.map(|p| {
        let mut extra = vec![u8::from(a.min_base_fee.is_some())];
        extra.extend_from_slice(p.as_slice());
        if let Some(m) = a.min_base_fee {
            extra.extend_from_slice(&m.to_be_bytes());
        }
        extra
    });
    let first = attrs.transactions().first()?;
    system_config_of_block(first, a.gas_limit?, extra.as_deref()).ok()
}

#[derive(Debug, Clone)]
struct L2Block {
    info: L2BlockInfo,
    txs: Vec<Bytes>,
    system_config: SystemConfig,
}

/// An L2 chain in memory: block infos, txs and the system config after each block. Clones
/// share the chain.
#[derive(Debug, Clone)]
pub struct MemoryL2 {
    blocks: Arc<RwLock<Vec<L2Block>>>,
}

impl MemoryL2 {
    /// A chain starting at `first` (any number) with system config `system_config`.
    pub fn new(first: L2BlockInfo, system_config: SystemConfig) -> Self {
        let block = L2Block { info: first, txs: Vec::new(), system_config };
        Self { blocks: Arc::new(RwLock::new(vec![block])) }
    }

    /// The head.
    pub fn head(&self) -> L2BlockInfo {
        read(&self.blocks).last().map(|b| b.info).unwrap_or_default()
    }

    /// Appends a block on the head for `attrs` (which must build on the head) and returns it.
    /// Its hash commits to the parent, timestamp, origin and every tx.
    pub fn apply(&self, attrs: &DerivedAttributes) -> L2BlockInfo {
        let parent = self.head();
        let mut preimage = Vec::with_capacity(128 + 32 * attrs.transactions().len());
        preimage.extend_from_slice(parent.hash.as_slice());
        preimage.extend_from_slice(&attrs.attributes.payload_attributes.timestamp.to_be_bytes());
        preimage.extend_from_slice(attrs.l1_origin.hash.as_slice());
        for tx in attrs.transactions() {
            preimage.extend_from_slice(keccak256(tx).as_slice());
        }
        self.record(attrs, keccak256(&preimage))
    }

    /// Appends the block `attrs` made, whose hash an executor computed as `hash`, on the head
    /// (which `attrs` must build on) and returns it.
    pub fn record(&self, attrs: &DerivedAttributes, hash: B256) -> L2BlockInfo {
        let mut blocks = write(&self.blocks);
        let (parent, parent_config) = match blocks.last() {
            Some(b) => (b.info, b.system_config.clone()),
            None => (attrs.parent, SystemConfig::default()),
        };
        // What an engine's block would carry: recovered as from a real block, so a reset on
        // this chain sees what it would see on an engine's.
        let system_config = block_config(attrs).unwrap_or(parent_config);
        let timestamp = attrs.attributes.payload_attributes.timestamp;
        let info = parent.child(hash, timestamp, attrs.l1_origin);
        blocks.push(L2Block { info, txs: attrs.transactions().to_vec(), system_config });
        info
    }

    /// Removes blocks above `number`.
    pub fn rewind(&self, number: u64) {
        let mut blocks = write(&self.blocks);
        let first = blocks.first().map(|b| b.info.number).unwrap_or_default();
        blocks.truncate((number + 1).saturating_sub(first).max(1) as usize);
    }

    fn get(&self, number: u64) -> Option<L2Block> {
        let blocks = read(&self.blocks);
        let first = blocks.first()?.info.number;
        blocks.get(number.checked_sub(first)? as usize).cloned()
    }
}

impl L2Source for MemoryL2 {
    async fn block_info(&self, number: u64) -> Result<Option<L2BlockInfo>, SourceError> {
        Ok(self.get(number).map(|b| b.info))
    }

    async fn block_transactions(&self, number: u64) -> Result<Option<Vec<Bytes>>, SourceError> {
        Ok(self.get(number).map(|b| b.txs))
    }

    async fn system_config(&self, number: u64) -> Result<SystemConfig, SourceError> {
        self.get(number)
            .map(|b| b.system_config)
            .ok_or_else(|| SourceError::NotFound(format!("L2 block {number}")))
    }
}

/// The fake executor of tests and benchmarks: every block is valid and is appended with
/// [`MemoryL2::apply`]'s hash.
impl crate::driver::Executor for MemoryL2 {
    type Error = std::convert::Infallible;

    async fn execute(
        &mut self,
        attrs: &DerivedAttributes,
    ) -> Result<crate::driver::Execution, Self::Error> {
        Ok(crate::driver::Execution::Built(self.apply(attrs).hash))
    }
}
