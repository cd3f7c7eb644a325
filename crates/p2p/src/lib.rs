//! `lamina-p2p`: OP's unsafe-block gossip, wire-compatible with op-node and kona-node. Today the
//! wire layer: [`topic`] (the four block topics and which one a block goes on), [`message_id`]
//! (op-node's topic-bound id), [`envelope`] (the snappy, signed, SSZ block envelope, decoded as
//! strictly as op-node) and [`signing`] (what the unsafe block signer signs). The libp2p
//! service, validation and peer scoring build on these.

pub mod envelope;
pub mod message_id;
pub mod signing;
pub mod topic;

pub use envelope::{BlockEnvelope, EnvelopeError, SignerError};
pub use topic::TopicVersion;
