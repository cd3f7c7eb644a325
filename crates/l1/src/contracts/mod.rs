//! Our L1 contracts: the artifacts `contracts/build.mjs` compiles from `contracts/src/L1`
//! (embedded here, checked against the sources by lamina-evm's artifact test) and their typed
//! bindings.

mod bindings;
mod convert;

pub use bindings::*;
pub use lamina_evm::contracts::Artifact;

/// Where Multicall3 lives on every chain that has it (viem and other clients look for it
/// there).
pub const MULTICALL3: alloy_primitives::Address =
    alloy_primitives::address!("cA11bde05977b3631167028862bE2a173976CA11");

const SOURCES: &[(&str, &str)] = &[
    ("L2OutputOracle", include_str!("../../../../contracts/artifacts/L2OutputOracle.json")),
    ("OptimismPortal", include_str!("../../../../contracts/artifacts/OptimismPortal.json")),
    ("SystemConfig", include_str!("../../../../contracts/artifacts/SystemConfig.json")),
    ("Multicall3", include_str!("../../../../contracts/artifacts/Multicall3.json")),
];

/// The artifact of L1 contract `name` (`OptimismPortal`, `L2OutputOracle`, `SystemConfig`,
/// `Multicall3`).
pub fn artifact(name: &str) -> Option<Artifact> {
    let (name, json) = SOURCES.iter().find(|(n, _)| *n == name)?;
    Artifact::from_json(name, json)
}

/// Names of the L1 contracts, in deployment order (each may take the earlier ones' addresses).
pub fn names() -> impl Iterator<Item = &'static str> {
    SOURCES.iter().map(|(n, _)| *n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_l1_artifact_parses_and_has_code() {
        for name in names() {
            let a = artifact(name).unwrap_or_else(|| panic!("{name}"));
            assert!(!a.bytecode.is_empty(), "{name}");
            assert!(a.abi.is_array(), "{name}");
        }
        assert!(artifact("L1Block").is_none(), "L2 predeploys live in lamina-evm");
    }
}
