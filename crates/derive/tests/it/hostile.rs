//! Malformed or hostile batcher data never stops derivation and never changes the chain:
//! garbage, unknown versions, wrong senders, frames of unknown channels, corrupt channels,
//! batches from the future.

use alloy_primitives::{Address, B256, Bytes};
use alloy_signer_local::PrivateKeySigner;
use lamina_protocol::{
    batch::SingleBatch,
    frame::{ChannelId, Frame, encode_batcher_data},
};
use proptest::prelude::*;

use lamina_derive::testing::{Chain, INBOX, Rules, verify};

/// Hostile txs: each is something anyone could post to the inbox.
fn hostile_txs(chain: &Chain, honest: &[SingleBatch]) -> Vec<alloy_consensus::TxEnvelope> {
    let stranger = PrivateKeySigner::from_bytes(&B256::repeat_byte(0x66)).unwrap();
    let frame = |id: u8, number: u16, data: &[u8], is_last: bool| Frame {
        channel_id: ChannelId::from([id; 16]),
        number,
        data: Bytes::copy_from_slice(data),
        is_last,
    };
    let mut future = honest[0].clone();
    future.timestamp += 1_000;
    let mut txs = vec![
        // Garbage and unknown versions from the batcher.
        chain.tx_from(&chain.batcher, INBOX, vec![0xde, 0xad, 0xbe, 0xef]),
        chain.tx_from(&chain.batcher, INBOX, vec![]),
        chain.tx_from(&chain.batcher, INBOX, {
            let mut d = encode_batcher_data(&[frame(9, 0, b"x", true)]);
            d[0] = 1;
            d
        }),
        // A valid channel, but from a stranger.
        chain.tx_from(&stranger, INBOX, encode_batcher_data(&chain.channel(honest, 100_000))),
        // Frames of a channel nobody opened, and a truncated frame.
        chain.batcher_tx(&[frame(7, 3, b"orphan", true)]),
        chain.tx_from(
            &chain.batcher,
            INBOX,
            encode_batcher_data(&[frame(8, 0, b"abc", true)])[..10].to_vec(),
        ),
        // A closed channel whose content is not a compressed stream.
        chain.batcher_tx(&[frame(6, 0, b"not zlib at all", true)]),
        // A batch from the future.
        chain.batcher_tx(&chain.channel(&[future], 100_000)),
    ];
    // The honest channel sent to another address.
    let elsewhere = Address::repeat_byte(1);
    txs.push(chain.tx_from(
        &chain.batcher,
        elsewhere,
        encode_batcher_data(&chain.channel(honest, 100_000)),
    ));
    txs
}

#[tokio::test]
async fn hostile_data_neither_stops_nor_changes_derivation() {
    for rules in [Rules::PreHolocene, Rules::Holocene] {
        let chain = Chain::new(rules);
        chain.l1_blocks(3);
        let batches = chain.sequence(12, 2).await;
        // Hostile data before, alongside (before the honest tx) and after the honest channel.
        chain.l1_block(hostile_txs(&chain, &batches));
        let mut block = hostile_txs(&chain, &batches);
        block.push(chain.batcher_tx(&chain.channel(&batches, 100_000)));
        block.extend(hostile_txs(&chain, &batches));
        chain.l1_block(block);
        chain.l1_block(hostile_txs(&chain, &batches));
        let v = verify(&chain).await;
        assert_eq!(v.l2.head(), chain.seq.head(), "{rules:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Random bytes from the batcher, before the honest channel in the same block: the verifier
    /// still reaches exactly the sequencer's chain.
    #[test]
    fn random_batcher_data_never_changes_the_chain(
        junk in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 1..5),
        holocene in any::<bool>(),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            let chain = Chain::new(if holocene { Rules::Holocene } else { Rules::PreHolocene });
            chain.l1_blocks(1);
            let batches = chain.sequence(4, 1).await;
            let mut txs: Vec<_> = junk.into_iter().map(|d| chain.tx_from(&chain.batcher, INBOX, d)).collect();
            txs.push(chain.batcher_tx(&chain.channel(&batches, 100_000)));
            chain.l1_block(txs);
            let v = verify(&chain).await;
            assert_eq!(v.l2.head(), chain.seq.head());
        });
    }
}
