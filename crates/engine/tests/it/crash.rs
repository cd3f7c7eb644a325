//! Crash safety: a writer process committing blocks is killed with SIGKILL at random moments;
//! after each kill the store must reopen at a block whose state root matches its header, and
//! the chain must never go backwards.

use std::{
    collections::BTreeMap,
    process::{Command, Stdio},
    time::Duration,
};

use alloy_primitives::{Address, Bytes, TxKind, U256};
use lamina_engine::{Durability, GenesisAccount, Store, StoreOptions};
use lamina_protocol::HardforkSchedule;

use crate::chain::{Chain, ETH, STORE_CODE, config, key};

const DIR_VAR: &str = "LAMINA_CRASH_TEST_DIR";
/// Set: the writer commits with [`Durability::Pipelined`].
const PIPELINED_VAR: &str = "LAMINA_CRASH_TEST_PIPELINED";

fn writer_alloc() -> BTreeMap<Address, GenesisAccount> {
    let mut alloc: BTreeMap<Address, GenesisAccount> = (0..4)
        .map(|i| {
            (
                key(i).address(),
                GenesisAccount { balance: U256::from(1_000_000 * ETH), ..Default::default() },
            )
        })
        .collect();
    alloc.insert(
        Address::with_last_byte(0x50),
        GenesisAccount { code: Bytes::from_static(STORE_CODE), ..Default::default() },
    );
    alloc
}

/// The child: commits blocks until killed. Runs only when the parent test starts it.
#[test]
#[ignore = "run as a child process by killed_at_random_points_reopens_consistent"]
fn crash_writer_child() {
    let Ok(dir) = std::env::var(DIR_VAR) else { return };
    let path = std::path::Path::new(&dir).join("db");
    let cfg = config(HardforkSchedule::all_through_isthmus());
    let durability = if std::env::var_os(PIPELINED_VAR).is_some() {
        Durability::Pipelined
    } else {
        Durability::EachBlock
    };
    let options = StoreOptions { durability, ..Default::default() };
    let mut chain = match Chain::resume_with(&path, cfg.clone(), options) {
        Some(c) => c,
        None => Chain::with_options(&path, cfg, writer_alloc(), options),
    };
    let mut n: u64 = chain.head.number;
    loop {
        n += 1;
        let mut txs = Vec::new();
        for i in 0..4u8 {
            let to = Address::with_last_byte(0xa0 + (n % 16) as u8);
            txs.push(chain.tx(&key(i), TxKind::Call(to), u128::from(n), Bytes::new(), 21_000));
            let mut input = [0u8; 64];
            input[24..32].copy_from_slice(&(n % 32).to_be_bytes());
            input[56..64].copy_from_slice(&n.to_be_bytes());
            txs.push(chain.tx(
                &key(i),
                TxKind::Call(Address::with_last_byte(0x50)),
                0,
                Bytes::copy_from_slice(&input),
                100_000,
            ));
        }
        chain.produce(txs);
    }
}

#[test]
fn killed_at_random_points_reopens_consistent() {
    kill_rounds(false);
}

/// The same with pipelined commits: the sync of the last block may be lost, never the
/// consistency of what reopens, and the head still never goes back.
#[test]
fn killed_with_pipelined_commits_reopens_consistent() {
    kill_rounds(true);
}

fn kill_rounds(pipelined: bool) {
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut last_head = 0u64;
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut kills = 0;
    for round in 0..10 {
        let mut child = Command::new(&exe)
            .args([
                "--ignored",
                "--exact",
                "crash::crash_writer_child",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(DIR_VAR, dir.path())
            .envs(pipelined.then_some((PIPELINED_VAR, "1")))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // A pseudo-random moment between 150 and 900 ms: inside commits as often as not.
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        std::thread::sleep(Duration::from_millis(150 + seed % 750));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        kills += 1;

        let store = Store::open(dir.path().join("db")).unwrap();
        let Some((number, hash)) = store.head().unwrap() else {
            assert_eq!(round, 0, "only a kill before genesis committed may leave no head");
            continue;
        };
        let header = store.header(number).unwrap().unwrap();
        assert_eq!(header.hash_slow(), hash, "round {round}: head hash matches its header");
        assert_eq!(
            store.recompute_state_root().unwrap(),
            header.state_root,
            "round {round}: state at block {number} matches its header"
        );
        // The trie of the head root is complete: every funded account is readable through it.
        let view = store.state().unwrap();
        for i in 0..4 {
            assert!(view.account_proof(&key(i).address()).is_ok());
        }
        assert!(number >= last_head, "round {round}: head went back from {last_head} to {number}");
        last_head = number;
    }
    assert_eq!(kills, 10);
    assert!(last_head > 0, "the writer committed blocks");
    eprintln!("crash test: 10 kills, chain reached block {last_head}");
}
