//! The proposer: every submission interval, the output root (v0) of the L2 block the
//! L2OutputOracle expects next is proposed on L1 once that block is finalized (or, with
//! `allow_non_finalized`, as op-proposer names it, once it is safe). The oracle itself says which block is next, so a restarted proposer resumes
//! exactly where the chain of outputs stands.

use alloy_eips::BlockNumberOrTag;
use alloy_primitives::{Address, B256, U256, keccak256};
use alloy_rpc_types_eth::TransactionRequest;
use alloy_sol_types::SolCall;
use lamina_l1::{
    chain::{L1Chain, L1Error},
    contracts::L2OutputOracle,
    txmgr::{TxCandidate, TxError, TxManager},
};
use lamina_protocol::{Classify, Severity};

use crate::rollup::{ExecutionEngine, RollupError, rpc::output_at};

/// What the proposer proposes.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProposerConfig {
    /// Propose safe blocks too, not only finalized ones. Off by default: an output of a block
    /// whose batch an L1 reorg can still remove may turn out wrong, and a wrong output invites
    /// a challenge (or, unchallenged, a bad withdrawal).
    pub allow_non_finalized: bool,
    /// Testing the challenger only: every `n`th proposal of this proposer carries a wrong
    /// root (the hash of the right one). Never set outside tests and dev chains.
    pub corrupt_every: Option<u64>,
}

/// Why a proposer step failed.
#[derive(Debug, thiserror::Error)]
pub enum ProposerError {
    /// Reading the L2 chain failed.
    #[error(transparent)]
    L2(#[from] RollupError),
    /// Reading L1 failed.
    #[error(transparent)]
    L1(#[from] L1Error),
    /// Sending the proposal failed.
    #[error(transparent)]
    Tx(#[from] TxError),
    /// The oracle's answer could not be decoded (a wrong address).
    #[error("L2OutputOracle at {0}: unreadable answer")]
    Oracle(Address),
    /// The proposal was included but reverted.
    #[error("proposal tx {0} reverted")]
    Reverted(B256),
}

/// One proposal made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Proposed {
    /// The L2 block.
    pub l2_block: u64,
    /// Its output root.
    pub output_root: B256,
}

/// A proposer for engine `E`'s chain, posting to the oracle on L1 chain `C`.
#[derive(Debug)]
pub struct Proposer<C, E> {
    engine: E,
    txmgr: TxManager<C>,
    oracle: Address,
    config: ProposerConfig,
    /// Proposals made (for `corrupt_every`).
    proposed: u64,
}

impl<C: L1Chain, E: ExecutionEngine> Proposer<C, E> {
    /// A proposer sending through `txmgr` (the proposer key) to `oracle`.
    pub const fn new(
        engine: E,
        txmgr: TxManager<C>,
        oracle: Address,
        config: ProposerConfig,
    ) -> Self {
        Self { engine, txmgr, oracle, config, proposed: 0 }
    }

    /// The L2 block the oracle expects next.
    pub async fn next_block(&self) -> Result<u64, ProposerError> {
        let call = TransactionRequest::default()
            .to(self.oracle)
            .input(L2OutputOracle::nextBlockNumberCall {}.abi_encode().into());
        let out = self.txmgr.chain().call(call).await?;
        let next = L2OutputOracle::nextBlockNumberCall::abi_decode_returns(&out)
            .map_err(|_| ProposerError::Oracle(self.oracle))?;
        u64::try_from(next).map_err(|_| ProposerError::Oracle(self.oracle))
    }

    /// Proposes the next output if its block is finalized (or safe, when allowed) yet; `None`
    /// otherwise.
    pub async fn step(&mut self) -> Result<Option<Proposed>, ProposerError> {
        let next = self.next_block().await?;
        let heads = self.engine.heads().await?;
        let ready = if self.config.allow_non_finalized { heads.safe } else { heads.finalized };
        if ready.number < next {
            return Ok(None);
        }
        let (output, _) = output_at(&self.engine, next).await?;
        self.proposed += 1;
        let root = match self.config.corrupt_every {
            Some(n) if n > 0 && self.proposed.is_multiple_of(n) => {
                tracing::warn!(target: "lamina::proposer", l2_block = next, "proposing a wrong root (corrupt-output-every)");
                keccak256(output.hash())
            }
            _ => output.hash(),
        };
        // Anchor to the L1 head's parent: the proposal is void if L1 reorgs under it. Not the
        // head itself: gas estimation runs in the head's context, where its own hash reads 0.
        let head = self.txmgr.chain().header(BlockNumberOrTag::Latest).await?;
        let (l1_hash, l1_number) = match head {
            Some(h) if h.number > 0 => (h.parent_hash, h.number - 1),
            _ => (B256::ZERO, 0),
        };
        let call = L2OutputOracle::proposeL2OutputCall {
            _outputRoot: root,
            _l2BlockNumber: U256::from(next),
            _l1BlockHash: l1_hash,
            _l1BlockNumber: U256::from(l1_number),
        };
        let receipt = self.txmgr.send(TxCandidate::call(self.oracle, call.abi_encode())).await?;
        if !receipt.status() {
            return Err(ProposerError::Reverted(receipt.transaction_hash));
        }
        tracing::info!(target: "lamina::proposer", l2_block = next, %root, "output proposed");
        crate::metrics::proposed(next);
        Ok(Some(Proposed { l2_block: next, output_root: root }))
    }
}

impl Classify for ProposerError {
    fn severity(&self) -> Severity {
        match self {
            Self::L2(e) => e.severity(),
            Self::L1(e) if e.is_temporary() => Severity::Temporary,
            Self::Tx(e) if e.is_temporary() => Severity::Temporary,
            // A reverted proposal is usually a race with another proposer or a reorg: retry.
            Self::Reverted(_) => Severity::Temporary,
            Self::L1(_) | Self::Tx(_) | Self::Oracle(_) => Severity::Critical,
        }
    }
}
