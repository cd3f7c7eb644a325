//! Decoders never panic: random bytes, and valid encodings with random mutations, go through
//! every decoder. Only `Ok` or `Err` may come out.

use alloy_primitives::{Address, B256, Log, LogData};
use lamina_protocol::{
    RollupConfig,
    batch::{Batch, RawSpanBatch, SpanBatch},
    blob::{decode_blob, encode_blob},
    block_config::{decode_extra_data, system_config_of_block},
    channel::{BatchFormat, ChannelOut, ChannelReader, CompressionConfig},
    constants::{CONFIG_UPDATE_TOPIC, DEPOSIT_EVENT_TOPIC},
    deposit::{TxDeposit, decode_deposit_log},
    frame::{ChannelId, Frame, parse_batcher_data},
    l1_info::L1BlockInfoTx,
    system_config::decode_config_update,
};
use proptest::prelude::*;

use crate::roundtrip::{CHAIN_ID, blocks};

/// Runs every byte decoder over `data`.
fn all_decoders(data: &[u8]) {
    let _ = parse_batcher_data(data);
    let _ = Frame::parse_all(data);
    let _ = TxDeposit::decode_2718(data);
    let _ = L1BlockInfoTx::decode_calldata(data);
    let _ = decode_extra_data(data);
    let _ = system_config_of_block(data, 1, Some(data));
    if let Ok(b) = Batch::decode(data) {
        let _ = b.encode();
        if let Batch::Span(raw) = b {
            let _ = SpanBatch::from_raw(&raw, 0, 2, CHAIN_ID);
            let _ = SpanBatch::from_raw(&raw, u64::MAX, u64::MAX, CHAIN_ID);
        }
    }
    if let Ok(raw) = RawSpanBatch::decode_exact(data) {
        let _ = SpanBatch::from_raw(&raw, 0, 2, CHAIN_ID);
    }
    if let Ok(mut r) = ChannelReader::new(data, true, 1 << 20) {
        while let Some(b) = r.next_batch() {
            if let Ok(Batch::Span(raw)) = b {
                let _ = SpanBatch::from_raw(&raw, 0, 2, CHAIN_ID);
            }
        }
    }
    let _ = RollupConfig::from_json(&String::from_utf8_lossy(data));
}

fn mutate(mut data: Vec<u8>, edits: &[(usize, u8)], cut: Option<usize>) -> Vec<u8> {
    if data.is_empty() {
        return data;
    }
    for (pos, val) in edits {
        let i = pos % data.len();
        data[i] = *val;
    }
    if let Some(c) = cut {
        data.truncate(c % (data.len() + 1));
    }
    data
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes_never_panic(data in prop::collection::vec(any::<u8>(), 0..2048), prefix in 0u8..3) {
        // Steer some inputs towards the interesting type bytes.
        let mut d = data;
        if let Some(first) = d.first_mut() {
            match prefix { 0 => *first = 0, 1 => *first = 1, _ => {} }
        }
        all_decoders(&d);
    }

    #[test]
    fn random_logs_never_panic(topics in prop::collection::vec(any::<[u8; 32]>(), 0..5), data in prop::collection::vec(any::<u8>(), 0..300), which in any::<bool>()) {
        let mut topics: Vec<B256> = topics.into_iter().map(B256::from).collect();
        if let Some(t) = topics.first_mut() {
            *t = if which { DEPOSIT_EVENT_TOPIC } else { CONFIG_UPDATE_TOPIC };
        }
        let log = Log { address: Address::ZERO, data: LogData::new_unchecked(topics, data.into()) };
        let _ = decode_deposit_log(&log, B256::ZERO, 0);
        let _ = decode_config_update(&log);
        let _ = lamina_protocol::withdrawal::decode_message_passed(&log);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn mutated_valid_encodings_never_panic(
        (parent_epoch, batches) in blocks(),
        edits in prop::collection::vec((any::<usize>(), any::<u8>()), 0..6),
        cut in prop::option::of(any::<usize>()),
        brotli in any::<bool>(),
    ) {
        let format = BatchFormat::Span { genesis_time: 0, block_time: 2, chain_id: CHAIN_ID, parent_epoch };
        let compression = if brotli { CompressionConfig::BROTLI_10 } else { CompressionConfig::ZLIB_BEST };
        let mut ch = ChannelOut::new(ChannelId::from([1; 16]), format, compression, 1 << 30);
        for b in &batches { ch.add_batch(b.clone()).unwrap(); }
        ch.close().unwrap();
        let compressed = ch.compressed().unwrap().to_vec();
        let frames = ch.frames(1000).unwrap();
        let raw = SpanBatch::from_singular(&batches, parent_epoch).unwrap().to_raw(0, 2, CHAIN_ID).unwrap();
        let mut span_item = vec![1u8];
        span_item.extend(raw.encode());
        for valid in [compressed, lamina_protocol::frame::encode_batcher_data(&frames), span_item, raw.encode()] {
            all_decoders(&mutate(valid, &edits, cut));
        }
    }

    #[test]
    fn mutated_blobs_never_panic(data in prop::collection::vec(any::<u8>(), 0..500), edits in prop::collection::vec((any::<usize>(), any::<u8>()), 1..4)) {
        let blob = encode_blob(&data).unwrap().to_vec();
        let _ = decode_blob(&mutate(blob, &edits, None));
    }
}
