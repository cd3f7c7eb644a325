//! What a batcher already posted, read back from L1 (calldata and blobs): its complete
//! channels and the L2 blocks (by timestamp) each carries. After a restart the batcher
//! continues after the last block of its newest complete channel on L1 instead of posting
//! again the blocks that are on L1 but not yet safe; operators and tests use the same reading
//! to audit what was posted.

use std::collections::{BTreeMap, HashMap, HashSet};

use alloy_eips::BlockNumberOrTag;
use alloy_primitives::{Address, B256};
use lamina_derive::stages::retrieval::{DataRef, batcher_data, blob_hashes};
use lamina_l1::chain::L1Chain;
use lamina_protocol::{
    Hardfork, RollupConfig,
    batch::{Batch, SpanBatch},
    blob::decode_blob,
    channel::ChannelReader,
    frame::{ChannelId, Frame, parse_batcher_data},
};

use super::BatcherError;

/// Frames of the channels seen so far, by id and number.
type Open = HashMap<ChannelId, BTreeMap<u16, Frame>>;

/// A complete channel found on L1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostedChannel {
    /// Its id.
    pub id: ChannelId,
    /// The L1 block holding its last frame.
    pub l1_block: u64,
    /// Frames it took (the number of the last plus one).
    pub frames: usize,
    /// The timestamps of the L2 blocks in its batches, in order (empty if unreadable).
    pub l2_timestamps: Vec<u64>,
}

/// What `batcher` posted to `cfg`'s inbox in L1 blocks `from..=head`: every complete
/// channel, and how many frames were seen more than once (same channel id and number; a
/// batcher that never re-sends a frame has none).
pub async fn posted_channels<C: L1Chain>(
    chain: &C,
    cfg: &RollupConfig,
    batcher: Address,
    from: u64,
) -> Result<(Vec<PostedChannel>, usize), BatcherError> {
    let head = chain.header(BlockNumberOrTag::Latest).await?.map(|h| h.number).unwrap_or(0);
    let mut open = Open::new();
    let mut posted = Vec::new();
    let mut done = HashSet::new();
    let mut repeated = 0;
    for n in from..=head {
        let Some(header) = chain.header(BlockNumberOrTag::Number(n)).await? else { break };
        let txs = chain.transactions(header.hash()).await?.unwrap_or_default();
        // Exactly what derivation reads as this batcher's data (derive's retrieval rules).
        let ecotone = cfg.is_active(Hardfork::Ecotone, header.timestamp);
        let refs = batcher_data(&txs, cfg.batch_inbox_address, batcher, ecotone);
        let hashes = blob_hashes(&refs);
        let mut blobs: HashMap<B256, Vec<u8>> = HashMap::new();
        if !hashes.is_empty() {
            for (hash, blob) in hashes.iter().zip(chain.blobs(&header, &hashes).await?) {
                // Data we cannot read is not ours to resume from.
                if let Ok(data) = decode_blob(blob.as_slice()) {
                    blobs.insert(*hash, data);
                }
            }
        }
        for data in refs {
            let bytes = match &data {
                DataRef::Calldata(input) => input.as_ref(),
                DataRef::Blob(h) => blobs.get(h).map(Vec::as_slice).unwrap_or_default(),
            };
            for frame in parse_batcher_data(bytes).unwrap_or_default() {
                let id = frame.channel_id;
                let seen = done.contains(&id)
                    || open.get(&id).is_some_and(|f| f.contains_key(&frame.number));
                if seen {
                    repeated += 1;
                    continue;
                }
                open.entry(id).or_default().insert(frame.number, frame);
                if let Some(channel) = complete(&mut open, id, cfg, &header) {
                    done.insert(id);
                    posted.push(channel);
                }
            }
        }
    }
    Ok((posted, repeated))
}

/// The newest L2 timestamp in the complete channels `batcher` posted in L1 blocks
/// `from..=head`.
pub(super) async fn last_posted_timestamp<C: L1Chain>(
    chain: &C,
    cfg: &RollupConfig,
    batcher: Address,
    from: u64,
) -> Result<Option<u64>, BatcherError> {
    let (posted, _) = posted_channels(chain, cfg, batcher, from).await?;
    Ok(posted.iter().filter_map(|c| c.l2_timestamps.last().copied()).max())
}

/// If channel `id` is complete, removes it and reads its batches.
fn complete(
    open: &mut Open,
    id: ChannelId,
    cfg: &RollupConfig,
    l1: &lamina_l1::chain::L1Header,
) -> Option<PostedChannel> {
    let frames = open.get(&id)?;
    let (&last_number, last) = frames.iter().next_back()?;
    if !last.is_last || frames.len() != usize::from(last_number) + 1 {
        return None;
    }
    let frames = open.remove(&id)?;
    let data: Vec<u8> = frames.values().flat_map(|f| f.data.iter().copied()).collect();
    let mut channel =
        PostedChannel { id, l1_block: l1.number, frames: frames.len(), l2_timestamps: Vec::new() };
    let brotli = cfg.is_active(Hardfork::Fjord, l1.timestamp);
    let Ok(mut reader) =
        ChannelReader::new(&data, brotli, cfg.max_rlp_bytes_per_channel(l1.timestamp))
    else {
        return Some(channel);
    };
    while let Some(Ok(batch)) = reader.next_batch() {
        match batch {
            Batch::Single(b) => channel.l2_timestamps.push(b.timestamp),
            Batch::Span(raw) => {
                if let Ok(span) =
                    SpanBatch::from_raw(&raw, cfg.genesis.l2_time, cfg.block_time, cfg.l2_chain_id)
                {
                    channel.l2_timestamps.extend(span.elements.iter().map(|e| e.timestamp));
                }
            }
        }
    }
    Some(channel)
}
