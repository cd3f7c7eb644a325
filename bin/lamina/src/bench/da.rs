//! `lamina bench dev`'s data-availability figures: what the batcher spends on L1 per L2 tx for
//! ETH transfers, ERC-20 transfers and a mixed load, posting as calldata and as blobs. Bytes
//! are the batcher data on L1 (calldata, or the data inside the blobs); gas and blob gas are
//! what the batcher's L1 txs used (prices vary, these do not).

use std::time::{Duration, Instant};

use alloy_consensus::Transaction as _;
use alloy_eips::BlockNumberOrTag;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, keccak256};
use alloy_signer_local::PrivateKeySigner;
use lamina_devl1::{DEV_ACCOUNTS, DevL1};
use lamina_l1::{chain::L1Chain, contracts::Artifact};
use lamina_node::{EngineHandle, dev_stack::DevStack};

use super::{
    dev::{included, wait},
    rpc::signed_tx,
};

/// The kinds of L2 traffic measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Load {
    /// ETH to a different address each time.
    Eth,
    /// ETH among 100 addresses, as payments to exchanges and popular accounts repeat.
    EthRepeat,
    /// `transfer` of a token to a different address each time.
    Erc20,
    /// ETH transfers, token transfers and token approvals in turn.
    Mixed,
}

impl Load {
    pub(super) const ALL: [Self; 4] = [Self::Eth, Self::EthRepeat, Self::Erc20, Self::Mixed];

    pub(super) const fn name(self) -> &'static str {
        match self {
            Self::Eth => "ETH transfers",
            Self::EthRepeat => "ETH transfers among 100 addresses",
            Self::Erc20 => "ERC-20 transfers",
            Self::Mixed => "mixed (ETH, ERC-20 transfer, approve)",
        }
    }
}

/// What the batcher spent on L1 for one load.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Spent {
    pub(super) txs: u64,
    pub(super) bytes: u64,
    pub(super) l1_txs: u64,
    pub(super) blobs: u64,
    /// L1 gas the batcher txs used.
    pub(super) gas: u64,
    /// Blob gas they used.
    pub(super) blob_gas: u64,
}

/// Senders (dev accounts 7 to 9), their next nonces and their tokens.
pub(super) struct Traffic {
    chain_id: u64,
    senders: Vec<(PrivateKeySigner, u64)>,
    tokens: Vec<Address>,
    sent: u64,
}

const TOKEN_SUPPLY: u64 = 1_000_000_000;

/// `f(address,uint256)` calldata.
fn call(selector: [u8; 4], to: Address, amount: U256) -> Vec<u8> {
    let mut data = selector.to_vec();
    data.extend_from_slice(B256::left_padding_from(to.as_slice()).as_slice());
    data.extend_from_slice(&amount.to_be_bytes::<32>());
    data
}

/// A fresh recipient for tx `i`: real traffic rarely repeats addresses.
fn recipient(i: u64) -> Address {
    Address::from_slice(&keccak256(i.to_be_bytes())[12..])
}

/// Sends `raw` to the sequencer, waiting while the sender's pool slots are full.
async fn submit(seq: &EngineHandle, raw: &Bytes) -> eyre::Result<()> {
    let start = Instant::now();
    while let Err(e) = seq.send_raw_transaction(raw) {
        eyre::ensure!(start.elapsed() < Duration::from_secs(120), "pool never took a tx: {e}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

impl Traffic {
    /// Deploys one token per sender and waits until the deployments are in a block.
    pub(super) async fn new(stack: &DevStack) -> eyre::Result<Self> {
        let chain_id = stack.deployment.rollup.l2_chain_id;
        let seq = &stack.sequencer.engine.handle;
        let json = include_str!("../../../../contracts/artifacts/DevToken.json");
        let token = Artifact::from_json("DevToken", json)
            .ok_or_else(|| eyre::eyre!("DevToken artifact unreadable"))?;
        let mut init = token.bytecode.to_vec();
        init.extend_from_slice(&U256::from(TOKEN_SUPPLY).to_be_bytes::<32>());
        let mut senders = Vec::new();
        let mut tokens = Vec::new();
        let mut last = B256::ZERO;
        for (_, secret) in &DEV_ACCOUNTS[7..10] {
            let key = PrivateKeySigner::from_bytes(secret)?;
            tokens.push(key.address().create(0));
            let raw =
                signed_tx(chain_id, &key, 0, TxKind::Create, U256::ZERO, init.clone(), 1_000_000)?;
            last = keccak256(&raw);
            submit(seq, &raw).await?;
            senders.push((key, 1));
        }
        wait_included(seq, last).await?;
        Ok(Self { chain_id, senders, tokens, sent: 0 })
    }

    /// Sends `count` txs of `load` and returns the block holding the last.
    pub(super) async fn send(
        &mut self,
        seq: &EngineHandle,
        load: Load,
        count: u64,
    ) -> eyre::Result<u64> {
        let mut last = B256::ZERO;
        for i in 0..count {
            let s = (i % self.senders.len() as u64) as usize;
            let n = self.sent;
            self.sent += 1;
            let kind = match load {
                Load::Eth | Load::EthRepeat => 0,
                Load::Erc20 => 1,
                Load::Mixed => i % 3,
            };
            let to = if load == Load::EthRepeat { recipient(n % 100) } else { recipient(n) };
            let amount = U256::from(1 + n % 10_000);
            let (dest, value, input, gas) = match kind {
                0 => (TxKind::Call(to), amount, Vec::new(), 21_000),
                1 => (TxKind::Call(self.tokens[s]), U256::ZERO, call(TRANSFER, to, amount), 60_000),
                _ => (TxKind::Call(self.tokens[s]), U256::ZERO, call(APPROVE, to, amount), 60_000),
            };
            let (key, nonce) = &mut self.senders[s];
            let raw = signed_tx(self.chain_id, key, *nonce, dest, value, input, gas)?;
            *nonce += 1;
            last = keccak256(&raw);
            submit(seq, &raw).await?;
        }
        wait_included(seq, last).await
    }
}

/// Waits until `tx` is in a block of `seq`; returns the block.
async fn wait_included(seq: &EngineHandle, tx: B256) -> eyre::Result<u64> {
    let mut block = None;
    wait(
        || {
            block = included(seq, &tx)?;
            Ok(block.is_some())
        },
        "inclusion",
    )
    .await?;
    block.ok_or_else(|| eyre::eyre!("{tx} not included"))
}

const TRANSFER: [u8; 4] = [0xa9, 0x05, 0x9c, 0xbb];
const APPROVE: [u8; 4] = [0x09, 0x5e, 0xa7, 0xb3];

/// The batcher's data and fees in L1 blocks `from..=to`.
pub(super) async fn spent(
    l1: &DevL1,
    inbox: Address,
    from: u64,
    to: u64,
    txs: u64,
) -> eyre::Result<Spent> {
    let mut s = Spent { txs, ..Spent::default() };
    for n in from..=to {
        let Some(h) = l1.header(BlockNumberOrTag::Number(n)).await? else { continue };
        for tx in l1.transactions(h.hash()).await?.unwrap_or_default() {
            if tx.to() != Some(inbox) {
                continue;
            }
            s.l1_txs += 1;
            match tx.blob_versioned_hashes() {
                Some(hashes) if !hashes.is_empty() => {
                    s.blobs += hashes.len() as u64;
                    for blob in l1.blobs(&h, hashes).await? {
                        s.bytes +=
                            lamina_protocol::blob::decode_blob(blob.as_slice())?.len() as u64;
                    }
                }
                _ => s.bytes += tx.input().len() as u64,
            }
            if let Some(r) = l1.receipt(*tx.tx_hash()).await? {
                s.gas += r.gas_used;
                s.blob_gas += r.blob_gas_used.unwrap_or_default();
            }
        }
    }
    Ok(s)
}
