//! What a block is built from: the payload attributes of the Engine API, minus the transport
//! (digest §8.3). Deposits come first in `transactions`; a verifier builds exactly these.

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
