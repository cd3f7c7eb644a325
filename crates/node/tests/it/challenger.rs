//! The challenger against the real oracle on the dev L1, with a stand-in for the trusted node
//! whose roots and safe head the test sets: a right output is left alone, a wrong one is
//! deleted (that index, and so every later one), an output the node does not cover yet waits,
//! a final one is never touched, and a restarted challenger decides the same with no state.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{SystemTime, UNIX_EPOCH},
};

use alloy_eips::BlockNumberOrTag;
use alloy_primitives::{B256, U256};
use alloy_rpc_types_eth::TransactionRequest;
use alloy_sol_types::SolCall;
use lamina_l1::{
    chain::L1Chain,
    contracts::L2OutputOracle,
    deploy::DeployConfig,
    txmgr::{TxManager, TxManagerConfig},
};
use lamina_node::challenger::{Challenger, ChallengerError, Deleted, TrustedOutputs};

use lamina_devl1::DevL1;

use crate::fixture::{Rollup, key};

/// The trusted node as the test says it is.
#[derive(Debug, Clone, Default)]
struct Node {
    head: Arc<Mutex<u64>>,
    roots: Arc<Mutex<HashMap<u64, B256>>>,
}

impl Node {
    fn set(&self, head: u64, roots: &[(u64, B256)]) {
        *self.head.lock().unwrap() = head;
        self.roots.lock().unwrap().extend(roots.iter().copied());
    }
}

impl TrustedOutputs for Node {
    async fn trusted_head(&self) -> Result<u64, ChallengerError> {
        Ok(*self.head.lock().unwrap())
    }

    async fn output_root(&self, number: u64) -> Result<B256, ChallengerError> {
        Ok(self.roots.lock().unwrap()[&number])
    }
}

fn root(n: u8) -> B256 {
    B256::repeat_byte(n)
}

/// Proposes `root` for the next block (from the proposer, dev account 2).
async fn propose(r: &Rollup, block: u64, root: B256) {
    let call = L2OutputOracle::proposeL2OutputCall {
        _outputRoot: root,
        _l2BlockNumber: U256::from(block),
        _l1BlockHash: B256::ZERO,
        _l1BlockNumber: U256::ZERO,
    };
    r.send_l1(2, r.addresses.l2_output_oracle, call.abi_encode(), U256::ZERO).await;
}

async fn next_index(r: &Rollup) -> u64 {
    let tx = TransactionRequest::default()
        .to(r.addresses.l2_output_oracle)
        .input(L2OutputOracle::nextOutputIndexCall {}.abi_encode().into());
    let out = r.l1.call(tx).await.unwrap();
    L2OutputOracle::nextOutputIndexCall::abi_decode_returns(&out).unwrap().to()
}

async fn challenger(r: &Rollup, node: &Node) -> Challenger<DevL1, Node> {
    let txmgr = TxManager::new(r.l1.clone(), key(0), TxManagerConfig::dev());
    Challenger::new(node.clone(), txmgr.await.unwrap(), r.addresses.l2_output_oracle)
}

async fn sent_by_challenger(r: &Rollup) -> u64 {
    r.l1.nonce(key(0).address(), BlockNumberOrTag::Latest).await.unwrap()
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_challenger_deletes_exactly_the_wrong_outputs_it_can_judge() {
    let dir = tempfile::tempdir().unwrap();
    let r = Rollup::new(dir.path()).await;
    // L1 time well past the L2 time of the blocks proposed below (block 40 is 80 s in).
    r.l1.mine_at(now() + 200).unwrap();
    let node = Node::default();
    let mut c = challenger(&r, &node).await;
    let txs_before = sent_by_challenger(&r).await;

    // 10 right, 20 wrong, 30 beyond the node's safe head: only 20 goes.
    propose(&r, 10, root(1)).await;
    propose(&r, 20, root(0xbb)).await;
    propose(&r, 30, root(0xcc)).await;
    node.set(25, &[(10, root(1)), (20, root(2))]);
    let deleted = c.step().await.unwrap().expect("the wrong output is deleted");
    assert_eq!(
        (deleted.index, deleted.l2_block, deleted.bad_root, deleted.good_root),
        (1, 20, root(0xbb), root(2))
    );
    assert!(deleted.gas_used > 0);
    println!("deleteL2Outputs gas: {}", deleted.gas_used);
    assert_eq!(next_index(&r).await, 1, "index 1 and everything after it are gone");
    assert_eq!(c.step().await.unwrap(), None, "what is left is right");

    // The proposer goes on: 20 right now, 30 wrong but not yet covered by the node.
    propose(&r, 20, root(2)).await;
    propose(&r, 30, root(0xcc)).await;
    assert_eq!(c.step().await.unwrap(), None, "block 30 is above the node's safe head");
    assert_eq!(next_index(&r).await, 3);
    node.set(35, &[(30, root(3))]);
    let Some(Deleted { index: 2, l2_block: 30, .. }) = c.step().await.unwrap() else {
        panic!("output 2 (block 30) is deleted once the node covers it");
    };
    propose(&r, 30, root(3)).await;
    assert_eq!(c.step().await.unwrap(), None);
    assert_eq!(sent_by_challenger(&r).await, txs_before + 2, "two deletions, nothing else");

    // A restarted challenger, with nothing remembered, finds nothing to do.
    let mut restarted = challenger(&r, &node).await;
    assert_eq!(restarted.step().await.unwrap(), None);

    // A wrong output that is already final is not the challenger's any more.
    propose(&r, 40, root(0xdd)).await;
    node.set(45, &[(40, root(4))]);
    let l1_time = r.l1.header(BlockNumberOrTag::Latest).await.unwrap().unwrap().timestamp;
    r.l1.mine_at(l1_time + DeployConfig::dev().finalization_period_seconds + 1).unwrap();
    assert_eq!(restarted.step().await.unwrap(), None);
    assert_eq!(next_index(&r).await, 4, "the final output stays");
    assert_eq!(sent_by_challenger(&r).await, txs_before + 2);
}
