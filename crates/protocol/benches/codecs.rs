//! Codec benchmarks: span-batch decode, channel decompress + read (zlib, Brotli), `ChannelOut`
//! throughput, and the bytes per tx a channel costs on L1 for ETH and ERC-20 transfers.
//!
//! Transactions are synthetic but shaped like real ones (seeded RNG): random 32-byte signature
//! values (as incompressible as real signatures), fresh random recipients, realistic fees and
//! nonces. When the OP vectors are present, the real OP Mainnet span batch is benchmarked too.

// Bench code: a panic is how a broken setup reports itself.
#![allow(clippy::unwrap_used, missing_docs)]

use std::hint::black_box;

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, B256, Bytes, Signature, TxKind, U256};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lamina_protocol::{
    batch::{Batch, RawSpanBatch, SingleBatch, SpanBatch},
    channel::{BatchFormat, ChannelOut, ChannelReader, CompressionConfig},
    frame::ChannelId,
};
use rand::{Rng, SeedableRng, rngs::StdRng};

const CHAIN_ID: u64 = 901;
const TXS: usize = 1000;
const TXS_PER_BLOCK: usize = 100;

#[derive(Clone, Copy)]
enum Kind {
    EthTransfer,
    Erc20Transfer,
}

fn signed(rng: &mut StdRng, tx: TxEip1559) -> Bytes {
    let sig = Signature::new(
        U256::from_be_bytes(rng.random::<[u8; 32]>()),
        U256::from_be_bytes(rng.random::<[u8; 32]>()),
        rng.random(),
    );
    TxEnvelope::from(tx.into_signed(sig)).encoded_2718().into()
}

fn txs(kind: Kind, n: usize, seed: u64) -> Vec<Bytes> {
    let mut rng = StdRng::seed_from_u64(seed);
    let tokens: Vec<Address> = (0..10).map(|_| Address::from(rng.random::<[u8; 20]>())).collect();
    (0..n)
        .map(|_| {
            let base_fee = 1_000_000_000u128 + rng.random_range(0..50_000_000);
            let tip = [1_000_000u128, 10_000_000, 100_000_000][rng.random_range(0..3)];
            let recipient = Address::from(rng.random::<[u8; 20]>());
            let (to, value, gas, input) = match kind {
                Kind::EthTransfer => {
                    // Amounts as people send them: a few significant digits.
                    let value =
                        U256::from(rng.random_range(1u64..10_000)) * U256::from(10u64.pow(14));
                    (recipient, value, 21_000, Bytes::new())
                }
                Kind::Erc20Transfer => {
                    let mut data = vec![0xa9, 0x05, 0x9c, 0xbb];
                    data.extend_from_slice(recipient.into_word().as_slice());
                    let amount =
                        U256::from(rng.random_range(1u64..1_000_000)) * U256::from(10u64.pow(12));
                    data.extend_from_slice(&amount.to_be_bytes::<32>());
                    let token = tokens[rng.random_range(0..tokens.len())];
                    (token, U256::ZERO, rng.random_range(45_000..65_000), Bytes::from(data))
                }
            };
            let tx = TxEip1559 {
                chain_id: CHAIN_ID,
                nonce: rng.random_range(0..5_000),
                gas_limit: gas,
                max_fee_per_gas: base_fee * 2 + tip,
                max_priority_fee_per_gas: tip,
                to: TxKind::Call(to),
                value,
                access_list: Default::default(),
                input,
            };
            signed(&mut rng, tx)
        })
        .collect()
}

fn blocks(txs: &[Bytes]) -> Vec<SingleBatch> {
    txs.chunks(TXS_PER_BLOCK)
        .enumerate()
        .map(|(i, chunk)| SingleBatch {
            parent_hash: if i == 0 { B256::repeat_byte(1) } else { B256::ZERO },
            epoch_num: 100 + i as u64 / 6,
            epoch_hash: B256::repeat_byte(2),
            timestamp: 10_000 + 2 * i as u64,
            transactions: chunk.to_vec(),
        })
        .collect()
}

fn span_format() -> BatchFormat {
    BatchFormat::Span { genesis_time: 0, block_time: 2, chain_id: CHAIN_ID, parent_epoch: 99 }
}

fn channel(batches: &[SingleBatch], format: BatchFormat, c: CompressionConfig) -> ChannelOut {
    let mut ch = ChannelOut::new(ChannelId::from([9; 16]), format, c, 100_000_000);
    for b in batches {
        ch.add_batch(b.clone()).unwrap();
    }
    ch.close().unwrap();
    ch
}

/// L1 bytes per tx for each shape, printed once (a size, not a timing).
fn report_sizes() {
    println!(
        "\nChannelOut L1 bytes per tx ({TXS} txs, {TXS_PER_BLOCK} per block; frames + version byte included):"
    );
    for (kind, name) in
        [(Kind::EthTransfer, "ETH transfers"), (Kind::Erc20Transfer, "ERC-20 transfers")]
    {
        let batches = blocks(&txs(kind, TXS, 7));
        let raw_len: usize = batches.iter().flat_map(|b| &b.transactions).map(|t| t.len()).sum();
        for (fmt_name, format) in [("span", span_format()), ("singular", BatchFormat::Single)] {
            for (cname, c) in [
                ("zlib-9", CompressionConfig::ZLIB_BEST),
                ("brotli-10", CompressionConfig::BROTLI_10),
            ] {
                let mut ch = channel(&batches, format, c);
                let frames = ch.frames(120_000).unwrap();
                let l1: usize = frames.iter().map(|f| f.encoded_len() + 1).sum();
                println!(
                    "  {name:<17} {fmt_name:<8} {cname:<9} {:>6.1} B/tx  (raw signed txs {:.1} B/tx)",
                    l1 as f64 / TXS as f64,
                    raw_len as f64 / TXS as f64
                );
            }
        }
    }
}

fn bench_span_decode(c: &mut Criterion) {
    report_sizes();
    let mut g = c.benchmark_group("span_batch_decode");
    let batches = blocks(&txs(Kind::EthTransfer, TXS, 1));
    let raw = SpanBatch::from_singular(&batches, 99).unwrap().to_raw(0, 2, CHAIN_ID).unwrap();
    let bytes = raw.encode();
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("1000_eth_transfers/wire", |b| {
        b.iter(|| RawSpanBatch::decode_exact(black_box(&bytes)).unwrap())
    });
    g.throughput(Throughput::Elements(TXS as u64));
    g.bench_function("1000_eth_transfers/wire+full_txs", |b| {
        b.iter(|| {
            let raw = RawSpanBatch::decode_exact(black_box(&bytes)).unwrap();
            SpanBatch::from_raw(&raw, 0, 2, CHAIN_ID).unwrap()
        })
    });
    if let Some(real) = op_mainnet_span_batch() {
        g.throughput(Throughput::Bytes(real.len() as u64));
        g.bench_function("op_mainnet_209_txs/wire", |b| {
            b.iter(|| RawSpanBatch::decode_exact(black_box(&real)).unwrap())
        });
        g.throughput(Throughput::Elements(209));
        g.bench_function("op_mainnet_209_txs/wire+full_txs", |b| {
            b.iter(|| {
                let raw = RawSpanBatch::decode_exact(black_box(&real)).unwrap();
                SpanBatch::from_raw(&raw, 1_686_068_903, 2, 10).unwrap()
            })
        });
    }
    g.finish();
}

/// The real OP Mainnet span batch body, when the vectors are present.
fn op_mainnet_span_batch() -> Option<Vec<u8>> {
    let dir =
        std::env::var_os("LAMINA_VECTORS").map(std::path::PathBuf::from).unwrap_or_else(|| {
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors")
        });
    let raw = std::fs::read(dir.join("kona/raw_batcher_tx.bin")).ok()?;
    // Reach the span batch through the public decoders: tx → frame → channel → item.
    use alloy_consensus::Transaction;
    use alloy_eips::eip2718::Decodable2718;
    let tx = TxEnvelope::decode_2718_exact(&raw).ok()?;
    let frames = lamina_protocol::frame::parse_batcher_data(tx.input()).ok()?;
    let mut reader = ChannelReader::new(&frames[0].data, false, 10_000_000).ok()?;
    let item = reader.next_item()?.ok()?;
    Some(item[1..].to_vec())
}

fn bench_channel_read(c: &mut Criterion) {
    let mut g = c.benchmark_group("channel_decompress_read");
    let batches = blocks(&txs(Kind::EthTransfer, TXS, 2));
    for (name, comp) in
        [("zlib", CompressionConfig::ZLIB_BEST), ("brotli10", CompressionConfig::BROTLI_10)]
    {
        let ch = channel(&batches, span_format(), comp);
        let data = ch.compressed().unwrap().to_vec();
        g.throughput(Throughput::Bytes(data.len() as u64));
        g.bench_function(format!("{name}/1000_txs"), |b| {
            b.iter(|| {
                let mut r = ChannelReader::new(black_box(&data), true, 100_000_000).unwrap();
                let mut n = 0;
                while let Some(batch) = r.next_batch() {
                    if let Batch::Span(s) = batch.unwrap() {
                        n += s.txs.len();
                    }
                }
                assert_eq!(n, TXS);
            })
        });
    }
    g.finish();
}

fn bench_channel_out(c: &mut Criterion) {
    let mut g = c.benchmark_group("channel_out");
    g.sample_size(10);
    let batches = blocks(&txs(Kind::EthTransfer, TXS, 3));
    g.throughput(Throughput::Elements(TXS as u64));
    for (name, comp) in
        [("zlib9", CompressionConfig::ZLIB_BEST), ("brotli10", CompressionConfig::BROTLI_10)]
    {
        g.bench_function(format!("span_{name}/1000_txs"), |b| {
            b.iter(|| channel(black_box(&batches), span_format(), comp).frames(120_000).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, bench_span_decode, bench_channel_read, bench_channel_out);
criterion_main!(benches);
