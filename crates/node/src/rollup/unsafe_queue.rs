//! Unsafe blocks that arrived ahead of the node's head (gossip delivers out of order, and a
//! verifier that fell behind sees later blocks first): kept, bounded in count and bytes,
//! until the head reaches their parent, then handed back in order. The first block seen at a
//! height wins; later ones at that height are ignored, as op-node does, until L1-derived data
//! replaces the chain.

use std::{collections::BTreeMap, sync::Arc};

use alloy_primitives::B256;

use super::port::Payload;

/// Most blocks kept waiting.
pub const MAX_QUEUED_BLOCKS: usize = 1024;

/// Most bytes of transactions kept waiting (a gossip block is at most 10 MiB).
pub const MAX_QUEUED_BYTES: usize = 256 << 20;

/// What to do next with the queue, given the head.
#[derive(Debug)]
pub enum Next {
    /// Insert this block: it extends the head.
    Apply(Arc<Payload>),
    /// Nothing queued builds on the head yet (or nothing is queued).
    Wait,
}

/// The waiting blocks, by number.
#[derive(Debug, Default)]
pub struct UnsafeQueue {
    blocks: BTreeMap<u64, (Arc<Payload>, usize)>,
    bytes: usize,
}

/// The memory a queued block holds, roughly: its transactions and a header's worth.
fn weight(p: &Payload) -> usize {
    let v1 = p.data.payload.as_v1();
    v1.transactions.iter().map(|t| t.len()).sum::<usize>() + 1024
}

impl UnsafeQueue {
    /// Blocks waiting.
    pub fn len(&self) -> usize {
        self.blocks.len()
    }

    /// The bytes the waiting blocks hold, roughly.
    pub const fn bytes(&self) -> usize {
        self.bytes
    }

    /// Whether nothing waits.
    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }

    /// Keeps `payload` unless a block at its height is already kept. When full, the block
    /// furthest from the head goes (the new one, if it is the furthest): the nearest blocks
    /// are the ones that can apply soonest. Returns whether it was kept.
    pub fn push(&mut self, payload: Arc<Payload>) -> bool {
        if self.blocks.contains_key(&payload.number) {
            return false;
        }
        let w = weight(&payload);
        if w > MAX_QUEUED_BYTES {
            return false;
        }
        self.bytes += w;
        self.blocks.insert(payload.number, (payload.clone(), w));
        while self.blocks.len() > MAX_QUEUED_BLOCKS || self.bytes > MAX_QUEUED_BYTES {
            if let Some((_, (_, w))) = self.blocks.pop_last() {
                self.bytes -= w;
            }
        }
        self.blocks.contains_key(&payload.number)
    }

    /// The next block to insert on a head `(number, hash)` with the safe head at `safe`:
    /// blocks at or below the head (or the safe head) are dropped, and so is a block at
    /// head + 1 whose parent is not the head (it builds on another chain); a block further
    /// ahead waits for the gap to close.
    pub fn next(&mut self, head: (u64, B256), safe: u64) -> Next {
        while let Some(entry) = self.blocks.first_entry() {
            let number = *entry.key();
            if number <= head.0 || number <= safe {
                let (_, w) = entry.remove();
                self.bytes -= w;
                continue;
            }
            if number > head.0 + 1 {
                return Next::Wait;
            }
            let (payload, w) = entry.remove();
            self.bytes -= w;
            if payload.data.payload.parent_hash() == head.1 {
                return Next::Apply(payload);
            }
            tracing::debug!(target: "lamina::node", number, "queued unsafe block does not build on the head: dropped");
        }
        Next::Wait
    }

    /// Drops everything (a reset: the chain the blocks built on may be gone).
    pub fn clear(&mut self) {
        self.blocks.clear();
        self.bytes = 0;
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{Bytes, U256};
    use alloy_rpc_types_engine::{ExecutionPayloadV1, ExecutionPayloadV2, ExecutionPayloadV3};
    use op_alloy_rpc_types_engine::OpExecutionData;

    use super::*;

    fn block(number: u64, parent: u8, tx_bytes: usize) -> Arc<Payload> {
        let v3 = ExecutionPayloadV3 {
            payload_inner: ExecutionPayloadV2 {
                payload_inner: ExecutionPayloadV1 {
                    parent_hash: B256::repeat_byte(parent),
                    fee_recipient: Default::default(),
                    state_root: B256::ZERO,
                    receipts_root: B256::ZERO,
                    logs_bloom: Default::default(),
                    prev_randao: B256::ZERO,
                    block_number: number,
                    gas_limit: 30_000_000,
                    gas_used: 0,
                    timestamp: number,
                    extra_data: Bytes::new(),
                    base_fee_per_gas: U256::from(1),
                    block_hash: B256::repeat_byte(number as u8),
                    transactions: vec![Bytes::from(vec![0u8; tx_bytes])],
                },
                withdrawals: Vec::new(),
            },
            blob_gas_used: 0,
            excess_blob_gas: 0,
        };
        let hash = v3.payload_inner.payload_inner.block_hash;
        Arc::new(Payload {
            data: OpExecutionData::v3(v3, Vec::new(), B256::ZERO),
            hash,
            number,
            tx_count: 1,
        })
    }

    fn applied(next: Next) -> Option<u64> {
        match next {
            Next::Apply(p) => Some(p.number),
            Next::Wait => None,
        }
    }

    #[test]
    fn blocks_apply_in_order_once_the_gap_closes() {
        let mut q = UnsafeQueue::default();
        // Head is 10 (hash 0x0a..); 12 and 13 arrive first.
        assert!(q.push(block(13, 12, 10)));
        assert!(q.push(block(12, 11, 10)));
        assert_eq!(applied(q.next((10, B256::repeat_byte(10)), 0)), None, "gap at 11");
        assert_eq!(q.len(), 2);
        // Derivation (or gossip) brings 11.
        assert_eq!(applied(q.next((11, B256::repeat_byte(11)), 0)), Some(12));
        assert_eq!(applied(q.next((12, B256::repeat_byte(12)), 0)), Some(13));
        assert!(q.is_empty());
    }

    #[test]
    fn first_block_at_a_height_wins_and_stale_or_foreign_blocks_go() {
        let mut q = UnsafeQueue::default();
        assert!(q.push(block(5, 4, 1)));
        assert!(!q.push(block(5, 99, 1)), "a second block at height 5");
        assert!(q.push(block(3, 2, 1)));
        assert!(q.push(block(6, 77, 1)));
        // Head 4 with another hash: 3 is stale, 5 does not build on it; 6 waits.
        assert_eq!(applied(q.next((4, B256::repeat_byte(0x44)), 0)), None);
        assert_eq!(q.len(), 1);
        // A safe head past it drops it too.
        assert_eq!(applied(q.next((4, B256::repeat_byte(0x44)), 6)), None);
        assert!(q.is_empty());
        assert_eq!(q.bytes, 0);
    }

    #[test]
    fn the_queue_is_bounded_and_keeps_the_nearest_blocks() {
        let mut q = UnsafeQueue::default();
        for n in (1..=MAX_QUEUED_BLOCKS as u64 + 10).rev() {
            q.push(block(n, 0, 1));
        }
        assert_eq!(q.len(), MAX_QUEUED_BLOCKS);
        assert!(q.blocks.contains_key(&1));
        assert!(!q.blocks.contains_key(&(MAX_QUEUED_BLOCKS as u64 + 1)));
        // Bytes bound: blocks of 9 MiB each.
        let mut q = UnsafeQueue::default();
        let big = 9 << 20;
        for n in 1..=40 {
            q.push(block(n, 0, big));
        }
        assert!(q.bytes <= MAX_QUEUED_BYTES);
        assert_eq!(q.len(), MAX_QUEUED_BYTES / (big + 1024));
        q.clear();
        assert!(q.is_empty() && q.bytes == 0);
    }
}
