//! The gossip service: a libp2p swarm (TCP, Noise, yamux, identify, ping) running gossipsub as
//! OP runs it — mesh 8/6/12/6, 500 ms heartbeat, 10 MiB messages, anonymous messages only
//! (StrictNoSign), op-node's message id, the four block topics and nothing else — with every
//! message held until [`Validator`] judges it (ACCEPT relays it and hands it to the node,
//! REJECT scores its sender down), peer scoring with op-node's thresholds, and a ban of peers
//! whose score falls below the ban threshold. One task owns the swarm; [`Gossip`] talks to it.

use std::{
    collections::HashMap,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use alloy_primitives::Address;
use lamina_protocol::HardforkSchedule;
use libp2p::{
    Multiaddr, PeerId, allow_block_list,
    futures::StreamExt,
    gossipsub::{
        self, IdentTopic, MessageAcceptance, MessageAuthenticity, MessageId, PeerScoreParams,
        PeerScoreThresholds, TopicScoreParams, ValidationMode, WhitelistSubscriptionFilter,
    },
    identify, identity, noise, ping,
    swarm::{NetworkBehaviour, SwarmEvent},
    tcp, yamux,
};
use tokio::sync::{mpsc, oneshot, watch};

use crate::{
    envelope::{BlockEnvelope, MAX_GOSSIP_SIZE},
    message_id::message_id,
    topic::TopicVersion,
    validate::{Validator, Verdict},
};

/// The gossip service's settings.
#[derive(Debug, Clone)]
pub struct GossipConfig {
    /// The L2 chain id (topics and signing domain).
    pub chain_id: u64,
    /// Its fork schedule.
    pub forks: HardforkSchedule,
    /// The node's libp2p identity (secp256k1, as OP's).
    pub key: identity::Keypair,
    /// Where to listen (`/ip4/127.0.0.1/tcp/0` in tests).
    pub listen: Multiaddr,
    /// Peers to dial and keep (`/ip4/…/tcp/…/p2p/<id>`).
    pub static_peers: Vec<Multiaddr>,
    /// The unsafe block signer (zero: none configured, every block is ignored).
    pub signer: Address,
    /// Peers whose score falls below this are banned (op-node: −100).
    pub ban_threshold: f64,
    /// For how long.
    pub ban_duration: Duration,
    /// How often scores are inspected (op-node: 15 s).
    pub score_inspect: Duration,
}

impl GossipConfig {
    /// op-node's defaults around `key`, for chain `chain_id`.
    pub fn new(chain_id: u64, forks: HardforkSchedule, key: identity::Keypair) -> Self {
        Self {
            chain_id,
            forks,
            key,
            listen: "/ip4/0.0.0.0/tcp/9222".parse().unwrap_or_else(|_| Multiaddr::empty()),
            static_peers: Vec::new(),
            signer: Address::ZERO,
            ban_threshold: -100.0,
            ban_duration: Duration::from_secs(3600),
            score_inspect: Duration::from_secs(15),
        }
    }
}

/// Why the service cannot start or act.
#[derive(Debug, thiserror::Error)]
pub enum P2pError {
    /// libp2p refused something.
    #[error("libp2p: {0}")]
    Libp2p(String),
    /// The service has stopped.
    #[error("the gossip service has stopped")]
    Stopped,
}

fn err(e: impl std::fmt::Display) -> P2pError {
    P2pError::Libp2p(e.to_string())
}

#[derive(NetworkBehaviour)]
struct Behaviour {
    gossipsub: gossipsub::Behaviour<gossipsub::IdentityTransform, WhitelistSubscriptionFilter>,
    identify: identify::Behaviour,
    ping: ping::Behaviour,
    blocked: allow_block_list::Behaviour<allow_block_list::BlockedPeers>,
}

/// One peer as the service sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct PeerInfo {
    /// Its id.
    pub id: PeerId,
    /// Its gossip score.
    pub score: f64,
}

enum Command {
    Publish(TopicVersion, Vec<u8>, oneshot::Sender<Result<(), P2pError>>),
    Dial(Multiaddr),
    Peers(oneshot::Sender<Vec<PeerInfo>>),
    Banned(oneshot::Sender<Vec<PeerId>>),
    Mesh(TopicVersion, oneshot::Sender<usize>),
}

/// A handle on the running service; the service stops when the last handle is dropped.
#[derive(Debug, Clone)]
pub struct Gossip {
    commands: mpsc::Sender<Command>,
    signer: watch::Sender<Address>,
    peer_id: PeerId,
    addrs: watch::Receiver<Vec<Multiaddr>>,
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Command")
    }
}

/// OP's gossipsub settings.
fn gossipsub_config() -> Result<gossipsub::Config, P2pError> {
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
fn score_params(chain_id: u64) -> (PeerScoreParams, PeerScoreThresholds) {
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

impl Gossip {
    /// Starts the service; accepted blocks go to `blocks`.
    pub fn spawn(
        config: GossipConfig,
        blocks: mpsc::Sender<Box<BlockEnvelope>>,
    ) -> Result<Self, P2pError> {
        let topics: Vec<IdentTopic> =
            TopicVersion::ALL.iter().map(|v| IdentTopic::new(v.topic(config.chain_id))).collect();
        let filter = WhitelistSubscriptionFilter(topics.iter().map(|t| t.hash()).collect());
        let mut gossipsub = gossipsub::Behaviour::new_with_subscription_filter(
            MessageAuthenticity::Anonymous,
            gossipsub_config()?,
            filter,
        )
        .map_err(err)?;
        let (params, thresholds) = score_params(config.chain_id);
        gossipsub.with_peer_score(params, thresholds).map_err(err)?;
        let identify = identify::Behaviour::new(
            identify::Config::new("/ipfs/id/1.0.0".into(), config.key.public())
                .with_agent_version(format!("lamina/{}", env!("CARGO_PKG_VERSION"))),
        );
        let behaviour = Behaviour {
            gossipsub,
            identify,
            ping: ping::Behaviour::default(),
            blocked: allow_block_list::Behaviour::default(),
        };
        let mut swarm = libp2p::SwarmBuilder::with_existing_identity(config.key.clone())
            .with_tokio()
            .with_tcp(
                tcp::Config::default().nodelay(true),
                noise::Config::new,
                yamux::Config::default,
            )
            .map_err(err)?
            .with_behaviour(|_| behaviour)
            .map_err(err)?
            .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(120)))
            .build();
        for t in &topics {
            swarm.behaviour_mut().gossipsub.subscribe(t).map_err(err)?;
        }
        swarm.listen_on(config.listen.clone()).map_err(err)?;
        for peer in &config.static_peers {
            swarm.dial(peer.clone()).map_err(err)?;
        }
        let peer_id = *swarm.local_peer_id();
        let (commands, mut inbox) = mpsc::channel(256);
        let (signer_tx, signer_rx) = watch::channel(config.signer);
        let (addrs_tx, addrs) = watch::channel(Vec::new());
        let mut validator = Validator::new(config.chain_id, config.forks);
        let chain_id = config.chain_id;
        tokio::spawn(async move {
            let mut inspect = tokio::time::interval(config.score_inspect);
            let mut banned: HashMap<PeerId, std::time::Instant> = HashMap::new();
            loop {
                tokio::select! {
                    event = swarm.select_next_some() => match event {
                        SwarmEvent::NewListenAddr { address, .. } => {
                            addrs_tx.send_modify(|a| a.push(address));
                        }
                        SwarmEvent::Behaviour(BehaviourEvent::Gossipsub(gossipsub::Event::Message {
                            propagation_source, message_id, message,
                        })) => {
                            let Some(version) = TopicVersion::of_topic(message.topic.as_str(), chain_id) else {
                                continue;
                            };
                            let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
                            let signer = *signer_rx.borrow();
                            let (acceptance, block) = match validator.validate(version, &message.data, now, signer) {
                                Verdict::Accept(env) => (MessageAcceptance::Accept, Some(env)),
                                Verdict::Ignore(reason) => {
                                    tracing::debug!(target: "lamina::p2p", peer = %propagation_source, %reason, "ignored");
                                    (MessageAcceptance::Ignore, None)
                                }
                                Verdict::Reject(reason) => {
                                    tracing::warn!(target: "lamina::p2p", peer = %propagation_source, %reason, "rejected");
                                    (MessageAcceptance::Reject, None)
                                }
                            };
                            swarm.behaviour_mut().gossipsub.report_message_validation_result(
                                &message_id, &propagation_source, acceptance,
                            );
                            if let Some(env) = block
                                && blocks.try_send(env).is_err()
                            {
                                tracing::warn!(target: "lamina::p2p", "the node is not taking blocks: dropped one");
                            }
                        }
                        _ => {}
                    },
                    _ = inspect.tick() => {
                        let gs = &swarm.behaviour().gossipsub;
                        let low: Vec<PeerId> = gs.all_peers()
                            .map(|(p, _)| *p)
                            .filter(|p| gs.peer_score(p).is_some_and(|s| s < config.ban_threshold))
                            .collect();
                        for p in low {
                            tracing::warn!(target: "lamina::p2p", peer = %p, "score below the ban threshold: banned");
                            swarm.behaviour_mut().blocked.block_peer(p);
                            banned.insert(p, std::time::Instant::now());
                        }
                        let expired: Vec<PeerId> = banned.iter()
                            .filter(|(_, at)| at.elapsed() >= config.ban_duration)
                            .map(|(p, _)| *p)
                            .collect();
                        for p in expired {
                            swarm.behaviour_mut().blocked.unblock_peer(p);
                            banned.remove(&p);
                        }
                    }
                    command = inbox.recv() => match command {
                        None => break,
                        Some(Command::Publish(version, data, done)) => {
                            let topic = IdentTopic::new(version.topic(chain_id));
                            let out = swarm.behaviour_mut().gossipsub.publish(topic, data).map(|_| ()).map_err(err);
                            let _ = done.send(out);
                        }
                        Some(Command::Dial(addr)) => {
                            if let Err(e) = swarm.dial(addr) {
                                tracing::warn!(target: "lamina::p2p", error = %e, "dial");
                            }
                        }
                        Some(Command::Peers(reply)) => {
                            let gs = &swarm.behaviour().gossipsub;
                            let peers = gs.all_peers()
                                .map(|(p, _)| PeerInfo { id: *p, score: gs.peer_score(p).unwrap_or_default() })
                                .collect();
                            let _ = reply.send(peers);
                        }
                        Some(Command::Banned(reply)) => {
                            let _ = reply.send(banned.keys().copied().collect());
                        }
                        Some(Command::Mesh(version, reply)) => {
                            let topic = IdentTopic::new(version.topic(chain_id)).hash();
                            let _ = reply.send(swarm.behaviour().gossipsub.mesh_peers(&topic).count());
                        }
                    },
                }
            }
        });
        Ok(Self { commands, signer: signer_tx, peer_id, addrs })
    }

    /// This node's peer id.
    pub const fn peer_id(&self) -> PeerId {
        self.peer_id
    }

    /// The addresses it listens on, once it does (with its `/p2p/<id>` suffix, to dial).
    pub async fn listen_addrs(&self) -> Vec<Multiaddr> {
        let mut rx = self.addrs.clone();
        let addrs = rx.wait_for(|a| !a.is_empty()).await.map(|a| a.clone()).unwrap_or_default();
        addrs.into_iter().map(|a| a.with_p2p(self.peer_id).unwrap_or_else(|a| a)).collect()
    }

    /// Publishes a gossip message (an encoded, signed envelope) on `version`'s topic.
    pub async fn publish(&self, version: TopicVersion, data: Vec<u8>) -> Result<(), P2pError> {
        let (tx, rx) = oneshot::channel();
        self.commands
            .send(Command::Publish(version, data, tx))
            .await
            .map_err(|_| P2pError::Stopped)?;
        rx.await.map_err(|_| P2pError::Stopped)?
    }

    /// Dials `addr`.
    pub async fn dial(&self, addr: Multiaddr) -> Result<(), P2pError> {
        self.commands.send(Command::Dial(addr)).await.map_err(|_| P2pError::Stopped)
    }

    /// Follows a new unsafe block signer (the SystemConfig's `setUnsafeBlockSigner`).
    pub fn set_signer(&self, signer: Address) {
        self.signer.send_replace(signer);
    }

    /// The gossip peers and their scores.
    pub async fn peers(&self) -> Result<Vec<PeerInfo>, P2pError> {
        let (tx, rx) = oneshot::channel();
        self.commands.send(Command::Peers(tx)).await.map_err(|_| P2pError::Stopped)?;
        rx.await.map_err(|_| P2pError::Stopped)
    }

    /// How many peers are in this node's mesh for `version`'s topic.
    pub async fn mesh_size(&self, version: TopicVersion) -> Result<usize, P2pError> {
        let (tx, rx) = oneshot::channel();
        self.commands.send(Command::Mesh(version, tx)).await.map_err(|_| P2pError::Stopped)?;
        rx.await.map_err(|_| P2pError::Stopped)
    }

    /// The peers banned now.
    pub async fn banned(&self) -> Result<Vec<PeerId>, P2pError> {
        let (tx, rx) = oneshot::channel();
        self.commands.send(Command::Banned(tx)).await.map_err(|_| P2pError::Stopped)?;
        rx.await.map_err(|_| P2pError::Stopped)
    }
}
