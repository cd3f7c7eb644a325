//! Where derivation restarts after a restart, an L1 reorg or an engine surprise (digest §4.11).
//!
//! * The unsafe head moves back to the newest block whose L1 origin is still canonical.
//! * The safe head moves back a channel timeout's worth of L1 origins (never below the
//!   finalized block): an L1 reorg may have removed the batches of recent safe blocks even
//!   though their origins survived. Blocks above it stay in the engine as unsafe and are
//!   consolidated, not re-executed, when their batches are read again.
//! * Derivation reads L1 from another channel timeout before the new safe head's origin, so
//!   every channel still open at the safe head is read from its first frame.
//!
//! Everything comes from the engine's own blocks: a restart walks a few hundred headers
//! instead of deriving from genesis.

use alloy_eips::BlockNumberOrTag;
use lamina_derive::ports::L1Header;
use lamina_l1::chain::L1Chain;
use lamina_protocol::{SystemConfig, block::L2BlockInfo};

use super::{RollupError, l2::EngineL2, port::ExecutionEngine};

/// The point derivation restarts from.
#[derive(Debug, Clone)]
pub struct ResetPoint {
    /// The newest block whose L1 origin is canonical.
    pub unsafe_head: L2BlockInfo,
    /// The new safe head.
    pub safe: L2BlockInfo,
    /// The L1 block derivation reads from.
    pub base: L1Header,
    /// The system config in force at the safe head (and so, for retrieval, at `base`; updates
    /// between `base` and the safe head's origin are re-applied as derivation reads them).
    pub system_config: SystemConfig,
}

async fn canonical<C: L1Chain>(l1: &C, info: &L2BlockInfo) -> Result<bool, RollupError> {
    let at = BlockNumberOrTag::Number(info.l1_origin.number);
    Ok(l1.header(at).await?.is_some_and(|h| h.hash() == info.l1_origin.hash))
}

/// Finds the reset point of the engine's chain against `l1`.
pub async fn find<C: L1Chain, E: ExecutionEngine>(
    l2: &EngineL2<E>,
    l1: &C,
) -> Result<ResetPoint, RollupError> {
    let cfg = l2.engine().rollup();
    let fc = l2.engine().heads().await?;
    let mut unsafe_head = l2.expect(fc.head.number).await?;
    while unsafe_head.number > fc.finalized.number && !canonical(l1, &unsafe_head).await? {
        unsafe_head = l2.expect(unsafe_head.number - 1).await?;
    }
    if !canonical(l1, &unsafe_head).await? {
        return Err(RollupError::Inconsistent(format!(
            "the L1 origin {} of finalized L2 block {} is not on the L1 chain",
            unsafe_head.l1_origin.hash, unsafe_head.number
        )));
    }
    let top = l2.expect(fc.safe.number.min(unsafe_head.number)).await?;
    let timeout = cfg.channel_timeout(top.timestamp);
    let mut safe = top;
    while safe.number > fc.finalized.number
        && safe.l1_origin.number + timeout > top.l1_origin.number
    {
        safe = l2.expect(safe.number - 1).await?;
    }
    let from = safe.l1_origin.number.saturating_sub(timeout).max(cfg.genesis.l1.number);
    let base = l1
        .header(BlockNumberOrTag::Number(from))
        .await?
        .ok_or_else(|| RollupError::Inconsistent(format!("L1 block {from} is missing")))?;
    let system_config = l2.config(safe.number).await?;
    tracing::info!(
        target: "lamina::verifier",
        unsafe_head = unsafe_head.number,
        safe = safe.number,
        l1_base = base.number,
        "reset point"
    );
    Ok(ResetPoint { unsafe_head, safe, base, system_config })
}
