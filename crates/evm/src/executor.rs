//! The OP block executor: parent header + [`BlockAttributes`] + state → a sealed block, its
//! receipts and the state changes.
//!
//! Transaction execution is alloy-op-evm's `OpBlockExecutor` on op-revm (deposits, L1 data fee,
//! operator fee, fee vaults, the EIP-4788/2935 system calls, Canyon's create2Deployer); this
//! module validates the attributes and fills in the header fields each fork defines
//! (digest §8.4). State roots come from a [`StateRootProvider`], so the persistent store can
//! update its trie incrementally instead of rebuilding it.

use alloc::{
    borrow::ToOwned,
    format,
    string::{String, ToString},
    vec::Vec,
};
use alloy_consensus::{
    EMPTY_OMMER_ROOT_HASH, Header,
    proofs::{calculate_transaction_root, ordered_trie_root_with_encoder},
    transaction::{Recovered, SignerRecoverable},
};
use alloy_eips::{
    eip2718::{Decodable2718, Encodable2718, WithEncoded},
    eip7685::EMPTY_REQUESTS_HASH,
};
use alloy_evm::{
    Database, Evm, EvmFactory, FromTxWithEncoded,
    block::{BlockExecutionError, BlockExecutionResult, BlockExecutor, BlockExecutorFactory as _},
    eth::NextEvmEnvAttributes,
};
use alloy_op_evm::{
    OpBlockExecutionCtx, OpBlockExecutorFactory, OpEvmFactory,
    block::receipt_builder::OpAlloyReceiptBuilder, env::evm_env_for_op_next_block,
};
use alloy_primitives::{Address, B256, Bytes, logs_bloom};
use alloy_trie::EMPTY_ROOT_HASH;
use lamina_protocol::{Hardfork, RollupConfig};
use op_alloy_consensus::{OpReceiptEnvelope, OpTxEnvelope};
use revm::database::{BundleState, State, states::bundle_state::BundleRetention};

use crate::watch::{Watched, failed};
use crate::{
    attributes::BlockAttributes,
    error::ExecError,
    header::{holocene_extra_data, next_base_fee},
    spec::OpForks,
};

/// Roots of the state after a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PostStateRoots {
    /// The state root.
    pub state_root: B256,
    /// Storage root of the L2ToL1MessagePasser (the Isthmus header's `withdrawalsRoot`).
    pub message_passer_storage_root: B256,
}

/// Computes the roots of the parent state with a block's changes applied, without committing.
pub trait StateRootProvider {
    /// Roots after applying `bundle` to the state the block was executed on.
    fn post_state_roots(&self, bundle: &BundleState) -> Result<PostStateRoots, String>;
}

/// A block built and executed, not yet committed anywhere: an L2 block by default, an L1 block
/// with Ethereum's tx and receipt types ([`crate::eth::ExecutedEthBlock`]).
#[derive(Debug)]
pub struct ExecutedBlock<T = OpTxEnvelope, R = OpReceiptEnvelope> {
    /// The complete header.
    pub header: Header,
    /// Its hash.
    pub hash: B256,
    /// The transactions, in order.
    pub transactions: Vec<T>,
    /// Each transaction's sender, recovered once for execution (a deposit's `from`), kept so
    /// that nothing downstream recovers a signature again.
    pub senders: Vec<Address>,
    /// The receipts (with their blooms), one per transaction.
    pub receipts: Vec<R>,
    /// The state changes (with reverts), to commit together with the block.
    pub bundle: BundleState,
}

/// A decoded tx with its signer and its original bytes (the L1 fee is charged on those).
pub type ExecTx<T = OpTxEnvelope> = WithEncoded<Recovered<T>>;

/// Where a sequencer's block takes transactions from after the attributes' own: the txpool,
/// best first. A candidate that cannot go in (invalid on the current state, too big for the
/// gas or DA budget left) is reported with [`TxSource::skip`], so the source drops that
/// sender's later nonces too.
pub trait TxSource<T = OpTxEnvelope> {
    /// The next candidate.
    fn next_tx(&mut self) -> Option<ExecTx<T>>;
    /// The last candidate was not included.
    fn skip(&mut self, reason: &str);
}

/// Senders a node already recovered, ahead of execution, for txs it expects (a verifier's next
/// blocks, from the span batches derivation decoded): looked up by the tx's exact bytes.
pub trait KnownSenders: Sync {
    /// The sender of the tx encoded as `raw`, if already recovered.
    fn sender(&self, raw: &Bytes) -> Option<Address>;
}

/// No sender is known: every signature is recovered in the block.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoKnownSenders;

impl KnownSenders for NoKnownSenders {
    fn sender(&self, _raw: &Bytes) -> Option<Address> {
        None
    }
}

/// Limits on what a block takes from a [`TxSource`].
#[derive(Debug, Clone, Copy, Default)]
pub struct PoolLimits {
    /// Estimated compressed (DA) bytes of the pool txs, at most (`None`: no limit). The
    /// estimate is the Fjord FastLZ one the L1 fee uses.
    pub max_da_bytes: Option<u64>,
    /// Estimated DA bytes of any one pool tx, at most (`None`: no limit); a larger tx waits
    /// in the pool.
    pub max_tx_da_bytes: Option<u64>,
}

/// The executed txs as the block keeps them: their senders apart from the txs.
pub(crate) fn split_senders<T>(txs: impl Iterator<Item = ExecTx<T>>) -> (Vec<Address>, Vec<T>) {
    txs.map(|t| {
        let (tx, sender) = t.1.into_parts();
        (sender, tx)
    })
    .unzip()
}

/// Runs a block's txs through an alloy-evm block executor: pre-execution system calls, every
/// tx in order (a failing one names its index and hash), then, when `pool` is given, pool txs
/// while gas and the DA budget last, then the post-execution changes. Returns the result and
/// the pool txs included.
pub(crate) fn run_block<E, T>(
    mut executor: E,
    txs: &[ExecTx<T>],
    gas_limit: u64,
    pool: Option<(&mut dyn TxSource<T>, PoolLimits)>,
) -> Result<BlockRun<E::Receipt, T>, ExecError>
where
    E: BlockExecutor<Transaction = T>,
    T: Encodable2718 + Clone + alloy_consensus::Transaction,
    <E::Evm as Evm>::Tx: FromTxWithEncoded<T>,
{
    executor.apply_pre_execution_changes().map_err(|e| block_error(e, None))?;
    let mut used = 0u64;
    for (index, tx) in txs.iter().enumerate() {
        used += executor
            .execute_transaction(tx.clone())
            .map_err(|e| block_error(e, Some((index, tx.1.inner().trie_hash()))))?
            .tx_gas_used();
    }
    let mut included = Vec::new();
    if let Some((source, limits)) = pool {
        let mut da_left = limits.max_da_bytes.unwrap_or(u64::MAX);
        while let Some(tx) = source.next_tx() {
            // No candidate can fit once less than a plain transfer's gas is left.
            if gas_limit.saturating_sub(used) < MIN_TX_GAS {
                break;
            }
            if tx.1.inner().gas_limit() > gas_limit - used {
                source.skip("exceeds the block's remaining gas");
                continue;
            }
            let da = op_revm::estimate_tx_compressed_size(tx.encoded_bytes()) / 1_000_000;
            if da > da_left {
                source.skip("exceeds the block's remaining DA budget");
                continue;
            }
            if limits.max_tx_da_bytes.is_some_and(|max| da > max) {
                source.skip("exceeds the per-tx DA limit");
                continue;
            }
            match executor.execute_transaction(tx.clone()) {
                Ok(gas) => {
                    used += gas.tx_gas_used();
                    da_left -= da;
                    included.push(tx);
                }
                Err(BlockExecutionError::Validation(e)) => source.skip(&e.to_string()),
                Err(e) => return Err(block_error(e, None)),
            }
        }
    }
    let (_evm, result) = executor.finish().map_err(|e| block_error(e, None))?;
    Ok((result, included))
}

/// What [`run_block`] returns: the executor's result and the pool txs included.
pub(crate) type BlockRun<R, T> = (BlockExecutionResult<R>, Vec<ExecTx<T>>);

/// The intrinsic gas of the cheapest transaction.
const MIN_TX_GAS: u64 = 21_000;

/// Executes blocks of one chain.
#[derive(Debug, Clone)]
pub struct OpBlockBuilder {
    config: RollupConfig,
    forks: OpForks,
    factory: OpBlockExecutorFactory<OpAlloyReceiptBuilder, OpForks, OpEvmFactory>,
}

impl OpBlockBuilder {
    /// A builder for the chain of `config`.
    pub fn new(config: RollupConfig) -> Self {
        let forks = OpForks::new(config.hardforks);
        let factory = OpBlockExecutorFactory::new(
            OpAlloyReceiptBuilder::default(),
            forks,
            OpEvmFactory::default(),
        );
        Self { config, forks, factory }
    }

    /// The fork schedule.
    pub const fn forks(&self) -> &OpForks {
        &self.forks
    }

    /// The L2 chain id.
    pub const fn chain_id(&self) -> u64 {
        self.config.l2_chain_id
    }

    /// The EVM factory (op-revm with the OP precompiles).
    pub(crate) const fn evm_factory(&self) -> &OpEvmFactory {
        self.factory.evm_factory()
    }

    /// Builds the child of `parent` (whose hash is `parent_hash`) from `attrs`, executing on `db`
    /// (the parent's state). Nothing is written to `db`; the changes are returned.
    pub fn build<DB: Database>(
        &self,
        parent: &Header,
        parent_hash: B256,
        attrs: &BlockAttributes,
        db: DB,
        roots: &impl StateRootProvider,
    ) -> Result<ExecutedBlock, ExecError> {
        self.build_with(parent, parent_hash, attrs, None, db, roots)
    }

    /// [`Self::build`], taking txs from `pool` after the attributes' ones unless the attributes
    /// say `noTxPool` (sequencing).
    pub fn build_with<DB: Database>(
        &self,
        parent: &Header,
        parent_hash: B256,
        attrs: &BlockAttributes,
        pool: Option<(&mut dyn TxSource, PoolLimits)>,
        db: DB,
        roots: &impl StateRootProvider,
    ) -> Result<ExecutedBlock, ExecError> {
        self.build_known(parent, parent_hash, attrs, pool, &NoKnownSenders, db, roots)
    }

    /// [`Self::build_with`], taking the senders of the attributes' txs from `known` where it
    /// has them instead of recovering their signatures.
    #[allow(clippy::too_many_arguments)]
    pub fn build_known<DB: Database>(
        &self,
        parent: &Header,
        parent_hash: B256,
        attrs: &BlockAttributes,
        pool: Option<(&mut dyn TxSource, PoolLimits)>,
        known: &dyn KnownSenders,
        db: DB,
        roots: &impl StateRootProvider,
    ) -> Result<ExecutedBlock, ExecError> {
        let ts = attrs.timestamp;
        self.check_attributes(parent, attrs)?;
        let op = self.config.chain_op_config();
        let base_fee = next_base_fee(&self.forks, &op, parent)?;
        let extra_data = match attrs.eip1559_params {
            Some(p) if self.forks.is_active(Hardfork::Holocene, ts) => holocene_extra_data(p, &op)?,
            _ => Bytes::new(),
        };

        let txs = decode_txs(&attrs.transactions, known)?;

        let (db, failure) = Watched::new(db);
        let mut state = State::builder().with_database(db).with_bundle_update().build();
        let env = evm_env_for_op_next_block(
            parent,
            NextEvmEnvAttributes {
                timestamp: ts,
                suggested_fee_recipient: attrs.suggested_fee_recipient,
                prev_randao: attrs.prev_randao,
                gas_limit: attrs.gas_limit,
                slot_number: None,
            },
            base_fee,
            self.forks,
            self.config.l2_chain_id,
        );
        let evm = self.factory.evm_factory().create_evm(&mut state, env);
        let ctx = OpBlockExecutionCtx {
            parent_hash,
            parent_beacon_block_root: attrs.parent_beacon_block_root,
            extra_data: extra_data.clone(),
        };
        let pool = if attrs.no_tx_pool { None } else { pool };
        let executor = self.factory.create_executor(evm, ctx);
        let run = run_block(executor, &txs, attrs.gas_limit, pool);
        // A database failure is never the block's fault, whatever the executor called it.
        if let Some(e) = failed(&failure) {
            return Err(ExecError::Database(e));
        }
        let (result, included) = run?;
        state.merge_transitions(BundleRetention::Reverts);
        let bundle = state.take_bundle();
        let post = roots.post_state_roots(&bundle).map_err(ExecError::StateRoot)?;

        let (senders, transactions) = split_senders(txs.into_iter().chain(included));
        let receipts = result.receipts;
        let canyon = self.forks.is_active(Hardfork::Canyon, ts);
        let ecotone = self.forks.is_active(Hardfork::Ecotone, ts);
        let isthmus = self.forks.is_active(Hardfork::Isthmus, ts);
        let header = Header {
            parent_hash,
            ommers_hash: EMPTY_OMMER_ROOT_HASH,
            beneficiary: attrs.suggested_fee_recipient,
            state_root: post.state_root,
            transactions_root: calculate_transaction_root(&transactions),
            receipts_root: receipts_root(&receipts, canyon),
            logs_bloom: logs_bloom(receipts.iter().flat_map(|r| r.logs())),
            difficulty: Default::default(),
            number: parent.number + 1,
            gas_limit: attrs.gas_limit,
            gas_used: result.gas_used,
            timestamp: ts,
            extra_data,
            mix_hash: attrs.prev_randao,
            nonce: Default::default(),
            base_fee_per_gas: Some(base_fee),
            withdrawals_root: canyon.then_some(if isthmus {
                post.message_passer_storage_root
            } else {
                EMPTY_ROOT_HASH
            }),
            blob_gas_used: ecotone.then_some(0),
            excess_blob_gas: ecotone.then_some(0),
            parent_beacon_block_root: if ecotone { attrs.parent_beacon_block_root } else { None },
            requests_hash: isthmus.then_some(EMPTY_REQUESTS_HASH),
            block_access_list_hash: None,
            slot_number: None,
        };
        let hash = header.hash_slow();
        Ok(ExecutedBlock { header, hash, transactions, senders, receipts, bundle })
    }

    /// Runs a read-only call (`eth_call` semantics: no fee, no nonce, a generous gas limit) in
    /// the context of block `header`, on `db`, and returns its output. A revert or halt is an
    /// [`ExecError::InvalidTx`] carrying the reason.
    pub fn call<DB: Database>(
        &self,
        header: &Header,
        db: DB,
        to: alloy_primitives::Address,
        data: Bytes,
    ) -> Result<Bytes, ExecError> {
        use alloy_evm::Evm as _;
        let env =
            alloy_op_evm::env::evm_env_for_op_block(header, self.forks, self.config.l2_chain_id);
        let mut evm = self.factory.evm_factory().create_evm(db, env);
        let out = evm
            .transact_system_call(alloy_primitives::Address::ZERO, to, data)
            .map_err(|e| ExecError::Database(e.to_string()))?;
        match out.result {
            revm::context::result::ExecutionResult::Success { output, .. } => {
                Ok(output.into_data())
            }
            other => Err(ExecError::InvalidTx {
                index: 0,
                hash: B256::ZERO,
                reason: format!("call failed: {other:?}"),
            }),
        }
    }

    /// Checks the attributes against the parent and the forks (what can be known before
    /// anything runs: the Engine API checks this when a payload job starts).
    pub fn check_attributes(
        &self,
        parent: &Header,
        attrs: &BlockAttributes,
    ) -> Result<(), ExecError> {
        let invalid = |m: &str| Err(ExecError::InvalidAttributes(m.to_owned()));
        let ts = attrs.timestamp;
        if ts <= parent.timestamp {
            return invalid("timestamp must be greater than the parent's");
        }
        if attrs.gas_limit == 0 {
            return invalid("gas limit must be positive");
        }
        let ecotone = self.forks.is_active(Hardfork::Ecotone, ts);
        if ecotone != attrs.parent_beacon_block_root.is_some() {
            return invalid("parentBeaconBlockRoot is required from Ecotone on, and only then");
        }
        let holocene = self.forks.is_active(Hardfork::Holocene, ts);
        if holocene != attrs.eip1559_params.is_some() {
            return invalid("eip1559Params are required from Holocene on, and only then");
        }
        Ok(())
    }
}

/// The receipts root. Between Regolith and Canyon deposit receipts carry `depositNonce`, but the
/// consensus encoding hashed into the root leaves it out (digest §2.4); from Canyon both the
/// nonce and the receipt version are part of it.
fn receipts_root(receipts: &[OpReceiptEnvelope], canyon: bool) -> B256 {
    if canyon {
        return ordered_trie_root_with_encoder(receipts, |r, buf| r.encode_2718(buf));
    }
    let stripped: Vec<OpReceiptEnvelope> = receipts
        .iter()
        .cloned()
        .map(|mut r| {
            if let OpReceiptEnvelope::Deposit(d) = &mut r {
                d.receipt.deposit_nonce = None;
                d.receipt.deposit_receipt_version = None;
            }
            r
        })
        .collect();
    ordered_trie_root_with_encoder(&stripped, |r, buf| r.encode_2718(buf))
}

/// Below this many txs, recovering signers on other threads costs more than it saves (one
/// recovery costs about twice a thread's start).
#[cfg(feature = "std")]
const PARALLEL_RECOVERY_MIN_TXS: usize = 8;

/// Decodes and recovers every tx before anything executes, so a bad tx costs no execution.
/// A sender `known` has is taken as is (it was recovered from these very bytes).
fn decode_txs(raw: &[Bytes], known: &dyn KnownSenders) -> Result<Vec<ExecTx>, ExecError> {
    decode_parallel(raw, |bytes| {
        let tx = OpTxEnvelope::decode_2718_exact(bytes).map_err(|e| e.to_string())?;
        let signer = match &tx {
            OpTxEnvelope::Deposit(d) => d.from,
            other => match known.sender(bytes) {
                Some(from) => from,
                None => other.recover_signer().map_err(|e| e.to_string())?,
            },
        };
        Ok(WithEncoded::new(bytes.clone(), Recovered::new_unchecked(tx, signer)))
    })
}

/// Applies `decode` to every raw tx, in order. Signature recovery is the most expensive per-tx
/// step and independent between txs, so large blocks spread it over the available cores
/// (scoped threads); the result is identical to a sequential run.
#[cfg(not(feature = "std"))]
pub(crate) fn decode_parallel<T: Send>(
    raw: &[Bytes],
    decode: impl Fn(&Bytes) -> Result<T, String> + Sync,
) -> Result<Vec<T>, ExecError> {
    // No threads without std: one after the other.
    raw.iter()
        .enumerate()
        .map(|(index, b)| decode(b).map_err(|reason| ExecError::TxDecode { index, reason }))
        .collect()
}

/// [`decode_parallel`] on up to 8 threads (the caller's among them) once a block has enough
/// txs.
#[cfg(feature = "std")]
pub(crate) fn decode_parallel<T: Send>(
    raw: &[Bytes],
    decode: impl Fn(&Bytes) -> Result<T, String> + Sync,
) -> Result<Vec<T>, ExecError> {
    let run = |part: &[Bytes], first: usize| -> Result<Vec<T>, ExecError> {
        part.iter()
            .enumerate()
            .map(|(i, b)| {
                decode(b).map_err(|reason| ExecError::TxDecode { index: first + i, reason })
            })
            .collect()
    };
    let threads = std::thread::available_parallelism().map_or(1, usize::from).min(8);
    if raw.len() < PARALLEL_RECOVERY_MIN_TXS || threads < 2 {
        return run(raw, 0);
    }
    let chunk = raw.len().div_ceil(threads);
    let parts: Vec<Result<Vec<T>, ExecError>> = std::thread::scope(|scope| {
        let run = &run;
        let mut chunks = raw.chunks(chunk).enumerate();
        // The calling thread decodes the first chunk itself: one thread fewer to start.
        let first = chunks.next();
        let handles: Vec<_> =
            chunks.map(|(i, part)| scope.spawn(move || run(part, i * chunk))).collect();
        let mut parts = vec![first.map_or_else(|| Ok(Vec::new()), |(_, part)| run(part, 0))];
        parts.extend(handles.into_iter().map(|h| {
            h.join().unwrap_or_else(|_| {
                Err(ExecError::TxDecode { index: 0, reason: "decoder thread panicked".into() })
            })
        }));
        parts
    });
    let mut out = Vec::with_capacity(raw.len());
    for part in parts {
        out.extend(part?);
    }
    Ok(out)
}

fn block_error(e: BlockExecutionError, tx: Option<(usize, B256)>) -> ExecError {
    match (e, tx) {
        (BlockExecutionError::Validation(v), Some((index, hash))) => {
            ExecError::InvalidTx { index, hash, reason: v.to_string() }
        }
        (BlockExecutionError::Validation(v), None) => ExecError::InvalidAttributes(v.to_string()),
        (BlockExecutionError::Internal(i), _) => ExecError::Database(i.to_string()),
    }
}
