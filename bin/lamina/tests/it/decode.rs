//! `lamina decode` end to end, as a user runs it: real OP data in every input form, JSON and
//! text output, and the error messages for bad input.

use std::{path::PathBuf, process::Command};

use alloy_consensus::{Transaction, TxEnvelope};
use alloy_eips::eip2718::Decodable2718;
use serde_json::Value;

/// `tests/vectors/` (or `$LAMINA_VECTORS`); missing vectors fail the test.
fn vectors() -> PathBuf {
    let path = std::env::var_os("LAMINA_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors"));
    assert!(path.join("README.md").is_file(), "OP test vectors not found at {}", path.display());
    path
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn lamina(args: &[&str]) -> Out {
    let out = Command::new(env!("CARGO_BIN_EXE_lamina")).args(args).output().expect("run lamina");
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn json(args: &[&str]) -> (i32, Value) {
    let out = lamina(args);
    let v = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("not json ({e}): {}\nstderr: {}", out.stdout, out.stderr));
    (out.code, v)
}

fn tmp(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lamina-decode-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Checks the OP Mainnet span batch in a decode report.
fn check_op_mainnet_batch(v: &Value, vectors: &std::path::Path) {
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(vectors.join("extracted/frames_channels_batches.json")).unwrap(),
    )
    .unwrap();
    let sb = &expected["real_batcher_tx"]["derived"]["span_batch"];
    let ch = &v["channels"][0];
    assert_eq!(ch["compression"], "zlib");
    assert_eq!(ch["decompressed_len"], 240_308);
    let b = &ch["batches"][0];
    assert_eq!(b["type"], "span");
    for key in [
        "rel_timestamp",
        "l1_origin_num",
        "parent_check",
        "l1_origin_check",
        "block_count",
        "block_tx_counts",
        "total_txs",
        "tx_type_counts",
    ] {
        assert_eq!(b[key], sb[key], "{key}");
    }
    assert_eq!(b["tx_hashes"].as_array().unwrap().len(), 209);
    assert_eq!(b["tx_hashes"][0], sb["derived_tx_hashes_first3"][0]);
    assert_eq!(b["tx_hashes"][208], sb["derived_tx_hash_last"]);
}

#[test]
fn decodes_the_op_mainnet_batcher_tx_in_every_input_form() {
    let v = vectors();
    let raw = std::fs::read(v.join("kona/raw_batcher_tx.bin")).unwrap();
    let bin = v.join("kona/raw_batcher_tx.bin");

    let (code, report) = json(&["decode", "batcher-tx", bin.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0);
    assert_eq!(report["l1_tx"]["from"], "0x6887246668a3b87F54DeB3b94Ba47a6f63F32985");
    assert_eq!(report["frames"][0]["channel_id"], "ac329933f5efdcc35ccd284232a376d3");
    assert_eq!(report["frames"][0]["data_len"], 119_799);
    assert_eq!(report["frames"][0]["is_last"], true);
    check_op_mainnet_batch(&report, &v);

    // Hex text with 0x and a trailing newline, and hex without the prefix.
    let hex_file = tmp("tx.hex", format!("0x{}\n", hex::encode(&raw)).as_bytes());
    let (_, from_hex) = json(&["decode", "batcher-tx", hex_file.to_str().unwrap(), "--json"]);
    assert_eq!(from_hex, report);
    let bare = tmp("tx-bare.hex", hex::encode(&raw).as_bytes());
    assert_eq!(json(&["decode", "batcher-tx", bare.to_str().unwrap(), "--json"]).1, report);

    // Just the calldata (a file: one argv string is limited to 128 KiB on Linux).
    let calldata = TxEnvelope::decode_2718_exact(&raw).unwrap().input().to_vec();
    let calldata_file = tmp("calldata.bin", &calldata);
    let (code, only) = json(&["decode", "batcher-tx", calldata_file.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0);
    assert!(only.get("l1_tx").is_none());
    check_op_mainnet_batch(&only, &v);

    // The channel bytes alone, and the blob carrying the calldata.
    let channel = tmp("channel.bin", &calldata[1 + 16 + 2 + 4..calldata.len() - 1]);
    let (code, ch) = json(&["decode", "channel", channel.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0);
    check_op_mainnet_batch(&ch, &v);
    let blob = v.join("generated/blob_of_op_mainnet_frame.bin");
    let (code, bl) = json(&["decode", "blob", blob.to_str().unwrap(), "--json"]);
    assert_eq!((code, bl["blob_data_len"].as_u64()), (0, Some(119_823)));
    check_op_mainnet_batch(&bl, &v);
}

#[test]
fn text_output_and_rollup_config_give_absolute_times() {
    let v = vectors();
    let cfg = serde_json::json!({
        "genesis": {
            "l1": {"hash": format!("0x{}", "00".repeat(32)), "number": 17422590},
            "l2": {"hash": format!("0x{}", "00".repeat(32)), "number": 105235063},
            "l2_time": 1686068903u64,
            "system_config": {"batcherAddr": format!("0x{}", "00".repeat(20)), "overhead": format!("0x{}", "00".repeat(32)), "scalar": format!("0x{}", "00".repeat(32)), "gasLimit": 30000000}
        },
        "block_time": 2, "max_sequencer_drift": 600, "seq_window_size": 3600, "channel_timeout": 300,
        "l1_chain_id": 1, "l2_chain_id": 10,
        "batch_inbox_address": "0xff00000000000000000000000000000000000010",
        "deposit_contract_address": "0xbEb5Fc579115071764c7423A4f12eDde41f106Ed",
        "l1_system_config_address": "0x229047fed2591dbec1eF1118d64F7aF3dB9EB290"
    });
    let cfg_file = tmp("rollup.json", cfg.to_string().as_bytes());
    let bin = v.join("kona/raw_batcher_tx.bin");
    let out = lamina(&[
        "decode",
        "batcher-tx",
        bin.to_str().unwrap(),
        "--rollup-config",
        cfg_file.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("first block at 1710338157"), "{}", out.stdout);
    assert!(out.stdout.contains("span (209 txs; type 0: 36, type 2: 173)"), "{}", out.stdout);
    assert!(
        out.stdout.contains("0xc2c175d4afe62e6843deab420ce6b3711de15939d36ce074a46648b7a1d78373")
    );
}

#[test]
fn bad_input_fails_with_field_and_offset() {
    // A truncated frame: the version byte, then 1 byte of channel id.
    let out = lamina(&["decode", "batcher-tx", "0x0012"]);
    assert_eq!(out.code, 1);
    assert!(out.stdout.contains("channel_id at byte 1"), "{}", out.stdout);

    let (code, v) = json(&["decode", "batcher-tx", "0x0012", "--json"]);
    assert_eq!(code, 1);
    assert_eq!(v["errors"][0]["field"], "channel_id");
    assert_eq!(v["errors"][0]["offset"], 1);

    // is_last must be 0 or 1: offset 1 + 16 + 2 + 4 = 23.
    let frame = format!("0x00{}0000000000002a", "ab".repeat(16));
    let (code, v) = json(&["decode", "batcher-tx", &frame, "--json"]);
    assert_eq!(code, 1);
    assert_eq!(
        (v["errors"][0]["field"].as_str(), v["errors"][0]["offset"].as_u64()),
        (Some("is_last"), Some(23))
    );

    // Unknown version byte, unknown channel version, bad blob, bad hex, missing file.
    assert!(lamina(&["decode", "batcher-tx", "0x05"]).stdout.contains("version at byte 0"));
    let out = lamina(&["decode", "channel", "0x02aa"]);
    assert_eq!(out.code, 1);
    assert!(out.stdout.contains("unknown channel version byte 0x02"), "{}", out.stdout);
    let out = lamina(&["decode", "blob", "0x00"]);
    assert!(out.stdout.contains("exactly 131072 bytes"), "{}", out.stdout);
    let out = lamina(&["decode", "batcher-tx", "0xzz"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("not valid hex"), "{}", out.stderr);
    let out = lamina(&["decode", "channel", "/definitely/not/here.bin"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("reading /definitely/not/here.bin"), "{}", out.stderr);
    let (code, v) = json(&["decode", "channel", "/definitely/not/here.bin", "--json"]);
    assert_eq!(code, 1);
    assert!(v["error"].as_str().unwrap().contains("reading"));
}

#[test]
fn a_channel_whose_batch_is_corrupt_reports_where_in_the_decompressed_data() {
    // zlib of an RLP string announcing 10 bytes but holding 2.
    use std::io::Write;
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(&[0x8a, 0x01, 0x02]).unwrap();
    let channel = enc.finish().unwrap();
    let (code, v) = json(&["decode", "channel", &format!("0x{}", hex::encode(channel)), "--json"]);
    assert_eq!(code, 1);
    let err = &v["channels"][0]["error"];
    assert_eq!((err["field"].as_str(), err["offset"].as_u64()), (Some("channel_item"), Some(0)));
}
