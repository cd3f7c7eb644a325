//! The engine's execution witness is complete: every block of a dev-L1 rollup (the L1-info
//! deposit with its L1Block storage writes, a user deposit, transfers, fee-vault credits)
//! re-executes on `lamina_proof::state::WitnessState` built from nothing but the block's
//! witness, to the engine's own block hash.

use std::collections::BTreeMap;

use alloy_consensus::Header;
use alloy_primitives::private::alloy_rlp::Decodable;
use alloy_primitives::{B256, keccak256};
use lamina_evm::{BlockAttributes, OpBlockBuilder};
use lamina_proof::state::WitnessState;
use lamina_protocol::{Hardfork, block_config::decode_extra_data};
use revm::database::WrapDatabaseRef;

use crate::fixture::{Rollup, sequence_to_origin};

/// The attributes that rebuild `header` with its own `txs`.
fn attributes(r: &Rollup, header: &Header, txs: Vec<alloy_primitives::Bytes>) -> BlockAttributes {
    let holocene = r.cfg.is_active(Hardfork::Holocene, header.timestamp);
    BlockAttributes {
        timestamp: header.timestamp,
        prev_randao: header.mix_hash,
        suggested_fee_recipient: header.beneficiary,
        parent_beacon_block_root: header.parent_beacon_block_root,
        gas_limit: header.gas_limit,
        eip1559_params: holocene
            .then(|| decode_extra_data(&header.extra_data).unwrap().eip1559_params),
        transactions: txs,
        no_tx_pool: true,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_block_re_executes_from_its_witness_alone() {
    let dir = tempfile::tempdir().unwrap();
    let r = Rollup::new(dir.path()).await;
    let (a, mut seq) = r.sequencer(&dir.path().join("sequencer"));
    r.transfers(&a, 0..3);
    let deposit_l1 = r.deposit(5).await;
    let mut head = sequence_to_origin(&mut seq, deposit_l1).await;
    r.transfers(&a, 3..5);
    for _ in 0..3 {
        head = seq.build_next().await.unwrap().info;
    }
    let builder = OpBlockBuilder::new(r.cfg.clone());
    let (mut nodes, mut bytes) = (0, 0);
    for n in 1..=head.number {
        let w = a.execution_witness(n).unwrap();
        let parent = Header::decode(&mut w.headers[0].as_ref()).unwrap();
        let hashes: BTreeMap<u64, B256> = w
            .headers
            .iter()
            .map(|h| (Header::decode(&mut h.as_ref()).unwrap().number, keccak256(h)))
            .collect();
        nodes += w.state.len();
        bytes += w.state.iter().map(|n| n.len()).sum::<usize>();
        let state = WitnessState::new(parent.state_root, w.state, w.codes, hashes);
        let header = a.store().header(n).unwrap().unwrap();
        let txs = a.store().block_transactions(n).unwrap().unwrap();
        let attrs = attributes(&r, &header, txs);
        let block = builder
            .build(&parent, header.parent_hash, &attrs, WrapDatabaseRef(&state), &state)
            .unwrap_or_else(|e| panic!("block {n} from its witness: {e}"));
        assert_eq!(block.hash, header.hash_slow(), "block {n}");
    }
    println!(
        "{} blocks; witness {} nodes, {} bytes per block on average",
        head.number,
        nodes / head.number as usize,
        bytes / head.number as usize
    );
}
