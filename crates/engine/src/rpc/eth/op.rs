//! The L2's shapes: [`EthChain`] for the engine. Deposit txs (type `0x7e`, `sourceHash`,
//! `mint`, `isSystemTx`, `depositNonce`, `depositReceiptVersion`) and receipts carrying the L1
//! fee and its inputs, read from the block's L1-info deposit; calls run on op-revm.

use alloy_consensus::{Header, ReceiptWithBloom, Transaction as _, transaction::Recovered};
use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_rpc_types_eth::Log;
use lamina_evm::{CallOutcome, CallRequest, ExecError, header::next_base_fee};
use lamina_protocol::l1_info::L1BlockInfoTx;
use op_alloy_consensus::{
    OpDepositReceipt, OpReceipt, OpReceiptEnvelope, OpTxEnvelope,
    transaction::{OpDepositInfo, OpTransactionInfo},
};
use op_alloy_rpc_types::{L1BlockInfo, OpTransactionReceipt, Transaction};
use revm::Database;

use super::{EthChain, RpcResult, StoredBlock};
use crate::{
    rpc::error::{pool, server},
    service::EngineHandle,
    store::{Store, StoreError},
};

/// An L2 block read back.
pub(crate) type OpBlock = StoredBlock<OpTxEnvelope, OpReceiptEnvelope>;

impl EthChain for EngineHandle {
    type Tx = OpTxEnvelope;
    type Receipt = OpReceiptEnvelope;
    type RpcTx = Transaction;
    type RpcReceipt = OpTransactionReceipt;

    const BLOBS: bool = false;

    fn store(&self) -> &Store {
        Self::store(self)
    }

    fn chain_id(&self) -> u64 {
        self.rollup().l2_chain_id
    }

    fn next_base_fee(&self, parent: &Header) -> RpcResult<u64> {
        next_base_fee(self.builder().forks(), &self.rollup().chain_op_config(), parent)
            .map_err(|e| server(e.to_string()))
    }

    fn blob_base_fees(&self, _: &Header) -> (u128, u128) {
        // No blobs on L2; op-geth reports the minimum.
        (1, 1)
    }

    fn send_raw_transaction(&self, raw: &Bytes) -> RpcResult<B256> {
        Self::send_raw_transaction(self, raw).map_err(pool)
    }

    fn pending_nonce(&self, who: &Address) -> Option<u64> {
        self.with_pool(|p| p.pending_nonce(who))
    }

    fn pooled_transaction(&self, hash: &B256) -> Option<Transaction> {
        self.with_pool(|p| p.get(hash)).map(|t| {
            Transaction::from_transaction(
                Recovered::new_unchecked(t.tx.clone(), t.sender),
                Default::default(),
            )
        })
    }

    fn pooled_raw(&self, hash: &B256) -> Option<Bytes> {
        self.with_pool(|p| p.get(hash))
            .map(|t| alloy_eips::eip2718::Encodable2718::encoded_2718(&t.tx).into())
    }

    fn rpc_transaction(
        &self,
        block: &OpBlock,
        index: usize,
        tx: Recovered<OpTxEnvelope>,
    ) -> Transaction {
        let deposit = block.receipts.get(index).and_then(|r| match r {
            OpReceiptEnvelope::Deposit(d) => Some(OpDepositInfo {
                deposit_nonce: d.receipt.deposit_nonce,
                deposit_receipt_version: d.receipt.deposit_receipt_version,
            }),
            _ => None,
        });
        let info = OpTransactionInfo::new(block.info(index), deposit.unwrap_or_default());
        Transaction::from_transaction(tx, info)
    }

    fn rpc_receipts(
        &self,
        block: &OpBlock,
        only: Option<usize>,
    ) -> Result<Vec<OpTransactionReceipt>, StoreError> {
        let mut l1 = l1_fees(block);
        let spec = self.builder().forks().spec_id(block.header.timestamp);
        let parts = block.receipt_parts(only)?;
        Ok(parts
            .into_iter()
            .map(|p| {
                let deposit = p.tx.is_deposit();
                let l1_block_info = match (&mut l1, deposit) {
                    (Some((info, params)), false) => {
                        receipt_l1_info(info, params, &block.raw[p.index], spec)
                    }
                    _ => L1BlockInfo::default(),
                };
                let stored = &block.receipts[p.index];
                let bloom = *stored.logs_bloom();
                let mut inner = p.receipt.map_inner(|logs| ReceiptWithBloom {
                    receipt: map_receipt(stored, logs),
                    logs_bloom: bloom,
                });
                if deposit {
                    // Deposits buy no gas.
                    inner.effective_gas_price = 0;
                }
                OpTransactionReceipt { inner, l1_block_info, op_gas_refund: None }
            })
            .collect())
    }

    fn simulate<DB: Database + std::fmt::Debug>(
        &self,
        header: &Header,
        db: DB,
        req: &CallRequest,
        gas_cap: u64,
        stop: &dyn Fn() -> bool,
    ) -> Result<CallOutcome, ExecError> {
        self.builder().simulate(header, db, req, gas_cap, stop)
    }

    fn syncing(&self) -> Option<alloy_rpc_types_eth::SyncInfo> {
        self.sync_progress()
    }
}

/// The L1 fee parameters of a block, from its L1-info deposit.
fn l1_fees(block: &OpBlock) -> Option<(L1BlockInfoTx, op_revm::L1BlockInfo)> {
    let first = block.txs.first()?;
    if !first.is_deposit() {
        return None;
    }
    let info = L1BlockInfoTx::decode_calldata(first.input()).ok()?;
    Some((info, fee_params(&info)))
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
