//! Why a batcher step failed.

use alloy_primitives::B256;
use lamina_l1::{chain::L1Error, txmgr::TxError};
use lamina_protocol::channel::ChannelOutError;
use lamina_protocol::{Classify, Severity};

use crate::rollup::RollupError;

/// A batcher failure.
#[derive(Debug, thiserror::Error)]
pub enum BatcherError {
    /// Reading the L2 chain failed.
    #[error(transparent)]
    L2(#[from] RollupError),
    /// Reading L1 failed.
    #[error(transparent)]
    L1(#[from] L1Error),
    /// Sending a batcher tx failed.
    #[error(transparent)]
    Tx(#[from] TxError),
    /// A block could not be added to the channel.
    #[error(transparent)]
    Channel(#[from] ChannelOutError),
    /// A batcher tx was included but reverted (the inbox is an EOA, so this means a wrong
    /// inbox address).
    #[error("batcher tx {0} reverted")]
    Reverted(B256),
    /// A blob could not be built.
    #[error("blob: {0}")]
    Blob(String),
    /// A state the batcher should never be in.
    #[error("internal: {0}")]
    Internal(&'static str),
}

impl Classify for BatcherError {
    fn severity(&self) -> Severity {
        match self {
            Self::L2(e) => e.severity(),
            Self::L1(e) if e.is_temporary() => Severity::Temporary,
            Self::Tx(e) if e.is_temporary() => Severity::Temporary,
            Self::L1(_) | Self::Tx(_) => Severity::Reset,
            Self::Channel(_) | Self::Reverted(_) | Self::Blob(_) | Self::Internal(_) => {
                Severity::Critical
            }
        }
    }
}
