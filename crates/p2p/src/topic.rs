//! The block topics: `/optimism/<chain id>/<v>/blocks` for v = 0–3, one per payload version.
//! Every node subscribes to all four; a block goes on the topic of the fork active at its
//! timestamp (Bedrock/Regolith 0, Canyon/Delta 1, Ecotone–Holocene 2, Isthmus on 3).

use lamina_protocol::{Hardfork, RollupConfig};

/// A block topic's version: which envelope and payload layout its messages carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TopicVersion {
    /// `ExecutionPayloadV1`.
    V1 = 0,
    /// `ExecutionPayloadV2` (empty withdrawals).
    V2 = 1,
    /// `ExecutionPayloadV3` and the parent beacon block root.
    V3 = 2,
    /// `OpExecutionPayloadV4` (V3 and the withdrawals root) and the parent beacon block root.
    V4 = 3,
}

impl TopicVersion {
    /// All four, in order.
    pub const ALL: [Self; 4] = [Self::V1, Self::V2, Self::V3, Self::V4];

    /// The index in the topic's name.
    pub const fn index(self) -> u8 {
        self as u8
    }

    /// The version of index `i`.
    pub const fn from_index(i: u8) -> Option<Self> {
        match i {
            0 => Some(Self::V1),
            1 => Some(Self::V2),
            2 => Some(Self::V3),
            3 => Some(Self::V4),
            _ => None,
        }
    }

    /// The topic a block at `timestamp` goes on.
    pub fn at(cfg: &RollupConfig, timestamp: u64) -> Self {
        let active = |f| cfg.hardforks.is_active(f, timestamp);
        if active(Hardfork::Isthmus) {
            Self::V4
        } else if active(Hardfork::Ecotone) {
            Self::V3
        } else if active(Hardfork::Canyon) {
            Self::V2
        } else {
            Self::V1
        }
    }

    /// Whether the envelope carries the parent beacon block root (V3, V4).
    pub const fn has_beacon_root(self) -> bool {
        matches!(self, Self::V3 | Self::V4)
    }

    /// The topic's name on chain `chain_id`.
    pub fn topic(self, chain_id: u64) -> String {
        format!("/optimism/{chain_id}/{}/blocks", self.index())
    }

    /// The version of a topic name on chain `chain_id`, if it is one of its block topics.
    pub fn of_topic(topic: &str, chain_id: u64) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.topic(chain_id) == topic)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_name_the_chain_and_the_version() {
        assert_eq!(TopicVersion::V1.topic(10), "/optimism/10/0/blocks");
        assert_eq!(TopicVersion::V4.topic(901), "/optimism/901/3/blocks");
        assert_eq!(TopicVersion::of_topic("/optimism/901/2/blocks", 901), Some(TopicVersion::V3));
        assert_eq!(TopicVersion::of_topic("/optimism/902/2/blocks", 901), None);
        assert_eq!(TopicVersion::of_topic("/optimism/901/4/blocks", 901), None);
        assert_eq!(TopicVersion::from_index(4), None);
    }
}
