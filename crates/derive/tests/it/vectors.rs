//! Locating `../shared/vectors` (or `$LAMINA_VECTORS`). Missing vectors skip loudly, unless
//! `LAMINA_REQUIRE_VECTORS=1` (set by `.ci/run`) makes them fail.

use std::path::PathBuf;

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
    eprintln!("\n!!! SKIPPED {test}: OP test vectors not found at {} !!!\n", path.display());
    None
}
