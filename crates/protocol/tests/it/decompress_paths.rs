//! The two decompression paths agree: `channel::inflate::decompress_core` (no `std::io`, the
//! proof program's) gives exactly what `channel::compression::decompress` (flate2 and brotli's
//! std readers) gives — the same bytes and the same stop reason — on OP mainnet's channel, on
//! random zlib and Brotli streams cut short, corrupted, padded or read under a limit, and on
//! arbitrary bytes.

use alloy_consensus::{Transaction, TxEnvelope};
use alloy_eips::eip2718::Decodable2718;
use lamina_protocol::{
    channel::{
        compression::{CompressionConfig, compress, decompress},
        inflate::decompress_core,
    },
    frame::parse_batcher_data,
};
use proptest::prelude::*;

fn agree(data: &[u8], brotli: bool, limit: u64) {
    let std_path = decompress(data, brotli, limit);
    let core_path = decompress_core(data, brotli, limit);
    assert_eq!(core_path, std_path, "{} bytes, brotli {brotli}, limit {limit}", data.len());
}

#[test]
fn op_mainnets_channel_decompresses_alike_under_every_limit() {
    let dir = crate::vectors::dir();
    let raw = std::fs::read(dir.join("kona/raw_batcher_tx.bin")).unwrap();
    let tx = TxEnvelope::decode_2718_exact(&raw).unwrap();
    let frames = parse_batcher_data(tx.input()).unwrap();
    let channel = &frames[0].data;
    let full = decompress(channel, true, u64::MAX).unwrap();
    assert_eq!(full.data.len(), 240_308);
    for limit in [0, 1, 4095, 4096, 16_384, 32_768, 100_000, 240_307, 240_308, 240_309, u64::MAX] {
        agree(channel, true, limit);
    }
    // Cut and corrupted copies of it.
    for cut in [1, 2, 10, 1000, 32_768, 32_769, 60_000, channel.len() - 4, channel.len() - 1] {
        agree(&channel[..cut], true, u64::MAX);
    }
    for at in [2, 3, 100, 5000, 40_000, channel.len() - 2] {
        let mut bad = channel.to_vec();
        bad[at] ^= 0x55;
        agree(&bad, true, u64::MAX);
    }
    // The same data recompressed with Brotli, and its cut and corrupted copies.
    let brotli = compress(&full.data, CompressionConfig::BROTLI_10);
    agree(&brotli, true, u64::MAX);
    agree(&brotli, false, u64::MAX);
    for cut in [1, 2, 3, 4097, 20_000, brotli.len() - 1] {
        agree(&brotli[..cut], true, u64::MAX);
    }
    for at in [1, 2, 50, 4096, 30_000, brotli.len() - 1] {
        let mut bad = brotli.clone();
        bad[at] ^= 0x55;
        agree(&bad, true, u64::MAX);
    }
}

/// Compressible payloads: runs of a few byte values, and noise.
fn payload() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec((any::<u8>(), 1usize..200, any::<bool>()), 0..120).prop_map(|runs| {
        let mut out = Vec::new();
        for (b, n, noise) in runs {
            if noise {
                out.extend((0..n).map(|i| b.wrapping_mul(i as u8).wrapping_add(i as u8 >> 1)));
            } else {
                out.extend(std::iter::repeat_n(b, n));
            }
        }
        out
    })
}

/// What happens to a stream on its way: nothing, cut short, a byte changed, garbage after.
#[derive(Debug, Clone)]
enum Damage {
    None,
    Cut(usize),
    Flip(usize, u8),
    Append(Vec<u8>),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        Just(Damage::None),
        any::<usize>().prop_map(Damage::Cut),
        (any::<usize>(), 1u8..=255).prop_map(|(i, x)| Damage::Flip(i, x)),
        proptest::collection::vec(any::<u8>(), 1..40).prop_map(Damage::Append),
    ]
}

fn apply(mut stream: Vec<u8>, d: &Damage) -> Vec<u8> {
    match d {
        Damage::None => {}
        Damage::Cut(at) => stream.truncate(at % (stream.len() + 1)),
        Damage::Flip(at, x) => {
            let i = at % stream.len();
            stream[i] ^= x;
        }
        Damage::Append(tail) => stream.extend_from_slice(tail),
    }
    stream
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn random_streams_decompress_alike(
        data in payload(),
        brotli in any::<bool>(),
        level in 0u32..12,
        d in damage(),
        limit in prop_oneof![Just(u64::MAX), 0u64..30_000],
    ) {
        let cfg = if brotli {
            CompressionConfig { algo: lamina_protocol::channel::Compression::Brotli, level }
        } else {
            CompressionConfig { algo: lamina_protocol::channel::Compression::Zlib, level: level.min(9) }
        };
        let stream = apply(compress(&data, cfg), &d);
        agree(&stream, true, limit);
        agree(&stream, false, limit);
    }

    #[test]
    fn arbitrary_bytes_decompress_alike(
        first in prop_oneof![Just(0x78u8), Just(0x01u8), any::<u8>()],
        rest in proptest::collection::vec(any::<u8>(), 0..600),
        limit in prop_oneof![Just(u64::MAX), 0u64..1000],
    ) {
        let mut stream = vec![first];
        stream.extend(rest);
        agree(&stream, true, limit);
    }
}
