//! Stateless execution of one block: its parent header, its payload attributes and its
//! witness (`debug_executionWitness`'s JSON shape) are all it takes — the block is built on a
//! [`WitnessState`] with `lamina_evm::OpBlockBuilder`, exactly as the engine builds it. It works
//! for any OP chain's block, given that chain's rollup config.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use alloy_consensus::Header;
use alloy_primitives::{B256, Bytes, keccak256};
use alloy_rlp::Decodable;
use lamina_evm::{BlockAttributes, ExecError, OpBlockBuilder, attributes::AttributesError};
use lamina_protocol::RollupConfig;
use op_alloy_rpc_types_engine::OpPayloadAttributes;
use revm::database::WrapDatabaseRef;
use serde::Deserialize;

use crate::state::WitnessState;

/// A block's witness, as `debug_executionWitness` answers (geth, reth, lamina).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Witness {
    /// Trie nodes, RLP.
    pub state: Vec<Bytes>,
    /// Contract code.
    #[serde(default)]
    pub codes: Vec<Bytes>,
    /// Preimages of the trie keys (not needed to execute).
    #[serde(default)]
    pub keys: Vec<Bytes>,
    /// RLP headers of the ancestors `BLOCKHASH` may read.
    #[serde(default)]
    pub headers: Vec<Bytes>,
}

/// What executing the block gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Executed {
    /// The block hash.
    pub block_hash: B256,
    /// The state root.
    pub state_root: B256,
    /// The receipts root.
    pub receipts_root: B256,
    /// Gas used.
    pub gas_used: u64,
}

/// Why the block could not be executed.
#[derive(Debug, thiserror::Error)]
pub enum ExecuteError {
    /// The attributes do not describe a block.
    #[error("attributes: {0}")]
    Attributes(#[from] AttributesError),
    /// A header in the witness does not decode.
    #[error("witness header {0}: not an RLP header")]
    Header(usize),
    /// Execution failed (an invalid block, or a witness missing something: `Database`).
    #[error(transparent)]
    Exec(#[from] ExecError),
}

/// Executes the block `attrs` describe on `parent`, with the state `witness` holds.
pub fn execute(
    cfg: &RollupConfig,
    parent: &Header,
    attrs: &OpPayloadAttributes,
    witness: &Witness,
) -> Result<Executed, ExecuteError> {
    let attrs = BlockAttributes::try_from(attrs)?;
    let mut hashes = BTreeMap::new();
    for (i, rlp) in witness.headers.iter().enumerate() {
        let h = Header::decode(&mut rlp.as_ref()).map_err(|_| ExecuteError::Header(i))?;
        hashes.insert(h.number, keccak256(rlp));
    }
    let parent_hash = parent.hash_slow();
    hashes.insert(parent.number, parent_hash);
    let state = WitnessState::new(
        parent.state_root,
        witness.state.iter().cloned(),
        witness.codes.iter().cloned(),
        hashes,
    );
    let builder = OpBlockBuilder::new(cfg.clone());
    let block = builder.build(parent, parent_hash, &attrs, WrapDatabaseRef(&state), &state)?;
    Ok(Executed {
        block_hash: block.hash,
        state_root: block.header.state_root,
        receipts_root: block.header.receipts_root,
        gas_used: block.header.gas_used,
    })
}
