//! Maps Lamina's [`HardforkSchedule`] onto the hardfork traits the alloy/op-revm executor asks.
//!
//! Two rules carry over from lamina-protocol: Bedrock is active from block 0 (Lamina chains start
//! post-Bedrock), and a later fork implies the earlier ones, so the effective activation time of
//! a fork is the earliest configured time among it and every later fork.

use alloy_hardforks::{EthereumHardfork, EthereumHardforks, ForkCondition};
use alloy_op_hardforks::{OpHardfork, OpHardforks};
use alloy_primitives::U256;
use lamina_protocol::{Hardfork, HardforkSchedule};
use op_revm::OpSpecId;

/// The fork schedule as the executor sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpForks {
    schedule: HardforkSchedule,
}

impl OpForks {
    /// Wraps a schedule.
    pub const fn new(schedule: HardforkSchedule) -> Self {
        Self { schedule }
    }

    /// The schedule.
    pub const fn schedule(&self) -> &HardforkSchedule {
        &self.schedule
    }

    /// Whether `fork` is active at `timestamp`.
    pub fn is_active(&self, fork: Hardfork, timestamp: u64) -> bool {
        self.schedule.is_active(fork, timestamp)
    }

    /// The effective activation condition of a Lamina fork.
    fn condition(&self, fork: Hardfork) -> ForkCondition {
        if fork == Hardfork::Bedrock {
            return ForkCondition::Block(0);
        }
        Hardfork::ALL[fork as usize..]
            .iter()
            .filter_map(|f| self.schedule.time(*f))
            .min()
            .map_or(ForkCondition::Never, ForkCondition::Timestamp)
    }

    /// The op-revm spec for a block at `timestamp` (alloy-op-evm's mapping of the hardfork
    /// traits below).
    pub fn spec_id(&self, timestamp: u64) -> OpSpecId {
        alloy_op_evm::env::spec_by_timestamp_after_bedrock(self, timestamp)
    }
}

impl EthereumHardforks for OpForks {
    fn ethereum_fork_activation(&self, fork: EthereumHardfork) -> ForkCondition {
        match fork {
            EthereumHardfork::Shanghai => self.condition(Hardfork::Canyon),
            EthereumHardfork::Cancun => self.condition(Hardfork::Ecotone),
            EthereumHardfork::Prague => self.condition(Hardfork::Isthmus),
            EthereumHardfork::Paris => ForkCondition::TTD {
                activation_block_number: 0,
                fork_block: Some(0),
                total_difficulty: U256::ZERO,
            },
            // Everything up to London is active from genesis; Osaka and later are not OP forks
            // Lamina supports yet.
            f if f < EthereumHardfork::Paris => ForkCondition::Block(0),
            _ => ForkCondition::Never,
        }
    }
}

impl OpHardforks for OpForks {
    fn op_fork_activation(&self, fork: OpHardfork) -> ForkCondition {
        match fork {
            OpHardfork::Bedrock => ForkCondition::Block(0),
            OpHardfork::Regolith => self.condition(Hardfork::Regolith),
            OpHardfork::Canyon => self.condition(Hardfork::Canyon),
            OpHardfork::Ecotone => self.condition(Hardfork::Ecotone),
            OpHardfork::Fjord => self.condition(Hardfork::Fjord),
            OpHardfork::Granite => self.condition(Hardfork::Granite),
            OpHardfork::Holocene => self.condition(Hardfork::Holocene),
            OpHardfork::Isthmus => self.condition(Hardfork::Isthmus),
            OpHardfork::Jovian => self.condition(Hardfork::Jovian),
            _ => ForkCondition::Never,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_forks_imply_earlier_ones_in_the_executor_view() {
        let f = OpForks::new(HardforkSchedule { ecotone_time: Some(100), ..Default::default() });
        assert!(f.is_regolith_active_at_timestamp(100));
        assert!(f.is_canyon_active_at_timestamp(100));
        assert!(!f.is_canyon_active_at_timestamp(99));
        assert!(f.is_cancun_active_at_timestamp(100));
        assert!(f.is_shanghai_active_at_timestamp(100));
        assert!(!f.is_prague_active_at_timestamp(u64::MAX));
        assert_eq!(f.spec_id(99), OpSpecId::BEDROCK);
        assert_eq!(f.spec_id(100), OpSpecId::ECOTONE);
        let all = OpForks::new(HardforkSchedule::all_through_isthmus());
        assert_eq!(all.spec_id(0), OpSpecId::ISTHMUS);
        assert!(all.is_london_active_at_block(0));
    }
}
