//! How the tx manager prices, waits and gives up.

use std::time::Duration;

/// Tx manager settings.
#[derive(Debug, Clone)]
pub struct TxManagerConfig {
    /// Blocks on top of the one including a tx (counting it) before it counts as sent; a
    /// reorg within them sends it again.
    pub confirmations: u64,
    /// How long a tx may wait unincluded before it is re-sent with higher fees.
    pub resubmission_timeout: Duration,
    /// How often receipts and the head are polled.
    pub poll_interval: Duration,
    /// Give up on a tx after this long (it may still be mined later).
    pub send_timeout: Duration,
    /// The most a tx may offer per gas (max fee); a price above it is not sent, and bumps
    /// stop at it.
    pub max_fee_per_gas: u128,
    /// The most a blob tx may offer per blob gas.
    pub max_fee_per_blob_gas: u128,
    /// The least tip offered (some nodes suggest 0 on quiet chains).
    pub min_tip: u128,
    /// Gas limit over the estimate, in percent (a tx's gas use can grow between estimate and
    /// inclusion).
    pub gas_margin_percent: u64,
}

impl Default for TxManagerConfig {
    /// Settings for a public L1: 12 s blocks, so re-price after a minute; one confirmation
    /// more than the including block; caps of 500 gwei and 1 000 gwei per blob gas.
    fn default() -> Self {
        Self {
            confirmations: 2,
            resubmission_timeout: Duration::from_secs(48),
            poll_interval: Duration::from_secs(2),
            send_timeout: Duration::from_secs(600),
            max_fee_per_gas: 500_000_000_000,
            max_fee_per_blob_gas: 1_000_000_000_000,
            min_tip: 1_000_000,
            gas_margin_percent: 20,
        }
    }
}

impl TxManagerConfig {
    /// Settings for a dev L1 that mines at once: poll fast, re-price soon, one confirmation.
    pub fn dev() -> Self {
        Self {
            confirmations: 1,
            resubmission_timeout: Duration::from_secs(4),
            poll_interval: Duration::from_millis(20),
            send_timeout: Duration::from_secs(60),
            ..Self::default()
        }
    }
}
