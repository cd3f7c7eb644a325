//! Locating the OP test vectors: `tests/vectors/` in this repository, or `$LAMINA_VECTORS` as an
//! override. A test that needs them and cannot find them fails; it never skips.

use std::path::PathBuf;

use alloy_primitives::hex;
use serde_json::Value;

/// The vectors directory; panics when it is missing.
pub(crate) fn dir() -> PathBuf {
    let path = std::env::var_os("LAMINA_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors"));
    assert!(path.join("README.md").is_file(), "OP test vectors not found at {}", path.display());
    path
}

/// Reads a JSON vector file.
pub(crate) fn json(dir: &std::path::Path, rel: &str) -> Value {
    let text = std::fs::read_to_string(dir.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Parses a `0x…` 32-byte hex string.
pub(crate) fn b256(v: &Value) -> alloy_primitives::B256 {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}")).parse().expect("bytes32 hex")
}

/// Decodes a `0x…` hex string.
pub(crate) fn unhex(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))).expect("hex")
}
