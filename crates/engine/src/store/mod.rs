//! The persistent chain and state store, on redb.
//!
//! - **State**: flat tables (accounts, storage, code) that the EVM reads directly, and the
//!   hash-keyed trie nodes that give roots and proofs ([`crate::trie`]).
//! - **Chain**: canonical headers, bodies and receipts by number, block hash → number, the head.
//!
//! **One block = one redb write transaction** ([`Store::commit_block`]): state tables, trie
//! nodes, block data and head change together or not at all, so after a crash (even `kill -9`)
//! the store reopens at the last committed block with a state that matches its header.

mod tables;
pub mod update;
mod view;

use std::{collections::BTreeMap, path::Path};

use alloy_consensus::Header;
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, B256, Bytes, KECCAK256_EMPTY, U256, keccak256};
use alloy_rlp::{Decodable, Encodable};
use lamina_evm::ExecutedBlock;
use redb::{Database, ReadableDatabase, ReadableTable};
use revm::{
    database::{BundleAccount, BundleState, states::StorageSlot},
    state::{AccountInfo, Bytecode},
};
use tables::{
    ACCOUNTS, BODIES, CODE, HASHES, HEAD, HEADERS, META, NODES, RECEIPTS, STORAGE, storage_key,
};
pub use update::{AccountRecord, StateUpdate};
pub use view::StateView;

use crate::trie::TrieError;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database failed (IO, corruption detected by redb, …).
    #[error("database: {0}")]
    Db(String),
    /// The trie is missing a node or holds a corrupt one.
    #[error(transparent)]
    Trie(#[from] TrieError),
    /// Stored data does not decode.
    #[error("corrupt store: {0}")]
    Corrupt(String),
    /// The operation needs an initialized chain.
    #[error("the store has no genesis block")]
    NoGenesis,
    /// The block does not extend the head.
    #[error("block {number} does not extend the head {head}")]
    NotChild {
        /// The block's number.
        number: u64,
        /// The head's number.
        head: u64,
    },
}

impl revm::database::DBErrorMarker for StoreError {}

fn dberr<E: std::fmt::Display>(e: E) -> StoreError {
    StoreError::Db(e.to_string())
}

pub use lamina_evm::genesis::GenesisAccount;

/// Reads the head record (`number(8) ++ hash(32)`) within a read transaction.
fn read_head(txn: &redb::ReadTransaction) -> Result<Option<(u64, B256)>, StoreError> {
    let meta = txn.open_table(META).map_err(dberr)?;
    let Some(v) = meta.get(HEAD).map_err(dberr)? else { return Ok(None) };
    let v = v.value();
    let number: [u8; 8] = v
        .get(..8)
        .and_then(|b| b.try_into().ok())
        .filter(|_| v.len() == 40)
        .ok_or_else(|| StoreError::Corrupt("head record".into()))?;
    Ok(Some((u64::from_be_bytes(number), B256::from_slice(&v[8..]))))
}

/// The persistent store of one chain.
#[derive(Debug)]
pub struct Store {
    db: Database,
}

impl Store {
    /// Opens (or creates) the store at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let db = Database::create(path).map_err(dberr)?;
        let txn = db.begin_write().map_err(dberr)?;
        {
            // Create every table up front so that readers never see a missing one.
            txn.open_table(NODES).map_err(dberr)?;
            txn.open_table(ACCOUNTS).map_err(dberr)?;
            txn.open_table(STORAGE).map_err(dberr)?;
            txn.open_table(CODE).map_err(dberr)?;
            txn.open_table(HEADERS).map_err(dberr)?;
            txn.open_table(HASHES).map_err(dberr)?;
            txn.open_table(BODIES).map_err(dberr)?;
            txn.open_table(RECEIPTS).map_err(dberr)?;
            txn.open_table(META).map_err(dberr)?;
        }
        txn.commit().map_err(dberr)?;
        Ok(Self { db })
    }

    /// The head block's number and hash, if the chain is initialized.
    pub fn head(&self) -> Result<Option<(u64, B256)>, StoreError> {
        read_head(&self.db.begin_read().map_err(dberr)?)
    }

    /// The canonical header at `number`.
    pub fn header(&self, number: u64) -> Result<Option<Header>, StoreError> {
        let txn = self.db.begin_read().map_err(dberr)?;
        let headers = txn.open_table(HEADERS).map_err(dberr)?;
        let Some(v) = headers.get(number).map_err(dberr)? else { return Ok(None) };
        let mut b = v.value();
        Header::decode(&mut b).map(Some).map_err(|e| StoreError::Corrupt(e.to_string()))
    }

    /// The number of the canonical block with `hash`.
    pub fn block_number(&self, hash: &B256) -> Result<Option<u64>, StoreError> {
        let txn = self.db.begin_read().map_err(dberr)?;
        let t = txn.open_table(HASHES).map_err(dberr)?;
        Ok(t.get(hash.as_slice()).map_err(dberr)?.map(|v| v.value()))
    }

    /// A consistent read-only view of the head state: head, header and state are read from one
    /// redb snapshot, so a concurrent commit cannot slip in between.
    pub fn state(&self) -> Result<StateView, StoreError> {
        let txn = self.db.begin_read().map_err(dberr)?;
        let number = {
            let meta = txn.open_table(META).map_err(dberr)?;
            let head = meta.get(HEAD).map_err(dberr)?.ok_or(StoreError::NoGenesis)?;
            let v = head.value();
            let bytes: [u8; 8] = v
                .get(..8)
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| StoreError::Corrupt("head record".into()))?;
            u64::from_be_bytes(bytes)
        };
        let state_root = {
            let headers = txn.open_table(HEADERS).map_err(dberr)?;
            let raw = headers.get(number).map_err(dberr)?.ok_or(StoreError::NoGenesis)?;
            let mut b = raw.value();
            Header::decode(&mut b).map_err(|e| StoreError::Corrupt(e.to_string()))?.state_root
        };
        StateView::new(txn, state_root)
    }

    /// Writes the genesis state and block 0. `header.state_root` is computed and filled in;
    /// the sealed genesis header is returned.
    pub fn init_genesis(
        &self,
        mut header: Header,
        alloc: &BTreeMap<Address, GenesisAccount>,
    ) -> Result<Header, StoreError> {
        // Express the allocation as a bundle so genesis goes through the same path as blocks.
        let mut bundle = BundleState::default();
        for (address, a) in alloc {
            let code_hash = if a.code.is_empty() { KECCAK256_EMPTY } else { keccak256(&a.code) };
            let code = Bytecode::new_raw(a.code.clone());
            if !a.code.is_empty() {
                bundle.contracts.insert(code_hash, code.clone());
            }
            let storage = a
                .storage
                .iter()
                .map(|(k, v)| (*k, StorageSlot::new_changed(U256::ZERO, *v)))
                .collect();
            bundle.state.insert(
                *address,
                BundleAccount::new(
                    None,
                    Some(AccountInfo::new(a.balance, a.nonce, code_hash, code)),
                    storage,
                    revm::database::AccountStatus::InMemoryChange,
                ),
            );
        }
        let view = StateView::empty(self.db.begin_read().map_err(dberr)?)?;
        let update = view.compute_update(&bundle)?;
        drop(view);
        header.state_root = update.state_root;
        let hash = header.hash_slow();
        self.write(&header, hash, &[], &[], &update)?;
        Ok(header)
    }

    /// Commits an executed block on top of the head: its state changes (as computed by
    /// [`StateView::compute_update`] on the head state), trie nodes, body, receipts and the new
    /// head, in one atomic transaction.
    pub fn commit_block(
        &self,
        block: &ExecutedBlock,
        update: &StateUpdate,
    ) -> Result<(), StoreError> {
        let (head, head_hash) = self.head()?.ok_or(StoreError::NoGenesis)?;
        if block.header.number != head + 1 || block.header.parent_hash != head_hash {
            return Err(StoreError::NotChild { number: block.header.number, head });
        }
        if update.state_root != block.header.state_root {
            return Err(StoreError::Corrupt("state update does not match the header".into()));
        }
        let txs: Vec<Bytes> = block.transactions.iter().map(|t| t.encoded_2718().into()).collect();
        let receipts: Vec<Bytes> = block.receipts.iter().map(|r| r.encoded_2718().into()).collect();
        self.write(&block.header, block.hash, &txs, &receipts, update)
    }

    fn write(
        &self,
        header: &Header,
        hash: B256,
        txs: &[Bytes],
        receipts: &[Bytes],
        update: &StateUpdate,
    ) -> Result<(), StoreError> {
        let txn = self.db.begin_write().map_err(dberr)?;
        {
            let mut nodes = txn.open_table(NODES).map_err(dberr)?;
            for (h, rlp) in &update.nodes {
                nodes.insert(h.as_slice(), rlp.as_slice()).map_err(dberr)?;
            }
            let mut storage = txn.open_table(STORAGE).map_err(dberr)?;
            for address in &update.wiped {
                let lo = storage_key(address, &U256::ZERO);
                let hi = storage_key(address, &U256::MAX);
                storage.retain_in(lo.as_slice()..=hi.as_slice(), |_, _| false).map_err(dberr)?;
            }
            for (address, slot, value) in &update.storage {
                let k = storage_key(address, slot);
                if value.is_zero() {
                    storage.remove(k.as_slice()).map_err(dberr)?;
                } else {
                    storage
                        .insert(k.as_slice(), value.to_be_bytes::<32>().as_slice())
                        .map_err(dberr)?;
                }
            }
            let mut accounts = txn.open_table(ACCOUNTS).map_err(dberr)?;
            for (address, record) in &update.accounts {
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
            let mut code = txn.open_table(CODE).map_err(dberr)?;
            for (h, c) in &update.code {
                code.insert(h.as_slice(), c.as_ref()).map_err(dberr)?;
            }
            let mut buf = Vec::new();
            header.encode(&mut buf);
            txn.open_table(HEADERS)
                .map_err(dberr)?
                .insert(header.number, buf.as_slice())
                .map_err(dberr)?;
            txn.open_table(HASHES)
                .map_err(dberr)?
                .insert(hash.as_slice(), header.number)
                .map_err(dberr)?;
            buf.clear();
            alloy_rlp::encode_list::<_, Bytes>(txs, &mut buf);
            txn.open_table(BODIES)
                .map_err(dberr)?
                .insert(header.number, buf.as_slice())
                .map_err(dberr)?;
            buf.clear();
            alloy_rlp::encode_list::<_, Bytes>(receipts, &mut buf);
            txn.open_table(RECEIPTS)
                .map_err(dberr)?
                .insert(header.number, buf.as_slice())
                .map_err(dberr)?;
            let mut head = [0u8; 40];
            head[..8].copy_from_slice(&header.number.to_be_bytes());
            head[8..].copy_from_slice(hash.as_slice());
            txn.open_table(META).map_err(dberr)?.insert(HEAD, head.as_slice()).map_err(dberr)?;
        }
        txn.commit().map_err(dberr)?;
        Ok(())
    }

    /// Recomputes the head state root from the flat tables, from scratch (small states: tests
    /// and consistency checks after a crash).
    pub fn recompute_state_root(&self) -> Result<B256, StoreError> {
        let txn = self.db.begin_read().map_err(dberr)?;
        let accounts = txn.open_table(ACCOUNTS).map_err(dberr)?;
        let storage = txn.open_table(STORAGE).map_err(dberr)?;
        let mut state = BTreeMap::new();
        for entry in accounts.iter().map_err(dberr)? {
            let (k, v) = entry.map_err(dberr)?;
            let address = Address::from_slice(k.value());
            let r = AccountRecord::decode(v.value())
                .ok_or_else(|| StoreError::Corrupt("account".into()))?;
            state.insert(
                address,
                lamina_evm::trie::AccountState {
                    nonce: r.nonce,
                    balance: r.balance,
                    code_hash: r.code_hash,
                    storage: BTreeMap::new(),
                },
            );
        }
        for entry in storage.iter().map_err(dberr)? {
            let (k, v) = entry.map_err(dberr)?;
            let k = k.value();
            let address = Address::from_slice(&k[..20]);
            let slot = U256::from_be_slice(&k[20..]);
            if let Some(a) = state.get_mut(&address) {
                a.storage.insert(slot, U256::from_be_slice(v.value()));
            }
        }
        Ok(lamina_evm::trie::state_root(&state))
    }
}
