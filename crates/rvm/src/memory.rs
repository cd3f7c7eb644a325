//! The VM's memory: 4 KiB pages allocated on first touch (an untouched page reads as zeros and
//! hashes as a zero subtree), with a one-entry cache each for instruction fetches and data so
//! the interpreter's common case is one compare. Stores mark their page dirty; [`Memory::root`]
//! rehashes only dirty pages and the path above them, and [`Memory::proof`] gives any leaf's
//! Merkle proof (`merkle` describes the tree).

use std::{
    collections::HashMap,
    hash::{BuildHasherDefault, Hasher},
};

use alloy_primitives::B256;

use crate::merkle::{DEPTH, LEAF, PROOF_BYTES, hash_pair, zero_hash};

/// Bytes per page.
pub const PAGE: usize = 4096;
/// log2 of [`PAGE`].
const PAGE_BITS: u32 = 12;
/// Tree levels inside a page (128 leaves).
const PAGE_HEIGHT: usize = 7;
/// Tree levels above the pages.
const UPPER: usize = DEPTH - PAGE_HEIGHT;
/// Entries of the data page cache (a power of two).
const TLB: usize = 64;
/// A cache entry that matches no page (page numbers are below 2^52).
const NO_PAGE: (u64, usize) = (u64::MAX, 0);

/// Page numbers are already well spread in their low bits; a multiply mixes the rest.
#[derive(Default)]
struct PageHasher(u64);

impl Hasher for PageHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

type Page = Box<[u8; PAGE]>;

/// The memory.
#[derive(Clone)]
pub struct Memory {
    index: HashMap<u64, usize, BuildHasherDefault<PageHasher>>,
    pages: Vec<Page>,
    numbers: Vec<u64>,
    dirty: Vec<bool>,
    dirty_list: Vec<usize>,
    /// Each clean page's subtree (`page_tree`), once computed: a proof in a page no store
    /// touched since costs no hashing.
    trees: Vec<Option<Box<[B256]>>>,
    /// Hashes above the leaves of pages: `(height above a page, index)`; height 0 holds the
    /// pages' own hashes. Absent means a zero subtree.
    upper: HashMap<(u8, u64), B256>,
    /// Recently read or written pages: a direct-mapped table of (page number, slot) by the
    /// page number's low bits (the stack and a few heap pages alternate all the time).
    data_cache: [(u64, usize); TLB],
    /// The last page an instruction was fetched from.
    fetch_cache: Option<(u64, usize)>,
}

impl Default for Memory {
    fn default() -> Self {
        Self {
            index: HashMap::default(),
            pages: Vec::new(),
            numbers: Vec::new(),
            dirty: Vec::new(),
            dirty_list: Vec::new(),
            trees: Vec::new(),
            upper: HashMap::new(),
            data_cache: [NO_PAGE; TLB],
            fetch_cache: None,
        }
    }
}

impl std::fmt::Debug for Memory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Memory").field("pages", &self.pages.len()).finish_non_exhaustive()
    }
}

impl Memory {
    /// The slot of page `no`, allocated (zeroed) if it was never touched.
    #[inline(never)]
    fn slot(&mut self, no: u64) -> usize {
        if let Some(&slot) = self.index.get(&no) {
            return slot;
        }
        let slot = self.pages.len();
        self.pages.push(Box::new([0; PAGE]));
        self.numbers.push(no);
        self.dirty.push(false);
        self.trees.push(None);
        self.index.insert(no, slot);
        slot
    }

    #[inline(always)]
    fn data_slot(&mut self, addr: u64) -> usize {
        let no = addr >> PAGE_BITS;
        let entry = &mut self.data_cache[(no as usize) & (TLB - 1)];
        if entry.0 == no {
            return entry.1;
        }
        let slot = self.slot(no);
        self.data_cache[(no as usize) & (TLB - 1)] = (no, slot);
        slot
    }

    #[inline(always)]
    fn mark(&mut self, slot: usize) {
        if !self.dirty[slot] {
            self.dirty[slot] = true;
            self.trees[slot] = None;
            self.dirty_list.push(slot);
        }
    }

    /// The 32-bit word at `addr` (4-aligned), as an instruction.
    #[inline(always)]
    pub fn fetch(&mut self, addr: u64) -> u32 {
        let no = addr >> PAGE_BITS;
        let slot = match self.fetch_cache {
            Some((n, slot)) if n == no => slot,
            _ => {
                let slot = self.slot(no);
                self.fetch_cache = Some((no, slot));
                slot
            }
        };
        let off = (addr as usize) & (PAGE - 1);
        // A slice of length 4 always converts: one load, no error path left after inlining.
        u32::from_le_bytes(self.pages[slot][off..off + 4].try_into().unwrap_or_default())
    }

    /// The `size`-byte (1, 2, 4 or 8; anything else reads 8) little-endian value at `addr`,
    /// which must be aligned to `size` (so it lies in one page and one leaf).
    #[inline(always)]
    pub fn load(&mut self, addr: u64, size: usize) -> u64 {
        let slot = self.data_slot(addr);
        let page = &self.pages[slot];
        let off = (addr as usize) & (PAGE - 1);
        // One fixed-size read per width: a copy of a run-time length would be a memcpy call.
        match size {
            1 => u64::from(page[off]),
            2 => u64::from(u16::from_le_bytes(page[off..off + 2].try_into().unwrap_or_default())),
            4 => u64::from(u32::from_le_bytes(page[off..off + 4].try_into().unwrap_or_default())),
            _ => u64::from_le_bytes(page[off..off + 8].try_into().unwrap_or_default()),
        }
    }

    /// Stores the low `size` bytes of `value` at `addr`, aligned as for [`Memory::load`].
    #[inline(always)]
    pub fn store(&mut self, addr: u64, size: usize, value: u64) {
        let slot = self.data_slot(addr);
        self.mark(slot);
        let off = (addr as usize) & (PAGE - 1);
        let page = &mut self.pages[slot];
        match size {
            1 => page[off] = value as u8,
            2 => page[off..off + 2].copy_from_slice(&(value as u16).to_le_bytes()),
            4 => page[off..off + 4].copy_from_slice(&(value as u32).to_le_bytes()),
            _ => page[off..off + 8].copy_from_slice(&value.to_le_bytes()),
        }
    }

    /// `len` bytes from `addr` on (any alignment; the address wraps).
    pub fn read_bytes(&mut self, addr: u64, len: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(len);
        let mut at = addr;
        while out.len() < len {
            let off = (at as usize) & (PAGE - 1);
            let n = (PAGE - off).min(len - out.len());
            let slot = self.data_slot(at);
            out.extend_from_slice(&self.pages[slot][off..off + n]);
            at = at.wrapping_add(n as u64);
        }
        out
    }

    /// Writes `data` from `addr` on (any alignment; the address wraps).
    pub fn write_bytes(&mut self, addr: u64, data: &[u8]) {
        let mut at = addr;
        let mut rest = data;
        while !rest.is_empty() {
            let off = (at as usize) & (PAGE - 1);
            let n = (PAGE - off).min(rest.len());
            let slot = self.data_slot(at);
            self.mark(slot);
            self.pages[slot][off..off + n].copy_from_slice(&rest[..n]);
            at = at.wrapping_add(n as u64);
            rest = &rest[n..];
        }
    }

    /// The 32-byte leaf holding `addr`.
    pub fn leaf(&mut self, addr: u64) -> B256 {
        B256::from_slice(&self.read_bytes(addr & !(LEAF - 1), LEAF as usize))
    }

    /// Pages touched so far.
    pub fn pages(&self) -> usize {
        self.pages.len()
    }

    /// Every touched page with its number, in ascending order.
    pub fn page_list(&self) -> Vec<(u64, &[u8; PAGE])> {
        let mut list: Vec<_> =
            self.numbers.iter().copied().zip(self.pages.iter().map(|p| &**p)).collect();
        list.sort_unstable_by_key(|(no, _)| *no);
        list
    }

    /// Sets page `no` to `data` (restoring a snapshot).
    pub fn set_page(&mut self, no: u64, data: &[u8; PAGE]) {
        let slot = self.slot(no);
        self.mark(slot);
        self.pages[slot].copy_from_slice(data);
    }

    /// The 255 nodes of a page's subtree, leaves first (`[0..128]` leaves, then 64 parents …,
    /// the page's root last).
    fn page_tree(page: &[u8; PAGE]) -> Box<[B256]> {
        let mut nodes: Vec<B256> = page.chunks_exact(LEAF as usize).map(B256::from_slice).collect();
        let (mut start, mut width) = (0, PAGE / LEAF as usize);
        while width > 1 {
            for i in 0..width / 2 {
                let parent = hash_pair(&nodes[start + 2 * i], &nodes[start + 2 * i + 1]);
                nodes.push(parent);
            }
            start += width;
            width /= 2;
        }
        nodes.into_boxed_slice()
    }

    /// Rehashes the dirty pages and every node above them.
    fn flush(&mut self) {
        if self.dirty_list.is_empty() {
            return;
        }
        let mut level: Vec<u64> = Vec::with_capacity(self.dirty_list.len());
        for slot in std::mem::take(&mut self.dirty_list) {
            self.dirty[slot] = false;
            let tree = Self::page_tree(&self.pages[slot]);
            let root = tree[2 * PAGE / LEAF as usize - 2];
            self.trees[slot] = Some(tree);
            let no = self.numbers[slot];
            self.upper.insert((0, no), root);
            level.push(no);
        }
        for height in 0..UPPER {
            let node = |m: &HashMap<(u8, u64), B256>, i: u64| {
                m.get(&(height as u8, i))
                    .copied()
                    .unwrap_or_else(|| zero_hash(PAGE_HEIGHT + height))
            };
            let mut parents: Vec<u64> = level.iter().map(|i| i >> 1).collect();
            parents.sort_unstable();
            parents.dedup();
            for &p in &parents {
                let h = hash_pair(&node(&self.upper, 2 * p), &node(&self.upper, 2 * p + 1));
                self.upper.insert((height as u8 + 1, p), h);
            }
            level = parents;
        }
    }

    /// The Merkle root of the whole memory.
    pub fn root(&mut self) -> B256 {
        self.flush();
        self.upper.get(&(UPPER as u8, 0)).copied().unwrap_or_else(|| zero_hash(DEPTH))
    }

    /// The proof of the leaf holding `addr`: the leaf, then its 59 siblings bottom up.
    pub fn proof(&mut self, addr: u64) -> Vec<u8> {
        self.flush();
        let no = addr >> PAGE_BITS;
        let mut out = Vec::with_capacity(PROOF_BYTES);
        let untouched;
        let page_nodes: &[B256] = match self.index.get(&no) {
            Some(&slot) => {
                let page = &self.pages[slot];
                self.trees[slot].get_or_insert_with(|| Self::page_tree(page))
            }
            None => {
                untouched = Self::page_tree(&[0; PAGE]);
                &untouched
            }
        };
        let mut leaf = ((addr as usize) & (PAGE - 1)) / LEAF as usize;
        out.extend_from_slice(page_nodes[leaf].as_slice());
        let (mut start, mut width) = (0, PAGE / LEAF as usize);
        while width > 1 {
            out.extend_from_slice(page_nodes[start + (leaf ^ 1)].as_slice());
            start += width;
            width /= 2;
            leaf /= 2;
        }
        let mut index = no;
        for height in 0..UPPER {
            let sibling = self
                .upper
                .get(&(height as u8, index ^ 1))
                .copied()
                .unwrap_or_else(|| zero_hash(PAGE_HEIGHT + height));
            out.extend_from_slice(sibling.as_slice());
            index >>= 1;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::merkle::{empty_root, root_of, split_proof};

    /// The root recomputed from nothing but the touched pages, leaf by leaf: what the cached
    /// tree must equal.
    fn naive_root(m: &mut Memory) -> B256 {
        let mut nodes: std::collections::BTreeMap<u64, B256> = std::collections::BTreeMap::new();
        let numbers = m.numbers.clone();
        for no in numbers {
            for leaf in 0..(PAGE as u64 / LEAF) {
                let addr = (no << PAGE_BITS) + leaf * LEAF;
                let v = m.leaf(addr);
                if v != B256::ZERO {
                    nodes.insert(addr / LEAF, v);
                }
            }
        }
        for height in 0..DEPTH {
            let mut up = std::collections::BTreeMap::new();
            for &i in nodes.keys() {
                let p = i >> 1;
                if up.contains_key(&p) {
                    continue;
                }
                let get = |j: u64| nodes.get(&j).copied().unwrap_or_else(|| zero_hash(height));
                up.insert(p, hash_pair(&get(2 * p), &get(2 * p + 1)));
            }
            nodes = up;
        }
        nodes.get(&0).copied().unwrap_or_else(empty_root)
    }

    #[test]
    fn loads_see_stores_and_untouched_memory_is_zero() {
        let mut m = Memory::default();
        assert_eq!(m.root(), empty_root());
        assert_eq!(m.load(0x1000, 8), 0);
        // A touched but zero page hashes as a zero subtree.
        assert_eq!(m.root(), empty_root());
        m.store(0x1008, 8, 0x0102_0304_0506_0708);
        assert_eq!(m.load(0x1008, 4), 0x0506_0708);
        assert_eq!(m.load(0x100c, 2), 0x0304);
        assert_eq!(m.load(0x100f, 1), 0x01);
        m.write_bytes(0x1ffe, &[1, 2, 3, 4]);
        assert_eq!(m.read_bytes(0x1ffe, 4), vec![1, 2, 3, 4]);
        assert_eq!(m.load(0x2000, 2), 0x0403);
        m.write_bytes(u64::MAX - 1, &[9, 9, 9]);
        assert_eq!(m.load(0, 1), 9);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        #[test]
        fn the_cached_root_and_every_proof_match_the_memory(
            writes in proptest::collection::vec(
                (prop_oneof![0u64..0x4000, any::<u64>()], any::<u64>()), 1..12),
            probe in any::<u64>(),
        ) {
            let mut m = Memory::default();
            for (i, (addr, value)) in writes.iter().enumerate() {
                m.store(addr & !7, 8, *value);
                if i % 3 == 0 {
                    prop_assert_eq!(m.root(), naive_root(&mut m));
                }
            }
            let root = m.root();
            prop_assert_eq!(root, naive_root(&mut m));
            for addr in writes.iter().map(|w| w.0).chain([probe]) {
                let (leaf, siblings) = split_proof(&m.proof(addr)).unwrap();
                prop_assert_eq!(leaf, m.leaf(addr));
                prop_assert_eq!(root_of(addr, &leaf, &siblings), root);
            }
        }
    }
}
