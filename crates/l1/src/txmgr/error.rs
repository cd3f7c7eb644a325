//! Why a tx could not be sent or confirmed.

use alloy_primitives::B256;

use crate::chain::L1Error;

/// A tx manager failure.
#[derive(Debug, thiserror::Error)]
pub enum TxError {
    /// The chain could not be read or refused the tx.
    #[error(transparent)]
    L1(#[from] L1Error),
    /// The chain asks more than the configured cap; nothing was sent.
    #[error("fees above the cap: {want} wei wanted, cap {cap}")]
    FeeCap {
        /// What the chain asks (per gas, or per blob gas).
        want: u128,
        /// The cap.
        cap: u128,
    },
    /// Not confirmed in time (the tx may still be mined).
    #[error("tx {hash} not confirmed after {secs} s")]
    Timeout {
        /// The newest version's hash.
        hash: B256,
        /// Seconds waited.
        secs: u64,
    },
    /// Another tx from the same account used the nonce.
    #[error("nonce {nonce} was used by another tx from this account")]
    NonceTaken {
        /// The nonce.
        nonce: u64,
    },
    /// The candidate cannot be a tx.
    #[error("invalid tx: {0}")]
    Invalid(&'static str),
    /// The signer failed.
    #[error("signing: {0}")]
    Sign(String),
}

impl TxError {
    pub(crate) fn sign(e: alloy_signer::Error) -> Self {
        Self::Sign(e.to_string())
    }

    /// Whether sending again later may succeed.
    pub const fn is_temporary(&self) -> bool {
        match self {
            Self::L1(e) => e.is_temporary(),
            Self::FeeCap { .. } | Self::Timeout { .. } | Self::NonceTaken { .. } => true,
            Self::Invalid(_) | Self::Sign(_) => false,
        }
    }
}
