//! Whole-block benchmark: blocks of 1 000 ETH transfers or 1 000 ERC-20-shaped token transfers,
//! executed, state-rooted and committed to the redb store (fsync per block), on a state of N
//! funded accounts.
//!
//! `cargo bench -p lamina-engine --bench execute` (env: `LAMINA_BENCH_ACCOUNTS`, default 10 000;
//! `LAMINA_BENCH_BLOCKS`, default 10; `LAMINA_BENCH_KIND=eth|erc20` runs one workload,
//! `LAMINA_BENCH_PATH=sequencer|import` one path, `LAMINA_BENCH_DURABILITY=pipelined|both`
//! runs the sequencer with pipelined durable commits instead of, or beside, one sync per
//! block). Prints Mgas/s, tx/s, the txs included and each block's time split into execution,
//! state root, trie update and durable commit. Timings are printed, never asserted.
//!
//! With anvil installed (`npm ci --prefix tools`, or `LAMINA_BENCH_ANVIL=/path/to/anvil`) the
//! same blocks also run on `anvil --optimism`, and the ratio is printed.
//!
//! The token is hand-assembled EVM code with the cost shape of an ERC-20 `transfer`: two
//! balance-mapping slot updates (keccak, SLOAD, SSTORE each) and a `Transfer` LOG3.

#![allow(clippy::unwrap_used, missing_docs)]

mod anvil;

use std::{
    cell::Cell,
    collections::BTreeMap,
    time::{Duration, Instant},
};

use alloy_consensus::transaction::{Recovered, SignerRecoverable};
use alloy_consensus::{Header, SignableTransaction, TxEip1559};
use alloy_eips::eip2718::Encodable2718;
use alloy_eips::eip2718::{Decodable2718, WithEncoded};
use alloy_primitives::{Address, B256, Bytes, FixedBytes, TxKind, U256, hex, keccak256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use lamina_engine::{Durability, GenesisAccount, StateView, Store, StoreOptions};
use lamina_evm::{
    BlockAttributes, ExecTx, OpBlockBuilder, PoolLimits, PostStateRoots, StateRootProvider,
    TxSource,
};
use lamina_protocol::{
    HardforkSchedule, RollupConfig, SystemConfig,
    l1_info::{L1BlockInfoTx, L1OriginFields},
    predeploys::SEQUENCER_FEE_VAULT,
};
use op_alloy_consensus::OpTxEnvelope;
use revm::database::{BundleState, WrapDatabaseRef};

const TXS_PER_BLOCK: usize = 1000;
const TOKEN: Address = Address::new([0x70; 20]);

fn token_code() -> Bytes {
    let mut c = hex::decode(
        // amount; slot(caller) -= amount; slot(to) += amount; memory[0] = amount; LOG3.
        "602435\
         3360005260006020526040600020\
         80548290039055\
         6004356000526040600020805482019055\
         600052600435337f",
    )
    .unwrap();
    c.extend_from_slice(&keccak256("Transfer(address,address,uint256)")[..]);
    c.extend_from_slice(&hex::decode("60206000a300").unwrap());
    c.into()
}

fn balance_slot(holder: Address) -> U256 {
    let mut buf = [0u8; 64];
    buf[12..32].copy_from_slice(holder.as_slice());
    U256::from_be_bytes(keccak256(buf).0)
}

/// The sequencer's source: txs whose senders the pool recovered at admission, as anvil's
/// were at submission.
struct Admitted(std::vec::IntoIter<ExecTx>);

impl TxSource for Admitted {
    fn next_tx(&mut self) -> Option<ExecTx> {
        self.0.next()
    }
    fn skip(&mut self, reason: &str) {
        panic!("bench tx skipped: {reason}");
    }
}

/// Recovers every tx's sender the way pool admission does (outside the timed part).
fn admit(raw: &[Bytes]) -> Vec<ExecTx> {
    raw.iter()
        .map(|b| {
            let tx = OpTxEnvelope::decode_2718_exact(b).unwrap();
            let from = tx.recover_signer().unwrap();
            WithEncoded::new(b.clone(), Recovered::new_unchecked(tx, from))
        })
        .collect()
}

struct Timed<'a> {
    view: &'a StateView,
    spent: Cell<Duration>,
}

impl StateRootProvider for Timed<'_> {
    fn post_state_roots(&self, bundle: &BundleState) -> Result<PostStateRoots, String> {
        let t = Instant::now();
        let r = self.view.post_state_roots(bundle);
        self.spent.set(t.elapsed());
        r
    }
}

fn main() {
    let accounts: usize =
        std::env::var("LAMINA_BENCH_ACCOUNTS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let blocks: usize =
        std::env::var("LAMINA_BENCH_BLOCKS").ok().and_then(|v| v.parse().ok()).unwrap_or(10);
    // `cargo bench` passes `--bench`; plain `cargo test --benches` must not run this for long.
    if std::env::args().any(|a| a == "--test" || a == "--list") {
        return;
    }
    // `LAMINA_BENCH_KIND=eth|erc20` runs one workload only.
    let kind = std::env::var("LAMINA_BENCH_KIND").unwrap_or_default();
    for token in [false, true] {
        if kind.is_empty() || kind == if token { "erc20" } else { "eth" } {
            run(accounts, blocks, token);
        }
    }
}

fn run(accounts: usize, blocks: usize, token: bool) {
    let dir = tempfile::tempdir().unwrap();
    let cfg = RollupConfig {
        block_time: 2,
        l2_chain_id: 901,
        l1_chain_id: 900,
        hardforks: HardforkSchedule::all_through_isthmus(),
        genesis: lamina_protocol::config::Genesis {
            system_config: SystemConfig { gas_limit: 200_000_000, ..Default::default() },
            ..Default::default()
        },
        ..Default::default()
    };
    // Senders sign; the rest of the state is funded addresses only (signing keys are costly).
    let senders: Vec<PrivateKeySigner> = (0..TXS_PER_BLOCK as u64)
        .map(|i| PrivateKeySigner::from_bytes(&keccak256(i.to_be_bytes())).unwrap())
        .collect();
    let work = Workload { senders: senders.iter().map(|s| s.address()).collect(), accounts, token };
    if token && accounts > MAX_TOKEN_HOLDERS {
        println!(
            "erc20-transfer  accounts {accounts:>9}  not run: the token's genesis storage is one \
             in-memory map (at most {MAX_TOKEN_HOLDERS} holders)"
        );
        return;
    }
    // Pre-sign every block's txs outside the timed part.
    let mut rng_state = 0x1234_5678_u64;
    let mut next = || {
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 7;
        rng_state ^= rng_state << 17;
        rng_state
    };
    let mut blocks_txs = Vec::new();
    for b in 0..blocks as u64 {
        let txs: Vec<Bytes> = senders
            .iter()
            .map(|s| {
                let to = work.holder((next() % work.count() as u64) as usize);
                let (target, value, gas, input) = if token {
                    let mut d = vec![0xa9, 0x05, 0x9c, 0xbb];
                    d.extend_from_slice(to.into_word().as_slice());
                    d.extend_from_slice(&U256::from(1000 + b).to_be_bytes::<32>());
                    (TOKEN, U256::ZERO, 80_000, Bytes::from(d))
                } else {
                    (to, U256::from(1 + b), 21_000, Bytes::new())
                };
                let tx = TxEip1559 {
                    chain_id: 901,
                    nonce: b,
                    gas_limit: gas,
                    max_fee_per_gas: 1_000_000_000,
                    max_priority_fee_per_gas: 1_000,
                    to: TxKind::Call(target),
                    value,
                    input,
                    ..Default::default()
                };
                let sig = s.sign_hash_sync(&tx.signature_hash()).unwrap();
                Bytes::from(OpTxEnvelope::Eip1559(tx.into_signed(sig)).encoded_2718())
            })
            .collect();
        blocks_txs.push(txs);
    }

    let label = if token { "erc20-transfer" } else { "eth-transfer" };
    // The sequencer's path (senders recovered at pool admission, as anvil's at submission) is
    // the one compared with anvil's mining; the import path (a verifier's or a peer's payload:
    // raw txs, every signature recovered inside the block) is reported beside it.
    let path = std::env::var("LAMINA_BENCH_PATH").unwrap_or_default();
    let durability = std::env::var("LAMINA_BENCH_DURABILITY").unwrap_or_default();
    let runs = [
        (false, Durability::EachBlock, "sequencer"),
        (false, Durability::Pipelined, "seq+pipe"),
        (true, Durability::EachBlock, "import"),
    ];
    let mut ours = Vec::new();
    for (import, mode, name) in runs {
        if !path.is_empty() && path != if import { "import" } else { "sequencer" } {
            continue;
        }
        let wanted = match mode {
            Durability::EachBlock => durability != "pipelined",
            Durability::Pipelined => durability == "pipelined" || durability == "both",
        };
        if !wanted {
            continue;
        }
        let (store, genesis, genesis_time) = make_genesis(dir.path(), name, mode, &work);
        let stats = execute_blocks(&cfg, &store, &genesis, &blocks_txs, import);
        drop(store);
        let secs = stats.total.as_secs_f64();
        let mgas = stats.gas as f64 / secs / 1e6;
        if !import {
            ours.push((name, mgas));
        }
        let n = blocks as f64;
        let ms = |d: Duration| d.as_secs_f64() * 1e3 / n;
        println!(
            "{label:<15} {name:<9} accounts {accounts:>9}  genesis {:>6.1}s  | {mgas:>6.1} Mgas/s  {:>7.0} tx/s  {} txs  | block {:>6.1} ms = exec {:>5.1} + root {:>5.1} + update {:>4.1} + commit {:>5.1}  (first {:>5.1}, last {:>5.1})",
            genesis_time.as_secs_f64(),
            stats.txs as f64 / secs,
            stats.txs,
            ms(stats.total),
            ms(stats.exec),
            ms(stats.root),
            ms(stats.update),
            ms(stats.commit),
            stats.first.as_secs_f64() * 1e3,
            stats.last.as_secs_f64() * 1e3,
        );
    }
    println!("{label:<15} peak memory (RSS, whole process) {:.0} MiB", peak_rss_mib());
    match anvil_bin() {
        Some(_) if accounts > MAX_ANVIL_ACCOUNTS => println!(
            "{label:<15} anvil not run: funding {accounts} accounts over RPC (at most \
             {MAX_ANVIL_ACCOUNTS})"
        ),
        Some(bin) => compare_with_anvil(&bin, &work, blocks_txs, &ours),
        None => {}
    }
}

/// Anvil's state is funded over RPC, one call per account: beyond this it takes too long.
const MAX_ANVIL_ACCOUNTS: usize = 100_000;
/// The token's storage is a map in memory (one account's storage is not streamed).
const MAX_TOKEN_HOLDERS: usize = 1_000_000;

/// The state a run starts from: `accounts` funded holders (the senders first), and with
/// `token` the token contract holding a balance for each.
struct Workload {
    senders: Vec<Address>,
    accounts: usize,
    token: bool,
}

impl Workload {
    /// Holder `i`: a sender, or an address derived from `i` (no key: it only receives).
    fn holder(&self, i: usize) -> Address {
        match self.senders.get(i) {
            Some(a) => *a,
            None => Address::from_slice(&keccak256((i as u64).to_be_bytes())[..20]),
        }
    }

    /// How many holders there are (every sender is one).
    fn count(&self) -> usize {
        self.accounts.max(self.senders.len())
    }

    fn holders(&self) -> impl Iterator<Item = Address> + '_ {
        (0..self.count()).map(|i| self.holder(i))
    }

    /// The genesis accounts, generated as they are written (10⁷ of them never sit in memory).
    fn genesis(&self) -> impl Iterator<Item = (Address, GenesisAccount)> + '_ {
        let funded = GenesisAccount { balance: U256::from(10u128.pow(24)), ..Default::default() };
        self.holders().map(move |h| (h, funded.clone())).chain(self.token.then(|| {
            (
                TOKEN,
                GenesisAccount {
                    code: token_code(),
                    storage: self.token_storage(),
                    ..Default::default()
                },
            )
        }))
    }

    fn token_storage(&self) -> BTreeMap<U256, U256> {
        self.holders().map(|h| (balance_slot(h), U256::from(10u128.pow(30)))).collect()
    }
}

/// The process's peak resident memory (`VmHWM`), in MiB.
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
            line.split_whitespace().nth(1)?.parse::<f64>().ok()
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

fn make_genesis(
    dir: &std::path::Path,
    name: &str,
    durability: Durability,
    work: &Workload,
) -> (Store, Header, Duration) {
    let t = Instant::now();
    let options = StoreOptions { durability, ..Default::default() };
    let store = Store::open_with(dir.join(name), options).unwrap();
    let genesis = Header {
        timestamp: 1_000,
        gas_limit: 200_000_000,
        base_fee_per_gas: Some(1_000_000),
        ..Default::default()
    };
    let genesis = store.init_genesis_stream(genesis, work.genesis()).unwrap();
    let genesis_time = t.elapsed();

    (store, genesis, genesis_time)
}

#[derive(Default)]
struct Stats {
    total: Duration,
    exec: Duration,
    root: Duration,
    update: Duration,
    commit: Duration,
    gas: u64,
    txs: usize,
    first: Duration,
    last: Duration,
}

fn execute_blocks(
    cfg: &RollupConfig,
    store: &Store,
    genesis: &Header,
    blocks_txs: &[Vec<Bytes>],
    import: bool,
) -> Stats {
    let builder = OpBlockBuilder::new(cfg.clone());
    let (mut head, mut head_hash) = (genesis.clone(), genesis.hash_slow());
    let mut stats = Stats::default();
    for (i, txs) in blocks_txs.iter().enumerate() {
        let ts = head.timestamp + 2;
        let origin = L1OriginFields {
            number: 1,
            timestamp: ts,
            hash: B256::repeat_byte(1),
            ..Default::default()
        };
        let info = L1BlockInfoTx::build(cfg, &cfg.genesis.system_config, &origin, 0, ts).unwrap();
        let mut all = vec![Bytes::from(info.to_deposit_tx(cfg, ts).encoded_2718())];
        let mut pool = None;
        if import {
            all.extend(txs.iter().cloned());
        } else {
            pool = Some(Admitted(admit(txs).into_iter()));
        }
        let attrs = BlockAttributes {
            timestamp: ts,
            prev_randao: B256::ZERO,
            suggested_fee_recipient: SEQUENCER_FEE_VAULT,
            parent_beacon_block_root: Some(B256::ZERO),
            gas_limit: 200_000_000,
            eip1559_params: Some(FixedBytes::ZERO),
            transactions: all,
            no_tx_pool: import,
        };
        let start = Instant::now();
        let view = store.state().unwrap();
        let timed = Timed { view: &view, spent: Cell::new(Duration::ZERO) };
        let source = pool.as_mut().map(|p| (p as &mut dyn TxSource, PoolLimits::default()));
        let block = builder
            .build_with(&head, head_hash, &attrs, source, WrapDatabaseRef(&view), &timed)
            .unwrap();
        assert!(block.receipts.iter().all(|r| r.status()), "every tx succeeds");
        assert_eq!(block.transactions.len(), txs.len() + 1, "every tx is included");
        let built = start.elapsed();
        let u = Instant::now();
        let update = view.take_update(&block.bundle, block.header.state_root).unwrap();
        stats.update += u.elapsed();
        let root = timed.spent.get();
        drop(view);
        let c = Instant::now();
        store.commit_block(&block, &update).unwrap();
        stats.commit += c.elapsed();
        let elapsed = start.elapsed();
        stats.root += root;
        stats.exec += built - root;
        stats.total += elapsed;
        stats.gas += block.header.gas_used;
        stats.txs += block.transactions.len() - 1;
        if i == 0 {
            stats.first = elapsed;
        }
        stats.last = elapsed;
        head_hash = block.hash;
        head = block.header;
    }
    // Every block durable before the clock stops (pipelined: the last one's sync).
    let w = Instant::now();
    store.wait_durable(head.number).unwrap();
    stats.commit += w.elapsed();
    stats.total += w.elapsed();
    stats
}

fn anvil_bin() -> Option<String> {
    if let Ok(p) = std::env::var("LAMINA_BENCH_ANVIL") {
        return Some(p);
    }
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tools/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");
    p.is_file().then(|| p.to_string_lossy().into_owned())
}

fn compare_with_anvil(bin: &str, work: &Workload, blocks: Vec<Vec<Bytes>>, ours: &[(&str, f64)]) {
    let token = work.token;
    let Some(node) = anvil::Anvil::start(bin, 901, 200_000_000) else {
        println!("  anvil: could not start {bin}");
        return;
    };
    // The same state: every holder funded, the token with its balances.
    node.fund(&work.holders().collect::<Vec<_>>());
    if token {
        let storage: Vec<(U256, U256)> = work.token_storage().into_iter().collect();
        node.set_code(TOKEN, &token_code(), &storage);
    }
    let (mut time, mut submit, mut gas, mut txs) = (Duration::ZERO, Duration::ZERO, 0u64, 0usize);
    for block in &blocks {
        let Some((t, s, g, n)) = node.mine(block) else {
            println!("  anvil: mining failed");
            return;
        };
        time += t;
        submit += s;
        gas += g;
        txs += n;
    }
    let expected = blocks.iter().map(Vec::len).sum::<usize>();
    if txs != expected {
        println!("  anvil: only {txs} of {expected} txs were mined");
        return;
    }
    let anvil_mgas = gas as f64 / time.as_secs_f64() / 1e6;
    let with_submit = gas as f64 / (time + submit).as_secs_f64() / 1e6;
    let label = if token { "erc20-transfer" } else { "eth-transfer" };
    println!(
        "{label:<15} anvil --optimism (in-memory): mine only {:>6.1} Mgas/s ({:>6.0} tx/s), submit+mine {:>6.1} Mgas/s",
        anvil_mgas,
        txs as f64 / time.as_secs_f64(),
        with_submit,
    );
    for (name, mgas) in ours {
        println!(
            "{label:<15} lamina {name:<9} / anvil = {:.2}x (mine only), {:.2}x (submit+mine)",
            mgas / anvil_mgas,
            mgas / with_submit,
        );
    }
}
