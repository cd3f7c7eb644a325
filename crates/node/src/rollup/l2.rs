//! The in-process engine as derivation's [`L2Source`]: block infos, txs and the system config
//! each block carries, read from the engine's store (redb snapshots, no Engine API lock).
//!
//! Everything is recovered from the blocks themselves (the L1-info deposit and the header), so
//! a restarted node resumes from its store without replaying L1.

use alloy_consensus::Header;
use alloy_primitives::Bytes;
use lamina_derive::{L2Source, SourceError};
use lamina_engine::{EngineHandle, StoreError};
use lamina_protocol::{
    BlockId, Hardfork, SystemConfig, block::L2BlockInfo, block_config::system_config_of_block,
    deposit::TxDeposit, l1_info::L1BlockInfoTx,
};

/// The engine's canonical chain, seen by derivation.
#[derive(Debug, Clone)]
pub struct EngineL2 {
    handle: EngineHandle,
}

fn store_error(e: StoreError) -> SourceError {
    SourceError::Unavailable(format!("engine store: {e}"))
}

fn invalid(number: u64, what: impl std::fmt::Display) -> SourceError {
    SourceError::Invalid(format!("L2 block {number}: {what}"))
}

impl EngineL2 {
    /// Reads `handle`'s chain.
    pub const fn new(handle: EngineHandle) -> Self {
        Self { handle }
    }

    /// The engine.
    pub const fn handle(&self) -> &EngineHandle {
        &self.handle
    }

    fn header(&self, number: u64) -> Result<Option<Header>, SourceError> {
        self.handle.store().header(number).map_err(store_error)
    }

    fn first_tx(&self, number: u64) -> Result<Bytes, SourceError> {
        let txs = self.handle.store().block_transactions(number).map_err(store_error)?;
        txs.and_then(|t| t.into_iter().next()).ok_or_else(|| invalid(number, "no L1-info tx"))
    }

    /// The block info of canonical block `number` (synchronous: a store read).
    pub fn info(&self, number: u64) -> Result<Option<L2BlockInfo>, SourceError> {
        let Some(header) = self.header(number)? else { return Ok(None) };
        let hash = header.hash_slow();
        let cfg = self.handle.rollup();
        if number == cfg.genesis.l2.number {
            return Ok(Some(L2BlockInfo {
                hash,
                number,
                parent_hash: header.parent_hash,
                timestamp: header.timestamp,
                l1_origin: cfg.genesis.l1,
                seq_num: 0,
            }));
        }
        let deposit = TxDeposit::decode_2718(&self.first_tx(number)?)
            .map_err(|e| invalid(number, format!("first tx: {e}")))?;
        let l1 = L1BlockInfoTx::decode_calldata(&deposit.input)
            .map_err(|e| invalid(number, format!("L1-info tx: {e}")))?;
        Ok(Some(L2BlockInfo {
            hash,
            number,
            parent_hash: header.parent_hash,
            timestamp: header.timestamp,
            l1_origin: BlockId { number: l1.number(), hash: l1.block_hash() },
            seq_num: l1.sequence_number(),
        }))
    }

    /// The system config canonical block `number` carries.
    pub fn config(&self, number: u64) -> Result<SystemConfig, SourceError> {
        let cfg = self.handle.rollup();
        if number == cfg.genesis.l2.number {
            return Ok(cfg.genesis.system_config.clone());
        }
        let header = self.header(number)?.ok_or_else(|| invalid(number, "not canonical"))?;
        let extra = cfg
            .is_active(Hardfork::Holocene, header.timestamp)
            .then_some(header.extra_data.as_ref());
        system_config_of_block(&self.first_tx(number)?, header.gas_limit, extra)
            .map_err(|e| invalid(number, e))
    }
}

impl L2Source for EngineL2 {
    async fn block_info(&self, number: u64) -> Result<Option<L2BlockInfo>, SourceError> {
        self.info(number)
    }

    async fn block_transactions(&self, number: u64) -> Result<Option<Vec<Bytes>>, SourceError> {
        self.handle.store().block_transactions(number).map_err(store_error)
    }

    async fn system_config(&self, number: u64) -> Result<SystemConfig, SourceError> {
        self.config(number)
    }
}
