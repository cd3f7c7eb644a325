//! Writing a genesis state of any size in bounded memory ([`Store::init_genesis_stream`]).
//!
//! Accounts are taken from an iterator a chunk at a time: each chunk's storage rows, code and
//! storage tries are written in one transaction, and its account records are put in two
//! scratch tables, by address and by hashed address. The first is copied into the account
//! table in key order (so its pages are full whatever order the accounts came in). The account trie is then built from that table
//! in key order, which is the order a trie is cheapest to build in: each chunk of leaves is
//! committed and its nodes written, so the trie in memory is only the right edge the next
//! chunk extends, and the edge nodes it replaces are deleted at once (genesis keeps no
//! history). Until the last, durable, transaction writes the head, the store has no chain: a
//! genesis that dies half-way leaves rows that the next attempt clears first.

use std::ops::Bound;

use alloy_consensus::Header;
use alloy_primitives::{Address, B256, KECCAK256_EMPTY, keccak256};
use lamina_protocol::BlockId;
use redb::{Durability, ReadOnlyTable, ReadableDatabase, TableDefinition};

use super::{
    AccountRecord, GenesisAccount, Store, StoreError,
    chain::encode_block_id,
    dberr,
    tables::{ACCOUNTS, CODE, HEAD, META, NEXT_NODE_ID, NODES, STATE_ROOTS, STORAGE, storage_key},
    write::{Body, write_block},
};
use crate::trie::{MemNodes, NodeId, NodeSource, NodeWrites, Root, Trie, TrieError};

/// Accounts per write transaction, and leaves per account-trie commit.
const CHUNK: usize = 50_000;

/// Scratch: hashed address → account record, read back in key order to build the trie.
const LEAVES: TableDefinition<'_, &[u8], &[u8]> = TableDefinition::new("genesis_leaves");
/// Scratch: address → account record, copied into the account table in key order, whatever
/// order the accounts came in (a table filled in key order has full pages: fewer pages for
/// every later block to rewrite).
const FLAT: TableDefinition<'_, &[u8], &[u8]> = TableDefinition::new("genesis_accounts");

/// A table row: key and value.
type Row = (Vec<u8>, Vec<u8>);

/// Trie nodes read from the node table of one read transaction.
struct TableNodes<'a>(&'a ReadOnlyTable<u64, &'static [u8]>);

impl NodeSource for TableNodes<'_> {
    fn node(&self, id: NodeId) -> Result<Option<Vec<u8>>, TrieError> {
        Ok(self.0.get(id).map_err(|e| TrieError::Store(e.to_string()))?.map(|v| v.value().to_vec()))
    }
}

impl Store {
    /// Writes the genesis state, taken from `accounts` (each address once; zero storage values
    /// are left out), and block 0, in memory bounded by a chunk of accounts (plus the largest
    /// single account's storage). `header.state_root` is computed and filled in; the sealed
    /// genesis header is returned.
    pub fn init_genesis_stream(
        &self,
        header: Header,
        accounts: impl IntoIterator<Item = (Address, GenesisAccount)>,
    ) -> Result<Header, StoreError> {
        self.genesis_in_chunks(header, accounts.into_iter(), CHUNK)
    }

    pub(super) fn genesis_in_chunks(
        &self,
        mut header: Header,
        accounts: impl Iterator<Item = (Address, GenesisAccount)>,
        chunk: usize,
    ) -> Result<Header, StoreError> {
        if self.head()?.is_some() {
            return Err(StoreError::Corrupt("the store already holds a chain".into()));
        }
        self.clear_state()?;
        let mut next_id: NodeId = 1;
        let mut accounts = accounts.peekable();
        while accounts.peek().is_some() {
            let txn = self.unsynced_write()?;
            {
                let mut flat = txn.open_table(FLAT).map_err(dberr)?;
                let mut storage = txn.open_table(STORAGE).map_err(dberr)?;
                let mut code = txn.open_table(CODE).map_err(dberr)?;
                let mut nodes = txn.open_table(NODES).map_err(dberr)?;
                let mut leaves = txn.open_table(LEAVES).map_err(dberr)?;
                for (address, account) in accounts.by_ref().take(chunk) {
                    let code_hash = if account.code.is_empty() {
                        KECCAK256_EMPTY
                    } else {
                        let hash = keccak256(&account.code);
                        code.insert(hash.as_slice(), account.code.as_ref()).map_err(dberr)?;
                        hash
                    };
                    // A fresh trie never loads a stored node: nothing to read from.
                    let mut slots = Trie::open(Root::EMPTY);
                    for (slot, value) in account.storage.iter().filter(|(_, v)| !v.is_zero()) {
                        let key = keccak256(slot.to_be_bytes::<32>());
                        slots.update(&MemNodes::default(), &key, alloy_rlp::encode(value))?;
                        storage
                            .insert(
                                storage_key(&address, slot).as_slice(),
                                value.to_be_bytes::<32>().as_slice(),
                            )
                            .map_err(dberr)?;
                    }
                    let mut writes = NodeWrites::starting_at(next_id);
                    let storage_root = slots.commit(&mut writes);
                    for (id, record) in &writes.nodes {
                        nodes.insert(*id, record.as_slice()).map_err(dberr)?;
                    }
                    next_id = writes.next_id;
                    let record = AccountRecord {
                        nonce: account.nonce,
                        balance: account.balance,
                        code_hash,
                        storage_root: storage_root.hash,
                        storage_root_id: storage_root.id,
                    };
                    let record = record.encode();
                    flat.insert(address.as_slice(), record.as_slice()).map_err(dberr)?;
                    leaves
                        .insert(keccak256(address).as_slice(), record.as_slice())
                        .map_err(dberr)?;
                }
            }
            txn.commit().map_err(dberr)?;
        }

        self.copy_in_order(FLAT, ACCOUNTS, chunk)?;
        let (root, next_id) = self.account_trie(next_id, chunk)?;
        header.state_root = root.hash;
        let hash = header.hash_slow();
        let txn = self.db.begin_write().map_err(dberr)?;
        txn.delete_table(LEAVES).map_err(dberr)?;
        txn.delete_table(FLAT).map_err(dberr)?;
        {
            let mut meta = txn.open_table(META).map_err(dberr)?;
            meta.insert(NEXT_NODE_ID, next_id.to_be_bytes().as_slice()).map_err(dberr)?;
            let head = encode_block_id(&BlockId { number: 0, hash });
            meta.insert(HEAD, head.as_slice()).map_err(dberr)?;
        }
        txn.open_table(STATE_ROOTS)
            .map_err(dberr)?
            .insert(0, root.id.unwrap_or(0))
            .map_err(dberr)?;
        write_block(&txn, &header, hash, &Body { txs: &[], senders: &[], receipts: &[] })?;
        txn.commit().map_err(dberr)?;
        Ok(header)
    }

    /// Builds the account trie from the scratch table, a chunk of leaves per commit. Returns
    /// its root and the next free node id.
    fn account_trie(
        &self,
        mut next_id: NodeId,
        chunk: usize,
    ) -> Result<(Root, NodeId), StoreError> {
        let mut trie = Trie::open(Root::EMPTY);
        let mut after: Option<Vec<u8>> = None;
        loop {
            let rows = self.rows_after(LEAVES, after.as_deref(), chunk)?;
            let (root, writes) = {
                let read = self.db.begin_read().map_err(dberr)?;
                let stored = read.open_table(NODES).map_err(dberr)?;
                let src = TableNodes(&stored);
                for (key, value) in &rows {
                    let key = B256::try_from(key.as_slice())
                        .map_err(|_| StoreError::Corrupt("genesis leaf key".into()))?;
                    let record = AccountRecord::decode(value)
                        .ok_or_else(|| StoreError::Corrupt("genesis leaf record".into()))?;
                    trie.update_with(&src, &key, record.trie_value(), record.storage_root_id)?;
                }
                let mut writes = NodeWrites::starting_at(next_id);
                (trie.commit(&mut writes), writes)
            };
            let txn = self.unsynced_write()?;
            {
                let mut nodes = txn.open_table(NODES).map_err(dberr)?;
                for (id, record) in &writes.nodes {
                    nodes.insert(*id, record.as_slice()).map_err(dberr)?;
                }
                // The right edge the chunk extended: referenced by no state at all.
                for id in &writes.stale {
                    nodes.remove(*id).map_err(dberr)?;
                }
            }
            txn.commit().map_err(dberr)?;
            next_id = writes.next_id;
            match rows.last() {
                Some((last, _)) if rows.len() == chunk => after = Some(last.clone()),
                _ => return Ok((root, next_id)),
            }
        }
    }

    /// Copies every row of `from` into `to`, in key order, a chunk per transaction.
    fn copy_in_order(
        &self,
        from: TableDefinition<'_, &[u8], &[u8]>,
        to: TableDefinition<'_, &[u8], &[u8]>,
        chunk: usize,
    ) -> Result<(), StoreError> {
        let mut after: Option<Vec<u8>> = None;
        loop {
            let rows = self.rows_after(from, after.as_deref(), chunk)?;
            let txn = self.unsynced_write()?;
            {
                let mut table = txn.open_table(to).map_err(dberr)?;
                for (k, v) in &rows {
                    table.insert(k.as_slice(), v.as_slice()).map_err(dberr)?;
                }
            }
            txn.commit().map_err(dberr)?;
            match rows.last() {
                Some((last, _)) if rows.len() == chunk => after = Some(last.clone()),
                _ => return Ok(()),
            }
        }
    }

    /// Up to `n` rows of `table` in key order, after key `after` (from the first without).
    fn rows_after(
        &self,
        table: TableDefinition<'_, &[u8], &[u8]>,
        after: Option<&[u8]>,
        n: usize,
    ) -> Result<Vec<Row>, StoreError> {
        let read = self.db.begin_read().map_err(dberr)?;
        let table = read.open_table(table).map_err(dberr)?;
        let range = match after {
            None => table.range::<&[u8]>(..),
            Some(k) => table.range::<&[u8]>((Bound::Excluded(k), Bound::Unbounded)),
        }
        .map_err(dberr)?;
        range
            .take(n)
            .map(|e| e.map(|(k, v)| (k.value().to_vec(), v.value().to_vec())))
            .collect::<Result<_, _>>()
            .map_err(dberr)
    }

    /// A write transaction whose commit is not synced: genesis is made durable once, by its
    /// last transaction (redb syncs everything before a durable commit).
    fn unsynced_write(&self) -> Result<redb::WriteTransaction, StoreError> {
        let mut txn = self.db.begin_write().map_err(dberr)?;
        txn.set_durability(Durability::None).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        Ok(txn)
    }

    /// Empties what a genesis writes (a store without a head holds at most the rows of an
    /// attempt that died).
    fn clear_state(&self) -> Result<(), StoreError> {
        let txn = self.db.begin_write().map_err(dberr)?;
        clear(&txn, NODES)?;
        clear(&txn, ACCOUNTS)?;
        clear(&txn, STORAGE)?;
        clear(&txn, CODE)?;
        txn.delete_table(LEAVES).map_err(dberr)?;
        txn.delete_table(FLAT).map_err(dberr)?;
        txn.open_table(META).map_err(dberr)?.remove(NEXT_NODE_ID).map_err(dberr)?;
        txn.commit().map_err(dberr)
    }
}

/// Deletes and recreates a table (readers must never find one missing).
fn clear<K: redb::Key + 'static, V: redb::Value + 'static>(
    txn: &redb::WriteTransaction,
    table: TableDefinition<'_, K, V>,
) -> Result<(), StoreError> {
    txn.delete_table(table).map_err(dberr)?;
    txn.open_table(table).map_err(dberr)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use alloy_primitives::{Bytes, U256};

    use super::*;

    fn alloc(n: u64) -> BTreeMap<Address, GenesisAccount> {
        (0..n)
            .map(|i| {
                let a = Address::from_slice(&keccak256(i.to_be_bytes())[..20]);
                let mut g = GenesisAccount {
                    balance: U256::from(i + 1),
                    nonce: i % 3,
                    ..Default::default()
                };
                if i % 5 == 0 {
                    g.code = Bytes::from(vec![0x60, i as u8, 0x00]);
                    g.storage = (0..(i % 40)).map(|s| (U256::from(s), U256::from(s * i))).collect();
                }
                (a, g)
            })
            .collect()
    }

    #[test]
    fn chunked_genesis_matches_the_state_recomputed_from_scratch() {
        let accounts = alloc(500);
        let mut roots = Vec::new();
        for chunk in [1, 7, 64, 10_000] {
            let dir = tempfile::tempdir().unwrap();
            let store = Store::open(dir.path().join("db")).unwrap();
            let h = store
                .genesis_in_chunks(Header::default(), accounts.clone().into_iter(), chunk)
                .unwrap();
            assert_eq!(store.recompute_state_root().unwrap(), h.state_root, "chunk {chunk}");
            // Every account and slot reads back at the head, through the flat tables and
            // through the trie.
            let view = store.state().unwrap();
            for (a, g) in accounts.iter().step_by(7) {
                let r = view.account(a).unwrap().unwrap();
                assert_eq!((r.balance, r.nonce), (g.balance, g.nonce));
                for (slot, v) in &g.storage {
                    assert_eq!(view.storage(a, *slot).unwrap(), *v);
                }
                let p = view.proof(a, &g.storage.keys().copied().collect::<Vec<_>>()).unwrap();
                assert_eq!(p.account, Some(r));
            }
            drop(view);
            // No node is left that the state does not reach (the replaced edges are gone).
            let mut reached = 0u64;
            let view = store.state().unwrap();
            crate::trie::walk(&view, Root { hash: h.state_root, id: view.state_root_id() }, |v| {
                if let crate::trie::Visit::Node(_) = v {
                    reached += 1;
                }
            })
            .unwrap();
            let storage_nodes: u64 = accounts
                .keys()
                .map(|a| {
                    let r = view.account(a).unwrap().unwrap();
                    let mut n = 0;
                    crate::trie::walk(&view, r.storage(), |v| {
                        if let crate::trie::Visit::Node(_) = v {
                            n += 1;
                        }
                    })
                    .unwrap();
                    n
                })
                .sum();
            assert_eq!(store.trie_node_count().unwrap(), reached + storage_nodes, "chunk {chunk}");
            roots.push(h.state_root);
        }
        assert!(roots.windows(2).all(|w| w[0] == w[1]));
    }

    #[test]
    fn a_genesis_that_died_half_way_is_cleared_and_redone() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("db")).unwrap();
        // What a dead attempt leaves: rows but no head.
        let txn = store.db.begin_write().unwrap();
        txn.open_table(NODES).unwrap().insert(1, [1u8, 2, 3].as_slice()).unwrap();
        txn.open_table(ACCOUNTS)
            .unwrap()
            .insert([9u8; 20].as_slice(), [0u8; 112].as_slice())
            .unwrap();
        txn.open_table(LEAVES)
            .unwrap()
            .insert([9u8; 32].as_slice(), [0u8; 112].as_slice())
            .unwrap();
        txn.commit().unwrap();
        let accounts = alloc(50);
        let h = store.genesis_in_chunks(Header::default(), accounts.into_iter(), 8).unwrap();
        assert_eq!(store.recompute_state_root().unwrap(), h.state_root);
        assert!(store.head_account(&Address::repeat_byte(9)).unwrap().is_none());
        assert!(store.head_account(&Address::repeat_byte(8)).unwrap().is_none());
        assert!(
            store.genesis_in_chunks(Header::default(), alloc(3).into_iter(), 8).is_err(),
            "a store with a chain refuses another genesis"
        );
    }
}
