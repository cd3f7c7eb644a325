//! The challenger (OP's v1 model): every output on the L2OutputOracle that is not yet final is
//! compared with the output root a trusted node computes for the same L2 block, once that
//! node's safe (or finalized) head covers the block; the first that differs is deleted with
//! `deleteL2Outputs(index)`, which also deletes every later output. The honest proposer then
//! proposes again from the deleted block (it asks the oracle which block is next).
//!
//! Nothing is kept on disk: a restarted challenger finds the first output not yet final by a
//! binary search over the oracle (outputs are in time order) and checks from there. In memory
//! it keeps how far it has checked and the root it saw last, so each step reads only new
//! outputs, and a deletion or a replacement by someone else sends it back to check again.

mod trusted;

pub use trusted::{EngineOutputs, RollupRpcOutputs, TrustedOutputs};

use alloy_eips::BlockNumberOrTag;
use alloy_primitives::{Address, B256, U256};
use alloy_rpc_types_eth::TransactionRequest;
use alloy_sol_types::SolCall;
use lamina_l1::{
    chain::{L1Chain, L1Error},
    contracts::L2OutputOracle,
    txmgr::{TxCandidate, TxError, TxManager},
};
use lamina_protocol::{Classify, Severity};

use crate::rollup::RollupError;

/// Why a challenger step failed.
#[derive(Debug, thiserror::Error)]
pub enum ChallengerError {
    /// The trusted node's engine could not be read.
    #[error("trusted node: {0}")]
    Node(#[from] RollupError),
    /// The trusted node's rollup RPC could not be reached.
    #[error("rollup RPC: {0}")]
    RollupRpc(#[source] jsonrpsee::core::ClientError),
    /// The trusted node's rollup RPC answered something unreadable.
    #[error("rollup RPC answer: {0}")]
    RollupAnswer(&'static str),
    /// Reading L1 failed.
    #[error(transparent)]
    L1(#[from] L1Error),
    /// Sending the deletion failed.
    #[error(transparent)]
    Tx(#[from] TxError),
    /// The oracle's answer could not be decoded (a wrong address).
    #[error("L2OutputOracle at {0}: unreadable answer")]
    Oracle(Address),
    /// The deletion was included but reverted (the output became final first, or this key is
    /// not the oracle's challenger).
    #[error("deleteL2Outputs tx {0} reverted")]
    Reverted(B256),
}

impl Classify for ChallengerError {
    fn severity(&self) -> Severity {
        match self {
            Self::Node(e) => e.severity(),
            Self::RollupRpc(_) => Severity::Temporary,
            Self::L1(e) if e.is_temporary() => Severity::Temporary,
            Self::Tx(e) if e.is_temporary() => Severity::Temporary,
            // Usually a race (the proposer replaced the output, or it became final): the next
            // step reads the oracle again.
            Self::Reverted(_) => Severity::Temporary,
            Self::RollupAnswer(_) | Self::L1(_) | Self::Tx(_) | Self::Oracle(_) => {
                Severity::Critical
            }
        }
    }
}

/// One deletion made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deleted {
    /// The output index deleted (and every later one with it).
    pub index: u64,
    /// Its L2 block.
    pub l2_block: u64,
    /// The root the oracle held.
    pub bad_root: B256,
    /// The root the trusted node computes.
    pub good_root: B256,
    /// Gas the deletion used.
    pub gas_used: u64,
}

/// An output as the oracle holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Proposal {
    root: B256,
    timestamp: u64,
    l2_block: u64,
}

/// How far the outputs were checked: every index below `next` is right or final, and the one
/// just below held `root` (so a replacement under us is noticed).
#[derive(Debug, Clone, Copy)]
struct Checked {
    next: u64,
    root: Option<B256>,
}

/// A challenger of the oracle on L1 chain `C`, trusting node `T`.
#[derive(Debug)]
pub struct Challenger<C, T> {
    trusted: T,
    txmgr: TxManager<C>,
    oracle: Address,
    /// The oracle's finalization period, read once.
    period: Option<u64>,
    checked: Option<Checked>,
}

impl<C: L1Chain, T: TrustedOutputs> Challenger<C, T> {
    /// A challenger sending through `txmgr` (the oracle's challenger key) to `oracle`.
    pub const fn new(trusted: T, txmgr: TxManager<C>, oracle: Address) -> Self {
        Self { trusted, txmgr, oracle, period: None, checked: None }
    }

    async fn read<K: SolCall>(&self, call: K) -> Result<K::Return, ChallengerError> {
        let tx = TransactionRequest::default().to(self.oracle).input(call.abi_encode().into());
        let out = self.txmgr.chain().call(tx).await?;
        K::abi_decode_returns(&out).map_err(|_| ChallengerError::Oracle(self.oracle))
    }

    fn number<N: TryInto<u64>>(&self, v: N) -> Result<u64, ChallengerError> {
        v.try_into().map_err(|_| ChallengerError::Oracle(self.oracle))
    }

    async fn proposal(&self, index: u64) -> Result<Proposal, ChallengerError> {
        let call = L2OutputOracle::getL2OutputCall { _l2OutputIndex: U256::from(index) };
        let p = self.read(call).await?;
        Ok(Proposal {
            root: p.outputRoot,
            timestamp: self.number(p.timestamp)?,
            l2_block: self.number(p.l2BlockNumber)?,
        })
    }

    async fn period(&mut self) -> Result<u64, ChallengerError> {
        if let Some(p) = self.period {
            return Ok(p);
        }
        let p = self.read(L2OutputOracle::finalizationPeriodSecondsCall {}).await?;
        let p = self.number(p)?;
        self.period = Some(p);
        Ok(p)
    }

    /// The first index in `0..next` whose output is not final at L1 time `now`.
    async fn first_open(&self, next: u64, now: u64, period: u64) -> Result<u64, ChallengerError> {
        let (mut lo, mut hi) = (0, next);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.proposal(mid).await?.timestamp + period <= now {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        Ok(lo)
    }

    /// Where this step starts: after what was checked, unless outputs were deleted or
    /// replaced since (or this is the first step), then at the first output not yet final.
    async fn start(&self, next: u64, now: u64, period: u64) -> Result<Checked, ChallengerError> {
        if let Some(c) = self.checked
            && c.next <= next
        {
            let same = match (c.next.checked_sub(1), c.root) {
                (Some(i), Some(root)) => self.proposal(i).await?.root == root,
                _ => true,
            };
            if same {
                return Ok(c);
            }
        }
        Ok(Checked { next: self.first_open(next, now, period).await?, root: None })
    }

    /// Checks the outputs not yet final and deletes the first wrong one; `None` when every
    /// output the trusted node covers is right.
    pub async fn step(&mut self) -> Result<Option<Deleted>, ChallengerError> {
        let period = self.period().await?;
        let next = self.read(L2OutputOracle::nextOutputIndexCall {}).await?;
        let next = self.number(next)?;
        let Some(now) = self.txmgr.chain().header(BlockNumberOrTag::Latest).await? else {
            return Ok(None);
        };
        let now = now.timestamp;
        let mut at = self.start(next, now, period).await?;
        let head = self.trusted.trusted_head().await?;
        while at.next < next {
            let i = at.next;
            let p = self.proposal(i).await?;
            let open = p.timestamp + period > now;
            if open && p.l2_block > head {
                self.warn_if_late(i, &p, head, now, period);
                break;
            }
            // A final output is no longer ours to judge.
            if open {
                let good = self.trusted.output_root(p.l2_block).await?;
                if good != p.root {
                    // Everything from `i` on goes; what the proposer puts there is checked anew.
                    self.checked = None;
                    let gas_used = self.delete(i, &p, good).await?;
                    let (bad_root, good_root) = (p.root, good);
                    return Ok(Some(Deleted {
                        index: i,
                        l2_block: p.l2_block,
                        bad_root,
                        good_root,
                        gas_used,
                    }));
                }
            }
            at = Checked { next: i + 1, root: Some(p.root) };
        }
        self.checked = Some(at);
        Ok(None)
    }

    fn warn_if_late(&self, index: u64, p: &Proposal, head: u64, now: u64, period: u64) {
        let left = (p.timestamp + period).saturating_sub(now);
        if left < period / 4 {
            tracing::warn!(
                target: "lamina::challenger",
                index,
                l2_block = p.l2_block,
                trusted_head = head,
                seconds_left = left,
                "the trusted node lags: this output becomes final unchecked soon"
            );
        }
    }

    async fn delete(&self, index: u64, p: &Proposal, good: B256) -> Result<u64, ChallengerError> {
        tracing::warn!(
            target: "lamina::challenger",
            index,
            l2_block = p.l2_block,
            bad = %p.root,
            %good,
            "wrong output: deleting it"
        );
        let call = L2OutputOracle::deleteL2OutputsCall { _l2OutputIndex: U256::from(index) };
        let receipt = self.txmgr.send(TxCandidate::call(self.oracle, call.abi_encode())).await?;
        if !receipt.status() {
            return Err(ChallengerError::Reverted(receipt.transaction_hash));
        }
        tracing::info!(
            target: "lamina::challenger",
            index,
            l2_block = p.l2_block,
            gas = receipt.gas_used,
            "output deleted"
        );
        crate::metrics::deleted(index);
        Ok(receipt.gas_used)
    }
}
