//! Which batcher transaction made an L2 block safe, read back from L1: the frames of the L1
//! block where the block became safe (and of the blocks before it, for channels that started
//! earlier), reassembled into channels and decoded until one holds the block's batch.
//!
//! Read-side only: derivation keeps no record of its channels, so this re-reads what it read,
//! with the same codecs. Anything malformed is skipped, as derivation skips it.

use std::{
    collections::{BTreeMap, HashMap},
    sync::Arc,
};

use alloy_consensus::{Transaction, TxEnvelope, transaction::SignerRecoverable};
use alloy_primitives::{Address, B256};
use lamina_l1::chain::{L1Chain, L1Header};
use lamina_protocol::{
    BlockId, Hardfork, RollupConfig,
    batch::Batch,
    blob::decode_blob,
    channel::ChannelReader,
    frame::{Frame, parse_batcher_data},
};
use serde::Serialize;

use super::LaminaRpcError;

/// One frame as the explorer shows it: where it is on L1 and what it carried.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FrameRef {
    /// The batcher tx.
    pub tx_hash: B256,
    /// The L1 block holding it.
    pub l1_block: BlockId,
    /// Its number in the channel.
    pub frame_number: u16,
    /// Bytes of channel data it carried.
    pub bytes: usize,
    /// Whether it closed the channel.
    pub is_last: bool,
    /// `calldata` or `blob`.
    pub da: &'static str,
}

/// The batch that carried an L2 block.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchOrigin {
    /// The channel, hex.
    pub channel_id: String,
    /// `span` or `single`.
    pub kind: &'static str,
    /// L2 blocks in that batch.
    pub blocks: usize,
    /// The channel's frames in order; the last one's tx completed the channel.
    pub frames: Vec<FrameRef>,
}

/// A frame with its place.
#[derive(Clone)]
struct Located {
    at: FrameRef,
    frame: Frame,
}

/// How far back a channel completed in L1 block B may have begun, beyond its timeout: never
/// further than this many blocks, whatever the config says (a bound on the reads one request
/// can cause).
const MAX_SCAN_BACK: u64 = 256;

/// How many L1 blocks before the one where the block became safe may hold the channel's last
/// frame (pre-Holocene, a batch may wait in the queue for its turn).
const COMPLETED_BEFORE: u64 = 8;

/// What to look for.
pub(super) struct Wanted {
    /// The L2 block's timestamp.
    pub(super) timestamp: u64,
    /// The batcher of the chain at that block.
    pub(super) batcher: Address,
}

/// Finds the batch holding the block at `wanted.timestamp`, whose safety came with L1 block
/// `safe_at`; `None` when no channel completed there holds it (a block derived without a
/// batch, when the sequencing window ran out).
pub(super) async fn find<C: L1Chain>(
    l1: &C,
    cfg: &RollupConfig,
    safe_at: BlockId,
    wanted: &Wanted,
) -> Result<Option<BatchOrigin>, LaminaRpcError> {
    let mut blocks = Blocks { l1, cfg, batcher: wanted.batcher, read: HashMap::new() };
    let mut at = safe_at.hash;
    for _ in 0..=COMPLETED_BEFORE {
        let (header, here) = blocks.get(at).await?;
        let mut closing: Vec<_> = here.iter().filter(|f| f.frame.is_last).collect();
        closing.dedup_by_key(|f| f.frame.channel_id);
        for last in closing {
            let frames = gather(&mut blocks, &header, &here, last.frame.channel_id).await?;
            if let Some(found) = holds(cfg, &header, frames, wanted.timestamp) {
                return Ok(Some(found));
            }
        }
        if header.number == 0 || header.number <= cfg.genesis.l1.number {
            break;
        }
        at = header.parent_hash;
    }
    Ok(None)
}

/// L1 blocks and their batcher frames, each read (and its batcher txs' signatures recovered)
/// once per request, however many channels walk back through it.
struct Blocks<'a, C> {
    l1: &'a C,
    cfg: &'a RollupConfig,
    batcher: Address,
    read: HashMap<B256, (L1Header, Arc<[Located]>)>,
}

impl<C: L1Chain> Blocks<'_, C> {
    /// The block with `hash` and its batcher frames, in block order.
    async fn get(&mut self, hash: B256) -> Result<(L1Header, Arc<[Located]>), LaminaRpcError> {
        if let Some(known) = self.read.get(&hash) {
            return Ok(known.clone());
        }
        let header = self
            .l1
            .header_by_hash(hash)
            .await?
            .ok_or_else(|| LaminaRpcError::NotFound(format!("L1 block {hash}")))?;
        let frames: Arc<[Located]> =
            frames_in(self.l1, self.cfg, &header, self.batcher).await?.into();
        self.read.insert(hash, (header.clone(), frames.clone()));
        Ok((header, frames))
    }
}

/// The batcher frames of one L1 block, in block order.
async fn frames_in<C: L1Chain>(
    l1: &C,
    cfg: &RollupConfig,
    header: &L1Header,
    batcher: Address,
) -> Result<Vec<Located>, LaminaRpcError> {
    let txs = l1.transactions(header.hash()).await?.unwrap_or_default();
    let ecotone = cfg.is_active(Hardfork::Ecotone, header.timestamp);
    let block = BlockId { hash: header.hash(), number: header.number };
    let mut out = Vec::new();
    let mut blobs: Vec<(B256, B256)> = Vec::new();
    for tx in txs.iter().filter(|tx| is_batcher_tx(tx, cfg.batch_inbox_address, batcher)) {
        match tx.blob_versioned_hashes() {
            Some(hashes) if ecotone && tx.is_eip4844() => {
                blobs.extend(hashes.iter().map(|h| (*tx.tx_hash(), *h)));
            }
            _ => push_frames(&mut out, tx.input(), *tx.tx_hash(), block, "calldata"),
        }
    }
    if !blobs.is_empty() {
        let hashes: Vec<B256> = blobs.iter().map(|(_, h)| *h).collect();
        let fetched = l1.blobs(header, &hashes).await?;
        for ((tx, _), blob) in blobs.iter().zip(fetched) {
            if let Ok(data) = decode_blob(blob.as_slice()) {
                push_frames(&mut out, &data, *tx, block, "blob");
            }
        }
    }
    Ok(out)
}

/// Whether `tx` is a batcher tx as derivation's retrieval counts them: to the inbox, signed
/// by the batcher, not a set-code tx (the inbox check first, so only inbox txs pay for
/// signature recovery).
pub(super) fn is_batcher_tx(tx: &TxEnvelope, inbox: Address, batcher: Address) -> bool {
    tx.to() == Some(inbox)
        && !tx.is_eip7702()
        && tx.recover_signer().is_ok_and(|from| from == batcher)
}

fn push_frames(
    out: &mut Vec<Located>,
    data: &[u8],
    tx_hash: B256,
    l1_block: BlockId,
    da: &'static str,
) {
    // Malformed batcher data is dropped by derivation; it carried nothing.
    let Ok(frames) = parse_batcher_data(data) else { return };
    for frame in frames {
        let at = FrameRef {
            tx_hash,
            l1_block,
            frame_number: frame.number,
            bytes: frame.data.len(),
            is_last: frame.is_last,
            da,
        };
        out.push(Located { at, frame });
    }
}

/// Every frame of channel `id`: those in `here` (the block of its last frame) and those in
/// the blocks before, back to its first frame or its timeout.
async fn gather<C: L1Chain>(
    blocks: &mut Blocks<'_, C>,
    last_block: &L1Header,
    here: &[Located],
    id: lamina_protocol::frame::ChannelId,
) -> Result<Vec<Located>, LaminaRpcError> {
    let cfg = blocks.cfg;
    let mut by_number: BTreeMap<u16, Located> = BTreeMap::new();
    // Walking back, an earlier copy of a frame number replaces a later one: derivation keeps
    // the first it reads.
    let keep = |frames: &[Located], by_number: &mut BTreeMap<u16, Located>| {
        for f in frames.iter().filter(|f| f.frame.channel_id == id).rev() {
            by_number.insert(f.frame.number, f.clone());
        }
    };
    keep(here, &mut by_number);
    let timeout = cfg.channel_timeout(last_block.timestamp).min(MAX_SCAN_BACK);
    let mut header = last_block.clone();
    for _ in 0..timeout {
        if by_number.contains_key(&0) || header.number <= cfg.genesis.l1.number {
            break;
        }
        let (earlier_header, earlier) = blocks.get(header.parent_hash).await?;
        keep(&earlier, &mut by_number);
        header = earlier_header;
    }
    Ok(by_number.into_values().collect())
}

/// The batch in these frames (one channel, by number) that holds the block at `timestamp`.
fn holds(
    cfg: &RollupConfig,
    at: &L1Header,
    frames: Vec<Located>,
    timestamp: u64,
) -> Option<BatchOrigin> {
    let complete = frames.iter().enumerate().all(|(i, f)| usize::from(f.frame.number) == i)
        && frames.last().is_some_and(|f| f.frame.is_last);
    if !complete {
        return None;
    }
    let data: Vec<u8> = frames.iter().flat_map(|f| f.frame.data.iter().copied()).collect();
    let fjord = cfg.is_active(Hardfork::Fjord, at.timestamp);
    let mut reader =
        ChannelReader::new(&data, fjord, cfg.max_rlp_bytes_per_channel(at.timestamp)).ok()?;
    let id = frames.first()?.frame.channel_id;
    let origin = |kind, blocks| BatchOrigin {
        channel_id: id.to_string(),
        kind,
        blocks,
        frames: frames.iter().map(|f| f.at.clone()).collect(),
    };
    while let Some(Ok(batch)) = reader.next_batch() {
        match batch {
            Batch::Single(b) if b.timestamp == timestamp => return Some(origin("single", 1)),
            Batch::Single(_) => {}
            Batch::Span(raw) => {
                let first = cfg.genesis.l2_time.saturating_add(raw.rel_timestamp);
                let count = raw.block_count() as u64;
                let step = cfg.block_time.max(1);
                let last = first.saturating_add(count.saturating_sub(1).saturating_mul(step));
                if (first..=last).contains(&timestamp) && (timestamp - first).is_multiple_of(step) {
                    return Some(origin("span", raw.block_count()));
                }
            }
        }
    }
    None
}
