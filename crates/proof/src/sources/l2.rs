//! The L2 chain of a run: the agreed block and its ancestors, read by hash through the oracle
//! (headers, and txs from each header's tx trie), and the blocks the run builds on top of it,
//! kept in memory. The executor appends to it; the pipeline reads it ([`OracleL2`]); the EVM
//! reads recent block hashes from it.

use alloc::{collections::BTreeMap, sync::Arc};
use alloc::{
    format,
    string::{String, ToString},
    vec::Vec,
};

use spin::{Mutex, MutexGuard};

use alloy_consensus::{Header, Sealed};
use alloy_primitives::{B256, Bytes};
use alloy_rlp::Decodable;
use lamina_derive::{L2Source, SourceError};
use lamina_protocol::{
    RollupConfig, SystemConfig, block::L2BlockInfo, block_config::system_config_after,
};

use super::{hint, read_list, source};
use crate::{
    preimage::{Hint, Oracle, keccak},
    state::BlockHashes,
};

/// One block of the chain.
#[derive(Debug, Clone)]
struct Block {
    header: Sealed<Header>,
    /// Read on first use for blocks below the agreed one.
    txs: Option<Vec<Bytes>>,
}

/// The run's L2 chain: a contiguous range of blocks ending at the tip.
#[derive(Debug)]
pub struct L2Chain<O> {
    oracle: Arc<O>,
    cfg: RollupConfig,
    blocks: Mutex<BTreeMap<u64, Block>>,
}

impl<O: Oracle> L2Chain<O> {
    /// The chain whose tip is the block with hash `agreed`.
    pub fn new(oracle: Arc<O>, cfg: RollupConfig, agreed: B256) -> Result<Self, SourceError> {
        let chain = Self { oracle, cfg, blocks: Mutex::default() };
        let header = chain.load(agreed)?;
        chain.blocks().insert(header.number, Block { header, txs: None });
        Ok(chain)
    }

    fn blocks(&self) -> MutexGuard<'_, BTreeMap<u64, Block>> {
        // The program is single-threaded: the lock is never contended.
        self.blocks.lock()
    }

    fn load(&self, hash: B256) -> Result<Sealed<Header>, SourceError> {
        hint(&*self.oracle, Hint::L2BlockHeader(hash))?;
        let rlp = keccak(&*self.oracle, hash).map_err(source)?;
        let header = Header::decode(&mut rlp.as_ref())
            .map_err(|e| SourceError::Invalid(format!("L2 header {hash}: {e}")))?;
        Ok(Sealed::new_unchecked(header, hash))
    }

    /// The tip (the newest block).
    pub fn tip(&self) -> Sealed<Header> {
        let blocks = self.blocks();
        // The chain always holds the agreed block.
        blocks.last_key_value().map(|(_, b)| b.header.clone()).unwrap_or_default()
    }

    /// Appends a block built on the tip.
    pub fn push(&self, header: Sealed<Header>, txs: Vec<Bytes>) {
        self.blocks().insert(header.number, Block { header, txs: Some(txs) });
    }

    /// The header of block `number`; `None` above the tip.
    pub fn header(&self, number: u64) -> Result<Option<Sealed<Header>>, SourceError> {
        let (lowest, parent) = {
            let blocks = self.blocks();
            if let Some(b) = blocks.get(&number) {
                return Ok(Some(b.header.clone()));
            }
            match blocks.first_key_value() {
                Some((n, b)) if number < *n => (*n, b.header.parent_hash),
                _ => return Ok(None),
            }
        };
        let (mut at, mut parent) = (lowest, parent);
        while at > number {
            let header = self.load(parent)?;
            if header.number + 1 != at {
                return Err(SourceError::Invalid(format!(
                    "L2 block {at}'s parent is numbered {}",
                    header.number
                )));
            }
            at = header.number;
            parent = header.parent_hash;
            self.blocks().insert(at, Block { header, txs: None });
        }
        Ok(self.blocks().get(&number).map(|b| b.header.clone()))
    }

    /// The txs of block `number`; `None` above the tip.
    pub fn transactions(&self, number: u64) -> Result<Option<Vec<Bytes>>, SourceError> {
        let Some(header) = self.header(number)? else { return Ok(None) };
        if let Some(txs) = self.blocks().get(&number).and_then(|b| b.txs.clone()) {
            return Ok(Some(txs));
        }
        hint(&*self.oracle, Hint::L2Transactions(header.hash()))?;
        let txs = read_list(&*self.oracle, header.transactions_root)?;
        if let Some(b) = self.blocks().get_mut(&number) {
            b.txs = Some(txs.clone());
        }
        Ok(Some(txs))
    }

    /// What derivation knows of block `number`.
    pub fn block_info(&self, number: u64) -> Result<Option<L2BlockInfo>, SourceError> {
        let Some(header) = self.header(number)? else { return Ok(None) };
        let txs = self.transactions(number)?.unwrap_or_default();
        L2BlockInfo::of_block(&self.cfg, &header, txs.first().map(|t| t.as_ref()))
            .map(Some)
            .map_err(|e| SourceError::Invalid(format!("L2 block {number}: {e}")))
    }
}

impl<O: Oracle> BlockHashes for Arc<L2Chain<O>> {
    fn block_hash(&self, number: u64) -> Option<B256> {
        self.header(number).ok().flatten().map(|h| h.hash())
    }
}

/// The run's L2 chain as the pipeline's L2 source.
#[derive(Debug)]
pub struct OracleL2<O>(pub Arc<L2Chain<O>>);

impl<O: Oracle> L2Source for OracleL2<O> {
    async fn block_info(&self, number: u64) -> Result<Option<L2BlockInfo>, SourceError> {
        self.0.block_info(number)
    }

    async fn block_transactions(&self, number: u64) -> Result<Option<Vec<Bytes>>, SourceError> {
        self.0.transactions(number)
    }

    async fn system_config(&self, number: u64) -> Result<SystemConfig, SourceError> {
        let invalid = |why: String| SourceError::Invalid(format!("L2 block {number}: {why}"));
        let header = self.0.header(number)?.ok_or_else(|| invalid("unknown".into()))?;
        let txs = self.0.transactions(number)?.unwrap_or_default();
        system_config_after(&self.0.cfg, &header, txs.first().map(|t| t.as_ref()))
            .map_err(|e| invalid(e.to_string()))
    }
}
