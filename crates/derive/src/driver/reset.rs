//! Where derivation restarts after a restart, an L1 reorg or an executor surprise (digest
//! §4.11), found from the L2 chain's own blocks and the three heads:
//!
//! * the unsafe head moves back to the newest block whose L1 origin is still canonical;
//! * the safe head moves back a channel timeout's worth of L1 origins (never below the
//!   finalized block): an L1 reorg may have removed the batches of recent safe blocks even
//!   though their origins survived. Blocks above it stay as unsafe blocks and are
//!   consolidated, not re-executed, when their batches are read again;
//! * derivation reads L1 from another channel timeout before the new safe head's origin, so
//!   every channel still open at the safe head is read from its first frame.
//!
//! A restart walks a few hundred block infos instead of deriving from genesis.

use lamina_protocol::{
    RollupConfig, SystemConfig,
    block::{Forkchoice, L2BlockInfo},
};

use super::ResetError;
use crate::ports::{L1Header, L1Source, L2Source};

/// The point derivation restarts from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetPoint {
    /// The newest block whose L1 origin is canonical.
    pub unsafe_head: L2BlockInfo,
    /// The new safe head.
    pub safe: L2BlockInfo,
    /// The L1 block derivation reads from.
    pub base: L1Header,
    /// The system config in force at the safe head (and so, for retrieval, at `base`: updates
    /// between `base` and the safe head's origin are applied again as derivation reads them).
    pub system_config: SystemConfig,
}

async fn canonical(l1: &impl L1Source, info: &L2BlockInfo) -> Result<bool, ResetError> {
    let header = l1.header_by_number(info.l1_origin.number).await?;
    Ok(header.is_some_and(|h| h.hash() == info.l1_origin.hash))
}

async fn block(l2: &impl L2Source, number: u64) -> Result<L2BlockInfo, ResetError> {
    l2.block_info(number).await?.ok_or(ResetError::MissingL2(number))
}

/// Finds the reset point of the L2 chain `l2` (with heads `heads`) against `l1`.
pub async fn find(
    cfg: &RollupConfig,
    l1: &impl L1Source,
    l2: &impl L2Source,
    heads: &Forkchoice,
) -> Result<ResetPoint, ResetError> {
    let mut unsafe_head = block(l2, heads.head.number).await?;
    while unsafe_head.number > heads.finalized.number && !canonical(l1, &unsafe_head).await? {
        unsafe_head = block(l2, unsafe_head.number - 1).await?;
    }
    if !canonical(l1, &unsafe_head).await? {
        return Err(ResetError::FinalizedOriginGone {
            block: unsafe_head.number,
            origin: unsafe_head.l1_origin.hash,
        });
    }
    let top = block(l2, heads.safe.number.min(unsafe_head.number)).await?;
    let timeout = cfg.channel_timeout(top.timestamp);
    let mut safe = top;
    while safe.number > heads.finalized.number
        && safe.l1_origin.number + timeout > top.l1_origin.number
    {
        safe = block(l2, safe.number - 1).await?;
    }
    let from = safe.l1_origin.number.saturating_sub(timeout).max(cfg.genesis.l1.number);
    let base = l1.header_by_number(from).await?.ok_or(ResetError::MissingL1(from))?;
    let system_config = l2.system_config(safe.number).await?;
    tracing::info!(
        target: "lamina::driver",
        unsafe_head = unsafe_head.number,
        safe = safe.number,
        l1_base = base.number,
        "reset point"
    );
    Ok(ResetPoint { unsafe_head, safe, base, system_config })
}
