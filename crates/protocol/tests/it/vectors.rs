//! Locating the shared vectors. Tests that need them call [`dir`]; when the vectors are missing
//! they say so loudly and pass, unless `LAMINA_REQUIRE_VECTORS=1` (set by `.ci/run`), in which
//! case they fail.

use std::path::PathBuf;

use alloy_primitives::hex;
use serde_json::Value;

/// The vectors directory, or `None` (after a loud message) when it is absent and not required.
pub(crate) fn dir(test: &str) -> Option<PathBuf> {
    let path = std::env::var_os("LAMINA_VECTORS").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors")
    });
    if path.join("README.md").is_file() {
        return Some(path);
    }
    let required = std::env::var("LAMINA_REQUIRE_VECTORS").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "{test}: vectors not found at {} (LAMINA_REQUIRE_VECTORS=1)",
        path.display()
    );
    eprintln!(
        "\n!!! SKIPPED {test}: OP test vectors not found at {} — set LAMINA_VECTORS !!!\n",
        path.display()
    );
    None
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

/// Evaluates to the vectors dir or returns from the test.
#[macro_export]
macro_rules! vectors_or_skip {
    () => {
        match $crate::vectors::dir(module_path!()) {
            Some(d) => d,
            None => return,
        }
    };
}
