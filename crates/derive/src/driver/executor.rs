//! The executor port: whatever turns derived attributes into a block. The rollup node's is the
//! Engine API (consolidating an unsafe block when it already matches); an in-memory EVM is a
//! test's; the proof program's will execute over preimages. The driver decides what an
//! invalid block means; the executor only says that it was.

use alloc::string::String;
use core::future::Future;

use alloy_primitives::B256;
use lamina_protocol::Classify;

use crate::DerivedAttributes;

/// What became of derived attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Execution {
    /// A block was built from them and is the new safe head; its hash.
    Built(B256),
    /// The block already there (an unsafe block) is exactly what they describe and is now
    /// safe; its hash.
    Consolidated(B256),
    /// They do not make a valid block on their parent (a bad batch): the executor's chain is
    /// as it was, and the reason is for the log.
    Invalid(String),
}

/// Executes derived attributes on their parent (`attrs.parent`, the safe head) and makes the
/// result the new safe head.
pub trait Executor: Send {
    /// A failure of the executor itself (not of the attributes, which is
    /// [`Execution::Invalid`]); its severity tells the driver's caller whether to retry, reset
    /// or stop.
    type Error: core::error::Error + Classify + Send + Sync + 'static;

    /// Executes `attrs` (derived blocks never take pool txs: `no_tx_pool` is set).
    fn execute(
        &mut self,
        attrs: &DerivedAttributes,
    ) -> impl Future<Output = Result<Execution, Self::Error>> + Send;
}
