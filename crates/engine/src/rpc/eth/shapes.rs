//! Stored blocks read back for the RPC shapes, for any [`EthChain`]: the block with its txs
//! (full or by hash), each tx's position, and the parts of a receipt every chain shares (gas
//! used, effective price, created contract, logs with their block positions). The chain adds
//! its own fields (OP's L1 fee, Ethereum's blob gas).

use alloy_consensus::{
    Header, Transaction, TxReceipt,
    transaction::{Recovered, SignerRecoverable, TransactionInfo, TxHashRef},
};
use alloy_eips::eip2718::Decodable2718;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256};
use alloy_rlp::Encodable;
use alloy_rpc_types_eth::{Block, BlockTransactions, Log, TransactionReceipt};

use super::{chain::EthChain, logs::logs_of};
use crate::store::{Store, StoreError};

/// A block as `eth_getBlockBy*` returns it.
pub type RpcBlock<T> = Block<T, alloy_rpc_types_eth::Header>;

/// A canonical block read back with everything the RPC shapes need.
#[derive(Debug)]
pub struct StoredBlock<T, R> {
    /// Its header.
    pub header: Header,
    /// Its hash.
    pub hash: B256,
    /// Its txs as stored (EIP-2718).
    pub raw: Vec<Bytes>,
    /// Decoded, senders not recovered: only the shapes that show `from` pay for recovery.
    pub txs: Vec<T>,
    /// The senders execution recovered, when loaded ([`Self::with_senders`]) and the store
    /// kept them (one per tx): with them no read recovers a signature.
    pub senders: Option<Vec<Address>>,
    /// Its receipts (empty unless asked for).
    pub receipts: Vec<R>,
}

fn corrupt(n: u64, what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("block {n} {what}: {e}"))
}

impl<T, R> StoredBlock<T, R>
where
    T: Decodable2718 + Transaction + SignerRecoverable + TxHashRef + Encodable + Clone,
    R: Decodable2718 + TxReceipt<Log = alloy_primitives::Log>,
{
    /// Reads canonical block `n` (`None` past the head).
    pub fn read(store: &Store, n: u64, receipts: bool) -> Result<Option<Self>, StoreError> {
        let Some(header) = store.header(n)? else { return Ok(None) };
        let raw = store.block_transactions(n)?.unwrap_or_default();
        let txs = raw
            .iter()
            .map(|r| T::decode_2718(&mut r.as_ref()))
            .collect::<Result<_, _>>()
            .map_err(|e| corrupt(n, "tx", e))?;
        let receipts = if receipts {
            store
                .block_receipts(n)?
                .unwrap_or_default()
                .iter()
                .map(|r| R::decode_2718(&mut r.as_ref()))
                .collect::<Result<_, _>>()
                .map_err(|e| corrupt(n, "receipt", e))?
        } else {
            Vec::new()
        };
        Ok(Some(Self { hash: header.hash_slow(), header, raw, txs, senders: None, receipts }))
    }

    /// Loads the senders the store kept for this block, for the reads that show `from` (the
    /// others, logs and fee reads, skip the lookup).
    pub fn with_senders(mut self, store: &Store) -> Result<Self, StoreError> {
        self.senders =
            store.block_senders(self.header.number)?.filter(|s| s.len() == self.raw.len());
        Ok(self)
    }

    /// The txs' hashes, in order.
    pub fn tx_hashes(&self) -> Vec<B256> {
        self.txs.iter().map(|t| *t.tx_hash()).collect()
    }

    /// Tx `index` with its sender.
    pub fn recovered(&self, index: usize) -> Result<Recovered<T>, StoreError> {
        let tx = &self.txs[index];
        let from = match self.senders.as_ref().and_then(|s| s.get(index)) {
            Some(from) => *from,
            None => tx.recover_signer().map_err(|e| corrupt(self.header.number, "signer", e))?,
        };
        Ok(Recovered::new_unchecked(tx.clone(), from))
    }

    /// Where tx `index` sits.
    pub fn info(&self, index: usize) -> TransactionInfo {
        TransactionInfo {
            hash: Some(*self.txs[index].tx_hash()),
            index: Some(index as u64),
            block_hash: Some(self.hash),
            block_number: Some(self.header.number),
            base_fee: self.header.base_fee_per_gas,
            block_timestamp: Some(self.header.timestamp),
        }
    }

    /// The block in its RPC shape, with full txs or hashes.
    pub fn rpc_block<C: EthChain<Tx = T, Receipt = R>>(
        &self,
        chain: &C,
        full: bool,
    ) -> Result<RpcBlock<C::RpcTx>, StoreError> {
        let transactions = if full {
            BlockTransactions::Full(
                (0..self.txs.len())
                    .map(|i| Ok(chain.rpc_transaction(self, i, self.recovered(i)?)))
                    .collect::<Result<_, StoreError>>()?,
            )
        } else {
            BlockTransactions::Hashes(self.tx_hashes())
        };
        let body_len: usize = self.txs.iter().map(Encodable::length).sum();
        let withdrawals = self.header.withdrawals_root.map(|_| Default::default());
        let size = self.header.length()
            + alloy_rlp::length_of_length(body_len)
            + body_len
            + 1
            + usize::from(withdrawals.is_some());
        let size = size + alloy_rlp::length_of_length(size);
        Ok(Block {
            header: alloy_rpc_types_eth::Header {
                hash: self.hash,
                inner: self.header.clone(),
                total_difficulty: Some(U256::ZERO),
                size: Some(U256::from(size)),
            },
            uncles: Vec::new(),
            transactions,
            withdrawals,
        })
    }

    /// The receipt fields every chain shares, for all txs or only the one at `only`: the
    /// index, the tx with its sender, and a receipt whose `inner` is its logs in RPC form
    /// (the chain wraps them in its own receipt type).
    pub fn receipt_parts(&self, only: Option<usize>) -> Result<Vec<ReceiptParts<T>>, StoreError> {
        let hashes = self.tx_hashes();
        let mut logs = logs_of(&self.header, self.hash, &hashes, &self.receipts, None, false);
        let base_fee = self.header.base_fee_per_gas.unwrap_or_default();
        let mut previous = 0u64;
        let mut out = Vec::with_capacity(if only.is_some() { 1 } else { self.receipts.len() });
        for (i, receipt) in self.receipts.iter().enumerate() {
            // Positions (gas used, log indexes) depend on the receipts before this one.
            let cumulative = receipt.cumulative_gas_used();
            let gas_used = cumulative - previous;
            previous = cumulative;
            let own_logs: Vec<Log> = logs.drain(..receipt.logs().len()).collect();
            if only.is_some_and(|o| o != i) {
                continue;
            }
            let tx = self.recovered(i)?;
            let effective_gas_price =
                tx.effective_tip_per_gas(base_fee).unwrap_or_default() + u128::from(base_fee);
            let contract_address = match tx.kind() {
                TxKind::Create => Some(tx.signer().create(tx.nonce())),
                TxKind::Call(_) => None,
            };
            let receipt = TransactionReceipt {
                inner: own_logs,
                transaction_hash: hashes[i],
                transaction_index: Some(i as u64),
                block_hash: Some(self.hash),
                block_number: Some(self.header.number),
                gas_used,
                effective_gas_price,
                blob_gas_used: None,
                blob_gas_price: None,
                from: tx.signer(),
                to: tx.to(),
                contract_address,
            };
            out.push(ReceiptParts { index: i, tx, receipt });
        }
        Ok(out)
    }
}

/// One receipt's shared fields (see [`StoredBlock::receipt_parts`]).
#[derive(Debug)]
pub struct ReceiptParts<T> {
    /// The tx's index in its block.
    pub index: usize,
    /// The tx with its sender.
    pub tx: Recovered<T>,
    /// The receipt, its `inner` being the tx's logs.
    pub receipt: TransactionReceipt<Vec<Log>>,
}
