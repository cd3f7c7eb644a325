//! What a block is built from: the payload attributes of the Engine API, minus the transport
//! (digest §8.3). Deposits come first in `transactions`; a verifier builds exactly these.

use alloc::vec::Vec;
use alloy_primitives::{Address, B256, Bytes, FixedBytes};

/// Attributes of the block to build on a parent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BlockAttributes {
    /// Block timestamp; must be greater than the parent's.
    pub timestamp: u64,
    /// The L1 origin's `prevRandao` (mix hash).
    pub prev_randao: B256,
    /// Fee recipient (the SequencerFeeVault on OP chains).
    pub suggested_fee_recipient: Address,
    /// Ecotone: the L1 origin's parent beacon block root.
    pub parent_beacon_block_root: Option<B256>,
    /// Block gas limit (from the SystemConfig).
    pub gas_limit: u64,
    /// Holocene: `be_u32(denominator) ++ be_u32(elasticity)`; all zeros in the activation block.
    pub eip1559_params: Option<FixedBytes<8>>,
    /// EIP-2718 encoded txs executed first and in order: the L1-info deposit, user deposits,
    /// upgrade deposits, then sequenced txs.
    pub transactions: Vec<Bytes>,
    /// When true, only `transactions` go in the block (verifiers).
    pub no_tx_pool: bool,
}

/// Why payload attributes cannot become [`BlockAttributes`]: what the Engine API's wire format
/// leaves open but an L2 block may not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttributesError {
    /// OP attributes must carry the SystemConfig's gas limit.
    #[error("gasLimit is required")]
    MissingGasLimit,
    /// L2 blocks have no L1 withdrawals.
    #[error("withdrawals must be empty on L2")]
    Withdrawals,
    /// A field of a fork Lamina does not run yet.
    #[error("{0} is not supported")]
    Unsupported(&'static str),
}

impl TryFrom<&op_alloy_rpc_types_engine::OpPayloadAttributes> for BlockAttributes {
    type Error = AttributesError;

    /// The executor's attributes from the Engine API's (the one conversion: the engine and,
    /// later, a stateless executor use it alike).
    fn try_from(
        attrs: &op_alloy_rpc_types_engine::OpPayloadAttributes,
    ) -> Result<Self, Self::Error> {
        let p = &attrs.payload_attributes;
        let gas_limit = attrs.gas_limit.ok_or(AttributesError::MissingGasLimit)?;
        if p.withdrawals.as_ref().is_some_and(|w| !w.is_empty()) {
            return Err(AttributesError::Withdrawals);
        }
        if attrs.min_base_fee.is_some() {
            return Err(AttributesError::Unsupported("minBaseFee (Jovian)"));
        }
        Ok(Self {
            timestamp: p.timestamp,
            prev_randao: p.prev_randao,
            suggested_fee_recipient: p.suggested_fee_recipient,
            parent_beacon_block_root: p.parent_beacon_block_root,
            gas_limit,
            eip1559_params: attrs.eip_1559_params.map(|b| FixedBytes(b.0)),
            transactions: attrs.transactions.clone().unwrap_or_default(),
            no_tx_pool: attrs.no_tx_pool.unwrap_or_default(),
        })
    }
}
