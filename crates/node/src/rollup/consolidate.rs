//! Consolidation (digest §4.11): whether the unsafe block the sequencer (or gossip) produced is
//! exactly what derivation says the block must be. A match makes it safe without re-executing;
//! any difference means the derived block replaces it.

use alloy_consensus::Header;
use alloy_primitives::Bytes;
use lamina_protocol::block_config::decode_extra_data;
use op_alloy_rpc_types_engine::OpPayloadAttributes;

/// The first field in which `header` (with txs `txs`) differs from `attrs`, or `None` when the
/// block is what the attributes describe.
pub fn mismatch(
    header: &Header,
    txs: &[Bytes],
    attrs: &OpPayloadAttributes,
    parent_hash: alloy_primitives::B256,
) -> Option<&'static str> {
    let p = &attrs.payload_attributes;
    if header.parent_hash != parent_hash {
        return Some("parent hash");
    }
    if header.timestamp != p.timestamp {
        return Some("timestamp");
    }
    if header.mix_hash != p.prev_randao {
        return Some("prevRandao");
    }
    if header.beneficiary != p.suggested_fee_recipient {
        return Some("fee recipient");
    }
    if attrs.gas_limit.is_some_and(|g| g != header.gas_limit) {
        return Some("gas limit");
    }
    if header.parent_beacon_block_root != p.parent_beacon_block_root {
        return Some("parent beacon block root");
    }
    if p.withdrawals.as_ref().is_some_and(|w| !w.is_empty())
        || p.withdrawals.is_some() != header.withdrawals_root.is_some()
    {
        return Some("withdrawals");
    }
    let want = attrs.transactions.as_deref().unwrap_or_default();
    if want != txs {
        return Some("transactions");
    }
    // Holocene: all-zero parameters mean the engine wrote its defaults, which any value matches.
    if let Some(params) = attrs.eip_1559_params.filter(|p| !p.is_zero()) {
        match decode_extra_data(&header.extra_data) {
            Ok(have) if have.eip1559_params == params => {}
            _ => return Some("EIP-1559 parameters"),
        }
    }
    None
}
