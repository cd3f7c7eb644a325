//! What this batcher already posted, read back from L1: after a restart the batcher continues
//! after the last block of its newest complete channel on L1 instead of posting again the
//! blocks that are on L1 but not yet safe.

use std::collections::{BTreeMap, HashMap};

use alloy_consensus::{Transaction as _, transaction::SignerRecoverable};
use alloy_eips::BlockNumberOrTag;
use alloy_primitives::Address;
use lamina_l1::chain::L1Chain;
use lamina_protocol::{
    Hardfork, RollupConfig,
    batch::{Batch, SpanBatch},
    channel::ChannelReader,
    frame::{ChannelId, Frame, parse_batcher_data},
};

use super::BatcherError;

/// Frames of the channels seen so far, by id and number.
type Open = HashMap<ChannelId, BTreeMap<u16, Frame>>;

/// The newest L2 timestamp in the complete channels `batcher` posted to `cfg`'s inbox in L1
/// blocks `from..=head`.
pub(super) async fn last_posted_timestamp<C: L1Chain>(
    chain: &C,
    cfg: &RollupConfig,
    batcher: Address,
    from: u64,
) -> Result<Option<u64>, BatcherError> {
    let head = chain.header(BlockNumberOrTag::Latest).await?.map(|h| h.number).unwrap_or(0);
    let mut open = Open::new();
    let mut last = None;
    for n in from..=head {
        let Some(header) = chain.header(BlockNumberOrTag::Number(n)).await? else { break };
        let txs = chain.transactions(header.hash()).await?.unwrap_or_default();
        for tx in txs {
            if tx.to() != Some(cfg.batch_inbox_address) || tx.recover_signer().ok() != Some(batcher)
            {
                continue;
            }
            // Data we cannot read is not ours to resume from.
            let Ok(frames) = parse_batcher_data(tx.input()) else { continue };
            for frame in frames {
                let id = frame.channel_id;
                open.entry(id).or_default().insert(frame.number, frame);
                if let Some(ts) = complete(&mut open, id, cfg, header.timestamp) {
                    last = last.max(Some(ts));
                }
            }
        }
    }
    Ok(last)
}

/// If channel `id` is complete, removes it and returns its newest L2 timestamp.
fn complete(open: &mut Open, id: ChannelId, cfg: &RollupConfig, l1_time: u64) -> Option<u64> {
    let frames = open.get(&id)?;
    let (&last_number, last) = frames.iter().next_back()?;
    if !last.is_last || frames.len() != usize::from(last_number) + 1 {
        return None;
    }
    let frames = open.remove(&id)?;
    let data: Vec<u8> = frames.values().flat_map(|f| f.data.iter().copied()).collect();
    let brotli = cfg.is_active(Hardfork::Fjord, l1_time);
    let mut reader =
        ChannelReader::new(&data, brotli, cfg.max_rlp_bytes_per_channel(l1_time)).ok()?;
    let mut newest = None;
    while let Some(Ok(batch)) = reader.next_batch() {
        let ts = match batch {
            Batch::Single(b) => Some(b.timestamp),
            Batch::Span(raw) => {
                SpanBatch::from_raw(&raw, cfg.genesis.l2_time, cfg.block_time, cfg.l2_chain_id)
                    .ok()
                    .and_then(|s| s.elements.last().map(|e| e.timestamp))
            }
        };
        newest = newest.max(ts);
    }
    newest
}
