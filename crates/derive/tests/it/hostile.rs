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

const BOTH: [Rules; 2] = [Rules::PreHolocene, Rules::Holocene];

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

/// A `ConfigUpdate` log as the SystemConfig emits it: version 0, `update_type`, and
/// `abi.encode(bytes payload)` as data.
fn config_update_log(chain: &Chain, update_type: u8, payload: &[u8]) -> alloy_primitives::Log {
    use alloy_primitives::{LogData, U256};
    let mut data = U256::from(32).to_be_bytes_vec();
    data.extend(U256::from(payload.len()).to_be_bytes::<32>());
    data.extend(payload);
    data.resize(64 + payload.len().div_ceil(32) * 32, 0);
    let mut ty = [0u8; 32];
    ty[31] = update_type;
    alloy_primitives::Log {
        address: chain.cfg.l1_system_config_address,
        data: LogData::new_unchecked(
            vec![lamina_protocol::constants::CONFIG_UPDATE_TOPIC, B256::ZERO, B256::from(ty)],
            data.into(),
        ),
    }
}

/// A `ConfigUpdate` log that cannot be parsed (a gas-limit payload of the wrong length, an
/// unknown type, a truncated ABI wrapper) is skipped with a warning: the chain goes on and the
/// well-formed update beside them in the same L1 block still applies.
#[tokio::test]
async fn a_malformed_config_update_log_is_skipped_and_the_chain_goes_on() {
    use alloy_consensus::{Eip658Value, Receipt, ReceiptEnvelope, ReceiptWithBloom};
    for rules in BOTH {
        let chain = Chain::new(rules);
        let mut good = [0u8; 32];
        good[24..].copy_from_slice(&40_000_000u64.to_be_bytes());
        let mut truncated = config_update_log(&chain, 2, &good);
        truncated.data = alloy_primitives::LogData::new_unchecked(
            truncated.data.topics().to_vec(),
            truncated.data.data[..40].to_vec().into(),
        );
        let logs = vec![
            config_update_log(&chain, 2, &[0xff; 7]),
            config_update_log(&chain, 200, &good),
            truncated,
            config_update_log(&chain, 2, &good),
        ];
        let receipt = Receipt { status: Eip658Value::Eip658(true), cumulative_gas_used: 1, logs };
        chain.l1_block_with(
            vec![],
            vec![ReceiptEnvelope::Eip1559(ReceiptWithBloom::new(receipt, Default::default()))],
        );
        chain.l1_blocks(2);
        let batches = chain.sequence(16, 1).await;
        chain.l1_block(vec![chain.batcher_tx(&chain.channel(&batches, 100_000))]);
        let v = verify(&chain).await;
        assert_eq!(v.l2.head(), chain.seq.head(), "{rules:?}");
        assert!(v.derived.iter().any(|a| a.l1_origin.number >= 1), "{rules:?}: epoch 1 reached");
        for a in &v.derived {
            let want = if a.l1_origin.number >= 1 { 40_000_000 } else { 30_000_000 };
            assert_eq!(
                a.attributes.gas_limit,
                Some(want),
                "{rules:?}: block {}",
                a.parent.number + 1
            );
        }
    }
}
