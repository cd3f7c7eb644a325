//! The one write transaction per block: state tables (capturing what they overwrite, for
//! rewinds), trie nodes, stale lists, the block, the tx index and the head; then pruning under
//! the retention policy.

use std::collections::HashSet;

use alloy_consensus::Header;
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_rlp::Encodable;
use lamina_protocol::BlockId;
use redb::ReadableTable;

use super::{
    AccountRecord, Retention, StateUpdate, Store, StoreError,
    chain::encode_block_id,
    dberr,
    revert::Revert,
    tables::{
        ACCOUNTS, BODIES, CODE, HASHES, HEAD, HEADERS, META, NEXT_NODE_ID, NODES, RECEIPTS,
        REVERTS, SENDERS, STALE, STATE_FROM, STATE_ROOTS, STORAGE, TX_INDEX, meta_u64,
        next_node_id, storage_key,
    },
};

impl Store {
    pub(super) fn write(
        &self,
        header: &Header,
        hash: B256,
        body: &Body<'_>,
        update: &StateUpdate,
    ) -> Result<(), StoreError> {
        if let Some(s) = &self.syncer {
            s.check()?;
        }
        let mut txn = self.db.begin_write().map_err(dberr)?;
        // Pipelined: this commit is visible at once and the sync thread makes it durable.
        let syncer = self.syncer.as_ref().filter(|_| header.number > 0);
        if syncer.is_some() {
            txn.set_durability(redb::Durability::None)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        }
        {
            let mut meta = txn.open_table(META).map_err(dberr)?;
            let next_id = next_node_id(&meta)?;
            // Node ids are allocated when the update is computed: it must be on this state.
            if next_id != update.first_node_id {
                return Err(StoreError::StaleUpdate);
            }
            meta.insert(NEXT_NODE_ID, update.nodes.next_id.to_be_bytes().as_slice())
                .map_err(dberr)?;
            let head = BlockId { number: header.number, hash };
            meta.insert(HEAD, encode_block_id(&head).as_slice()).map_err(dberr)?;
        }
        {
            let mut nodes = txn.open_table(NODES).map_err(dberr)?;
            for (id, record) in &update.nodes.nodes {
                nodes.insert(*id, record.as_slice()).map_err(dberr)?;
            }
        }
        if !update.nodes.stale.is_empty() {
            let ids: Vec<u8> = update.nodes.stale.iter().flat_map(|id| id.to_be_bytes()).collect();
            txn.open_table(STALE)
                .map_err(dberr)?
                .insert(header.number, ids.as_slice())
                .map_err(dberr)?;
        }
        txn.open_table(STATE_ROOTS)
            .map_err(dberr)?
            .insert(header.number, update.root.id.unwrap_or(0))
            .map_err(dberr)?;
        let revert = write_flat_state(&txn, update)?;
        // Genesis is never undone; later blocks keep their reverse diff until finalized.
        if header.number > 0 {
            txn.open_table(REVERTS)
                .map_err(dberr)?
                .insert(header.number, revert.encode().as_slice())
                .map_err(dberr)?;
        }
        {
            let mut code = txn.open_table(CODE).map_err(dberr)?;
            for (h, c) in &update.code {
                code.insert(h.as_slice(), c.as_ref()).map_err(dberr)?;
            }
        }
        write_block(&txn, header, hash, body)?;
        self.prune(&txn, header.number)?;
        txn.commit().map_err(dberr)?;
        if let Some(s) = syncer {
            s.request(header.number)?;
        }
        Ok(())
    }

    /// Under [`Retention::Recent`], deletes the nodes that only states older than the window
    /// reference. Nodes made stale by block `b` are referenced by the states of blocks before
    /// `b` only, so once the oldest kept state is `from`, the stale lists of blocks up to and
    /// including `from` can go.
    fn prune(&self, txn: &redb::WriteTransaction, head: u64) -> Result<(), StoreError> {
        let Retention::Recent(keep) = self.options.retention else { return Ok(()) };
        let Some(from) = (head + 1).checked_sub(keep) else { return Ok(()) };
        let mut stale = txn.open_table(STALE).map_err(dberr)?;
        let mut nodes = txn.open_table(NODES).map_err(dberr)?;
        let mut blocks = Vec::new();
        for entry in stale.range(..=from).map_err(dberr)? {
            let (block, ids) = entry.map_err(dberr)?;
            blocks.push(block.value());
            for id in ids.value().chunks_exact(8) {
                let id = meta_u64(id).ok_or_else(|| StoreError::Corrupt("stale list".into()))?;
                nodes.remove(id).map_err(dberr)?;
            }
        }
        for block in blocks {
            stale.remove(block).map_err(dberr)?;
        }
        txn.open_table(META)
            .map_err(dberr)?
            .insert(STATE_FROM, from.to_be_bytes().as_slice())
            .map_err(dberr)?;
        Ok(())
    }
}

/// Applies the update to the flat tables and returns what it overwrote.
fn write_flat_state(
    txn: &redb::WriteTransaction,
    update: &StateUpdate,
) -> Result<Revert, StoreError> {
    let mut revert = Revert { first_node_id: update.first_node_id, ..Default::default() };
    let mut storage = txn.open_table(STORAGE).map_err(dberr)?;
    let wiped: HashSet<_> = update.wiped.iter().collect();
    for address in &update.wiped {
        let lo = storage_key(address, &U256::ZERO);
        let hi = storage_key(address, &U256::MAX);
        let mut old = Vec::new();
        storage
            .retain_in(lo.as_slice()..=hi.as_slice(), |k, v| {
                old.push((U256::from_be_slice(&k[20..]), U256::from_be_slice(v)));
                false
            })
            .map_err(dberr)?;
        revert.wiped.push((*address, old));
    }
    for (address, slot, value) in &update.storage {
        let k = storage_key(address, slot);
        let old = if value.is_zero() {
            storage.remove(k.as_slice()).map_err(dberr)?.map(|v| U256::from_be_slice(v.value()))
        } else {
            storage
                .insert(k.as_slice(), value.to_be_bytes::<32>().as_slice())
                .map_err(dberr)?
                .map(|v| U256::from_be_slice(v.value()))
        };
        if !wiped.contains(address) {
            revert.slots.push((*address, *slot, old.unwrap_or_default()));
        }
    }
    let mut accounts = txn.open_table(ACCOUNTS).map_err(dberr)?;
    for (address, record) in &update.accounts {
        let old = match record {
            Some(r) => accounts.insert(address.as_slice(), r.encode().as_slice()),
            None => accounts.remove(address.as_slice()),
        }
        .map_err(dberr)?;
        let old = match old {
            Some(v) => Some(
                AccountRecord::decode(v.value())
                    .ok_or_else(|| StoreError::Corrupt(format!("account record of {address}")))?,
            ),
            None => None,
        };
        revert.accounts.push((*address, old));
    }
    Ok(revert)
}

/// What a block adds beside its header: its txs, their senders and its receipts.
pub(super) struct Body<'a> {
    pub(super) txs: &'a [Bytes],
    /// One per tx, or none at all (then none are kept).
    pub(super) senders: &'a [Address],
    pub(super) receipts: &'a [Bytes],
}

/// Writes the canonical block: header, hash index, body, senders, receipts and the tx index.
pub(super) fn write_block(
    txn: &redb::WriteTransaction,
    header: &Header,
    hash: B256,
    body: &Body<'_>,
) -> Result<(), StoreError> {
    let Body { txs, senders, receipts } = *body;
    let mut buf = Vec::new();
    header.encode(&mut buf);
    txn.open_table(HEADERS).map_err(dberr)?.insert(header.number, buf.as_slice()).map_err(dberr)?;
    txn.open_table(HASHES).map_err(dberr)?.insert(hash.as_slice(), header.number).map_err(dberr)?;
    buf.clear();
    alloy_rlp::encode_list::<_, Bytes>(txs, &mut buf);
    txn.open_table(BODIES).map_err(dberr)?.insert(header.number, buf.as_slice()).map_err(dberr)?;
    if senders.len() == txs.len() && !txs.is_empty() {
        let flat: Vec<u8> = senders.iter().flat_map(|a| a.0.0).collect();
        txn.open_table(SENDERS)
            .map_err(dberr)?
            .insert(header.number, flat.as_slice())
            .map_err(dberr)?;
    }
    buf.clear();
    alloy_rlp::encode_list::<_, Bytes>(receipts, &mut buf);
    txn.open_table(RECEIPTS)
        .map_err(dberr)?
        .insert(header.number, buf.as_slice())
        .map_err(dberr)?;
    let mut index = txn.open_table(TX_INDEX).map_err(dberr)?;
    for (i, tx) in txs.iter().enumerate() {
        let mut loc = [0u8; 12];
        loc[..8].copy_from_slice(&header.number.to_be_bytes());
        loc[8..].copy_from_slice(&(i as u32).to_be_bytes());
        index.insert(keccak256(tx).as_slice(), loc.as_slice()).map_err(dberr)?;
    }
    Ok(())
}
