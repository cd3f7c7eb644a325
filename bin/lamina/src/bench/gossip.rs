//! `lamina bench gossip`: how fast a verifier learns the sequencer's blocks, as `lamina dev`
//! runs them (in process, gossip over loopback TCP): from the moment the sequencer has built a
//! block to the moment the verifier's node reports it as its unsafe head (gossip: sign,
//! snappy, gossipsub, validate, newPayload), and — beside it — as its safe head (L1: the
//! batcher posts it, L1 mines it, derivation reads and consolidates it). Blocks carry ETH
//! transfers; the figures printed are what was measured: blocks, txs included, p50/p99/max.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use clap::Args;
use lamina_devl1::DEV_ACCOUNTS;
use lamina_node::dev_stack::DevStack;
use lamina_p2p::TopicVersion;

use super::{
    dev::{stack_config, wait},
    rpc::{tempfile_dir, transfer_from},
};

/// Flags of `lamina bench gossip`.
#[derive(Debug, Args)]
pub(crate) struct GossipBenchArgs {
    /// Blocks measured.
    #[arg(long, default_value_t = 60)]
    blocks: usize,
    /// ETH transfers sent for each block.
    #[arg(long = "txs-per-block", default_value_t = 20)]
    txs_per_block: u64,
    /// Seconds between L2 blocks.
    #[arg(long = "block-time", default_value_t = 1)]
    block_time: u64,
    /// Print each block's latencies too.
    #[arg(long = "per-block")]
    per_block: bool,
}

/// When each block number was first seen.
type Seen = Arc<Mutex<HashMap<u64, Instant>>>;

fn mark(seen: &Seen, upto: u64) {
    let now = Instant::now();
    if let Ok(mut s) = seen.lock() {
        // The status may move several blocks at once: each was there by now.
        let from = s.keys().max().map_or(0, |m| m + 1);
        for n in from..=upto {
            s.entry(n).or_insert(now);
        }
    }
}

/// p50, p99 and max of `v`, in ms.
fn spread(mut v: Vec<Duration>) -> (f64, f64, f64) {
    v.sort_unstable();
    let at = |q: f64| {
        let i = ((v.len() as f64 * q).ceil() as usize).saturating_sub(1).min(v.len() - 1);
        v[i].as_secs_f64() * 1e3
    };
    if v.is_empty() { (0.0, 0.0, 0.0) } else { (at(0.5), at(0.99), at(1.0)) }
}

async fn scenario(args: &GossipBenchArgs, dir: &std::path::Path) -> eyre::Result<()> {
    let stack = DevStack::launch(stack_config(args.block_time, dir, None)?).await?;
    let gossip = |n: &lamina_node::dev_stack::DevNode| {
        n.p2p.as_ref().map(|p| p.gossip.clone()).ok_or_else(|| eyre::eyre!("no gossip"))
    };
    let (ver, seq_gossip) = (gossip(&stack.verifier)?, gossip(&stack.sequencer)?);
    // Measured from the moment each side has the other in its mesh: before that a block is
    // published to nobody (and the verifier derives it from L1).
    let start = Instant::now();
    while ver.mesh_size(TopicVersion::V4).await? < 1
        || seq_gossip.mesh_size(TopicVersion::V4).await? < 1
    {
        eyre::ensure!(start.elapsed() < Duration::from_secs(30), "the nodes never meshed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // And from the moment the verifier follows: blocks built before the mesh formed went to
    // nobody, and blocks after them wait until L1 fills that gap.
    let seq = stack.sequencer.engine.handle.clone();
    let ver_engine = stack.verifier.engine.handle.clone();
    wait(
        || {
            let theirs = seq.store().forkchoice()?.head.number;
            Ok(theirs > 0 && ver_engine.store().forkchoice()?.head.number >= theirs)
        },
        "the verifier to follow",
    )
    .await?;

    let (unsafe_seen, safe_seen): (Seen, Seen) = Default::default();
    let mut status = stack.verifier.node.status.clone();
    let (u, s) = (unsafe_seen.clone(), safe_seen.clone());
    let watcher = tokio::spawn(async move {
        while status.changed().await.is_ok() {
            let st = status.borrow_and_update().clone();
            mark(&u, st.unsafe_l2.number);
            mark(&s, st.safe_l2.number);
        }
    });

    let chain_id = stack.deployment.rollup.l2_chain_id;
    // Six senders (dev accounts 4–9), so a block's worth stays within the pool's per-sender cap.
    let mut senders = DEV_ACCOUNTS[4..]
        .iter()
        .map(|(_, k)| Ok((alloy_signer_local::PrivateKeySigner::from_bytes(k)?, 0u64)))
        .collect::<eyre::Result<Vec<_>>>()?;
    let mut sent = 0usize;
    let mut built_rx = stack.sequencer.node.subscribe_blocks();
    let mut built: Vec<(u64, Instant, usize)> = Vec::new();
    // Blocks built before the measurement started are not counted.
    let first = seq.store().head()?.map_or(0, |(n, _)| n) + 1;
    while built.len() < args.blocks {
        let p = built_rx.recv().await?;
        let at = Instant::now();
        if p.number >= first {
            built.push((p.number, at, p.tx_count));
        }
        for _ in 0..args.txs_per_block {
            let (key, nonce) = &mut senders[sent % 6];
            seq.send_raw_transaction(&transfer_from(chain_id, key, *nonce)?)?;
            *nonce += 1;
            sent += 1;
        }
    }
    let last = built.last().map_or(0, |b| b.0);
    let seen = |s: &Seen, n| s.lock().ok().and_then(|m| m.get(&n).copied());
    wait(|| Ok(seen(&safe_seen, last).is_some()), "the verifier's safe head").await?;
    watcher.abort();

    let (mut via_gossip, mut via_l1) = (Vec::new(), Vec::new());
    let mut missed = 0;
    for (n, at, _) in &built {
        if args.per_block {
            let ms = |s: &Seen| {
                seen(s, *n).map(|t| t.saturating_duration_since(*at).as_secs_f64() * 1e3)
            };
            println!("block {n}: unsafe {:?} ms, safe {:?} ms", ms(&unsafe_seen), ms(&safe_seen));
        }
        match seen(&unsafe_seen, *n) {
            Some(t) => via_gossip.push(t.saturating_duration_since(*at)),
            None => missed += 1,
        }
        if let Some(t) = seen(&safe_seen, *n) {
            via_l1.push(t.saturating_duration_since(*at));
        }
    }
    let stats = *stack.verifier.node.stats.borrow();
    stack.stop().await;

    let txs: usize = built.iter().map(|b| b.2).sum();
    println!(
        "lamina dev, in process: {} blocks ({} s apart) carrying {} txs, gossip over loopback TCP",
        built.len(),
        args.block_time,
        txs
    );
    println!(
        "  {:<44} {:>9} {:>9} {:>9}",
        "sequencer block → verifier", "p50 ms", "p99 ms", "max ms"
    );
    let row = |name: &str, v: Vec<Duration>| {
        let (p50, p99, max) = spread(v);
        println!("  {name:<44} {p50:>9.1} {p99:>9.1} {max:>9.1}");
    };
    row("unsafe head (gossip)", via_gossip);
    row("safe head (L1: batcher, L1 block, derivation)", via_l1);
    println!(
        "  verifier: {} blocks consolidated, {} built from L1 attributes, {} never gossiped",
        stats.consolidated, stats.derived, missed
    );
    Ok(())
}

pub(crate) fn run(args: &GossipBenchArgs) -> eyre::Result<()> {
    eyre::ensure!(
        args.blocks > 0 && args.block_time > 0,
        "--blocks and --block-time must be positive"
    );
    let dir = tempfile_dir()?.join("gossip");
    let _ = std::fs::remove_dir_all(&dir);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let out = rt.block_on(scenario(args, &dir));
    let _ = std::fs::remove_dir_all(&dir);
    out
}
