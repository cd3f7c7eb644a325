//! Decoding an input into a [`Report`]: the model both renderers print. Decoding carries on past
//! a failure where the format allows (other channels, earlier batches), recording each error
//! with its field and byte offset.

use std::collections::BTreeMap;

use alloy_consensus::{Transaction, TxEnvelope, transaction::SignerRecoverable};
use alloy_eips::eip2718::{Decodable2718, Typed2718};
use alloy_primitives::keccak256;
use lamina_protocol::{
    DecodeError,
    batch::{Batch, RawSpanBatch, SingleBatch, SpanBatch, span::SpanTxData},
    blob::decode_blob,
    channel::{ChannelReader, compression::StopReason},
    constants::MAX_RLP_BYTES_PER_CHANNEL_FJORD,
    frame::{Frame, parse_batcher_data},
};
use serde::Serialize;

use super::ChainParams;

/// Everything decoded from one input.
#[derive(Debug, Default, Serialize)]
pub(crate) struct Report {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) l1_tx: Option<L1TxInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) blob_data_len: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) batcher_data_len: Option<usize>,
    pub(crate) l2_chain_id: u64,
    pub(crate) frames: Vec<FrameInfo>,
    pub(crate) channels: Vec<ChannelInfo>,
    pub(crate) errors: Vec<ErrorInfo>,
}

impl Report {
    /// Whether any part failed to decode.
    pub(crate) fn has_errors(&self) -> bool {
        !self.errors.is_empty()
            || self
                .channels
                .iter()
                .any(|c| c.error.is_some() || c.batches.iter().any(|b| b.error.is_some()))
    }
}

/// The L1 transaction, when the input was one.
#[derive(Debug, Serialize)]
pub(crate) struct L1TxInfo {
    pub(crate) hash: String,
    pub(crate) tx_type: u8,
    pub(crate) chain_id: Option<u64>,
    pub(crate) nonce: u64,
    pub(crate) from: Option<String>,
    pub(crate) to: Option<String>,
    pub(crate) calldata_len: usize,
    pub(crate) blob_count: usize,
}

/// One frame.
#[derive(Debug, Serialize)]
pub(crate) struct FrameInfo {
    pub(crate) channel_id: String,
    pub(crate) frame_number: u16,
    pub(crate) data_len: usize,
    pub(crate) is_last: bool,
}

/// One channel and what it holds.
#[derive(Debug, Default, Serialize)]
pub(crate) struct ChannelInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) channel_id: Option<String>,
    pub(crate) complete: bool,
    pub(crate) compressed_len: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) compression: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) decompressed_len: Option<usize>,
    pub(crate) batches: Vec<BatchInfo>,
    /// Something odd that does not stop derivation (e.g. a zlib stream without its end, after
    /// the last complete batch: op-node reads batches lazily and never sees it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) warning: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) error: Option<ErrorInfo>,
}

/// One batch.
#[derive(Debug, Default, Serialize)]
pub(crate) struct BatchInfo {
    /// `single` or `span`.
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
    pub(crate) batch_type: u8,
    #[serde(flatten)]
    pub(crate) single: Option<SingleInfo>,
    #[serde(flatten)]
    pub(crate) span: Option<SpanInfo>,
    pub(crate) total_txs: usize,
    pub(crate) tx_type_counts: BTreeMap<String, usize>,
    pub(crate) tx_hashes: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) error: Option<ErrorInfo>,
}

/// Fields of a singular batch.
#[derive(Debug, Serialize)]
pub(crate) struct SingleInfo {
    pub(crate) parent_hash: String,
    pub(crate) epoch_num: u64,
    pub(crate) epoch_hash: String,
    pub(crate) timestamp: u64,
}

/// Fields of a span batch.
#[derive(Debug, Serialize)]
pub(crate) struct SpanInfo {
    pub(crate) rel_timestamp: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) first_timestamp: Option<u64>,
    pub(crate) l1_origin_num: u64,
    pub(crate) parent_check: String,
    pub(crate) l1_origin_check: String,
    pub(crate) block_count: usize,
    pub(crate) origin_bits: String,
    pub(crate) block_tx_counts: Vec<u64>,
    pub(crate) block_l1_origins: Vec<u64>,
}

/// A failure, with the field and byte offset when the decoder knows them.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ErrorInfo {
    /// What was being decoded (e.g. `calldata`, `channel ab12…`).
    pub(crate) context: String,
    pub(crate) message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) field: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) offset: Option<usize>,
}

impl ErrorInfo {
    fn decode(context: impl Into<String>, e: &DecodeError) -> Self {
        Self {
            context: context.into(),
            message: e.to_string(),
            field: Some(e.field),
            offset: Some(e.offset),
        }
    }

    fn other(context: impl Into<String>, message: impl ToString) -> Self {
        Self { context: context.into(), message: message.to_string(), field: None, offset: None }
    }
}

/// Decodes a batcher tx: a signed L1 tx, or failing that, raw calldata.
pub(crate) fn batcher_tx(bytes: &[u8], params: ChainParams) -> Report {
    let mut report = Report { l2_chain_id: params.l2_chain_id, ..Default::default() };
    let calldata = match TxEnvelope::decode_2718_exact(bytes) {
        Ok(tx) => {
            let info = L1TxInfo {
                hash: tx.tx_hash().to_string(),
                tx_type: tx.ty(),
                chain_id: tx.chain_id(),
                nonce: tx.nonce(),
                from: tx.recover_signer().ok().map(|a| a.to_string()),
                to: tx.to().map(|a| a.to_string()),
                calldata_len: tx.input().len(),
                blob_count: tx.blob_versioned_hashes().map_or(0, <[_]>::len),
            };
            let is_blob_tx = info.blob_count > 0;
            report.l1_tx = Some(info);
            if is_blob_tx {
                report.errors.push(ErrorInfo::other(
                    "l1 tx",
                    "blob tx: its batcher data is in the blobs (decode them with `lamina decode blob`)",
                ));
                return report;
            }
            tx.input().to_vec()
        }
        // Not a signed tx: treat the input as the calldata itself.
        Err(_) => bytes.to_vec(),
    };
    batcher_data(&mut report, &calldata, "calldata", params);
    report
}

/// Decodes a blob into its batcher data, then the frames in it.
pub(crate) fn blob(bytes: &[u8], params: ChainParams) -> Report {
    let mut report = Report { l2_chain_id: params.l2_chain_id, ..Default::default() };
    match decode_blob(bytes) {
        Ok(data) => {
            report.blob_data_len = Some(data.len());
            if data.is_empty() {
                return report;
            }
            batcher_data(&mut report, &data, "blob data", params);
        }
        Err(e) => report.errors.push(ErrorInfo::decode("blob", &e)),
    }
    report
}

/// Decodes bare channel bytes.
pub(crate) fn channel_only(bytes: &[u8], params: ChainParams) -> Report {
    let mut report = Report { l2_chain_id: params.l2_chain_id, ..Default::default() };
    let mut info = ChannelInfo { complete: true, ..Default::default() };
    channel(&mut info, bytes, "channel".into(), params);
    report.channels.push(info);
    report
}

fn batcher_data(report: &mut Report, data: &[u8], context: &str, params: ChainParams) {
    report.batcher_data_len = Some(data.len());
    let frames = match parse_batcher_data(data) {
        Ok(f) => f,
        Err(e) => {
            report.errors.push(ErrorInfo::decode(context, &e));
            return;
        }
    };
    report.frames = frames
        .iter()
        .map(|f| FrameInfo {
            channel_id: f.channel_id.to_string(),
            frame_number: f.number,
            data_len: f.data.len(),
            is_last: f.is_last,
        })
        .collect();
    // Group frames by channel in order of first appearance.
    let mut order: Vec<_> = Vec::new();
    let mut groups: BTreeMap<_, Vec<&Frame>> = BTreeMap::new();
    for f in &frames {
        if !groups.contains_key(&f.channel_id) {
            order.push(f.channel_id);
        }
        groups.entry(f.channel_id).or_default().push(f);
    }
    for id in order {
        let mut group = groups.remove(&id).unwrap_or_default();
        group.sort_by_key(|f| f.number);
        let contiguous = group.iter().enumerate().all(|(i, f)| usize::from(f.number) == i);
        let closed = group.last().is_some_and(|f| f.is_last);
        let mut info = ChannelInfo {
            channel_id: Some(id.to_string()),
            complete: contiguous && closed,
            compressed_len: group.iter().map(|f| f.data.len()).sum(),
            ..Default::default()
        };
        if info.complete {
            let bytes: Vec<u8> = group.iter().flat_map(|f| f.data.iter().copied()).collect();
            channel(&mut info, &bytes, format!("channel {id}"), params);
        }
        report.channels.push(info);
    }
}

fn channel(info: &mut ChannelInfo, bytes: &[u8], context: String, params: ChainParams) {
    info.compressed_len = bytes.len();
    // The decoder does not know the L1 origin, so it allows Fjord's Brotli and limit.
    let mut reader = match ChannelReader::new(bytes, true, MAX_RLP_BYTES_PER_CHANNEL_FJORD) {
        Ok(r) => r,
        Err(e) => {
            info.error = Some(ErrorInfo { offset: Some(0), ..ErrorInfo::other(context, e) });
            return;
        }
    };
    info.compression = Some(format!("{:?}", reader.compression()).to_lowercase());
    info.decompressed_len = Some(reader.decompressed().len());
    let stopped = reader.stopped().cloned();
    while let Some(next) = reader.next_batch() {
        match next {
            Ok(Batch::Single(b)) => info.batches.push(single(&b)),
            Ok(Batch::Span(raw)) => info.batches.push(span(&raw, params)),
            Err(e) => {
                info.error = Some(ErrorInfo::decode(format!("{context} (decompressed)"), &e));
                return;
            }
        }
    }
    // Reaching here means every complete item decoded; a bad stream end only matters if it cut
    // an item, which `next_batch` reports as an error above.
    match stopped {
        Some(StopReason::Corrupt(msg)) => {
            info.warning = Some(format!(
                "compressed stream ends without a proper end ({msg}) after the last batch"
            ));
        }
        Some(StopReason::Limit) => {
            info.warning = Some(format!(
                "decompressed size limit ({MAX_RLP_BYTES_PER_CHANNEL_FJORD} bytes) reached; later data ignored"
            ));
        }
        None => {}
    }
}

fn single(b: &SingleBatch) -> BatchInfo {
    let mut counts = BTreeMap::new();
    for tx in &b.transactions {
        let ty = match tx.first() {
            Some(t) if *t < 0x7f => *t,
            _ => 0,
        };
        *counts.entry(ty.to_string()).or_insert(0) += 1;
    }
    BatchInfo {
        kind: "single",
        batch_type: 0,
        single: Some(SingleInfo {
            parent_hash: b.parent_hash.to_string(),
            epoch_num: b.epoch_num,
            epoch_hash: b.epoch_hash.to_string(),
            timestamp: b.timestamp,
        }),
        total_txs: b.transactions.len(),
        tx_type_counts: counts,
        tx_hashes: b.transactions.iter().map(|t| keccak256(t).to_string()).collect(),
        ..Default::default()
    }
}

fn span(raw: &RawSpanBatch, params: ChainParams) -> BatchInfo {
    let mut counts = BTreeMap::new();
    for d in &raw.txs.datas {
        let ty = match d {
            SpanTxData::Legacy(_) => 0,
            SpanTxData::Eip2930(_) => 1,
            SpanTxData::Eip1559(_) => 2,
            SpanTxData::Eip7702(_) => 4,
        };
        *counts.entry(ty.to_string()).or_insert(0) += 1;
    }
    let (genesis, block_time) = params.timing.unwrap_or((0, 2));
    let mut info = BatchInfo {
        kind: "span",
        batch_type: 1,
        span: Some(SpanInfo {
            rel_timestamp: raw.rel_timestamp,
            first_timestamp: params.timing.map(|(g, _)| g.saturating_add(raw.rel_timestamp)),
            l1_origin_num: raw.l1_origin_num,
            parent_check: raw.parent_check.to_string(),
            l1_origin_check: raw.l1_origin_check.to_string(),
            block_count: raw.block_count(),
            origin_bits: raw.origin_bits.iter().map(|b| if *b { '1' } else { '0' }).collect(),
            block_tx_counts: raw.block_tx_counts.clone(),
            block_l1_origins: raw.l1_origin_numbers().unwrap_or_default(),
        }),
        total_txs: raw.txs.len(),
        tx_type_counts: counts,
        ..Default::default()
    };
    match SpanBatch::from_raw(raw, genesis, block_time, params.l2_chain_id) {
        Ok(span) => {
            info.tx_hashes = span
                .elements
                .iter()
                .flat_map(|e| e.transactions.iter())
                .map(|t| keccak256(t).to_string())
                .collect();
        }
        Err(e) => info.error = Some(ErrorInfo::other("span batch", e)),
    }
    info
}
