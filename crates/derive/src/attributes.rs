//! Payload attributes (digest §4.10): what the block after `parent` in epoch `epoch` must
//! contain — the L1-info deposit, and in an epoch's first block the epoch's user deposits —
//! and the header fields derived from the L1 origin and the system config. The verifier adds
//! the batch's txs; the sequencer lets the engine fill the rest from its pool.

use alloc::{format, string::ToString, vec::Vec};
use alloy_primitives::{B64, B256, Bytes, U256};
use alloy_rpc_types_engine::PayloadAttributes;
use lamina_protocol::{
    BlockId, Hardfork, RollupConfig,
    block::{L1BlockInfo, L2BlockInfo},
    constants::DEPOSIT_TX_TYPE,
    l1_info::{L1BlockInfoTx, L1OriginFields},
    predeploys::SEQUENCER_FEE_VAULT,
};
use op_alloy_rpc_types_engine::OpPayloadAttributes;

use crate::{
    error::{PipelineError, SourceError},
    l1_blob_fee::L1BlobSchedule,
    l1_logs,
    ports::{L1Header, L1Source, L2Source},
};

/// Forks whose activation block carries network-upgrade deposits (not built by this version).
const UPGRADE_FORKS: [Hardfork; 4] =
    [Hardfork::Ecotone, Hardfork::Fjord, Hardfork::Isthmus, Hardfork::Jovian];

/// Attributes derived for the block after `parent`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DerivedAttributes {
    /// What the engine builds.
    pub attributes: OpPayloadAttributes,
    /// The block they build on.
    pub parent: L2BlockInfo,
    /// The L1 origin (epoch) of the new block.
    pub l1_origin: BlockId,
    /// The L1 block whose data produced the batch (for a forced empty batch: the pipeline's
    /// origin when it was made).
    pub derived_from: L1BlockInfo,
    /// Whether this is the last block of its batch (a span's last, or a singular batch).
    pub is_last_in_span: bool,
}

impl DerivedAttributes {
    /// The txs (deposits first).
    pub fn transactions(&self) -> &[Bytes] {
        self.attributes.transactions.as_deref().unwrap_or_default()
    }

    /// The info of the block with hash `hash` built from these attributes.
    pub fn block_info(&self, hash: B256) -> L2BlockInfo {
        self.parent.child(hash, self.attributes.payload_attributes.timestamp, self.l1_origin)
    }

    /// The same block with only its deposits: what Holocene builds when the engine rejects a
    /// derived payload (digest §4.11).
    pub fn deposits_only(&self) -> Self {
        let mut out = self.clone();
        let deposits =
            self.transactions().iter().filter(|t| t.first() == Some(&DEPOSIT_TX_TYPE)).cloned();
        out.attributes.transactions = Some(deposits.collect());
        out.is_last_in_span = true;
        out
    }
}

/// Builds the attributes of the block after `parent` at `timestamp` in `epoch`, with the
/// deposits the epoch requires and no sequenced txs.
pub async fn build<L1: L1Source, L2: L2Source>(
    cfg: &RollupConfig,
    blob_schedule: &L1BlobSchedule,
    l1: &L1,
    l2: &L2,
    parent: &L2BlockInfo,
    epoch: BlockId,
    timestamp: u64,
) -> Result<OpPayloadAttributes, PipelineError> {
    let mut system_config = l2.system_config(parent.number).await?;
    let header = origin_header(l1, epoch.hash).await?;
    if header.number != epoch.number {
        return Err(PipelineError::Inconsistent(format!(
            "L1 block {} is number {}, the batch says {}",
            epoch.hash, header.number, epoch.number
        )));
    }
    let mut txs = Vec::new();
    let seq_num = parent.child_seq_num(epoch.number);
    if epoch.number == parent.l1_origin.number {
        if epoch.hash != parent.l1_origin.hash {
            return Err(PipelineError::Inconsistent(format!(
                "epoch {} is {}, the parent's origin is {}",
                epoch.number, epoch.hash, parent.l1_origin.hash
            )));
        }
    } else {
        if header.parent_hash != parent.l1_origin.hash {
            return Err(PipelineError::Inconsistent(format!(
                "L1 block {} does not build on the parent's origin {}",
                epoch.number, parent.l1_origin.hash
            )));
        }
        let receipts = l1.receipts(epoch.hash).await?;
        l1_logs::apply_config_updates(
            cfg,
            &mut system_config,
            epoch.hash,
            header.timestamp,
            &receipts,
        );
        let deposits = l1_logs::deposits(cfg, epoch.hash, &receipts)?;
        txs.reserve(deposits.len() + 1);
        txs.extend(deposits);
    }
    if timestamp < header.timestamp {
        return Err(PipelineError::Inconsistent(format!(
            "L2 time {timestamp} is before its L1 origin's {}",
            header.timestamp
        )));
    }
    let bt = cfg.block_time;
    if let Some(fork) =
        UPGRADE_FORKS.iter().find(|f| cfg.hardforks.is_activation_block(**f, timestamp, bt))
    {
        return Err(PipelineError::Unsupported(format!(
            "the {} activation block needs network-upgrade deposits",
            fork.name()
        )));
    }
    let origin = L1OriginFields {
        number: header.number,
        timestamp: header.timestamp,
        base_fee: U256::from(header.base_fee_per_gas.unwrap_or_default()),
        hash: header.hash(),
        blob_base_fee: blob_schedule.blob_base_fee(&header).map(U256::from),
    };
    let info = L1BlockInfoTx::build(cfg, &system_config, &origin, seq_num, timestamp)
        .map_err(|e| PipelineError::Unsupported(e.to_string()))?;
    txs.insert(0, Bytes::from(info.to_deposit_tx(cfg, timestamp).encoded_2718()));

    let forks = &cfg.hardforks;
    Ok(OpPayloadAttributes {
        payload_attributes: PayloadAttributes {
            timestamp,
            prev_randao: header.mix_hash,
            suggested_fee_recipient: SEQUENCER_FEE_VAULT,
            withdrawals: forks.is_active(Hardfork::Canyon, timestamp).then(Vec::new),
            parent_beacon_block_root: forks
                .is_active(Hardfork::Ecotone, timestamp)
                .then(|| header.parent_beacon_block_root.unwrap_or(B256::ZERO)),
            slot_number: None,
            target_gas_limit: None,
        },
        transactions: Some(txs),
        no_tx_pool: Some(true),
        gas_limit: Some(system_config.gas_limit),
        eip_1559_params: forks
            .is_active(Hardfork::Holocene, timestamp)
            .then(|| B64::from(system_config.eip1559_params.unwrap_or_default().0)),
        min_base_fee: None,
    })
}

async fn origin_header<L1: L1Source>(l1: &L1, hash: B256) -> Result<L1Header, PipelineError> {
    l1.header_by_hash(hash)
        .await?
        .ok_or_else(|| SourceError::NotFound(format!("L1 block {hash}")).into())
}
