//! The redb tables of the store and their key layouts. All keys are big-endian so that range
//! scans follow numeric order.

use redb::TableDefinition;

/// Trie node records (account and storage tries), append-only: id → record
/// ([`crate::trie`]).
pub(crate) const NODES: TableDefinition<'_, u64, &[u8]> = TableDefinition::new("trie_nodes");
/// Nodes each block made unreachable from its state: block number → ids (8 bytes each). Kept
/// until the retention window passes the block, then the nodes and the entry are deleted.
pub(crate) const STALE: TableDefinition<'_, u64, &[u8]> = TableDefinition::new("stale_nodes");
/// Where each block's state root node is stored: block number → node id (0: empty state).
pub(crate) const STATE_ROOTS: TableDefinition<'_, u64, u64> = TableDefinition::new("state_roots");
/// Flat current state: address → [`super::update::AccountRecord`] encoding.
pub(crate) const ACCOUNTS: TableDefinition<'_, &[u8], &[u8]> = TableDefinition::new("accounts");
/// Flat current storage: address(20) ++ slot(32) → value(32).
pub(crate) const STORAGE: TableDefinition<'_, &[u8], &[u8]> = TableDefinition::new("storage");
/// Contract code: code hash → bytecode.
pub(crate) const CODE: TableDefinition<'_, &[u8], &[u8]> = TableDefinition::new("code");
/// Canonical headers: number → header RLP.
pub(crate) const HEADERS: TableDefinition<'_, u64, &[u8]> = TableDefinition::new("headers");
/// Block hash → number.
pub(crate) const HASHES: TableDefinition<'_, &[u8], u64> = TableDefinition::new("block_numbers");
/// Bodies: number → RLP list of EIP-2718 txs.
pub(crate) const BODIES: TableDefinition<'_, u64, &[u8]> = TableDefinition::new("bodies");
/// Each block's tx senders, as execution recovered them: number → 20 bytes per tx, in order
/// (absent for blocks written before the table existed: their senders are recovered on read).
pub(crate) const SENDERS: TableDefinition<'_, u64, &[u8]> = TableDefinition::new("senders");
/// Receipts: number → RLP list of EIP-2718 receipts.
pub(crate) const RECEIPTS: TableDefinition<'_, u64, &[u8]> = TableDefinition::new("receipts");
/// Reverse diffs of the flat state, per block above the finalized head: number → record
/// (`super::revert`).
pub(crate) const REVERTS: TableDefinition<'_, u64, &[u8]> = TableDefinition::new("reverts");
/// Canonical transactions: tx hash → block number(8) ++ index(4).
pub(crate) const TX_INDEX: TableDefinition<'_, &[u8], &[u8]> = TableDefinition::new("tx_index");
/// Heads and other single values.
pub(crate) const META: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("meta");

/// The META key of the head block: number(8) ++ hash(32).
pub(crate) const HEAD: &str = "head";
/// The META key of the safe head: number(8) ++ hash(32) (absent: genesis).
pub(crate) const SAFE: &str = "safe";
/// The META key of the finalized head: number(8) ++ hash(32) (absent: genesis).
pub(crate) const FINALIZED: &str = "finalized";
/// The META key of the next trie node id: u64 big-endian (absent: 1).
pub(crate) const NEXT_NODE_ID: &str = "next_node_id";
/// The META key of the oldest block whose state is kept: u64 big-endian (absent: 0).
pub(crate) const STATE_FROM: &str = "state_from";

/// The next trie node id recorded in META (1 when none was allocated yet).
pub(crate) fn next_node_id(
    meta: &impl redb::ReadableTable<&'static str, &'static [u8]>,
) -> Result<u64, super::StoreError> {
    match meta.get(NEXT_NODE_ID).map_err(super::dberr)? {
        Some(v) => {
            meta_u64(v.value()).ok_or_else(|| super::StoreError::Corrupt("next node id".into()))
        }
        None => Ok(1),
    }
}

/// Reads a big-endian u64 META value.
pub(crate) fn meta_u64(v: &[u8]) -> Option<u64> {
    v.try_into().ok().map(u64::from_be_bytes)
}

/// The STORAGE key of a slot.
pub(crate) fn storage_key(
    address: &alloy_primitives::Address,
    slot: &alloy_primitives::U256,
) -> [u8; 52] {
    let mut k = [0u8; 52];
    k[..20].copy_from_slice(address.as_slice());
    k[20..].copy_from_slice(&slot.to_be_bytes::<32>());
    k
}
