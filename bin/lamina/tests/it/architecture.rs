//! The architecture rules of `ARCHITECTURE.md`, checked against `cargo metadata`: which lamina
//! crates may depend on which, which external crates the pure crates may use, that the crate
//! list in the document matches the workspace, and that every module says what it owns.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
};

use cargo_metadata::{DependencyKind, MetadataCommand};

/// Allowed lamina → lamina edges (normal and build dependencies), from ARCHITECTURE.md.
fn allowed_edges() -> BTreeMap<&'static str, &'static [&'static str]> {
    BTreeMap::from([
        (
            "lamina",
            &[
                "lamina-node",
                "lamina-l1",
                "lamina-devl1",
                "lamina-protocol",
                "lamina-proof",
                "lamina-rvm",
                "lamina-p2p",
            ][..],
        ),
        (
            "lamina-testing",
            &[
                "lamina-node",
                "lamina-engine",
                "lamina-l1",
                "lamina-devl1",
                "lamina-derive",
                "lamina-evm",
                "lamina-protocol",
                "lamina-proof",
            ][..],
        ),
        (
            "lamina-node",
            &[
                "lamina-engine",
                "lamina-l1",
                "lamina-devl1",
                "lamina-derive",
                "lamina-evm",
                "lamina-protocol",
                "lamina-proof",
                "lamina-rvm",
                "lamina-p2p",
            ][..],
        ),
        ("lamina-engine", &["lamina-evm", "lamina-protocol"][..]),
        ("lamina-l1", &["lamina-derive", "lamina-evm", "lamina-protocol"][..]),
        ("lamina-devl1", &["lamina-l1", "lamina-engine", "lamina-evm", "lamina-protocol"][..]),
        ("lamina-proof", &["lamina-derive", "lamina-evm", "lamina-protocol"][..]),
        ("lamina-derive", &["lamina-protocol"][..]),
        ("lamina-evm", &["lamina-protocol"][..]),
        ("lamina-protocol", &[][..]),
        ("lamina-rvm", &[][..]),
        ("lamina-p2p", &["lamina-protocol"][..]),
    ])
}

/// Crates that do IO or spawn tasks: the pure crates must not use them.
const IO_CRATES: &[&str] = &[
    "tokio",
    "jsonrpsee",
    "hyper",
    "reqwest",
    "axum",
    "redb",
    "libmdbx",
    "libp2p",
    "alloy-provider",
    "tracing-subscriber",
];
const PURE: &[&str] =
    &["lamina-protocol", "lamina-derive", "lamina-evm", "lamina-proof", "lamina-rvm"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn crate_dependencies_follow_the_layers() {
    let meta =
        MetadataCommand::new().manifest_path(root().join("Cargo.toml")).no_deps().exec().unwrap();
    let allowed = allowed_edges();
    let mut violations = Vec::new();
    for pkg in meta.workspace_packages() {
        let name = pkg.name.as_str();
        let Some(ok) = allowed.get(name) else {
            violations.push(format!("{name} is not in the architecture's crate list"));
            continue;
        };
        for dep in &pkg.dependencies {
            if dep.kind == DependencyKind::Development {
                continue;
            }
            if dep.name.starts_with("lamina") && !ok.contains(&dep.name.as_str()) {
                violations.push(format!("{name} -> {} is not allowed", dep.name));
            }
            if PURE.contains(&name) && IO_CRATES.contains(&dep.name.as_str()) {
                violations.push(format!("pure crate {name} depends on IO crate {}", dep.name));
            }
        }
    }
    assert!(violations.is_empty(), "architecture violations:\n{}", violations.join("\n"));
}

/// Crates a crate may never reach through its normal dependencies, however indirectly.
fn forbidden_reach() -> Vec<(&'static str, &'static [&'static str])> {
    // What the pure crates must build without: the proof program runs them with no OS.
    const NO_IO: &[&str] = &["tokio", "redb", "hyper", "reqwest", "jsonrpsee", "libp2p"];
    let mut rules: Vec<(&'static str, &'static [&'static str])> =
        PURE.iter().map(|p| (*p, NO_IO)).collect();
    // The engine never sees L1; the L1 client is no execution client.
    rules.push(("lamina-engine", &["lamina-l1", "lamina-devl1", "lamina-derive"]));
    rules.push(("lamina-l1", &["lamina-engine", "lamina-devl1", "redb"]));
    rules
}

/// The crates `krate` builds with when built alone (normal and build dependencies, its own
/// default features): what `cargo tree -p` resolves, not the workspace's unified graph, where
/// another member's features can add dependencies this crate never asks for.
fn built_alone(krate: &str) -> BTreeSet<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = std::process::Command::new(cargo)
        .args(["tree", "-p", krate, "-e", "normal,build", "--prefix", "none", "-f", "{p}"])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cargo tree -p {krate}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn transitive_dependencies_keep_the_layers_and_the_pure_crates_io_free() {
    let meta =
        MetadataCommand::new().manifest_path(root().join("Cargo.toml")).no_deps().exec().unwrap();
    let members: BTreeSet<String> =
        meta.workspace_packages().iter().map(|p| p.name.to_string()).collect();
    let mut violations = Vec::new();
    // Planned crates (lamina-proof) are checked once they exist.
    for (krate, forbidden) in forbidden_reach().into_iter().filter(|(k, _)| members.contains(*k)) {
        let reached = built_alone(krate);
        for name in forbidden.iter().filter(|f| reached.contains(**f)) {
            violations.push(format!("{krate} reaches {name}"));
        }
    }
    assert!(violations.is_empty(), "transitive violations:\n{}", violations.join("\n"));
}

#[test]
fn architecture_md_lists_exactly_the_workspace_crates() {
    let meta =
        MetadataCommand::new().manifest_path(root().join("Cargo.toml")).no_deps().exec().unwrap();
    let members: BTreeSet<String> =
        meta.workspace_packages().iter().map(|p| p.name.to_string()).collect();
    let doc = std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    // The crate map marks each crate as "### `name`".
    let listed: BTreeSet<String> = doc
        .lines()
        .filter_map(|l| l.strip_prefix("### `"))
        .filter_map(|l| l.split('`').next())
        .map(str::to_owned)
        .collect();
    assert_eq!(listed, members, "ARCHITECTURE.md crate map and workspace members differ");
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let p = entry.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn every_module_says_what_it_owns() {
    let mut files = Vec::new();
    for dir in ["crates", "bin"] {
        rust_files(&root().join(dir), &mut files);
    }
    let missing: Vec<String> = files
        .iter()
        .filter(|p| !p.components().any(|c| c.as_os_str() == "target"))
        .filter(|p| {
            let text = std::fs::read_to_string(p).unwrap_or_default();
            !text.trim_start().starts_with("//!")
        })
        .map(|p| p.display().to_string())
        .collect();
    assert!(missing.is_empty(), "modules without a //! doc:\n{}", missing.join("\n"));
}
