//! DevL1: mining (instant, prompt and manual), admission refusals that change nothing, safe and
//! finalized depths, reorgs, restarts, and our L1 contracts deployed and used on it.

use alloy_consensus::{ReceiptEnvelope, SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::eip2718::{Decodable2718, Encodable2718};
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, address};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::{SolCall, SolConstructor};
use lamina_devl1::{DevL1, DevL1Config, DevL1Error, DevL1Genesis, MULTICALL3, Mining};
use lamina_l1::contracts::{self, L2OutputOracle, OptimismPortal, ResourceConfig, SystemConfig};
use lamina_protocol::deposit::decode_deposit_log;

const ETH: u64 = 1_000_000_000_000_000_000;
const SINK: Address = address!("000000000000000000000000000000000000d00d");

fn key(i: u8) -> PrivateKeySigner {
    PrivateKeySigner::from_bytes(&B256::repeat_byte(i + 1)).unwrap()
}

struct Tx {
    nonce: u64,
    to: TxKind,
    value: u64,
    input: Bytes,
    gas: u64,
    max_fee: u128,
    tip: u128,
}

impl Tx {
    fn transfer(nonce: u64) -> Self {
        Self {
            nonce,
            to: TxKind::Call(SINK),
            value: 1,
            input: Bytes::new(),
            gas: 21_000,
            max_fee: 10_000_000_000,
            tip: 1_000_000,
        }
    }

    fn sign(self, k: &PrivateKeySigner, chain_id: u64) -> Bytes {
        let tx = TxEip1559 {
            chain_id,
            nonce: self.nonce,
            gas_limit: self.gas,
            max_fee_per_gas: self.max_fee,
            max_priority_fee_per_gas: self.tip,
            to: self.to,
            value: U256::from(self.value),
            input: self.input,
            ..Default::default()
        };
        let sig = k.sign_hash_sync(&tx.signature_hash()).unwrap();
        TxEnvelope::from(tx.into_signed(sig)).encoded_2718().into()
    }
}

fn open(dir: &std::path::Path, mining: Mining) -> DevL1 {
    let config =
        DevL1Config { mining, safe_depth: 2, finalized_depth: 4, ..DevL1Config::default() };
    let accounts: Vec<Address> = (0..3).map(|i| key(i).address()).collect();
    let genesis = DevL1Genesis::funded(1_000, &accounts, U256::from(100) * U256::from(ETH));
    DevL1::open(dir, config, &genesis).unwrap()
}

fn balance(l1: &DevL1, who: Address) -> U256 {
    l1.store().head_account(&who).unwrap().map(|a| a.balance).unwrap_or_default()
}

fn receipts(l1: &DevL1, number: u64) -> Vec<ReceiptEnvelope> {
    let raw = l1.store().block_receipts(number).unwrap().unwrap();
    raw.iter().map(|r| ReceiptEnvelope::decode_2718(&mut r.as_ref()).unwrap()).collect()
}

#[test]
fn instant_mining_puts_each_tx_in_its_own_block() {
    let dir = tempfile::tempdir().unwrap();
    let l1 = open(dir.path(), Mining::Instant);
    for nonce in 0..3 {
        l1.send_raw_transaction(&Tx::transfer(nonce).sign(&key(0), 900)).unwrap();
    }
    let fc = l1.forkchoice().unwrap();
    assert_eq!(fc.head.number, 3);
    assert_eq!(l1.pending_count(), 0);
    assert_eq!(balance(&l1, SINK), U256::from(3));
    for n in 1..=3 {
        let r = receipts(&l1, n);
        assert_eq!(r.len(), 1);
        assert!(r[0].status());
    }
    // Safe and finalized trail the head by 2 and 4 blocks.
    assert_eq!((fc.safe.number, fc.finalized.number), (1, 0));
}

#[test]
fn prompt_mining_never_runs_ahead_of_the_clock() {
    let dir = tempfile::tempdir().unwrap();
    let l1 = open(dir.path(), Mining::Prompt);
    let now =
        || std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let head_time = |l1: &DevL1| {
        let n = l1.forkchoice().unwrap().head.number;
        l1.store().header(n).unwrap().unwrap().timestamp
    };
    // A burst: the first tx gets a block at once (genesis is long past); the rest wait for
    // the clock to pass that block's second instead of taking future timestamps.
    // The burst may straddle a second boundary (a shared CI machine can stall between sends),
    // so the bound is one block per second the burst took, each block's time at most now.
    let start = now();
    for nonce in 0..5 {
        l1.send_raw_transaction(&Tx::transfer(nonce).sign(&key(0), 900)).unwrap();
    }
    let blocks = l1.forkchoice().unwrap().head.number;
    assert!(blocks >= 1, "the first tx mines at once");
    assert!(blocks <= 1 + (now() - start), "{blocks} blocks in a burst of {}s", now() - start);
    assert!(head_time(&l1) <= now());
    let included: usize = (1..=blocks).map(|n| receipts(&l1, n).len()).sum();
    assert_eq!(l1.pending_count(), 5 - included);
    assert!(l1.mine_due(false).unwrap().is_none() || head_time(&l1) <= now());
    // Once the clock moves on, the waiting txs go in one block at the current time.
    while l1.pending_count() > 0 {
        std::thread::sleep(std::time::Duration::from_millis(100));
        l1.mine_due(false).unwrap();
        assert!(head_time(&l1) <= now(), "a block ahead of the clock");
    }
    assert_eq!(balance(&l1, SINK), U256::from(5));
    // No txs: no block unless asked for an empty one.
    std::thread::sleep(std::time::Duration::from_millis(1_100));
    assert!(l1.mine_due(false).unwrap().is_none());
    let before = l1.forkchoice().unwrap().head.number;
    assert!(l1.mine_due(true).unwrap().is_some());
    assert_eq!(l1.forkchoice().unwrap().head.number, before + 1);
}

#[test]
fn manual_mining_orders_by_nonce_and_waits_for_gaps() {
    let dir = tempfile::tempdir().unwrap();
    let l1 = open(dir.path(), Mining::Manual);
    let (a, b) = (key(0), key(1));
    // Sender a: nonces 1 then 0 (out of order), then 3 (a gap at 2). Sender b: nonce 0.
    for raw in [
        Tx::transfer(1).sign(&a, 900),
        Tx::transfer(0).sign(&a, 900),
        Tx::transfer(3).sign(&a, 900),
        Tx::transfer(0).sign(&b, 900),
    ] {
        l1.send_raw_transaction(&raw).unwrap();
    }
    assert_eq!(l1.forkchoice().unwrap().head.number, 0, "manual mode mines nothing by itself");
    let head = l1.mine_at(2_000).unwrap();
    assert_eq!(head.number, 1);
    assert_eq!(l1.store().header(1).unwrap().unwrap().timestamp, 2_000);
    let txs = l1.store().block_transactions(1).unwrap().unwrap();
    let nonces: Vec<(Address, u64)> = txs
        .iter()
        .map(|raw| {
            let tx = TxEnvelope::decode_2718(&mut raw.as_ref()).unwrap();
            use alloy_consensus::{Transaction, transaction::SignerRecoverable};
            (tx.recover_signer().unwrap(), tx.nonce())
        })
        .collect();
    assert_eq!(nonces, vec![(a.address(), 0), (a.address(), 1), (b.address(), 0)]);
    assert_eq!(l1.pending_count(), 1, "nonce 3 waits for nonce 2");
    l1.send_raw_transaction(&Tx::transfer(2).sign(&a, 900)).unwrap();
    l1.mine_at(2_000).unwrap();
    assert_eq!(l1.store().block_transactions(2).unwrap().unwrap().len(), 2);
    assert_eq!(
        l1.store().header(2).unwrap().unwrap().timestamp,
        2_001,
        "time always moves forward"
    );
    assert_eq!(l1.pending_count(), 0);
    assert_eq!(balance(&l1, SINK), U256::from(5));
}

#[test]
fn bad_transactions_are_refused_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let l1 = open(dir.path(), Mining::Manual);
    let a = key(0);
    l1.send_raw_transaction(&Tx::transfer(0).sign(&a, 900)).unwrap();
    l1.mine().unwrap();
    l1.send_raw_transaction(&Tx::transfer(1).sign(&a, 900)).unwrap();
    let before = (l1.forkchoice().unwrap(), l1.pending_count());

    let err = |raw: Bytes| l1.send_raw_transaction(&raw).unwrap_err();
    assert!(matches!(err(Bytes::from_static(b"\x02garbage")), DevL1Error::Decode(_)));
    assert!(matches!(
        err(Tx::transfer(1).sign(&a, 901)),
        DevL1Error::WrongChain { have: Some(901), want: 900 }
    ));
    assert!(matches!(
        err(Tx::transfer(0).sign(&a, 900)),
        DevL1Error::NonceTooLow { next: 1, tx: 0 }
    ));
    let same_price = Tx { value: 2, ..Tx::transfer(1) }.sign(&a, 900);
    assert!(matches!(err(same_price), DevL1Error::Underpriced));
    let huge = Tx { gas: 60_000_001, ..Tx::transfer(1) }.sign(&a, 900);
    assert!(matches!(err(huge), DevL1Error::GasLimit));
    assert_eq!(
        err(Tx::transfer(0).sign(&a, 900)).to_string(),
        "nonce too low: next nonce 1, tx nonce 0"
    );

    assert_eq!((l1.forkchoice().unwrap(), l1.pending_count()), before);
    // Both fee caps must rise by 10 % for a replacement to be taken.
    let tip_only = Tx { value: 2, tip: 1_100_000, ..Tx::transfer(1) }.sign(&a, 900);
    assert!(matches!(err(tip_only), DevL1Error::Underpriced));
    let dearer = Tx { value: 2, max_fee: 11_000_000_000, tip: 1_100_000, ..Tx::transfer(1) };
    l1.send_raw_transaction(&dearer.sign(&a, 900)).unwrap();
    l1.mine().unwrap();
    assert_eq!(balance(&l1, SINK), U256::from(3));
}

#[test]
fn reorg_replaces_the_newest_blocks_and_drops_their_txs() {
    let dir = tempfile::tempdir().unwrap();
    let l1 = open(dir.path(), Mining::Manual);
    let a = key(0);
    for ts in [2_000, 2_012, 2_024] {
        l1.mine_at(ts).unwrap();
    }
    let dropped = Tx::transfer(0).sign(&a, 900);
    l1.send_raw_transaction(&dropped).unwrap();
    let old4 = l1.mine_at(2_036).unwrap();
    let old5 = l1.mine_at(2_048).unwrap();
    assert_eq!(balance(&l1, SINK), U256::from(1));
    let dropped_hash = alloy_primitives::keccak256(&dropped);
    assert!(l1.store().transaction_location(&dropped_hash).unwrap().is_some());

    let replacement = Tx { value: 40, ..Tx::transfer(0) }.sign(&key(1), 900);
    let head = l1.reorg(2, &[replacement]).unwrap();
    assert_eq!(head.number, 5);
    assert_ne!(head.hash, old5.hash);
    let new4 = l1.store().canonical_hash(4).unwrap().unwrap();
    assert_ne!(new4, old4.hash);
    assert_eq!(l1.store().header(4).unwrap().unwrap().timestamp, 2_036, "same times as before");
    assert!(
        l1.store().transaction_location(&dropped_hash).unwrap().is_none(),
        "dropped by the reorg"
    );
    assert_eq!(balance(&l1, SINK), U256::from(40));
    assert_eq!(l1.store().head_account(&a.address()).unwrap().unwrap().nonce, 0);

    // Finalized is 4 below the head: block 1; 4 blocks above it can go, not 5.
    let fc = l1.forkchoice().unwrap();
    assert_eq!(fc.finalized.number, 1);
    assert!(matches!(l1.reorg(5, &[]), Err(DevL1Error::ReorgTooDeep { depth: 5, available: 4 })));
    assert_eq!(l1.forkchoice().unwrap(), fc);
    // An empty replacement still yields new hashes.
    let again = l1.reorg(1, &[]).unwrap();
    assert_ne!(again.hash, fc.head.hash);
}

#[test]
fn a_restart_resumes_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let head = {
        let l1 = open(dir.path(), Mining::Instant);
        l1.send_raw_transaction(&Tx::transfer(0).sign(&key(0), 900)).unwrap();
        l1.send_raw_transaction(&Tx::transfer(1).sign(&key(0), 900)).unwrap();
        l1.forkchoice().unwrap()
    };
    let l1 = open(dir.path(), Mining::Instant);
    assert_eq!(l1.forkchoice().unwrap(), head);
    assert_eq!(balance(&l1, SINK), U256::from(2));
    l1.send_raw_transaction(&Tx::transfer(2).sign(&key(0), 900)).unwrap();
    assert_eq!(l1.forkchoice().unwrap().head.number, 3);
}

/// Our contracts deployed by signed txs on the dev L1; a deposit's receipt log is what
/// derivation decodes.
#[test]
fn our_contracts_run_on_the_dev_l1() {
    let dir = tempfile::tempdir().unwrap();
    let l1 = open(dir.path(), Mining::Instant);
    let a = key(0);
    let deploy = |nonce: u64, code: Bytes, args: Vec<u8>| {
        let input: Bytes = [code.as_ref(), &args].concat().into();
        let raw = Tx { to: TxKind::Create, value: 0, input, gas: 5_000_000, ..Tx::transfer(nonce) }
            .sign(&a, 900);
        l1.send_raw_transaction(&raw).unwrap();
        a.address().create(nonce)
    };
    let oracle_args = L2OutputOracle::constructorCall {
        _submissionInterval: U256::from(10),
        _l2BlockTime: U256::from(2),
        _startingBlockNumber: U256::ZERO,
        _startingTimestamp: U256::from(1_000),
        _proposer: a.address(),
        _challenger: a.address(),
        _finalizationPeriodSeconds: U256::from(12),
    };
    let oracle = deploy(
        0,
        contracts::artifact("L2OutputOracle").unwrap().bytecode,
        oracle_args.abi_encode(),
    );
    // The SystemConfig creates the portal (its nonce 1).
    let system_config_args = SystemConfig::constructorCall {
        _owner: a.address(),
        _basefeeScalar: 1368,
        _blobbasefeeScalar: 810_949,
        _batcherHash: B256::ZERO,
        _gasLimit: 30_000_000,
        _unsafeBlockSigner: a.address(),
        _config: ResourceConfig::default(),
        _batchInbox: a.address(),
        _l2OutputOracle: oracle,
    };
    let portal = deploy(
        1,
        contracts::artifact("SystemConfig").unwrap().bytecode,
        system_config_args.abi_encode(),
    )
    .create(1);
    for n in 1..=2 {
        assert!(receipts(&l1, n)[0].status(), "deployment {n}");
    }
    let deposit = OptimismPortal::depositTransactionCall {
        _to: SINK,
        _value: U256::from(ETH),
        _gasLimit: 100_000,
        _isCreation: false,
        _data: Bytes::new(),
    };
    let raw = Tx {
        to: TxKind::Call(portal),
        value: ETH,
        input: deposit.abi_encode().into(),
        gas: 200_000,
        ..Tx::transfer(2)
    }
    .sign(&a, 900);
    l1.send_raw_transaction(&raw).unwrap();
    let head = l1.forkchoice().unwrap().head;
    let r = receipts(&l1, head.number);
    assert!(r[0].status());
    let tx = decode_deposit_log(&r[0].logs()[0], head.hash, 0).unwrap();
    assert_eq!(
        (tx.from, tx.to, tx.mint, tx.gas_limit),
        (a.address(), TxKind::Call(SINK), ETH as u128, 100_000)
    );
    assert_eq!(balance(&l1, portal), U256::from(ETH));
    // Multicall3 is at its canonical address from genesis.
    let multicall = l1.store().head_account(&MULTICALL3).unwrap().unwrap();
    let code = contracts::artifact("Multicall3").unwrap().deployed_bytecode;
    assert_eq!(multicall.code_hash, alloy_primitives::keccak256(&code));
}

#[test]
fn a_reorg_with_a_bad_tx_never_leaves_the_chain_shorter() {
    let dir = tempfile::tempdir().unwrap();
    let l1 = open(dir.path(), Mining::Manual);
    for ts in [2_000, 2_012, 2_024] {
        l1.mine_at(ts).unwrap();
    }
    let before = l1.forkchoice().unwrap();
    // Garbage: refused before anything is undone.
    let err = l1.reorg(2, &[Bytes::from_static(b"\x02junk")]).unwrap_err();
    assert!(matches!(err, DevL1Error::Decode(_)));
    assert_eq!(l1.forkchoice().unwrap(), before);
    // A nonce the rewound state refuses (block 4, kept, used it): the reorg of block 5
    // happens without that tx, and with the good one.
    l1.send_raw_transaction(&Tx::transfer(0).sign(&key(0), 900)).unwrap();
    l1.mine_at(2_036).unwrap();
    l1.mine_at(2_048).unwrap();
    let stale = Tx::transfer(0).sign(&key(0), 900);
    let err = l1.reorg(1, &[Tx::transfer(0).sign(&key(1), 900), stale]).unwrap_err();
    assert!(matches!(err, DevL1Error::NonceTooLow { next: 1, tx: 0 }), "{err}");
    assert_eq!(l1.forkchoice().unwrap().head.number, 5);
    assert_eq!(balance(&l1, SINK), U256::from(2), "the good tx of the reorg landed");
}
