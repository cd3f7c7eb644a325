//! [`L1Chain`] for the in-process dev L1: chain reads go straight to its store (no JSON on
//! derivation's hot path); calls, logs, tips and receipts go through the same functions its
//! JSON-RPC methods call, so both give the same answers.

use alloy_consensus::{ReceiptEnvelope, Sealed, TxEnvelope};
use alloy_eips::{BlockNumberOrTag, eip2718::Decodable2718};
use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_rpc_types_eth::{Filter, Log, TransactionReceipt, TransactionRequest};
use jsonrpsee::types::ErrorObjectOwned;
use lamina_engine::{
    StoreError,
    rpc::eth::{EthChain, StoredBlock, get_logs},
};
use revm::DatabaseRef;

use lamina_l1::chain::{BoxedBlob, L1Chain, L1Error, L1Fees, L1Header};

use crate::{DevL1, DevL1Error};

impl From<DevL1Error> for L1Error {
    fn from(e: DevL1Error) -> Self {
        Self::Local(Box::new(e))
    }
}

fn store(e: StoreError) -> L1Error {
    DevL1Error::from(e).into()
}

fn rpc(e: ErrorObjectOwned) -> L1Error {
    if e.code() == 3 {
        let data: Bytes =
            e.data().and_then(|d| serde_json::from_str(d.get()).ok()).unwrap_or_default();
        return L1Error::Reverted { reason: e.message().to_owned(), data };
    }
    L1Error::Rpc { code: i64::from(e.code()), message: e.message().to_owned() }
}

impl DevL1 {
    /// The canonical block number a tag names (`None`: past the head).
    fn number_of(&self, at: BlockNumberOrTag) -> Result<Option<u64>, L1Error> {
        let fc = self.forkchoice()?;
        Ok(match at {
            BlockNumberOrTag::Latest | BlockNumberOrTag::Pending => Some(fc.head.number),
            BlockNumberOrTag::Safe => Some(fc.safe.number),
            BlockNumberOrTag::Finalized => Some(fc.finalized.number),
            BlockNumberOrTag::Earliest => Some(0),
            BlockNumberOrTag::Number(n) => (n <= fc.head.number).then_some(n),
        })
    }

    fn sealed(&self, n: u64) -> Result<Option<L1Header>, L1Error> {
        let Some(h) = self.store().header(n).map_err(store)? else { return Ok(None) };
        let hash = h.hash_slow();
        Ok(Some(Sealed::new_unchecked(h, hash)))
    }

    fn decoded<T: Decodable2718>(raw: Option<Vec<Bytes>>) -> Result<Option<Vec<T>>, L1Error> {
        raw.map(|list| {
            list.iter()
                .map(|r| T::decode_2718(&mut r.as_ref()))
                .collect::<Result<Vec<T>, _>>()
                .map_err(|e| store(StoreError::Corrupt(e.to_string())))
        })
        .transpose()
    }
}

impl L1Chain for DevL1 {
    async fn chain_id(&self) -> Result<u64, L1Error> {
        Ok(self.config().chain_id)
    }

    async fn header(&self, at: BlockNumberOrTag) -> Result<Option<L1Header>, L1Error> {
        match self.number_of(at)? {
            Some(n) => self.sealed(n),
            None => Ok(None),
        }
    }

    async fn header_by_hash(&self, hash: B256) -> Result<Option<L1Header>, L1Error> {
        let h = self.store().header_by_hash(&hash).map_err(store)?;
        Ok(h.map(|h| Sealed::new_unchecked(h, hash)))
    }

    async fn transactions(&self, block: B256) -> Result<Option<Vec<TxEnvelope>>, L1Error> {
        let Some(n) = self.store().block_number(&block).map_err(store)? else { return Ok(None) };
        Self::decoded(self.store().block_transactions(n).map_err(store)?)
    }

    async fn receipts(&self, block: B256) -> Result<Option<Vec<ReceiptEnvelope>>, L1Error> {
        let Some(n) = self.store().block_number(&block).map_err(store)? else { return Ok(None) };
        Self::decoded(self.store().block_receipts(n).map_err(store)?)
    }

    async fn logs(&self, filter: &Filter) -> Result<Vec<Log>, L1Error> {
        get_logs(self, filter).map_err(rpc)
    }

    async fn nonce(&self, who: Address, at: BlockNumberOrTag) -> Result<u64, L1Error> {
        let n = self
            .number_of(at)?
            .ok_or_else(|| L1Error::Rpc { code: -32000, message: "header not found".into() })?;
        let state = self.store().state_at(n).map_err(store)?;
        let nonce = state.account(&who).map_err(store)?.map(|a| a.nonce).unwrap_or_default();
        let pending = at.is_pending().then(|| self.pending_nonce(&who)).flatten();
        Ok(pending.unwrap_or(nonce).max(nonce))
    }

    async fn balance(&self, who: Address) -> Result<U256, L1Error> {
        let a = self.store().head_account(&who).map_err(store)?;
        Ok(a.map(|a| a.balance).unwrap_or_default())
    }

    async fn code(&self, at: Address) -> Result<Bytes, L1Error> {
        let view = self.store().state().map_err(store)?;
        let Some(a) = view.account(&at).map_err(store)? else { return Ok(Bytes::new()) };
        Ok(view.code_by_hash_ref(a.code_hash).map_err(store)?.original_bytes())
    }

    async fn call(&self, tx: TransactionRequest) -> Result<Bytes, L1Error> {
        // The RPC method's own code: the same checks and revert reporting.
        lamina_engine::rpc::eth::call(self, tx, None, &in_process_budget()).map_err(rpc)
    }

    async fn estimate_gas(&self, tx: TransactionRequest) -> Result<u64, L1Error> {
        lamina_engine::rpc::eth::estimate_gas(self, tx, None, &in_process_budget()).map_err(rpc)
    }

    async fn fees(&self) -> Result<L1Fees, L1Error> {
        let head = self
            .header(BlockNumberOrTag::Latest)
            .await?
            .ok_or_else(|| L1Error::Malformed("no head".into()))?;
        let base_fee = u128::from(lamina_evm::eth::next_base_fee(&head));
        let blob_base_fee = lamina_evm::eth::next_blob_base_fee(&head);
        let tip = lamina_engine::rpc::eth::suggested_tip(self).map_err(rpc)?;
        Ok(L1Fees { base_fee, tip, blob_base_fee })
    }

    async fn send_raw_transaction(&self, raw: &Bytes) -> Result<B256, L1Error> {
        Ok(Self::send_raw_transaction(self, raw)?)
    }

    async fn receipt(&self, tx: B256) -> Result<Option<TransactionReceipt>, L1Error> {
        let Some(loc) = self.store().transaction_location(&tx).map_err(store)? else {
            return Ok(None);
        };
        let block = StoredBlock::read(self.store(), loc.block, true).map_err(store)?;
        let Some(block) = block else { return Ok(None) };
        let block = block.with_senders(self.store()).map_err(store)?;
        let receipts = self.rpc_receipts(&block, Some(loc.index as usize)).map_err(store)?;
        Ok(receipts.into_iter().next())
    }

    async fn blobs(&self, block: &L1Header, hashes: &[B256]) -> Result<Vec<BoxedBlob>, L1Error> {
        // Checked by KZG when admitted; read back from our own store.
        let blobs = self.stored_blobs(block.hash())?;
        hashes
            .iter()
            .map(|h| {
                blobs.iter().find(|b| b.versioned_hash() == *h).map(|b| b.blob.clone()).ok_or_else(
                    || L1Error::MissingBlobs {
                        block: block.hash(),
                        reason: format!("the dev L1 has no blob {h} in it"),
                    },
                )
            })
            .collect()
    }
}

/// The dev L1's own callers (its tx managers) get the same limits as its RPC's.
fn in_process_budget() -> lamina_engine::rpc::budget::CallBudget {
    lamina_engine::rpc::budget::CallBudget::starting_now(Default::default())
}
