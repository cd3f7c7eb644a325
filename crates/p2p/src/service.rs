//! The gossip service: a libp2p swarm (TCP, Noise, yamux, identify, ping) running gossipsub as
//! OP runs it (the crate's `behaviour` module), with every message held until [`Validator`]
//! judges it (ACCEPT relays it and hands it to the node, REJECT scores its sender down), a ban
//! of peers whose score falls below the ban threshold, static peers kept connected (redialed
//! when they drop), discovery ([`Discovery`]: random walks whose peers of our chain are dialed
//! while the node has fewer than it wants), and the operator's controls behind `opp2p_`
//! (connect, disconnect, block, protect). One task owns the swarm; [`Gossip`] talks to it.

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use alloy_primitives::Address;
use lamina_protocol::HardforkSchedule;
use libp2p::{
    Multiaddr, PeerId, Swarm,
    futures::StreamExt,
    gossipsub::{self, IdentTopic, MessageAcceptance, MessageAuthenticity, TopicHash},
    identify, identity,
    multiaddr::Protocol,
    noise, ping,
    swarm::{
        ConnectionId, SwarmEvent,
        dial_opts::{DialOpts, PeerCondition},
    },
    tcp, yamux,
};
use tokio::sync::{mpsc, oneshot, watch};

use crate::{
    behaviour::{Behaviour, BehaviourEvent, gossipsub_config, score_params},
    discovery::{Discovery, DiscoveryConfig, DiscoveryError},
    envelope::BlockEnvelope,
    peers::{PeerBook, PeerDetails},
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
    /// Peers to dial and keep (`/ip4/…/tcp/…/p2p/<id>`): redialed whenever they drop.
    pub static_peers: Vec<Multiaddr>,
    /// The unsafe block signer (zero: none configured, every block is ignored).
    pub signer: Address,
    /// Ban peers whose score falls below the threshold (op-node's `--p2p.ban.peers`).
    pub ban_peers: bool,
    /// Peers whose score falls below this are banned (op-node: −100).
    pub ban_threshold: f64,
    /// For how long.
    pub ban_duration: Duration,
    /// How often scores are inspected (op-node: 15 s).
    pub score_inspect: Duration,
    /// How often disconnected static peers are redialed.
    pub redial: Duration,
    /// The agent string identify tells peers.
    pub user_agent: String,
    /// Discovery (`None`: static peers and inbound connections only).
    pub discovery: Option<DiscoveryConfig>,
    /// Above this many connected peers, the lowest-scored are disconnected (op-node's
    /// `--p2p.peers.hi`; static and protected peers are kept).
    pub peers_hi: usize,
    /// New peers are not disconnected for the peer limit before this (op-node's
    /// `--p2p.peers.grace`).
    pub peers_grace: Duration,
}

impl GossipConfig {
    /// op-node's defaults around `key`, for chain `chain_id`.
    pub fn new(chain_id: u64, forks: HardforkSchedule, key: identity::Keypair) -> Self {
        Self {
            chain_id,
            forks,
            key,
            listen: Multiaddr::empty()
                .with(Protocol::Ip4(std::net::Ipv4Addr::UNSPECIFIED))
                .with(Protocol::Tcp(9222)),
            static_peers: Vec::new(),
            signer: Address::ZERO,
            ban_peers: true,
            ban_threshold: -100.0,
            ban_duration: Duration::from_secs(3600),
            score_inspect: Duration::from_secs(15),
            redial: Duration::from_secs(5),
            user_agent: format!("lamina/{}", env!("CARGO_PKG_VERSION")),
            discovery: None,
            peers_hi: 30,
            peers_grace: Duration::from_secs(30),
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
    /// A dial failed.
    #[error("dial {addr}: {reason}")]
    Dial {
        /// Where to.
        addr: Multiaddr,
        /// Why.
        reason: String,
    },
    /// The peer is not connected.
    #[error("peer {0} is not connected")]
    NotConnected(PeerId),
}

fn err(e: impl std::fmt::Display) -> P2pError {
    P2pError::Libp2p(e.to_string())
}

/// One peer as the service sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct PeerInfo {
    /// Its id.
    pub id: PeerId,
    /// Its gossip score.
    pub score: f64,
}

/// What discovery says of this node and its table (`opp2p_self`, `opp2p_discoveryTable`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiscoveryInfo {
    /// Our record, `enr:-…`.
    pub enr: String,
    /// Our node id, hex.
    pub node_id: String,
    /// The table's records, `enr:-…`.
    pub table: Vec<String>,
}

/// Counts for `opp2p_peerStats`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeerStats {
    /// Peers connected now.
    pub connected: usize,
    /// Peers subscribed to each block topic (v1 … v4).
    pub blocks_topic: [usize; 4],
    /// Peers banned now.
    pub banned: usize,
    /// Peers remembered.
    pub known: usize,
    /// Records in the discovery table.
    pub table: usize,
}

type Reply<T> = oneshot::Sender<T>;

enum Command {
    Publish(TopicVersion, Vec<u8>, Reply<Result<(), P2pError>>),
    Connect(Multiaddr, Reply<Result<PeerId, P2pError>>),
    Disconnect(PeerId, Reply<Result<(), P2pError>>),
    Block(PeerId, bool),
    Protect(PeerId, bool),
    Peers(Reply<Vec<PeerInfo>>),
    Details(bool, Reply<Vec<PeerDetails>>),
    Stats(Reply<PeerStats>),
    Banned(Reply<Vec<PeerId>>),
    Mesh(TopicVersion, Reply<usize>),
    Discovery(Reply<Option<DiscoveryInfo>>),
}

/// What discovery's tasks report to the service.
enum Found {
    Started(Result<Arc<Discovery>, DiscoveryError>),
    Candidates(Vec<(PeerId, Multiaddr)>),
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

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Fails if another process listens on `listen`'s TCP port already. libp2p listens with
/// SO_REUSEPORT, so a second node on the same port would otherwise start without a word and
/// share the port's incoming connections with the first.
fn ensure_port_free(listen: &Multiaddr) -> Result<(), P2pError> {
    let mut ip = None;
    let mut port = None;
    for p in listen {
        match p {
            Protocol::Ip4(a) => ip = Some(std::net::IpAddr::V4(a)),
            Protocol::Ip6(a) => ip = Some(std::net::IpAddr::V6(a)),
            Protocol::Tcp(p) => port = Some(p),
            _ => {}
        }
    }
    match (ip, port) {
        (Some(ip), Some(port)) if port != 0 => std::net::TcpListener::bind((ip, port))
            .map(drop)
            .map_err(|e| P2pError::Libp2p(format!("gossip cannot listen on {listen}: {e}"))),
        _ => Ok(()),
    }
}

/// The peer id a `/p2p/<id>` address names.
fn peer_of(addr: &Multiaddr) -> Option<PeerId> {
    addr.iter().find_map(|p| match p {
        Protocol::P2p(id) => Some(id),
        _ => None,
    })
}

/// The task that owns the swarm.
struct Service {
    swarm: Swarm<Behaviour>,
    config: GossipConfig,
    validator: Validator,
    signer: watch::Receiver<Address>,
    blocks: mpsc::Sender<Box<BlockEnvelope>>,
    addrs: watch::Sender<Vec<Multiaddr>>,
    topics: HashMap<TopicHash, TopicVersion>,
    book: PeerBook,
    /// Banned for their score, and since when (lifted after the ban duration).
    score_banned: HashMap<PeerId, Instant>,
    /// Blocked by the operator (until unblocked).
    blocked: HashSet<PeerId>,
    dials: HashMap<ConnectionId, (Multiaddr, Reply<Result<PeerId, P2pError>>)>,
    /// Discovery, once started (it starts when gossip's TCP port is known).
    discovery: Option<Arc<Discovery>>,
    found_tx: mpsc::Sender<Found>,
    /// A walk is under way.
    walking: bool,
    walks: u64,
    /// When discovered peers were last dialed (not again within a grace period).
    dialed: HashMap<PeerId, Instant>,
    /// Discovered peers are dialed while fewer than this are connected.
    discovery_lo: usize,
}

/// A discovered peer is not dialed again within this.
const REDIAL_GRACE: Duration = Duration::from_secs(30);

impl Gossip {
    /// Starts the service; accepted blocks go to `blocks`.
    pub fn spawn(
        config: GossipConfig,
        blocks: mpsc::Sender<Box<BlockEnvelope>>,
    ) -> Result<Self, P2pError> {
        let topics: HashMap<TopicHash, TopicVersion> = TopicVersion::ALL
            .iter()
            .map(|v| (IdentTopic::new(v.topic(config.chain_id)).hash(), *v))
            .collect();
        let filter = gossipsub::WhitelistSubscriptionFilter(topics.keys().cloned().collect());
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
                .with_agent_version(config.user_agent.clone()),
        );
        let behaviour = Behaviour {
            gossipsub,
            identify,
            ping: ping::Behaviour::default(),
            blocked: libp2p::allow_block_list::Behaviour::default(),
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
        ensure_port_free(&config.listen)?;
        for v in TopicVersion::ALL {
            swarm
                .behaviour_mut()
                .gossipsub
                .subscribe(&IdentTopic::new(v.topic(config.chain_id)))
                .map_err(err)?;
        }
        swarm.listen_on(config.listen.clone()).map_err(err)?;
        for peer in &config.static_peers {
            swarm.dial(peer.clone()).map_err(err)?;
        }
        let peer_id = *swarm.local_peer_id();
        let (commands, inbox) = mpsc::channel(256);
        let (signer_tx, signer) = watch::channel(config.signer);
        let (addrs_tx, addrs) = watch::channel(Vec::new());
        let (found_tx, found) = mpsc::channel(16);
        let discovery_lo = config.discovery.as_ref().map_or(0, |d| d.peers_lo);
        let service = Service {
            swarm,
            validator: Validator::new(config.chain_id, config.forks),
            config,
            signer,
            blocks,
            addrs: addrs_tx,
            topics,
            book: PeerBook::default(),
            score_banned: HashMap::new(),
            blocked: HashSet::new(),
            dials: HashMap::new(),
            discovery: None,
            found_tx,
            walking: false,
            walks: 0,
            dialed: HashMap::new(),
            discovery_lo,
        };
        tokio::spawn(service.run(inbox, found));
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

    async fn ask<T>(&self, make: impl FnOnce(Reply<T>) -> Command) -> Result<T, P2pError> {
        let (tx, rx) = oneshot::channel();
        self.commands.send(make(tx)).await.map_err(|_| P2pError::Stopped)?;
        rx.await.map_err(|_| P2pError::Stopped)
    }

    /// Publishes a gossip message (an encoded, signed envelope) on `version`'s topic.
    pub async fn publish(&self, version: TopicVersion, data: Vec<u8>) -> Result<(), P2pError> {
        self.ask(|r| Command::Publish(version, data, r)).await?
    }

    /// Dials `addr` (which names the peer with `/p2p/<id>`) and waits until the connection is
    /// up or the dial failed.
    pub async fn connect(&self, addr: Multiaddr) -> Result<PeerId, P2pError> {
        self.ask(|r| Command::Connect(addr, r)).await?
    }

    /// Dials `addr`, not waiting for the outcome.
    pub async fn dial(&self, addr: Multiaddr) -> Result<(), P2pError> {
        // A failure is logged by the service; nobody waits for it here.
        let (tx, _rx) = oneshot::channel();
        self.commands.send(Command::Connect(addr, tx)).await.map_err(|_| P2pError::Stopped)
    }

    /// Closes every connection to `peer`.
    pub async fn disconnect(&self, peer: PeerId) -> Result<(), P2pError> {
        self.ask(|r| Command::Disconnect(peer, r)).await?
    }

    /// Blocks `peer` (closing its connections, refusing new ones) until [`Self::unblock`].
    pub async fn block(&self, peer: PeerId) -> Result<(), P2pError> {
        self.commands.send(Command::Block(peer, true)).await.map_err(|_| P2pError::Stopped)
    }

    /// Lifts a block or a ban of `peer`.
    pub async fn unblock(&self, peer: PeerId) -> Result<(), P2pError> {
        self.commands.send(Command::Block(peer, false)).await.map_err(|_| P2pError::Stopped)
    }

    /// Protects `peer` from bans for its score (or lifts that).
    pub async fn protect(&self, peer: PeerId, on: bool) -> Result<(), P2pError> {
        self.commands.send(Command::Protect(peer, on)).await.map_err(|_| P2pError::Stopped)
    }

    /// Follows a new unsafe block signer (the SystemConfig's `setUnsafeBlockSigner`).
    pub fn set_signer(&self, signer: Address) {
        self.signer.send_if_modified(|s| {
            let changed = *s != signer;
            *s = signer;
            changed
        });
    }

    /// The unsafe block signer blocks are checked against.
    pub fn signer(&self) -> Address {
        *self.signer.borrow()
    }

    /// The gossip peers and their scores.
    pub async fn peers(&self) -> Result<Vec<PeerInfo>, P2pError> {
        self.ask(Command::Peers).await
    }

    /// Every peer remembered (only the connected ones with `connected_only`), in detail.
    pub async fn peer_details(&self, connected_only: bool) -> Result<Vec<PeerDetails>, P2pError> {
        self.ask(|r| Command::Details(connected_only, r)).await
    }

    /// Peer counts.
    pub async fn stats(&self) -> Result<PeerStats, P2pError> {
        self.ask(Command::Stats).await
    }

    /// How many peers are in this node's mesh for `version`'s topic.
    pub async fn mesh_size(&self, version: TopicVersion) -> Result<usize, P2pError> {
        self.ask(|r| Command::Mesh(version, r)).await
    }

    /// The peers banned or blocked now.
    pub async fn banned(&self) -> Result<Vec<PeerId>, P2pError> {
        self.ask(Command::Banned).await
    }

    /// Our record, node id and discovery table (`None` without discovery, or before it runs).
    pub async fn discovery(&self) -> Result<Option<DiscoveryInfo>, P2pError> {
        self.ask(Command::Discovery).await
    }
}

impl Service {
    async fn run(mut self, mut inbox: mpsc::Receiver<Command>, mut found: mpsc::Receiver<Found>) {
        let mut inspect = tokio::time::interval(self.config.score_inspect);
        let mut redial = tokio::time::interval(self.config.redial);
        let walk_every =
            self.config.discovery.as_ref().map_or(Duration::from_secs(3600), |d| d.walk);
        let mut walk = tokio::time::interval(walk_every);
        loop {
            tokio::select! {
                event = self.swarm.select_next_some() => self.on_event(event),
                _ = inspect.tick() => self.inspect(),
                _ = redial.tick() => self.redial(),
                _ = walk.tick() => self.walk(),
                Some(f) = found.recv() => self.on_found(f),
                command = inbox.recv() => match command {
                    None => break,
                    Some(c) => self.on_command(c),
                },
            }
        }
        tracing::debug!(target: "lamina::p2p", "gossip service stopped");
    }

    fn on_event(&mut self, event: SwarmEvent<BehaviourEvent>) {
        match event {
            SwarmEvent::NewListenAddr { address, .. } => {
                tracing::info!(target: "lamina::p2p", %address, "listening");
                let tcp = address.iter().find_map(|p| match p {
                    Protocol::Tcp(port) => Some(port),
                    _ => None,
                });
                self.addrs.send_modify(|a| a.push(address));
                // Discovery starts once the gossip port it advertises is known.
                if let (Some(port), Some(config)) = (tcp, self.config.discovery.take()) {
                    let key = self.config.key.clone();
                    let (chain, tx) = (self.config.chain_id, self.found_tx.clone());
                    tokio::spawn(async move {
                        let started = Discovery::start(&config, &key, chain, port).await;
                        let _ = tx.send(Found::Started(started)).await;
                    });
                }
            }
            SwarmEvent::ConnectionEstablished { peer_id, connection_id, endpoint, .. } => {
                self.book.connected(peer_id, &endpoint);
                if let Some((_, reply)) = self.dials.remove(&connection_id) {
                    let _ = reply.send(Ok(peer_id));
                }
            }
            SwarmEvent::ConnectionClosed { peer_id, num_established, .. } => {
                self.book.closed(peer_id, num_established);
            }
            SwarmEvent::OutgoingConnectionError { connection_id, error, .. } => {
                if let Some((addr, reply)) = self.dials.remove(&connection_id) {
                    tracing::debug!(target: "lamina::p2p", %addr, %error, "dial failed");
                    let _ = reply.send(Err(P2pError::Dial { addr, reason: error.to_string() }));
                }
            }
            SwarmEvent::Behaviour(BehaviourEvent::Identify(identify::Event::Received {
                peer_id,
                info,
                ..
            })) => self.book.identified(peer_id, info),
            SwarmEvent::Behaviour(BehaviourEvent::Ping(ping::Event {
                peer,
                result: Ok(rtt),
                ..
            })) => self.book.pinged(peer, rtt),
            SwarmEvent::Behaviour(BehaviourEvent::Gossipsub(gossipsub::Event::Message {
                propagation_source,
                message_id,
                message,
            })) => {
                let Some(version) = self.topics.get(&message.topic).copied() else { return };
                let signer = *self.signer.borrow();
                let (acceptance, block) = match self.validator.validate(
                    version,
                    &message.data,
                    now(),
                    signer,
                ) {
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
                self.swarm.behaviour_mut().gossipsub.report_message_validation_result(
                    &message_id,
                    &propagation_source,
                    acceptance,
                );
                if let Some(env) = block
                    && self.blocks.try_send(env).is_err()
                {
                    tracing::warn!(target: "lamina::p2p", "the node is not taking blocks: dropped one");
                }
            }
            _ => {}
        }
    }

    /// Bans the peers whose score fell below the threshold, and lifts expired bans.
    fn inspect(&mut self) {
        self.trim();
        if self.config.ban_peers {
            let gs = &self.swarm.behaviour().gossipsub;
            let low: Vec<PeerId> = gs
                .all_peers()
                .map(|(p, _)| *p)
                .filter(|p| !self.book.is_protected(p))
                .filter(|p| gs.peer_score(p).is_some_and(|s| s < self.config.ban_threshold))
                .collect();
            for p in low {
                tracing::warn!(target: "lamina::p2p", peer = %p, "score below the ban threshold: banned");
                self.swarm.behaviour_mut().blocked.block_peer(p);
                self.score_banned.insert(p, Instant::now());
            }
        }
        let expired: Vec<PeerId> = self
            .score_banned
            .iter()
            .filter(|(_, at)| at.elapsed() >= self.config.ban_duration)
            .map(|(p, _)| *p)
            .collect();
        for p in expired {
            self.score_banned.remove(&p);
            if !self.blocked.contains(&p) {
                self.swarm.behaviour_mut().blocked.unblock_peer(p);
            }
        }
    }

    /// Disconnects the lowest-scored peers above the peer limit (never static or protected
    /// ones, nor those within their grace period).
    fn trim(&mut self) {
        let connected = self.swarm.connected_peers().count();
        if connected <= self.config.peers_hi {
            return;
        }
        let statics: HashSet<PeerId> =
            self.config.static_peers.iter().filter_map(peer_of).collect();
        let gs = &self.swarm.behaviour().gossipsub;
        let over: Vec<PeerId> = self
            .book
            .trimmable(self.config.peers_grace, |p| gs.peer_score(p).unwrap_or_default())
            .into_iter()
            .filter(|p| !statics.contains(p))
            .take(connected - self.config.peers_hi)
            .collect();
        for p in over {
            tracing::debug!(target: "lamina::p2p", peer = %p, "over the peer limit: disconnected");
            let _ = self.swarm.disconnect_peer_id(p);
        }
    }

    /// Starts a random walk when discovery runs and none is under way: every tick while the
    /// node has fewer peers than it wants, every thirtieth otherwise (to keep the table fresh).
    fn walk(&mut self) {
        let Some(d) = self.discovery.clone() else { return };
        self.walks += 1;
        let wanted = self.discovery_lo;
        if self.walking
            || (self.swarm.connected_peers().count() >= wanted && !self.walks.is_multiple_of(30))
        {
            return;
        }
        self.walking = true;
        let tx = self.found_tx.clone();
        tokio::spawn(async move {
            let _ = tx.send(Found::Candidates(d.walk().await)).await;
        });
    }

    fn on_found(&mut self, found: Found) {
        match found {
            Found::Started(Ok(d)) => {
                self.discovery = Some(d);
                self.walk();
            }
            Found::Started(Err(e)) => {
                tracing::error!(target: "lamina::p2p", %e, "discovery did not start: static peers only");
            }
            Found::Candidates(candidates) => {
                self.walking = false;
                let me = *self.swarm.local_peer_id();
                let mut room =
                    self.discovery_lo.saturating_sub(self.swarm.connected_peers().count());
                for (peer, addr) in candidates {
                    if room == 0 {
                        break;
                    }
                    if peer == me
                        || self.swarm.is_connected(&peer)
                        || self.blocked.contains(&peer)
                        || self.score_banned.contains_key(&peer)
                        || self.dialed.get(&peer).is_some_and(|t| t.elapsed() < REDIAL_GRACE)
                    {
                        continue;
                    }
                    self.dialed.insert(peer, Instant::now());
                    let opts = DialOpts::peer_id(peer)
                        .addresses(vec![addr.clone()])
                        .condition(PeerCondition::DisconnectedAndNotDialing)
                        .build();
                    match self.swarm.dial(opts) {
                        Ok(()) => {
                            tracing::debug!(target: "lamina::p2p", %addr, "dialing a discovered peer");
                            room -= 1;
                        }
                        Err(e) => {
                            tracing::debug!(target: "lamina::p2p", %addr, error = %e, "discovered peer not dialed")
                        }
                    }
                }
                self.dialed.retain(|_, t| t.elapsed() < REDIAL_GRACE);
            }
        }
    }

    /// Dials the static peers that are not connected (nor being dialed).
    fn redial(&mut self) {
        for addr in self.config.static_peers.clone() {
            let Some(peer) = peer_of(&addr) else { continue };
            if self.swarm.is_connected(&peer) {
                continue;
            }
            let opts = DialOpts::peer_id(peer)
                .addresses(vec![addr])
                .condition(PeerCondition::DisconnectedAndNotDialing)
                .build();
            if let Err(e) = self.swarm.dial(opts) {
                tracing::debug!(target: "lamina::p2p", %peer, error = %e, "static peer not redialed");
            }
        }
    }

    fn on_command(&mut self, command: Command) {
        match command {
            Command::Publish(version, data, reply) => {
                let topic = IdentTopic::new(version.topic(self.config.chain_id));
                let out = self.swarm.behaviour_mut().gossipsub.publish(topic, data);
                let _ = reply.send(out.map(|_| ()).map_err(err));
            }
            Command::Connect(addr, reply) => {
                let opts = DialOpts::from(addr.clone());
                let id = opts.connection_id();
                match self.swarm.dial(opts) {
                    Ok(()) => {
                        self.dials.insert(id, (addr, reply));
                    }
                    Err(e) => {
                        tracing::debug!(target: "lamina::p2p", %addr, error = %e, "dial refused");
                        let _ = reply.send(Err(P2pError::Dial { addr, reason: e.to_string() }));
                    }
                }
            }
            Command::Disconnect(peer, reply) => {
                let out =
                    self.swarm.disconnect_peer_id(peer).map_err(|()| P2pError::NotConnected(peer));
                let _ = reply.send(out);
            }
            Command::Block(peer, true) => {
                self.blocked.insert(peer);
                self.swarm.behaviour_mut().blocked.block_peer(peer);
            }
            Command::Block(peer, false) => {
                self.blocked.remove(&peer);
                self.score_banned.remove(&peer);
                self.swarm.behaviour_mut().blocked.unblock_peer(peer);
            }
            Command::Protect(peer, on) => self.book.protect(peer, on),
            Command::Peers(reply) => {
                let gs = &self.swarm.behaviour().gossipsub;
                let peers = gs
                    .all_peers()
                    .map(|(p, _)| PeerInfo { id: *p, score: gs.peer_score(p).unwrap_or_default() })
                    .collect();
                let _ = reply.send(peers);
            }
            Command::Details(connected_only, reply) => {
                let gs = &self.swarm.behaviour().gossipsub;
                let subscribed: HashMap<PeerId, bool> = gs
                    .all_peers()
                    .map(|(p, topics)| (*p, topics.iter().any(|t| self.topics.contains_key(t))))
                    .collect();
                let details = self.book.details(connected_only, |p| {
                    (
                        subscribed.get(p).copied().unwrap_or(false),
                        gs.peer_score(p).unwrap_or_default(),
                    )
                });
                let _ = reply.send(details);
            }
            Command::Stats(reply) => {
                let gs = &self.swarm.behaviour().gossipsub;
                let mut stats = PeerStats {
                    connected: self.swarm.connected_peers().count(),
                    banned: self.score_banned.len() + self.blocked.len(),
                    known: self.book.len(),
                    table: self.discovery.as_ref().map_or(0, |d| d.table().len()),
                    ..PeerStats::default()
                };
                for (_, topics) in gs.all_peers() {
                    for t in topics {
                        if let Some(v) = self.topics.get(t) {
                            stats.blocks_topic[usize::from(v.index())] += 1;
                        }
                    }
                }
                let _ = reply.send(stats);
            }
            Command::Banned(reply) => {
                let mut all: Vec<PeerId> = self.score_banned.keys().copied().collect();
                all.extend(self.blocked.iter().filter(|p| !self.score_banned.contains_key(p)));
                let _ = reply.send(all);
            }
            Command::Discovery(reply) => {
                let info = self.discovery.as_ref().map(|d| DiscoveryInfo {
                    enr: d.local_enr().to_base64(),
                    node_id: alloy_primitives::hex::encode(d.node_id().raw()),
                    table: d.table().iter().map(|e| e.to_base64()).collect(),
                });
                let _ = reply.send(info);
            }
            Command::Mesh(version, reply) => {
                let topic = IdentTopic::new(version.topic(self.config.chain_id)).hash();
                let _ = reply.send(self.swarm.behaviour().gossipsub.mesh_peers(&topic).count());
            }
        }
    }
}
