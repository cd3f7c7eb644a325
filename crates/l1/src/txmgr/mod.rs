//! The tx manager: how the batcher, the proposer and the deployer get a tx onto L1 and keep it
//! there. It owns the sender's nonces (reserved one per tx, so sends may overlap; re-read from
//! the chain after any failure), prices txs from the chain's fee levels (EIP-1559, and blob gas
//! for blob txs) under configured caps, re-prices a tx that waits too long (by the replacement
//! rules nodes enforce: 10 %, and 100 % for blob gas), sends the newest version again when a
//! reorg drops the block it was in, and returns the receipt once the including block has the
//! configured number of confirmations.

mod config;
mod error;

use std::time::Instant;

use alloy_consensus::{
    SignableTransaction, TxEip1559, TxEip4844, TxEip4844Variant, TxEip4844WithSidecar, TxEnvelope,
};
use alloy_eips::{
    BlockNumberOrTag, eip2718::Encodable2718, eip4844::BlobTransactionSidecar,
    eip7594::BlobTransactionSidecarVariant,
};
use alloy_primitives::{Address, B256, Bytes, TxKind, U256};
use alloy_rpc_types_eth::{TransactionReceipt, TransactionRequest};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use tokio::sync::Mutex;

use crate::chain::{L1Chain, L1Error, L1Fees};
pub use config::TxManagerConfig;
pub use error::TxError;

/// What to send; the manager fills in nonce, gas and fees.
#[derive(Debug, Clone, Default)]
pub struct TxCandidate {
    /// Recipient, or a contract creation.
    pub to: TxKind,
    /// Calldata (or init code).
    pub input: Bytes,
    /// Wei sent.
    pub value: U256,
    /// Gas limit; `None`: estimated, plus the configured margin.
    pub gas_limit: Option<u64>,
    /// Blobs, for a blob tx (which needs a recipient).
    pub blobs: Option<BlobTransactionSidecar>,
}

impl TxCandidate {
    /// A call of contract `to` with `input` and no value (gas estimated).
    pub fn call(to: Address, input: impl Into<Bytes>) -> Self {
        Self { to: TxKind::Call(to), input: input.into(), ..Self::default() }
    }
}

/// Fees one version of a tx offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Price {
    tip: u128,
    max_fee: u128,
    blob_fee: u128,
}

/// Sends txs from one account.
#[derive(Debug)]
pub struct TxManager<C> {
    chain: C,
    signer: PrivateKeySigner,
    chain_id: u64,
    config: TxManagerConfig,
    /// The next unreserved nonce; `None`: read it from the chain first.
    nonce: Mutex<Option<u64>>,
}

impl<C: L1Chain> TxManager<C> {
    /// A manager sending from `signer`'s account on `chain`.
    pub async fn new(
        chain: C,
        signer: PrivateKeySigner,
        config: TxManagerConfig,
    ) -> Result<Self, TxError> {
        let chain_id = chain.chain_id().await?;
        Ok(Self { chain, signer, chain_id, config, nonce: Mutex::new(None) })
    }

    /// The sending account.
    pub fn address(&self) -> Address {
        self.signer.address()
    }

    /// The id of the chain it sends to (read once, when it was made).
    pub const fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// The chain it sends to.
    pub const fn chain(&self) -> &C {
        &self.chain
    }

    /// Its settings.
    pub const fn config(&self) -> &TxManagerConfig {
        &self.config
    }

    /// Whether a tx (a blob tx with `blob`) would be sent at fee levels `fees` (the chain's
    /// [`fees`](L1Chain::fees)) within the caps; otherwise [`TxError::FeeCap`], as
    /// [`send`](Self::send) would fail.
    pub fn check_caps(&self, fees: &L1Fees, blob: bool) -> Result<(), TxError> {
        self.within_caps(self.price_at(fees, blob))
    }

    /// Sends `candidate` and waits until it is confirmed; returns its receipt (which may say
    /// it reverted: it was mined all the same).
    pub async fn send(&self, candidate: TxCandidate) -> Result<TransactionReceipt, TxError> {
        if candidate.blobs.is_some() && candidate.to.is_create() {
            return Err(TxError::Invalid("a blob tx cannot create a contract"));
        }
        let nonce = self.reserve_nonce().await?;
        let result = self.send_at(nonce, &candidate).await;
        if result.is_err() {
            // The nonce may be unused, or used by someone else: ask the chain next time.
            self.forget_nonce().await;
        }
        result
    }

    /// Forgets the next nonce, so the next tx asks the chain: after an L1 reorg dropped sent
    /// txs, the chain's count is lower than the one kept here.
    pub async fn forget_nonce(&self) {
        *self.nonce.lock().await = None;
    }

    async fn reserve_nonce(&self) -> Result<u64, TxError> {
        let mut next = self.nonce.lock().await;
        let nonce = match *next {
            Some(n) => n,
            None => self.chain.nonce(self.address(), BlockNumberOrTag::Pending).await?,
        };
        *next = Some(nonce + 1);
        Ok(nonce)
    }

    async fn gas_limit(&self, c: &TxCandidate) -> Result<u64, TxError> {
        if let Some(gas) = c.gas_limit {
            return Ok(gas);
        }
        let mut req = TransactionRequest::default()
            .from(self.address())
            .input(c.input.clone().into())
            .value(c.value);
        req.to = Some(c.to);
        if let Some(blobs) = &c.blobs {
            req.blob_versioned_hashes = Some(blobs.versioned_hashes().collect());
        }
        let gas = self.chain.estimate_gas(req).await?;
        Ok(gas + gas * self.config.gas_margin_percent / 100)
    }

    async fn price(&self, blob: bool) -> Result<Price, TxError> {
        Ok(self.price_at(&self.chain.fees().await?, blob))
    }

    /// What the first version of a tx offers at fee levels `fees`.
    fn price_at(&self, fees: &L1Fees, blob: bool) -> Price {
        let tip = fees.tip.max(self.config.min_tip);
        let blob_fee = if blob { (fees.blob_base_fee * 2).max(1) } else { 0 };
        Price { tip, max_fee: fees.base_fee * 2 + tip, blob_fee }
    }

    fn within_caps(&self, price: Price) -> Result<(), TxError> {
        if price.max_fee > self.config.max_fee_per_gas {
            return Err(TxError::FeeCap { want: price.max_fee, cap: self.config.max_fee_per_gas });
        }
        if price.blob_fee > self.config.max_fee_per_blob_gas {
            return Err(TxError::FeeCap {
                want: price.blob_fee,
                cap: self.config.max_fee_per_blob_gas,
            });
        }
        Ok(())
    }

    /// The next version's fees: at least the replacement minimum over `old` and at least
    /// what the chain asks now, within the caps; `None` when the caps leave no room.
    fn bump(&self, old: Price, now: Price) -> Option<Price> {
        let up = |v: u128| v + v / 10 + 1;
        let mut p = Price {
            tip: up(old.tip).max(now.tip),
            max_fee: up(old.max_fee).max(now.max_fee),
            blob_fee: if old.blob_fee == 0 { 0 } else { (old.blob_fee * 2).max(now.blob_fee) },
        };
        p.max_fee = p.max_fee.max(p.tip).min(self.config.max_fee_per_gas);
        p.tip = p.tip.min(p.max_fee);
        p.blob_fee = p.blob_fee.min(self.config.max_fee_per_blob_gas);
        let enough = p.max_fee >= up(old.max_fee)
            && p.tip >= up(old.tip)
            && (old.blob_fee == 0 || p.blob_fee >= old.blob_fee * 2);
        enough.then_some(p)
    }

    fn sign(
        &self,
        nonce: u64,
        gas: u64,
        c: &TxCandidate,
        p: Price,
    ) -> Result<(B256, Bytes), TxError> {
        let signed: TxEnvelope = match (&c.blobs, c.to) {
            (Some(blobs), TxKind::Call(to)) => {
                let tx = TxEip4844 {
                    chain_id: self.chain_id,
                    nonce,
                    gas_limit: gas,
                    max_fee_per_gas: p.max_fee,
                    max_priority_fee_per_gas: p.tip,
                    to,
                    value: c.value,
                    input: c.input.clone(),
                    blob_versioned_hashes: blobs.versioned_hashes().collect(),
                    max_fee_per_blob_gas: p.blob_fee,
                    ..Default::default()
                };
                let sidecar = BlobTransactionSidecarVariant::Eip4844(blobs.clone());
                let tx: TxEip4844Variant =
                    TxEip4844WithSidecar::from_tx_and_sidecar(tx, sidecar).into();
                let sig =
                    self.signer.sign_hash_sync(&tx.signature_hash()).map_err(TxError::sign)?;
                tx.into_signed(sig).into()
            }
            _ => {
                let tx = TxEip1559 {
                    chain_id: self.chain_id,
                    nonce,
                    gas_limit: gas,
                    max_fee_per_gas: p.max_fee,
                    max_priority_fee_per_gas: p.tip,
                    to: c.to,
                    value: c.value,
                    input: c.input.clone(),
                    ..Default::default()
                };
                let sig =
                    self.signer.sign_hash_sync(&tx.signature_hash()).map_err(TxError::sign)?;
                tx.into_signed(sig).into()
            }
        };
        Ok((*signed.tx_hash(), signed.encoded_2718().into()))
    }

    /// Sends a version; refusals that mean "the node has it, or an earlier version of it" are
    /// not failures (the receipts tell which version landed).
    async fn broadcast(&self, raw: &Bytes, replacing: bool) -> Result<(), TxError> {
        match self.chain.send_raw_transaction(raw).await {
            Ok(_) => Ok(()),
            Err(e) => {
                let m = e.to_string().to_lowercase();
                let benign = m.contains("already known")
                    || m.contains("known transaction")
                    || m.contains("nonce too low")
                    || (replacing && m.contains("underpriced"));
                if benign && !e.is_temporary() {
                    tracing::debug!(target: "l1::txmgr", %e, "send refused; watching receipts");
                    Ok(())
                } else {
                    Err(e.into())
                }
            }
        }
    }

    /// The receipt of whichever version was mined, if any.
    async fn mined(
        &self,
        versions: &[(B256, Bytes)],
    ) -> Result<Option<TransactionReceipt>, L1Error> {
        for (hash, _) in versions.iter().rev() {
            if let Some(r) = self.chain.receipt(*hash).await? {
                return Ok(Some(r));
            }
        }
        Ok(None)
    }

    async fn send_at(&self, nonce: u64, c: &TxCandidate) -> Result<TransactionReceipt, TxError> {
        let gas = self.gas_limit(c).await?;
        let mut price = self.price(c.blobs.is_some()).await?;
        self.within_caps(price)?;
        let first = self.sign(nonce, gas, c, price)?;
        self.broadcast(&first.1, false).await?;
        tracing::debug!(target: "l1::txmgr", hash = %first.0, nonce, gas, "sent");
        let mut versions = vec![first];
        let started = Instant::now();
        let mut last_send = Instant::now();
        let mut included: Option<B256> = None;
        loop {
            if started.elapsed() > self.config.send_timeout {
                let hash = versions.last().map(|v| v.0).unwrap_or_default();
                return Err(TxError::Timeout { hash, secs: started.elapsed().as_secs() });
            }
            tokio::time::sleep(self.config.poll_interval).await;
            if let Some(r) = self.mined(&versions).await? {
                let at = r.block_number.unwrap_or_default();
                if included != r.block_hash {
                    tracing::debug!(target: "l1::txmgr", hash = %r.transaction_hash, block = at, "included");
                    included = r.block_hash;
                }
                let head = self.chain.header(BlockNumberOrTag::Latest).await?;
                let head = head.map(|h| h.number).unwrap_or_default();
                if head + 1 >= at + self.config.confirmations.max(1) {
                    return Ok(r);
                }
                continue;
            }
            let newest = versions.last().map(|v| v.1.clone()).unwrap_or_default();
            if included.take().is_some() {
                // The including block was reorged out, and the tx with it; nodes do not
                // always put it back in their pools.
                tracing::warn!(target: "l1::txmgr", nonce, "tx reorged out; sending it again");
                self.broadcast(&newest, false).await?;
                last_send = Instant::now();
                continue;
            }
            if last_send.elapsed() < self.config.resubmission_timeout {
                continue;
            }
            // Waited long enough: is the nonce gone to another tx?
            let taken = self.chain.nonce(self.address(), BlockNumberOrTag::Latest).await? > nonce;
            if taken && self.mined(&versions).await?.is_none() {
                return Err(TxError::NonceTaken { nonce });
            }
            let now = self.price(c.blobs.is_some()).await?;
            match self.bump(price, now) {
                Some(bumped) => {
                    let next = self.sign(nonce, gas, c, bumped)?;
                    self.broadcast(&next.1, true).await?;
                    tracing::info!(
                        target: "l1::txmgr",
                        hash = %next.0,
                        nonce,
                        max_fee = bumped.max_fee,
                        tip = bumped.tip,
                        "not included yet; re-priced"
                    );
                    versions.push(next);
                    price = bumped;
                }
                None => {
                    tracing::warn!(target: "l1::txmgr", nonce, "at the fee cap; sending again as is");
                    self.broadcast(&newest, true).await?;
                }
            }
            last_send = Instant::now();
        }
    }
}
