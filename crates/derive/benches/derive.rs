//! Derivation alone: a synthetic chain of 10,000 L2 blocks (4 signed transfers each) posted by
//! the batcher as channels of 300 blocks, derived by a fresh verifier from the in-memory L1
//! (`MemoryL2::apply` stands in for execution). Reports L2 blocks/s (criterion's elements/s)
//! and prints the batch data rate (MB/s of batcher payload).
//!
//! `cargo bench -p lamina-derive --bench derive`

#![allow(clippy::unwrap_used, missing_docs)]

use std::time::Instant;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lamina_derive::testing::{Chain, Rules, Verifier};

const BLOCKS: usize = 10_000;
const TXS_PER_BLOCK: usize = 4;
/// L1 blocks between channels (6 L2 blocks per L1 block: 300 blocks per channel).
const CHANNEL_EVERY: usize = 50;

fn build(rules: Rules, span: bool) -> Chain {
    let mut chain = Chain::new(rules);
    chain.cfg.seq_window_size = 3_600;
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        let mut pending = Vec::new();
        let mut made = 0;
        let mut l1_blocks = 0;
        while made < BLOCKS {
            chain.l1_block(vec![]);
            l1_blocks += 1;
            let n = 6.min(BLOCKS - made);
            let parent_epoch = chain.seq.head().l1_origin.number;
            let batches = chain.sequence(n, TXS_PER_BLOCK).await;
            made += n;
            if pending.is_empty() {
                pending.push((parent_epoch, Vec::new()));
            }
            pending.last_mut().unwrap().1.extend(batches);
            if l1_blocks % CHANNEL_EVERY == 0 || made == BLOCKS {
                let (parent_epoch, blocks) = pending.pop().unwrap();
                let frames = if span {
                    chain.span_channel(&blocks, parent_epoch)
                } else {
                    chain.channel(&blocks, 120_000)
                };
                let txs = frames.chunks(1).map(|f| chain.batcher_tx(f)).collect();
                chain.l1_block(txs);
            }
        }
        chain.l1_block(vec![]);
    });
    chain
}

fn derive_all(chain: &Chain, rt: &tokio::runtime::Runtime) -> Verifier {
    rt.block_on(async {
        let mut v = Verifier::new(chain);
        v.sync().await.unwrap();
        v
    })
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let mut group = c.benchmark_group("derive");
    group.sample_size(10);
    group.throughput(Throughput::Elements(BLOCKS as u64));
    for (name, rules, span) in [
        ("span_holocene", Rules::Holocene, true),
        ("singular_pre_holocene", Rules::PreHolocene, false),
    ] {
        let chain = build(rules, span);
        let start = Instant::now();
        let v = derive_all(&chain, &rt);
        let secs = start.elapsed().as_secs_f64();
        assert_eq!(v.l2.head(), chain.seq.head(), "the verifier reaches the sequencer's head");
        let stats = v.pipeline.stats();
        eprintln!(
            "derive/{name}: {} blocks, {} L1 blocks, {} channels, {:.2} MB batch data; one run {:.0} ms = {:.0} blocks/s, {:.1} MB/s",
            v.derived.len(),
            stats.l1_blocks,
            stats.channels,
            stats.data_bytes as f64 / 1e6,
            secs * 1e3,
            v.derived.len() as f64 / secs,
            stats.data_bytes as f64 / 1e6 / secs,
        );
        group.bench_function(name, |b| b.iter(|| derive_all(&chain, &rt)));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
