//! `lamina-p2p`: OP's unsafe-block gossip, wire-compatible with op-node and kona-node. Today the
//! wire layer: [`topic`] (the four block topics and which one a block goes on), [`message_id`]
//! (op-node's topic-bound id), [`envelope`] (the snappy, signed, SSZ block envelope, decoded as
//! strictly as op-node), [`signing`] (what the unsafe block signer signs) and [`validate`]
//! (op-node's rules in its order: ACCEPT, IGNORE or REJECT), and [`service::Gossip`], the libp2p
//! swarm that runs gossipsub as OP runs it, validates every message before relaying it, scores
//! and bans peers, keeps static peers connected and answers the operator's controls
//! ([`peers`] holds what it knows of each peer), and finds peers of its chain with [`discovery`]
//! (discv5 and OP's `opstack` ENR entry).

mod behaviour;
pub mod discovery;
pub mod envelope;
pub mod key;
pub mod message_id;
pub mod peers;
pub mod service;
pub mod signing;
pub mod topic;
pub mod validate;

pub use discovery::{DiscoveryConfig, Enr};
pub use envelope::{BlockEnvelope, EnvelopeError, SignerError};
pub use libp2p::{Multiaddr, PeerId, identity::Keypair, multiaddr};
pub use peers::{Direction, PeerDetails};
pub use service::{DiscoveryInfo, Gossip, GossipConfig, P2pError, PeerInfo, PeerStats};
pub use topic::TopicVersion;
pub use validate::{Reason, Validator, Verdict};
