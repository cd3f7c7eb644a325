//! Where a channel's frames go on L1 — calldata or blobs — and the cost model `auto` uses to
//! choose: what each way would pay at the current fee levels for a channel of a given
//! compressed size, counting every tx's base cost.

use std::{fmt, str::FromStr};

use lamina_l1::chain::L1Fees;
use lamina_protocol::constants::{FRAME_OVERHEAD_BYTES, MAX_BLOB_DATA_SIZE};

/// Gas every tx pays before its data.
const TX_BASE_GAS: u128 = 21_000;
/// Calldata gas per byte of compressed (all but incompressible) data under EIP-7623's floor,
/// which a data-only tx always pays from Prague on: 10 per token, 4 tokens per non-zero byte.
const CALLDATA_GAS_PER_BYTE: u128 = 40;
/// Blob gas per blob (EIP-4844).
const BLOB_GAS: u128 = 131_072;

/// How the batcher posts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DaMode {
    /// Every frame in a calldata tx.
    #[default]
    Calldata,
    /// Frames in blobs, one frame per blob, several blobs per tx.
    Blobs,
    /// Whichever of the two is cheaper at the current fees, within the fee caps.
    Auto,
}

impl DaMode {
    /// The flag's spelling.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Calldata => "calldata",
            Self::Blobs => "blobs",
            Self::Auto => "auto",
        }
    }
}

impl fmt::Display for DaMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A DA mode name that is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown DA mode {0:?} (calldata, blobs or auto)")]
pub struct UnknownDaMode(pub String);

impl FromStr for DaMode {
    type Err = UnknownDaMode;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "calldata" => Ok(Self::Calldata),
            "blobs" | "blob" => Ok(Self::Blobs),
            "auto" => Ok(Self::Auto),
            other => Err(UnknownDaMode(other.to_owned())),
        }
    }
}

/// The largest frame one blob holds: the blob payload less the derivation version byte.
pub(super) const BLOB_FRAME_SIZE: usize = MAX_BLOB_DATA_SIZE - 1;

/// Frames of at most `frame_size` encoded bytes a channel of `len` compressed bytes needs.
pub(super) fn frames_for(len: usize, frame_size: usize) -> usize {
    let per = frame_size.saturating_sub(FRAME_OVERHEAD_BYTES).max(1);
    len.div_ceil(per).max(1)
}

/// Wei a channel of `len` compressed bytes costs as calldata (one tx per frame of at most
/// `frame_size` bytes) at fees `f`.
pub(super) fn calldata_cost(len: usize, frame_size: usize, f: &L1Fees) -> u128 {
    let frames = frames_for(len, frame_size) as u128;
    let bytes = len as u128 + frames * (FRAME_OVERHEAD_BYTES as u128 + 1);
    (frames * TX_BASE_GAS + bytes * CALLDATA_GAS_PER_BYTE) * (f.base_fee + f.tip)
}

/// Wei the same channel costs in blobs, `per_tx` blobs to a tx, at fees `f`.
pub(super) fn blob_cost(len: usize, per_tx: usize, f: &L1Fees) -> u128 {
    let blobs = frames_for(len, BLOB_FRAME_SIZE) as u128;
    let txs = blobs.div_ceil(per_tx.max(1) as u128);
    txs * TX_BASE_GAS * (f.base_fee + f.tip) + blobs * BLOB_GAS * f.blob_base_fee.max(1)
}

/// What `auto` picks for a channel of `len` bytes, given the fee levels at which each kind
/// of tx could be sent within the caps (`None`: above a cap): the cheaper; `None` when
/// neither can be sent now.
pub(super) fn choose(
    len: usize,
    frame_size: usize,
    per_tx: usize,
    calldata: Option<&L1Fees>,
    blobs: Option<&L1Fees>,
) -> Option<DaMode> {
    match (calldata, blobs) {
        (Some(c), Some(b)) => {
            let cheaper = blob_cost(len, per_tx, b) < calldata_cost(len, frame_size, c);
            Some(if cheaper { DaMode::Blobs } else { DaMode::Calldata })
        }
        (Some(_), None) => Some(DaMode::Calldata),
        (None, Some(_)) => Some(DaMode::Blobs),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GWEI: u128 = 1_000_000_000;

    fn fees(base: u128, blob: u128) -> L1Fees {
        L1Fees { base_fee: base, tip: GWEI / 1000, blob_base_fee: blob }
    }

    #[test]
    fn names_round_trip_and_junk_is_refused() {
        for m in [DaMode::Calldata, DaMode::Blobs, DaMode::Auto] {
            assert_eq!(m.name().parse::<DaMode>(), Ok(m));
        }
        assert!("blobz".parse::<DaMode>().is_err());
    }

    #[test]
    fn frame_counts() {
        let per = BLOB_FRAME_SIZE - FRAME_OVERHEAD_BYTES;
        assert_eq!(frames_for(0, BLOB_FRAME_SIZE), 1);
        assert_eq!(frames_for(per, BLOB_FRAME_SIZE), 1);
        assert_eq!(frames_for(per + 1, BLOB_FRAME_SIZE), 2);
        assert_eq!(frames_for(1_000, 123), 10);
    }

    #[test]
    fn auto_follows_the_prices() {
        // Blob gas at the minimum, L1 gas at 1 gwei: a 100 kB channel goes in a blob.
        let cheap_blobs = fees(GWEI, 1);
        assert_eq!(
            choose(100_000, 120_000, 6, Some(&cheap_blobs), Some(&cheap_blobs)),
            Some(DaMode::Blobs)
        );
        // A tiny channel next to expensive blob gas: calldata.
        let dear_blobs = fees(GWEI, 100 * GWEI);
        assert_eq!(
            choose(300, 120_000, 6, Some(&dear_blobs), Some(&dear_blobs)),
            Some(DaMode::Calldata)
        );
        // Above a cap, a kind is out whatever it costs.
        assert_eq!(choose(300, 120_000, 6, None, Some(&dear_blobs)), Some(DaMode::Blobs));
        assert_eq!(choose(100_000, 120_000, 6, Some(&cheap_blobs), None), Some(DaMode::Calldata));
        assert_eq!(choose(100_000, 120_000, 6, None, None), None);
    }

    #[test]
    fn costs_grow_with_size_and_price() {
        let f = fees(GWEI, GWEI);
        assert!(calldata_cost(2_000, 120_000, &f) > calldata_cost(1_000, 120_000, &f));
        assert!(blob_cost(200_000, 6, &f) > blob_cost(100_000, 6, &f));
        let g = fees(2 * GWEI, GWEI);
        assert!(calldata_cost(1_000, 120_000, &g) > calldata_cost(1_000, 120_000, &f));
        // Six blobs share one tx's base cost; seven need two txs.
        let per = BLOB_FRAME_SIZE - FRAME_OVERHEAD_BYTES;
        let six = blob_cost(6 * per, 6, &f);
        let seven = blob_cost(7 * per, 6, &f);
        assert_eq!(seven - six, BLOB_GAS * GWEI + TX_BASE_GAS * (f.base_fee + f.tip));
    }
}
