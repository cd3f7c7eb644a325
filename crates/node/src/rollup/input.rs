//! What wakes the rollup node besides its block timer: blocks from peers (or any other
//! publisher), the operator's commands and news of a new L1 head. They arrive on one bounded
//! channel, so a flood waits (or, with [`Inbox::offer`], is dropped) instead of growing memory,
//! and the node's loop handles them between its own steps: nothing races on the engine.

use std::sync::Arc;

use tokio::sync::mpsc;

use super::port::Payload;

/// How many inputs wait at most.
pub const INBOX_CAPACITY: usize = 256;

/// One input.
#[derive(Debug, Clone)]
pub enum Input {
    /// An unsafe block (a peer's, or another node's): inserted with newPayload and made the
    /// head when it extends the head. Derivation later consolidates it or replaces it.
    UnsafePayload(Arc<Payload>),
    /// The operator asked for a derivation reset (`admin_resetDerivationPipeline`).
    ResetDerivation,
    /// The sequencer was started or stopped: plan the next block now.
    SequencerToggled,
    /// L1 has a new head (this number): derive now rather than at the next poll.
    L1Head(u64),
}

/// Why an input was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InboxError {
    /// The inbox is full: the node is behind.
    #[error("the rollup node's inbox is full")]
    Full,
    /// The node has stopped.
    #[error("the rollup node has stopped")]
    Closed,
}

/// The sending side of a node's inbox; clones share it.
#[derive(Debug, Clone)]
pub struct Inbox(mpsc::Sender<Input>);

impl Inbox {
    /// A new inbox and the node's receiving end.
    pub(crate) fn new() -> (Self, mpsc::Receiver<Input>) {
        let (tx, rx) = mpsc::channel(INBOX_CAPACITY);
        (Self(tx), rx)
    }

    /// Waits for room, then hands `input` over.
    pub async fn send(&self, input: Input) -> Result<(), InboxError> {
        self.0.send(input).await.map_err(|_| InboxError::Closed)
    }

    /// Hands `input` over if there is room now (what a gossip handler does: a node that is
    /// behind drops blocks it will derive anyway).
    pub fn offer(&self, input: Input) -> Result<(), InboxError> {
        self.0.try_send(input).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => InboxError::Full,
            mpsc::error::TrySendError::Closed(_) => InboxError::Closed,
        })
    }
}
