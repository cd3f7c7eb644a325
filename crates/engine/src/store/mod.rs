//! The persistent chain and state store, on redb.
//!
//! - **State**: flat tables (accounts, storage, code) holding the head state that the EVM reads
//!   directly, and the append-only trie nodes that give roots, proofs and older states
//!   ([`crate::trie`]).
//! - **Chain**: canonical headers, bodies and receipts by number, block hash → number, the head.
//!
//! **One block = one redb write transaction** ([`Store::commit_block`]): state tables, trie
//! nodes, block data and head change together or not at all, so after a crash (even `kill -9`)
//! the store reopens at the last committed block with a state that matches its header.
//!
//! **Retention** ([`Retention`]): by default every block's state stays readable and provable.
//! With [`Retention::Recent`], the trie nodes only older states reference are deleted as the
//! window moves (each block records the nodes it made stale); block data is always kept.

mod chain;
mod genesis;
mod node_cache;
mod open;
mod revert;
mod sync;
mod tables;
pub mod update;
mod view;
mod write;

use std::{collections::BTreeMap, path::Path};

use alloy_consensus::Header;
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_rlp::Decodable;
pub use chain::TxLocation;
use lamina_evm::ExecutedBlock;
pub use open::open_database;
use redb::{Database, ReadableDatabase, ReadableTable};
use tables::{
    ACCOUNTS, BODIES, CODE, HASHES, HEAD, HEADERS, META, NODES, RECEIPTS, STALE, STATE_FROM,
    STATE_ROOTS, STORAGE, meta_u64,
};
pub use update::{AccountRecord, StateUpdate};
pub use view::{AccountProof, StateView};

use crate::trie::{Root, TrieError};

/// How much state history the store keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Retention {
    /// Every block's state stays readable and provable (withdrawals prove against output roots
    /// that may be days old). The default.
    #[default]
    Archive,
    /// Only the states of the newest `n` blocks (at least 1: the head).
    Recent(u64),
}

/// When a block's commit reaches the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// [`Store::commit_block`] returns once the block is on disk (synced). The default.
    #[default]
    EachBlock,
    /// Every block still gets its own durable commit, but on a thread of its own:
    /// [`Store::commit_block`] returns once the block is visible to readers, and the next
    /// block executes while it is synced; the next commit waits for that sync. At most the
    /// last block can be lost in a crash. [`Store::wait_durable`] waits for a block.
    Pipelined,
}

/// Options of [`Store::open_with`].
#[derive(Debug, Clone, Copy, Default)]
pub struct StoreOptions {
    /// State history to keep.
    pub retention: Retention,
    /// When commits reach the disk.
    pub durability: Durability,
}

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database failed (IO, corruption detected by redb, …).
    // The cause is in the message too: our logs print errors with `%e`.
    #[error("database: {0}")]
    Db(#[source] redb::Error),
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
    /// The state update was computed on a state that is no longer the head.
    #[error("the state update was computed on another state than the head")]
    StaleUpdate,
    /// Updates can only be computed on the head state.
    #[error("block {0} is not the head: its state is read-only")]
    NotHead(u64),
    /// The block is not in the canonical chain.
    #[error("unknown block {0}")]
    UnknownBlock(u64),
    /// A forkchoice head is not a canonical block.
    #[error("block {0} is not canonical")]
    NotCanonical(B256),
    /// The forkchoice heads are out of order.
    #[error("bad forkchoice: {0}")]
    BadForkchoice(String),
    /// Finalized blocks cannot be undone.
    #[error("cannot rewind to block {number}: block {finalized} is finalized")]
    BelowFinalized {
        /// The block asked for.
        number: u64,
        /// The finalized head.
        finalized: u64,
    },
    /// The block's state was pruned under the retention policy.
    #[error("the state of block {number} was pruned (states from block {oldest} are kept)")]
    Pruned {
        /// The block asked for.
        number: u64,
        /// The oldest block whose state is kept.
        oldest: u64,
    },
}

impl revm::database::DBErrorMarker for StoreError {}

fn dberr<E: Into<redb::Error>>(e: E) -> StoreError {
    StoreError::Db(e.into())
}

pub use lamina_evm::genesis::GenesisAccount;

/// Reads the head record within a read transaction.
fn read_head(txn: &redb::ReadTransaction) -> Result<Option<(u64, B256)>, StoreError> {
    let meta = txn.open_table(META).map_err(dberr)?;
    let Some(v) = meta.get(HEAD).map_err(dberr)? else { return Ok(None) };
    let head = chain::decode_block_id(v.value())?;
    Ok(Some((head.number, head.hash)))
}

/// Reads a u64 META value within a read transaction.
fn read_meta_u64(txn: &redb::ReadTransaction, key: &str) -> Result<Option<u64>, StoreError> {
    let meta = txn.open_table(META).map_err(dberr)?;
    let Some(v) = meta.get(key).map_err(dberr)? else { return Ok(None) };
    meta_u64(v.value()).map(Some).ok_or_else(|| StoreError::Corrupt(format!("meta {key}")))
}

/// The persistent store of one chain.
#[derive(Debug)]
pub struct Store {
    /// Syncs pipelined commits ([`Durability::Pipelined`] only).
    syncer: Option<sync::Syncer>,
    db: std::sync::Arc<Database>,
    options: StoreOptions,
    /// Trie node records kept between blocks, shared with every view.
    nodes: std::sync::Arc<node_cache::NodeCache>,
}

impl Store {
    /// Opens (or creates) the store at `path`, keeping every block's state.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::open_with(path, StoreOptions::default())
    }

    /// Opens (or creates) the store at `path` with `options`.
    pub fn open_with(path: impl AsRef<Path>, options: StoreOptions) -> Result<Self, StoreError> {
        if options.retention == Retention::Recent(0) {
            return Err(StoreError::Corrupt("retention must keep at least the head state".into()));
        }
        let (db, _) = open_database(path.as_ref()).map_err(dberr)?;
        let txn = db.begin_write().map_err(dberr)?;
        {
            // Create every table up front so that readers never see a missing one.
            txn.open_table(NODES).map_err(dberr)?;
            txn.open_table(STALE).map_err(dberr)?;
            txn.open_table(STATE_ROOTS).map_err(dberr)?;
            txn.open_table(tables::REVERTS).map_err(dberr)?;
            txn.open_table(tables::TX_INDEX).map_err(dberr)?;
            txn.open_table(ACCOUNTS).map_err(dberr)?;
            txn.open_table(STORAGE).map_err(dberr)?;
            txn.open_table(CODE).map_err(dberr)?;
            txn.open_table(HEADERS).map_err(dberr)?;
            txn.open_table(HASHES).map_err(dberr)?;
            txn.open_table(BODIES).map_err(dberr)?;
            txn.open_table(RECEIPTS).map_err(dberr)?;
            txn.open_table(tables::SENDERS).map_err(dberr)?;
            txn.open_table(META).map_err(dberr)?;
        }
        txn.commit().map_err(dberr)?;
        let db = std::sync::Arc::new(db);
        let syncer = match options.durability {
            Durability::EachBlock => None,
            Durability::Pipelined => {
                let head = read_head(&db.begin_read().map_err(dberr)?)?.map_or(0, |(n, _)| n);
                Some(sync::Syncer::start(db.clone(), head)?)
            }
        };
        Ok(Self { syncer, db, options, nodes: Default::default() })
    }

    /// Waits until block `number` is on disk (at once unless commits are
    /// [`Durability::Pipelined`]).
    pub fn wait_durable(&self, number: u64) -> Result<(), StoreError> {
        self.syncer.as_ref().map_or(Ok(()), |s| s.wait(number))
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
        let (number, _) = read_head(&txn)?.ok_or(StoreError::NoGenesis)?;
        self.view(txn, number, true)
    }

    /// The head state's record of `address`, in one table read (the hot path of
    /// `eth_getBalance`/`eth_getTransactionCount` at `latest`, which need no full view).
    pub fn head_account(&self, address: &Address) -> Result<Option<AccountRecord>, StoreError> {
        let txn = self.db.begin_read().map_err(dberr)?;
        let accounts = txn.open_table(ACCOUNTS).map_err(dberr)?;
        let Some(v) = accounts.get(address.as_slice()).map_err(dberr)? else { return Ok(None) };
        AccountRecord::decode(v.value())
            .map(Some)
            .ok_or_else(|| StoreError::Corrupt(format!("account record of {address}")))
    }

    /// A read-only view of the state after block `number` (the head's, or an older one read
    /// through the trie), unless the retention policy pruned it.
    pub fn state_at(&self, number: u64) -> Result<StateView, StoreError> {
        let txn = self.db.begin_read().map_err(dberr)?;
        let (head, _) = read_head(&txn)?.ok_or(StoreError::NoGenesis)?;
        if number > head {
            return Err(StoreError::UnknownBlock(number));
        }
        let oldest = read_meta_u64(&txn, STATE_FROM)?.unwrap_or(0);
        if number < oldest {
            return Err(StoreError::Pruned { number, oldest });
        }
        self.view(txn, number, number == head)
    }

    /// The oldest block whose state is readable.
    pub fn oldest_state(&self) -> Result<u64, StoreError> {
        Ok(read_meta_u64(&self.db.begin_read().map_err(dberr)?, STATE_FROM)?.unwrap_or(0))
    }

    /// The number of stored trie nodes, all kept states together.
    pub fn trie_node_count(&self) -> Result<u64, StoreError> {
        use redb::ReadableTableMetadata;
        let txn = self.db.begin_read().map_err(dberr)?;
        txn.open_table(NODES).map_err(dberr)?.len().map_err(dberr)
    }

    fn view(
        &self,
        txn: redb::ReadTransaction,
        number: u64,
        head: bool,
    ) -> Result<StateView, StoreError> {
        let hash = {
            let headers = txn.open_table(HEADERS).map_err(dberr)?;
            let raw =
                headers.get(number).map_err(dberr)?.ok_or(StoreError::UnknownBlock(number))?;
            let mut b = raw.value();
            Header::decode(&mut b).map_err(|e| StoreError::Corrupt(e.to_string()))?.state_root
        };
        let id = txn
            .open_table(STATE_ROOTS)
            .map_err(dberr)?
            .get(number)
            .map_err(dberr)?
            .map(|v| v.value())
            .ok_or_else(|| StoreError::Corrupt(format!("no state root id for block {number}")))?;
        let root = Root { hash, id: (id != 0).then_some(id) };
        StateView::new(txn, number, root, head, self.nodes.clone())
    }

    /// Writes the genesis state and block 0. `header.state_root` is computed and filled in;
    /// the sealed genesis header is returned. Any size of allocation is written in bounded
    /// memory ([`Self::init_genesis_stream`] takes it from an iterator).
    pub fn init_genesis(
        &self,
        header: Header,
        alloc: &BTreeMap<Address, GenesisAccount>,
    ) -> Result<Header, StoreError> {
        self.init_genesis_stream(header, alloc.iter().map(|(a, g)| (*a, g.clone())))
    }

    /// Commits an executed block (an OP block, or an Ethereum one for the dev L1) on top of the
    /// head: its state changes (as computed by
    /// [`StateView::compute_update`] on the head state), trie nodes, body, receipts and the new
    /// head, in one atomic transaction.
    pub fn commit_block<T: Encodable2718, R: Encodable2718>(
        &self,
        block: &ExecutedBlock<T, R>,
        update: &StateUpdate,
    ) -> Result<(), StoreError> {
        let (head, head_hash) = self.head()?.ok_or(StoreError::NoGenesis)?;
        if block.header.number != head + 1 || block.header.parent_hash != head_hash {
            return Err(StoreError::NotChild { number: block.header.number, head });
        }
        if update.root.hash != block.header.state_root {
            return Err(StoreError::Corrupt("state update does not match the header".into()));
        }
        let txs: Vec<Bytes> = block.transactions.iter().map(|t| t.encoded_2718().into()).collect();
        let receipts: Vec<Bytes> = block.receipts.iter().map(|r| r.encoded_2718().into()).collect();
        let body = write::Body { txs: &txs, senders: &block.senders, receipts: &receipts };
        self.write(&block.header, block.hash, &body, update)?;
        // The next block's update starts from what this one wrote.
        self.nodes.insert_written(self.nodes.epoch(), update.nodes.written());
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
