//! The Engine API as the driver's executor port: a derived block first tries to consolidate
//! the unsafe block already at its height (no re-execution when the sequencer or gossip got it
//! right); otherwise it is built through forkchoiceUpdated → getPayload → newPayload →
//! forkchoiceUpdated, replacing the unsafe chain from that point, and made safe.

use alloy_rpc_types_engine::ForkchoiceState;
use lamina_derive::{
    DerivedAttributes,
    driver::{Execution, Executor},
};

use super::{
    RollupError,
    consolidate::mismatch,
    drive::{self, Built, Mark},
    port::ExecutionEngine,
};

/// An engine executing derived blocks as the new safe head.
#[derive(Debug)]
pub struct EngineExecutor<'a, E> {
    engine: &'a E,
}

impl<'a, E: ExecutionEngine> EngineExecutor<'a, E> {
    /// Executes on `engine`.
    pub const fn new(engine: &'a E) -> Self {
        Self { engine }
    }

    /// The unsafe block at the attributes' height, made safe, when it is exactly what they
    /// describe.
    async fn consolidate(&self, a: &DerivedAttributes) -> Result<Option<Execution>, RollupError> {
        let head = self.engine.heads().await?.head;
        let number = a.parent.number + 1;
        if head.number < number {
            return Ok(None);
        }
        let Some((header, txs)) = self.engine.block(number).await? else { return Ok(None) };
        if let Some(field) = mismatch(&header, &txs, &a.attributes, a.parent.hash) {
            tracing::info!(
                target: "lamina::verifier",
                number,
                field,
                "unsafe block differs from the derived one: replacing the unsafe chain"
            );
            return Ok(None);
        }
        let hash = header.hash_slow();
        let fcu = ForkchoiceState {
            head_block_hash: head.hash,
            safe_block_hash: hash,
            ..Default::default()
        };
        drive::forkchoice(self.engine, fcu).await?;
        Ok(Some(Execution::Consolidated(hash)))
    }
}

impl<E: ExecutionEngine> Executor for EngineExecutor<'_, E> {
    type Error = RollupError;

    async fn execute(&mut self, a: &DerivedAttributes) -> Result<Execution, RollupError> {
        if let Some(done) = self.consolidate(a).await? {
            return Ok(done);
        }
        Ok(
            match drive::build_block(self.engine, a.parent.hash, a.attributes.clone(), Mark::Safe)
                .await?
            {
                Built::Head(payload) => Execution::Built(payload.hash),
                Built::Invalid(why) => Execution::Invalid(why),
            },
        )
    }
}
