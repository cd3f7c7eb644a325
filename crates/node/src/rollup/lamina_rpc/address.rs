//! An address's recent transactions: the newest blocks scanned for txs from or to it. There is
//! no address index in the store, so the scan is bounded in blocks and in txs decoded.

use alloy_consensus::{Transaction, transaction::SignerRecoverable};
use alloy_eips::eip2718::Decodable2718;
use alloy_primitives::{Address, B256, U256};
use op_alloy_consensus::OpTxEnvelope;
use serde::Serialize;

use super::LaminaRpcError;
use crate::rollup::port::ExecutionEngine;

/// One tx of the address.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AddressTx {
    /// Its hash.
    pub hash: B256,
    /// Its block.
    pub block_number: u64,
    /// The sender.
    pub from: Address,
    /// The recipient (`None`: a creation).
    pub to: Option<Address>,
    /// The value sent.
    pub value: U256,
}

/// The scan's answer.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AddressTxs {
    /// Found txs, newest first.
    pub txs: Vec<AddressTx>,
    /// The oldest block scanned.
    pub scanned_from: u64,
    /// The newest.
    pub scanned_to: u64,
}

/// Blocks scanned at most.
const MAX_BLOCKS: u64 = 2048;
/// Txs decoded (and their signatures recovered) at most: a bound on the CPU one public call
/// can take (some 100 ms here).
const MAX_TXS: usize = 4_096;

/// The newest `limit` txs from or to `who` in the newest blocks.
pub(super) async fn recent<E: ExecutionEngine>(
    engine: &E,
    who: Address,
    limit: usize,
) -> Result<AddressTxs, LaminaRpcError> {
    let head = engine.heads().await?.head.number;
    let mut found = Vec::new();
    let mut decoded = 0usize;
    let mut n = head;
    let oldest = head.saturating_sub(MAX_BLOCKS - 1);
    loop {
        if let Some((_, txs)) = engine.block(n).await? {
            for raw in txs.iter().rev() {
                decoded += 1;
                let Ok(tx) = OpTxEnvelope::decode_2718_exact(raw) else { continue };
                let from = match &tx {
                    OpTxEnvelope::Deposit(d) => d.inner().from,
                    other => match other.recover_signer() {
                        Ok(a) => a,
                        Err(_) => continue,
                    },
                };
                let to = tx.to();
                if from == who || to == Some(who) {
                    found.push(AddressTx {
                        hash: tx.tx_hash(),
                        block_number: n,
                        from,
                        to,
                        value: tx.value(),
                    });
                }
            }
        }
        if found.len() >= limit || decoded >= MAX_TXS || n == oldest || n == 0 {
            break;
        }
        n -= 1;
    }
    found.truncate(limit);
    Ok(AddressTxs { txs: found, scanned_from: n, scanned_to: head })
}
