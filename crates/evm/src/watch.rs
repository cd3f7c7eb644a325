//! A database that remembers its first failure. alloy-evm reports some database errors as
//! validation errors (a failed read in a pre-execution system call becomes "failed to apply
//! blockhash contract call: …"), and a validation error means an invalid block. A node whose
//! store failed, or a proof program whose witness lacks a node, must never conclude that; so the
//! builder watches its database and turns any block that met a database failure into
//! [`ExecError::Database`](crate::ExecError::Database), however the executor worded it.

use alloc::{
    rc::Rc,
    string::{String, ToString},
};
use core::cell::RefCell;

use alloy_primitives::{Address, B256};
use revm::{
    Database,
    bytecode::Bytecode,
    primitives::{StorageKey, StorageValue},
    state::AccountInfo,
};

/// The first failure seen, shared with the builder.
pub(crate) type Failure = Rc<RefCell<Option<String>>>;

/// `inner`, with its first failure recorded in `failure`.
#[derive(Debug)]
pub(crate) struct Watched<DB> {
    inner: DB,
    failure: Failure,
}

impl<DB: Database> Watched<DB>
where
    DB::Error: core::fmt::Display,
{
    /// Watches `inner`; returns it and the record of its failure.
    pub(crate) fn new(inner: DB) -> (Self, Failure) {
        let failure = Failure::default();
        (Self { inner, failure: failure.clone() }, failure)
    }

    fn note<T>(&self, r: Result<T, DB::Error>) -> Result<T, DB::Error> {
        if let Err(e) = &r {
            self.failure.borrow_mut().get_or_insert_with(|| e.to_string());
        }
        r
    }
}

impl<DB: Database> Database for Watched<DB>
where
    DB::Error: core::fmt::Display,
{
    type Error = DB::Error;

    fn basic(&mut self, address: Address) -> Result<Option<AccountInfo>, DB::Error> {
        let r = self.inner.basic(address);
        self.note(r)
    }

    fn code_by_hash(&mut self, code_hash: B256) -> Result<Bytecode, DB::Error> {
        let r = self.inner.code_by_hash(code_hash);
        self.note(r)
    }

    fn storage(&mut self, address: Address, index: StorageKey) -> Result<StorageValue, DB::Error> {
        let r = self.inner.storage(address, index);
        self.note(r)
    }

    fn storage_by_account_id(
        &mut self,
        address: Address,
        account_id: usize,
        storage_key: StorageKey,
    ) -> Result<StorageValue, DB::Error> {
        let r = self.inner.storage_by_account_id(address, account_id, storage_key);
        self.note(r)
    }

    fn block_hash(&mut self, number: u64) -> Result<B256, DB::Error> {
        let r = self.inner.block_hash(number);
        self.note(r)
    }
}

/// The recorded failure, if any.
pub(crate) fn failed(failure: &Failure) -> Option<String> {
    failure.borrow_mut().take()
}
