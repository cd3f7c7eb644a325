//! Peer discovery as OP runs it: discv5 (UDP) under the node's own secp256k1 key, its ENR
//! carrying `ip`, `tcp` (the gossip port), `udp` and the `opstack` entry — the RLP byte string
//! of `uvarint(chain id) ++ uvarint(version 0)` — so nodes of other chains, and other
//! networks sharing the DHT, are told apart. Random walks fill the table; the records of our
//! chain become gossip dial candidates (`/ip4/…/tcp/…/p2p/<id>`).

use std::{
    net::{IpAddr, Ipv4Addr, SocketAddr},
    sync::Arc,
    time::Duration,
};

use discv5::{
    ConfigBuilder, Discv5, ListenConfig,
    enr::{CombinedKey, CombinedPublicKey, NodeId},
};
use libp2p::{Multiaddr, PeerId, identity, multiaddr::Protocol};

/// A node record.
pub type Enr = discv5::Enr;

/// The ENR key of OP's chain entry.
pub const OPSTACK_KEY: &str = "opstack";

/// Discovery's settings (op-node's `--p2p.listen.udp`, `--p2p.advertise.*`, `--p2p.bootnodes`).
#[derive(Debug, Clone)]
pub struct DiscoveryConfig {
    /// The UDP address discv5 listens on (port 0: any).
    pub listen: SocketAddr,
    /// The IP other nodes should reach us on (default: the listen IP, unless unspecified).
    pub advertise_ip: Option<IpAddr>,
    /// The gossip TCP port to advertise (default: the one gossip listens on).
    pub advertise_tcp: Option<u16>,
    /// The UDP port to advertise (default: the one discv5 listens on).
    pub advertise_udp: Option<u16>,
    /// Records to start the table from.
    pub bootnodes: Vec<Enr>,
    /// Below this many connected peers, discovered peers are dialed (op-node: 20).
    pub peers_lo: usize,
    /// Time between random walks while below `peers_lo` (a walk a minute otherwise).
    pub walk: Duration,
}

impl DiscoveryConfig {
    /// op-node's defaults: any UDP port on all interfaces, no bootnodes, 20 peers.
    pub fn new() -> Self {
        Self {
            listen: SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0),
            advertise_ip: None,
            advertise_tcp: None,
            advertise_udp: None,
            bootnodes: Vec::new(),
            peers_lo: 20,
            walk: Duration::from_secs(2),
        }
    }
}

impl Default for DiscoveryConfig {
    fn default() -> Self {
        Self::new()
    }
}

/// Why discovery cannot start.
#[derive(Debug, thiserror::Error)]
pub enum DiscoveryError {
    /// The node key is not secp256k1.
    #[error("discovery needs a secp256k1 node key")]
    Key,
    /// The record could not be built or the service not started.
    #[error("discv5: {0}")]
    Discv5(String),
}

/// `uvarint(chain_id) ++ uvarint(0)`: the `opstack` entry's bytes.
pub fn opstack_entry(chain_id: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(11);
    for mut v in [chain_id, 0] {
        while v >= 0x80 {
            out.push((v as u8 & 0x7f) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }
    out
}

/// The chain id and version of an `opstack` entry; `None` if it is malformed (truncated, a
/// varint over ten bytes or overflowing, bytes left over).
pub fn parse_opstack(bytes: &[u8]) -> Option<(u64, u64)> {
    let mut rest = bytes;
    let mut read = || -> Option<u64> {
        let mut v: u64 = 0;
        for (i, b) in rest.iter().enumerate() {
            if i >= 10 {
                return None;
            }
            let part = u64::from(b & 0x7f);
            v |= part.checked_shl(7 * i as u32).filter(|s| s >> (7 * i as u32) == part)?;
            if b & 0x80 == 0 {
                rest = &rest[i + 1..];
                return Some(v);
            }
        }
        None
    };
    let chain = read()?;
    let version = read()?;
    rest.is_empty().then_some((chain, version))
}

/// Where to dial a record's node over gossip, if it is a node of `chain_id` (version 0) with a
/// secp256k1 key, an IPv4 address and a TCP port.
pub fn dial_addr(enr: &Enr, chain_id: u64) -> Option<(PeerId, Multiaddr)> {
    let raw: alloy_rlp::Bytes = enr.get_decodable(OPSTACK_KEY)?.ok()?;
    let (chain, version) = parse_opstack(&raw)?;
    if chain != chain_id || version != 0 {
        return None;
    }
    let CombinedPublicKey::Secp256k1(key) = enr.public_key() else { return None };
    let public =
        identity::secp256k1::PublicKey::try_from_bytes(&key.to_encoded_point(true).to_bytes())
            .ok()?;
    let peer = PeerId::from_public_key(&identity::PublicKey::from(public));
    let addr =
        Multiaddr::from(enr.ip4()?).with(Protocol::Tcp(enr.tcp4()?)).with(Protocol::P2p(peer));
    Some((peer, addr))
}

/// A running discv5 service.
pub struct Discovery {
    service: Discv5,
    chain_id: u64,
}

impl std::fmt::Debug for Discovery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Discovery").field("enr", &self.service.local_enr().to_base64()).finish()
    }
}

impl Discovery {
    /// Starts discv5 for chain `chain_id` under `key`, advertising gossip on `tcp_port`.
    pub async fn start(
        config: &DiscoveryConfig,
        key: &identity::Keypair,
        chain_id: u64,
        tcp_port: u16,
    ) -> Result<Arc<Self>, DiscoveryError> {
        let secret = key.clone().try_into_secp256k1().map_err(|_| DiscoveryError::Key)?;
        let mut bytes = secret.secret().to_bytes();
        let enr_key =
            CombinedKey::secp256k1_from_bytes(&mut bytes).map_err(|_| DiscoveryError::Key)?;
        let err = |e: &dyn std::fmt::Display| DiscoveryError::Discv5(e.to_string());
        // Bind first, so the record carries the real UDP port.
        let socket = std::net::UdpSocket::bind(config.listen).map_err(|e| err(&e))?;
        let bound = socket.local_addr().map_err(|e| err(&e))?;
        drop(socket);
        let mut builder = Enr::builder();
        let ip = config.advertise_ip.or((!bound.ip().is_unspecified()).then_some(bound.ip()));
        if let Some(IpAddr::V4(ip)) = ip {
            builder.ip4(ip);
        }
        builder.tcp4(config.advertise_tcp.unwrap_or(tcp_port));
        builder.udp4(config.advertise_udp.unwrap_or(bound.port()));
        builder.add_value(OPSTACK_KEY, &alloy_rlp::Bytes::from(opstack_entry(chain_id)));
        let enr = builder.build(&enr_key).map_err(|e| err(&e))?;
        let listen = match bound.ip() {
            IpAddr::V4(ip) => ListenConfig::Ipv4 { ip, port: bound.port() },
            IpAddr::V6(ip) => ListenConfig::Ipv6 { ip, port: bound.port() },
        };
        let mut service =
            Discv5::new(enr, enr_key, ConfigBuilder::new(listen).build()).map_err(|e| err(&e))?;
        service.start().await.map_err(|e| err(&e))?;
        for boot in &config.bootnodes {
            if let Err(e) = service.add_enr(boot.clone()) {
                tracing::warn!(target: "lamina::p2p", error = e, "bootnode not added");
            }
        }
        tracing::info!(target: "lamina::p2p", enr = %service.local_enr().to_base64(), "discovery running");
        Ok(Arc::new(Self { service, chain_id }))
    }

    /// Our record.
    pub fn local_enr(&self) -> Enr {
        self.service.local_enr()
    }

    /// Our node id.
    pub fn node_id(&self) -> NodeId {
        self.service.local_enr().node_id()
    }

    /// Every record in the table.
    pub fn table(&self) -> Vec<Enr> {
        self.service.table_entries_enr()
    }

    /// One random walk: the records found and those in the table, as dial candidates of our
    /// chain.
    pub async fn walk(&self) -> Vec<(PeerId, Multiaddr)> {
        let found = match self.service.find_node(NodeId::random()).await {
            Ok(found) => found,
            Err(e) => {
                tracing::debug!(target: "lamina::p2p", error = %e, "random walk failed");
                Vec::new()
            }
        };
        let mut out: Vec<(PeerId, Multiaddr)> = Vec::new();
        for enr in found.iter().chain(self.table().iter()) {
            if let Some(c) = dial_addr(enr, self.chain_id)
                && !out.iter().any(|(p, _)| *p == c.0)
            {
                out.push(c);
            }
        }
        out
    }
}

impl Drop for Discovery {
    fn drop(&mut self) {
        self.service.shutdown();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_opstack_entry_round_trips_and_rejects_junk() {
        assert_eq!(opstack_entry(10), vec![10, 0]);
        assert_eq!(opstack_entry(8453), vec![0x85, 0x42, 0]);
        for id in [0, 1, 127, 128, 901, 8453, 11_155_420, u64::MAX] {
            assert_eq!(parse_opstack(&opstack_entry(id)), Some((id, 0)));
        }
        assert_eq!(parse_opstack(&[]), None);
        assert_eq!(parse_opstack(&[0x85]), None, "truncated");
        assert_eq!(parse_opstack(&[10, 0, 0]), None, "left over");
        assert_eq!(parse_opstack(&[0xff; 11]), None, "too long");
        assert_eq!(
            parse_opstack(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0]),
            None,
            "overflow"
        );
        assert_eq!(parse_opstack(&[10, 1]), Some((10, 1)));
    }

    #[test]
    fn a_record_is_a_candidate_only_for_its_chain() {
        let key = identity::Keypair::generate_secp256k1();
        let secret = key.clone().try_into_secp256k1().unwrap();
        let mut bytes = secret.secret().to_bytes();
        let enr_key = CombinedKey::secp256k1_from_bytes(&mut bytes).unwrap();
        let record = |chain: Option<u64>| {
            let mut b = Enr::builder();
            b.ip4(Ipv4Addr::LOCALHOST).tcp4(9222).udp4(9223);
            if let Some(c) = chain {
                b.add_value(OPSTACK_KEY, &alloy_rlp::Bytes::from(opstack_entry(c)));
            }
            b.build(&enr_key).unwrap()
        };
        let (peer, addr) = dial_addr(&record(Some(901)), 901).unwrap();
        assert_eq!(peer, key.public().to_peer_id(), "the same key as libp2p's");
        assert_eq!(addr.to_string(), format!("/ip4/127.0.0.1/tcp/9222/p2p/{peer}"));
        assert!(dial_addr(&record(Some(10)), 901).is_none(), "another chain");
        assert!(dial_addr(&record(None), 901).is_none(), "not an OP node");
        // A record survives its text form (what --p2p.bootnodes takes).
        let text = record(Some(901)).to_base64();
        assert!(text.starts_with("enr:-"));
        let back: Enr = text.parse().unwrap();
        assert_eq!(dial_addr(&back, 901).unwrap().0, peer);
    }
}
