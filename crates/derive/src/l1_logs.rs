//! What an L1 block's receipts mean to the rollup: user deposits from the portal's
//! `TransactionDeposited` logs (digest §2.1) and system-config changes from the SystemConfig's
//! `ConfigUpdate` logs (§11). Only successful receipts count. A deposit log that cannot be read
//! is critical: deposits may never be skipped. A `ConfigUpdate` log that cannot be read is
//! skipped with a warning, as the spec intends: one bad L1 log must not halt the chain, and the
//! SystemConfig contract only emits well-formed updates, so such a log changes nothing.

use alloc::{format, vec::Vec};
use alloy_consensus::{ReceiptEnvelope, TxReceipt};
use alloy_primitives::{B256, Bytes};
use lamina_protocol::{
    Hardfork, RollupConfig, SystemConfig,
    constants::{CONFIG_UPDATE_TOPIC, DEPOSIT_EVENT_TOPIC},
    deposit::decode_deposit_log,
    system_config::decode_config_update,
};

use crate::error::PipelineError;

/// The block's user deposits, as EIP-2718 deposit txs, in log order.
pub fn deposits(
    cfg: &RollupConfig,
    block: B256,
    receipts: &[ReceiptEnvelope],
) -> Result<Vec<Bytes>, PipelineError> {
    let mut out = Vec::new();
    // Source hashes use the log's index in the whole block; failed receipts carry no logs.
    let mut log_index = 0u64;
    for receipt in receipts {
        let logs = receipt.logs();
        if receipt.status() {
            for log in logs.iter() {
                let this = log_index;
                log_index += 1;
                if log.address != cfg.deposit_contract_address
                    || log.topics().first() != Some(&DEPOSIT_EVENT_TOPIC)
                {
                    continue;
                }
                let tx = decode_deposit_log(log, block, this).map_err(|e| {
                    PipelineError::BadL1Log { block, reason: format!("deposit log {this}: {e}") }
                })?;
                out.push(Bytes::from(tx.encoded_2718()));
            }
        } else {
            log_index += logs.len() as u64;
        }
    }
    Ok(out)
}

/// Applies the block's `ConfigUpdate` logs to `system_config`. `l1_time` is the block's
/// timestamp (Ecotone changes how gas-config updates are read). A log that cannot be parsed is
/// skipped with a warning; the others still apply.
pub fn apply_config_updates(
    cfg: &RollupConfig,
    system_config: &mut SystemConfig,
    block: B256,
    l1_time: u64,
    receipts: &[ReceiptEnvelope],
) {
    let ecotone = cfg.is_active(Hardfork::Ecotone, l1_time);
    for receipt in receipts.iter().filter(|r| r.status()) {
        for log in receipt.logs() {
            if log.address != cfg.l1_system_config_address
                || log.topics().first() != Some(&CONFIG_UPDATE_TOPIC)
            {
                continue;
            }
            match decode_config_update(log) {
                Ok(update) => {
                    tracing::info!(target: "lamina::derive", ?update, %block, "system config update");
                    system_config.apply_update(&update, ecotone);
                }
                Err(error) => tracing::warn!(
                    target: "lamina::derive",
                    %block,
                    %error,
                    "skipping a ConfigUpdate log that cannot be parsed"
                ),
            }
        }
    }
}
