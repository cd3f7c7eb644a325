//! The bridge as the explorer shows it: each deposit of an L2 block with the L1 tx and log
//! that made it, a withdrawal's status and the output it was proven against, and the outputs
//! on the L2OutputOracle with the challenger's deletions.

use alloy_eips::{BlockNumberOrTag, eip2718::Decodable2718};
use alloy_primitives::{Address, B256, U256};
use alloy_rpc_types_eth::Filter;
use alloy_sol_types::SolEvent;
use lamina_l1::{
    bridge::{self, WithdrawalStatus},
    chain::L1Chain,
    contracts::{L2OutputOracle, OptimismPortal},
};
use lamina_protocol::{BlockId, deposit::DepositSource};
use op_alloy_consensus::OpTxEnvelope;
use serde::Serialize;

use super::LaminaRpcError;
use crate::rollup::{EngineL2, port::ExecutionEngine, rpc::output_at};

/// A user deposit in an L2 block and where it came from on L1.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DepositOrigin {
    /// The deposit tx on L2.
    pub l2_tx_hash: B256,
    /// The L1 tx that emitted the portal's log.
    pub l1_tx_hash: B256,
    /// The L1 block (the L2 block's L1 origin).
    pub l1_block: BlockId,
    /// The log's index in that block.
    pub log_index: u64,
    /// The depositor (aliased if a contract).
    pub from: Address,
    /// ETH minted on L2.
    pub mint: U256,
}

/// The user deposits of L2 block `number`, each with its L1 tx.
pub(super) async fn deposits<E: ExecutionEngine, C: L1Chain>(
    engine: &E,
    l1: &C,
    number: u64,
) -> Result<Vec<DepositOrigin>, LaminaRpcError> {
    let l2 = EngineL2::new(engine.clone());
    let (info, _, txs) =
        l2.block_with_info(number).await?.ok_or(LaminaRpcError::NoBlock(number))?;
    let mut wanted = Vec::new();
    // The L1-info deposit comes first; user deposits follow it in the epoch's first block.
    for raw in txs.iter().skip(1) {
        match OpTxEnvelope::decode_2718_exact(raw) {
            Ok(OpTxEnvelope::Deposit(d)) => wanted.push((d.inner().source_hash, d.hash(), d)),
            _ => break,
        }
    }
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let origin = info.l1_origin;
    let l1_txs = l1.transactions(origin.hash).await?.unwrap_or_default();
    let receipts = l1.receipts(origin.hash).await?.unwrap_or_default();
    let mut out = Vec::new();
    let mut log_index = 0u64;
    for (tx, receipt) in l1_txs.iter().zip(&receipts) {
        for _ in receipt.logs() {
            let source =
                DepositSource::User { l1_block_hash: origin.hash, log_index }.source_hash();
            if let Some((_, l2_hash, d)) = wanted.iter().find(|(s, _, _)| *s == source) {
                out.push(DepositOrigin {
                    l2_tx_hash: *l2_hash,
                    l1_tx_hash: *tx.tx_hash(),
                    l1_block: origin,
                    log_index,
                    from: d.inner().from,
                    mint: U256::from(d.inner().mint),
                });
            }
            log_index += 1;
        }
    }
    Ok(out)
}

/// The output a withdrawal was proven against.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProvenAgainst {
    /// The output's index on the oracle.
    pub l2_output_index: u64,
    /// Its root.
    pub output_root: B256,
    /// The L2 block it commits to.
    pub l2_block_number: u64,
    /// When the proof was made (L1 time).
    pub proven_at: u64,
}

/// A withdrawal's status.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WithdrawalView {
    /// `waiting-to-prove`, `ready-to-prove`, `waiting-to-finalize`, `ready-to-finalize`,
    /// `finalized` (viem's words).
    pub status: &'static str,
    /// Seconds of the finalization period left, while waiting to finalize.
    pub seconds_left: Option<u64>,
    /// The proof, once proven.
    pub proven: Option<ProvenAgainst>,
}

/// The oracle behind the portal (asked once per node).
pub(super) async fn oracle<C: L1Chain>(l1: &C, portal: Address) -> Result<Address, LaminaRpcError> {
    Ok(bridge::read(l1, portal, &OptimismPortal::l2OracleCall {}).await?)
}

/// Where withdrawal `hash` from L2 block `l2_block` stands.
pub(super) async fn withdrawal<C: L1Chain>(
    l1: &C,
    portal: Address,
    oracle: Address,
    hash: B256,
    l2_block: u64,
) -> Result<WithdrawalView, LaminaRpcError> {
    let status = bridge::withdrawal_status(l1, portal, oracle, l2_block, hash).await?;
    let (name, seconds_left) = match status {
        WithdrawalStatus::WaitingToProve => ("waiting-to-prove", None),
        WithdrawalStatus::ReadyToProve => ("ready-to-prove", None),
        WithdrawalStatus::WaitingToFinalize(s) => ("waiting-to-finalize", Some(s)),
        WithdrawalStatus::ReadyToFinalize => ("ready-to-finalize", None),
        WithdrawalStatus::Finalized => ("finalized", None),
    };
    let proven = bridge::read(l1, portal, &OptimismPortal::provenWithdrawalsCall(hash)).await?;
    let proven = if proven.timestamp == 0 {
        None
    } else {
        let index = U256::from(proven.l2OutputIndex);
        let output =
            bridge::read(l1, oracle, &L2OutputOracle::getL2OutputCall { _l2OutputIndex: index })
                .await?;
        Some(ProvenAgainst {
            l2_output_index: proven.l2OutputIndex.try_into().unwrap_or(u64::MAX),
            output_root: proven.outputRoot,
            l2_block_number: output.l2BlockNumber.try_into().unwrap_or(u64::MAX),
            proven_at: proven.timestamp.try_into().unwrap_or(u64::MAX),
        })
    };
    Ok(WithdrawalView { status: name, seconds_left, proven })
}

/// One output on the oracle.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutputView {
    /// Its index.
    pub index: u64,
    /// The root proposed.
    pub output_root: B256,
    /// The L2 block it commits to.
    pub l2_block_number: u64,
    /// When it was proposed (L1 time).
    pub timestamp: u64,
    /// Whether this node computes the same root for that block (`None`: the node does not
    /// have the block yet).
    pub matches: Option<bool>,
}

/// Outputs deleted by the challenger.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Deletion {
    /// The next index before.
    pub prev_next_output_index: u64,
    /// The next index after (the first deleted).
    pub new_next_output_index: u64,
    /// The L1 tx that deleted them.
    pub l1_tx_hash: Option<B256>,
    /// Its L1 block.
    pub l1_block_number: Option<u64>,
}

/// The oracle's newest outputs and every deletion.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Outputs {
    /// The oracle's address.
    pub oracle: Address,
    /// The index the next output will take.
    pub next_output_index: u64,
    /// The finalization period, seconds.
    pub finalization_period: u64,
    /// The newest outputs, newest first.
    pub outputs: Vec<OutputView>,
    /// Deletions, newest first.
    pub deletions: Vec<Deletion>,
}

/// L1 blocks read again on every call, in case L1 reorged them.
const REREAD_DEPTH: u64 = 64;

/// The challenger's deletions, read from L1 incrementally: each call reads the logs of the
/// blocks since the previous call (and the newest [`REREAD_DEPTH`] again), never the whole
/// history, which on a real chain is millions of blocks and the explorer asks every few
/// seconds.
#[derive(Debug, Default)]
pub(super) struct DeletionLog {
    /// The first block not read yet, and the deletions found before it (oldest first).
    seen: tokio::sync::Mutex<(Option<u64>, Vec<Deletion>)>,
}

impl DeletionLog {
    /// Every deletion by `oracle` from L1 block `start` on, newest first.
    pub(super) async fn read<C: L1Chain>(
        &self,
        l1: &C,
        oracle: Address,
        start: u64,
    ) -> Result<Vec<Deletion>, LaminaRpcError> {
        let mut seen = self.seen.lock().await;
        let head = l1
            .header(BlockNumberOrTag::Latest)
            .await?
            .map(|h| h.number)
            .ok_or_else(|| LaminaRpcError::NotFound("L1 head".into()))?;
        let from = seen.0.map_or(start, |next| next.saturating_sub(REREAD_DEPTH).max(start));
        seen.1.retain(|d| d.l1_block_number.is_some_and(|b| b < from));
        if from <= head {
            let filter = Filter::new()
                .address(oracle)
                .event_signature(L2OutputOracle::OutputsDeleted::SIGNATURE_HASH)
                .from_block(from)
                .to_block(head);
            for log in l1.logs(&filter).await? {
                let Ok(e) = L2OutputOracle::OutputsDeleted::decode_log_data(log.data()) else {
                    continue;
                };
                seen.1.push(Deletion {
                    prev_next_output_index: e.prevNextOutputIndex.try_into().unwrap_or(u64::MAX),
                    new_next_output_index: e.newNextOutputIndex.try_into().unwrap_or(u64::MAX),
                    l1_tx_hash: log.transaction_hash,
                    l1_block_number: log.block_number,
                });
            }
            seen.0 = Some(head + 1);
        }
        Ok(seen.1.iter().rev().cloned().collect())
    }
}

/// The newest `limit` outputs, and `deletions`.
pub(super) async fn outputs<E: ExecutionEngine, C: L1Chain>(
    engine: &E,
    l1: &C,
    oracle: Address,
    limit: u64,
    deletions: &DeletionLog,
) -> Result<Outputs, LaminaRpcError> {
    let next: U256 = bridge::read(l1, oracle, &L2OutputOracle::nextOutputIndexCall {}).await?;
    let next = u64::try_from(next).unwrap_or(u64::MAX);
    let period: U256 =
        bridge::read(l1, oracle, &L2OutputOracle::FINALIZATION_PERIOD_SECONDSCall {}).await?;
    let head = engine.heads().await?.head.number;
    let mut outputs = Vec::new();
    for index in (next.saturating_sub(limit)..next).rev() {
        let call = L2OutputOracle::getL2OutputCall { _l2OutputIndex: U256::from(index) };
        let o = bridge::read(l1, oracle, &call).await?;
        let block = u64::try_from(o.l2BlockNumber).unwrap_or(u64::MAX);
        let matches = if block <= head {
            Some(output_at(engine, block).await.is_ok_and(|(ours, _)| ours.hash() == o.outputRoot))
        } else {
            None
        };
        outputs.push(OutputView {
            index,
            output_root: o.outputRoot,
            l2_block_number: block,
            timestamp: u64::try_from(o.timestamp).unwrap_or(u64::MAX),
            matches,
        });
    }
    let deletions = deletions.read(l1, oracle, engine.rollup().genesis.l1.number).await?;
    Ok(Outputs {
        oracle,
        next_output_index: next,
        finalization_period: u64::try_from(period).unwrap_or(u64::MAX),
        outputs,
        deletions,
    })
}
