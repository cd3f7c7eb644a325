//! The program's executor: builds each derived block statelessly on the run's L2 chain, with
//! the state trie and code read through the oracle (hinted per block with the block's
//! witness), exactly as `lamina proof execute` and the engine build it. A block the attributes
//! cannot make is [`Execution::Invalid`]; a preimage the oracle cannot give is an executor
//! error, which ends the run — it can never turn into an invalid block.

use alloc::{collections::BTreeMap, sync::Arc};
use alloc::{
    string::{String, ToString},
    vec::Vec,
};

use alloy_consensus::Sealed;
use alloy_primitives::{B256, Bytes};
use lamina_derive::{
    DerivedAttributes,
    driver::{Execution, Executor},
};
use lamina_evm::{BlockAttributes, OpBlockBuilder};
use lamina_protocol::{Classify, Severity, output_root::OutputRootV0};
use revm::database::WrapDatabaseRef;

use crate::{
    mpt::Preimages,
    preimage::{Hint, Oracle, PreimageKey},
    sources::L2Chain,
    state::{WitnessError, WitnessState},
};

/// Why the executor (not the block) failed.
#[derive(Debug, thiserror::Error)]
pub enum ExecutorError {
    /// The block's parent is not the chain's tip.
    #[error("attributes build on {parent}, the tip is {tip}")]
    NotOnTip {
        /// The parent the attributes name.
        parent: B256,
        /// The tip.
        tip: B256,
    },
    /// The state could not be read or committed (a preimage the oracle lacks).
    #[error("state: {0}")]
    State(String),
    /// The oracle refused a hint.
    #[error("oracle: {0}")]
    Oracle(#[from] crate::preimage::OracleError),
}

impl Classify for ExecutorError {
    fn severity(&self) -> Severity {
        // Nothing is retried in a proof: the oracle's answers never change.
        Severity::Critical
    }
}

/// State preimages through the oracle.
#[derive(Debug)]
pub struct OraclePreimages<O>(pub Arc<O>);

impl<O: Oracle> Preimages for OraclePreimages<O> {
    fn preimage(&self, hash: &B256) -> Option<Bytes> {
        self.0.get(PreimageKey::keccak(*hash)).ok()
    }
}

/// The executor.
#[derive(Debug)]
pub struct ProofExecutor<O: Oracle> {
    oracle: Arc<O>,
    chain: Arc<L2Chain<O>>,
    state: WitnessState<OraclePreimages<O>, Arc<L2Chain<O>>>,
    builder: OpBlockBuilder,
    outputs: BTreeMap<u64, OutputRootV0>,
}

impl<O: Oracle> ProofExecutor<O> {
    /// An executor on `chain`, whose tip has output `tip_output`.
    pub fn new(
        oracle: Arc<O>,
        chain: Arc<L2Chain<O>>,
        builder: OpBlockBuilder,
        tip_output: OutputRootV0,
    ) -> Self {
        let tip = chain.tip();
        let state =
            WitnessState::with(tip.state_root, OraclePreimages(oracle.clone()), chain.clone());
        let outputs = BTreeMap::from([(tip.number, tip_output)]);
        Self { oracle, chain, state, builder, outputs }
    }

    /// The output of block `number`, if this run knows it.
    pub fn output(&self, number: u64) -> Option<&OutputRootV0> {
        self.outputs.get(&number)
    }
}

impl<O: Oracle + 'static> Executor for ProofExecutor<O> {
    type Error = ExecutorError;

    async fn execute(&mut self, attrs: &DerivedAttributes) -> Result<Execution, ExecutorError> {
        let tip = self.chain.tip();
        if attrs.parent.hash != tip.hash() {
            return Err(ExecutorError::NotOnTip { parent: attrs.parent.hash, tip: tip.hash() });
        }
        let number = tip.number + 1;
        let json = serde_json::to_vec(&attrs.attributes)
            .map_err(|e| ExecutorError::State(e.to_string()))?;
        self.oracle
            .hint(&Hint::L2PayloadWitness { parent: tip.hash(), attributes: json.into() })?;
        let block_attrs = match BlockAttributes::try_from(&attrs.attributes) {
            Ok(a) => a,
            Err(e) => return Ok(Execution::Invalid(e.to_string())),
        };
        let built = self.builder.build(
            tip.inner(),
            tip.hash(),
            &block_attrs,
            WrapDatabaseRef(&self.state),
            &self.state,
        );
        let block = match built {
            Ok(block) => block,
            Err(e) if e.is_invalid_input() => return Ok(Execution::Invalid(e.to_string())),
            // A database or state-root failure: a preimage missing, never a bad block.
            Err(e) => return Err(ExecutorError::State(e.to_string())),
        };
        let roots = self
            .state
            .commit_built(&block.bundle, block.header.state_root)
            .map_err(|e: WitnessError| ExecutorError::State(e.to_string()))?;
        debug_assert_eq!(roots.state_root, block.header.state_root);
        let txs: Vec<Bytes> = attrs.transactions().to_vec();
        let hash = block.hash;
        tracing::debug!(target: "lamina::proof", number, %hash, txs = txs.len(), "block built");
        self.outputs.insert(
            number,
            OutputRootV0 {
                state_root: block.header.state_root,
                message_passer_storage_root: roots.message_passer_storage_root,
                block_hash: hash,
            },
        );
        self.chain.push(Sealed::new_unchecked(block.header, hash), txs);
        Ok(Execution::Built(hash))
    }
}
