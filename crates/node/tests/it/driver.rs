//! The pure driver against the node's verifier: the same derivation loop with another
//! executor — lamina-evm over an in-memory state, no engine, no store, no Engine API — reaches
//! the block hashes the node's verifier reached through its engine, the Holocene
//! deposits-only replacement of an invalid batch included. This is the proof program's shape:
//! the driver and the EVM, fed L1 and nothing else.

use std::convert::Infallible;

use alloy_consensus::Header;
use alloy_primitives::KECCAK256_EMPTY;
use lamina_derive::{
    DerivedAttributes, Pipeline,
    driver::{self, DriverStep, Execution, Executor, SafeKind},
    memory::MemoryL2,
};
use lamina_evm::{
    BlockAttributes, OpBlockBuilder,
    genesis::{FeeVaultConfig, L2Genesis},
    mem::MemoryState,
    trie::AccountState,
};
use lamina_protocol::{
    RollupConfig,
    block::{Forkchoice, L2BlockInfo},
};
use revm::database::WrapDatabaseRef;

use crate::fixture::{Rollup, deposits_from, key, sequence_to_origin};

/// Executes derived blocks with lamina-evm on an in-memory state, keeping the chain in a
/// [`MemoryL2`] for the pipeline to read.
struct EvmExecutor {
    builder: OpBlockBuilder,
    state: MemoryState,
    head: Header,
    l2: MemoryL2,
}

impl EvmExecutor {
    /// At the rollup's genesis; also returns the genesis block's info.
    fn at_genesis(cfg: &RollupConfig, genesis_json: &str) -> (Self, L2BlockInfo) {
        let genesis = L2Genesis::from_json(genesis_json, cfg, FeeVaultConfig::default()).unwrap();
        let mut state = MemoryState::default();
        for (address, acc) in &genesis.alloc {
            if !acc.code.is_empty() {
                state.set_code(*address, acc.code.clone(), acc.storage.clone());
            }
            let a = state.accounts.entry(*address).or_insert_with(|| AccountState {
                code_hash: KECCAK256_EMPTY,
                ..Default::default()
            });
            a.balance = acc.balance;
            a.nonce = acc.nonce;
        }
        let mut head = genesis.header;
        head.state_root = state.state_root();
        assert_eq!(head.hash_slow(), cfg.genesis.l2.hash, "the in-memory genesis is the chain's");
        let info = L2BlockInfo {
            hash: cfg.genesis.l2.hash,
            number: cfg.genesis.l2.number,
            parent_hash: head.parent_hash,
            timestamp: cfg.genesis.l2_time,
            l1_origin: cfg.genesis.l1,
            seq_num: 0,
        };
        state.block_hashes.insert(info.number, info.hash);
        let l2 = MemoryL2::new(info, cfg.genesis.system_config.clone());
        (Self { builder: OpBlockBuilder::new(cfg.clone()), state, head, l2 }, info)
    }
}

impl Executor for EvmExecutor {
    type Error = Infallible;

    async fn execute(&mut self, a: &DerivedAttributes) -> Result<Execution, Infallible> {
        assert_eq!(a.parent.hash, self.head.hash_slow(), "derived on the executor's head");
        let attrs = match BlockAttributes::try_from(&a.attributes) {
            Ok(attrs) => attrs,
            Err(e) => return Ok(Execution::Invalid(e.to_string())),
        };
        let db = WrapDatabaseRef(&self.state);
        match self.builder.build(&self.head, a.parent.hash, &attrs, db, &self.state) {
            Ok(block) => {
                self.state.apply(&block.bundle);
                self.state.block_hashes.insert(block.header.number, block.hash);
                self.head = block.header;
                self.l2.record(a, block.hash);
                Ok(Execution::Built(block.hash))
            }
            Err(e) if e.is_invalid_input() => Ok(Execution::Invalid(e.to_string())),
            Err(e) => panic!("the in-memory state failed: {e}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pure_driver_with_an_in_memory_evm_reaches_the_node_verifiers_hashes() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = Rollup::new(dir.path()).await;
    let (a, mut seq) = r.sequencer(&dir.path().join("sequencer"));

    // Transfers, a deposit, blocks past the deposit's epoch: all posted as one channel.
    r.transfers(&a, 0..3);
    seq.build_next().await.unwrap();
    let deposit_l1 = r.deposit(5).await;
    r.transfers(&a, 3..5);
    let mut head = sequence_to_origin(&mut seq, deposit_l1).await;
    for _ in 0..2 {
        head = seq.build_next().await.unwrap().info;
    }
    let n = head.number;
    let deposited = (1..=n).any(|k| deposits_from(&a, k, key(5).address()) == 1);
    assert!(deposited, "the user's deposit is in the chain");
    // The node's verifier, through its engine, on those blocks' batches and then a batch for
    // block n + 1 whose tx cannot execute: Holocene keeps only the block's deposits.
    let (b, replaced) =
        r.verify_an_invalid_last_batch(&a, &head, &dir.path().join("verifier")).await;

    // The pure driver, with the in-memory EVM: the same L1, no engine.
    let (mut exec, genesis) = EvmExecutor::at_genesis(&r.cfg, &r.genesis_json);
    let mut pipeline = Pipeline::new(r.cfg.clone(), r.source(), r.source(), exec.l2.clone());
    let heads = Forkchoice { head: genesis.id(), safe: genesis.id(), finalized: genesis.id() };
    driver::reset(&mut pipeline, &heads).await.unwrap();
    let mut safe = genesis;
    let mut kinds = Vec::new();
    loop {
        match driver::step(&mut pipeline, &safe, &mut exec).await.unwrap() {
            DriverStep::Safe(block) => {
                safe = block.info;
                kinds.push(block.kind);
            }
            DriverStep::Idle => break,
            DriverStep::Dropped { number, reason } => panic!("block {number} dropped: {reason}"),
            DriverStep::Progress | DriverStep::AdvancedOrigin(_) => {}
        }
    }
    assert_eq!(safe, replaced, "the same safe head, hash and place");
    assert_eq!(kinds.last(), Some(&SafeKind::DepositsOnly));
    for k in 1..=n + 1 {
        let node = b.store().canonical_hash(k).unwrap().unwrap();
        let pure = lamina_derive::L2Source::block_info(&exec.l2, k).await.unwrap().unwrap().hash;
        assert_eq!(pure, node, "block {k}");
    }
    assert_eq!(b.store().canonical_hash(n).unwrap(), a.store().canonical_hash(n).unwrap());
}
