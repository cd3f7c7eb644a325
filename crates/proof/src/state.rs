//! The L2 state a block executes on, from a witness: the state trie and the storage tries as
//! [`SparseTrie`]s over the witness's node preimages, contract code by hash and the hashes of
//! recent blocks. It is the EVM's database (`revm::DatabaseRef`) and the executor's
//! [`StateRootProvider`] at once, so `lamina_evm::OpBlockBuilder` runs on it unchanged: a
//! block is re-executed and its roots recomputed from nothing but hashed data.
//!
//! Whatever the witness lacks is an error ([`WitnessError`]) — an account, slot, node or code
//! the execution touches that the witness did not provide can never read as empty.

use alloc::collections::BTreeMap;
use alloc::{
    string::{String, ToString},
    vec::Vec,
};
use core::cell::RefCell;

use alloy_primitives::{Address, B256, Bytes, KECCAK256_EMPTY, U256, keccak256, map::HashMap};
use alloy_rlp::Decodable;
use alloy_trie::{EMPTY_ROOT_HASH, TrieAccount};
use lamina_evm::{PostStateRoots, StateRootProvider};
use lamina_protocol::predeploys::L2_TO_L1_MESSAGE_PASSER;
use revm::{DatabaseRef, bytecode::Bytecode, database::BundleState, state::AccountInfo};

use crate::mpt::{MptError, Preimages, SparseTrie};

/// Why the witnessed state could not answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WitnessError {
    /// A trie node is missing or wrong.
    #[error(transparent)]
    Trie(#[from] MptError),
    /// An account leaf does not decode.
    #[error("account {0}: malformed leaf")]
    Account(Address),
    /// A storage leaf does not decode.
    #[error("account {address} slot {slot}: malformed value")]
    Slot {
        /// The account.
        address: Address,
        /// The slot.
        slot: U256,
    },
    /// Code the execution needs is not in the witness.
    #[error("missing code {0}")]
    MissingCode(B256),
    /// A block hash the execution asks for (`BLOCKHASH`) is not in the witness.
    #[error("missing the hash of block {0}")]
    MissingBlockHash(u64),
}

impl revm::database::DBErrorMarker for WitnessError {}

/// Where the state finds the hashes of recent blocks (`BLOCKHASH`).
pub trait BlockHashes {
    /// The hash of block `number`, if known.
    fn block_hash(&self, number: u64) -> Option<B256>;
}

impl BlockHashes for BTreeMap<u64, B256> {
    fn block_hash(&self, number: u64) -> Option<B256> {
        self.get(&number).copied()
    }
}

/// The tries as loaded so far.
#[derive(Debug, Clone, Default)]
struct Tries {
    accounts: SparseTrie,
    /// Storage tries of the accounts touched, opened at their storage roots.
    storage: HashMap<Address, SparseTrie>,
}

/// The witnessed state of one block's parent: trie nodes and code come from the preimages
/// `P` (a witness's, or the preimage oracle), block hashes from `H`.
#[derive(Debug)]
pub struct WitnessState<P = HashMap<B256, Bytes>, H = BTreeMap<u64, B256>> {
    preimages: P,
    block_hashes: H,
    // The EVM reads through `&self`; reading loads trie nodes and code, hence the cells. The
    // program is single-threaded.
    codes: RefCell<HashMap<B256, Bytecode>>,
    tries: RefCell<Tries>,
    /// The tries the last root computation produced, with their roots, so committing the same
    /// block does not apply and hash it again.
    computed: RefCell<Option<(PostStateRoots, Tries)>>,
}

impl WitnessState {
    /// The state with root `state_root`, given a witness's trie nodes and codes and the hashes
    /// of the blocks `BLOCKHASH` may ask for.
    pub fn new(
        state_root: B256,
        nodes: impl IntoIterator<Item = Bytes>,
        codes: impl IntoIterator<Item = Bytes>,
        block_hashes: BTreeMap<u64, B256>,
    ) -> Self {
        let preimages = nodes.into_iter().chain(codes).map(|n| (keccak256(&n), n)).collect();
        Self::with(state_root, preimages, block_hashes)
    }
}

impl<P: Preimages, H: BlockHashes> WitnessState<P, H> {
    /// The state with root `state_root` over these preimages and block hashes.
    pub fn with(state_root: B256, preimages: P, block_hashes: H) -> Self {
        let tries =
            Tries { accounts: SparseTrie::from_root(state_root), storage: HashMap::default() };
        Self {
            preimages,
            block_hashes,
            codes: RefCell::default(),
            tries: RefCell::new(tries),
            computed: RefCell::default(),
        }
    }

    /// The state root as it stands.
    pub fn state_root(&self) -> B256 {
        self.tries.borrow().accounts.root()
    }

    /// Applies an executed block's changes (what the next block then executes on); returns the
    /// new roots.
    pub fn commit(&mut self, bundle: &BundleState) -> Result<PostStateRoots, WitnessError> {
        self.keep_codes(bundle);
        apply(&self.preimages, self.tries.get_mut(), bundle)
    }

    /// Keeps the code `bundle` deploys.
    fn keep_codes(&mut self, bundle: &BundleState) {
        let codes = self.codes.get_mut();
        for (hash, code) in &bundle.contracts {
            codes.insert(*hash, code.clone());
        }
    }

    /// [`Self::commit`] for a block just built on this state, whose header says `state_root`:
    /// the tries the builder's root computation produced are kept when they have that root
    /// (equal roots mean equal states), instead of applying the block a second time.
    pub fn commit_built(
        &mut self,
        bundle: &BundleState,
        state_root: B256,
    ) -> Result<PostStateRoots, WitnessError> {
        match self.computed.get_mut().take() {
            Some((roots, tries)) if roots.state_root == state_root => {
                self.keep_codes(bundle);
                *self.tries.get_mut() = tries;
                Ok(roots)
            }
            _ => self.commit(bundle),
        }
    }

    fn account(&self, address: Address) -> Result<Option<TrieAccount>, WitnessError> {
        account(&self.preimages, &mut self.tries.borrow_mut(), address)
    }
}

fn account(
    nodes: &impl Preimages,
    tries: &mut Tries,
    address: Address,
) -> Result<Option<TrieAccount>, WitnessError> {
    let Some(leaf) = tries.accounts.get(nodes, keccak256(address))? else { return Ok(None) };
    TrieAccount::decode(&mut leaf.as_slice()).map(Some).map_err(|_| WitnessError::Account(address))
}

/// The storage trie of `address`, opened at its storage root on first use.
fn storage<'t>(
    nodes: &impl Preimages,
    tries: &'t mut Tries,
    address: Address,
) -> Result<&'t mut SparseTrie, WitnessError> {
    if !tries.storage.contains_key(&address) {
        let root = account(nodes, tries, address)?.map_or(EMPTY_ROOT_HASH, |a| a.storage_root);
        tries.storage.insert(address, SparseTrie::from_root(root));
    }
    Ok(tries.storage.entry(address).or_default())
}

/// Applies `bundle` to `tries`; returns the roots after it.
fn apply(
    nodes: &impl Preimages,
    tries: &mut Tries,
    bundle: &BundleState,
) -> Result<PostStateRoots, WitnessError> {
    // In address order: the result does not depend on it, but a failure then always names the
    // same node.
    let mut changed: Vec<_> = bundle.state.iter().collect();
    changed.sort_by_key(|(address, _)| **address);
    for (address, account) in changed {
        let key = keccak256(address);
        let Some(info) = &account.info else {
            tries.accounts.remove(nodes, key)?;
            tries.storage.insert(*address, SparseTrie::new());
            continue;
        };
        if account.status.was_destroyed() {
            tries.storage.insert(*address, SparseTrie::new());
        }
        let slots = storage(nodes, tries, *address)?;
        let mut writes: Vec<_> = account.storage.iter().collect();
        writes.sort_by_key(|(slot, _)| **slot);
        for (slot, value) in writes {
            let value = value.present_value;
            let encoded = if value.is_zero() { Vec::new() } else { alloy_rlp::encode(value) };
            slots.insert(nodes, keccak256(slot.to_be_bytes::<32>()), encoded)?;
        }
        let leaf = TrieAccount {
            nonce: info.nonce,
            balance: info.balance,
            storage_root: slots.root(),
            code_hash: info.code_hash,
        };
        tries.accounts.insert(nodes, key, alloy_rlp::encode(leaf))?;
    }
    Ok(PostStateRoots {
        state_root: tries.accounts.root(),
        message_passer_storage_root: storage(nodes, tries, L2_TO_L1_MESSAGE_PASSER)?.root(),
    })
}

impl<P: Preimages, H: BlockHashes> DatabaseRef for WitnessState<P, H> {
    type Error = WitnessError;

    fn basic_ref(&self, address: Address) -> Result<Option<AccountInfo>, WitnessError> {
        let Some(a) = self.account(address)? else { return Ok(None) };
        let code = self.code_by_hash_ref(a.code_hash)?;
        Ok(Some(AccountInfo::new(a.balance, a.nonce, a.code_hash, code)))
    }

    fn code_by_hash_ref(&self, code_hash: B256) -> Result<Bytecode, WitnessError> {
        if code_hash == KECCAK256_EMPTY {
            return Ok(Bytecode::default());
        }
        if let Some(code) = self.codes.borrow().get(&code_hash) {
            return Ok(code.clone());
        }
        let bytes = self
            .preimages
            .preimage(&code_hash)
            .filter(|c| keccak256(c) == code_hash)
            .ok_or(WitnessError::MissingCode(code_hash))?;
        let code = Bytecode::new_raw(bytes);
        self.codes.borrow_mut().insert(code_hash, code.clone());
        Ok(code)
    }

    fn storage_ref(&self, address: Address, slot: U256) -> Result<U256, WitnessError> {
        let mut tries = self.tries.borrow_mut();
        let trie = storage(&self.preimages, &mut tries, address)?;
        let Some(value) = trie.get(&self.preimages, keccak256(slot.to_be_bytes::<32>()))? else {
            return Ok(U256::ZERO);
        };
        U256::decode(&mut value.as_slice()).map_err(|_| WitnessError::Slot { address, slot })
    }

    fn block_hash_ref(&self, number: u64) -> Result<B256, WitnessError> {
        self.block_hashes.block_hash(number).ok_or(WitnessError::MissingBlockHash(number))
    }
}

/// The roots after `bundle`, computed on a copy of the loaded tries (the state itself changes
/// only on [`WitnessState::commit`]).
impl<P: Preimages, H: BlockHashes> StateRootProvider for WitnessState<P, H> {
    fn post_state_roots(&self, bundle: &BundleState) -> Result<PostStateRoots, String> {
        let mut tries = self.tries.borrow().clone();
        let roots = apply(&self.preimages, &mut tries, bundle).map_err(|e| e.to_string())?;
        *self.computed.borrow_mut() = Some((roots, tries));
        Ok(roots)
    }
}
