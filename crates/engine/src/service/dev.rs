//! A stand-in sequencer for running the engine on its own (`lamina engine --dev`): each step
//! builds the next block from the pool on a fixed, synthetic L1 origin, through the Engine API
//! sequence a rollup node uses ([`build::build_block`](super::build::build_block)), and marks
//! it safe and finalized, as a local dev chain would.

use std::{
    future::Future,
    pin::pin,
    task::{Context, Poll, Waker},
};

use alloy_primitives::{B64, B256, Bytes, U256};
use alloy_rpc_types_engine::PayloadAttributes;
use lamina_protocol::{
    Hardfork,
    l1_info::{L1BlockInfoTx, L1OriginFields},
    predeploys::SEQUENCER_FEE_VAULT,
};
use op_alloy_rpc_types_engine::OpPayloadAttributes;

use super::{
    EngineError, EngineHandle,
    build::{Built, Mark, build_block},
};
use crate::store::StoreError;

/// The dev chain's L1 origin: block 0 with a 1 gwei base fee.
const DEV_L1_BASE_FEE: u64 = 1_000_000_000;

/// Drives an engine alone, one block per [`DevSequencer::step`].
#[derive(Debug)]
pub struct DevSequencer {
    handle: EngineHandle,
    sequence_number: u64,
}

impl DevSequencer {
    /// A sequencer on `handle`'s chain.
    pub const fn new(handle: EngineHandle) -> Self {
        Self { handle, sequence_number: 0 }
    }

    /// Builds, checks and commits the next block, at `now` (or one second after the head if
    /// that is later). Returns the new head's number and hash.
    pub fn step(&mut self, now: u64) -> Result<(u64, B256), EngineError> {
        let h = &self.handle;
        let cfg = h.rollup();
        let forks = h.builder().forks();
        let store = h.store();
        let (n, head_hash) = store.head()?.ok_or(StoreError::NoGenesis)?;
        let head = store.header(n)?.ok_or(StoreError::UnknownBlock(n))?;
        let ts = now.max(head.timestamp + 1);
        let origin = L1OriginFields {
            number: 0,
            timestamp: cfg.genesis.l2_time.min(ts),
            hash: B256::ZERO,
            base_fee: U256::from(DEV_L1_BASE_FEE),
            blob_base_fee: Some(U256::from(1)),
        };
        let info = L1BlockInfoTx::build(
            cfg,
            &cfg.genesis.system_config,
            &origin,
            self.sequence_number,
            ts,
        )
        .map_err(|e| EngineError::InvalidPayloadAttributes(e.to_string()))?;
        self.sequence_number += 1;
        let deposit = Bytes::from(info.to_deposit_tx(cfg, ts).encoded_2718());
        let ecotone = forks.is_active(Hardfork::Ecotone, ts);
        let attrs = OpPayloadAttributes {
            payload_attributes: PayloadAttributes {
                timestamp: ts,
                prev_randao: B256::ZERO,
                suggested_fee_recipient: SEQUENCER_FEE_VAULT,
                withdrawals: forks.is_active(Hardfork::Canyon, ts).then(Vec::new),
                parent_beacon_block_root: ecotone.then_some(B256::ZERO),
                slot_number: None,
                target_gas_limit: None,
            },
            transactions: Some(vec![deposit]),
            no_tx_pool: Some(false),
            gas_limit: Some(cfg.genesis.system_config.gas_limit.max(head.gas_limit)),
            eip_1559_params: forks.is_active(Hardfork::Holocene, ts).then_some(B64::ZERO),
            min_base_fee: None,
        };
        match complete(build_block(h, head_hash, attrs, Mark::Final))? {
            Built::Head(built) => Ok((built.block.header.number, built.hash)),
            Built::Invalid(why) => {
                Err(EngineError::InvalidPayloadAttributes(format!("own block rejected: {why}")))
            }
        }
    }
}

/// Runs `fut` to completion on this thread. The engine's Engine API calls are synchronous, so
/// a build over the [`EngineHandle`] never waits.
fn complete<T>(fut: impl Future<Output = Result<T, EngineError>>) -> Result<T, EngineError> {
    match pin!(fut).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(out) => out,
        Poll::Pending => Err(EngineError::InvalidParams("the local engine waited".into())),
    }
}
