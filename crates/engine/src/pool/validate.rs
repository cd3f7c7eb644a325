//! Admission checks of a raw transaction against the head state, with errors worded as
//! Ethereum clients word them (wallets and scripts match on "nonce too low" and friends).

use alloy_consensus::{Transaction, transaction::SignerRecoverable};
use alloy_eips::eip2718::Decodable2718;
use alloy_primitives::{Address, Bytes, U256};
use op_alloy_consensus::OpTxEnvelope;
use op_revm::{L1BlockInfo, OpSpecId};
use revm::{context_interface::cfg::gas::calculate_initial_tx_gas, database::WrapDatabaseRef};

use crate::StateView;

/// Why the pool refused a transaction. Nothing about the pool changes when it does.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PoolError {
    /// Not a decodable EIP-2718 transaction.
    #[error("transaction decoding failed: {0}")]
    Decode(String),
    /// Deposits only come from L1 through derivation.
    #[error("deposit transactions cannot be submitted to the pool")]
    Deposit,
    /// Larger than the pool accepts.
    #[error("oversized data: transaction size {size}, limit {limit}")]
    Oversized {
        /// Encoded size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// Signed for another chain, or without replay protection.
    #[error("invalid chain id: have {have:?}, want {want}")]
    ChainId {
        /// The tx's chain id (`None`: unprotected).
        have: Option<u64>,
        /// This chain's.
        want: u64,
    },
    /// The signature does not recover.
    #[error("invalid sender: {0}")]
    Signature(String),
    /// Gas limit below the intrinsic gas.
    #[error("intrinsic gas too low: have {have}, want {want}")]
    IntrinsicGas {
        /// The tx's gas limit.
        have: u64,
        /// Its intrinsic gas.
        want: u64,
    },
    /// Gas limit above the block gas limit.
    #[error("exceeds block gas limit: {gas} > {limit}")]
    GasLimit {
        /// The tx's gas limit.
        gas: u64,
        /// The block's.
        limit: u64,
    },
    /// The priority fee exceeds the fee cap.
    #[error("max priority fee per gas higher than max fee per gas")]
    TipAboveFeeCap,
    /// The fee cap is below the next block's base fee.
    #[error(
        "max fee per gas less than block base fee: maxFeePerGas: {fee_cap}, baseFee: {base_fee}"
    )]
    FeeCapBelowBaseFee {
        /// The tx's fee cap.
        fee_cap: u128,
        /// The next block's base fee.
        base_fee: u64,
    },
    /// The priority fee is below the pool's minimum.
    #[error("transaction underpriced: tip {tip} below the minimum {min}")]
    Underpriced {
        /// The tx's priority fee.
        tip: u128,
        /// The pool's minimum.
        min: u128,
    },
    /// The nonce was already used.
    #[error("nonce too low: next nonce {next}, tx nonce {nonce}")]
    NonceTooLow {
        /// The account's next nonce.
        next: u64,
        /// The tx's.
        nonce: u64,
    },
    /// Too far ahead of the account's nonce.
    #[error("nonce too high: next nonce {next}, tx nonce {nonce}")]
    NonceTooHigh {
        /// The account's next nonce.
        next: u64,
        /// The tx's.
        nonce: u64,
    },
    /// The balance does not cover value + gas × fee cap + the L1 data fee (of this tx and of
    /// the sender's other pooled txs).
    #[error("insufficient funds for gas * price + value + l1 fee: balance {balance}, cost {cost}")]
    InsufficientFunds {
        /// The sender's balance.
        balance: U256,
        /// What the tx may cost.
        cost: U256,
    },
    /// The same transaction is already in the pool.
    #[error("already known")]
    AlreadyKnown,
    /// A tx with the same sender and nonce is in the pool and this one does not pay enough
    /// more.
    #[error("replacement transaction underpriced")]
    ReplacementUnderpriced,
    /// The sender has too many txs in the pool.
    #[error("too many transactions from {0} in the pool")]
    SenderFull(Address),
    /// The pool is full and the tx pays too little to evict another.
    #[error("txpool is full")]
    PoolFull,
    /// The state could not be read.
    #[error("state: {0}")]
    State(String),
}

/// What validation needs to know of the chain: the block the tx would go in next.
#[derive(Debug, Clone, Copy)]
pub struct PoolEnv {
    /// The L2 chain id.
    pub chain_id: u64,
    /// The next block's number.
    pub number: u64,
    /// The next block's base fee.
    pub base_fee: u64,
    /// The block gas limit.
    pub gas_limit: u64,
    /// The rules of the next block.
    pub spec: OpSpecId,
}

/// A transaction that passed validation.
#[derive(Debug, Clone)]
pub struct ValidTx {
    /// The recovered sender.
    pub sender: Address,
    /// The decoded tx.
    pub tx: OpTxEnvelope,
    /// Its EIP-2718 bytes.
    pub raw: Bytes,
    /// The sender's next nonce in the head state.
    pub state_nonce: u64,
    /// The sender's balance in the head state.
    pub balance: U256,
    /// The most the tx can cost: value + gas × fee cap + its L1 and operator fees.
    pub cost: U256,
}

/// Checks `raw` against the head state `view` for the next block described by `env`.
pub fn validate(
    raw: &Bytes,
    env: &PoolEnv,
    view: &StateView,
    max_size: usize,
    min_tip: u128,
    max_nonce_gap: u64,
) -> Result<ValidTx, PoolError> {
    if raw.len() > max_size {
        return Err(PoolError::Oversized { size: raw.len(), limit: max_size });
    }
    let tx = OpTxEnvelope::decode_2718_exact(raw).map_err(|e| PoolError::Decode(e.to_string()))?;
    if matches!(tx, OpTxEnvelope::Deposit(_)) {
        return Err(PoolError::Deposit);
    }
    if tx.chain_id() != Some(env.chain_id) {
        return Err(PoolError::ChainId { have: tx.chain_id(), want: env.chain_id });
    }
    let gas = tx.gas_limit();
    if gas > env.gas_limit {
        return Err(PoolError::GasLimit { gas, limit: env.gas_limit });
    }
    let access = tx.access_list();
    let (accounts, keys) = access
        .map_or((0, 0), |l| (l.len() as u64, l.iter().map(|i| i.storage_keys.len() as u64).sum()));
    let auths = tx.authorization_list().map_or(0, |a| a.len() as u64);
    let intrinsic = calculate_initial_tx_gas(
        env.spec.into_eth_spec(),
        tx.input(),
        tx.kind().is_create(),
        accounts,
        keys,
        auths,
    );
    let want = intrinsic.initial_total_gas.max(intrinsic.floor_gas);
    if gas < want {
        return Err(PoolError::IntrinsicGas { have: gas, want });
    }
    let fee_cap = tx.max_fee_per_gas();
    let tip = tx.max_priority_fee_per_gas().unwrap_or(fee_cap);
    if tip > fee_cap {
        return Err(PoolError::TipAboveFeeCap);
    }
    if fee_cap < u128::from(env.base_fee) {
        return Err(PoolError::FeeCapBelowBaseFee { fee_cap, base_fee: env.base_fee });
    }
    if tip < min_tip {
        return Err(PoolError::Underpriced { tip, min: min_tip });
    }
    let sender = tx.recover_signer().map_err(|e| PoolError::Signature(e.to_string()))?;
    let account = view.account(&sender).map_err(|e| PoolError::State(e.to_string()))?;
    let (next, balance) = account.map_or((0, U256::ZERO), |a| (a.nonce, a.balance));
    let nonce = tx.nonce();
    if nonce < next {
        return Err(PoolError::NonceTooLow { next, nonce });
    }
    if nonce - next > max_nonce_gap {
        return Err(PoolError::NonceTooHigh { next, nonce });
    }
    let mut l1 =
        L1BlockInfo::try_fetch(&mut WrapDatabaseRef(view), U256::from(env.number), env.spec)
            .map_err(|e| PoolError::State(e.to_string()))?;
    let l1_fee = l1.calculate_tx_l1_cost(raw, env.spec)
        + l1.operator_fee_charge(raw, U256::from(gas), env.spec);
    let cost = U256::from(gas) * U256::from(fee_cap) + tx.value() + l1_fee;
    if balance < cost {
        return Err(PoolError::InsufficientFunds { balance, cost });
    }
    Ok(ValidTx { sender, tx, raw: raw.clone(), state_nonce: next, balance, cost })
}
