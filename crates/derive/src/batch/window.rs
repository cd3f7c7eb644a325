//! The L1 blocks a batch stage judges batches against: from the safe head's epoch up to the
//! pipeline's current origin (digest §4.8), and the empty-batch rule that keeps the chain moving
//! when the sequencing window expires (§4.9). Shared by the pre-Holocene batch queue and
//! Holocene's batch validator.

use alloc::{format, vec::Vec};
use lamina_protocol::{
    batch::SingleBatch,
    block::{L1BlockInfo, L2BlockInfo},
};

use crate::error::PipelineError;

/// The buffered L1 blocks and the origin they were taken up to.
#[derive(Debug, Default, Clone)]
pub struct L1Window {
    origin: Option<L1BlockInfo>,
    blocks: Vec<L1BlockInfo>,
}

impl L1Window {
    /// Starts over at `base` (the pipeline's reset origin).
    pub fn reset(&mut self, base: L1BlockInfo) {
        self.origin = Some(base);
        self.blocks.clear();
        self.blocks.push(base);
    }

    /// The buffered blocks; the first is the current epoch.
    pub fn blocks(&self) -> &[L1BlockInfo] {
        &self.blocks
    }

    /// The origin the window was last updated to.
    pub const fn origin(&self) -> Option<&L1BlockInfo> {
        self.origin.as_ref()
    }

    /// Takes in the pipeline's current origin and drops epochs the safe head has left behind.
    /// Returns whether the origin is still behind the safe head's L1 origin (its batches can
    /// only be old, so they are not judged).
    pub fn update(&mut self, origin: &L1BlockInfo, safe: &L2BlockInfo) -> bool {
        let behind = origin.number < safe.l1_origin.number;
        if self.origin.as_ref() != Some(origin) {
            self.origin = Some(*origin);
            if behind {
                self.blocks.clear();
            } else {
                self.blocks.push(*origin);
            }
        }
        if self.blocks.first().is_some_and(|b| safe.l1_origin.number > b.number)
            && let Some(i) = self.blocks.iter().position(|b| b.number == safe.l1_origin.number)
        {
            self.blocks.drain(..i);
        }
        behind
    }

    /// Checks that the window's epoch is the safe head's origin (or the one after, when empty
    /// batches moved the epoch on).
    pub fn check_epoch(&self, safe: &L2BlockInfo) -> Result<&L1BlockInfo, PipelineError> {
        let epoch = self.blocks.first().ok_or(PipelineError::NotStarted)?;
        if epoch.id() != safe.l1_origin && epoch.number != safe.l1_origin.number + 1 {
            return Err(PipelineError::Inconsistent(format!(
                "batch stage epoch {} does not match the safe head's origin {}",
                epoch.number, safe.l1_origin.number
            )));
        }
        Ok(epoch)
    }

    /// The empty batch the sequencing window forces, if it does (§4.9). `Err(Eof)` when none is
    /// due: the window has not expired, or the next epoch is not known yet, or every empty
    /// block of this epoch was made (then the epoch moves on).
    pub fn empty_batch(
        &mut self,
        seq_window_size: u64,
        block_time: u64,
        out_of_data: bool,
        safe: &L2BlockInfo,
    ) -> Result<SingleBatch, PipelineError> {
        let (Some(origin), Some(epoch)) = (self.origin, self.blocks.first().copied()) else {
            return Err(PipelineError::Eof);
        };
        let expiry = epoch.number.saturating_add(seq_window_size);
        let forced = expiry < origin.number || (expiry == origin.number && out_of_data);
        if !forced {
            return Err(PipelineError::Eof);
        }
        let Some(next_epoch) = self.blocks.get(1).copied() else { return Err(PipelineError::Eof) };
        let first_of_epoch = epoch.number == safe.l1_origin.number + 1;
        let next_ts = safe.timestamp.saturating_add(block_time);
        if next_ts < next_epoch.timestamp || first_of_epoch {
            tracing::info!(target: "lamina::derive", epoch = epoch.number, timestamp = next_ts, "sequencing window expired: empty batch");
            return Ok(SingleBatch {
                parent_hash: safe.hash,
                epoch_num: epoch.number,
                epoch_hash: epoch.hash,
                timestamp: next_ts,
                transactions: Vec::new(),
            });
        }
        self.blocks.remove(0);
        Err(PipelineError::Eof)
    }
}
