//! Fee suggestions: `eth_gasPrice`, `eth_maxPriorityFeePerGas` and `eth_feeHistory`, from the
//! next block's base fee and the tips recent blocks paid.

use alloy_consensus::Transaction as _;
use alloy_eips::BlockNumberOrTag;
use alloy_primitives::U256;
use alloy_rpc_types_eth::FeeHistory;
use jsonrpsee::RpcModule;

use super::{EthChain, RpcResult, StoredBlock, read, resolve};
use crate::rpc::error::{invalid_params, server, store};

/// The smallest tip suggested (op-geth's default floor, 0.001 gwei).
const MIN_SUGGESTED_TIP: u128 = 1_000_000;

/// Blocks looked at for the tip suggestion.
const TIP_BLOCKS: u64 = 20;

/// Most blocks `eth_feeHistory` covers in one call.
const MAX_HISTORY: u64 = 1024;

pub(super) fn register<C: EthChain>(
    m: &mut RpcModule<C>,
) -> Result<(), jsonrpsee::core::RegisterMethodError> {
    m.register_blocking_method("eth_maxPriorityFeePerGas", |_, h, _| -> RpcResult<U256> {
        Ok(U256::from(suggested_tip(&*h)?))
    })?;
    m.register_blocking_method("eth_gasPrice", |_, h, _| -> RpcResult<U256> {
        Ok(U256::from(u128::from(next_fee(&*h)?) + suggested_tip(&*h)?))
    })?;
    m.register_blocking_method("eth_feeHistory", |p, h, _| -> RpcResult<FeeHistory> {
        let mut seq = p.sequence();
        let count: alloy_primitives::U64 = seq.next()?;
        let newest: BlockNumberOrTag = seq.next()?;
        let percentiles: Option<Vec<f64>> = seq.optional_next()?;
        fee_history(&*h, count.to::<u64>(), newest, percentiles)
    })?;
    m.register_blocking_method("eth_blobBaseFee", |_, h, _| -> RpcResult<U256> {
        Ok(U256::from(h.blob_base_fees(&head(&*h)?).1))
    })?;
    Ok(())
}

/// The head's header.
fn head<C: EthChain>(h: &C) -> RpcResult<alloy_consensus::Header> {
    let (n, _) = h.store().head().map_err(store)?.unwrap_or_default();
    h.store().header(n).map_err(store)?.ok_or_else(|| server("no head"))
}

/// The base fee of the block after the head.
fn next_fee<C: EthChain>(h: &C) -> RpcResult<u64> {
    h.next_base_fee(&head(h)?)
}

/// The median tip of recent user txs, at least `MIN_SUGGESTED_TIP`.
pub fn suggested_tip<C: EthChain>(h: &C) -> RpcResult<u128> {
    let (head, _) = h.store().head().map_err(store)?.unwrap_or_default();
    let mut tips = Vec::new();
    for n in head.saturating_sub(TIP_BLOCKS - 1)..=head {
        let Some(b) = read(h, n, false)? else { continue };
        let base = b.header.base_fee_per_gas.unwrap_or_default();
        tips.extend(b.txs.iter().filter_map(|t| t.effective_tip_per_gas(base)));
    }
    tips.sort_unstable();
    Ok(tips.get(tips.len() / 2).copied().unwrap_or_default().max(MIN_SUGGESTED_TIP))
}

fn fee_history<C: EthChain>(
    h: &C,
    count: u64,
    newest: BlockNumberOrTag,
    percentiles: Option<Vec<f64>>,
) -> RpcResult<FeeHistory> {
    if let Some(p) = &percentiles
        && (p.iter().any(|x| !(0.0..=100.0).contains(x)) || p.windows(2).any(|w| w[0] > w[1]))
    {
        return Err(invalid_params("reward percentiles must be increasing values in 0..=100"));
    }
    let count = count.min(MAX_HISTORY);
    let newest = resolve(h, newest.into())?.ok_or_else(|| server("header not found"))?;
    let oldest = (newest + 1).saturating_sub(count);
    let mut history = FeeHistory { oldest_block: oldest, ..Default::default() };
    if count == 0 {
        return Ok(history);
    }
    let mut rewards = Vec::new();
    let mut last = None;
    for n in oldest..=newest {
        let b = read(h, n, percentiles.is_some())?.ok_or_else(|| server("header not found"))?;
        let base = b.header.base_fee_per_gas.unwrap_or_default();
        history.base_fee_per_gas.push(u128::from(base));
        history.gas_used_ratio.push(b.header.gas_used as f64 / b.header.gas_limit.max(1) as f64);
        history.base_fee_per_blob_gas.push(h.blob_base_fees(&b.header).0);
        history.blob_gas_used_ratio.push(blob_ratio(&b.header));
        if let Some(p) = &percentiles {
            rewards.push(block_rewards(&b, base, p));
        }
        last = Some(b.header);
    }
    if let Some(last) = last {
        history.base_fee_per_gas.push(u128::from(h.next_base_fee(&last)?));
        history.base_fee_per_blob_gas.push(h.blob_base_fees(&last).1);
    }
    if percentiles.is_some() {
        history.reward = Some(rewards);
    }
    Ok(history)
}

/// The share of the blob gas target's maximum (Prague: 9 blobs) a block used.
fn blob_ratio(header: &alloy_consensus::Header) -> f64 {
    const MAX_BLOB_GAS: u64 = 9 * alloy_eips::eip4844::DATA_GAS_PER_BLOB;
    header.blob_gas_used.unwrap_or_default() as f64 / MAX_BLOB_GAS as f64
}

/// The tips at each percentile of a block's gas, as geth computes them.
fn block_rewards<T: alloy_consensus::Transaction, R: alloy_consensus::TxReceipt>(
    b: &StoredBlock<T, R>,
    base: u64,
    percentiles: &[f64],
) -> Vec<u128> {
    let mut previous = 0;
    let mut txs: Vec<(u128, u64)> = b
        .txs
        .iter()
        .zip(&b.receipts)
        .map(|(t, r)| {
            let used = r.cumulative_gas_used() - previous;
            previous = r.cumulative_gas_used();
            (t.effective_tip_per_gas(base).unwrap_or_default(), used)
        })
        .collect();
    if txs.is_empty() {
        return vec![0; percentiles.len()];
    }
    txs.sort_unstable_by_key(|(tip, _)| *tip);
    let total: u64 = txs.iter().map(|(_, g)| g).sum();
    let mut out = Vec::with_capacity(percentiles.len());
    let (mut i, mut sum) = (0, txs[0].1);
    for p in percentiles {
        let threshold = (total as f64 * p / 100.0) as u64;
        while sum < threshold && i + 1 < txs.len() {
            i += 1;
            sum += txs[i].1;
        }
        out.push(txs[i].0);
    }
    out
}
