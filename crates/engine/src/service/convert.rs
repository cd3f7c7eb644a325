//! Between the Engine API's wire types and the executor's: payload attributes into
//! [`BlockAttributes`], an executed block into an execution payload, and a received payload
//! back into the attributes that must rebuild it exactly.

use alloy_consensus::{Block, BlockBody, Transaction as _};
use alloy_primitives::{B256, Bytes, FixedBytes, U256};
use lamina_evm::{
    BlockAttributes, ExecutedBlock, OpForks, attributes::AttributesError,
    header::decode_holocene_extra_data,
};
use lamina_protocol::Hardfork;
use op_alloy_consensus::OpTxEnvelope;
use op_alloy_rpc_types_engine::{OpExecutionData, OpPayloadAttributes};

use super::EngineError;

/// The executor's attributes from the Engine API's (`lamina_evm`'s one conversion), its
/// refusals in the Engine API's terms.
pub(crate) fn block_attributes(
    attrs: &OpPayloadAttributes,
) -> Result<BlockAttributes, EngineError> {
    BlockAttributes::try_from(attrs).map_err(|e| match e {
        AttributesError::Unsupported(what) => {
            EngineError::UnsupportedFork(format!("{what} is not supported"))
        }
        other => EngineError::InvalidPayloadAttributes(other.to_string()),
    })
}

/// The payload as a block (its hash is the caller's to compare with `blockHash`) and its raw
/// transactions. Fails when the payload breaks the L2 rules the wire format can't express (L1
/// withdrawals, blob hashes, EL requests) or a tx does not decode.
pub(crate) fn payload_block(
    data: &OpExecutionData,
) -> Result<(Block<OpTxEnvelope>, Vec<Bytes>), String> {
    let raw: Vec<Bytes> = data.payload.as_v1().transactions.clone();
    let block = data
        .payload
        .clone()
        .try_into_block_with_sidecar::<OpTxEnvelope>(&data.sidecar)
        .map_err(|e| e.to_string())?;
    Ok((block, raw))
}

/// The attributes that rebuild `block` exactly (its own transactions, no pool).
pub(crate) fn rebuild_attributes(
    h: &alloy_consensus::Header,
    raw: Vec<Bytes>,
    forks: &OpForks,
) -> Result<BlockAttributes, String> {
    let eip1559_params = if forks.is_active(Hardfork::Holocene, h.timestamp) {
        let (d, e) = decode_holocene_extra_data(&h.extra_data).map_err(|e| e.to_string())?;
        let mut p = [0u8; 8];
        p[..4].copy_from_slice(&d.to_be_bytes());
        p[4..].copy_from_slice(&e.to_be_bytes());
        Some(FixedBytes(p))
    } else {
        None
    };
    Ok(BlockAttributes {
        timestamp: h.timestamp,
        prev_randao: h.mix_hash,
        suggested_fee_recipient: h.beneficiary,
        parent_beacon_block_root: h.parent_beacon_block_root,
        gas_limit: h.gas_limit,
        eip1559_params,
        transactions: raw,
        no_tx_pool: true,
    })
}

/// The executed block as a consensus block (L2 bodies carry an empty withdrawals list from
/// Canyon on).
pub(crate) fn block(block: &ExecutedBlock) -> Block<OpTxEnvelope> {
    let body = BlockBody {
        transactions: block.transactions.clone(),
        ommers: Vec::new(),
        withdrawals: block.header.withdrawals_root.map(|_| Default::default()),
    };
    Block { header: block.header.clone(), body }
}

/// What the fee recipient earns from a block's priority fees (`blockValue`).
pub(crate) fn block_value(block: &ExecutedBlock) -> U256 {
    let base_fee = block.header.base_fee_per_gas.unwrap_or_default();
    let mut previous = 0u64;
    let mut value = U256::ZERO;
    for (tx, receipt) in block.transactions.iter().zip(&block.receipts) {
        let cumulative = receipt.cumulative_gas_used();
        let used = cumulative.saturating_sub(previous);
        previous = cumulative;
        if let Some(tip) = tx.effective_tip_per_gas(base_fee) {
            value += U256::from(tip) * U256::from(used);
        }
    }
    value
}

/// Names the header fields where `built` (our execution) differs from `claimed` (the payload).
pub(crate) fn header_mismatch(
    built: &alloy_consensus::Header,
    claimed: &alloy_consensus::Header,
) -> String {
    let mut diffs = Vec::new();
    macro_rules! cmp {
        ($($f:ident),*) => {$(
            if built.$f != claimed.$f {
                diffs.push(format!("{}: ours {:?}, payload {:?}", stringify!($f), built.$f, claimed.$f));
            }
        )*};
    }
    cmp!(
        state_root,
        receipts_root,
        transactions_root,
        logs_bloom,
        gas_used,
        base_fee_per_gas,
        extra_data,
        withdrawals_root,
        blob_gas_used,
        excess_blob_gas,
        requests_hash
    );
    if diffs.is_empty() { "block hash mismatch".to_owned() } else { diffs.join("; ") }
}

/// The zero hash means "not set" in a forkchoice state.
pub(crate) fn non_zero(h: B256) -> Option<B256> {
    (!h.is_zero()).then_some(h)
}
