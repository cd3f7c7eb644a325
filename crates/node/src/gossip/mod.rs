//! The rollup node on OP's block gossip (`lamina_p2p`): a sequencer node signs every block it
//! builds with the unsafe block signer's key and publishes it on the topic of the block's fork;
//! a node takes every block gossip accepted into its inbox as an unsafe payload, which the
//! node's loop inserts when it extends the head and derivation consolidates later.
//! [`start`] runs it all for a node; [`signer`] follows the unsafe block signer on L1;
//! [`rpc`] serves op-node's `opp2p_` methods.

pub mod rpc;
pub mod signer;
mod start;

pub use start::{P2p, P2pConfig, SIGNER_RELOAD, SignerSource, start};

use std::{
    sync::Arc,
    time::{SystemTime, UNIX_EPOCH},
};

use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use lamina_p2p::{
    BlockEnvelope, Gossip, TopicVersion,
    envelope::{self, EnvelopeError},
    signing::signing_hash,
    validate::MAX_AGE,
};
use lamina_protocol::RollupConfig;
use tokio::{sync::mpsc, task::JoinHandle};

use crate::rollup::{Input, Payload, RollupNode};

/// Why a block cannot go out on gossip.
#[derive(Debug, thiserror::Error)]
pub enum GossipError {
    /// The payload is not of its topic's version, or does not encode.
    #[error(transparent)]
    Envelope(#[from] EnvelopeError),
    /// Signing failed.
    #[error("signing: {0}")]
    Sign(String),
}

/// The node's payload for an accepted gossip envelope.
pub fn payload_of(env: &BlockEnvelope) -> Payload {
    Payload::from_network(&env.payload, env.parent_beacon_block_root)
}

/// The gossip message of `payload` on chain `cfg`, signed by `key`, and its topic.
pub fn message_of(
    cfg: &RollupConfig,
    key: &PrivateKeySigner,
    payload: &Payload,
) -> Result<(TopicVersion, Vec<u8>), GossipError> {
    let version = TopicVersion::at(cfg, payload.data.payload.as_v1().timestamp);
    let root = payload.data.sidecar.parent_beacon_block_root();
    let bytes = envelope::payload_bytes(version, root, &payload.data.payload)?;
    let hash = signing_hash(cfg.l2_chain_id, alloy_primitives::keccak256(&bytes));
    let sig = key.sign_hash_sync(&hash).map_err(|e| GossipError::Sign(e.to_string()))?;
    let mut wire = [0u8; 65];
    wire[..64].copy_from_slice(&sig.as_bytes()[..64]);
    wire[64] = u8::from(sig.v());
    Ok((version, envelope::encode(version, &wire, root, &payload.data.payload)?))
}

/// The gossip tasks of one node; dropped, they stop.
#[derive(Debug)]
pub struct GossipTasks(pub(crate) Vec<JoinHandle<()>>);

impl Drop for GossipTasks {
    fn drop(&mut self) {
        for t in &self.0 {
            t.abort();
        }
    }
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Connects `node` to `gossip`: accepted `blocks` go into its inbox and, with a sequencer
/// `key`, the blocks it builds go out signed. The tasks hold the gossip service alive.
pub fn connect<E: crate::rollup::ExecutionEngine>(
    node: &RollupNode<E>,
    gossip: Gossip,
    mut blocks: mpsc::Receiver<Box<BlockEnvelope>>,
    key: Option<PrivateKeySigner>,
    cfg: RollupConfig,
) -> GossipTasks {
    let inbox = node.inbox.clone();
    // The service runs while a handle lives: the follower keeps one.
    let keep = gossip.clone();
    let follow = tokio::spawn(async move {
        let _service = keep;
        while let Some(env) = blocks.recv().await {
            let payload = Arc::new(payload_of(&env));
            let number = payload.number;
            // A node that is behind drops blocks it will derive anyway.
            if let Err(e) = inbox.offer(Input::UnsafePayload(payload)) {
                tracing::debug!(target: "lamina::p2p", number, %e, "gossiped block dropped");
            }
        }
    });
    let mut tasks = vec![follow];
    if let Some(key) = key {
        let mut built = node.subscribe_blocks();
        tasks.push(tokio::spawn(async move {
            let mut warned = None;
            loop {
                let payload = match built.recv().await {
                    Ok(p) => p,
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                        tracing::warn!(target: "lamina::p2p", n, "blocks built faster than published: skipped");
                        continue;
                    }
                    Err(_) => break,
                };
                // Peers reject blocks over a minute old (a sequencer catching up): skip them
                // rather than be scored down.
                let ts = payload.data.payload.as_v1().timestamp;
                if ts + MAX_AGE < now() {
                    continue;
                }
                // Blocks signed by a key that is not the chain's signer get this node banned
                // by every peer: hold them back and say why, once per change.
                let signer = gossip.signer();
                if signer != key.address() {
                    if warned != Some(signer) {
                        tracing::error!(target: "lamina::p2p", key = %key.address(), %signer, "the block signing key is not the chain's unsafe block signer: blocks are not gossiped");
                        warned = Some(signer);
                    }
                    continue;
                }
                warned = None;
                match message_of(&cfg, &key, &payload) {
                    Ok((version, data)) => {
                        if let Err(e) = gossip.publish(version, data).await {
                            tracing::debug!(target: "lamina::p2p", number = payload.number, %e, "not published");
                        }
                    }
                    Err(e) => tracing::error!(target: "lamina::p2p", %e, "block not signed"),
                }
            }
        }));
    }
    GossipTasks(tasks)
}
