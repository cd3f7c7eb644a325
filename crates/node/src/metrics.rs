//! The roles' Prometheus metrics, recorded through the `metrics` facade: the binary installs
//! the exporter (`--metrics.enabled`); without one every record is a no-op.
//!
//! Names are op-node's, op-batcher's and op-proposer's where those have one — a namespace per
//! role and process (`op_node_default`, `op_batcher_default`, `op_proposer_default`; a second
//! node in one process, as `lamina dev`'s verifier, takes its own), then op's metric name —
//! so dashboards built for the OP stack read them. What op's lack goes under the same
//! namespace with a name op does not use (`safe_lag_blocks`, `da_bytes_total`, …).

use alloy_primitives::B256;

use crate::rollup::{SyncStatus, VerifierStats};

/// op-node's namespace for its one node in a process.
pub const NODE: &str = "op_node_default";
/// op-batcher's namespace.
pub const BATCHER: &str = "op_batcher_default";
/// op-proposer's namespace.
pub const PROPOSER: &str = "op_proposer_default";
/// The challenger's (op has no such role for the output oracle).
pub const CHALLENGER: &str = "lamina_challenger";

fn name(ns: &str, metric: &str) -> String {
    format!("{ns}_{metric}")
}

/// op's `refs_*` gauges of one block reference: its number, time and hash (the hash's first
/// 8 bytes, little-endian, as a float, as op-service does).
fn record_ref(
    ns: &str,
    layer: &'static str,
    kind: &'static str,
    number: u64,
    time: u64,
    hash: B256,
) {
    let labels = [("layer", layer), ("type", kind)];
    metrics::gauge!(name(ns, "refs_number"), &labels).set(number as f64);
    if time != 0 {
        metrics::gauge!(name(ns, "refs_time"), &labels).set(time as f64);
    }
    let mut low = [0u8; 8];
    low.copy_from_slice(&hash[..8]);
    metrics::gauge!(name(ns, "refs_hash"), &labels).set(u64::from_le_bytes(low) as f64);
}

/// A rollup node's metrics, under its namespace.
#[derive(Debug, Clone)]
pub struct NodeMetrics {
    ns: String,
}

impl Default for NodeMetrics {
    fn default() -> Self {
        Self::new(NODE)
    }
}

impl NodeMetrics {
    /// Metrics under `ns` (`op_node_default` for the process's one node).
    pub fn new(ns: impl Into<String>) -> Self {
        Self { ns: ns.into() }
    }

    /// Registers the counters at zero, so a dashboard shows 0 before the first event (as
    /// op-node's do).
    pub fn init(&self) {
        for metric in [
            "derivation_errors_total",
            "pipeline_resets_total",
            "transactions_sequenced_total",
            "blocks_derived_total",
            "blocks_consolidated_total",
            "invalid_payloads_total",
        ] {
            metrics::counter!(name(&self.ns, metric)).increment(0);
        }
    }

    /// The heads of `s`, as op-node names them (`layer` l1/l2/l1_origin; `type` l1_head,
    /// l1_safe, l1_finalized, l1_derived, l2_unsafe, l2_safe, l2_finalized, l2_pending_safe),
    /// and the safe head's lag behind the unsafe one.
    pub fn status(&self, s: &SyncStatus) {
        let ns = &self.ns;
        for (kind, r) in [
            ("l1_head", &s.head_l1),
            ("l1_safe", &s.safe_l1),
            ("l1_finalized", &s.finalized_l1),
            ("l1_derived", &s.current_l1),
        ] {
            record_ref(ns, "l1", kind, r.number, r.timestamp, r.hash);
        }
        for (kind, r) in [
            ("l2_unsafe", &s.unsafe_l2),
            ("l2_safe", &s.safe_l2),
            ("l2_finalized", &s.finalized_l2),
            ("l2_pending_safe", &s.pending_safe_l2),
        ] {
            record_ref(ns, "l2", kind, r.number, r.timestamp, r.hash);
            record_ref(ns, "l1_origin", kind, r.l1_origin.number, 0, r.l1_origin.hash);
            metrics::gauge!(name(ns, "refs_seqnr"), "type" => kind).set(r.sequence_number as f64);
        }
        let lag = s.unsafe_l2.number.saturating_sub(s.safe_l2.number);
        metrics::gauge!(name(ns, "safe_lag_blocks")).set(lag as f64);
    }

    /// Derivation's running totals: pipeline resets (op-node's counter), blocks derived,
    /// unsafe blocks consolidated and invalid payloads replaced.
    pub fn stats(&self, v: &VerifierStats) {
        let ns = &self.ns;
        metrics::counter!(name(ns, "pipeline_resets_total")).absolute(v.resets);
        metrics::counter!(name(ns, "blocks_derived_total")).absolute(v.derived);
        metrics::counter!(name(ns, "blocks_consolidated_total")).absolute(v.consolidated);
        metrics::counter!(name(ns, "invalid_payloads_total")).absolute(v.invalid);
    }

    /// A derivation step failed (op-node's counter).
    pub fn derivation_error(&self) {
        metrics::counter!(name(&self.ns, "derivation_errors_total")).increment(1);
    }

    /// The sequencer built a block with `txs` transactions (deposits included, as op-node).
    pub fn sequenced(&self, txs: usize) {
        metrics::counter!(name(&self.ns, "transactions_sequenced_total")).increment(txs as u64);
    }

    /// The sequencer took `secs` to build a block (attributes to sealed block).
    pub fn block_built(&self, secs: f64) {
        metrics::histogram!(name(&self.ns, "sequencer_block_build_seconds")).record(secs);
    }

    /// An unsafe block from a peer took `secs` to insert (executed and made the head).
    pub fn unsafe_inserted(&self, secs: f64) {
        metrics::histogram!(name(&self.ns, "unsafe_block_insert_seconds")).record(secs);
    }

    /// Gossip's peers: connected (op-node's `p2p_peer_count`), banned, and the most
    /// subscribed to one block topic.
    pub fn peers(&self, connected: usize, banned: usize, on_blocks: usize) {
        metrics::gauge!(name(&self.ns, "p2p_peer_count")).set(connected as f64);
        metrics::gauge!(name(&self.ns, "p2p_banned_peers")).set(banned as f64);
        metrics::gauge!(name(&self.ns, "p2p_block_topic_peers")).set(on_blocks as f64);
    }

    /// The unsafe blocks waiting for their parent (op-node's buffer gauges).
    pub fn unsafe_queue(&self, len: usize, bytes: usize) {
        metrics::gauge!(name(&self.ns, "unsafe_payloads_buffer_len")).set(len as f64);
        metrics::gauge!(name(&self.ns, "unsafe_payloads_buffer_mem_size")).set(bytes as f64);
    }
}

/// One batcher tx on L1, for the DA counters.
#[derive(Debug, Clone, Copy)]
pub struct BatcherTx {
    /// `calldata` or `blobs`.
    pub da: &'static str,
    /// Batcher data bytes it carries (the calldata, or the data inside its blobs).
    pub bytes: usize,
    /// What it cost: gas × effective price, plus blob gas × blob price.
    pub fee_wei: u128,
}

/// The batcher's metrics: op-batcher's channel and tx stage counters, its frame and pending
/// byte gauges, and `da_*` counters of what reached L1 (txs, bytes, fees) by DA kind.
#[derive(Debug, Clone, Copy, Default)]
pub struct BatcherMetrics;

impl BatcherMetrics {
    /// Registers the counters at zero, for every stage and DA kind.
    pub fn init(&self) {
        for stage in ["submitted", "success", "failed"] {
            metrics::counter!(name(BATCHER, "batcher_tx_total"), "stage" => stage).increment(0);
        }
        for stage in ["opened", "closed", "fully_submitted"] {
            metrics::counter!(name(BATCHER, "channel_total"), "stage" => stage).increment(0);
        }
        for da in ["calldata", "blobs"] {
            for metric in ["da_txs_total", "da_bytes_total", "da_fee_gwei_total"] {
                metrics::counter!(name(BATCHER, metric), "da" => da).increment(0);
            }
        }
        for metric in ["input_bytes_total", "output_bytes_total"] {
            metrics::counter!(name(BATCHER, metric)).increment(0);
        }
    }

    /// A channel reached `stage` (`opened`, `closed`, `fully_submitted`).
    pub fn channel(&self, stage: &'static str) {
        metrics::counter!(name(BATCHER, "channel_total"), "stage" => stage).increment(1);
    }

    /// A channel closed with `input` uncompressed and `output` compressed bytes.
    pub fn channel_closed(&self, input: u64, output: usize) {
        self.channel("closed");
        metrics::counter!(name(BATCHER, "input_bytes_total")).increment(input);
        metrics::counter!(name(BATCHER, "output_bytes_total")).increment(output as u64);
        if input > 0 {
            metrics::gauge!(name(BATCHER, "channel_compr_ratio")).set(output as f64 / input as f64);
        }
    }

    /// The channel being sent is cut into `n` frames.
    pub fn frames(&self, n: usize) {
        metrics::gauge!(name(BATCHER, "channel_num_frames")).set(n as f64);
    }

    /// A batcher tx was sent (`submitted`) and landed (`success`) or not (`failed`).
    pub fn tx(&self, stage: &'static str) {
        metrics::counter!(name(BATCHER, "batcher_tx_total"), "stage" => stage).increment(1);
    }

    /// A batcher tx is on L1.
    pub fn landed(&self, tx: BatcherTx) {
        self.tx("success");
        let da = tx.da;
        metrics::counter!(name(BATCHER, "da_txs_total"), "da" => da).increment(1);
        metrics::counter!(name(BATCHER, "da_bytes_total"), "da" => da).increment(tx.bytes as u64);
        // Wei overflow a u64 counter after 18 ETH: gwei (each tx's fee rounded down), as op's
        // txmgr fee total.
        let gwei = u64::try_from(tx.fee_wei / 1_000_000_000).unwrap_or(u64::MAX);
        metrics::counter!(name(BATCHER, "da_fee_gwei_total"), "da" => da).increment(gwei);
        if da == "blobs" {
            metrics::histogram!(name(BATCHER, "blob_used_bytes")).record(tx.bytes as f64);
        }
    }

    /// L2 bytes not yet posted (op-batcher's `pending_blocks_bytes_current`).
    pub fn pending_bytes(&self, bytes: u64) {
        metrics::gauge!(name(BATCHER, "pending_blocks_bytes_current")).set(bytes as f64);
    }
}

/// The proposer proposed an output for `l2_block` (op-proposer's `refs_number{type=proposed}`
/// and a counter).
pub fn proposed(l2_block: u64) {
    metrics::gauge!(name(PROPOSER, "refs_number"), "layer" => "l2", "type" => "proposed")
        .set(l2_block as f64);
    metrics::counter!(name(PROPOSER, "outputs_proposed_total")).increment(1);
}

/// The challenger deleted outputs from index `from` on.
pub fn deleted(from: u64) {
    metrics::counter!(name(CHALLENGER, "deletions_total")).increment(1);
    metrics::gauge!(name(CHALLENGER, "last_deleted_index")).set(from as f64);
}
