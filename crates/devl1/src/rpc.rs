//! The dev L1 as an [`EthChain`], so lamina-engine's `eth_` methods serve it: plain Ethereum
//! txs (blob txs included) and receipts (with blob gas), Ethereum's fee rules, calls on the
//! Prague EVM. `methods` is the module a server (`lamina_engine::rpc::serve`) takes.

use alloy_consensus::{
    Header, ReceiptEnvelope, Transaction as _, TxEnvelope, transaction::Recovered,
};
use alloy_primitives::{Address, B256, Bytes};
use alloy_rpc_types_eth::{Log, Transaction, TransactionReceipt};
use jsonrpsee::RpcModule;
use lamina_engine::{
    Store, StoreError,
    rpc::{
        error::{internal, server},
        eth::{EthChain, RpcResult, StoredBlock},
    },
};
use lamina_evm::{CallOutcome, CallRequest, ExecError, eth};
use revm::Database;

use super::{DevL1, DevL1Error};

type L1Block = StoredBlock<TxEnvelope, ReceiptEnvelope>;

impl DevL1 {
    /// The JSON-RPC methods on this chain, for cast, viem and `RpcL1`: the standard `eth_`,
    /// `net_` and `web3_` ones, plus anvil's `evm_mine` (optionally at a timestamp).
    pub fn rpc_methods(&self) -> RpcModule<Self> {
        let mut m = lamina_engine::rpc::eth::methods(self.clone());
        m.register_blocking_method("evm_mine", |p, l1, _| -> RpcResult<&'static str> {
            let at: Option<alloy_primitives::U64> = p.sequence().optional_next()?;
            let mined = match at {
                Some(ts) => l1.mine_at(ts.to()),
                None => l1.mine(),
            };
            mined.map(|_| "0x0").map_err(internal)
        })
        .unwrap_or_else(|e| unreachable!("method names are unique: {e}"));
        m
    }
}

impl EthChain for DevL1 {
    type Tx = TxEnvelope;
    type Receipt = ReceiptEnvelope;
    type RpcTx = Transaction;
    type RpcReceipt = TransactionReceipt;

    const BLOBS: bool = true;

    fn store(&self) -> &Store {
        Self::store(self)
    }

    fn chain_id(&self) -> u64 {
        self.config().chain_id
    }

    fn next_base_fee(&self, parent: &Header) -> RpcResult<u64> {
        Ok(eth::next_base_fee(parent))
    }

    fn blob_base_fees(&self, header: &Header) -> (u128, u128) {
        (eth::blob_base_fee(header), eth::next_blob_base_fee(header))
    }

    fn send_raw_transaction(&self, raw: &Bytes) -> RpcResult<B256> {
        Self::send_raw_transaction(self, raw).map_err(|e| match e {
            DevL1Error::Io(_) | DevL1Error::Store(_) | DevL1Error::Exec(_) => internal(e),
            refused => server(refused.to_string()),
        })
    }

    fn pending_nonce(&self, who: &Address) -> Option<u64> {
        Self::pending_nonce(self, who)
    }

    fn pooled_transaction(&self, hash: &B256) -> Option<Transaction> {
        self.pending_transaction(hash).map(|t| Transaction::from_transaction(t, Default::default()))
    }

    fn pooled_raw(&self, hash: &B256) -> Option<Bytes> {
        self.pending_transaction(hash)
            .map(|t| alloy_eips::eip2718::Encodable2718::encoded_2718(t.inner()).into())
    }

    fn rpc_transaction(
        &self,
        block: &L1Block,
        index: usize,
        tx: Recovered<TxEnvelope>,
    ) -> Transaction {
        Transaction::from_transaction(tx, block.info(index))
    }

    fn rpc_receipts(
        &self,
        block: &L1Block,
        only: Option<usize>,
    ) -> Result<Vec<TransactionReceipt>, StoreError> {
        let blob_price = eth::blob_base_fee(&block.header);
        Ok(block
            .receipt_parts(only)?
            .into_iter()
            .map(|p| {
                let stored = &block.receipts[p.index];
                let blob_gas_used = p.tx.blob_gas_used();
                let mut receipt = p.receipt.map_inner(|logs| {
                    let mut logs = logs.into_iter();
                    // Same logs, now with their block positions.
                    stored.clone().map_logs(|inner| {
                        logs.next().unwrap_or(Log { inner, ..Default::default() })
                    })
                });
                receipt.blob_gas_used = blob_gas_used;
                receipt.blob_gas_price = blob_gas_used.map(|_| blob_price);
                receipt
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
}
