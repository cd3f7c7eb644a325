//! The OP hardfork schedule: an ordered enum and the activation rule.
//!
//! A later fork implies every earlier one (`is_active(X, t)` is true when `X_time <= t` *or* any
//! later fork is active at `t`). This matches op-node's behaviour for registry chains, which never
//! set `regolith_time`, and kona's implication rules (digest §0, §1).

use serde::{Deserialize, Serialize};

/// OP Stack hardforks in activation order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[repr(u8)]
pub enum Hardfork {
    /// Launch rules; always active.
    Bedrock = 0,
    /// Real deposit gas accounting, no system txs.
    Regolith,
    /// Shanghai; channel bank FIFO scan; EIP-1559 denominator 250.
    Canyon,
    /// Span batches.
    Delta,
    /// Cancun, blobs as DA, new L1-info format.
    Ecotone,
    /// Brotli channels, FastLZ L1 fee, larger limits.
    Fjord,
    /// Channel timeout 50.
    Granite,
    /// Strict batch ordering, EIP-1559 params in `extraData`.
    Holocene,
    /// Prague, operator fee, withdrawals root in the header.
    Isthmus,
    /// After Isthmus; only interfaces we must already design for.
    Jovian,
}

impl Hardfork {
    /// Every fork, oldest first.
    pub const ALL: [Self; 10] = [
        Self::Bedrock,
        Self::Regolith,
        Self::Canyon,
        Self::Delta,
        Self::Ecotone,
        Self::Fjord,
        Self::Granite,
        Self::Holocene,
        Self::Isthmus,
        Self::Jovian,
    ];

    /// The lowercase name used in `<name>_time` config keys.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Bedrock => "bedrock",
            Self::Regolith => "regolith",
            Self::Canyon => "canyon",
            Self::Delta => "delta",
            Self::Ecotone => "ecotone",
            Self::Fjord => "fjord",
            Self::Granite => "granite",
            Self::Holocene => "holocene",
            Self::Isthmus => "isthmus",
            Self::Jovian => "jovian",
        }
    }
}

/// Activation timestamps, as the `<fork>_time` keys of `rollup.json`. `None` means never.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HardforkSchedule {
    /// Regolith activation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regolith_time: Option<u64>,
    /// Canyon activation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canyon_time: Option<u64>,
    /// Delta activation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delta_time: Option<u64>,
    /// Ecotone activation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecotone_time: Option<u64>,
    /// Fjord activation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fjord_time: Option<u64>,
    /// Granite activation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub granite_time: Option<u64>,
    /// Holocene activation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holocene_time: Option<u64>,
    /// Isthmus activation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub isthmus_time: Option<u64>,
    /// Jovian activation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jovian_time: Option<u64>,
}

impl HardforkSchedule {
    /// Every fork through Isthmus active from genesis: what `lamina dev` runs.
    pub const fn all_through_isthmus() -> Self {
        Self {
            regolith_time: Some(0),
            canyon_time: Some(0),
            delta_time: Some(0),
            ecotone_time: Some(0),
            fjord_time: Some(0),
            granite_time: Some(0),
            holocene_time: Some(0),
            isthmus_time: Some(0),
            jovian_time: None,
        }
    }

    /// The configured activation time of `fork` (Bedrock: always 0).
    pub const fn time(&self, fork: Hardfork) -> Option<u64> {
        match fork {
            Hardfork::Bedrock => Some(0),
            Hardfork::Regolith => self.regolith_time,
            Hardfork::Canyon => self.canyon_time,
            Hardfork::Delta => self.delta_time,
            Hardfork::Ecotone => self.ecotone_time,
            Hardfork::Fjord => self.fjord_time,
            Hardfork::Granite => self.granite_time,
            Hardfork::Holocene => self.holocene_time,
            Hardfork::Isthmus => self.isthmus_time,
            Hardfork::Jovian => self.jovian_time,
        }
    }

    /// Whether `fork` is active at `timestamp`: its own time has passed, or a later fork's has.
    pub fn is_active(&self, fork: Hardfork, timestamp: u64) -> bool {
        Hardfork::ALL[fork as usize..].iter().any(|f| self.time(*f).is_some_and(|t| t <= timestamp))
    }

    /// The newest fork active at `timestamp`.
    pub fn active_fork(&self, timestamp: u64) -> Hardfork {
        Hardfork::ALL
            .iter()
            .rev()
            .copied()
            .find(|f| self.is_active(*f, timestamp))
            .unwrap_or(Hardfork::Bedrock)
    }

    /// Whether `timestamp` is the activation block of `fork`: active at `timestamp` but not at
    /// `timestamp - block_time` (a fork active at genesis has no activation block).
    pub fn is_activation_block(&self, fork: Hardfork, timestamp: u64, block_time: u64) -> bool {
        self.is_active(fork, timestamp)
            && timestamp >= block_time
            && !self.is_active(fork, timestamp - block_time)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_fork_implies_earlier() {
        let s = HardforkSchedule { canyon_time: Some(100), ..Default::default() };
        assert!(!s.is_active(Hardfork::Regolith, 99));
        assert!(s.is_active(Hardfork::Regolith, 100));
        assert!(s.is_active(Hardfork::Canyon, 100));
        assert!(!s.is_active(Hardfork::Delta, u64::MAX));
        assert!(s.is_active(Hardfork::Bedrock, 0));
        assert_eq!(s.active_fork(150), Hardfork::Canyon);
    }

    #[test]
    fn activation_block_is_the_first_at_or_after_the_time() {
        let s = HardforkSchedule { ecotone_time: Some(11), ..Default::default() };
        assert!(!s.is_activation_block(Hardfork::Ecotone, 10, 2));
        assert!(s.is_activation_block(Hardfork::Ecotone, 12, 2));
        assert!(!s.is_activation_block(Hardfork::Ecotone, 14, 2));
        let genesis = HardforkSchedule::all_through_isthmus();
        assert!(!genesis.is_activation_block(Hardfork::Isthmus, 0, 2));
        assert!(!genesis.is_activation_block(Hardfork::Isthmus, 2, 2));
    }
}
