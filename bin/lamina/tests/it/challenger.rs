//! `lamina dev --challenger` with a proposer that posts a wrong root every third output: read
//! back from the oracle's own events, every wrong output is deleted before it is final, no
//! right one ever is, and what the oracle holds in the end is the verifier's outputs.

use std::{path::Path, time::Duration};

use serde_json::Value;

use crate::{
    clients::{anvil_with, cast, hex_u64, json, tools},
    dev::{Dev, start_with},
};

/// An `OutputProposed` event.
#[derive(Debug, Clone)]
struct Proposed {
    root: String,
    index: u64,
    l2_block: u64,
    l1_block: u64,
    log_index: u64,
    l1_time: u64,
    right: bool,
}

/// An `OutputsDeleted` event.
#[derive(Debug, Clone, Copy)]
struct Deleted {
    from_index: u64,
    l1_block: u64,
    log_index: u64,
}

fn topic_u64(log: &Value, i: usize) -> u64 {
    hex_u64(&log["topics"][i])
}

fn logs(bin: &Path, l1: &str, oracle: &str, event: &str) -> Vec<Value> {
    let out = cast(bin, l1, &["logs", "--from-block", "0", "--address", oracle, event, "--json"]);
    json(&out.unwrap()).as_array().unwrap().clone()
}

fn time_of(bin: &Path, l1: &str, block: u64) -> u64 {
    cast(bin, l1, &["block", &block.to_string(), "--field", "timestamp"]).unwrap().parse().unwrap()
}

/// The oracle's history: proposals (each judged against the verifier) and deletions, in order.
fn history(bin: &Path, dev: &Dev, oracle: &str) -> (Vec<Proposed>, Vec<Deleted>) {
    let proposed = logs(
        bin,
        &dev.l1,
        oracle,
        "OutputProposed(bytes32 indexed,uint256 indexed,uint256 indexed,uint256)",
    )
    .iter()
    .map(|log| {
        let l2_block = topic_u64(log, 3);
        let root = log["topics"][1].as_str().unwrap().to_owned();
        let at = format!("{l2_block:#x}");
        let want =
            json(&cast(bin, &dev.verifier_rpc, &["rpc", "optimism_outputAtBlock", &at]).unwrap());
        Proposed {
            right: want["outputRoot"].as_str() == Some(root.as_str()),
            root,
            index: topic_u64(log, 2),
            l2_block,
            l1_block: hex_u64(&log["blockNumber"]),
            log_index: hex_u64(&log["logIndex"]),
            l1_time: hex_u64(&log["data"]),
        }
    })
    .collect();
    let deleted = logs(bin, &dev.l1, oracle, "OutputsDeleted(uint256 indexed,uint256 indexed)")
        .iter()
        .map(|log| Deleted {
            from_index: topic_u64(log, 2),
            l1_block: hex_u64(&log["blockNumber"]),
            log_index: hex_u64(&log["logIndex"]),
        })
        .collect();
    (proposed, deleted)
}

const CHALLENGED: &[&str] =
    &["--challenger", "--dev.corrupt-output-every", "3", "--output-interval", "4"];

#[test]
fn the_challenger_deletes_every_wrong_output_and_no_right_one() {
    let dir = tempfile::tempdir().unwrap();
    let dev = start_with(dir.path(), CHALLENGED);
    check(&dev, dir.path());
}

#[test]
fn the_challenger_does_the_same_on_anvil() {
    let bin = tools();
    let (_anvil, l1) = anvil_with(&bin, &["--block-time", "1"]);
    let dir = tempfile::tempdir().unwrap();
    let dev = start_with(dir.path(), &[CHALLENGED, &["--l1-rpc", &l1]].concat());
    check(&dev, dir.path());
}

/// Waits for two wrong outputs to be posted and deleted, then judges the oracle's history.
fn check(dev: &Dev, dir: &Path) {
    let bin = tools();
    let addresses: Value =
        json(&std::fs::read_to_string(dir.join("chain/addresses.json")).unwrap());
    let oracle = addresses["L2OutputOracle"].as_str().unwrap().to_owned();

    // The explorer's view asked once early: later answers read L1 on from there.
    let early = json(&cast(&bin, &dev.rpc, &["rpc", "lamina_outputs"]).unwrap());
    assert_eq!(early["oracle"].as_str().unwrap().to_lowercase(), oracle.to_lowercase());

    // Until two wrong outputs were posted and every wrong one so far is gone.
    let mut seen = None;
    for _ in 0..1_200 {
        let (proposed, deleted) = history(&bin, dev, &oracle);
        let wrong = proposed.iter().filter(|p| !p.right).count();
        if wrong >= 2 && deleted.len() == wrong {
            seen = Some((proposed, deleted));
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let (proposed, deleted) = seen.expect("two wrong outputs posted and deleted within 120 s");

    // Replay the events: each deletion removes a wrong output (the newest proposal at its
    // index before it), before that output was final; whatever survives is right.
    let period = 12;
    let mut held: Vec<Proposed> = Vec::new();
    enum Event<'a> {
        Proposed(&'a Proposed),
        Deleted(Deleted),
    }
    let mut events: Vec<((u64, u64), Event<'_>)> = proposed
        .iter()
        .map(|p| ((p.l1_block, p.log_index), Event::Proposed(p)))
        .chain(deleted.iter().map(|d| ((d.l1_block, d.log_index), Event::Deleted(*d))))
        .collect();
    events.sort_by_key(|(at, _)| *at);
    for ((block, _), event) in events {
        match event {
            Event::Proposed(p) => {
                assert_eq!(p.index, held.len() as u64, "proposals append");
                held.push(p.clone());
            }
            Event::Deleted(d) => {
                let victim = &held[d.from_index as usize];
                assert!(!victim.right, "a right output was deleted: {victim:?}");
                let took = time_of(&bin, &dev.l1, block) - victim.l1_time;
                assert!(took < period, "deleted {took} s after it was posted: already final");
                println!(
                    "wrong output {} (L2 block {}, root {}) deleted {} L1 blocks, {took} s after it was posted",
                    victim.index,
                    victim.l2_block,
                    victim.root,
                    block - victim.l1_block
                );
                held.truncate(d.from_index as usize);
            }
        }
    }
    assert!(held.iter().all(|p| p.right), "the oracle holds only right outputs");
    assert!(held.len() >= 4, "the proposer went on after each deletion");

    // The explorer's view (`lamina_outputs`) names every deletion, where L1 has it.
    let view = json(&cast(&bin, &dev.rpc, &["rpc", "lamina_outputs", "0x64"]).unwrap());
    let listed = view["deletions"].as_array().unwrap();
    for d in &deleted {
        assert!(
            listed.iter().any(
                |l| l["newNextOutputIndex"] == d.from_index && l["l1BlockNumber"] == d.l1_block
            ),
            "deletion at index {} (L1 block {}) missing from {view}",
            d.from_index,
            d.l1_block
        );
    }
    // Outputs the replay found right, and still held, are ones this node agrees with.
    let outputs = view["outputs"].as_array().unwrap();
    for p in &held {
        if let Some(o) = outputs.iter().find(|o| o["index"] == p.index && o["outputRoot"] == p.root)
        {
            assert_eq!(o["matches"], true, "{o}");
        }
    }
}
