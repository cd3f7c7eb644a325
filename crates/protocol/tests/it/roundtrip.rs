//! Property round trips: blocks → span batch → channel → frames → parse → same blocks;
//! span ↔ singular; blob; deposit tx; L1-info; frames.

use alloy_consensus::{SignableTransaction, TxEip1559, TxEip2930, TxEip7702, TxEnvelope, TxLegacy};
use alloy_eips::{
    eip2718::Encodable2718,
    eip2930::{AccessList, AccessListItem},
    eip7702::{Authorization, SignedAuthorization},
};
use alloy_primitives::{Address, B256, Bytes, Signature, TxKind, U256};
use lamina_protocol::{
    L2BlockInfo,
    batch::{Batch, SingleBatch, SpanBatch},
    blob::{decode_blob, encode_blob},
    block::BlockId,
    channel::{BatchFormat, ChannelOut, ChannelReader, CompressionConfig},
    deposit::TxDeposit,
    frame::{ChannelId, Frame, encode_batcher_data, parse_batcher_data},
    l1_info::{L1BlockInfoTx, L1InfoBedrock, L1InfoEcotone, L1InfoIsthmus},
};
use proptest::prelude::*;

pub(crate) const CHAIN_ID: u64 = 901;
const GENESIS_TIME: u64 = 1_000;
const BLOCK_TIME: u64 = 2;

fn sig() -> impl Strategy<Value = Signature> {
    (any::<[u8; 32]>(), any::<[u8; 32]>(), any::<bool>())
        .prop_map(|(r, s, y)| Signature::new(U256::from_be_bytes(r), U256::from_be_bytes(s), y))
}

fn access_list() -> impl Strategy<Value = AccessList> {
    prop::collection::vec((any::<[u8; 20]>(), prop::collection::vec(any::<[u8; 32]>(), 0..3)), 0..3)
        .prop_map(|items| {
            AccessList(
                items
                    .into_iter()
                    .map(|(a, keys)| AccessListItem {
                        address: Address::from(a),
                        storage_keys: keys.into_iter().map(B256::from).collect(),
                    })
                    .collect(),
            )
        })
}

/// A signed tx of a random batchable type, EIP-2718 encoded (signatures are random: the codecs
/// carry them, they do not verify them).
pub(crate) fn tx() -> impl Strategy<Value = Bytes> {
    let common = (
        any::<u64>(),
        any::<u64>(),
        any::<u128>(),
        any::<u128>(),
        prop::option::of(any::<[u8; 20]>()),
        any::<[u8; 32]>(),
        prop::collection::vec(any::<u8>(), 0..64),
    );
    (0u8..5, common, sig(), access_list(), any::<bool>(), any::<[u8; 20]>()).prop_map(
        |(kind, (nonce, gas, fee_a, fee_b, to, value, input), sig, al, protected, addr)| {
            let to = to.map_or(TxKind::Create, |a| TxKind::Call(Address::from(a)));
            let value = U256::from_be_bytes(value);
            let input = Bytes::from(input);
            let env: TxEnvelope = match kind {
                0 | 1 => TxLegacy {
                    chain_id: (kind == 0 && protected)
                        .then_some(CHAIN_ID)
                        .or((kind == 1).then_some(CHAIN_ID)),
                    nonce,
                    gas_price: fee_a,
                    gas_limit: gas,
                    to,
                    value,
                    input,
                }
                .into_signed(sig)
                .into(),
                2 => TxEip2930 {
                    chain_id: CHAIN_ID,
                    nonce,
                    gas_price: fee_a,
                    gas_limit: gas,
                    to,
                    value,
                    access_list: al,
                    input,
                }
                .into_signed(sig)
                .into(),
                3 => TxEip1559 {
                    chain_id: CHAIN_ID,
                    nonce,
                    gas_limit: gas,
                    max_fee_per_gas: fee_a,
                    max_priority_fee_per_gas: fee_b,
                    to,
                    value,
                    access_list: al,
                    input,
                }
                .into_signed(sig)
                .into(),
                _ => TxEip7702 {
                    chain_id: CHAIN_ID,
                    nonce,
                    gas_limit: gas,
                    max_fee_per_gas: fee_a,
                    max_priority_fee_per_gas: fee_b,
                    to: Address::from(addr),
                    value,
                    access_list: al,
                    authorization_list: vec![SignedAuthorization::new_unchecked(
                        Authorization {
                            chain_id: U256::from(CHAIN_ID),
                            address: Address::from(addr),
                            nonce,
                        },
                        1,
                        U256::from(7),
                        U256::from(9),
                    )],
                    input,
                }
                .into_signed(sig)
                .into(),
            };
            Bytes::from(env.encoded_2718())
        },
    )
}

/// Consecutive singular batches after a parent with epoch `parent_epoch`.
pub(crate) fn blocks() -> impl Strategy<Value = (u64, Vec<SingleBatch>)> {
    (
        1_000u64..2_000,
        any::<[u8; 32]>(),
        prop::collection::vec((any::<bool>(), prop::collection::vec(tx(), 0..5)), 1..8),
    )
        .prop_map(|(parent_epoch, parent_hash, blocks)| {
            let mut epoch = parent_epoch;
            let out = blocks
                .into_iter()
                .enumerate()
                .map(|(i, (advance, txs))| {
                    epoch += u64::from(advance);
                    SingleBatch {
                        parent_hash: if i == 0 { B256::from(parent_hash) } else { B256::ZERO },
                        epoch_num: epoch,
                        epoch_hash: epoch_hash(epoch),
                        timestamp: GENESIS_TIME + 10 * BLOCK_TIME + i as u64 * BLOCK_TIME,
                        transactions: txs,
                    }
                })
                .collect();
            (parent_epoch, out)
        })
}

fn epoch_hash(n: u64) -> B256 {
    alloy_primitives::keccak256(n.to_be_bytes())
}

fn parent_of(first: &SingleBatch, parent_epoch: u64) -> L2BlockInfo {
    L2BlockInfo {
        hash: first.parent_hash,
        timestamp: first.timestamp - BLOCK_TIME,
        l1_origin: BlockId { number: parent_epoch, hash: epoch_hash(parent_epoch) },
        ..Default::default()
    }
}

/// Sends batches through a channel and frames, parses them back, and returns the batches read.
fn through_channel(
    batches: &[SingleBatch],
    format: BatchFormat,
    compression: CompressionConfig,
    frame_size: usize,
) -> Vec<Batch> {
    let mut ch = ChannelOut::new(ChannelId::from([7; 16]), format, compression, 100_000_000);
    for b in batches {
        ch.add_batch(b.clone()).unwrap();
    }
    let frames = ch.frames(frame_size).unwrap();
    // One batcher tx per frame, as a calldata batcher with small txs would post them.
    let mut channel = Vec::new();
    for (i, f) in frames.iter().enumerate() {
        let parsed = parse_batcher_data(&encode_batcher_data([f])).unwrap();
        assert_eq!(parsed, vec![f.clone()]);
        assert_eq!(usize::from(f.number), i);
        assert!(f.encoded_len() <= frame_size);
        channel.extend_from_slice(&parsed[0].data);
    }
    assert!(frames.last().unwrap().is_last);
    let mut reader = ChannelReader::new(&channel, true, 100_000_000).unwrap();
    let mut out = Vec::new();
    while let Some(b) = reader.next_batch() {
        out.push(b.unwrap());
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn blocks_through_span_channel_frames_and_back((parent_epoch, batches) in blocks(), brotli in any::<bool>(), frame_size in 24usize..3000) {
        let compression = if brotli { CompressionConfig::BROTLI_10 } else { CompressionConfig::ZLIB_BEST };
        let format = BatchFormat::Span { genesis_time: GENESIS_TIME, block_time: BLOCK_TIME, chain_id: CHAIN_ID, parent_epoch };
        let read = through_channel(&batches, format, compression, frame_size);
        prop_assert_eq!(read.len(), 1);
        let Batch::Span(raw) = &read[0] else { panic!("span expected") };
        let span = SpanBatch::from_raw(raw, GENESIS_TIME, BLOCK_TIME, CHAIN_ID).unwrap();
        let origins: Vec<BlockId> = (parent_epoch..parent_epoch + 10).map(|n| BlockId { number: n, hash: epoch_hash(n) }).collect();
        let back = span.to_singular(&origins, &parent_of(&batches[0], parent_epoch)).unwrap();
        prop_assert_eq!(back, batches);
    }

    #[test]
    fn blocks_through_singular_channel_and_back((_, batches) in blocks(), brotli in any::<bool>(), frame_size in 24usize..3000) {
        let compression = if brotli { CompressionConfig::BROTLI_10 } else { CompressionConfig::ZLIB_BEST };
        let read = through_channel(&batches, BatchFormat::Single, compression, frame_size);
        let expected: Vec<Batch> = batches.into_iter().map(Batch::Single).collect();
        prop_assert_eq!(read, expected);
    }

    #[test]
    fn span_and_singular_convert_both_ways((parent_epoch, batches) in blocks(), skip in 0usize..4) {
        let span = SpanBatch::from_singular(&batches, parent_epoch).unwrap();
        let raw = span.to_raw(GENESIS_TIME, BLOCK_TIME, CHAIN_ID).unwrap();
        let bytes = raw.encode();
        let decoded = lamina_protocol::batch::RawSpanBatch::decode_exact(&bytes).unwrap();
        prop_assert_eq!(&decoded, &raw);
        let meaning = SpanBatch::from_raw(&decoded, GENESIS_TIME, BLOCK_TIME, CHAIN_ID).unwrap();
        prop_assert_eq!(&meaning, &span);
        // Starting later in the span (an overlap with the safe chain) skips the known blocks.
        let skip = skip.min(batches.len() - 1);
        let origins: Vec<BlockId> = (parent_epoch..parent_epoch + 10).map(|n| BlockId { number: n, hash: epoch_hash(n) }).collect();
        let mut parent = parent_of(&batches[0], parent_epoch);
        parent.timestamp += skip as u64 * BLOCK_TIME;
        let tail = meaning.to_singular(&origins, &parent).unwrap();
        prop_assert_eq!(tail.len(), batches.len() - skip);
        for (a, b) in tail.iter().zip(&batches[skip..]) {
            prop_assert_eq!((a.epoch_num, a.epoch_hash, a.timestamp, &a.transactions), (b.epoch_num, b.epoch_hash, b.timestamp, &b.transactions));
        }
    }

    #[test]
    fn blob_round_trips(data in prop::collection::vec(any::<u8>(), 0..=2000), big in any::<bool>()) {
        // Half the cases use a large payload built from the small one, reaching the maximum size.
        let data = if big { data.iter().cycle().take(130_044.min(data.len() * 100)).copied().collect() } else { data };
        let blob = encode_blob(&data).unwrap();
        prop_assert_eq!(decode_blob(&blob[..]).unwrap(), data);
    }

    #[test]
    fn deposit_tx_round_trips(src in any::<[u8; 32]>(), from in any::<[u8; 20]>(), to in prop::option::of(any::<[u8; 20]>()), mint in any::<u128>(), value in any::<[u8; 32]>(), gas in any::<u64>(), sys in any::<bool>(), input in prop::collection::vec(any::<u8>(), 0..200)) {
        let tx = TxDeposit {
            source_hash: B256::from(src),
            from: Address::from(from),
            to: to.map_or(TxKind::Create, |a| TxKind::Call(Address::from(a))),
            mint,
            value: U256::from_be_bytes(value),
            gas_limit: gas,
            is_system_transaction: sys,
            input: input.into(),
        };
        prop_assert_eq!(TxDeposit::decode_2718(&tx.encoded_2718()).unwrap(), tx);
    }

    #[test]
    fn l1_info_round_trips(w in any::<[[u8; 32]; 6]>(), n in any::<[u64; 4]>(), s in any::<[u32; 3]>(), kind in 0u8..3) {
        let e = L1InfoEcotone {
            base_fee_scalar: s[0],
            blob_base_fee_scalar: s[1],
            sequence_number: n[0],
            timestamp: n[1],
            number: n[2],
            base_fee: U256::from_be_bytes(w[0]),
            blob_base_fee: U256::from_be_bytes(w[1]),
            block_hash: B256::from(w[2]),
            batcher_hash: B256::from(w[3]),
        };
        let info = match kind {
            0 => L1BlockInfoTx::Bedrock(L1InfoBedrock {
                number: n[0], timestamp: n[1], base_fee: U256::from_be_bytes(w[0]), block_hash: B256::from(w[2]),
                sequence_number: n[3], batcher_hash: B256::from(w[3]), l1_fee_overhead: U256::from_be_bytes(w[4]), l1_fee_scalar: U256::from_be_bytes(w[5]),
            }),
            1 => L1BlockInfoTx::Ecotone(e),
            _ => L1BlockInfoTx::Isthmus(L1InfoIsthmus { ecotone: e, operator_fee_scalar: s[2], operator_fee_constant: n[3] }),
        };
        prop_assert_eq!(L1BlockInfoTx::decode_calldata(&info.encode_calldata()).unwrap(), info);
    }

    #[test]
    fn frames_round_trip(frames in prop::collection::vec((any::<[u8; 16]>(), any::<u16>(), prop::collection::vec(any::<u8>(), 0..300), any::<bool>()), 1..6)) {
        let frames: Vec<Frame> = frames.into_iter().map(|(id, number, data, is_last)| Frame { channel_id: ChannelId::from(id), number, data: data.into(), is_last }).collect();
        prop_assert_eq!(parse_batcher_data(&encode_batcher_data(&frames)).unwrap(), frames);
    }
}

/// Found by the `batches` fuzz target: a span batch whose varints are not minimal. It is valid
/// (Go's `binary.Uvarint` accepts it too); re-encoding writes minimal varints, and the result
/// decodes to the same batch.
#[test]
fn non_minimal_varints_decode_to_the_same_batch() {
    let input = alloy_primitives::hex::decode("00f851a0000000004201000000000000000000fa000000000000000000000000000000000084622ba307c883000000000000fa000000000000000000000000000000000000000000000000000000000000000000004201000000000000000000000000000000000000000000004201000000000000000000fa000000000000000000000000000000000084622ba307c883000000000000fa000000000000000000000000000000000084622ba307c8830000008376fd7c00008376fd7c").unwrap();
    let mut c = lamina_protocol::codec::Cursor::new(&input);
    let raw = lamina_protocol::batch::RawSpanBatch::decode(&mut c).unwrap();
    let reencoded = raw.encode();
    assert_ne!(reencoded.as_slice(), &input[..c.offset()]);
    assert_eq!(lamina_protocol::batch::RawSpanBatch::decode_exact(&reencoded).unwrap(), raw);
}
