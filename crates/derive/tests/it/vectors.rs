//! Locating the OP test vectors: `tests/vectors/` in this repository, or `$LAMINA_VECTORS` as an
//! override. A test that needs them and cannot find them fails; it never skips.

use std::path::PathBuf;

/// The vectors directory; panics when it is missing.
pub(crate) fn dir() -> PathBuf {
    let path = std::env::var_os("LAMINA_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors"));
    assert!(path.join("README.md").is_file(), "OP test vectors not found at {}", path.display());
    path
}
