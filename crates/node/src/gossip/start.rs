//! A node's gossip in one call: the service on its settings, the node connected to it (blocks
//! in, and out when it sequences), and the unsafe block signer, fixed or followed from L1.

use std::time::Duration;

use alloy_primitives::Address;
use alloy_signer_local::PrivateKeySigner;
use lamina_l1::chain::L1Chain;
use lamina_p2p::{Gossip, GossipConfig, P2pError};
use tokio::sync::mpsc;

use super::{GossipTasks, connect, signer};
use crate::rollup::{ExecutionEngine, RollupNode};

/// Where the unsafe block signer comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignerSource {
    /// This address, whatever L1 says (kona's `--p2p.unsafe.block.signer`).
    Fixed(Address),
    /// The chain's SystemConfig on L1, read again every `reload` (op-node's runtime config).
    SystemConfig {
        /// How often.
        reload: Duration,
    },
}

/// A node's gossip settings.
#[derive(Debug, Clone)]
pub struct P2pConfig {
    /// The service.
    pub gossip: GossipConfig,
    /// A sequencer's block signing key (`--p2p.sequencer.key`).
    pub sequencer_key: Option<PrivateKeySigner>,
    /// Whose signature blocks must carry.
    pub signer: SignerSource,
}

/// op-node's `--l1.runtime-config-reload-interval`.
pub const SIGNER_RELOAD: Duration = Duration::from_secs(600);

/// Blocks accepted by gossip and not yet taken by the node.
const ACCEPTED_BACKLOG: usize = 256;

/// A node's running gossip.
#[derive(Debug)]
pub struct P2p {
    /// The service, for the RPC.
    pub gossip: Gossip,
    /// Its tasks; dropped, they stop.
    pub tasks: GossipTasks,
}

/// Starts gossip for `node` on `config`, with `l1` to read the signer from.
pub fn start<E: ExecutionEngine, C: L1Chain + Clone + 'static>(
    node: &RollupNode<E>,
    l1: C,
    mut config: P2pConfig,
) -> Result<P2p, P2pError> {
    let rollup = node.engine.rollup().clone();
    if let SignerSource::Fixed(a) = config.signer {
        config.gossip.signer = a;
    }
    let (tx, blocks) = mpsc::channel(ACCEPTED_BACKLOG);
    let gossip = Gossip::spawn(config.gossip, tx)?;
    let mut tasks = connect(node, gossip.clone(), blocks, config.sequencer_key, rollup.clone());
    tasks.0.push(tokio::spawn(record_peers(gossip.clone(), node.metrics.clone())));
    if let SignerSource::SystemConfig { reload } = config.signer {
        let at = rollup.l1_system_config_address;
        tasks.0.push(tokio::spawn(signer::follow(l1, at, gossip.clone(), reload)));
    }
    Ok(P2p { gossip, tasks })
}

/// How often the peer gauges are refreshed.
const PEER_METRICS_EVERY: Duration = Duration::from_secs(2);

/// The peer gauges, for as long as the service runs.
async fn record_peers(gossip: Gossip, metrics: crate::metrics::NodeMetrics) {
    let mut tick = tokio::time::interval(PEER_METRICS_EVERY);
    loop {
        tick.tick().await;
        let Ok(s) = gossip.stats().await else { return };
        let newest = s.blocks_topic.iter().copied().max().unwrap_or_default();
        metrics.peers(s.connected, s.banned, newest);
    }
}
