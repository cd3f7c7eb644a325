//! An in-memory state: a revm database over plain maps, that can apply an executed block's
//! changes and compute its roots from scratch. Used by tests and as the reference the persistent
//! store's incremental trie is checked against; not meant for large states.

use alloc::collections::BTreeMap;
use alloc::string::String;
use core::convert::Infallible;

use alloy_primitives::{Address, B256, Bytes, KECCAK256_EMPTY, U256, keccak256};
use lamina_protocol::predeploys::L2_TO_L1_MESSAGE_PASSER;
use revm::{DatabaseRef, bytecode::Bytecode, database::BundleState, state::AccountInfo};

use crate::{
    executor::{PostStateRoots, StateRootProvider},
    trie::{self, AccountState},
};

/// Accounts, code and block hashes in memory.
#[derive(Debug, Clone, Default)]
pub struct MemoryState {
    /// Accounts by address.
    pub accounts: BTreeMap<Address, AccountState>,
    /// Code by hash.
    pub code: BTreeMap<B256, Bytecode>,
    /// Hashes of past blocks, for `BLOCKHASH`.
    pub block_hashes: BTreeMap<u64, B256>,
}

impl MemoryState {
    /// Credits `balance` to `address` (creating it).
    pub fn fund(&mut self, address: Address, balance: U256) {
        let a = self
            .accounts
            .entry(address)
            .or_insert_with(|| AccountState { code_hash: KECCAK256_EMPTY, ..Default::default() });
        a.balance += balance;
    }

    /// Deploys `code` at `address` with the given storage.
    pub fn set_code(&mut self, address: Address, code: Bytes, storage: BTreeMap<U256, U256>) {
        let bytecode = Bytecode::new_raw(code.clone());
        let hash = keccak256(&code);
        self.code.insert(hash, bytecode);
        let a = self.accounts.entry(address).or_default();
        a.code_hash = hash;
        a.storage = storage;
    }

    /// Applies the changes of an executed block.
    pub fn apply(&mut self, bundle: &BundleState) {
        for (hash, code) in &bundle.contracts {
            self.code.insert(*hash, code.clone());
        }
        for (address, account) in &bundle.state {
            let Some(info) = &account.info else {
                self.accounts.remove(address);
                continue;
            };
            let entry = self.accounts.entry(*address).or_default();
            if account.status.was_destroyed() {
                entry.storage.clear();
            }
            entry.nonce = info.nonce;
            entry.balance = info.balance;
            entry.code_hash = info.code_hash;
            for (slot, value) in &account.storage {
                if value.present_value.is_zero() {
                    entry.storage.remove(slot);
                } else {
                    entry.storage.insert(*slot, value.present_value);
                }
            }
        }
    }

    /// The state root.
    pub fn state_root(&self) -> B256 {
        trie::state_root(&self.accounts)
    }

    /// The storage root of one account (the empty root if it does not exist).
    pub fn storage_root(&self, address: &Address) -> B256 {
        self.accounts
            .get(address)
            .map_or(alloy_trie::EMPTY_ROOT_HASH, |a| trie::storage_root(&a.storage))
    }
}

impl DatabaseRef for MemoryState {
    type Error = Infallible;

    fn basic_ref(&self, address: Address) -> Result<Option<AccountInfo>, Self::Error> {
        Ok(self.accounts.get(&address).map(|a| {
            AccountInfo::new(
                a.balance,
                a.nonce,
                a.code_hash,
                self.code.get(&a.code_hash).cloned().unwrap_or_default(),
            )
        }))
    }

    fn code_by_hash_ref(&self, code_hash: B256) -> Result<Bytecode, Self::Error> {
        Ok(self.code.get(&code_hash).cloned().unwrap_or_default())
    }

    fn storage_ref(&self, address: Address, index: U256) -> Result<U256, Self::Error> {
        Ok(self
            .accounts
            .get(&address)
            .and_then(|a| a.storage.get(&index).copied())
            .unwrap_or_default())
    }

    fn block_hash_ref(&self, number: u64) -> Result<B256, Self::Error> {
        Ok(self.block_hashes.get(&number).copied().unwrap_or_default())
    }
}

/// Computes roots by applying the bundle to a copy of the state (from scratch; small states only).
impl StateRootProvider for MemoryState {
    fn post_state_roots(&self, bundle: &BundleState) -> Result<PostStateRoots, String> {
        let mut next = self.clone();
        next.apply(bundle);
        Ok(PostStateRoots {
            state_root: next.state_root(),
            message_passer_storage_root: next.storage_root(&L2_TO_L1_MESSAGE_PASSER),
        })
    }
}
