//! What the service knows of each peer it is or was connected to: the addresses and direction
//! of its connections, what it said of itself over identify, its ping latency, and whether the
//! operator protected it. The `opp2p_peers` answer is read from here and from gossipsub.

use std::{collections::HashMap, time::Duration};

use libp2p::{Multiaddr, PeerId, core::ConnectedPoint, identify};

/// Which side opened the connection (go-libp2p's `network.Direction` numbering).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    /// Not known (no connection).
    #[default]
    Unknown,
    /// The peer dialed us.
    Inbound,
    /// We dialed the peer.
    Outbound,
}

impl Direction {
    /// go-libp2p's number for it (0 unknown, 1 inbound, 2 outbound).
    pub const fn code(self) -> u8 {
        match self {
            Self::Unknown => 0,
            Self::Inbound => 1,
            Self::Outbound => 2,
        }
    }
}

/// One peer, as `opp2p_peers` reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct PeerDetails {
    /// Its id.
    pub id: PeerId,
    /// Its agent string (identify).
    pub user_agent: String,
    /// Its protocol version string (identify).
    pub protocol_version: String,
    /// The addresses we reach it on (its connections' remote addresses, then what it listens on).
    pub addresses: Vec<Multiaddr>,
    /// The protocols it speaks (identify).
    pub protocols: Vec<String>,
    /// Whether a connection is open now.
    pub connected: bool,
    /// Which side opened the (first open) connection.
    pub direction: Direction,
    /// Protected by the operator (`opp2p_protectPeer`): never banned for its score.
    pub protected: bool,
    /// The last ping's round trip.
    pub latency: Option<Duration>,
    /// Subscribed to a block topic of our chain.
    pub gossip_blocks: bool,
    /// Its gossipsub score.
    pub score: f64,
}

#[derive(Debug, Default)]
struct Entry {
    connections: usize,
    /// When the current run of connections began.
    since: Option<std::time::Instant>,
    remote: Vec<Multiaddr>,
    direction: Direction,
    info: Option<identify::Info>,
    latency: Option<Duration>,
    protected: bool,
}

/// The peers seen since start. Forgotten only when unprotected, disconnected and more than
/// [`MAX_REMEMBERED`] are kept, so a churn of peers cannot grow it without bound.
#[derive(Debug, Default)]
pub(crate) struct PeerBook {
    peers: HashMap<PeerId, Entry>,
}

/// Most peers remembered.
const MAX_REMEMBERED: usize = 1024;

impl PeerBook {
    pub(crate) fn connected(&mut self, peer: PeerId, endpoint: &ConnectedPoint) {
        let e = self.peers.entry(peer).or_default();
        if e.connections == 0 {
            e.since = Some(std::time::Instant::now());
            e.remote.clear();
            e.direction =
                if endpoint.is_dialer() { Direction::Outbound } else { Direction::Inbound };
        }
        e.connections += 1;
        let addr = endpoint.get_remote_address().clone();
        if !e.remote.contains(&addr) {
            e.remote.push(addr);
        }
    }

    pub(crate) fn closed(&mut self, peer: PeerId, remaining: u32) {
        if let Some(e) = self.peers.get_mut(&peer) {
            e.connections = remaining as usize;
        }
        if self.peers.len() > MAX_REMEMBERED {
            self.peers.retain(|_, e| e.connections > 0 || e.protected);
        }
    }

    pub(crate) fn identified(&mut self, peer: PeerId, info: identify::Info) {
        self.peers.entry(peer).or_default().info = Some(info);
    }

    pub(crate) fn pinged(&mut self, peer: PeerId, rtt: Duration) {
        if let Some(e) = self.peers.get_mut(&peer) {
            e.latency = Some(rtt);
        }
    }

    pub(crate) fn protect(&mut self, peer: PeerId, on: bool) {
        self.peers.entry(peer).or_default().protected = on;
    }

    pub(crate) fn is_protected(&self, peer: &PeerId) -> bool {
        self.peers.get(peer).is_some_and(|e| e.protected)
    }

    /// Connected peers that may be dropped to get back under a peer limit: not protected,
    /// connected for at least `grace`, lowest `score` first.
    pub(crate) fn trimmable(&self, grace: Duration, score: impl Fn(&PeerId) -> f64) -> Vec<PeerId> {
        let mut out: Vec<(f64, PeerId)> = self
            .peers
            .iter()
            .filter(|(_, e)| e.connections > 0 && !e.protected)
            .filter(|(_, e)| e.since.is_some_and(|t| t.elapsed() >= grace))
            .map(|(id, _)| (score(id), *id))
            .collect();
        out.sort_by(|a, b| a.0.total_cmp(&b.0));
        out.into_iter().map(|(_, id)| id).collect()
    }

    pub(crate) fn len(&self) -> usize {
        self.peers.len()
    }

    /// Every remembered peer (only the connected ones with `connected_only`); gossipsub's view
    /// of it comes from `gossip(peer) -> (subscribed to a block topic, score)`.
    pub(crate) fn details(
        &self,
        connected_only: bool,
        gossip: impl Fn(&PeerId) -> (bool, f64),
    ) -> Vec<PeerDetails> {
        let mut out: Vec<PeerDetails> = self
            .peers
            .iter()
            .filter(|(_, e)| !connected_only || e.connections > 0)
            .map(|(id, e)| {
                let (gossip_blocks, score) = gossip(id);
                let mut addresses = e.remote.clone();
                if let Some(info) = &e.info {
                    for a in &info.listen_addrs {
                        if !addresses.contains(a) {
                            addresses.push(a.clone());
                        }
                    }
                }
                PeerDetails {
                    id: *id,
                    user_agent: e
                        .info
                        .as_ref()
                        .map(|i| i.agent_version.clone())
                        .unwrap_or_default(),
                    protocol_version: e
                        .info
                        .as_ref()
                        .map(|i| i.protocol_version.clone())
                        .unwrap_or_default(),
                    addresses,
                    protocols: e
                        .info
                        .as_ref()
                        .map(|i| i.protocols.iter().map(ToString::to_string).collect())
                        .unwrap_or_default(),
                    connected: e.connections > 0,
                    direction: if e.connections > 0 { e.direction } else { Direction::Unknown },
                    protected: e.protected,
                    latency: e.latency,
                    gossip_blocks,
                    score,
                }
            })
            .collect();
        out.sort_by_key(|p| p.id.to_bytes());
        out
    }
}

#[cfg(test)]
mod tests {
    use libp2p::core::{Endpoint, transport::PortUse};

    use super::*;

    fn dialer(addr: &str) -> ConnectedPoint {
        ConnectedPoint::Dialer {
            address: addr.parse().unwrap(),
            role_override: Endpoint::Dialer,
            port_use: PortUse::Reuse,
        }
    }

    #[test]
    fn the_book_follows_connections_and_stays_bounded() {
        let mut book = PeerBook::default();
        let a = PeerId::random();
        book.connected(a, &dialer("/ip4/127.0.0.1/tcp/1"));
        book.pinged(a, Duration::from_millis(3));
        book.protect(a, true);
        let d = book.details(true, |_| (true, 1.5));
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].direction, Direction::Outbound);
        assert_eq!(d[0].latency, Some(Duration::from_millis(3)));
        assert!(d[0].protected && d[0].connected && d[0].gossip_blocks);
        book.closed(a, 0);
        assert!(book.details(true, |_| (false, 0.0)).is_empty());
        assert_eq!(book.details(false, |_| (false, 0.0))[0].direction, Direction::Unknown);
        // A churn of peers: the disconnected unprotected ones are forgotten.
        for _ in 0..MAX_REMEMBERED + 10 {
            let p = PeerId::random();
            book.connected(p, &dialer("/ip4/127.0.0.1/tcp/2"));
            book.closed(p, 0);
        }
        assert!(book.len() <= MAX_REMEMBERED + 1);
        assert!(book.is_protected(&a), "protected peers stay");
    }

    #[test]
    fn trimming_spares_protected_and_new_peers_and_goes_lowest_score_first() {
        let mut book = PeerBook::default();
        let (a, b, c) = (PeerId::random(), PeerId::random(), PeerId::random());
        for p in [a, b, c] {
            book.connected(p, &dialer("/ip4/127.0.0.1/tcp/1"));
        }
        book.protect(c, true);
        let score = |p: &PeerId| if *p == a { 5.0 } else { -1.0 };
        assert_eq!(book.trimmable(Duration::ZERO, score), vec![b, a]);
        assert!(book.trimmable(Duration::from_secs(60), score).is_empty(), "within the grace");
    }
}
