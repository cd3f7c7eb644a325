//! The output oracle: who may propose what and when, the lookups viem relies on (including the
//! exact revert reason that means "waiting to prove"), and deletion by the challenger.

use alloy_primitives::{B256, U256};
use alloy_sol_types::SolEvent;
use lamina_l1::contracts::L2OutputOracle;

use crate::fixture::{
    BLOCK_TIME, CHALLENGER, Deployed, FINALIZATION_PERIOD, PROPOSER, STRANGER, deploy,
};

const NOT_PROPOSED: &str =
    "L2OutputOracle: cannot get output for a block that has not been proposed";

fn propose(d: &mut Deployed, root: u8, block: u64) -> crate::evm::Outcome {
    let call = L2OutputOracle::proposeL2OutputCall {
        _outputRoot: B256::repeat_byte(root),
        _l2BlockNumber: U256::from(block),
        _l1BlockHash: B256::ZERO,
        _l1BlockNumber: U256::ZERO,
    };
    d.l1.send(PROPOSER, d.oracle, U256::ZERO, call)
}

/// Interval 10 from L2 block 100, whose L2 time is 1000 s before the L1 head.
fn oracle() -> Deployed {
    let mut d = deploy(10, 100, 0);
    d.l1.timestamp = 1_000;
    d
}

#[test]
fn proposals_follow_the_rules() {
    let mut d = oracle();
    let o = d.oracle;
    let idx = |n: u64| L2OutputOracle::getL2OutputIndexAfterCall { _l2BlockNumber: U256::from(n) };
    // No output yet: viem's "waiting to prove".
    let out = d.l1.send(STRANGER, o, U256::ZERO, idx(100));
    out.assert_revert(NOT_PROPOSED);
    assert_eq!(d.l1.view(o, L2OutputOracle::nextBlockNumberCall {}), U256::from(110));
    assert_eq!(d.l1.view(o, L2OutputOracle::latestBlockNumberCall {}), U256::from(100));

    let strange = L2OutputOracle::proposeL2OutputCall {
        _outputRoot: B256::repeat_byte(1),
        _l2BlockNumber: U256::from(110),
        _l1BlockHash: B256::ZERO,
        _l1BlockNumber: U256::ZERO,
    };
    d.l1.send(STRANGER, o, U256::ZERO, strange)
        .assert_revert("L2OutputOracle: only the proposer address can propose new outputs");
    propose(&mut d, 1, 109)
        .assert_revert("L2OutputOracle: block number must be equal to next expected block number");
    propose(&mut d, 1, 120)
        .assert_revert("L2OutputOracle: block number must be equal to next expected block number");
    propose(&mut d, 0, 110)
        .assert_revert("L2OutputOracle: L2 output proposal cannot be the zero hash");

    let out = propose(&mut d, 1, 110);
    let event = L2OutputOracle::OutputProposed::decode_log(&out.assert_ok().logs[0]).unwrap();
    assert_eq!(
        (event.outputRoot, event.l2OutputIndex, event.l2BlockNumber),
        (B256::repeat_byte(1), U256::ZERO, U256::from(110))
    );
    assert_eq!(event.l1Timestamp, U256::from(1_000));

    // L2 block 600 is at L2 time 1000 = the L1 time: not yet in the past.
    let mut far = deploy(500, 100, 0);
    far.l1.timestamp = 1_000;
    propose(&mut far, 1, 600)
        .assert_revert("L2OutputOracle: cannot propose L2 output in the future");
    far.l1.advance(1);
    propose(&mut far, 1, 600).assert_ok();
    assert_eq!(BLOCK_TIME, 2, "the arithmetic above assumes 2 s blocks");

    // The L1 anchor must be the hash of that L1 block.
    let anchored = |hash: B256, number: u64| L2OutputOracle::proposeL2OutputCall {
        _outputRoot: B256::repeat_byte(2),
        _l2BlockNumber: U256::from(120),
        _l1BlockHash: hash,
        _l1BlockNumber: U256::from(number),
    };
    let number = d.l1.number - 1;
    d.l1.send(PROPOSER, o, U256::ZERO, anchored(B256::repeat_byte(9), number))
        .assert_revert("L2OutputOracle: block hash does not match the hash at the expected height");
    let hash = d.l1.block_hash(number);
    d.l1.send(PROPOSER, o, U256::ZERO, anchored(hash, number)).assert_ok();
    propose(&mut d, 3, 130).assert_ok();

    // Lookups: the first output at or after a block.
    for (block, want) in [(101, 0u64), (110, 0), (111, 1), (120, 1), (125, 2), (130, 2)] {
        assert_eq!(d.l1.view(o, idx(block)), U256::from(want), "block {block}");
    }
    d.l1.send(STRANGER, o, U256::ZERO, idx(131)).assert_revert(NOT_PROPOSED);
    let output = d.l1.view(o, L2OutputOracle::getL2OutputCall { _l2OutputIndex: U256::from(1) });
    assert_eq!((output.outputRoot, output.l2BlockNumber), (B256::repeat_byte(2), 120));
    assert_eq!(d.l1.view(o, L2OutputOracle::latestOutputIndexCall {}), U256::from(2));
    assert_eq!(d.l1.view(o, L2OutputOracle::nextBlockNumberCall {}), U256::from(140));
    assert_eq!(
        d.l1.view(o, L2OutputOracle::FINALIZATION_PERIOD_SECONDSCall {}),
        U256::from(FINALIZATION_PERIOD)
    );
}

#[test]
fn only_the_challenger_deletes_and_only_unfinalized_outputs() {
    let mut d = oracle();
    let o = d.oracle;
    for (root, block) in [(1, 110), (2, 120), (3, 130)] {
        propose(&mut d, root, block).assert_ok();
    }
    let delete = |i: u64| L2OutputOracle::deleteL2OutputsCall { _l2OutputIndex: U256::from(i) };
    d.l1.send(STRANGER, o, U256::ZERO, delete(1))
        .assert_revert("L2OutputOracle: only the challenger address can delete outputs");
    d.l1.send(CHALLENGER, o, U256::ZERO, delete(3))
        .assert_revert("L2OutputOracle: cannot delete outputs after the latest output index");
    let out = d.l1.send(CHALLENGER, o, U256::ZERO, delete(1));
    let event = L2OutputOracle::OutputsDeleted::decode_log(&out.assert_ok().logs[0]).unwrap();
    assert_eq!(
        (event.prevNextOutputIndex, event.newNextOutputIndex),
        (U256::from(3), U256::from(1))
    );
    assert_eq!(d.l1.view(o, L2OutputOracle::nextBlockNumberCall {}), U256::from(120));
    d.l1.send(
        STRANGER,
        o,
        U256::ZERO,
        L2OutputOracle::getL2OutputIndexAfterCall { _l2BlockNumber: U256::from(111) },
    )
    .assert_revert(NOT_PROPOSED);
    // A new proposal reuses the freed index.
    propose(&mut d, 7, 120).assert_ok();
    let output = d.l1.view(o, L2OutputOracle::getL2OutputCall { _l2OutputIndex: U256::from(1) });
    assert_eq!(output.outputRoot, B256::repeat_byte(7));

    d.l1.advance(FINALIZATION_PERIOD);
    d.l1.send(CHALLENGER, o, U256::ZERO, delete(0))
        .assert_revert("L2OutputOracle: cannot delete outputs that have already been finalized");
}
