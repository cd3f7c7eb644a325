//! The swarm's behaviour and OP's settings for it: gossipsub as op-node runs it (mesh
//! 8/6/12/6, 500 ms heartbeat, 10 MiB messages, anonymous messages only, op-node's message id,
//! every message held for validation) with op-node's "light" peer scoring on the four block
//! topics, identify, ping, and the list of blocked peers.

use std::time::Duration;

use libp2p::{
    allow_block_list,
    gossipsub::{
        self, IdentTopic, MessageId, PeerScoreParams, PeerScoreThresholds, TopicScoreParams,
        ValidationMode, WhitelistSubscriptionFilter,
    },
    identify, ping,
    swarm::NetworkBehaviour,
};

use crate::{
    envelope::MAX_GOSSIP_SIZE, message_id::message_id, service::P2pError, topic::TopicVersion,
};

/// What the swarm runs.
#[derive(NetworkBehaviour)]
pub(crate) struct Behaviour {
    pub(crate) gossipsub:
        gossipsub::Behaviour<gossipsub::IdentityTransform, WhitelistSubscriptionFilter>,
    pub(crate) identify: identify::Behaviour,
    pub(crate) ping: ping::Behaviour,
    pub(crate) blocked: allow_block_list::Behaviour<allow_block_list::BlockedPeers>,
}

fn err(e: impl std::fmt::Display) -> P2pError {
    P2pError::Libp2p(e.to_string())
}

/// OP's gossipsub settings.
pub(crate) fn gossipsub_config() -> Result<gossipsub::Config, P2pError> {
    gossipsub::ConfigBuilder::default()
        .mesh_n(8)
        .mesh_n_low(6)
        .mesh_n_high(12)
        .gossip_lazy(6)
        .heartbeat_interval(Duration::from_millis(500))
        .fanout_ttl(Duration::from_secs(24))
        .history_length(12)
        .history_gossip(3)
        .duplicate_cache_time(Duration::from_secs(65))
        .flood_publish(false)
        .max_transmit_size(MAX_GOSSIP_SIZE)
        .validation_mode(ValidationMode::Anonymous)
        .validate_messages()
        .message_id_fn(|m: &gossipsub::Message| {
            MessageId::from(message_id(m.topic.as_str(), &m.data).to_vec())
        })
        .build()
        .map_err(err)
}

/// op-node's "light" scoring on every block topic: one invalid block (−140 × 0.8) sinks a
/// peer below the ban threshold.
pub(crate) fn score_params(chain_id: u64) -> (PeerScoreParams, PeerScoreThresholds) {
    let mut params = PeerScoreParams {
        topic_score_cap: 34.0,
        ip_colocation_factor_weight: -35.0,
        ip_colocation_factor_threshold: 10.0,
        behaviour_penalty_weight: -16.0,
        behaviour_penalty_threshold: 6.0,
        behaviour_penalty_decay: 0.9928,
        decay_interval: Duration::from_secs(2),
        decay_to_zero: 0.01,
        retain_score: Duration::from_secs(100 * 12),
        ..PeerScoreParams::default()
    };
    for v in TopicVersion::ALL {
        let topic = TopicScoreParams {
            topic_weight: 0.8,
            time_in_mesh_weight: 0.0324,
            time_in_mesh_quantum: Duration::from_secs(2),
            time_in_mesh_cap: 300.0,
            first_message_deliveries_weight: 1.0,
            first_message_deliveries_decay: 0.9928,
            first_message_deliveries_cap: 23.0,
            // Mesh delivery penalties punish quiet peers on a quiet chain; off, as op-node's
            // light profile leaves them until activation.
            mesh_message_deliveries_weight: 0.0,
            mesh_failure_penalty_weight: 0.0,
            invalid_message_deliveries_weight: -140.4475,
            invalid_message_deliveries_decay: 0.9971,
            ..TopicScoreParams::default()
        };
        params.topics.insert(IdentTopic::new(v.topic(chain_id)).hash(), topic);
    }
    let thresholds = PeerScoreThresholds {
        gossip_threshold: -10.0,
        publish_threshold: -40.0,
        graylist_threshold: -40.0,
        accept_px_threshold: 20.0,
        opportunistic_graft_threshold: 0.05,
    };
    (params, thresholds)
}
