//! The batch stages: the validity rules ([`validity`]), the L1 window they judge against
//! ([`window`]), the pre-Holocene batch queue ([`queue`]) and Holocene's stricter stream
//! ([`holocene`]).

pub mod holocene;
pub mod queue;
pub mod validity;
pub mod window;

use lamina_protocol::{
    batch::{SingleBatch, SpanBatch},
    block::L1BlockInfo,
};

/// A batch as read from a channel, with its span already interpreted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadBatch {
    /// One block.
    Single(SingleBatch),
    /// Many blocks.
    Span(SpanBatch),
}

/// A batch and the L1 block it was read in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncludedBatch {
    /// The batch.
    pub batch: ReadBatch,
    /// The L1 block whose data completed its channel.
    pub inclusion: L1BlockInfo,
}
