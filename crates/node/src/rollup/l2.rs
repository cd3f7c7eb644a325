//! An engine as derivation's [`L2Source`]: block infos, txs and the system config each block
//! carries, read from the engine's canonical chain.
//!
//! Everything is recovered from the blocks themselves (the L1-info deposit and the header), so
//! a restarted node resumes from its engine without replaying L1 or keeping a second database.

use alloy_consensus::Header;
use alloy_primitives::Bytes;
use lamina_derive::{L2Source, SourceError};
use lamina_engine::EngineHandle;
use lamina_protocol::{
    Classify, Severity, SystemConfig, block::L2BlockInfo, block_config::system_config_after,
};

use super::{RollupError, port::ExecutionEngine};

/// An engine's canonical chain, seen by derivation.
#[derive(Debug, Clone)]
pub struct EngineL2<E = EngineHandle> {
    engine: E,
}

/// An engine failure as derivation sees it, keeping its severity (a critical engine error must
/// not become a retry).
fn source_error(e: RollupError) -> SourceError {
    if let RollupError::Source(s) = e {
        return s;
    }
    let what = format!("engine: {e}");
    match e.severity() {
        Severity::Temporary => SourceError::Unavailable(what),
        Severity::Reset => SourceError::NotFound(what),
        Severity::Critical => SourceError::Invalid(what),
    }
}

fn invalid(number: u64, what: impl std::fmt::Display) -> RollupError {
    RollupError::Source(SourceError::Invalid(format!("L2 block {number}: {what}")))
}

impl<E: ExecutionEngine> EngineL2<E> {
    /// Reads `engine`'s chain.
    pub const fn new(engine: E) -> Self {
        Self { engine }
    }

    /// The engine.
    pub const fn engine(&self) -> &E {
        &self.engine
    }

    /// The block info of `header` (canonical block `number`, first tx `first`).
    fn info_of(&self, header: &Header, txs: &[Bytes]) -> Result<L2BlockInfo, RollupError> {
        L2BlockInfo::of_block(self.engine.rollup(), header, txs.first().map(|t| t.as_ref()))
            .map_err(|e| invalid(header.number, e))
    }

    /// The block info of canonical block `number`.
    pub async fn info(&self, number: u64) -> Result<Option<L2BlockInfo>, RollupError> {
        match self.engine.block(number).await? {
            Some((header, txs)) => self.info_of(&header, &txs).map(Some),
            None => Ok(None),
        }
    }

    /// The block info of canonical block `number`, which must exist.
    pub async fn expect(&self, number: u64) -> Result<L2BlockInfo, RollupError> {
        self.info(number).await?.ok_or(RollupError::MissingBlock(number))
    }

    /// Canonical block `number` with its block info, from one read.
    pub async fn block_with_info(
        &self,
        number: u64,
    ) -> Result<Option<(L2BlockInfo, Header, Vec<Bytes>)>, RollupError> {
        match self.engine.block(number).await? {
            Some((header, txs)) => Ok(Some((self.info_of(&header, &txs)?, header, txs))),
            None => Ok(None),
        }
    }

    /// The system config canonical block `number` carries.
    pub async fn config(&self, number: u64) -> Result<SystemConfig, RollupError> {
        if number == self.engine.rollup().genesis.l2.number {
            return Ok(self.engine.rollup().genesis.system_config.clone());
        }
        let (header, txs) =
            self.engine.block(number).await?.ok_or_else(|| invalid(number, "not canonical"))?;
        self.config_of(&header, &txs)
    }

    /// The system config a block (`header`, `txs`) carries.
    pub fn config_of(&self, header: &Header, txs: &[Bytes]) -> Result<SystemConfig, RollupError> {
        let cfg = self.engine.rollup();
        if header.number == cfg.genesis.l2.number {
            return Ok(cfg.genesis.system_config.clone());
        }
        system_config_after(cfg, header, txs.first().map(|t| t.as_ref()))
            .map_err(|e| invalid(header.number, e))
    }
}

impl<E: ExecutionEngine> L2Source for EngineL2<E> {
    async fn block_info(&self, number: u64) -> Result<Option<L2BlockInfo>, SourceError> {
        self.info(number).await.map_err(source_error)
    }

    async fn block_transactions(&self, number: u64) -> Result<Option<Vec<Bytes>>, SourceError> {
        Ok(self.engine.block(number).await.map_err(source_error)?.map(|(_, txs)| txs))
    }

    async fn system_config(&self, number: u64) -> Result<SystemConfig, SourceError> {
        self.config(number).await.map_err(source_error)
    }
}

#[cfg(test)]
mod tests {
    use lamina_engine::EngineError;

    use super::*;

    #[test]
    fn an_engine_failure_keeps_its_severity_for_derivation() {
        let unreachable =
            RollupError::EngineUnreachable(jsonrpsee::core::ClientError::RequestTimeout);
        assert!(matches!(source_error(unreachable), SourceError::Unavailable(_)));
        let gone = RollupError::Engine(EngineError::UnknownPayload);
        assert!(matches!(source_error(gone), SourceError::NotFound(_)));
        let broken = RollupError::MissingBlock(7);
        assert!(matches!(source_error(broken), SourceError::Invalid(m) if m.contains("7")));
        let s = SourceError::NotFound("x".into());
        assert_eq!(source_error(RollupError::Source(s.clone())), s);
    }
}
