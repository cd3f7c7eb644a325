//! `debug_executionWitness`: everything needed to execute canonical block N and commit it
//! with no state but this — the trie nodes (RLP, hash-keyed) on the paths of every account and
//! slot the block reads or writes, the nodes the root computation loads besides (the sibling a
//! deletion collapses into), the code it runs, and the headers `BLOCKHASH` reads. The block is
//! re-executed on its parent's state with every read recorded, and the parent's state trie is
//! then proven for each key; the post-state update is computed through a node source that
//! records what it loads. Shaped as geth and reth answer the method.

use std::{
    cell::RefCell,
    collections::{BTreeMap, BTreeSet},
};

use alloy_primitives::{Address, B256, Bytes, U256};
use lamina_evm::{BlockAttributes, PostStateRoots, StateRootProvider};
use lamina_protocol::predeploys::L2_TO_L1_MESSAGE_PASSER;
use revm::{
    DatabaseRef,
    bytecode::Bytecode,
    database::{BundleState, WrapDatabaseRef},
    state::AccountInfo,
};
use serde::Serialize;

use super::{EngineError, EngineHandle, convert};
use crate::{
    store::{StateView, StoreError, update},
    trie::{NodeId, NodeSource, TrieError},
};

/// The witness of one block, in `debug_executionWitness`'s JSON shape.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ExecutionWitness {
    /// Trie nodes (state and storage), RLP.
    pub state: Vec<Bytes>,
    /// Contract code run or loaded.
    pub codes: Vec<Bytes>,
    /// The preimages of the trie keys touched: addresses (20 bytes) and slots (32 bytes).
    pub keys: Vec<Bytes>,
    /// RLP headers: the parent's, and any `BLOCKHASH` reads.
    pub headers: Vec<Bytes>,
}

/// The parent's state, recording what the EVM reads.
struct Reads<'a> {
    view: &'a StateView,
    slots: RefCell<BTreeMap<Address, BTreeSet<U256>>>,
    codes: RefCell<BTreeSet<B256>>,
    blocks: RefCell<BTreeSet<u64>>,
}

impl std::fmt::Debug for Reads<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reads").finish_non_exhaustive()
    }
}

impl DatabaseRef for Reads<'_> {
    type Error = StoreError;

    fn basic_ref(&self, address: Address) -> Result<Option<AccountInfo>, StoreError> {
        self.slots.borrow_mut().entry(address).or_default();
        let info = self.view.basic_ref(address)?;
        if let Some(i) = &info {
            self.codes.borrow_mut().insert(i.code_hash);
        }
        Ok(info)
    }

    fn code_by_hash_ref(&self, code_hash: B256) -> Result<Bytecode, StoreError> {
        self.codes.borrow_mut().insert(code_hash);
        self.view.code_by_hash_ref(code_hash)
    }

    fn storage_ref(&self, address: Address, slot: U256) -> Result<U256, StoreError> {
        self.slots.borrow_mut().entry(address).or_default().insert(slot);
        self.view.storage_ref(address, slot)
    }

    fn block_hash_ref(&self, number: u64) -> Result<B256, StoreError> {
        self.blocks.borrow_mut().insert(number);
        self.view.block_hash_ref(number)
    }
}

/// The parent's node store, recording what the root computation loads.
struct Loads<'a> {
    view: &'a StateView,
    nodes: std::sync::Mutex<BTreeMap<NodeId, Vec<u8>>>,
}

impl NodeSource for Loads<'_> {
    fn node(&self, id: NodeId) -> Result<Option<Vec<u8>>, TrieError> {
        let record = self.view.node(id)?;
        if let Some(r) = &record {
            self.nodes
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .insert(id, r.clone());
        }
        Ok(record)
    }
}

impl StateRootProvider for Loads<'_> {
    fn post_state_roots(&self, bundle: &BundleState) -> Result<PostStateRoots, String> {
        let view = self.view;
        let current = |a: &Address| view.account(a).map_err(|e| TrieError::Store(e.to_string()));
        let root = crate::trie::Root { hash: view.state_root(), id: view.state_root_id() };
        // New nodes are never stored, so their ids do not matter.
        let u = update::compute(self, root, NodeId::MAX / 2, current, bundle)
            .map_err(|e| e.to_string())?;
        Ok(PostStateRoots {
            state_root: u.root.hash,
            message_passer_storage_root: u.message_passer_storage_root,
        })
    }
}

/// The RLP part of a stored node record (the record appends the children's ids).
fn rlp_of(record: &[u8]) -> Result<Bytes, StoreError> {
    let mut slice = record;
    let header = alloy_rlp::Header::decode(&mut slice)
        .map_err(|e| StoreError::Corrupt(format!("trie node record: {e}")))?;
    let len = record.len() - slice.len() + header.payload_length;
    let rlp = record.get(..len).ok_or_else(|| StoreError::Corrupt("trie node record".into()))?;
    Ok(Bytes::copy_from_slice(rlp))
}

impl EngineHandle {
    /// `debug_executionWitness` for canonical block `number` (not genesis).
    pub fn execution_witness(&self, number: u64) -> Result<ExecutionWitness, EngineError> {
        let store = self.store();
        let parent_number = number
            .checked_sub(1)
            .ok_or(EngineError::InvalidParams("genesis has no witness".into()))?;
        let header = store.header(number)?.ok_or(StoreError::UnknownBlock(number))?;
        let txs = store.block_transactions(number)?.unwrap_or_default();
        let attrs = convert::rebuild_attributes(&header, txs, self.builder().forks())
            .map_err(EngineError::InvalidParams)?;
        let (witness, hash) = self.witness_of(parent_number, &attrs)?;
        if hash != Some(header.hash_slow()) {
            return Err(EngineError::Store(StoreError::Corrupt(format!(
                "block {number} re-executed to {hash:?} instead of itself"
            ))));
        }
        Ok(witness)
    }

    /// `debug_executePayload`: the witness of building `attrs` on canonical block `parent`,
    /// whether or not they make a valid block (an invalid one's witness holds what its
    /// execution read up to the failure: all a stateless executor needs to find it invalid).
    pub fn payload_witness(
        &self,
        parent: B256,
        attrs: &BlockAttributes,
    ) -> Result<ExecutionWitness, EngineError> {
        let number = self
            .store()
            .block_number(&parent)?
            .ok_or_else(|| EngineError::InvalidParams(format!("unknown parent {parent}")))?;
        if self.store().canonical_hash(number)? != Some(parent) {
            return Err(EngineError::InvalidParams(format!("parent {parent} is not canonical")));
        }
        Ok(self.witness_of(number, attrs)?.0)
    }

    /// The witness of building `attrs` on canonical block `parent_number`, and the block's hash
    /// when they make one.
    fn witness_of(
        &self,
        parent_number: u64,
        attrs: &BlockAttributes,
    ) -> Result<(ExecutionWitness, Option<B256>), EngineError> {
        let store = self.store();
        let parent = store.header(parent_number)?.ok_or(StoreError::UnknownBlock(parent_number))?;
        let view = store.state_at(parent_number)?;
        let reads = Reads {
            view: &view,
            slots: RefCell::default(),
            codes: RefCell::default(),
            blocks: RefCell::default(),
        };
        let loads = Loads { view: &view, nodes: Default::default() };
        let parent_hash = parent.hash_slow();
        let built =
            self.builder().build(&parent, parent_hash, attrs, WrapDatabaseRef(&reads), &loads);
        let hash = match built {
            Ok(block) => Some(block.hash),
            // An invalid block: what was read up to the failure is its witness.
            Err(e) if e.is_invalid_input() => None,
            Err(e) => return Err(EngineError::Exec(e)),
        };
        // Every key the block wrote was read first (the EVM loads an account before changing
        // it), so the recorded reads cover the writes; prove each on the parent's trie. The
        // message passer's account too: its storage root is in every post-Isthmus header.
        reads.slots.borrow_mut().entry(L2_TO_L1_MESSAGE_PASSER).or_default();
        let mut state = BTreeSet::new();
        let mut keys = Vec::new();
        for (address, slots) in reads.slots.borrow().iter() {
            let slots: Vec<U256> = slots.iter().copied().collect();
            let proof = view.proof(address, &slots)?;
            state.extend(proof.account_proof);
            for (_, _, nodes) in proof.storage {
                state.extend(nodes);
            }
            keys.push(Bytes::copy_from_slice(address.as_slice()));
            keys.extend(slots.iter().map(|s| Bytes::copy_from_slice(&s.to_be_bytes::<32>())));
        }
        let nodes = loads.nodes.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
        for record in nodes.values() {
            state.insert(rlp_of(record)?);
        }
        let mut codes = Vec::new();
        for hash in reads.codes.borrow().iter() {
            let code = view.code_by_hash_ref(*hash)?;
            if !code.is_empty() {
                codes.push(code.original_bytes());
            }
        }
        let mut headers = vec![alloy_rlp::encode(&parent).into()];
        for n in reads.blocks.borrow().iter().filter(|n| **n != parent_number) {
            if let Some(h) = store.header(*n)? {
                headers.push(alloy_rlp::encode(&h).into());
            }
        }
        let witness = ExecutionWitness { state: state.into_iter().collect(), codes, keys, headers };
        Ok((witness, hash))
    }
}
