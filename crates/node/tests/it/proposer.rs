//! The proposer posting output roots of the verifier's safe blocks to the L2OutputOracle: the
//! oracle names the next block, the root posted equals the sequencer's own output for it, and
//! nothing is proposed before the block is safe (before it is finalized, by default).

use alloy_primitives::U256;
use alloy_rpc_types_eth::TransactionRequest;
use alloy_sol_types::SolCall;
use lamina_l1::{
    chain::L1Chain,
    contracts::L2OutputOracle,
    txmgr::{TxManager, TxManagerConfig},
};
use lamina_node::{
    proposer::{Proposer, ProposerConfig},
    rollup::{Verifier, rpc::output_at},
};

use crate::fixture::{Chain, Rollup, key};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outputs_of_safe_blocks_reach_the_oracle() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = Rollup::new(dir.path()).await;
    let (a, mut seq) = r.sequencer(&dir.path().join("sequencer"));
    r.transfers(&a, 0..3);
    let mut head = seq.build_next().await.unwrap().info;
    for _ in 0..11 {
        head = seq.build_next().await.unwrap().info;
    }
    let b = r.engine(&dir.path().join("verifier"));
    let oracle = r.addresses.l2_output_oracle;
    let txmgr = TxManager::new(r.l1.clone(), key(2), TxManagerConfig::dev()).await.unwrap();
    let mut p = Proposer::new(
        b.clone(),
        txmgr,
        oracle,
        ProposerConfig { allow_non_finalized: true, ..ProposerConfig::default() },
    );
    // The same key, but by default: only finalized blocks (it never gets to send here).
    let idle = TxManager::new(r.l1.clone(), key(2), TxManagerConfig::dev()).await.unwrap();
    let mut cautious = Proposer::new(b.clone(), idle, oracle, ProposerConfig::default());
    assert_eq!(p.next_block().await.unwrap(), 10, "startingBlockNumber + interval");
    assert_eq!(p.step().await.unwrap(), None, "block 10 is not safe yet");

    r.post_batches(&a, 1, head.number).await;
    let mut v: Verifier<Chain> = Verifier::new(b.clone(), r.source()).await.unwrap();
    assert_eq!(v.sync().await.unwrap().hash, head.hash);
    // The oracle refuses outputs of blocks from L1's future: let L1 time pass L2's.
    r.l1.mine_at(head.timestamp + 1).unwrap();

    assert_eq!(
        cautious.step().await.unwrap(),
        None,
        "by default only finalized blocks are proposed, and block 10 is only safe"
    );
    let proposed = p.step().await.unwrap().expect("block 10 is safe");
    assert_eq!(proposed.l2_block, 10);
    let (want, _) = output_at(&a, 10).await.unwrap();
    assert_eq!(proposed.output_root, want.hash(), "the sequencer's own output for block 10");
    let call = TransactionRequest::default()
        .to(oracle)
        .input(L2OutputOracle::getL2OutputCall { _l2OutputIndex: U256::ZERO }.abi_encode().into());
    let out = r.l1.call(call).await.unwrap();
    let stored = L2OutputOracle::getL2OutputCall::abi_decode_returns(&out).unwrap();
    assert_eq!(stored.outputRoot, want.hash());
    assert_eq!(p.next_block().await.unwrap(), 20);
    assert_eq!(p.step().await.unwrap(), None, "block 20 does not exist yet");
}
