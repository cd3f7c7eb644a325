//! A read-only snapshot of the state: the EVM's database (flat tables) and the trie's node
//! source, from one redb read transaction so every read sees the same block.

use std::cell::RefCell;

use alloy_primitives::{Address, B256, Bytes, U256};
use redb::{ReadOnlyTable, ReadTransaction};
use revm::{
    DatabaseRef,
    state::{AccountInfo, Bytecode},
};

use lamina_evm::{PostStateRoots, StateRootProvider};

use super::{
    StoreError, dberr,
    tables::{ACCOUNTS, CODE, HEADERS, NODES, STORAGE, storage_key},
    update::{self, AccountRecord, StateUpdate},
};
use crate::trie::{self, NodeSource, TrieError};

/// A snapshot of the state at one root.
pub struct StateView {
    _txn: ReadTransaction,
    nodes: ReadOnlyTable<&'static [u8], &'static [u8]>,
    accounts: ReadOnlyTable<&'static [u8], &'static [u8]>,
    storage: ReadOnlyTable<&'static [u8], &'static [u8]>,
    code: ReadOnlyTable<&'static [u8], &'static [u8]>,
    headers: ReadOnlyTable<u64, &'static [u8]>,
    state_root: B256,
    /// The last update computed for the executor, kept so the commit need not redo it.
    last_update: RefCell<Option<StateUpdate>>,
}

impl std::fmt::Debug for StateView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StateView").field("state_root", &self.state_root).finish_non_exhaustive()
    }
}

impl StateView {
    pub(super) fn new(txn: ReadTransaction, state_root: B256) -> Result<Self, StoreError> {
        Ok(Self {
            nodes: txn.open_table(NODES).map_err(dberr)?,
            accounts: txn.open_table(ACCOUNTS).map_err(dberr)?,
            storage: txn.open_table(STORAGE).map_err(dberr)?,
            code: txn.open_table(CODE).map_err(dberr)?,
            headers: txn.open_table(HEADERS).map_err(dberr)?,
            _txn: txn,
            state_root,
            last_update: RefCell::new(None),
        })
    }

    pub(super) fn empty(txn: ReadTransaction) -> Result<Self, StoreError> {
        Self::new(txn, alloy_trie::EMPTY_ROOT_HASH)
    }

    /// The state root of this snapshot.
    pub const fn state_root(&self) -> B256 {
        self.state_root
    }

    /// The flat record of `address`.
    pub fn account(&self, address: &Address) -> Result<Option<AccountRecord>, StoreError> {
        let Some(v) = self.accounts.get(address.as_slice()).map_err(dberr)? else {
            return Ok(None);
        };
        AccountRecord::decode(v.value())
            .map(Some)
            .ok_or_else(|| StoreError::Corrupt(format!("account record of {address}")))
    }

    /// Computes the state update of `bundle` on this state.
    pub fn compute_update(
        &self,
        bundle: &revm::database::BundleState,
    ) -> Result<StateUpdate, StoreError> {
        let current = |a: &Address| self.account(a).map_err(|e| TrieError::Store(e.to_string()));
        Ok(update::compute(self, self.state_root, current, bundle)?)
    }

    /// The update computed by the last [`StateRootProvider::post_state_roots`] call, if it was
    /// for `state_root`; otherwise computes it.
    pub fn take_update(
        &self,
        bundle: &revm::database::BundleState,
        state_root: B256,
    ) -> Result<StateUpdate, StoreError> {
        match self.last_update.borrow_mut().take() {
            Some(u) if u.state_root == state_root => Ok(u),
            _ => self.compute_update(bundle),
        }
    }

    /// `eth_getProof`'s account proof for `address` at this state.
    pub fn account_proof(&self, address: &Address) -> Result<Vec<Bytes>, StoreError> {
        Ok(trie::proof(self, self.state_root, &alloy_primitives::keccak256(address))?)
    }

    /// `eth_getProof`'s storage proof for `slot` in a storage trie with root `storage_root`.
    pub fn storage_proof(&self, storage_root: B256, slot: U256) -> Result<Vec<Bytes>, StoreError> {
        Ok(trie::proof(self, storage_root, &alloy_primitives::keccak256(slot.to_be_bytes::<32>()))?)
    }
}

impl NodeSource for StateView {
    fn node(&self, hash: &B256) -> Result<Option<Vec<u8>>, TrieError> {
        Ok(self
            .nodes
            .get(hash.as_slice())
            .map_err(|e| TrieError::Store(e.to_string()))?
            .map(|v| v.value().to_vec()))
    }
}

impl StateRootProvider for StateView {
    fn post_state_roots(
        &self,
        bundle: &revm::database::BundleState,
    ) -> Result<PostStateRoots, String> {
        let update = self.compute_update(bundle).map_err(|e| e.to_string())?;
        let roots = PostStateRoots {
            state_root: update.state_root,
            message_passer_storage_root: update.message_passer_storage_root,
        };
        *self.last_update.borrow_mut() = Some(update);
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
        Ok(self
            .storage
            .get(storage_key(&address, &index).as_slice())
            .map_err(dberr)?
            .map(|v| U256::from_be_slice(v.value()))
            .unwrap_or_default())
    }

    fn block_hash_ref(&self, number: u64) -> Result<B256, Self::Error> {
        let Some(v) = self.headers.get(number).map_err(dberr)? else { return Ok(B256::ZERO) };
        Ok(alloy_primitives::keccak256(v.value()))
    }
}
