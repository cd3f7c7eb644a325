//! op-node's `opp2p_` methods over a node's gossip service, with op-node's JSON shapes, so its
//! tooling reads them unchanged: the node itself, its peers (one, with their scores), counts,
//! and — only with the admin methods enabled, because whoever reaches them can cut the node
//! off its peers — connecting, disconnecting, blocking and protecting peers.
//!
//! Without discovery, `opp2p_discoveryTable` is empty and so are our `nodeID` and `ENR`; a
//! peer's `nodeID`/`ENR` stay empty (op-node fills them from its peerstore). libp2p's
//! gossipsub reports a peer's total score only: the breakdown fields stay zero.

use std::collections::BTreeMap;

use jsonrpsee::{
    RpcModule,
    types::{ErrorObject, ErrorObjectOwned},
};
use lamina_p2p::{Gossip, Multiaddr, P2pError, PeerDetails, PeerId};
use serde::Serialize;

/// A peer as `opp2p_peers` shows it (op-node's `PeerInfo`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PeerJson {
    #[serde(rename = "peerID")]
    peer_id: String,
    #[serde(rename = "nodeID")]
    node_id: String,
    user_agent: String,
    protocol_version: String,
    #[serde(rename = "ENR")]
    enr: String,
    addresses: Vec<String>,
    protocols: Vec<String>,
    /// go-libp2p's `Connectedness`: 0 not connected, 1 connected.
    connectedness: u8,
    /// go-libp2p's `Direction`: 0 unknown, 1 inbound, 2 outbound.
    direction: u8,
    protected: bool,
    #[serde(rename = "chainID")]
    chain_id: u64,
    /// Nanoseconds (Go's `time.Duration`).
    latency: u64,
    gossip_blocks: bool,
    scores: Scores,
}

#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
struct Scores {
    gossip: GossipScores,
    req_resp: ReqRespScores,
}

#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
struct GossipScores {
    total: f64,
    blocks: TopicScores,
    #[serde(rename = "IPColocationFactor")]
    ip_colocation_factor: f64,
    behavioral_penalty: f64,
}

#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
struct TopicScores {
    time_in_mesh: f64,
    first_message_deliveries: f64,
    mesh_message_deliveries: f64,
    invalid_message_deliveries: f64,
}

#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
struct ReqRespScores {
    valid_responses: f64,
    error_responses: f64,
    rejected_payloads: f64,
}

/// `opp2p_peers`' answer (op-node's `PeerDump`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct PeerDump {
    total_connected: usize,
    peers: BTreeMap<String, PeerJson>,
    banned_peers: Vec<String>,
    #[serde(rename = "bannedIPS")]
    banned_ips: Vec<String>,
    banned_subnets: Vec<String>,
}

/// `opp2p_peerStats`' answer.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct StatsJson {
    connected: usize,
    table: usize,
    blocks_topic: usize,
    blocks_topic_v2: usize,
    blocks_topic_v3: usize,
    blocks_topic_v4: usize,
    banned: usize,
    known: usize,
}

fn peer_json(p: &PeerDetails, chain_id: u64) -> PeerJson {
    PeerJson {
        peer_id: p.id.to_string(),
        node_id: String::new(),
        user_agent: p.user_agent.clone(),
        protocol_version: p.protocol_version.clone(),
        enr: String::new(),
        addresses: p.addresses.iter().map(ToString::to_string).collect(),
        protocols: p.protocols.clone(),
        connectedness: u8::from(p.connected),
        direction: p.direction.code(),
        protected: p.protected,
        // Known for peers on our topics; op-node learns it from their ENR.
        chain_id: if p.gossip_blocks { chain_id } else { 0 },
        latency: p.latency.map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)),
        gossip_blocks: p.gossip_blocks,
        scores: Scores {
            gossip: GossipScores { total: p.score, ..GossipScores::default() },
            ..Scores::default()
        },
    }
}

fn error(e: impl std::fmt::Display) -> ErrorObjectOwned {
    ErrorObject::owned(-32000, e.to_string(), None::<()>)
}

fn p2p_error(e: P2pError) -> ErrorObjectOwned {
    error(e)
}

fn peer_arg(p: &jsonrpsee::types::Params<'_>) -> Result<PeerId, ErrorObjectOwned> {
    let (id,): (String,) = p.parse()?;
    id.parse().map_err(|e| ErrorObject::owned(-32602, format!("peer id {id}: {e}"), None::<()>))
}

fn log_err(r: Result<(), jsonrpsee::core::RegisterMethodError>) {
    if let Err(e) = r {
        tracing::error!(target: "lamina::rpc", %e, "method not registered");
    }
}

/// A node's whole RPC: `optimism_` (and `admin_` with `admin`), plus `opp2p_` when it gossips.
pub fn node_module<E: crate::rollup::ExecutionEngine>(
    node: &crate::rollup::RollupNode<E>,
    p2p: Option<&super::P2p>,
    admin: bool,
) -> RpcModule<()> {
    let mut m = crate::rollup::rpc::module(node, admin);
    if let Some(p) = p2p {
        let chain_id = node.engine.rollup().l2_chain_id;
        if let Err(e) = m.merge(module(p.gossip.clone(), chain_id, admin)) {
            tracing::error!(target: "lamina::rpc", %e, "opp2p methods not served");
        }
    }
    m
}

/// The `opp2p_` module over `gossip` on chain `chain_id`; `admin` adds the methods that change
/// the node's peers.
pub fn module(gossip: Gossip, chain_id: u64, admin: bool) -> RpcModule<Gossip> {
    let mut m = RpcModule::new(gossip);
    log_err(
        m.register_async_method("opp2p_self", move |_, g, _| async move {
            let addrs = g.listen_addrs().await;
            let disc = g.discovery().await.map_err(p2p_error)?.unwrap_or_default();
            let mut me = peer_json(
                &PeerDetails {
                    id: g.peer_id(),
                    user_agent: format!("lamina/{}", env!("CARGO_PKG_VERSION")),
                    protocol_version: String::new(),
                    addresses: addrs,
                    protocols: Vec::new(),
                    connected: false,
                    direction: lamina_p2p::Direction::Unknown,
                    protected: false,
                    latency: None,
                    gossip_blocks: true,
                    score: 0.0,
                },
                chain_id,
            );
            me.node_id = disc.node_id;
            me.enr = disc.enr;
            Ok::<_, ErrorObjectOwned>(me)
        })
        .map(|_| ()),
    );
    log_err(
        m.register_async_method("opp2p_peers", move |p, g, _| async move {
            let (connected,): (bool,) = p.parse()?;
            let details = g.peer_details(connected).await.map_err(p2p_error)?;
            let banned = g.banned().await.map_err(p2p_error)?;
            Ok::<_, ErrorObjectOwned>(PeerDump {
                total_connected: details.iter().filter(|d| d.connected).count(),
                peers: details.iter().map(|d| (d.id.to_string(), peer_json(d, chain_id))).collect(),
                banned_peers: banned.iter().map(ToString::to_string).collect(),
                banned_ips: Vec::new(),
                banned_subnets: Vec::new(),
            })
        })
        .map(|_| ()),
    );
    log_err(
        m.register_async_method("opp2p_peerStats", move |_, g, _| async move {
            let s = g.stats().await.map_err(p2p_error)?;
            Ok::<_, ErrorObjectOwned>(StatsJson {
                connected: s.connected,
                table: s.table,
                blocks_topic: s.blocks_topic[0],
                blocks_topic_v2: s.blocks_topic[1],
                blocks_topic_v3: s.blocks_topic[2],
                blocks_topic_v4: s.blocks_topic[3],
                banned: s.banned,
                known: s.known,
            })
        })
        .map(|_| ()),
    );
    log_err(m.register_method("opp2p_discoveryTable", |_, _, _| Vec::<String>::new()).map(|_| ()));
    log_err(
        m.register_async_method("opp2p_listBlockedPeers", move |_, g, _| async move {
            let banned = g.banned().await.map_err(p2p_error)?;
            Ok::<_, ErrorObjectOwned>(banned.iter().map(ToString::to_string).collect::<Vec<_>>())
        })
        .map(|_| ()),
    );
    if admin {
        admin_methods(&mut m);
    }
    m
}

fn admin_methods(m: &mut RpcModule<Gossip>) {
    log_err(
        m.register_async_method("opp2p_connectPeer", |p, g, _| async move {
            let (addr,): (String,) = p.parse()?;
            let addr: Multiaddr = addr.parse().map_err(|e| {
                ErrorObject::owned(-32602, format!("multiaddr {addr}: {e}"), None::<()>)
            })?;
            g.connect(addr).await.map(|_| ()).map_err(p2p_error)
        })
        .map(|_| ()),
    );
    log_err(
        m.register_async_method("opp2p_disconnectPeer", |p, g, _| async move {
            g.disconnect(peer_arg(&p)?).await.map_err(p2p_error)
        })
        .map(|_| ()),
    );
    log_err(
        m.register_async_method("opp2p_blockPeer", |p, g, _| async move {
            g.block(peer_arg(&p)?).await.map_err(p2p_error)
        })
        .map(|_| ()),
    );
    log_err(
        m.register_async_method("opp2p_unblockPeer", |p, g, _| async move {
            g.unblock(peer_arg(&p)?).await.map_err(p2p_error)
        })
        .map(|_| ()),
    );
    log_err(
        m.register_async_method("opp2p_protectPeer", |p, g, _| async move {
            g.protect(peer_arg(&p)?, true).await.map_err(p2p_error)
        })
        .map(|_| ()),
    );
    log_err(
        m.register_async_method("opp2p_unprotectPeer", |p, g, _| async move {
            g.protect(peer_arg(&p)?, false).await.map_err(p2p_error)
        })
        .map(|_| ()),
    );
}
