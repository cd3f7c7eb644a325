//! Stored blocks, txs and receipts in their JSON-RPC shapes, with the OP fields: deposit txs
//! (type `0x7e`, `sourceHash`, `mint`, `isSystemTx`, `depositNonce`, `depositReceiptVersion`)
//! and receipts carrying the L1 fee and its inputs, read from the block's L1-info deposit.

use alloy_consensus::{
    Header, ReceiptWithBloom, Transaction as _,
    transaction::{Recovered, SignerRecoverable, TransactionInfo},
};
use alloy_eips::eip2718::Decodable2718;
use alloy_primitives::{B256, Bytes, TxKind, U256};
use alloy_rlp::Encodable;
use alloy_rpc_types_eth::{Block, BlockTransactions, Log, TransactionReceipt};
use lamina_evm::OpForks;
use lamina_protocol::l1_info::L1BlockInfoTx;
use op_alloy_consensus::{
    OpDepositReceipt, OpReceipt, OpReceiptEnvelope, OpTxEnvelope,
    transaction::{OpDepositInfo, OpTransactionInfo},
};
use op_alloy_rpc_types::{L1BlockInfo, OpTransactionReceipt, Transaction};

use super::logs::logs_of;
use crate::store::{Store, StoreError};

/// A block as `eth_getBlockBy*` returns it.
pub(crate) type RpcBlock = Block<Transaction, alloy_rpc_types_eth::Header>;

/// A canonical block read back with everything the RPC shapes need.
#[derive(Debug)]
pub(crate) struct StoredBlock {
    pub(crate) header: Header,
    pub(crate) hash: B256,
    pub(crate) raw: Vec<Bytes>,
    /// Decoded, senders not recovered: only the shapes that show `from` pay for recovery.
    pub(crate) txs: Vec<OpTxEnvelope>,
    pub(crate) receipts: Vec<OpReceiptEnvelope>,
}

fn corrupt(n: u64, what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("block {n} {what}: {e}"))
}

impl StoredBlock {
    /// Reads canonical block `n` (`None` past the head).
    pub(crate) fn read(store: &Store, n: u64, receipts: bool) -> Result<Option<Self>, StoreError> {
        let Some(header) = store.header(n)? else { return Ok(None) };
        let raw = store.block_transactions(n)?.unwrap_or_default();
        let txs = raw
            .iter()
            .map(|r| OpTxEnvelope::decode_2718(&mut r.as_ref()))
            .collect::<Result<_, _>>()
            .map_err(|e| corrupt(n, "tx", e))?;
        let receipts = if receipts {
            store
                .block_receipts(n)?
                .unwrap_or_default()
                .iter()
                .map(|r| OpReceiptEnvelope::decode_2718(&mut r.as_ref()))
                .collect::<Result<_, _>>()
                .map_err(|e| corrupt(n, "receipt", e))?
        } else {
            Vec::new()
        };
        Ok(Some(Self { hash: header.hash_slow(), header, raw, txs, receipts }))
    }

    /// The txs' hashes, in order.
    pub(crate) fn tx_hashes(&self) -> Vec<B256> {
        self.txs.iter().map(OpTxEnvelope::tx_hash).collect()
    }

    /// Tx `index` with its sender.
    fn recovered(&self, index: usize) -> Result<Recovered<OpTxEnvelope>, StoreError> {
        let tx = &self.txs[index];
        let from = tx.recover_signer().map_err(|e| corrupt(self.header.number, "signer", e))?;
        Ok(Recovered::new_unchecked(tx.clone(), from))
    }

    fn info(&self, index: usize) -> OpTransactionInfo {
        let deposit = self.receipts.get(index).and_then(|r| match r {
            OpReceiptEnvelope::Deposit(d) => Some(OpDepositInfo {
                deposit_nonce: d.receipt.deposit_nonce,
                deposit_receipt_version: d.receipt.deposit_receipt_version,
            }),
            _ => None,
        });
        OpTransactionInfo::new(
            TransactionInfo {
                hash: Some(self.txs[index].tx_hash()),
                index: Some(index as u64),
                block_hash: Some(self.hash),
                block_number: Some(self.header.number),
                base_fee: self.header.base_fee_per_gas,
                block_timestamp: Some(self.header.timestamp),
            },
            deposit.unwrap_or_default(),
        )
    }

    /// Tx `index` in its RPC shape (receipts must have been read for deposit nonces).
    pub(crate) fn transaction(&self, index: usize) -> Result<Transaction, StoreError> {
        Ok(Transaction::from_transaction(self.recovered(index)?, self.info(index)))
    }

    /// The block in its RPC shape, with full txs or hashes.
    pub(crate) fn rpc_block(&self, full: bool) -> Result<RpcBlock, StoreError> {
        let transactions = if full {
            BlockTransactions::Full(
                (0..self.txs.len()).map(|i| self.transaction(i)).collect::<Result<_, _>>()?,
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

    /// The L1 fee parameters of this block, from its L1-info deposit.
    fn l1_fees(&self) -> Option<(L1BlockInfoTx, op_revm::L1BlockInfo)> {
        let first = self.txs.first()?;
        if !first.is_deposit() {
            return None;
        }
        let info = L1BlockInfoTx::decode_calldata(first.input()).ok()?;
        Some((info, fee_params(&info)))
    }

    /// The receipts in their RPC shape: all of them, or only the one at `only`.
    pub(crate) fn rpc_receipts(
        &self,
        forks: &OpForks,
        only: Option<usize>,
    ) -> Result<Vec<OpTransactionReceipt>, StoreError> {
        let mut l1 = self.l1_fees();
        let spec = forks.spec_id(self.header.timestamp);
        let hashes = self.tx_hashes();
        let mut logs = logs_of(&self.header, self.hash, &hashes, &self.receipts, None, false);
        let base_fee = self.header.base_fee_per_gas.unwrap_or_default();
        let mut previous = 0u64;
        let mut out = Vec::with_capacity(self.receipts.len());
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
            let effective_gas_price = if tx.is_deposit() {
                0
            } else {
                tx.effective_tip_per_gas(base_fee).unwrap_or_default() + u128::from(base_fee)
            };
            let contract_address = match tx.kind() {
                TxKind::Create => Some(tx.signer().create(tx.nonce())),
                TxKind::Call(_) => None,
            };
            let l1_block_info = match (&mut l1, tx.is_deposit()) {
                (Some((info, params)), false) => receipt_l1_info(info, params, &self.raw[i], spec),
                _ => L1BlockInfo::default(),
            };
            out.push(OpTransactionReceipt {
                inner: TransactionReceipt {
                    inner: ReceiptWithBloom {
                        receipt: map_receipt(receipt, own_logs),
                        logs_bloom: *receipt.logs_bloom(),
                    },
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
                },
                l1_block_info,
                op_gas_refund: None,
            });
        }
        Ok(out)
    }
}

/// A stored receipt with RPC logs.
fn map_receipt(r: &OpReceiptEnvelope, logs: Vec<Log>) -> OpReceipt<Log> {
    let plain = |status, cumulative_gas_used| alloy_consensus::Receipt {
        status,
        cumulative_gas_used,
        logs,
    };
    match r {
        OpReceiptEnvelope::Legacy(x) => {
            OpReceipt::Legacy(plain(x.receipt.status, x.receipt.cumulative_gas_used))
        }
        OpReceiptEnvelope::Eip2930(x) => {
            OpReceipt::Eip2930(plain(x.receipt.status, x.receipt.cumulative_gas_used))
        }
        OpReceiptEnvelope::Eip1559(x) => {
            OpReceipt::Eip1559(plain(x.receipt.status, x.receipt.cumulative_gas_used))
        }
        OpReceiptEnvelope::Eip7702(x) => {
            OpReceipt::Eip7702(plain(x.receipt.status, x.receipt.cumulative_gas_used))
        }
        OpReceiptEnvelope::PostExec(x) => {
            OpReceipt::PostExec(plain(x.receipt.status, x.receipt.cumulative_gas_used))
        }
        OpReceiptEnvelope::Deposit(x) => OpReceipt::Deposit(OpDepositReceipt {
            inner: plain(x.receipt.inner.status, x.receipt.inner.cumulative_gas_used),
            deposit_nonce: x.receipt.deposit_nonce,
            deposit_receipt_version: x.receipt.deposit_receipt_version,
        }),
    }
}

/// op-revm's fee parameters from an L1-info call.
pub(crate) fn fee_params(info: &L1BlockInfoTx) -> op_revm::L1BlockInfo {
    let mut p = op_revm::L1BlockInfo::default();
    match info {
        L1BlockInfoTx::Bedrock(b) => {
            p.l1_base_fee = b.base_fee;
            p.l1_fee_overhead = Some(b.l1_fee_overhead);
            p.l1_base_fee_scalar = b.l1_fee_scalar;
        }
        L1BlockInfoTx::Ecotone(e) => {
            p.l1_base_fee = e.base_fee;
            p.l1_base_fee_scalar = U256::from(e.base_fee_scalar);
            p.l1_blob_base_fee = Some(e.blob_base_fee);
            p.l1_blob_base_fee_scalar = Some(U256::from(e.blob_base_fee_scalar));
        }
        L1BlockInfoTx::Isthmus(i) => {
            let e = &i.ecotone;
            p.l1_base_fee = e.base_fee;
            p.l1_base_fee_scalar = U256::from(e.base_fee_scalar);
            p.l1_blob_base_fee = Some(e.blob_base_fee);
            p.l1_blob_base_fee_scalar = Some(U256::from(e.blob_base_fee_scalar));
            p.operator_fee_scalar = Some(U256::from(i.operator_fee_scalar));
            p.operator_fee_constant = Some(U256::from(i.operator_fee_constant));
        }
    }
    p
}

fn to_u128(v: U256) -> u128 {
    v.try_into().unwrap_or(u128::MAX)
}

/// A user tx's receipt fields: its L1 fee, L1 gas and the parameters they came from.
fn receipt_l1_info(
    info: &L1BlockInfoTx,
    params: &mut op_revm::L1BlockInfo,
    raw: &[u8],
    spec: op_revm::OpSpecId,
) -> L1BlockInfo {
    let fee = params.calculate_tx_l1_cost(raw, spec);
    let gas = params.data_gas(raw, spec);
    let mut out = L1BlockInfo {
        l1_gas_price: Some(to_u128(params.l1_base_fee)),
        l1_gas_used: Some(to_u128(gas)),
        l1_fee: Some(to_u128(fee)),
        ..Default::default()
    };
    match info {
        L1BlockInfoTx::Bedrock(b) => {
            // Pre-Ecotone the scalar is reported as a decimal (scalar / 1e6).
            out.l1_fee_scalar = Some(to_u128(b.l1_fee_scalar) as f64 / 1e6);
        }
        L1BlockInfoTx::Ecotone(_) | L1BlockInfoTx::Isthmus(_) => {
            out.l1_base_fee_scalar = Some(to_u128(params.l1_base_fee_scalar));
            out.l1_blob_base_fee = params.l1_blob_base_fee.map(to_u128);
            out.l1_blob_base_fee_scalar = params.l1_blob_base_fee_scalar.map(to_u128);
            out.operator_fee_scalar = params.operator_fee_scalar.map(to_u128);
            out.operator_fee_constant = params.operator_fee_constant.map(to_u128);
        }
    }
    out
}
