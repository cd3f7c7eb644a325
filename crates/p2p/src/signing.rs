//! What the unsafe block signer signs: `keccak256(domain ++ u256be(chain id) ++
//! keccak256(payload bytes))`, with the blocks domain (32 zero bytes) and the payload bytes
//! being everything in the message after the 65-byte signature (the beacon root, if any, then
//! the SSZ payload).

use alloy_primitives::{B256, U256, keccak256};

/// The signing domain of block gossip (`SigningDomainBlocksV1`).
pub const BLOCKS_DOMAIN: B256 = B256::ZERO;

/// The hash signed for payload bytes whose keccak256 is `payload_hash`, on chain `chain_id`.
pub fn signing_hash(chain_id: u64, payload_hash: B256) -> B256 {
    let mut msg = [0u8; 96];
    msg[..32].copy_from_slice(BLOCKS_DOMAIN.as_slice());
    msg[32..64].copy_from_slice(&U256::from(chain_id).to_be_bytes::<32>());
    msg[64..].copy_from_slice(payload_hash.as_slice());
    keccak256(msg)
}
