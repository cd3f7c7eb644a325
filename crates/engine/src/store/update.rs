//! Turning an executed block's state changes ([`BundleState`]) into trie updates: new storage
//! roots for the accounts whose storage changed, new account leaves, the new state root and the
//! trie nodes to store. Work is proportional to the changed accounts and slots.

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_trie::{EMPTY_ROOT_HASH, TrieAccount};
use lamina_protocol::predeploys::L2_TO_L1_MESSAGE_PASSER;
use revm::database::BundleState;

use crate::trie::{self, NodeId, NodeSource, NodeWrites, Root, TrieError};

/// An account as the flat state table keeps it: what the trie leaf commits to, and where its
/// storage trie's root node is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountRecord {
    /// Nonce.
    pub nonce: u64,
    /// Balance.
    pub balance: U256,
    /// Code hash.
    pub code_hash: B256,
    /// Root of the account's storage trie.
    pub storage_root: B256,
    /// Id of the storage trie's root node (`None` for an empty storage trie).
    pub storage_root_id: Option<NodeId>,
}

impl AccountRecord {
    /// Fixed-size encoding: nonce(8) ++ balance(32) ++ code_hash(32) ++ storage_root(32) ++
    /// storage_root_id(8, 0 for none).
    pub fn encode(&self) -> [u8; 112] {
        let mut out = [0u8; 112];
        out[..8].copy_from_slice(&self.nonce.to_be_bytes());
        out[8..40].copy_from_slice(&self.balance.to_be_bytes::<32>());
        out[40..72].copy_from_slice(self.code_hash.as_slice());
        out[72..104].copy_from_slice(self.storage_root.as_slice());
        out[104..].copy_from_slice(&self.storage_root_id.unwrap_or(0).to_be_bytes());
        out
    }

    /// Decodes [`Self::encode`]'s form.
    pub fn decode(b: &[u8]) -> Option<Self> {
        let b: &[u8; 112] = b.try_into().ok()?;
        let mut nonce = [0u8; 8];
        nonce.copy_from_slice(&b[..8]);
        let mut id = [0u8; 8];
        id.copy_from_slice(&b[104..]);
        Some(Self {
            nonce: u64::from_be_bytes(nonce),
            balance: U256::from_be_slice(&b[8..40]),
            code_hash: B256::from_slice(&b[40..72]),
            storage_root: B256::from_slice(&b[72..104]),
            storage_root_id: Some(u64::from_be_bytes(id)).filter(|id| *id != 0),
        })
    }

    /// The record an account trie leaf holds: its value and the storage root's id.
    pub fn from_leaf(value: &[u8], storage_root_id: Option<NodeId>) -> Option<Self> {
        let a: TrieAccount = alloy_rlp::Decodable::decode(&mut &value[..]).ok()?;
        Some(Self {
            nonce: a.nonce,
            balance: a.balance,
            code_hash: a.code_hash,
            storage_root: a.storage_root,
            storage_root_id,
        })
    }

    /// The account's storage trie root.
    pub const fn storage(&self) -> Root {
        Root { hash: self.storage_root, id: self.storage_root_id }
    }

    pub(crate) fn trie_value(&self) -> Vec<u8> {
        alloy_rlp::encode(TrieAccount {
            nonce: self.nonce,
            balance: self.balance,
            storage_root: self.storage_root,
            code_hash: self.code_hash,
        })
    }
}

/// Everything a block changes in the store's state tables.
#[derive(Debug, Default, Clone)]
pub struct StateUpdate {
    /// The state root after the block.
    pub root: Root,
    /// The node id this update's new nodes start at: the store's next id when it was computed.
    pub first_node_id: NodeId,
    /// Storage root of the L2ToL1MessagePasser after the block.
    pub message_passer_storage_root: B256,
    /// Trie nodes to store, and the stored ones the new state no longer references.
    pub nodes: NodeWrites,
    /// Accounts to write (`None`: delete).
    pub accounts: Vec<(Address, Option<AccountRecord>)>,
    /// Accounts whose flat storage must be cleared first (destroyed this block).
    pub wiped: Vec<Address>,
    /// Storage slots to write (zero: delete).
    pub storage: Vec<(Address, U256, U256)>,
    /// New contract code by hash.
    pub code: Vec<(B256, Bytes)>,
}

/// Computes the update for `bundle` on the state at `state_root`, with new nodes numbered from
/// `next_id`. `current` reads the account record of the parent state. The storage tries, then
/// the account trie, are updated on all cores ([`trie::update_all`]).
pub fn compute(
    src: &(impl NodeSource + Sync),
    state_root: Root,
    next_id: NodeId,
    current: impl Fn(&Address) -> Result<Option<AccountRecord>, TrieError>,
    bundle: &BundleState,
) -> Result<StateUpdate, TrieError> {
    let mut update = StateUpdate {
        first_node_id: next_id,
        nodes: NodeWrites::starting_at(next_id),
        ..Default::default()
    };
    // Sorted, so the node writes (and anything logged) are deterministic.
    let mut changed: Vec<_> = bundle.state.iter().collect();
    changed.sort_unstable_by_key(|(a, _)| **a);
    // Each changed account with its storage trie as it starts (before its slots change) and,
    // when slots change, the index of its batch of storage changes.
    let mut accounts = Vec::with_capacity(changed.len());
    let mut storage_batches = Vec::new();
    for (address, account) in changed {
        let old = current(address)?;
        let destroyed = account.info.is_none() || account.status.was_destroyed();
        if destroyed {
            update.wiped.push(*address);
            // The dropped storage trie is unreachable from the new state: all of it is stale.
            if let Some(o) = &old {
                trie::walk(src, o.storage(), |v| {
                    if let trie::Visit::Node(id) = v {
                        update.nodes.stale.push(id);
                    }
                })?;
            }
        }
        let Some(info) = &account.info else {
            accounts.push((*address, None, Root::EMPTY, None));
            continue;
        };
        let base = match old {
            Some(o) if !destroyed => o.storage(),
            _ => Root::EMPTY,
        };
        let mut batch = None;
        if !account.storage.is_empty() {
            let mut changes = Vec::with_capacity(account.storage.len());
            let mut slots: Vec<_> = account.storage.iter().collect();
            slots.sort_unstable_by_key(|(k, _)| **k);
            for (slot, value) in slots {
                let v = value.present_value;
                let encoded = if v.is_zero() { Vec::new() } else { alloy_rlp::encode(v) };
                changes.push((keccak256(slot.to_be_bytes::<32>()), encoded, None));
                update.storage.push((*address, *slot, v));
            }
            changes.sort_unstable_by_key(|c| c.0);
            storage_batches.push(trie::Batch { root: base, changes });
            batch = Some(storage_batches.len() - 1);
        }
        accounts.push((*address, Some(info), base, batch));
    }
    let storage_roots = trie::update_all(src, storage_batches, &mut update.nodes)?;

    let mut message_passer = None;
    let mut leaves = Vec::with_capacity(accounts.len());
    for (address, info, base, batch) in accounts {
        let key = keccak256(address);
        let Some(info) = info else {
            leaves.push((key, Vec::new(), None));
            update.accounts.push((address, None));
            continue;
        };
        let storage_root = batch.map_or(base, |i| storage_roots[i]);
        let record = AccountRecord {
            nonce: info.nonce,
            balance: info.balance,
            code_hash: info.code_hash,
            storage_root: storage_root.hash,
            storage_root_id: storage_root.id,
        };
        if address == L2_TO_L1_MESSAGE_PASSER {
            message_passer = Some(storage_root.hash);
        }
        leaves.push((key, record.trie_value(), storage_root.id));
        update.accounts.push((address, Some(record)));
    }
    leaves.sort_unstable_by_key(|l| l.0);
    let batch = trie::Batch { root: state_root, changes: leaves };
    update.root = trie::update_all(src, vec![batch], &mut update.nodes)?
        .pop()
        .ok_or_else(|| TrieError::Corrupt("no account trie root".into()))?;
    for (hash, code) in &bundle.contracts {
        update.code.push((*hash, code.original_bytes()));
    }
    update.code.sort_unstable_by_key(|(h, _)| *h);
    update.message_passer_storage_root = match message_passer {
        Some(root) => root,
        None => current(&L2_TO_L1_MESSAGE_PASSER)?.map_or(EMPTY_ROOT_HASH, |a| a.storage_root),
    };
    Ok(update)
}
