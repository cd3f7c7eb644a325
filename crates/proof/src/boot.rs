//! The program's inputs, read from local keys (fault-proofs design §2.1, D5): what the two
//! parties of a dispute agreed on and what is claimed. The chain's rollup config is not built
//! in: local key 6 holds its keccak hash and the config is that hash's preimage (JSON, as
//! op-node's `rollup.json`), so one program serves every chain.

use alloc::{
    string::{String, ToString},
    vec,
    vec::Vec,
};
use alloy_primitives::{B256, Bytes, keccak256};
use lamina_protocol::RollupConfig;

use crate::preimage::{Oracle, OracleError, PreimageKey, keccak};

/// Local key: the L1 head (the newest L1 block derivation may read).
pub const L1_HEAD: u64 = 1;
/// Local key: the agreed output root (of the block the run starts from).
pub const AGREED_OUTPUT: u64 = 2;
/// Local key: the claimed output root.
pub const CLAIMED_OUTPUT: u64 = 3;
/// Local key: the claimed L2 block number (`u64`, big-endian).
pub const CLAIMED_BLOCK: u64 = 4;
/// Local key: the L2 chain id (`u64`, big-endian).
pub const CHAIN_ID: u64 = 5;
/// Local key: the keccak hash of the rollup config JSON.
pub const ROLLUP_CONFIG: u64 = 6;

/// Why the inputs could not be read.
#[derive(Debug, thiserror::Error)]
pub enum BootError {
    /// The oracle failed.
    #[error(transparent)]
    Oracle(#[from] OracleError),
    /// A local input has the wrong length.
    #[error("local input {index} is {len} bytes, {want} expected")]
    Length {
        /// The local key.
        index: u64,
        /// Its length.
        len: usize,
        /// The expected length.
        want: usize,
    },
    /// The rollup config does not parse.
    #[error("rollup config: {0}")]
    Config(String),
    /// The rollup config is another chain's.
    #[error("the rollup config is chain {config}'s, the input names chain {input}")]
    ChainId {
        /// The config's L2 chain id.
        config: u64,
        /// The local input's.
        input: u64,
    },
}

/// The program's inputs.
#[derive(Debug, Clone)]
pub struct BootInfo {
    /// The newest L1 block derivation may read.
    pub l1_head: B256,
    /// The output root both sides agree on.
    pub agreed_output: B256,
    /// The output root claimed for `claimed_block`.
    pub claimed_output: B256,
    /// The block the claim is about.
    pub claimed_block: u64,
    /// The L2 chain id.
    pub chain_id: u64,
    /// The chain's rollup config.
    pub config: RollupConfig,
    /// Its hash (local key 6).
    pub config_hash: B256,
}

fn local<const N: usize>(oracle: &impl Oracle, index: u64) -> Result<[u8; N], BootError> {
    let data = oracle.get(PreimageKey::local(index))?;
    <[u8; N]>::try_from(data.as_ref()).map_err(|_| BootError::Length {
        index,
        len: data.len(),
        want: N,
    })
}

impl BootInfo {
    /// Reads the inputs.
    pub fn load(oracle: &impl Oracle) -> Result<Self, BootError> {
        let word = |i| local::<32>(oracle, i).map(B256::from);
        let number = |i| local::<8>(oracle, i).map(u64::from_be_bytes);
        let config_hash = word(ROLLUP_CONFIG)?;
        let json = keccak(oracle, config_hash)?;
        let text = core::str::from_utf8(&json).map_err(|e| BootError::Config(e.to_string()))?;
        let config = RollupConfig::from_json(text).map_err(|e| BootError::Config(e.to_string()))?;
        let chain_id = number(CHAIN_ID)?;
        if config.l2_chain_id != chain_id {
            return Err(BootError::ChainId { config: config.l2_chain_id, input: chain_id });
        }
        Ok(Self {
            l1_head: word(L1_HEAD)?,
            agreed_output: word(AGREED_OUTPUT)?,
            claimed_output: word(CLAIMED_OUTPUT)?,
            claimed_block: number(CLAIMED_BLOCK)?,
            chain_id,
            config,
            config_hash,
        })
    }

    /// The local preimages that make these inputs (what a host serves), with the config JSON
    /// `config_json` (whose hash becomes local input 6).
    pub fn locals(
        l1_head: B256,
        agreed_output: B256,
        claimed_output: B256,
        claimed_block: u64,
        chain_id: u64,
        config_json: &[u8],
    ) -> Vec<(PreimageKey, Bytes)> {
        let config_hash = keccak256(config_json);
        vec![
            (PreimageKey::local(L1_HEAD), l1_head.to_vec().into()),
            (PreimageKey::local(AGREED_OUTPUT), agreed_output.to_vec().into()),
            (PreimageKey::local(CLAIMED_OUTPUT), claimed_output.to_vec().into()),
            (PreimageKey::local(CLAIMED_BLOCK), claimed_block.to_be_bytes().to_vec().into()),
            (PreimageKey::local(CHAIN_ID), chain_id.to_be_bytes().to_vec().into()),
            (PreimageKey::local(ROLLUP_CONFIG), config_hash.to_vec().into()),
            (PreimageKey::keccak(config_hash), Bytes::copy_from_slice(config_json)),
        ]
    }
}
