//! A read-only snapshot of the state at one block: the EVM's database and the trie's node
//! source, from one redb read transaction so every read sees the same data.
//!
//! At the head, accounts and storage are read from the flat tables (one lookup each). At an
//! older block they are read through the trie at that block's root, which is what keeps
//! historical state (`eth_getBalance` at a block, `eth_getProof` for a days-old output root)
//! available without per-block copies of the flat state.

use std::sync::{Arc, Mutex, PoisonError};

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use redb::{ReadOnlyTable, ReadTransaction};
use revm::{
    DatabaseRef,
    state::{AccountInfo, Bytecode},
};

use lamina_evm::{PostStateRoots, StateRootProvider};

use super::{
    StoreError, dberr,
    node_cache::NodeCache,
    tables::{ACCOUNTS, CODE, HEADERS, META, NODES, STORAGE, next_node_id, storage_key},
    update::{self, AccountRecord, StateUpdate},
};
use crate::trie::{self, NodeId, NodeSource, Root, TrieError};

/// An account with its `eth_getProof` proofs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountProof {
    /// The account (`None`: absent, proven by `account_proof`).
    pub account: Option<AccountRecord>,
    /// The account trie nodes on the account's path, root first.
    pub account_proof: Vec<Bytes>,
    /// Each requested slot: its value (zero when absent) and the storage trie nodes on its path.
    pub storage: Vec<(U256, U256, Vec<Bytes>)>,
}

/// A snapshot of the state at one block.
pub struct StateView {
    _txn: ReadTransaction,
    nodes: ReadOnlyTable<u64, &'static [u8]>,
    accounts: ReadOnlyTable<&'static [u8], &'static [u8]>,
    storage: ReadOnlyTable<&'static [u8], &'static [u8]>,
    code: ReadOnlyTable<&'static [u8], &'static [u8]>,
    headers: ReadOnlyTable<u64, &'static [u8]>,
    number: u64,
    root: Root,
    /// The head state: the flat tables hold it, and updates can be computed on it.
    head: bool,
    next_node_id: NodeId,
    /// The last update computed for the executor, kept so the commit need not redo it.
    last_update: Mutex<Option<StateUpdate>>,
    /// How long the last root computation took (the engine's state-root metric).
    root_time: Mutex<std::time::Duration>,
    /// The store's node cache, and the epoch this view works in.
    cache: Arc<NodeCache>,
    epoch: u64,
}

impl std::fmt::Debug for StateView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StateView")
            .field("number", &self.number)
            .field("root", &self.root)
            .field("head", &self.head)
            .finish_non_exhaustive()
    }
}

impl StateView {
    pub(super) fn new(
        txn: ReadTransaction,
        number: u64,
        root: Root,
        head: bool,
        cache: Arc<NodeCache>,
    ) -> Result<Self, StoreError> {
        // Before any read: a rewind after this point makes the view's epoch stale, never the
        // other way round.
        let epoch = cache.epoch();
        let next_node_id = next_node_id(&txn.open_table(META).map_err(dberr)?)?;
        Ok(Self {
            nodes: txn.open_table(NODES).map_err(dberr)?,
            accounts: txn.open_table(ACCOUNTS).map_err(dberr)?,
            storage: txn.open_table(STORAGE).map_err(dberr)?,
            code: txn.open_table(CODE).map_err(dberr)?,
            headers: txn.open_table(HEADERS).map_err(dberr)?,
            _txn: txn,
            number,
            root,
            head,
            next_node_id,
            last_update: Mutex::new(None),
            root_time: Mutex::new(std::time::Duration::ZERO),
            cache,
            epoch,
        })
    }

    /// How long the last [`StateRootProvider::post_state_roots`] call on this view took.
    pub fn last_root_time(&self) -> std::time::Duration {
        *self.root_time.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The block whose state this is.
    pub const fn number(&self) -> u64 {
        self.number
    }

    /// Whether this is the head state (updates can be computed and committed on it).
    pub const fn is_head(&self) -> bool {
        self.head
    }

    /// The state root of this snapshot.
    pub const fn state_root(&self) -> B256 {
        self.root.hash
    }

    /// The id of the state root's node (`None` for an empty state).
    pub const fn state_root_id(&self) -> Option<NodeId> {
        self.root.id
    }

    /// The account record of `address`.
    pub fn account(&self, address: &Address) -> Result<Option<AccountRecord>, StoreError> {
        if !self.head {
            let Some((value, aux)) = trie::get(self, self.root, &keccak256(address))? else {
                return Ok(None);
            };
            return AccountRecord::from_leaf(&value, aux)
                .map(Some)
                .ok_or_else(|| StoreError::Corrupt(format!("account leaf of {address}")));
        }
        let Some(v) = self.accounts.get(address.as_slice()).map_err(dberr)? else {
            return Ok(None);
        };
        AccountRecord::decode(v.value())
            .map(Some)
            .ok_or_else(|| StoreError::Corrupt(format!("account record of {address}")))
    }

    /// The value of `slot` in `address`'s storage (zero when absent).
    pub fn storage(&self, address: &Address, slot: U256) -> Result<U256, StoreError> {
        if !self.head {
            let Some(account) = self.account(address)? else { return Ok(U256::ZERO) };
            let key = keccak256(slot.to_be_bytes::<32>());
            let Some((value, _)) = trie::get(self, account.storage(), &key)? else {
                return Ok(U256::ZERO);
            };
            return alloy_rlp::Decodable::decode(&mut &value[..])
                .map_err(|e| StoreError::Corrupt(format!("storage value: {e}")));
        }
        Ok(self
            .storage
            .get(storage_key(address, &slot).as_slice())
            .map_err(dberr)?
            .map(|v| U256::from_be_slice(v.value()))
            .unwrap_or_default())
    }

    /// Computes the state update of `bundle` on this state (the head state only).
    pub fn compute_update(
        &self,
        bundle: &revm::database::BundleState,
    ) -> Result<StateUpdate, StoreError> {
        if !self.head {
            return Err(StoreError::NotHead(self.number));
        }
        let current = |a: &Address| self.account(a).map_err(|e| TrieError::Store(e.to_string()));
        Ok(update::compute(self, self.root, self.next_node_id, current, bundle)?)
    }

    /// The update computed by the last [`StateRootProvider::post_state_roots`] call, if it was
    /// for `state_root`; otherwise computes it.
    pub fn take_update(
        &self,
        bundle: &revm::database::BundleState,
        state_root: B256,
    ) -> Result<StateUpdate, StoreError> {
        match self.last_update.lock().unwrap_or_else(PoisonError::into_inner).take() {
            Some(u) if u.root.hash == state_root => Ok(u),
            _ => self.compute_update(bundle),
        }
    }

    /// `eth_getProof`'s account proof for `address` at this state.
    pub fn account_proof(&self, address: &Address) -> Result<Vec<Bytes>, StoreError> {
        Ok(trie::proof(self, self.root, &keccak256(address))?)
    }

    /// `eth_getProof`: the account, its proof, and the value and proof of each slot. Each key
    /// is read and proven in one walk down the trie.
    pub fn proof(&self, address: &Address, slots: &[U256]) -> Result<AccountProof, StoreError> {
        let (leaf, account_proof) = trie::get_with_proof(self, self.root, &keccak256(address))?;
        let account = match leaf {
            Some((value, aux)) => Some(
                AccountRecord::from_leaf(&value, aux)
                    .ok_or_else(|| StoreError::Corrupt(format!("account leaf of {address}")))?,
            ),
            None => None,
        };
        let storage_root = account.map(|a| a.storage()).unwrap_or_default();
        let mut storage = Vec::with_capacity(slots.len());
        for slot in slots {
            let key = keccak256(slot.to_be_bytes::<32>());
            let (leaf, proof) = trie::get_with_proof(self, storage_root, &key)?;
            let value = match leaf {
                Some((v, _)) => alloy_rlp::Decodable::decode(&mut &v[..])
                    .map_err(|e| StoreError::Corrupt(format!("storage value: {e}")))?,
                None => U256::ZERO,
            };
            storage.push((*slot, value, proof));
        }
        Ok(AccountProof { account, account_proof, storage })
    }
}

impl NodeSource for StateView {
    fn node(&self, id: NodeId) -> Result<Option<Vec<u8>>, TrieError> {
        Ok(self
            .nodes
            .get(id)
            .map_err(|e| TrieError::Store(e.to_string()))?
            .map(|v| v.value().to_vec()))
    }

    fn checked(&self, id: NodeId, hash: &B256) -> Option<Arc<[u8]>> {
        self.cache.get(self.epoch, id, hash)
    }

    fn keep(&self, id: NodeId, hash: B256, record: &Arc<[u8]>) {
        self.cache.insert(self.epoch, id, hash, record.clone());
    }
}

impl StateRootProvider for StateView {
    fn post_state_roots(
        &self,
        bundle: &revm::database::BundleState,
    ) -> Result<PostStateRoots, String> {
        let started = std::time::Instant::now();
        // On an older state (a block built on a non-head parent, to check it or before a
        // reorg) the update is computed for its roots only; it cannot be committed there.
        let update = if self.head {
            self.compute_update(bundle)
        } else {
            let current =
                |a: &Address| self.account(a).map_err(|e| TrieError::Store(e.to_string()));
            update::compute(self, self.root, self.next_node_id, current, bundle).map_err(Into::into)
        }
        .map_err(|e| e.to_string())?;
        *self.root_time.lock().unwrap_or_else(PoisonError::into_inner) = started.elapsed();
        let roots = PostStateRoots {
            state_root: update.root.hash,
            message_passer_storage_root: update.message_passer_storage_root,
        };
        if self.head {
            *self.last_update.lock().unwrap_or_else(PoisonError::into_inner) = Some(update);
        }
        Ok(roots)
    }
}

impl DatabaseRef for StateView {
    type Error = StoreError;

    fn basic_ref(&self, address: Address) -> Result<Option<AccountInfo>, Self::Error> {
        Ok(self.account(&address)?.map(|r| AccountInfo {
            balance: r.balance,
            nonce: r.nonce,
            code_hash: r.code_hash,
            code: None,
            ..Default::default()
        }))
    }

    fn code_by_hash_ref(&self, code_hash: B256) -> Result<Bytecode, Self::Error> {
        Ok(self
            .code
            .get(code_hash.as_slice())
            .map_err(dberr)?
            .map(|v| Bytecode::new_raw(Bytes::copy_from_slice(v.value())))
            .unwrap_or_default())
    }

    fn storage_ref(&self, address: Address, index: U256) -> Result<U256, Self::Error> {
        self.storage(&address, index)
    }

    fn block_hash_ref(&self, number: u64) -> Result<B256, Self::Error> {
        let Some(v) = self.headers.get(number).map_err(dberr)? else { return Ok(B256::ZERO) };
        Ok(keccak256(v.value()))
    }
}
/// The state root is computed on all cores, each reading the view.
const _: fn() = || {
    fn sync<T: Sync + Send>() {}
    sync::<StateView>();
};
