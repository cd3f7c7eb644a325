//! # lamina-devl1
//!
//! `DevL1`: an Ethereum chain in process, for `lamina dev` and for tests. Prague blocks come
//! from lamina-evm's `EthBlockBuilder`; chain and state live in lamina-engine's persistent
//! `Store` (so the dev L1 has state roots, proofs, restarts and undo, like the L2). Blocks are
//! mined on demand: per tx (instant), by the caller's timer (interval), or by hand; safe and
//! finalized trail the head at fixed depths; `reorg` replaces the newest blocks, as tests of
//! reorg handling need.

mod beacon;
mod blobs;
mod chain;
mod error;
mod genesis;
mod mempool;
mod rpc;

use std::{
    collections::HashMap,
    path::Path,
    sync::{Arc, Mutex, MutexGuard},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use alloy_consensus::{
    Transaction, TxEip4844Variant, TxEnvelope,
    transaction::{Recovered, SignerRecoverable},
};
use alloy_eips::{
    eip2718::{Decodable2718, Encodable2718, WithEncoded},
    eip4844::{BlobTransactionSidecar, env_settings::EnvKzgSettings},
    eip7594::BlobTransactionSidecarVariant,
    eip7840::BlobParams,
};
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use lamina_engine::{Store, StoreOptions};
use lamina_evm::eth::{EthAttributes, EthBlockBuilder};
use lamina_protocol::BlockId;
use lamina_protocol::block::Forkchoice;
use revm::database::WrapDatabaseRef;

pub use beacon::{BeaconLayer, SECONDS_PER_SLOT};
use blobs::BlobStore;
pub use blobs::StoredBlob;
pub use error::DevL1Error;
pub use genesis::DevL1Genesis;
pub use lamina_l1::{accounts::DEV_ACCOUNTS, chain::BoxedBlob, contracts::MULTICALL3};
use mempool::Mempool;

/// When the dev L1 mines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mining {
    /// A block for every accepted tx, at once (a burst of txs runs the chain's time ahead of
    /// the clock, one second per block).
    Instant,
    /// A block for accepted txs at once when the clock has passed the head's second, else as
    /// soon as it does ([`DevL1::mine_due`], which the runner calls): block times never run
    /// ahead of the clock, as on a real L1.
    Prompt,
    /// A block every interval, driven by whoever runs the dev L1 (`lamina dev`'s timer).
    Interval(Duration),
    /// Only when [`DevL1::mine`] is called.
    Manual,
}

/// How the dev L1 behaves.
#[derive(Debug, Clone)]
pub struct DevL1Config {
    /// Chain id (900 for `lamina dev`).
    pub chain_id: u64,
    /// When blocks are mined.
    pub mining: Mining,
    /// The safe block is this many blocks below the head.
    pub safe_depth: u64,
    /// The finalized block is this many blocks below the head; blocks above it can be
    /// reorged.
    pub finalized_depth: u64,
}

impl Default for DevL1Config {
    /// anvil's depths (one and two epochs of 32 slots), mining per tx.
    fn default() -> Self {
        Self { chain_id: 900, mining: Mining::Instant, safe_depth: 32, finalized_depth: 64 }
    }
}

/// A handle on the dev L1 (cheap to clone; all clones are the same chain).
#[derive(Debug, Clone)]
pub struct DevL1 {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: Store,
    /// Sidecars of mined blob txs, for the beacon endpoint.
    blobs: BlobStore,
    builder: EthBlockBuilder,
    config: DevL1Config,
    /// Every block keeps genesis's gas limit.
    gas_limit: u64,
    /// Mining and admission are serialized; reads go to the store's snapshots.
    state: Mutex<DevState>,
}

#[derive(Debug)]
struct DevState {
    pool: Mempool,
    /// The sidecars of pooled blob txs, by tx hash (the pool holds the txs without them, as
    /// blocks do).
    sidecars: HashMap<B256, BlobTransactionSidecar>,
    /// Bumped by every reorg, so replacement blocks differ from the blocks they replace even
    /// when they hold the same txs at the same times.
    reorgs: u64,
    /// The mining mode now: the config's, until [`DevL1::set_mining`] changes it.
    mining: Mining,
}

impl DevL1 {
    /// Opens the dev L1 in `datadir`, creating it from `genesis` on first use; an existing
    /// chain resumes at its head.
    pub fn open(
        datadir: &Path,
        config: DevL1Config,
        genesis: &DevL1Genesis,
    ) -> Result<Self, DevL1Error> {
        std::fs::create_dir_all(datadir)?;
        let store = Store::open_with(datadir.join("l1.redb"), StoreOptions::default())?;
        if store.head()?.is_none() {
            let header = store.init_genesis(genesis.header(), &genesis.alloc)?;
            tracing::info!(target: "l1::dev", hash = %header.hash_slow(), "dev L1 genesis");
        }
        let gas_limit = store.header(0)?.ok_or(lamina_engine::StoreError::NoGenesis)?.gas_limit;
        let blobs = BlobStore::open(&datadir.join("blobs.redb"))?;
        let builder = EthBlockBuilder::new(config.chain_id);
        let state = Mutex::new(DevState {
            pool: Mempool::default(),
            sidecars: HashMap::new(),
            reorgs: 0,
            mining: config.mining,
        });
        Ok(Self { inner: Arc::new(Inner { store, blobs, builder, config, gas_limit, state }) })
    }

    /// The chain and state store (for reads: blocks, receipts, state at any block).
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The configuration it runs with.
    pub fn config(&self) -> &DevL1Config {
        &self.inner.config
    }

    /// Head, safe and finalized blocks.
    pub fn forkchoice(&self) -> Result<Forkchoice, DevL1Error> {
        Ok(self.inner.store.forkchoice()?)
    }

    /// Txs waiting to be mined.
    pub fn pending_count(&self) -> usize {
        self.lock().pool.len()
    }

    /// The nonce `who`'s next tx needs, counting its pending txs (`None`: none pending).
    pub fn pending_nonce(&self, who: &Address) -> Option<u64> {
        let next = self.nonce(who);
        self.lock().pool.pending_nonce(who, next)
    }

    /// A pending tx with its sender.
    pub fn pending_transaction(&self, hash: &B256) -> Option<Recovered<TxEnvelope>> {
        self.lock().pool.get(hash).map(|t| t.1.clone())
    }

    /// The block builder (calls run on it too).
    pub fn builder(&self) -> &EthBlockBuilder {
        &self.inner.builder
    }

    /// Accepts a signed tx into the mempool (and, in instant mode, mines it).
    pub fn send_raw_transaction(&self, raw: &Bytes) -> Result<B256, DevL1Error> {
        // Decoding and the KZG check need no state: done before taking the lock.
        let decoded = self.decode(raw)?;
        let mut state = self.lock();
        let hash = self.admit(&mut state, decoded)?;
        match state.mining {
            Mining::Instant => {
                self.mine_locked(&mut state, now())?;
            }
            Mining::Prompt => {
                self.mine_if_due(&mut state, false)?;
            }
            Mining::Interval(_) | Mining::Manual => {}
        }
        Ok(hash)
    }

    /// Changes how accepted txs are mined from now on (a runner's timer, if any, is the
    /// runner's to change): `lamina dev` deploys with instant blocks, then mines promptly.
    pub fn set_mining(&self, mining: Mining) {
        self.lock().mining = mining;
    }

    /// Mines a block if the clock has passed the head's timestamp — and, unless `empty`, only
    /// if txs are pending; `None` if it did not. Never mines a block ahead of the clock.
    pub fn mine_due(&self, empty: bool) -> Result<Option<BlockId>, DevL1Error> {
        let mut state = self.lock();
        self.mine_if_due(&mut state, empty)
    }

    fn mine_if_due(
        &self,
        state: &mut DevState,
        empty: bool,
    ) -> Result<Option<BlockId>, DevL1Error> {
        if !empty && state.pool.len() == 0 {
            return Ok(None);
        }
        let store = &self.inner.store;
        let (number, _) = store.head()?.ok_or(lamina_engine::StoreError::NoGenesis)?;
        let head = store.header(number)?.ok_or(lamina_engine::StoreError::UnknownBlock(number))?;
        let now = now();
        if now <= head.timestamp {
            return Ok(None);
        }
        self.mine_locked(state, now).map(Some)
    }

    /// Mines a block now (one second after the head if the clock is behind it).
    pub fn mine(&self) -> Result<BlockId, DevL1Error> {
        self.mine_at(now())
    }

    /// Mines a block at `timestamp` (or one second after the head if that is later), holding
    /// every pending tx that executes, in arrival order per sender.
    pub fn mine_at(&self, timestamp: u64) -> Result<BlockId, DevL1Error> {
        let mut state = self.lock();
        self.mine_locked(&mut state, timestamp)
    }

    /// Replaces the newest `depth` blocks with `depth` new ones (a reorg, as `anvil_reorg`
    /// makes). The txs of the replaced blocks are dropped, as when a real reorg's new branch
    /// never saw them; `txs` are admitted first and land in the new blocks. Returns the new
    /// head. Finalized blocks cannot be replaced. A tx that does not decode stops the reorg
    /// before it starts; one the rewound state refuses (its nonce) is left out, and that
    /// refusal is returned once the new blocks are mined.
    pub fn reorg(&self, depth: u64, txs: &[Bytes]) -> Result<BlockId, DevL1Error> {
        let mut state = self.lock();
        let store = &self.inner.store;
        let fc = store.forkchoice()?;
        let available = fc.head.number - fc.finalized.number;
        if depth > available {
            return Err(DevL1Error::ReorgTooDeep { depth, available });
        }
        let times: Vec<u64> = (fc.head.number - depth + 1..=fc.head.number)
            .map(|n| Ok(store.header(n)?.map(|h| h.timestamp).unwrap_or_default()))
            .collect::<Result<_, DevL1Error>>()?;
        // What can be checked without state is checked before anything is undone.
        let decoded: Vec<Decoded> =
            txs.iter().map(|raw| self.decode(raw)).collect::<Result<_, _>>()?;
        store.rewind_to(fc.head.number - depth)?;
        state.reorgs += 1;
        tracing::info!(target: "l1::dev", depth, from = fc.head.number, "reorg");
        // Nonces are checked against the rewound state. A refusal there is reported only
        // after the new blocks exist, so the chain is never left shorter.
        let mut refused = None;
        for tx in decoded {
            if let Err(e) = self.admit(&mut state, tx) {
                refused.get_or_insert(e);
            }
        }
        let mut head = store.forkchoice()?.head;
        for ts in times {
            head = self.mine_locked(&mut state, ts)?;
        }
        refused.map_or(Ok(head), Err)
    }

    fn lock(&self) -> MutexGuard<'_, DevState> {
        // A panic while mining leaves nothing half-written (a block is one store
        // transaction), so a poisoned lock is safe to keep using.
        self.inner.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn nonce(&self, who: &Address) -> u64 {
        self.inner.store.head_account(who).ok().flatten().map(|a| a.nonce).unwrap_or_default()
    }

    fn balance(&self, who: &Address) -> U256 {
        self.inner.store.head_account(who).ok().flatten().map(|a| a.balance).unwrap_or_default()
    }

    /// The blobs of block `hash`'s blob txs, in block order (none if it has none).
    pub fn stored_blobs(&self, hash: B256) -> Result<Vec<StoredBlob>, DevL1Error> {
        self.inner.blobs.get(hash)
    }

    /// The checks that need no state: a signed tx for this chain, its sender, and for a blob
    /// tx its sidecar, which must match the tx's versioned hashes and prove its blobs (KZG).
    fn decode(&self, raw: &Bytes) -> Result<Decoded, DevL1Error> {
        let tx = decode_envelope(raw)?;
        if tx.chain_id() != Some(self.inner.config.chain_id) {
            return Err(DevL1Error::WrongChain {
                have: tx.chain_id(),
                want: self.inner.config.chain_id,
            });
        }
        let sender = tx.recover_signer().map_err(|e| DevL1Error::Signer(e.to_string()))?;
        let signed = match tx {
            TxEnvelope::Eip4844(signed) => signed,
            tx => return Ok(Decoded { raw: raw.clone(), tx, sender, sidecar: None }),
        };
        let blobs = signed.tx().tx().blob_versioned_hashes.len() as u64;
        let most = BlobParams::prague().max_blob_count;
        if blobs == 0 || blobs > most {
            return Err(DevL1Error::Blob(format!("{blobs} blobs; a tx carries 1 to {most}")));
        }
        match signed.tx() {
            TxEip4844Variant::TxEip4844(_) => {
                return Err(DevL1Error::Blob("blob tx without its sidecar".into()));
            }
            TxEip4844Variant::TxEip4844WithSidecar(with) => with
                .validate_blob(EnvKzgSettings::Default.get())
                .map_err(|e| DevL1Error::Blob(e.to_string()))?,
        }
        let (tx, sig, hash) = signed.into_parts();
        let (tx, sidecar) = tx.strip_sidecar();
        let signed = alloy_consensus::Signed::new_unchecked(tx, sig, hash);
        let sidecar = match sidecar {
            Some(BlobTransactionSidecarVariant::Eip4844(s)) => s,
            // Cell proofs come with Osaka (PeerDAS); this chain runs Prague.
            Some(BlobTransactionSidecarVariant::Eip7594(_)) | None => {
                return Err(DevL1Error::Blob("expected an EIP-4844 sidecar (Prague)".into()));
            }
        };
        // The block and the pool hold the tx without its sidecar, as it is mined.
        let tx = TxEnvelope::Eip4844(signed);
        Ok(Decoded { raw: tx.encoded_2718().into(), tx, sender, sidecar: Some(sidecar) })
    }

    /// Admits a decoded tx once the state allows it (nonce, gas, funds).
    fn admit(&self, state: &mut DevState, decoded: Decoded) -> Result<B256, DevL1Error> {
        let Decoded { raw, tx, sender, sidecar } = decoded;
        let next = self.nonce(&sender);
        if tx.nonce() < next {
            return Err(DevL1Error::NonceTooLow { next, tx: tx.nonce() });
        }
        if tx.gas_limit() > self.inner.gas_limit {
            return Err(DevL1Error::GasLimit);
        }
        // As geth: the worst case must be affordable now, or the tx would wait forever.
        let blob_gas = tx.blob_gas_used().unwrap_or_default();
        let cost = U256::from(tx.gas_limit()) * U256::from(tx.max_fee_per_gas())
            + U256::from(blob_gas) * U256::from(tx.max_fee_per_blob_gas().unwrap_or_default())
            + tx.value();
        let balance = self.balance(&sender);
        if balance < cost {
            return Err(DevL1Error::InsufficientFunds { balance, cost });
        }
        let recovered = Recovered::new_unchecked(tx, sender);
        let hash = state.pool.insert(WithEncoded::new(raw, recovered))?;
        if let Some(sidecar) = sidecar {
            state.sidecars.insert(hash, sidecar);
        }
        Ok(hash)
    }

    fn mine_locked(&self, state: &mut DevState, timestamp: u64) -> Result<BlockId, DevL1Error> {
        let store = &self.inner.store;
        let cfg = &self.inner.config;
        let (number, parent_hash) = store.head()?.ok_or(lamina_engine::StoreError::NoGenesis)?;
        let parent =
            store.header(number)?.ok_or(lamina_engine::StoreError::UnknownBlock(number))?;
        let timestamp = timestamp.max(parent.timestamp + 1);
        let salt = |tag: &[u8]| {
            keccak256([parent_hash.as_slice(), &state.reorgs.to_be_bytes(), tag].concat())
        };
        let attrs = EthAttributes {
            timestamp,
            prev_randao: salt(b"randao"),
            fee_recipient: Address::ZERO,
            parent_beacon_block_root: salt(b"beacon"),
            gas_limit: parent.gas_limit,
            transactions: Vec::new(),
        };
        let view = store.state()?;
        let mut source = state.pool.source(|a| self.nonce(a));
        let block = self.inner.builder.build_with(
            &parent,
            parent_hash,
            &attrs,
            Some(&mut source),
            WrapDatabaseRef(&view),
            &view,
        )?;
        let update = view.take_update(&block.bundle, block.header.state_root)?;
        drop(view);
        let sidecars: Vec<BlobTransactionSidecar> = block
            .transactions
            .iter()
            .filter_map(|tx| state.sidecars.remove(tx.tx_hash()))
            .collect();
        // Sidecars first: a block on the chain always has its blobs served.
        if !sidecars.is_empty() {
            self.inner.blobs.put(block.hash, &sidecars)?;
        }
        store.commit_block(&block, &update)?;
        state.pool.prune(|a| self.nonce(a));
        if !state.sidecars.is_empty() {
            let pool = &state.pool;
            state.sidecars.retain(|hash, _| pool.get(hash).is_some());
        }

        let head = BlockId { number: block.header.number, hash: block.hash };
        let at_depth = |depth: u64| -> Result<BlockId, DevL1Error> {
            let n = head.number.saturating_sub(depth);
            let hash =
                store.canonical_hash(n)?.ok_or(lamina_engine::StoreError::UnknownBlock(n))?;
            Ok(BlockId { number: n, hash })
        };
        let finalized = at_depth(cfg.finalized_depth.max(cfg.safe_depth))?;
        let previous = store.forkchoice()?.finalized;
        // After a reorg the head may be closer to finalized than the depth; finality holds.
        let finalized = if finalized.number < previous.number { previous } else { finalized };
        let safe = at_depth(cfg.safe_depth)?;
        let safe = if safe.number < finalized.number { finalized } else { safe };
        store.set_safe_and_finalized(safe, finalized)?;
        tracing::debug!(
            target: "l1::dev",
            number = head.number,
            hash = %head.hash,
            txs = block.transactions.len(),
            "mined"
        );
        Ok(head)
    }
}

/// Stack for decoding a blob tx: its 128 KiB blobs pass by value through several frames of
/// alloy's decoder, more than a 2 MiB thread stack holds in a debug build.
const BLOB_DECODE_STACK: usize = 16 << 20;

/// Decodes a signed tx; a blob tx (type 3) on a thread with room for it.
fn decode_envelope(raw: &Bytes) -> Result<TxEnvelope, DevL1Error> {
    let decode =
        || TxEnvelope::decode_2718_exact(raw).map_err(|e| DevL1Error::Decode(e.to_string()));
    if raw.first() != Some(&3) {
        return decode();
    }
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .name("blob-tx-decode".into())
            .stack_size(BLOB_DECODE_STACK)
            .spawn_scoped(s, decode)?
            .join()
            .unwrap_or_else(|_| Err(DevL1Error::Decode("decoder panicked".into())))
    })
}

/// A tx past the stateless checks.
struct Decoded {
    /// Its encoding as mined (a blob tx without its sidecar).
    raw: Bytes,
    tx: TxEnvelope,
    sender: Address,
    sidecar: Option<BlobTransactionSidecar>,
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default()
}
