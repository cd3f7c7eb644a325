//! The gossip message id (for deduplication and IHAVE/IWANT, not validity), as op-node computes
//! it: the topic is bound into the id, so a valid block replayed on another version's topic
//! cannot suppress the real one for the seen-cache's lifetime.
//!
//! `sha256(domain ++ le_u64(len(topic)) ++ topic ++ body)[..20]`, where the body is the snappy-
//! decoded data with domain `01 00 00 00` when it decodes within the size limit, else the raw
//! data with domain `00 00 00 00`.

use sha2::{Digest, Sha256};

use crate::envelope::MAX_GOSSIP_SIZE;

/// The message id of `data` on `topic`.
pub fn message_id(topic: &str, data: &[u8]) -> [u8; 20] {
    // The claimed length is checked before anything is allocated: a snappy header can claim
    // up to 4 GiB.
    let decoded = snap::raw::decompress_len(data)
        .ok()
        .filter(|n| *n <= MAX_GOSSIP_SIZE)
        .and_then(|_| snap::raw::Decoder::new().decompress_vec(data).ok());
    let (domain, body): ([u8; 4], &[u8]) = match &decoded {
        Some(d) => ([1, 0, 0, 0], d),
        None => ([0, 0, 0, 0], data),
    };
    let mut h = Sha256::new();
    h.update(domain);
    h.update((topic.len() as u64).to_le_bytes());
    h.update(topic.as_bytes());
    h.update(body);
    let mut id = [0u8; 20];
    id.copy_from_slice(&h.finalize()[..20]);
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_binds_the_topic_and_decodes_what_it_can() {
        let data = snap::raw::Encoder::new().compress_vec(b"a block").unwrap();
        let a = message_id("/optimism/10/3/blocks", &data);
        let b = message_id("/optimism/10/2/blocks", &data);
        assert_ne!(a, b, "the topic is part of the id");
        // Valid snappy: the id hashes the decoded bytes under domain 1.
        let mut h = Sha256::new();
        h.update([1, 0, 0, 0]);
        h.update(21u64.to_le_bytes());
        h.update(b"/optimism/10/3/blocks");
        h.update(b"a block");
        assert_eq!(a[..], h.finalize()[..20]);
        // Not snappy, or a bomb claiming 4 GiB: the raw bytes under domain 0, nothing allocated.
        let bomb = [0xff, 0xff, 0xff, 0xff, 0x0f, 0x00];
        let mut h = Sha256::new();
        h.update([0, 0, 0, 0]);
        h.update(21u64.to_le_bytes());
        h.update(b"/optimism/10/3/blocks");
        h.update(bomb);
        assert_eq!(message_id("/optimism/10/3/blocks", &bomb)[..], h.finalize()[..20]);
    }
}
