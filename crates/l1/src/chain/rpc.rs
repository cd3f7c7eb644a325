//! [`RpcL1`]: [`L1Chain`] over any Ethereum JSON-RPC node (geth, reth, anvil, a commodity
//! provider) through an alloy provider. Rate limits (HTTP 429, provider-specific codes) are
//! retried with backoff by alloy's retry layer; a node without `eth_getBlockReceipts` is read
//! receipt by receipt; log queries are split to the node's range limit and halved further
//! when the node says a range or result is too large. Blobs come from a beacon API, when one
//! is configured.
//!
//! What derivation reads is checked before it is believed, as op-node does: a block's
//! transactions against its header's `transactionsRoot`, its receipts against `receiptsRoot`,
//! and every header against its hash. A mismatch is [`L1Error::Inconsistent`] (temporary,
//! naming the endpoint), never data.

use alloy_consensus::{
    ReceiptEnvelope, Sealed, TxEnvelope,
    proofs::{calculate_receipt_root, calculate_transaction_root},
};
use alloy_eips::{BlockId, BlockNumberOrTag, eip1559::BaseFeeParams};
use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_provider::{Provider, RootProvider};
use alloy_rpc_client::ClientBuilder;
use alloy_rpc_types_eth::{
    Block, Filter, FilterBlockOption, Log, TransactionReceipt, TransactionRequest,
};
use alloy_transport::{TransportError, layers::RetryBackoffLayer};

use super::{BoxedBlob, L1Chain, L1Error, L1Fees, L1Header, beacon::BeaconClient};

/// How to reach and treat the node.
#[derive(Debug, Clone)]
pub struct RpcL1Config {
    /// The node's HTTP(S) JSON-RPC URL.
    pub url: url::Url,
    /// Retries of a rate-limited request before giving up.
    pub max_retries: u32,
    /// Base backoff between retries, in milliseconds.
    pub initial_backoff_ms: u64,
    /// The provider's compute-unit budget per second (alloy's pacing of retries).
    pub compute_units_per_second: u64,
    /// Most blocks one `eth_getLogs` request spans (commodity providers cap it).
    pub max_log_range: u64,
    /// The beacon API blobs are read from (`None`: blobs cannot be read).
    pub beacon: Option<url::Url>,
}

impl RpcL1Config {
    /// Defaults that suit public providers: 10 retries from 500 ms, 330 CU/s, 1 000-block logs.
    pub const fn new(url: url::Url) -> Self {
        Self {
            url,
            max_retries: 10,
            initial_backoff_ms: 500,
            compute_units_per_second: 330,
            max_log_range: 1_000,
            beacon: None,
        }
    }

    /// With blobs read from the beacon API at `url`.
    pub fn with_beacon(mut self, url: url::Url) -> Self {
        self.beacon = Some(url);
        self
    }
}

/// An L1 reached over JSON-RPC.
#[derive(Debug, Clone)]
pub struct RpcL1 {
    provider: RootProvider,
    /// Host and port of the node, for errors (never the path, which may hold an API key).
    endpoint: std::sync::Arc<str>,
    max_log_range: u64,
    beacon: Option<std::sync::Arc<BeaconClient>>,
}

impl RpcL1 {
    /// A client of the node at `config.url` (no request is made yet).
    pub fn new(config: &RpcL1Config) -> Self {
        let client = ClientBuilder::default()
            .layer(RetryBackoffLayer::new(
                config.max_retries,
                config.initial_backoff_ms,
                config.compute_units_per_second,
            ))
            .http(config.url.clone());
        let endpoint = match (config.url.host_str(), config.url.port_or_known_default()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_owned(),
            _ => "?".to_owned(),
        };
        Self {
            provider: RootProvider::new(client),
            endpoint: endpoint.into(),
            max_log_range: config.max_log_range.max(1),
            beacon: config.beacon.clone().map(|url| std::sync::Arc::new(BeaconClient::new(url))),
        }
    }

    /// A client of the node at `url` with the default settings.
    pub fn connect(url: &str) -> Result<Self, L1Error> {
        let url = url.parse().map_err(|e| L1Error::Malformed(format!("L1 RPC URL {url}: {e}")))?;
        Ok(Self::new(&RpcL1Config::new(url)))
    }

    /// A block's receipts as the node serves them (`None`: no such block, or it was reorged out
    /// while read), not yet checked against the header.
    async fn served_receipts(&self, block: B256) -> Result<Option<Vec<ReceiptEnvelope>>, L1Error> {
        let receipts = match self.provider.get_block_receipts(BlockId::from(block)).await {
            Ok(r) => r,
            // Not every node serves eth_getBlockReceipts: read them one by one.
            Err(TransportError::ErrorResp(p)) if p.code == -32601 => {
                let Some(b) = self.provider.get_block_by_hash(block).await.map_err(map)? else {
                    return Ok(None);
                };
                let mut out = Vec::with_capacity(b.transactions.len());
                for hash in b.transactions.hashes() {
                    let r = self.provider.get_transaction_receipt(hash).await.map_err(map)?;
                    out.push(r.ok_or_else(|| {
                        L1Error::Malformed(format!("no receipt for {hash} in block {block}"))
                    })?);
                }
                Some(out)
            }
            Err(e) => return Err(map(e)),
        };
        let Some(receipts) = receipts else { return Ok(None) };
        if receipts.iter().any(|r| r.block_hash != Some(block)) {
            // The block was reorged out while we read it.
            return Ok(None);
        }
        Ok(Some(receipts.into_iter().map(|r| r.inner.into_primitives_receipt()).collect()))
    }

    fn inconsistent(&self, what: String) -> L1Error {
        tracing::warn!(target: "l1::rpc", endpoint = %self.endpoint, %what, "L1 data does not match its header");
        L1Error::Inconsistent { endpoint: self.endpoint.to_string(), what }
    }

    /// The underlying provider, for reads this port does not cover.
    pub const fn provider(&self) -> &RootProvider {
        &self.provider
    }

    async fn logs_in(&self, filter: &Filter, from: u64, to: u64) -> Result<Vec<Log>, L1Error> {
        let mut out = Vec::new();
        let mut span = self.max_log_range;
        let mut start = from;
        while start <= to {
            let end = to.min(start + span - 1);
            let part = filter.clone().from_block(start).to_block(end);
            match self.provider.get_logs(&part).await {
                Ok(logs) => {
                    out.extend(logs);
                    start = end + 1;
                }
                Err(e) if span > 1 && too_large(&e) => {
                    span = (span / 2).max(1);
                    tracing::debug!(target: "l1::rpc", span, "log query too large; splitting");
                }
                Err(e) => return Err(map(e)),
            }
        }
        Ok(out)
    }

    async fn block_number(&self, at: BlockNumberOrTag) -> Result<u64, L1Error> {
        match at {
            BlockNumberOrTag::Number(n) => Ok(n),
            tag => Ok(self.header(tag).await?.map(|h| h.number).unwrap_or_default()),
        }
    }
}

/// A transport failure as an [`L1Error`]: network trouble is temporary, the node's answers
/// are not.
fn map(e: TransportError) -> L1Error {
    match e {
        TransportError::ErrorResp(p) => {
            if p.code == 3 {
                let data = p.as_revert_data().unwrap_or_default();
                let reason = alloy_sol_types::decode_revert_reason(&data)
                    .unwrap_or_else(|| p.message.to_string());
                return L1Error::Reverted { reason, data };
            }
            if p.code == 429 || (p.code == -32005 && !too_large_message(&p.message)) {
                return L1Error::Unavailable(format!("rate limited: {}", p.message));
            }
            L1Error::Rpc { code: p.code, message: p.message.into_owned() }
        }
        TransportError::Transport(t) => L1Error::Unavailable(t.to_string()),
        TransportError::NullResp => L1Error::Malformed("null response".into()),
        other => L1Error::Malformed(other.to_string()),
    }
}

fn too_large_message(m: &str) -> bool {
    let m = m.to_lowercase();
    ["range", "too many", "more than", "limit", "too large", "exceed"].iter().any(|w| m.contains(w))
}

/// Whether a log query failed for being too big (providers word it many ways).
fn too_large(e: &TransportError) -> bool {
    match e {
        TransportError::ErrorResp(p) => too_large_message(&p.message),
        TransportError::Transport(t) => too_large_message(&t.to_string()),
        _ => false,
    }
}

/// A tx as a block holds it: a blob tx without its sidecar.
fn without_sidecar(tx: TxEnvelope) -> TxEnvelope {
    match tx {
        TxEnvelope::Eip4844(signed) => {
            let (tx, sig, hash) = signed.into_parts();
            TxEnvelope::Eip4844(alloy_consensus::Signed::new_unchecked(
                tx.drop_sidecar(),
                sig,
                hash,
            ))
        }
        other => other,
    }
}

/// A block's header, checked against the hash the node gave for it.
fn sealed<T>(block: Block<T>) -> Result<L1Header, L1Error> {
    let header = block.header.inner;
    let hash = header.hash_slow();
    if hash != block.header.hash {
        return Err(L1Error::Malformed(format!(
            "block {} has hash {} but its header hashes to {hash}",
            header.number, block.header.hash
        )));
    }
    Ok(Sealed::new_unchecked(header, hash))
}

impl L1Chain for RpcL1 {
    async fn chain_id(&self) -> Result<u64, L1Error> {
        self.provider.get_chain_id().await.map_err(map)
    }

    async fn header(&self, at: BlockNumberOrTag) -> Result<Option<L1Header>, L1Error> {
        let block = self.provider.get_block_by_number(at).await.map_err(map)?;
        block.map(sealed).transpose()
    }

    async fn header_by_hash(&self, hash: B256) -> Result<Option<L1Header>, L1Error> {
        let block = self.provider.get_block_by_hash(hash).await.map_err(map)?;
        block.map(sealed).transpose()
    }

    async fn transactions(&self, block: B256) -> Result<Option<Vec<TxEnvelope>>, L1Error> {
        let Some(b) = self.provider.get_block_by_hash(block).full().await.map_err(map)? else {
            return Ok(None);
        };
        if b.header.inner.hash_slow() != block {
            return Err(self.inconsistent(format!("a header for block {block}")));
        }
        let root = b.header.inner.transactions_root;
        let served: Vec<TxEnvelope> =
            b.transactions.into_transactions().map(|t| t.into_inner()).collect();
        // The root is usually over the txs as served. Some nodes (anvil) serve blob txs with
        // their sidecars but root them without: either form commits to the same txs, which are
        // kept as mined, without sidecars.
        let as_served = calculate_transaction_root(&served) == root;
        let txs: Vec<TxEnvelope> = served.into_iter().map(without_sidecar).collect();
        if !as_served && calculate_transaction_root(&txs) != root {
            return Err(self.inconsistent(format!("transactions of block {block}")));
        }
        Ok(Some(txs))
    }

    async fn receipts(&self, block: B256) -> Result<Option<Vec<ReceiptEnvelope>>, L1Error> {
        // The header (checked against its hash) commits to the receipts: deposits and config
        // updates are only believed if they are what the block holds. Both reads at once, so
        // the check costs no extra round trip.
        let (receipts, header) =
            tokio::join!(self.served_receipts(block), self.header_by_hash(block));
        let (Some(receipts), Some(header)) = (receipts?, header?) else { return Ok(None) };
        if calculate_receipt_root(&receipts) != header.receipts_root {
            return Err(self.inconsistent(format!("receipts of block {block}")));
        }
        Ok(Some(receipts))
    }

    async fn logs(&self, filter: &Filter) -> Result<Vec<Log>, L1Error> {
        match filter.block_option {
            FilterBlockOption::AtBlockHash(_) => self.provider.get_logs(filter).await.map_err(map),
            FilterBlockOption::Range { from_block, to_block } => {
                let from = self.block_number(from_block.unwrap_or_default()).await?;
                let to = self.block_number(to_block.unwrap_or_default()).await?;
                if from > to {
                    return Ok(Vec::new());
                }
                self.logs_in(filter, from, to).await
            }
        }
    }

    async fn nonce(&self, who: Address, at: BlockNumberOrTag) -> Result<u64, L1Error> {
        self.provider.get_transaction_count(who).block_id(at.into()).await.map_err(map)
    }

    async fn balance(&self, who: Address) -> Result<U256, L1Error> {
        self.provider.get_balance(who).await.map_err(map)
    }

    async fn code(&self, at: Address) -> Result<Bytes, L1Error> {
        self.provider.get_code_at(at).await.map_err(map)
    }

    async fn call(&self, tx: TransactionRequest) -> Result<Bytes, L1Error> {
        self.provider.call(tx).await.map_err(map)
    }

    async fn estimate_gas(&self, tx: TransactionRequest) -> Result<u64, L1Error> {
        self.provider.estimate_gas(tx).await.map_err(map)
    }

    async fn fees(&self) -> Result<L1Fees, L1Error> {
        let head = self
            .header(BlockNumberOrTag::Latest)
            .await?
            .ok_or_else(|| L1Error::Malformed("no latest block".into()))?;
        let base_fee =
            u128::from(head.next_block_base_fee(BaseFeeParams::ethereum()).unwrap_or_default());
        let tip = self.provider.get_max_priority_fee_per_gas().await.map_err(map)?;
        let blob_base_fee = self.provider.get_blob_base_fee().await.map_err(map)?;
        Ok(L1Fees { base_fee, tip, blob_base_fee })
    }

    async fn send_raw_transaction(&self, raw: &Bytes) -> Result<B256, L1Error> {
        let pending = self.provider.send_raw_transaction(raw).await.map_err(map)?;
        Ok(*pending.tx_hash())
    }

    async fn receipt(&self, tx: B256) -> Result<Option<TransactionReceipt>, L1Error> {
        self.provider.get_transaction_receipt(tx).await.map_err(map)
    }

    async fn blobs(&self, block: &L1Header, hashes: &[B256]) -> Result<Vec<BoxedBlob>, L1Error> {
        self.beacon.as_ref().ok_or(L1Error::NoBeacon)?.blobs(block, hashes).await
    }
}

#[cfg(test)]
mod tests {
    use super::too_large_message;

    #[test]
    fn providers_ways_of_saying_a_log_query_is_too_big() {
        for m in [
            "query returned more than 10000 results",
            "block range is too large",
            "exceed maximum block range: 5000",
            "eth_getLogs is limited to a 10,000 range",
            "Log response size exceeded.",
            "query spans more than 10000 blocks",
        ] {
            assert!(too_large_message(m), "{m}");
        }
        for m in ["header not found", "execution reverted", "nonce too low"] {
            assert!(!too_large_message(m), "{m}");
        }
    }
}
