//! Read-only execution: `eth_call` and `eth_estimateGas` semantics on a block's state.
//!
//! A call without fee fields runs as op-geth runs it: no gas fee, no L1 data fee, no base-fee
//! check, any nonce. With fee fields, fees are charged and checked like a real transaction's
//! (so an estimate fails where the transaction would fail for lack of funds).

use alloc::{
    format,
    string::{String, ToString},
    vec::Vec,
};
use alloy_consensus::Header;
use alloy_eips::eip2930::AccessList;
use alloy_evm::{Database, Evm, EvmFactory};
use alloy_op_evm::{OpTx, env::evm_env_for_op_block};
use alloy_primitives::{Address, Bytes, Log, TxKind, U256};
use op_revm::OpTransaction;
use revm::context::{TxEnv, result::ExecutionResult};

use crate::{error::ExecError, executor::OpBlockBuilder, interrupt::Interrupt};

/// A call, as `eth_call`/`eth_estimateGas` describe it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallRequest {
    /// The caller (zero address when absent).
    pub from: Address,
    /// Callee, or `Create`.
    pub to: TxKind,
    /// Gas limit (`None`: the block gas limit, capped).
    pub gas: Option<u64>,
    /// Legacy gas price.
    pub gas_price: Option<u128>,
    /// EIP-1559 fee cap.
    pub max_fee_per_gas: Option<u128>,
    /// EIP-1559 tip cap.
    pub max_priority_fee_per_gas: Option<u128>,
    /// Value sent.
    pub value: U256,
    /// Calldata or initcode.
    pub input: Bytes,
    /// Nonce to check (`None`: not checked).
    pub nonce: Option<u64>,
    /// EIP-2930 access list.
    pub access_list: AccessList,
}

/// How a call ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallOutcome {
    /// It returned.
    Success {
        /// Gas used (after refunds).
        gas_used: u64,
        /// Return data.
        output: Bytes,
        /// Logs emitted.
        logs: Vec<Log>,
    },
    /// It reverted.
    Revert {
        /// Gas used.
        gas_used: u64,
        /// Revert data.
        output: Bytes,
    },
    /// It halted (out of gas, invalid opcode …).
    Halt {
        /// Gas used.
        gas_used: u64,
        /// Why.
        reason: String,
    },
}

impl CallOutcome {
    /// Whether the call succeeded.
    pub const fn is_success(&self) -> bool {
        matches!(self, Self::Success { .. })
    }

    /// Gas used.
    pub const fn gas_used(&self) -> u64 {
        match self {
            Self::Success { gas_used, .. }
            | Self::Revert { gas_used, .. }
            | Self::Halt { gas_used, .. } => *gas_used,
        }
    }
}

impl OpBlockBuilder {
    /// Runs `req` in the context of block `header` on `db` (that block's post-state), with at
    /// most `gas_cap` gas. An invalid call (fee cap below base fee, lack of funds) is
    /// [`ExecError::InvalidTx`]; a revert or halt is an outcome.
    ///
    /// `stop` is asked every few thousand instructions; once it returns true the call halts
    /// and this returns [`ExecError::Interrupted`] (the RPC server's timeout).
    pub fn simulate<DB: Database>(
        &self,
        header: &Header,
        db: DB,
        req: &CallRequest,
        gas_cap: u64,
        stop: &dyn Fn() -> bool,
    ) -> Result<CallOutcome, ExecError> {
        let mut env = evm_env_for_op_block(header, *self.forks(), self.chain_id());
        relax_for_call(&mut env.cfg_env, req);
        let base = call_tx_env(req, header, self.chain_id(), gas_cap);
        // The L1 data fee is charged on the encoded tx; a call has none, so it pays the
        // minimum (and nothing at all when no fee fields are given).
        let tx = OpTransaction { base, enveloped_tx: Some(Bytes::new()), ..Default::default() };
        let mut evm = self.evm_factory().create_evm_with_inspector(db, env, Interrupt::new(stop));
        let out = evm.transact_raw(OpTx(tx)).map_err(invalid_call)?;
        if evm.inspector().fired {
            return Err(ExecError::Interrupted);
        }
        Ok(outcome(out.result))
    }
}

/// Which checks a call skips: without fee fields no fees are charged or checked (as geth);
/// the nonce is never checked (geth skips account checks in calls, so `cast send --nonce N`
/// can estimate a tx that queues behind pooled ones); calls may come "from" a contract.
pub(crate) fn relax_for_call<S>(cfg: &mut revm::context::CfgEnv<S>, req: &CallRequest) {
    let fees_given = req.gas_price.is_some() || req.max_fee_per_gas.is_some();
    cfg.disable_nonce_check = true;
    cfg.disable_base_fee = !fees_given;
    cfg.disable_fee_charge = !fees_given;
    cfg.disable_eip3607 = true;
}

/// The transaction a call runs as, with its gas capped by `gas_cap` and the block gas limit.
pub(crate) fn call_tx_env(
    req: &CallRequest,
    header: &Header,
    chain_id: u64,
    gas_cap: u64,
) -> TxEnv {
    let gas = req.gas.unwrap_or(header.gas_limit).min(gas_cap).min(header.gas_limit);
    let (gas_price, tip) = match (req.gas_price, req.max_fee_per_gas) {
        (Some(p), _) => (p, None),
        (None, Some(cap)) => (cap, Some(req.max_priority_fee_per_gas.unwrap_or(0).min(cap))),
        (None, None) => (0, None),
    };
    let tx_type = if req.max_fee_per_gas.is_some() {
        2
    } else if req.access_list.is_empty() {
        0
    } else {
        1
    };
    TxEnv {
        tx_type,
        caller: req.from,
        gas_limit: gas,
        gas_price,
        kind: req.to,
        value: req.value,
        data: req.input.clone(),
        nonce: req.nonce.unwrap_or_default(),
        chain_id: Some(chain_id),
        access_list: req.access_list.clone(),
        gas_priority_fee: tip,
        ..Default::default()
    }
}

/// A call the EVM refused before running it.
pub(crate) fn invalid_call(e: impl core::fmt::Display) -> ExecError {
    ExecError::InvalidTx { index: 0, hash: Default::default(), reason: e.to_string() }
}

/// How a run ended, as a [`CallOutcome`].
pub(crate) fn outcome<H: core::fmt::Debug>(result: ExecutionResult<H>) -> CallOutcome {
    match result {
        ExecutionResult::Success { gas, output, logs, .. } => {
            CallOutcome::Success { gas_used: gas.tx_gas_used(), output: output.into_data(), logs }
        }
        ExecutionResult::Revert { gas, output, .. } => {
            CallOutcome::Revert { gas_used: gas.tx_gas_used(), output }
        }
        ExecutionResult::Halt { gas, reason, .. } => {
            CallOutcome::Halt { gas_used: gas.tx_gas_used(), reason: format!("{reason:?}") }
        }
    }
}
