//! Per-block reverse diffs of the flat state, and rewinding the canonical chain with them.
//!
//! The flat tables hold only the head state. To move the head back (an unsafe-chain reorg),
//! each block above the finalized one keeps what it overwrote: the previous account records,
//! the previous values of the slots it wrote, and the whole previous storage of accounts it
//! wiped. The trie needs no undo: its nodes are append-only, so the older root is still there,
//! and the nodes the undone blocks appended (one contiguous id range) are simply deleted.

use alloy_primitives::{Address, B256, U256, keccak256};
use alloy_rlp::Decodable;
use lamina_protocol::{BlockId, codec::Cursor};
use redb::ReadableTable;

use super::{
    AccountRecord, Store, StoreError,
    chain::encode_block_id,
    dberr,
    tables::{
        ACCOUNTS, BODIES, HASHES, HEAD, HEADERS, META, NEXT_NODE_ID, NODES, RECEIPTS, REVERTS,
        STALE, STATE_ROOTS, STORAGE, TX_INDEX, storage_key,
    },
};

/// What one block overwrote in the flat state.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Revert {
    /// The first trie node id the block allocated.
    pub(crate) first_node_id: u64,
    /// Accounts the block wrote, with their previous records.
    pub(crate) accounts: Vec<(Address, Option<AccountRecord>)>,
    /// Slots the block wrote (outside wiped accounts), with their previous values.
    pub(crate) slots: Vec<(Address, U256, U256)>,
    /// Accounts whose storage the block wiped, with their whole previous storage.
    pub(crate) wiped: Vec<(Address, Vec<(U256, U256)>)>,
}

impl Revert {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(24 + self.accounts.len() * 133 + self.slots.len() * 84);
        out.extend_from_slice(&self.first_node_id.to_be_bytes());
        out.extend_from_slice(&(self.accounts.len() as u64).to_be_bytes());
        for (address, record) in &self.accounts {
            out.extend_from_slice(address.as_slice());
            match record {
                Some(r) => {
                    out.push(1);
                    out.extend_from_slice(&r.encode());
                }
                None => out.push(0),
            }
        }
        out.extend_from_slice(&(self.slots.len() as u64).to_be_bytes());
        for (address, slot, value) in &self.slots {
            out.extend_from_slice(address.as_slice());
            out.extend_from_slice(&slot.to_be_bytes::<32>());
            out.extend_from_slice(&value.to_be_bytes::<32>());
        }
        out.extend_from_slice(&(self.wiped.len() as u64).to_be_bytes());
        for (address, slots) in &self.wiped {
            out.extend_from_slice(address.as_slice());
            out.extend_from_slice(&(slots.len() as u64).to_be_bytes());
            for (slot, value) in slots {
                out.extend_from_slice(&slot.to_be_bytes::<32>());
                out.extend_from_slice(&value.to_be_bytes::<32>());
            }
        }
        out
    }

    pub(crate) fn decode(b: &[u8]) -> Result<Self, StoreError> {
        let corrupt = |e: lamina_protocol::codec::DecodeError| {
            StoreError::Corrupt(format!("revert record: {e}"))
        };
        let mut c = Cursor::new(b);
        let first_node_id = c.be_u64("first node id").map_err(corrupt)?;
        let address = |c: &mut Cursor<'_>| c.array::<20>("address").map(Address::from);
        let word = |c: &mut Cursor<'_>| c.array::<32>("word").map(U256::from_be_bytes);
        // Counts are bounded by what is left, so a corrupt count cannot allocate wildly.
        let count = |c: &mut Cursor<'_>, min: usize| {
            let n = c.be_u64("count")?;
            if n > (c.remaining() / min) as u64 {
                return Err(
                    c.err("count", lamina_protocol::codec::DecodeErrorKind::Invalid("too large"))
                );
            }
            Ok(n as usize)
        };
        let mut r = Self { first_node_id, ..Default::default() };
        for _ in 0..count(&mut c, 21).map_err(corrupt)? {
            let a = address(&mut c).map_err(corrupt)?;
            let record = match c.u8("present").map_err(corrupt)? {
                0 => None,
                _ => Some(
                    AccountRecord::decode(c.take(112, "record").map_err(corrupt)?)
                        .ok_or_else(|| StoreError::Corrupt("revert account".into()))?,
                ),
            };
            r.accounts.push((a, record));
        }
        for _ in 0..count(&mut c, 84).map_err(corrupt)? {
            let a = address(&mut c).map_err(corrupt)?;
            r.slots.push((a, word(&mut c).map_err(corrupt)?, word(&mut c).map_err(corrupt)?));
        }
        for _ in 0..count(&mut c, 28).map_err(corrupt)? {
            let a = address(&mut c).map_err(corrupt)?;
            let mut slots = Vec::new();
            for _ in 0..count(&mut c, 64).map_err(corrupt)? {
                slots.push((word(&mut c).map_err(corrupt)?, word(&mut c).map_err(corrupt)?));
            }
            r.wiped.push((a, slots));
        }
        if !c.is_empty() {
            return Err(StoreError::Corrupt("trailing bytes in a revert record".into()));
        }
        Ok(r)
    }
}

impl Store {
    /// Moves the head back to canonical block `number` (an unsafe reorg): the flat state is
    /// restored from the reverse diffs, the undone blocks, their trie nodes and their tx index
    /// entries are deleted, and the safe head is lowered to the new head if it was above. One
    /// atomic transaction. Blocks at or below the finalized head cannot be undone.
    pub fn rewind_to(&self, number: u64) -> Result<(), StoreError> {
        let fc = self.forkchoice()?;
        if number > fc.head.number {
            return Err(StoreError::UnknownBlock(number));
        }
        if number == fc.head.number {
            return Ok(());
        }
        if number < fc.finalized.number {
            return Err(StoreError::BelowFinalized { number, finalized: fc.finalized.number });
        }
        let oldest = self.oldest_state()?;
        if number < oldest {
            return Err(StoreError::Pruned { number, oldest });
        }
        // Node ids above the new head's are about to be reused: nothing cached may outlive
        // that, neither what was cached before nor what a view reads until the commit lands.
        self.nodes.invalidate();
        let txn = self.db.begin_write().map_err(dberr)?;
        {
            let mut reverts = txn.open_table(REVERTS).map_err(dberr)?;
            let mut accounts = txn.open_table(ACCOUNTS).map_err(dberr)?;
            let mut storage = txn.open_table(STORAGE).map_err(dberr)?;
            let mut headers = txn.open_table(HEADERS).map_err(dberr)?;
            let mut hashes = txn.open_table(HASHES).map_err(dberr)?;
            let mut bodies = txn.open_table(BODIES).map_err(dberr)?;
            let mut receipts = txn.open_table(RECEIPTS).map_err(dberr)?;
            let mut senders = txn.open_table(super::tables::SENDERS).map_err(dberr)?;
            let mut tx_index = txn.open_table(TX_INDEX).map_err(dberr)?;
            let mut stale = txn.open_table(STALE).map_err(dberr)?;
            let mut roots = txn.open_table(STATE_ROOTS).map_err(dberr)?;
            let mut first_node_id = None;
            for b in (number + 1..=fc.head.number).rev() {
                let revert = match reverts.remove(b).map_err(dberr)? {
                    Some(v) => Revert::decode(v.value())?,
                    None => return Err(StoreError::Corrupt(format!("no revert record for {b}"))),
                };
                for (address, slots) in &revert.wiped {
                    let lo = storage_key(address, &U256::ZERO);
                    let hi = storage_key(address, &U256::MAX);
                    storage
                        .retain_in(lo.as_slice()..=hi.as_slice(), |_, _| false)
                        .map_err(dberr)?;
                    for (slot, value) in slots {
                        let k = storage_key(address, slot);
                        storage
                            .insert(k.as_slice(), value.to_be_bytes::<32>().as_slice())
                            .map_err(dberr)?;
                    }
                }
                for (address, slot, value) in &revert.slots {
                    let k = storage_key(address, slot);
                    if value.is_zero() {
                        storage.remove(k.as_slice()).map_err(dberr)?;
                    } else {
                        storage
                            .insert(k.as_slice(), value.to_be_bytes::<32>().as_slice())
                            .map_err(dberr)?;
                    }
                }
                for (address, record) in &revert.accounts {
                    match record {
                        Some(r) => {
                            accounts
                                .insert(address.as_slice(), r.encode().as_slice())
                                .map_err(dberr)?;
                        }
                        None => {
                            accounts.remove(address.as_slice()).map_err(dberr)?;
                        }
                    }
                }
                first_node_id = Some(revert.first_node_id);
                if let Some(h) = headers.remove(b).map_err(dberr)? {
                    hashes.remove(keccak256(h.value()).as_slice()).map_err(dberr)?;
                }
                if let Some(body) = bodies.remove(b).map_err(dberr)? {
                    let txs = <Vec<alloy_primitives::Bytes>>::decode(&mut body.value())
                        .map_err(|e| StoreError::Corrupt(format!("body {b}: {e}")))?;
                    for tx in txs {
                        tx_index.remove(keccak256(&tx).as_slice()).map_err(dberr)?;
                    }
                }
                receipts.remove(b).map_err(dberr)?;
                senders.remove(b).map_err(dberr)?;
                stale.remove(b).map_err(dberr)?;
                roots.remove(b).map_err(dberr)?;
            }
            let mut meta = txn.open_table(META).map_err(dberr)?;
            if let Some(first) = first_node_id {
                txn.open_table(NODES)
                    .map_err(dberr)?
                    .retain_in(first.., |_, _| false)
                    .map_err(dberr)?;
                meta.insert(NEXT_NODE_ID, first.to_be_bytes().as_slice()).map_err(dberr)?;
            }
            let hash: B256 = headers
                .get(number)
                .map_err(dberr)?
                .map(|h| keccak256(h.value()))
                .ok_or(StoreError::UnknownBlock(number))?;
            let head = encode_block_id(&BlockId { number, hash });
            meta.insert(HEAD, head.as_slice()).map_err(dberr)?;
            if fc.safe.number > number {
                meta.insert(super::tables::SAFE, head.as_slice()).map_err(dberr)?;
            }
        }
        txn.commit().map_err(dberr)?;
        self.nodes.invalidate();
        tracing::info!(target: "lamina::store", from = fc.head.number, to = number, "rewound the unsafe chain");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revert_records_round_trip_and_reject_garbage() {
        let record = AccountRecord {
            nonce: 3,
            balance: U256::from(7),
            code_hash: B256::repeat_byte(1),
            storage_root: B256::repeat_byte(2),
            storage_root_id: Some(9),
        };
        let r = Revert {
            first_node_id: 42,
            accounts: vec![
                (Address::repeat_byte(1), Some(record)),
                (Address::repeat_byte(2), None),
            ],
            slots: vec![(Address::repeat_byte(3), U256::from(1), U256::ZERO)],
            wiped: vec![(Address::repeat_byte(4), vec![(U256::from(5), U256::from(6))])],
        };
        let bytes = r.encode();
        assert_eq!(Revert::decode(&bytes).unwrap(), r);
        for cut in 0..bytes.len() {
            assert!(Revert::decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut huge = 42u64.to_be_bytes().to_vec();
        huge.extend_from_slice(&u64::MAX.to_be_bytes());
        assert!(Revert::decode(&huge).is_err());
    }
}
