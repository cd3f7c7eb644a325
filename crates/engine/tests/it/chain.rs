//! A small chain driver for tests: a store, a block builder and helpers to make txs.

use std::collections::BTreeMap;

use alloy_consensus::{Header, SignableTransaction, TxEip1559};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, B256, Bytes, FixedBytes, TxKind, U256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use lamina_engine::{GenesisAccount, Store, store::StoreOptions};
use lamina_evm::{BlockAttributes, ExecutedBlock, OpBlockBuilder, mem::MemoryState};
use lamina_protocol::{
    Hardfork, HardforkSchedule, RollupConfig,
    l1_info::{L1BlockInfoTx, L1OriginFields},
    predeploys::SEQUENCER_FEE_VAULT,
};
use op_alloy_consensus::OpTxEnvelope;
use revm::database::WrapDatabaseRef;

pub(crate) const CHAIN_ID: u64 = 901;
pub(crate) const ETH: u128 = 1_000_000_000_000_000_000;

/// `SSTORE(calldata[0..32], calldata[32..64])`.
pub(crate) const STORE_CODE: &[u8] = &[0x60, 0x20, 0x35, 0x60, 0x00, 0x35, 0x55, 0x00];
/// `SELFDESTRUCT(CALLER)`.
pub(crate) const DESTRUCT_CODE: &[u8] = &[0x33, 0xff];

/// A geth-format genesis JSON of the dev chain (every fork through Isthmus at 0) funding
/// `funded` with 1000 ETH each.
pub(crate) fn genesis_json(funded: &[Address]) -> String {
    let alloc: Vec<String> = funded
        .iter()
        .map(|a| format!(r#""{a:x}": {{ "balance": "0x3635c9adc5dea00000" }}"#))
        .collect();
    let alloc = alloc.join(", ");
    format!(
        r#"{{
  "config": {{
    "chainId": {CHAIN_ID}, "homesteadBlock": 0, "eip150Block": 0, "eip155Block": 0, "eip158Block": 0,
    "byzantiumBlock": 0, "constantinopleBlock": 0, "petersburgBlock": 0, "istanbulBlock": 0,
    "berlinBlock": 0, "londonBlock": 0, "mergeNetsplitBlock": 0, "terminalTotalDifficulty": 0,
    "shanghaiTime": 0, "cancunTime": 0, "pragueTime": 0, "bedrockBlock": 0, "regolithTime": 0,
    "canyonTime": 0, "ecotoneTime": 0, "fjordTime": 0, "graniteTime": 0, "holoceneTime": 0, "isthmusTime": 0,
    "optimism": {{ "eip1559Elasticity": 6, "eip1559Denominator": 50, "eip1559DenominatorCanyon": 250 }}
  }},
  "nonce": "0x0", "timestamp": "0x3e8", "extraData": "0x", "gasLimit": "0x1c9c380",
  "difficulty": "0x0", "mixHash": "0x0000000000000000000000000000000000000000000000000000000000000000",
  "coinbase": "0x4200000000000000000000000000000000000011", "baseFeePerGas": "0x3b9aca00",
  "alloc": {{ {alloc} }}
}}"#
    )
}

pub(crate) fn config(hardforks: HardforkSchedule) -> RollupConfig {
    RollupConfig { hardforks, ..RollupConfig::dev() }
}

/// A signed EIP-1559 tx (fee cap 100 gwei, tip 1 gwei).
pub(crate) fn signed_tx(
    from: &PrivateKeySigner,
    nonce: u64,
    to: TxKind,
    value: u128,
    input: Bytes,
    gas: u64,
) -> Bytes {
    let tx = TxEip1559 {
        chain_id: CHAIN_ID,
        nonce,
        gas_limit: gas,
        max_fee_per_gas: 100_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to,
        value: U256::from(value),
        input,
        ..Default::default()
    };
    let sig = from.sign_hash_sync(&tx.signature_hash()).unwrap();
    OpTxEnvelope::Eip1559(tx.into_signed(sig)).encoded_2718().into()
}

pub(crate) fn key(i: u8) -> PrivateKeySigner {
    PrivateKeySigner::from_bytes(&B256::repeat_byte(i + 1)).unwrap()
}

/// A store-backed chain, with an in-memory model kept alongside as the reference.
pub(crate) struct Chain {
    pub(crate) cfg: RollupConfig,
    pub(crate) builder: OpBlockBuilder,
    pub(crate) store: Store,
    pub(crate) model: MemoryState,
    pub(crate) head: Header,
    pub(crate) head_hash: B256,
    pub(crate) nonces: BTreeMap<Address, u64>,
}

impl Chain {
    pub(crate) fn new(
        path: &std::path::Path,
        cfg: RollupConfig,
        alloc: BTreeMap<Address, GenesisAccount>,
    ) -> Self {
        Self::with_options(path, cfg, alloc, StoreOptions::default())
    }

    pub(crate) fn with_options(
        path: &std::path::Path,
        cfg: RollupConfig,
        alloc: BTreeMap<Address, GenesisAccount>,
        options: StoreOptions,
    ) -> Self {
        let store = Store::open_with(path, options).unwrap();
        let genesis = Header {
            timestamp: 1_000,
            gas_limit: 30_000_000,
            base_fee_per_gas: Some(1_000_000_000),
            ..Default::default()
        };
        let genesis = store.init_genesis(genesis, &alloc).unwrap();
        let mut model = MemoryState::default();
        for (a, acc) in &alloc {
            if acc.code.is_empty() {
                model.fund(*a, acc.balance);
            } else {
                model.set_code(*a, acc.code.clone(), acc.storage.clone());
                model.fund(*a, acc.balance);
            }
        }
        assert_eq!(model.state_root(), genesis.state_root, "genesis roots agree");
        let head_hash = genesis.hash_slow();
        Self {
            builder: OpBlockBuilder::new(cfg.clone()),
            cfg,
            store,
            model,
            head: genesis,
            head_hash,
            nonces: BTreeMap::new(),
        }
    }

    /// Continues the chain in an existing store (after a restart or a crash); the model is not
    /// rebuilt, so it is only meaningful for chains created in this process.
    pub(crate) fn resume_with(
        path: &std::path::Path,
        cfg: RollupConfig,
        options: StoreOptions,
    ) -> Option<Self> {
        let store = Store::open_with(path, options).unwrap();
        let (n, head_hash) = store.head().unwrap()?;
        let head = store.header(n).unwrap().unwrap();
        let mut nonces = BTreeMap::new();
        let view = store.state().unwrap();
        for i in 0..4 {
            let a = key(i).address();
            if let Some(r) = view.account(&a).unwrap() {
                nonces.insert(a, r.nonce);
            }
        }
        drop(view);
        Some(Self {
            builder: OpBlockBuilder::new(cfg.clone()),
            cfg,
            store,
            model: MemoryState::default(),
            head,
            head_hash,
            nonces,
        })
    }

    /// Rewinds the store to block `n` and continues from there; the model is left behind, so
    /// only the store's own checks apply afterwards.
    pub(crate) fn rewind(&mut self, n: u64) {
        self.store.rewind_to(n).unwrap();
        let (head, hash) = self.store.head().unwrap().unwrap();
        assert_eq!(head, n);
        self.head = self.store.header(n).unwrap().unwrap();
        self.head_hash = hash;
        let view = self.store.state().unwrap();
        self.nonces.clear();
        for i in 0..4 {
            let a = key(i).address();
            if let Some(r) = view.account(&a).unwrap() {
                self.nonces.insert(a, r.nonce);
            }
        }
    }

    /// Reopens an existing store (after a restart or a crash).
    pub(crate) fn reopen(path: &std::path::Path) -> (Store, Header, B256) {
        let store = Store::open(path).unwrap();
        let (n, hash) = store.head().unwrap().unwrap();
        let header = store.header(n).unwrap().unwrap();
        (store, header, hash)
    }

    pub(crate) fn tx(
        &mut self,
        from: &PrivateKeySigner,
        to: TxKind,
        value: u128,
        input: Bytes,
        gas: u64,
    ) -> Bytes {
        let nonce = self.nonces.entry(from.address()).or_default();
        *nonce += 1;
        signed_tx(from, *nonce - 1, to, value, input, gas)
    }

    /// Builds a block of `txs` (after the L1-info deposit) on the head, commits it to the store
    /// and applies it to the model.
    pub(crate) fn produce(&mut self, txs: Vec<Bytes>) -> ExecutedBlock {
        self.produce_with_l1_base_fee(txs, U256::ZERO)
    }

    /// [`Self::produce`] on an L1 origin with base fee `l1_base_fee` (so L1 data fees apply).
    pub(crate) fn produce_with_l1_base_fee(
        &mut self,
        txs: Vec<Bytes>,
        l1_base_fee: U256,
    ) -> ExecutedBlock {
        let ts = self.head.timestamp + 2;
        let origin = L1OriginFields {
            number: 1,
            timestamp: ts - 4,
            hash: B256::repeat_byte(1),
            base_fee: l1_base_fee,
            ..Default::default()
        };
        let info = L1BlockInfoTx::build(&self.cfg, &self.cfg.genesis.system_config, &origin, 0, ts)
            .unwrap();
        let mut all = vec![Bytes::from(info.to_deposit_tx(&self.cfg, ts).encoded_2718())];
        all.extend(txs);
        let forks = self.builder.forks();
        let attrs = BlockAttributes {
            timestamp: ts,
            prev_randao: B256::repeat_byte(2),
            suggested_fee_recipient: SEQUENCER_FEE_VAULT,
            parent_beacon_block_root: forks.is_active(Hardfork::Ecotone, ts).then_some(B256::ZERO),
            gas_limit: 30_000_000,
            eip1559_params: forks.is_active(Hardfork::Holocene, ts).then_some(FixedBytes::ZERO),
            transactions: all,
            no_tx_pool: true,
        };
        let view = self.store.state().unwrap();
        let block = self
            .builder
            .build(&self.head, self.head_hash, &attrs, WrapDatabaseRef(&view), &view)
            .unwrap();
        let update = view.take_update(&block.bundle, block.header.state_root).unwrap();
        drop(view);
        self.store.commit_block(&block, &update).unwrap();
        self.model.apply(&block.bundle);
        self.head = block.header.clone();
        self.head_hash = block.hash;
        block
    }
}
