//! The host: the program's oracle, answering each hint by fetching the data it names — from an
//! L1 RPC and beacon API (headers, tx and receipt tries rebuilt from the block, blobs as
//! commitment and field elements) and an L2 RPC (headers, tx tries, `debug_executionWitness`)
//! — and storing every preimage that data gives in a [`PreimageStore`]. Everything fetched is
//! checked against the hash that names it before it is stored, so a wrong RPC makes a run fail,
//! never lie. A host without sources serves its store alone (an offline rerun).
//!
//! The program calls the host synchronously; the host runs its fetches on the tokio runtime it
//! was made on, so the program must run off that runtime's workers (`spawn_blocking`).

use std::{
    collections::HashSet,
    future::Future,
    sync::{
        Mutex, PoisonError,
        atomic::{AtomicU64, Ordering},
    },
};

use alloy_consensus::{Header, Sealed};
use alloy_eips::{
    eip2718::Encodable2718,
    eip4844::{c_kzg, env_settings::EnvKzgSettings, kzg_to_versioned_hash},
};
use alloy_primitives::{B256, Bytes, keccak256};
use jsonrpsee::{
    core::client::ClientT,
    http_client::{HttpClient, HttpClientBuilder},
    rpc_params,
};
use lamina_engine::EngineHandle;
use lamina_evm::BlockAttributes;
use lamina_l1::chain::{L1Chain, RpcL1};
use lamina_proof::{
    blob::{element_keys, evaluation_points},
    execute::Witness,
    list,
    preimage::{Hint, Oracle, OracleError, PreimageKey},
};
use op_alloy_rpc_types_engine::OpPayloadAttributes;
use serde_json::Value;

use super::{ProofError, store::PreimageStore};

/// The blob evaluation points, computed once per process.
static POINTS: std::sync::LazyLock<Vec<B256>> = std::sync::LazyLock::new(evaluation_points);

/// An L2 node as the host reads it: headers and txs by block hash, and a block's execution
/// witness.
pub trait L2Node: Send + Sync + std::fmt::Debug + 'static {
    /// The header of the block with `hash`; `None` if unknown.
    fn header(&self, hash: B256) -> impl Future<Output = Result<Option<Header>, String>> + Send;

    /// The txs (EIP-2718) of the block with `hash`; `None` if unknown.
    fn transactions(
        &self,
        hash: B256,
    ) -> impl Future<Output = Result<Option<Vec<Bytes>>, String>> + Send;

    /// Every node and code needed to build `attributes` on canonical block `parent` (and
    /// commit the block, or find it invalid).
    fn witness(
        &self,
        parent: B256,
        attributes: &OpPayloadAttributes,
    ) -> impl Future<Output = Result<Witness, String>> + Send;
}

/// An L2 node's JSON-RPC: `eth_getBlockByHash` and `debug_executionWitness`.
#[derive(Debug, Clone)]
pub struct RpcL2(pub HttpClient);

impl RpcL2 {
    async fn block(&self, hash: B256, full: bool) -> Result<Option<Value>, String> {
        let v: Value = self
            .0
            .request("eth_getBlockByHash", rpc_params![hash, full])
            .await
            .map_err(|e| e.to_string())?;
        Ok((!v.is_null()).then_some(v))
    }
}

impl L2Node for RpcL2 {
    async fn header(&self, hash: B256) -> Result<Option<Header>, String> {
        let Some(v) = self.block(hash, false).await? else { return Ok(None) };
        let header: alloy_rpc_types_eth::Header =
            serde_json::from_value(v).map_err(|e| e.to_string())?;
        Ok(Some(header.inner))
    }

    async fn transactions(&self, hash: B256) -> Result<Option<Vec<Bytes>>, String> {
        let Some(v) = self.block(hash, true).await? else { return Ok(None) };
        let block: alloy_rpc_types_eth::Block<op_alloy_rpc_types::Transaction> =
            serde_json::from_value(v).map_err(|e| e.to_string())?;
        let txs = block.transactions.into_transactions();
        Ok(Some(txs.map(|t| t.inner.inner.inner().encoded_2718().into()).collect()))
    }

    async fn witness(
        &self,
        parent: B256,
        attributes: &OpPayloadAttributes,
    ) -> Result<Witness, String> {
        self.0
            .request("debug_executePayload", rpc_params![parent, attributes])
            .await
            .map_err(|e| e.to_string())
    }
}

/// An engine in process.
impl L2Node for EngineHandle {
    async fn header(&self, hash: B256) -> Result<Option<Header>, String> {
        self.store().header_by_hash(&hash).map_err(|e| e.to_string())
    }

    async fn transactions(&self, hash: B256) -> Result<Option<Vec<Bytes>>, String> {
        let store = self.store();
        let Some(n) = store.block_number(&hash).map_err(|e| e.to_string())? else {
            return Ok(None);
        };
        store.block_transactions(n).map_err(|e| e.to_string())
    }

    async fn witness(
        &self,
        parent: B256,
        attributes: &OpPayloadAttributes,
    ) -> Result<Witness, String> {
        let attrs = BlockAttributes::try_from(attributes).map_err(|e| e.to_string())?;
        let w = self.payload_witness(parent, &attrs).map_err(|e| e.to_string())?;
        Ok(Witness { state: w.state, codes: w.codes, keys: w.keys, headers: w.headers })
    }
}

/// Where the host fetches from.
#[derive(Debug)]
pub struct Sources<L1 = RpcL1, L2 = RpcL2> {
    /// L1 (with its blobs).
    pub l1: L1,
    /// The L2 node.
    pub l2: L2,
}

impl Sources {
    /// Sources at these URLs.
    pub fn connect(
        l1_rpc: &str,
        l1_beacon: Option<&str>,
        l2_rpc: &str,
    ) -> Result<Self, ProofError> {
        let url =
            |u: &str| u.parse::<url::Url>().map_err(|e| ProofError::Config(format!("{u}: {e}")));
        let mut config = lamina_l1::chain::RpcL1Config::new(url(l1_rpc)?);
        if let Some(b) = l1_beacon {
            config = config.with_beacon(url(b)?);
        }
        let l2 = HttpClientBuilder::default()
            .request_timeout(std::time::Duration::from_secs(60))
            .max_response_size(256 << 20)
            .build(l2_rpc)
            .map_err(|e| ProofError::Config(format!("L2 RPC {l2_rpc}: {e}")))?;
        Ok(Self { l1: RpcL1::new(&config), l2: RpcL2(l2) })
    }
}

/// Counters of what the program asked for.
#[derive(Debug, Default)]
pub struct HostStats {
    /// Preimages served.
    pub preimages: AtomicU64,
    /// Their bytes.
    pub bytes: AtomicU64,
    /// Hints received.
    pub hints: AtomicU64,
    /// Hints that made the host fetch.
    pub fetches: AtomicU64,
}

/// The host.
#[derive(Debug)]
pub struct Host<L1 = RpcL1, L2 = RpcL2> {
    store: PreimageStore,
    sources: Option<Sources<L1, L2>>,
    runtime: tokio::runtime::Handle,
    done: Mutex<HashSet<Hint>>,
    /// What was served.
    pub stats: HostStats,
}

impl<L1: L1Chain + std::fmt::Debug + 'static, L2: L2Node> Host<L1, L2> {
    /// A host over `store`, fetching from `sources` (none: serve the store alone), on the
    /// current tokio runtime.
    pub fn new(store: PreimageStore, sources: Option<Sources<L1, L2>>) -> Self {
        Self {
            store,
            sources,
            runtime: tokio::runtime::Handle::current(),
            done: Mutex::default(),
            stats: HostStats::default(),
        }
    }

    /// The store.
    pub const fn store(&self) -> &PreimageStore {
        &self.store
    }

    fn put(&self, key: PreimageKey, data: Bytes) -> Result<(), OracleError> {
        self.store.insert(key, data).map_err(|e| OracleError::Host(e.to_string()))
    }

    fn put_keccak(&self, data: Bytes) -> Result<(), OracleError> {
        self.put(PreimageKey::keccak(keccak256(&data)), data)
    }

    /// Whether what `hint` names is in the store already (a cache from an earlier run). Each
    /// fetch stores the preimage tested here last, so its presence means the rest is there.
    fn stored(&self, hint: &Hint) -> bool {
        let has = |h: B256| self.store.contains(&PreimageKey::keccak(h));
        let header = |h: B256| self.stored_header(h);
        match *hint {
            Hint::L1BlockHeader(h) | Hint::L2BlockHeader(h) => has(h),
            Hint::L1Transactions(h) | Hint::L2Transactions(h) => {
                header(h).is_some_and(|hd| has(hd.transactions_root))
            }
            Hint::L1Receipts(h) => header(h).is_some_and(|hd| has(hd.receipts_root)),
            Hint::L1Blob { hash, .. } => self.store.contains(&PreimageKey::sha256(hash)),
            // A block's witness is fetched once per run: nothing names all of it.
            Hint::L2Output(_) | Hint::L2PayloadWitness { .. } => false,
        }
    }

    /// The header with hash `hash`, if the store holds it (checked against its hash when it
    /// was stored).
    fn stored_header(&self, hash: B256) -> Option<Header> {
        let rlp = self.store.get(&PreimageKey::keccak(hash))?;
        alloy_rlp::Decodable::decode(&mut rlp.as_ref()).ok()
    }

    /// Fetches what `hint` names into the store.
    async fn fetch(&self, sources: &Sources<L1, L2>, hint: &Hint) -> Result<(), OracleError> {
        match *hint {
            Hint::L1BlockHeader(hash) => {
                self.l1_header(sources, hash).await?;
            }
            Hint::L1Transactions(hash) => {
                let header = self.l1_header(sources, hash).await?;
                let txs = sources.l1.transactions(hash).await.map_err(host)?.ok_or_else(|| {
                    OracleError::Host(format!("L1 block {hash}: no txs (unknown block)"))
                })?;
                let raw: Vec<Vec<u8>> = txs.iter().map(|t| t.encoded_2718()).collect();
                self.put_list(&raw, header.transactions_root, "L1 txs")?;
            }
            Hint::L1Receipts(hash) => {
                let header = self.l1_header(sources, hash).await?;
                let receipts = sources.l1.receipts(hash).await.map_err(host)?.ok_or_else(|| {
                    OracleError::Host(format!("L1 block {hash}: no receipts (unknown block)"))
                })?;
                let raw: Vec<Vec<u8>> = receipts.iter().map(|r| r.encoded_2718()).collect();
                self.put_list(&raw, header.receipts_root, "L1 receipts")?;
            }
            Hint::L1Blob { hash, block } => {
                let header = self.l1_header(sources, block).await?;
                let blobs = sources.l1.blobs(&header, &[hash]).await.map_err(host)?;
                let blob = blobs.first().ok_or_else(|| host(format!("blob {hash}: none")))?;
                self.put_blob(hash, blob.as_slice())?;
            }
            Hint::L2BlockHeader(hash) => {
                self.l2_header(sources, hash).await?;
            }
            Hint::L2Transactions(hash) => {
                let header = self.l2_header(sources, hash).await?;
                let txs = sources.l2.transactions(hash).await.map_err(host)?;
                let txs = txs.ok_or_else(|| host(format!("unknown L2 block {hash}")))?;
                self.put_list(&txs, header.transactions_root, "L2 txs")?;
            }
            // The agreed output's preimage is stored when the run is set up.
            Hint::L2Output(_) => {}
            Hint::L2PayloadWitness { ref parent, ref attributes } => {
                let attributes: OpPayloadAttributes =
                    serde_json::from_slice(attributes).map_err(host)?;
                let witness = sources.l2.witness(*parent, &attributes).await.map_err(host)?;
                for data in witness.state.into_iter().chain(witness.codes).chain(witness.headers) {
                    self.put_keccak(data)?;
                }
            }
        }
        Ok(())
    }

    async fn l1_header(
        &self,
        sources: &Sources<L1, L2>,
        hash: B256,
    ) -> Result<Sealed<Header>, OracleError> {
        // The program hints a block's header before its txs, receipts or blobs.
        if let Some(header) = self.stored_header(hash) {
            return Ok(Sealed::new_unchecked(header, hash));
        }
        let header = sources
            .l1
            .header_by_hash(hash)
            .await
            .map_err(host)?
            .ok_or_else(|| host(format!("unknown L1 block {hash}")))?;
        self.put_header(header.inner(), hash)?;
        Ok(header)
    }

    async fn l2_header(
        &self,
        sources: &Sources<L1, L2>,
        hash: B256,
    ) -> Result<Header, OracleError> {
        if let Some(header) = self.stored_header(hash) {
            return Ok(header);
        }
        let header = sources.l2.header(hash).await.map_err(host)?;
        let header = header.ok_or_else(|| host(format!("unknown L2 block {hash}")))?;
        self.put_header(&header, hash)?;
        Ok(header)
    }

    /// Stores a header's RLP, checked against its hash.
    fn put_header(&self, header: &Header, hash: B256) -> Result<(), OracleError> {
        let rlp = Bytes::from(alloy_rlp::encode(header));
        if keccak256(&rlp) != hash {
            return Err(host(format!("the node's header {hash} hashes to {}", keccak256(&rlp))));
        }
        self.put(PreimageKey::keccak(hash), rlp)
    }

    /// Stores every node of a list trie, checked against the header's root.
    fn put_list<T: AsRef<[u8]>>(
        &self,
        items: &[T],
        root: B256,
        what: &str,
    ) -> Result<(), OracleError> {
        let (computed, nodes) = list::nodes(items);
        if computed != root {
            return Err(host(format!("{what}: the node's list has root {computed}, not {root}")));
        }
        // The root last: `stored` takes it as the sign that the whole list is there.
        let (roots, rest): (Vec<_>, Vec<_>) = nodes.into_iter().partition(|n| keccak256(n) == root);
        rest.into_iter().chain(roots).try_for_each(|n| self.put_keccak(n))
    }

    /// Stores a blob as its commitment (the versioned hash's sha256 preimage) and its field
    /// elements, checked against the versioned hash.
    fn put_blob(&self, hash: B256, blob: &[u8]) -> Result<(), OracleError> {
        let kzg = EnvKzgSettings::Default.get();
        let mut c_blob = Box::new(c_kzg::Blob::default());
        c_blob.copy_from_slice(blob);
        let commitment = kzg.blob_to_kzg_commitment(&c_blob).map_err(host)?.to_bytes();
        if kzg_to_versioned_hash(commitment.as_slice()) != hash {
            return Err(host(format!("blob {hash}: the blob does not match its hash")));
        }
        let keys = element_keys(commitment.as_slice(), &POINTS);
        for (i, key) in keys.into_iter().enumerate() {
            self.put(key, Bytes::copy_from_slice(&blob[i * 32..(i + 1) * 32]))?;
        }
        // The commitment last: `stored` takes it as the sign that the whole blob is there.
        self.put(PreimageKey::sha256(hash), Bytes::copy_from_slice(commitment.as_slice()))
    }
}

fn host(e: impl std::fmt::Display) -> OracleError {
    OracleError::Host(e.to_string())
}

impl<L1: L1Chain + std::fmt::Debug + 'static, L2: L2Node> Oracle for Host<L1, L2> {
    fn get(&self, key: PreimageKey) -> Result<Bytes, OracleError> {
        let data = self.store.get(&key).ok_or(OracleError::Missing(key))?;
        self.stats.preimages.fetch_add(1, Ordering::Relaxed);
        self.stats.bytes.fetch_add(data.len() as u64, Ordering::Relaxed);
        Ok(data)
    }

    fn hint(&self, hint: &Hint) -> Result<(), OracleError> {
        self.stats.hints.fetch_add(1, Ordering::Relaxed);
        let Some(sources) = &self.sources else { return Ok(()) };
        if self.stored(hint)
            || !self.done.lock().unwrap_or_else(PoisonError::into_inner).insert(hint.clone())
        {
            return Ok(());
        }
        self.stats.fetches.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(target: "lamina::proof", %hint, "host fetch");
        let out = self.runtime.block_on(self.fetch(sources, hint));
        if out.is_err() {
            // Let a later identical hint try again.
            self.done.lock().unwrap_or_else(PoisonError::into_inner).remove(hint);
        }
        out
    }
}
