//! Updating many keys of one or several tries on all cores: what a block's state root costs.
//!
//! The work is cut into jobs that share no node: a whole trie, or, for a large batch on a trie
//! whose root is a branch, the subtrie under each of the root's sixteen children. Jobs load,
//! update and hash their part in parallel, each numbering its new nodes in a scratch id range
//! of its own; the results are then renumbered into the real id range one job after the other
//! (rewriting only the ids a record carries, never hashing again) and each split trie gets
//! its new root branch. The roots, and the node writes, are the same whatever the number of
//! threads, and the same as [`super::Trie`]'s one key at a time.

use alloy_primitives::B256;
use alloy_trie::{EMPTY_ROOT_HASH, Nibbles};
use lamina_protocol::codec::{Cursor, put_uvarint};

use super::{
    Cx, Encoded, NodeId, NodeSource, NodeWrites, Root, TrieError, apply, commit_root, encode,
    node::{Node, Ref},
};

/// One trie's changes: `(key, value, aux)` with 32-byte keys, sorted by key; an empty value
/// removes the key, `aux` is the id of the subtrie a value commits to (an account's storage).
#[derive(Debug, Clone, Default)]
pub struct Batch {
    /// The trie's current root.
    pub root: Root,
    /// The changes.
    pub changes: Vec<(B256, Vec<u8>, Option<NodeId>)>,
}

/// A batch this large on a branch root is split into one job per child.
const SPLIT_MIN: usize = 64;
/// Below this many changes in all, threads cost more than they save.
const PARALLEL_MIN: usize = 256;
/// Scratch ids: job `j` numbers its nodes from `SCRATCH + (j << 32)`. Real ids never get
/// near (one per stored node).
const SCRATCH: NodeId = 1 << 62;

/// What a job updates: a whole trie, or the subtrie under one nibble of a split trie's root.
struct Job {
    batch: usize,
    nibble: Option<u8>,
    node: Node,
    /// The changes' keys as paths below the job's node.
    changes: Vec<(Nibbles, Vec<u8>, Option<NodeId>)>,
}

/// A job's result in scratch ids: for a whole trie its new root, for a subtrie its new node
/// (`None`: now empty).
enum Outcome {
    Trie(Root),
    Child(Option<Encoded>),
}

struct Done {
    batch: usize,
    nibble: Option<u8>,
    outcome: Outcome,
    writes: NodeWrites,
    stale: Vec<NodeId>,
}

/// Applies every batch to its trie and commits them all into `writes` (new nodes numbered
/// from `writes.next_id`, replaced nodes noted as stale). Returns each batch's new root, in
/// order.
pub fn update_all<S: NodeSource + Sync>(
    src: &S,
    batches: Vec<Batch>,
    writes: &mut NodeWrites,
) -> Result<Vec<Root>, TrieError> {
    let total: usize = batches.iter().map(|b| b.changes.len()).sum();
    let mut roots: Vec<Option<Root>> = vec![None; batches.len()];
    // Each split batch: its loaded root branch (children filled in as jobs finish) and its
    // batch, kept for the rare case where the branch collapses.
    let mut split: Vec<Option<(Box<[Node; 16]>, Batch)>> =
        (0..batches.len()).map(|_| None).collect();
    let mut jobs = Vec::new();
    for (i, batch) in batches.into_iter().enumerate() {
        if batch.changes.is_empty() {
            roots[i] = Some(batch.root);
            continue;
        }
        let stored = (batch.root.hash != EMPTY_ROOT_HASH).then(|| Ref {
            rlp: alloy_trie::nodes::RlpNode::word_rlp(&batch.root.hash),
            id: batch.root.id,
        });
        if batch.changes.len() >= SPLIT_MIN
            && let Some(r) = &stored
            && let Node::Branch { mut children } = Node::load(src, r)?
        {
            let mut by_nibble: [Vec<_>; 16] = Default::default();
            for (key, value, aux) in &batch.changes {
                let path = Nibbles::unpack(key);
                let n = path.get(0).ok_or(TrieError::BadKey)?;
                by_nibble[usize::from(n)].push((path.slice(1..), value.clone(), *aux));
            }
            for (n, changes) in by_nibble.into_iter().enumerate() {
                if !changes.is_empty() {
                    let node = std::mem::take(&mut children[n]);
                    jobs.push(Job { batch: i, nibble: Some(n as u8), node, changes });
                }
            }
            split[i] = Some((children, batch));
            continue;
        }
        let node = stored.map_or(Node::Empty, Node::Stored);
        let changes =
            batch.changes.into_iter().map(|(k, v, a)| (Nibbles::unpack(k), v, a)).collect();
        jobs.push(Job { batch: i, nibble: None, node, changes });
    }

    let done = run_jobs(src, jobs, total >= PARALLEL_MIN)?;

    // A split root branch left with fewer than two children must merge with its one child,
    // which may be a node only this update wrote: such a trie (emptied down to one key under
    // its root, which is rare) is redone one key at a time instead.
    let mut redo = vec![false; split.len()];
    for (i, entry) in split.iter().enumerate() {
        let Some((children, _)) = entry else { continue };
        let untouched = children.iter().filter(|c| !c.is_empty()).count();
        let new = done
            .iter()
            .filter(|d| d.batch == i && matches!(d.outcome, Outcome::Child(Some(_))))
            .count();
        redo[i] = untouched + new < 2;
    }

    for (j, d) in done.into_iter().enumerate() {
        if redo[d.batch] {
            continue;
        }
        let base = scratch_base(j);
        let offset = writes.next_id;
        let map = |id: NodeId| if id >= base { id - base + offset } else { id };
        for ((id, record), hash) in d.writes.nodes.into_iter().zip(d.writes.hashes) {
            let record = renumber(&record, &map)?;
            writes.nodes.push((map(id), record));
            writes.hashes.push(hash);
        }
        writes.next_id = offset + (d.writes.next_id - base);
        writes.stale.extend(d.stale);
        match (d.outcome, d.nibble) {
            (Outcome::Trie(r), _) => {
                roots[d.batch] = Some(Root { hash: r.hash, id: r.id.map(map) })
            }
            (Outcome::Child(child), Some(n)) => {
                let (children, _) = split[d.batch]
                    .as_mut()
                    .ok_or_else(|| TrieError::Corrupt("subtrie job without its root".into()))?;
                children[usize::from(n)] = match child {
                    None => Node::Empty,
                    Some(Encoded::Stored(r)) => Node::Stored(Ref { rlp: r.rlp, id: r.id.map(map) }),
                    // Inline nodes never carry ids (only a root does, and this is no root).
                    Some(Encoded::Inline(rlp, ids)) if ids.is_empty() => {
                        Node::Stored(Ref { rlp, id: None })
                    }
                    Some(Encoded::Inline(..)) => {
                        return Err(TrieError::Corrupt("an inline subtrie carries ids".into()));
                    }
                };
            }
            (Outcome::Child(_), None) => {
                return Err(TrieError::Corrupt("subtrie job without a nibble".into()));
            }
        }
    }
    for (i, entry) in split.into_iter().enumerate() {
        let Some((children, batch)) = entry else { continue };
        roots[i] = Some(if redo[i] {
            let mut t = super::Trie::open(batch.root);
            for (key, value, aux) in batch.changes {
                t.update_with(src, &key, value, aux)?;
            }
            t.commit(writes)
        } else {
            // The old root branch is replaced by the new one.
            writes.stale.extend(batch.root.id);
            commit_root(Node::Branch { children }, writes)
        });
    }
    roots
        .into_iter()
        .map(|r| r.ok_or_else(|| TrieError::Corrupt("a batch produced no root".into())))
        .collect()
}

fn scratch_base(job: usize) -> NodeId {
    SCRATCH + ((job as NodeId) << 32)
}

/// Runs every job, on all cores when `parallel`; results in job order.
fn run_jobs<S: NodeSource + Sync>(
    src: &S,
    jobs: Vec<Job>,
    parallel: bool,
) -> Result<Vec<Done>, TrieError> {
    let threads =
        std::thread::available_parallelism().map_or(1, usize::from).min(8).min(jobs.len());
    if !parallel || threads < 2 {
        return jobs.into_iter().enumerate().map(|(j, job)| run_job(src, j, job)).collect();
    }
    // Each job is taken (moved) by the worker that claims it.
    let jobs: Vec<std::sync::Mutex<Option<Job>>> =
        jobs.into_iter().map(|j| std::sync::Mutex::new(Some(j))).collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut results: Vec<(usize, Result<Done, TrieError>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let j = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(slot) = jobs.get(j) else { break };
                        let job =
                            slot.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
                        if let Some(job) = job {
                            out.push((j, run_job(src, j, job)));
                        }
                    }
                    out
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| {
                w.join().unwrap_or_else(|_| {
                    vec![(usize::MAX, Err(TrieError::Store("trie worker panicked".into())))]
                })
            })
            .collect()
    });
    results.sort_by_key(|(j, _)| *j);
    results.into_iter().map(|(_, r)| r).collect()
}

fn run_job<S: NodeSource>(src: &S, j: usize, job: Job) -> Result<Done, TrieError> {
    let mut stale = Vec::new();
    let mut cx = Cx { src, stale: &mut stale };
    let mut node = job.node;
    for (path, value, aux) in job.changes {
        node = apply(&mut cx, node, &path, value, aux)?;
    }
    let mut writes = NodeWrites::starting_at(scratch_base(j));
    let outcome = match job.nibble {
        None => Outcome::Trie(commit_root(node, &mut writes)),
        Some(_) if node.is_empty() => Outcome::Child(None),
        Some(_) => Outcome::Child(Some(encode(node, &mut writes, &mut Vec::new()))),
    };
    Ok(Done { batch: job.batch, nibble: job.nibble, outcome, writes, stale })
}

/// A record with every id it carries passed through `map` (the RLP is kept as is).
fn renumber(record: &[u8], map: &impl Fn(NodeId) -> NodeId) -> Result<Vec<u8>, TrieError> {
    let corrupt = |e: &dyn std::fmt::Display| TrieError::Corrupt(e.to_string());
    let mut cur = Cursor::new(record);
    let rlp = cur.rlp_item("trie node").map_err(|e| corrupt(&e))?;
    let mut out = Vec::with_capacity(record.len() + 8);
    out.extend_from_slice(rlp);
    while !cur.is_empty() {
        put_uvarint(&mut out, map(cur.uvarint("child id").map_err(|e| corrupt(&e))?));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trie::{MemNodes, Trie, get};
    use alloy_primitives::keccak256;
    use proptest::prelude::*;

    fn key(i: u64) -> B256 {
        keccak256(i.to_be_bytes())
    }

    /// A trie of `n` keys committed into `store`, one key at a time.
    fn build(store: &mut MemNodes, n: u64) -> Root {
        let mut t = Trie::open(Root::EMPTY);
        for i in 0..n {
            t.update(store, &key(i), vec![1, i as u8, 7]).unwrap();
        }
        let mut w = NodeWrites::starting_at(1);
        let root = t.commit(&mut w);
        store.apply(w, false);
        root
    }

    /// The same changes applied one key at a time and in parallel: same roots, and every
    /// key readable from the parallel writes.
    fn check(n: u64, changes: Vec<(u64, Option<u8>)>, tries: usize) {
        let mut store = MemNodes::default();
        let base = build(&mut store, n);
        let next = store.0.keys().max().map_or(1, |m| m + 1);
        let mut batch = Batch { root: base, changes: Vec::new() };
        for (k, v) in &changes {
            batch.changes.push((key(*k), v.map_or(Vec::new(), |v| vec![9, v]), None));
        }
        batch.changes.sort_by_key(|c| c.0);
        batch.changes.dedup_by_key(|c| c.0);

        let mut serial_w = NodeWrites::starting_at(next);
        let mut serial = Vec::new();
        for _ in 0..tries {
            let mut t = Trie::open(base);
            for (k, v, a) in &batch.changes {
                t.update_with(&store, k, v.clone(), *a).unwrap();
            }
            serial.push(t.commit(&mut serial_w));
        }

        let mut w = NodeWrites::starting_at(next);
        let roots = update_all(&store, vec![batch.clone(); tries], &mut w).unwrap();
        assert_eq!(
            roots.iter().map(|r| r.hash).collect::<Vec<_>>(),
            serial.iter().map(|r| r.hash).collect::<Vec<_>>()
        );
        assert_eq!(w.nodes.len(), w.hashes.len());
        assert_eq!(w.next_id, next + w.nodes.len() as u64, "ids are dense");
        let ids: Vec<_> = w.nodes.iter().map(|(id, _)| *id).collect();
        assert!(ids.windows(2).all(|p| p[0] < p[1]), "ids increase");
        let mut after = store.clone();
        after.apply(w, false);
        for (k, v, _) in &batch.changes {
            let got = get(&after, roots[0], k).unwrap().map(|(v, _)| v);
            assert_eq!(got, (!v.is_empty()).then(|| v.clone()));
        }
        for i in 0..n {
            if !batch.changes.iter().any(|c| c.0 == key(i)) {
                assert_eq!(
                    get(&after, roots[0], &key(i)).unwrap().map(|(v, _)| v),
                    Some(vec![1, i as u8, 7]),
                    "untouched key {i}"
                );
            }
        }
    }

    #[test]
    fn many_inserts_and_removals_match_the_sequential_update() {
        let changes = (0..600).map(|i| (i * 3, if i % 4 == 0 { None } else { Some(i as u8) }));
        check(1_000, changes.collect(), 3);
    }

    #[test]
    fn a_trie_emptied_down_to_one_key_collapses_like_the_sequential_one() {
        check(300, (1..300).map(|i| (i, None)).collect(), 1);
        check(300, (0..300).map(|i| (i, None)).collect(), 1);
    }

    #[test]
    fn small_batches_and_empty_tries() {
        check(0, (0..100).map(|i| (i, Some(1))).collect(), 2);
        check(10, vec![(3, Some(4)), (50, None)], 1);
        check(10, Vec::new(), 1);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        #[test]
        fn matches_the_sequential_update(
            n in 0u64..400,
            changes in proptest::collection::vec((0u64..600, proptest::option::of(any::<u8>())), 0..400),
        ) {
            check(n, changes, 2);
        }
    }
}
