//! The user's side of the bridge, for any Lamina (or OP-style L2OutputOracle) chain: deposits
//! through the OptimismPortal, withdrawals started on the L2ToL1MessagePasser, and each
//! withdrawal's status, proof and finalization on L1 — what `lamina deposit`, `lamina withdraw`
//! and `lamina withdrawal status|prove|finalize` do, with the statuses viem reports.
//!
//! L1 is any [`L1Chain`]; L2 is an Ethereum JSON-RPC node ([`RpcL1`] speaks it), which must
//! serve `eth_getProof` at the output's block.

use alloy_eips::BlockNumberOrTag;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256};
use alloy_provider::Provider;
use alloy_rpc_types_eth::{TransactionReceipt, TransactionRequest};
use alloy_sol_types::{SolCall, SolEvent, sol};
use lamina_protocol::{
    deposit::decode_deposit_log,
    predeploys::L2_TO_L1_MESSAGE_PASSER,
    withdrawal::{WithdrawalTransaction, decode_message_passed, sent_messages_slot},
};

use crate::{
    chain::{L1Chain, L1Error, RpcL1},
    contracts::{L2OutputOracle, OptimismPortal, OutputRootProof},
    txmgr::{TxCandidate, TxError, TxManager},
};

sol! {
    /// The L2 predeploy withdrawals start at (the part a user calls).
    interface IL2ToL1MessagePasser {
        function initiateWithdrawal(address _target, uint256 _gasLimit, bytes _data) external payable;
    }
}

/// Why a bridge operation failed.
#[derive(Debug, thiserror::Error)]
pub enum BridgeError {
    /// A chain could not be read.
    #[error(transparent)]
    Chain(#[from] L1Error),
    /// A tx could not be sent.
    #[error(transparent)]
    Tx(#[from] TxError),
    /// A tx was mined but reverted.
    #[error("tx {0} reverted")]
    Reverted(B256),
    /// The L2 tx is unknown or holds no withdrawal.
    #[error("{0}")]
    NotAWithdrawal(String),
    /// The L1 receipt holds no deposit.
    #[error("tx {0} emitted no TransactionDeposited event")]
    NoDeposit(B256),
    /// The withdrawal cannot take this step yet (or any more).
    #[error("withdrawal is {0}")]
    WrongStatus(WithdrawalStatus),
    /// An answer did not decode.
    #[error("malformed answer: {0}")]
    Malformed(String),
}

/// Where a withdrawal stands, in viem's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WithdrawalStatus {
    /// No output covers its L2 block yet.
    WaitingToProve,
    /// An output covers it; not proven.
    ReadyToProve,
    /// Proven; the finalization period has not passed (seconds left, by L1 time).
    WaitingToFinalize(u64),
    /// Proven and past the period.
    ReadyToFinalize,
    /// Done.
    Finalized,
}

impl std::fmt::Display for WithdrawalStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::WaitingToProve => f.write_str("waiting-to-prove"),
            Self::ReadyToProve => f.write_str("ready-to-prove"),
            Self::WaitingToFinalize(s) => write!(f, "waiting-to-finalize ({s} s left)"),
            Self::ReadyToFinalize => f.write_str("ready-to-finalize"),
            Self::Finalized => f.write_str("finalized"),
        }
    }
}

/// A deposit sent on L1.
#[derive(Debug, Clone)]
pub struct Deposit {
    /// The L1 tx's receipt.
    pub l1: TransactionReceipt,
    /// The hash of the deposit tx it makes on L2.
    pub l2_tx: B256,
}

/// A withdrawal found in an L2 receipt.
#[derive(Debug, Clone)]
pub struct Withdrawal {
    /// What the message passer recorded.
    pub tx: WithdrawalTransaction,
    /// Its hash.
    pub hash: B256,
    /// The L2 block it is in.
    pub l2_block: u64,
}

/// A user of the bridge: an L1 and an L2 account under one key.
#[derive(Debug)]
pub struct Bridge<C> {
    l1: TxManager<C>,
    l2: TxManager<RpcL1>,
    portal: Address,
    oracle: Address,
}

impl<C: L1Chain> Bridge<C> {
    /// A bridge sending from `l1`'s and `l2`'s account to the chain with these contracts.
    pub const fn new(
        l1: TxManager<C>,
        l2: TxManager<RpcL1>,
        portal: Address,
        oracle: Address,
    ) -> Self {
        Self { l1, l2, portal, oracle }
    }

    /// Deposits `value` wei (minted on L2) to `to`, running `data` there with `gas_limit`.
    pub async fn deposit(
        &self,
        to: Address,
        value: U256,
        gas_limit: u64,
        data: Bytes,
    ) -> Result<Deposit, BridgeError> {
        let call = OptimismPortal::depositTransactionCall {
            _to: to,
            _value: value,
            _gasLimit: gas_limit,
            _isCreation: false,
            _data: data,
        };
        let receipt = self.send_l1(self.portal, call.abi_encode(), value).await?;
        let block = receipt.block_hash.ok_or(BridgeError::NoDeposit(receipt.transaction_hash))?;
        let log = receipt
            .inner
            .logs()
            .iter()
            .find(|l| {
                l.address() == self.portal
                    && l.topics().first()
                        == Some(&OptimismPortal::TransactionDeposited::SIGNATURE_HASH)
            })
            .ok_or(BridgeError::NoDeposit(receipt.transaction_hash))?;
        let index = log.log_index.ok_or(BridgeError::NoDeposit(receipt.transaction_hash))?;
        let deposit = decode_deposit_log(&log.inner, block, index)
            .map_err(|e| BridgeError::Malformed(e.to_string()))?;
        Ok(Deposit { l1: receipt, l2_tx: deposit.tx_hash() })
    }

    /// Waits (at most `timeout`) for L2 tx `hash` — a deposit, say — to be mined; returns
    /// its block and whether it succeeded. Read as plain JSON: alloy's Ethereum receipt type
    /// does not know the deposit type (0x7e).
    pub async fn wait_l2(
        &self,
        hash: B256,
        timeout: std::time::Duration,
    ) -> Result<(u64, bool), BridgeError> {
        let start = std::time::Instant::now();
        loop {
            let r: Option<serde_json::Value> = self
                .l2
                .chain()
                .provider()
                .raw_request("eth_getTransactionReceipt".into(), (hash,))
                .await
                .map_err(|e| BridgeError::Malformed(format!("L2 receipt of {hash}: {e}")))?;
            if let Some(r) = r.filter(|r| !r["blockNumber"].is_null()) {
                let quantity = |k: &str| {
                    r[k].as_str()
                        .and_then(|v| u64::from_str_radix(v.trim_start_matches("0x"), 16).ok())
                        .ok_or_else(|| BridgeError::Malformed(format!("receipt {k}: {r}")))
                };
                return Ok((quantity("blockNumber")?, quantity("status")? == 1));
            }
            if start.elapsed() > timeout {
                return Err(BridgeError::Malformed(format!("{hash} not on L2 after {timeout:?}")));
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    }

    /// Starts a withdrawal of `value` wei to `to` on L1, which will run `data` there with
    /// `gas_limit`; returns the L2 receipt.
    pub async fn withdraw(
        &self,
        to: Address,
        value: U256,
        gas_limit: u64,
        data: Bytes,
    ) -> Result<(TransactionReceipt, Withdrawal), BridgeError> {
        let call = IL2ToL1MessagePasser::initiateWithdrawalCall {
            _target: to,
            _gasLimit: U256::from(gas_limit),
            _data: data,
        };
        let candidate = TxCandidate {
            to: TxKind::Call(L2_TO_L1_MESSAGE_PASSER),
            input: call.abi_encode().into(),
            value,
            gas_limit: None,
            blobs: None,
        };
        let receipt = self.l2.send(candidate).await?;
        if !receipt.status() {
            return Err(BridgeError::Reverted(receipt.transaction_hash));
        }
        let withdrawal = withdrawal_in(&receipt)?;
        Ok((receipt, withdrawal))
    }

    /// The withdrawal started by L2 tx `hash`.
    pub async fn withdrawal(&self, hash: B256) -> Result<Withdrawal, BridgeError> {
        let receipt = self
            .l2
            .chain()
            .receipt(hash)
            .await?
            .ok_or_else(|| BridgeError::NotAWithdrawal(format!("no L2 receipt for {hash}")))?;
        withdrawal_in(&receipt)
    }

    /// Where `w` stands.
    pub async fn status(&self, w: &Withdrawal) -> Result<WithdrawalStatus, BridgeError> {
        withdrawal_status(self.l1.chain(), self.portal, self.oracle, w.l2_block, w.hash).await
    }

    /// Proves `w` against the first output covering its block.
    pub async fn prove(&self, w: &Withdrawal) -> Result<TransactionReceipt, BridgeError> {
        let status = self.status(w).await?;
        if status != WithdrawalStatus::ReadyToProve {
            return Err(BridgeError::WrongStatus(status));
        }
        let (index, output) =
            self.output_after(w.l2_block).await?.ok_or(BridgeError::WrongStatus(status))?;
        let block = u64::try_from(output.l2BlockNumber).unwrap_or(u64::MAX);
        let l2 = self.l2.chain();
        let header = l2.header(BlockNumberOrTag::Number(block)).await?.ok_or_else(|| {
            BridgeError::Malformed(format!("L2 block {block} of the output is unknown"))
        })?;
        let proof = l2
            .provider()
            .get_proof(L2_TO_L1_MESSAGE_PASSER, vec![sent_messages_slot(w.hash)])
            .block_id(block.into())
            .await
            .map_err(|e| {
                BridgeError::Malformed(format!("eth_getProof at L2 block {block}: {e}"))
            })?;
        let storage = proof.storage_proof.first().ok_or_else(|| {
            BridgeError::Malformed("eth_getProof returned no storage proof".into())
        })?;
        let call = OptimismPortal::proveWithdrawalTransactionCall {
            _tx: w.tx.clone().into(),
            _l2OutputIndex: index,
            _outputRootProof: OutputRootProof {
                version: B256::ZERO,
                stateRoot: header.state_root,
                messagePasserStorageRoot: proof.storage_hash,
                latestBlockhash: header.hash(),
            },
            _withdrawalProof: storage.proof.clone(),
        };
        self.send_l1(self.portal, call.abi_encode(), U256::ZERO).await
    }

    /// Finalizes a proven `w` once its period has passed; returns the receipt and whether the
    /// withdrawal's call succeeded on L1 (a failed call is final too: its value stays in the
    /// portal, as OP's portal does).
    pub async fn finalize(
        &self,
        w: &Withdrawal,
    ) -> Result<(TransactionReceipt, bool), BridgeError> {
        let status = self.status(w).await?;
        if status != WithdrawalStatus::ReadyToFinalize {
            return Err(BridgeError::WrongStatus(status));
        }
        let call = OptimismPortal::finalizeWithdrawalTransactionCall { _tx: w.tx.clone().into() };
        let receipt = self.send_l1(self.portal, call.abi_encode(), U256::ZERO).await?;
        let success = receipt
            .inner
            .logs()
            .iter()
            .filter(|l| l.address() == self.portal)
            .find_map(|l| OptimismPortal::WithdrawalFinalized::decode_log_data(&l.inner.data).ok())
            .is_some_and(|e| e.success);
        Ok((receipt, success))
    }

    /// The index and proposal of the first output at or after L2 block `n`, if any.
    async fn output_after(
        &self,
        n: u64,
    ) -> Result<Option<(U256, crate::contracts::OutputProposal)>, BridgeError> {
        output_after(self.l1.chain(), self.oracle, n).await
    }

    async fn send_l1(
        &self,
        to: Address,
        input: Vec<u8>,
        value: U256,
    ) -> Result<TransactionReceipt, BridgeError> {
        let candidate = TxCandidate {
            to: TxKind::Call(to),
            input: input.into(),
            value,
            gas_limit: None,
            blobs: None,
        };
        let receipt = self.l1.send(candidate).await?;
        if !receipt.status() {
            return Err(BridgeError::Reverted(receipt.transaction_hash));
        }
        Ok(receipt)
    }
}

/// The first withdrawal in an L2 receipt.
fn withdrawal_in(receipt: &TransactionReceipt) -> Result<Withdrawal, BridgeError> {
    let hash = receipt.transaction_hash;
    let l2_block = receipt
        .block_number
        .ok_or_else(|| BridgeError::NotAWithdrawal(format!("{hash} is not mined")))?;
    receipt
        .inner
        .logs()
        .iter()
        .filter(|l| l.address() == L2_TO_L1_MESSAGE_PASSER)
        .find_map(|l| decode_message_passed(&l.inner).ok())
        .map(|(tx, hash)| Withdrawal { tx, hash, l2_block })
        .ok_or_else(|| BridgeError::NotAWithdrawal(format!("{hash} started no withdrawal")))
}

/// Where the withdrawal `hash`, started in L2 block `l2_block`, stands on L1: read-only, so
/// anything with an L1 connection (an explorer, a monitor) can ask without a key.
pub async fn withdrawal_status<C: L1Chain>(
    chain: &C,
    portal: Address,
    oracle: Address,
    l2_block: u64,
    hash: B256,
) -> Result<WithdrawalStatus, BridgeError> {
    let finalized = OptimismPortal::finalizedWithdrawalsCall(hash);
    if read(chain, portal, &finalized).await? {
        return Ok(WithdrawalStatus::Finalized);
    }
    if output_after(chain, oracle, l2_block).await?.is_none() {
        return Ok(WithdrawalStatus::WaitingToProve);
    }
    let proven = read(chain, portal, &OptimismPortal::provenWithdrawalsCall(hash)).await?;
    if proven.timestamp == 0 {
        return Ok(WithdrawalStatus::ReadyToProve);
    }
    let period: U256 =
        read(chain, oracle, &L2OutputOracle::FINALIZATION_PERIOD_SECONDSCall {}).await?;
    let period = u64::try_from(period).map_err(|e| BridgeError::Malformed(e.to_string()))?;
    let now = chain
        .header(BlockNumberOrTag::Latest)
        .await?
        .map(|h| h.timestamp)
        .ok_or_else(|| BridgeError::Malformed("L1 has no head".into()))?;
    // The portal wants block time strictly past proof time + period; calls and gas
    // estimates run at the head's time, so the head must be past it.
    let ready_after = u64::try_from(proven.timestamp).unwrap_or(u64::MAX).saturating_add(period);
    Ok(if now > ready_after {
        WithdrawalStatus::ReadyToFinalize
    } else {
        WithdrawalStatus::WaitingToFinalize(ready_after + 1 - now)
    })
}

/// The first output at or above L2 block `n` and its index; `None` while none covers it.
pub async fn output_after<C: L1Chain>(
    chain: &C,
    oracle: Address,
    n: u64,
) -> Result<Option<(U256, crate::contracts::OutputProposal)>, BridgeError> {
    let call = L2OutputOracle::getL2OutputIndexAfterCall { _l2BlockNumber: U256::from(n) };
    let index = match read(chain, oracle, &call).await {
        Ok(i) => i,
        // "cannot get output for a block that has not been proposed"
        Err(BridgeError::Chain(L1Error::Reverted { .. })) => return Ok(None),
        Err(e) => return Err(e),
    };
    let output =
        read(chain, oracle, &L2OutputOracle::getL2OutputCall { _l2OutputIndex: index }).await?;
    Ok(Some((index, output)))
}

/// Calls a view function of `to` on L1's head.
pub async fn read<C: L1Chain, T: SolCall>(
    chain: &C,
    to: Address,
    call: &T,
) -> Result<T::Return, BridgeError> {
    let req = TransactionRequest::default().to(to).input(call.abi_encode().into());
    let out = chain.call(req).await?;
    T::abi_decode_returns(&out).map_err(|e| BridgeError::Malformed(e.to_string()))
}
