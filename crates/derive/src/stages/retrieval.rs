//! L1 retrieval: which txs of an L1 block carry batcher data, and where that data is (digest
//! §4.1). A batcher tx goes to the inbox and is signed by the batcher of the current system
//! config; from Ecotone a blob tx's data is its blobs (one payload per blob, calldata ignored).
//!
//! The inbox check comes first so that only inbox txs pay for signature recovery.

use alloc::vec::Vec;
use alloy_consensus::{Transaction, TxEnvelope, transaction::SignerRecoverable};
use alloy_primitives::{Address, B256, Bytes};

/// Where one batcher payload is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataRef {
    /// A tx's calldata.
    Calldata(Bytes),
    /// A blob, by versioned hash.
    Blob(B256),
}

/// The versioned hashes of the blobs among `refs`, in order (what one beacon request asks for).
pub fn blob_hashes(refs: &[DataRef]) -> Vec<B256> {
    refs.iter()
        .filter_map(|r| match r {
            DataRef::Blob(h) => Some(*h),
            DataRef::Calldata(_) => None,
        })
        .collect()
}

/// The batcher payloads of a block's txs, in block order.
pub fn batcher_data(
    txs: &[TxEnvelope],
    inbox: Address,
    batcher: Address,
    ecotone: bool,
) -> Vec<DataRef> {
    let mut out = Vec::new();
    for tx in txs {
        if tx.to() != Some(inbox) {
            continue;
        }
        // Set-code txs are never batcher txs (op-node refuses them as batcher txs).
        if tx.is_eip7702() {
            continue;
        }
        match tx.recover_signer() {
            Ok(from) if from == batcher => {}
            Ok(_) => continue,
            Err(e) => {
                tracing::warn!(target: "lamina::derive", tx = %tx.tx_hash(), %e, "inbox tx with a bad signature");
                continue;
            }
        }
        match tx.blob_versioned_hashes() {
            Some(hashes) if ecotone && tx.is_eip4844() => {
                if !tx.input().is_empty() {
                    tracing::warn!(target: "lamina::derive", tx = %tx.tx_hash(), "blob batcher tx calldata ignored");
                }
                out.extend(hashes.iter().copied().map(DataRef::Blob));
            }
            _ => out.push(DataRef::Calldata(tx.input().clone())),
        }
    }
    out
}
