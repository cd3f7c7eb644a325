//! Printing a [`Report`]: pretty JSON for machines, aligned text for people.

use std::fmt::Write;

use super::inspect::{BatchInfo, ChannelInfo, ErrorInfo, Report};

/// The report as pretty JSON.
pub(crate) fn json(report: &Report) -> String {
    serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

/// The report as text.
pub(crate) fn text(r: &Report) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail; the results are ignored below for that reason.
    if let Some(tx) = &r.l1_tx {
        let _ = writeln!(out, "L1 tx      {}", tx.hash);
        let _ = writeln!(
            out,
            "           type {}  chain {}  nonce {}  from {}  to {}",
            tx.tx_type,
            tx.chain_id.map_or("-".into(), |c| c.to_string()),
            tx.nonce,
            tx.from.as_deref().unwrap_or("?"),
            tx.to.as_deref().unwrap_or("(create)"),
        );
        let _ =
            writeln!(out, "           calldata {} bytes, {} blobs", tx.calldata_len, tx.blob_count);
    }
    if let Some(n) = r.blob_data_len {
        let _ = writeln!(out, "blob       {n} bytes of data");
    }
    if let Some(n) = r.batcher_data_len {
        let _ = writeln!(out, "batcher    {n} bytes, {} frame(s)", r.frames.len());
    }
    for f in &r.frames {
        let _ = writeln!(
            out,
            "frame      channel {}  #{}  {} bytes{}",
            f.channel_id,
            f.frame_number,
            f.data_len,
            if f.is_last { "  last" } else { "" }
        );
    }
    for c in &r.channels {
        channel(&mut out, c, r.l2_chain_id);
    }
    for e in &r.errors {
        error(&mut out, "", e);
    }
    out
}

fn channel(out: &mut String, c: &ChannelInfo, chain_id: u64) {
    let id = c.channel_id.as_deref().unwrap_or("(bytes)");
    if !c.complete {
        let _ = writeln!(
            out,
            "channel    {id}: incomplete ({} bytes of frames so far)",
            c.compressed_len
        );
        return;
    }
    let _ = writeln!(
        out,
        "channel    {id}: {} {} → {} bytes, {} batch(es)",
        c.compression.as_deref().unwrap_or("?"),
        c.compressed_len,
        c.decompressed_len.map_or("?".into(), |n| n.to_string()),
        c.batches.len()
    );
    for (i, b) in c.batches.iter().enumerate() {
        batch(out, i, b, chain_id);
    }
    if let Some(w) = &c.warning {
        let _ = writeln!(out, "  warning: {w}");
    }
    if let Some(e) = &c.error {
        error(out, "  ", e);
    }
}

fn batch(out: &mut String, i: usize, b: &BatchInfo, chain_id: u64) {
    let types: Vec<String> =
        b.tx_type_counts.iter().map(|(t, n)| format!("type {t}: {n}")).collect();
    let _ = writeln!(out, "  batch {i}: {} ({} txs; {})", b.kind, b.total_txs, types.join(", "));
    if let Some(s) = &b.single {
        let _ =
            writeln!(out, "    timestamp {}  epoch {} {}", s.timestamp, s.epoch_num, s.epoch_hash);
        let _ = writeln!(out, "    parent    {}", s.parent_hash);
    }
    if let Some(s) = &b.span {
        let _ = writeln!(
            out,
            "    rel_timestamp {}{}  l1_origin_num {}  blocks {}",
            s.rel_timestamp,
            s.first_timestamp.map_or(String::new(), |t| format!(" (first block at {t})")),
            s.l1_origin_num,
            s.block_count
        );
        let _ = writeln!(
            out,
            "    parent_check {}  l1_origin_check {}",
            s.parent_check, s.l1_origin_check
        );
        let _ = writeln!(out, "    block  l1_origin  txs");
        for (n, (txs, origin)) in s.block_tx_counts.iter().zip(&s.block_l1_origins).enumerate() {
            let _ = writeln!(out, "    {n:>5}  {origin:>9}  {txs:>3}");
        }
    }
    if !b.tx_hashes.is_empty() {
        let _ = writeln!(out, "    tx hashes (L2 chain id {chain_id}):");
        for h in &b.tx_hashes {
            let _ = writeln!(out, "      {h}");
        }
    }
    if let Some(e) = &b.error {
        error(out, "    ", e);
    }
}

fn error(out: &mut String, indent: &str, e: &ErrorInfo) {
    let _ = writeln!(out, "{indent}error in {}: {}", e.context, e.message);
}
