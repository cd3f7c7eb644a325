//! The real OP Mainnet batcher tx and the random span batch from kona.

use alloy_consensus::{Transaction, TxEnvelope};
use alloy_eips::eip2718::Decodable2718;
use alloy_primitives::{Address, keccak256};
use lamina_protocol::{
    batch::{Batch, RawSpanBatch, SpanBatch, span::SpanTxData},
    channel::{ChannelReader, Compression},
    frame::parse_batcher_data,
};
use sha2::{Digest, Sha256};

use crate::vectors::{json, unhex};

#[test]
fn op_mainnet_batcher_tx_decodes_to_27_blocks_and_209_txs() {
    let dir = crate::vectors::dir();
    let v = json(&dir, "extracted/frames_channels_batches.json");
    let d = &v["real_batcher_tx"]["derived"];
    let raw = std::fs::read(dir.join("kona/raw_batcher_tx.bin")).unwrap();

    let tx = TxEnvelope::decode_2718_exact(&raw).unwrap();
    assert_eq!(tx.chain_id(), Some(1));
    assert_eq!(tx.nonce(), d["nonce"].as_u64().unwrap());
    assert_eq!(tx.to(), Some(d["to(batch inbox)"].as_str().unwrap().parse::<Address>().unwrap()));
    assert_eq!(format!("{}", tx.tx_hash()), d["l1_tx_hash"].as_str().unwrap());
    let calldata = tx.input();
    assert_eq!(calldata.len() as u64, v["real_batcher_tx"]["upstream_assertions"]["calldata_len"]);

    let frames = parse_batcher_data(calldata).unwrap();
    assert_eq!(frames.len(), 1);
    let f = &d["frames"][0];
    assert_eq!(frames[0].channel_id.to_string(), f["channel_id"].as_str().unwrap());
    assert_eq!(u64::from(frames[0].number), f["frame_number"]);
    assert_eq!(frames[0].data.len() as u64, f["frame_data_length"]);
    assert!(frames[0].is_last);

    let mut reader = ChannelReader::new(&frames[0].data, false, 10_000_000).unwrap();
    assert_eq!(reader.compression(), Compression::Zlib);
    assert_eq!(reader.decompressed().len() as u64, d["decompressed_len"]);
    assert_eq!(hex_sha256(reader.decompressed()), d["decompressed_sha256"].as_str().unwrap());
    let decompressed = reader.decompressed().to_vec();
    let batch = reader.next_batch().unwrap().unwrap();
    assert!(reader.next_batch().is_none());
    let Batch::Span(raw_span) = batch else { panic!("expected a span batch") };

    // Byte-identical re-encoding of the whole channel item body.
    let body_start = decompressed.len() - raw_span.encode().len();
    assert_eq!(raw_span.encode(), decompressed[body_start..]);
    assert_eq!(decompressed[body_start - 1], 1, "type byte");

    let sb = &d["span_batch"];
    assert_eq!(raw_span.rel_timestamp, sb["rel_timestamp"]);
    assert_eq!(raw_span.l1_origin_num, sb["l1_origin_num"]);
    assert_eq!(raw_span.parent_check.to_string(), sb["parent_check"].as_str().unwrap());
    assert_eq!(raw_span.l1_origin_check.to_string(), sb["l1_origin_check"].as_str().unwrap());
    assert_eq!(raw_span.block_count() as u64, sb["block_count"]);
    assert_eq!(bits_string(&raw_span.origin_bits), sb["origin_bits"].as_str().unwrap());
    let counts: Vec<u64> =
        sb["block_tx_counts"].as_array().unwrap().iter().map(|c| c.as_u64().unwrap()).collect();
    assert_eq!(raw_span.block_tx_counts, counts);
    assert_eq!(raw_span.txs.len() as u64, sb["total_txs"]);
    assert_eq!(type_counts(&raw_span), (36, 0, 173, 0));
    assert_eq!(
        bits_string(&raw_span.txs.protected_bits),
        sb["legacy_protected_bits"].as_str().unwrap()
    );

    // Meaning: OP Mainnet genesis time 1686068903, block time 2, chain id 10.
    let span = SpanBatch::from_raw(&raw_span, 1_686_068_903, 2, 10).unwrap();
    assert_eq!(span.elements.len(), 27);
    assert_eq!(span.tx_count(), 209);
    let ts = &sb["derived_block_timestamps_first_last"];
    assert_eq!(span.elements[0].timestamp, ts[0]);
    assert_eq!(span.elements[26].timestamp, ts[1]);
    let origins: Vec<u64> = span.elements.iter().map(|e| e.epoch_num).collect();
    let expected: Vec<u64> = sb["derived_l1_origin_per_block"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o.as_u64().unwrap())
        .collect();
    assert_eq!(origins, expected);
    let hashes: Vec<String> = span
        .elements
        .iter()
        .flat_map(|e| e.transactions.iter())
        .map(|t| keccak256(t).to_string())
        .collect();
    for (i, h) in sb["derived_tx_hashes_first3"].as_array().unwrap().iter().enumerate() {
        assert_eq!(hashes[i], h.as_str().unwrap());
    }
    assert_eq!(hashes[208], sb["derived_tx_hash_last"].as_str().unwrap());
    assert_eq!(span.elements[0].transactions[0].to_vec(), unhex(&sb["derived_first_tx_raw"]));

    // And back: the meaning re-encodes to the same wire bytes.
    assert_eq!(span.to_raw(1_686_068_903, 2, 10).unwrap(), raw_span);
}

#[test]
fn random_span_batch_round_trips_byte_identically() {
    let dir = crate::vectors::dir();
    let v = json(&dir, "extracted/frames_channels_batches.json");
    let d = &v["raw_span_batch_random"]["derived"];
    let bytes = std::fs::read(dir.join("kona/raw_span_batch.bin")).unwrap();
    assert_eq!(bytes.len() as u64, d["encoded_len_without_type_byte"]);
    let raw = RawSpanBatch::decode_exact(&bytes).unwrap();
    assert_eq!(raw.encode(), bytes);
    assert_eq!(raw.rel_timestamp, d["rel_timestamp"]);
    assert_eq!(raw.l1_origin_num, d["l1_origin_num"]);
    assert_eq!(raw.parent_check.to_string(), d["parent_check"].as_str().unwrap());
    assert_eq!(raw.l1_origin_check.to_string(), d["l1_origin_check"].as_str().unwrap());
    assert_eq!(bits_string(&raw.origin_bits), d["origin_bits"].as_str().unwrap());
    assert_eq!(raw.txs.len() as u64, d["total_txs"]);
    assert_eq!(type_counts(&raw), (20, 10, 9, 0));
    let creations = raw.txs.contract_creation_bits.iter().filter(|b| **b).count();
    assert_eq!(creations as u64, d["contract_creations"]);
    assert_eq!(bits_string(&raw.txs.protected_bits), d["legacy_protected_bits"].as_str().unwrap());

    // The txs rebuild into full signed txs and back into the same columns.
    let span = SpanBatch::from_raw(&raw, 0, 2, 1).unwrap();
    let again = span.to_raw(0, 2, 1).unwrap();
    assert_eq!(again.txs, raw.txs);
    // The same batch inside a channel item, through Batch::decode.
    let mut item = vec![1u8];
    item.extend_from_slice(&bytes);
    assert_eq!(Batch::decode(&item).unwrap(), Batch::Span(raw));
}

fn bits_string(bits: &[bool]) -> String {
    bits.iter().map(|b| if *b { '1' } else { '0' }).collect()
}

fn type_counts(raw: &RawSpanBatch) -> (usize, usize, usize, usize) {
    let mut c = (0, 0, 0, 0);
    for d in &raw.txs.datas {
        match d {
            SpanTxData::Legacy(_) => c.0 += 1,
            SpanTxData::Eip2930(_) => c.1 += 1,
            SpanTxData::Eip1559(_) => c.2 += 1,
            SpanTxData::Eip7702(_) => c.3 += 1,
        }
    }
    c
}

fn hex_sha256(data: &[u8]) -> String {
    alloy_primitives::hex::encode(Sha256::digest(data))
}
