//! Reads of the canonical chain (headers, bodies, receipts, the tx index) and the persisted
//! forkchoice: the unsafe head, the safe head and the finalized head.

use alloy_consensus::Header;
use alloy_primitives::{B256, Bytes};
use alloy_rlp::Decodable;
use lamina_protocol::{BlockId, block::Forkchoice};
use redb::ReadableDatabase;

use super::{
    Store, StoreError, dberr,
    tables::{BODIES, FINALIZED, HASHES, HEAD, HEADERS, META, RECEIPTS, REVERTS, SAFE, TX_INDEX},
};

/// A stored block reference: `be_u64(number) ‖ hash`.
pub(crate) fn encode_block_id(id: &BlockId) -> [u8; 40] {
    let mut out = [0u8; 40];
    out[..8].copy_from_slice(&id.number.to_be_bytes());
    out[8..].copy_from_slice(id.hash.as_slice());
    out
}

/// Reads what [`encode_block_id`] wrote.
pub(crate) fn decode_block_id(v: &[u8]) -> Result<BlockId, StoreError> {
    let bad = || StoreError::Corrupt("block reference".into());
    let number: [u8; 8] = v.get(..8).and_then(|b| b.try_into().ok()).ok_or_else(bad)?;
    if v.len() != 40 {
        return Err(bad());
    }
    Ok(BlockId { number: u64::from_be_bytes(number), hash: B256::from_slice(&v[8..]) })
}

/// Where a transaction sits in the canonical chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TxLocation {
    /// Block number.
    pub block: u64,
    /// Index in the block.
    pub index: u32,
}

impl Store {
    /// The unsafe, safe and finalized heads (safe and finalized start at genesis).
    pub fn forkchoice(&self) -> Result<Forkchoice, StoreError> {
        let txn = self.db.begin_read().map_err(dberr)?;
        let meta = txn.open_table(META).map_err(dberr)?;
        let read = |key: &str| -> Result<Option<BlockId>, StoreError> {
            meta.get(key).map_err(dberr)?.map(|v| decode_block_id(v.value())).transpose()
        };
        let head = read(HEAD)?.ok_or(StoreError::NoGenesis)?;
        let genesis = {
            let headers = txn.open_table(HEADERS).map_err(dberr)?;
            let raw = headers.get(0).map_err(dberr)?.ok_or(StoreError::NoGenesis)?;
            BlockId { number: 0, hash: alloy_primitives::keccak256(raw.value()) }
        };
        Ok(Forkchoice {
            head,
            safe: read(SAFE)?.unwrap_or(genesis),
            finalized: read(FINALIZED)?.unwrap_or(genesis),
        })
    }

    /// Moves the safe and finalized heads. Both must be canonical, with
    /// `finalized <= safe <= head`, and finality never goes back. The reverse diffs of
    /// finalized blocks are dropped: they can no longer be undone.
    pub fn set_safe_and_finalized(
        &self,
        safe: BlockId,
        finalized: BlockId,
    ) -> Result<(), StoreError> {
        let fc = self.forkchoice()?;
        for r in [safe, finalized] {
            if self.canonical_hash(r.number)? != Some(r.hash) {
                return Err(StoreError::NotCanonical(r.hash));
            }
        }
        if finalized.number > safe.number || safe.number > fc.head.number {
            return Err(StoreError::BadForkchoice("finalized <= safe <= head is required".into()));
        }
        if finalized.number < fc.finalized.number {
            return Err(StoreError::BadForkchoice("the finalized head cannot go back".into()));
        }
        let txn = self.db.begin_write().map_err(dberr)?;
        {
            let mut meta = txn.open_table(META).map_err(dberr)?;
            meta.insert(SAFE, encode_block_id(&safe).as_slice()).map_err(dberr)?;
            meta.insert(FINALIZED, encode_block_id(&finalized).as_slice()).map_err(dberr)?;
            txn.open_table(REVERTS)
                .map_err(dberr)?
                .retain_in(..=finalized.number, |_, _| false)
                .map_err(dberr)?;
        }
        txn.commit().map_err(dberr)
    }

    /// The hash of canonical block `number`.
    pub fn canonical_hash(&self, number: u64) -> Result<Option<B256>, StoreError> {
        let txn = self.db.begin_read().map_err(dberr)?;
        let headers = txn.open_table(HEADERS).map_err(dberr)?;
        Ok(headers.get(number).map_err(dberr)?.map(|v| alloy_primitives::keccak256(v.value())))
    }

    /// The canonical header with `hash`.
    pub fn header_by_hash(&self, hash: &B256) -> Result<Option<Header>, StoreError> {
        match self.block_number(hash)? {
            Some(n) => self.header(n),
            None => Ok(None),
        }
    }

    /// The EIP-2718 encodings of canonical block `number`'s transactions.
    pub fn block_transactions(&self, number: u64) -> Result<Option<Vec<Bytes>>, StoreError> {
        self.rlp_list(BODIES, number)
    }

    /// The senders of canonical block `number`'s transactions, as its execution recovered them
    /// (`None` for a block written without them; then they must be recovered).
    pub fn block_senders(
        &self,
        number: u64,
    ) -> Result<Option<Vec<alloy_primitives::Address>>, StoreError> {
        let txn = self.db.begin_read().map_err(dberr)?;
        let t = txn.open_table(super::tables::SENDERS).map_err(dberr)?;
        let Some(v) = t.get(number).map_err(dberr)? else { return Ok(None) };
        let v = v.value();
        if v.len() % 20 != 0 {
            return Err(StoreError::Corrupt(format!(
                "senders of block {number}: {} bytes",
                v.len()
            )));
        }
        Ok(Some(v.chunks_exact(20).map(alloy_primitives::Address::from_slice).collect()))
    }

    /// The EIP-2718 encodings of canonical block `number`'s receipts.
    pub fn block_receipts(&self, number: u64) -> Result<Option<Vec<Bytes>>, StoreError> {
        self.rlp_list(RECEIPTS, number)
    }

    fn rlp_list(
        &self,
        table: redb::TableDefinition<'_, u64, &[u8]>,
        number: u64,
    ) -> Result<Option<Vec<Bytes>>, StoreError> {
        let txn = self.db.begin_read().map_err(dberr)?;
        let t = txn.open_table(table).map_err(dberr)?;
        let Some(v) = t.get(number).map_err(dberr)? else { return Ok(None) };
        Vec::<Bytes>::decode(&mut v.value())
            .map(Some)
            .map_err(|e| StoreError::Corrupt(format!("block {number}: {e}")))
    }

    /// Where the canonical transaction with `hash` is.
    pub fn transaction_location(&self, hash: &B256) -> Result<Option<TxLocation>, StoreError> {
        let txn = self.db.begin_read().map_err(dberr)?;
        let t = txn.open_table(TX_INDEX).map_err(dberr)?;
        let Some(v) = t.get(hash.as_slice()).map_err(dberr)? else { return Ok(None) };
        let v = v.value();
        let bytes: [u8; 12] =
            v.try_into().map_err(|_| StoreError::Corrupt("tx index entry".into()))?;
        let mut block = [0u8; 8];
        block.copy_from_slice(&bytes[..8]);
        let mut index = [0u8; 4];
        index.copy_from_slice(&bytes[8..]);
        Ok(Some(TxLocation { block: u64::from_be_bytes(block), index: u32::from_be_bytes(index) }))
    }

    /// Whether a block hash is canonical, by number lookup.
    pub fn is_canonical(&self, hash: &B256) -> Result<bool, StoreError> {
        let txn = self.db.begin_read().map_err(dberr)?;
        let t = txn.open_table(HASHES).map_err(dberr)?;
        Ok(t.get(hash.as_slice()).map_err(dberr)?.is_some())
    }
}
