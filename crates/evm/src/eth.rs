//! Plain Ethereum (Prague) block building, for the embedded dev L1: the same shape as
//! [`crate::OpBlockBuilder`] on alloy-evm's Ethereum executor (EIP-4788 beacon roots, EIP-2935
//! block hashes, EIP-7685 requests), with Ethereum's header rules: 1559 base fee
//! (denominator 8, elasticity 2), blob gas accounting under Prague's blob parameters, empty
//! withdrawals and the requests hash.

use alloc::borrow::Cow;

use alloy_consensus::{
    EMPTY_OMMER_ROOT_HASH, Header, ReceiptEnvelope, TxEnvelope,
    proofs::{calculate_transaction_root, ordered_trie_root_with_encoder},
    transaction::{Recovered, SignerRecoverable},
};
use alloy_eips::{
    eip1559::BaseFeeParams,
    eip2718::{Decodable2718, Encodable2718, WithEncoded},
    eip7840::BlobParams,
};
use alloy_evm::{
    Database, Evm, EvmEnv, EvmFactory,
    block::BlockExecutorFactory as _,
    eth::{
        EthBlockExecutionCtx, EthBlockExecutorFactory, EthEvmFactory, NextEvmEnvAttributes,
        receipt_builder::AlloyReceiptBuilder, spec::EthExecutorSpec,
    },
};
use alloy_hardforks::{EthereumHardfork, EthereumHardforks, ForkCondition};
use alloy_primitives::{Address, B256, Bytes, U256, logs_bloom};
use alloy_trie::EMPTY_ROOT_HASH;
use revm::database::{State, states::bundle_state::BundleRetention};

use crate::{
    call::{CallOutcome, CallRequest, call_tx_env, invalid_call, outcome, relax_for_call},
    error::ExecError,
    executor::{
        ExecutedBlock, PoolLimits, StateRootProvider, TxSource, decode_parallel, run_block,
        split_senders,
    },
};

/// Every Ethereum fork through Prague active from genesis; no beacon deposit contract.
#[derive(Debug, Clone, Copy, Default)]
pub struct PragueSpec;

impl EthereumHardforks for PragueSpec {
    fn ethereum_fork_activation(&self, fork: EthereumHardfork) -> ForkCondition {
        match fork {
            EthereumHardfork::Paris => ForkCondition::TTD {
                activation_block_number: 0,
                fork_block: Some(0),
                total_difficulty: U256::ZERO,
            },
            EthereumHardfork::Shanghai | EthereumHardfork::Cancun | EthereumHardfork::Prague => {
                ForkCondition::Timestamp(0)
            }
            f if f < EthereumHardfork::Paris => ForkCondition::Block(0),
            _ => ForkCondition::Never,
        }
    }
}

impl EthExecutorSpec for PragueSpec {
    fn deposit_contract_address(&self) -> Option<Address> {
        None
    }
}

/// A Prague genesis header at `timestamp` with `gas_limit`: 1 gwei base fee, no blob gas,
/// empty withdrawals and requests, a zero parent beacon root. The state root is the caller's.
pub fn genesis_header(timestamp: u64, gas_limit: u64) -> Header {
    Header {
        timestamp,
        gas_limit,
        base_fee_per_gas: Some(1_000_000_000),
        withdrawals_root: Some(EMPTY_ROOT_HASH),
        blob_gas_used: Some(0),
        excess_blob_gas: Some(0),
        parent_beacon_block_root: Some(B256::ZERO),
        requests_hash: Some(alloy_eips::eip7685::EMPTY_REQUESTS_HASH),
        ..Default::default()
    }
}

/// What an L1 block is built from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EthAttributes {
    /// Timestamp, greater than the parent's.
    pub timestamp: u64,
    /// `prevRandao`.
    pub prev_randao: B256,
    /// Coinbase.
    pub fee_recipient: Address,
    /// The parent beacon block root (EIP-4788).
    pub parent_beacon_block_root: B256,
    /// Gas limit.
    pub gas_limit: u64,
    /// EIP-2718 encoded signed txs, in order.
    pub transactions: Vec<Bytes>,
}

/// An executed L1 block, not yet committed.
pub type ExecutedEthBlock = ExecutedBlock<TxEnvelope, ReceiptEnvelope>;

/// Builds Prague blocks for one chain.
#[derive(Debug, Clone)]
pub struct EthBlockBuilder {
    chain_id: u64,
    factory: EthBlockExecutorFactory<AlloyReceiptBuilder, PragueSpec, EthEvmFactory>,
}

impl EthBlockBuilder {
    /// A builder for chain `chain_id`.
    pub fn new(chain_id: u64) -> Self {
        Self {
            chain_id,
            factory: EthBlockExecutorFactory::new(
                AlloyReceiptBuilder::default(),
                PragueSpec,
                EthEvmFactory::default(),
            ),
        }
    }

    /// Builds the child of `parent` from `attrs` on `db` (the parent's state).
    pub fn build<DB: Database>(
        &self,
        parent: &Header,
        parent_hash: B256,
        attrs: &EthAttributes,
        db: DB,
        roots: &impl StateRootProvider,
    ) -> Result<ExecutedEthBlock, ExecError> {
        self.build_with(parent, parent_hash, attrs, None, db, roots)
    }

    /// [`Self::build`], then txs from `pool` while gas lasts (a dev L1 mining its mempool).
    /// A pool tx that does not execute on the state it meets is skipped, not an error.
    pub fn build_with<DB: Database>(
        &self,
        parent: &Header,
        parent_hash: B256,
        attrs: &EthAttributes,
        pool: Option<&mut dyn TxSource<TxEnvelope>>,
        db: DB,
        roots: &impl StateRootProvider,
    ) -> Result<ExecutedEthBlock, ExecError> {
        if attrs.timestamp <= parent.timestamp {
            return Err(ExecError::InvalidAttributes(
                "timestamp must be greater than the parent's".into(),
            ));
        }
        let blob_params = BlobParams::prague();
        let base_fee = next_base_fee(parent);
        let excess_blob_gas = parent.next_block_excess_blob_gas(blob_params).unwrap_or_default();
        let txs = decode_parallel(&attrs.transactions, |bytes| {
            let tx = TxEnvelope::decode_2718_exact(bytes).map_err(|e| e.to_string())?;
            let signer = tx.recover_signer().map_err(|e| e.to_string())?;
            Ok(WithEncoded::new(bytes.clone(), Recovered::new_unchecked(tx, signer)))
        })?;

        let mut state = State::builder().with_database(db).with_bundle_update().build();
        // The env derives this block's blob fee from the parent's excess blob gas, as below.
        let env = EvmEnv::for_eth_next_block(
            parent,
            NextEvmEnvAttributes {
                timestamp: attrs.timestamp,
                suggested_fee_recipient: attrs.fee_recipient,
                prev_randao: attrs.prev_randao,
                gas_limit: attrs.gas_limit,
                slot_number: None,
            },
            base_fee,
            PragueSpec,
            self.chain_id,
            Some(blob_params),
        );
        let evm = self.factory.evm_factory().create_evm(&mut state, env);
        let ctx = EthBlockExecutionCtx {
            parent_hash,
            parent_beacon_block_root: Some(attrs.parent_beacon_block_root),
            ommers: &[],
            withdrawals: Some(Cow::Owned(Vec::new())),
            extra_data: Bytes::new(),
            tx_count_hint: Some(txs.len()),
            slot_number: None,
        };
        let executor = self.factory.create_executor(evm, ctx);
        let pool = pool.map(|p| (p, PoolLimits::default()));
        let (result, included) = run_block(executor, &txs, attrs.gas_limit, pool)?;
        state.merge_transitions(BundleRetention::Reverts);
        let bundle = state.take_bundle();
        let post = roots.post_state_roots(&bundle).map_err(ExecError::StateRoot)?;

        let (senders, transactions) = split_senders(txs.into_iter().chain(included));
        let receipts = result.receipts;
        let header = Header {
            parent_hash,
            ommers_hash: EMPTY_OMMER_ROOT_HASH,
            beneficiary: attrs.fee_recipient,
            state_root: post.state_root,
            transactions_root: calculate_transaction_root(&transactions),
            receipts_root: ordered_trie_root_with_encoder(&receipts, |r, buf| r.encode_2718(buf)),
            logs_bloom: logs_bloom(receipts.iter().flat_map(|r| r.logs())),
            difficulty: U256::ZERO,
            number: parent.number + 1,
            gas_limit: attrs.gas_limit,
            gas_used: result.gas_used,
            timestamp: attrs.timestamp,
            extra_data: Bytes::new(),
            mix_hash: attrs.prev_randao,
            nonce: Default::default(),
            base_fee_per_gas: Some(base_fee),
            withdrawals_root: Some(EMPTY_ROOT_HASH),
            blob_gas_used: Some(result.blob_gas_used),
            excess_blob_gas: Some(excess_blob_gas),
            parent_beacon_block_root: Some(attrs.parent_beacon_block_root),
            requests_hash: Some(result.requests.requests_hash()),
            block_access_list_hash: None,
            slot_number: None,
        };
        let hash = header.hash_slow();
        Ok(ExecutedEthBlock { header, hash, transactions, senders, receipts, bundle })
    }

    /// Runs `req` in the context of block `header` on `db` (that block's post-state), with
    /// at most `gas_cap` gas: `eth_call` on the dev L1, by the same rules as
    /// [`crate::OpBlockBuilder::simulate`].
    pub fn simulate<DB: Database>(
        &self,
        header: &Header,
        db: DB,
        req: &CallRequest,
        gas_cap: u64,
        stop: &dyn Fn() -> bool,
    ) -> Result<CallOutcome, ExecError> {
        let mut env =
            EvmEnv::for_eth_block(header, PragueSpec, self.chain_id, Some(BlobParams::prague()));
        relax_for_call(&mut env.cfg_env, req);
        let tx = call_tx_env(req, header, self.chain_id, gas_cap);
        let mut evm = self.factory.evm_factory().create_evm_with_inspector(
            db,
            env,
            crate::interrupt::Interrupt::new(stop),
        );
        let out = evm.transact_raw(tx).map_err(invalid_call)?;
        if evm.inspector().fired {
            return Err(ExecError::Interrupted);
        }
        Ok(outcome(out.result))
    }
}

/// The base fee of the block after `parent` (Ethereum's 1559 parameters).
pub fn next_base_fee(parent: &Header) -> u64 {
    parent.next_block_base_fee(BaseFeeParams::ethereum()).unwrap_or(1_000_000_000)
}

/// The blob base fee a block's blob txs pay (Prague's parameters; 1 wei before any excess).
pub fn blob_base_fee(header: &Header) -> u128 {
    header.blob_fee(BlobParams::prague()).unwrap_or(1)
}

/// The blob base fee of the block after `parent`.
pub fn next_blob_base_fee(parent: &Header) -> u128 {
    parent.next_block_blob_fee(BlobParams::prague()).unwrap_or(1)
}
