//! Lamina's compiled contracts, embedded from `contracts/artifacts/` (built by
//! `contracts/build.mjs` with solcjs; a test checks the artifacts still match the sources).

use alloy_primitives::{Bytes, hex};

/// A compiled contract.
#[derive(Debug, Clone)]
pub struct Artifact {
    /// Contract name.
    pub name: &'static str,
    /// Creation bytecode.
    pub bytecode: Bytes,
    /// Runtime bytecode (what genesis puts at a predeploy address).
    pub deployed_bytecode: Bytes,
    /// The ABI as JSON.
    pub abi: serde_json::Value,
}

const SOURCES: &[(&str, &str)] = &[
    ("L1Block", include_str!("../../../contracts/artifacts/L1Block.json")),
    ("GasPriceOracle", include_str!("../../../contracts/artifacts/GasPriceOracle.json")),
    ("L2ToL1MessagePasser", include_str!("../../../contracts/artifacts/L2ToL1MessagePasser.json")),
    ("SequencerFeeVault", include_str!("../../../contracts/artifacts/SequencerFeeVault.json")),
    ("BaseFeeVault", include_str!("../../../contracts/artifacts/BaseFeeVault.json")),
    ("L1FeeVault", include_str!("../../../contracts/artifacts/L1FeeVault.json")),
    ("OperatorFeeVault", include_str!("../../../contracts/artifacts/OperatorFeeVault.json")),
];

/// The artifact of contract `name`, if Lamina ships it.
pub fn artifact(name: &str) -> Option<Artifact> {
    let (name, json) = SOURCES.iter().find(|(n, _)| *n == name)?;
    Artifact::from_json(name, json)
}

impl Artifact {
    /// Reads an artifact as `contracts/build.mjs` writes it (`None` if a field is missing or not
    /// hex). Public so that the crates embedding the L1 contracts read them the same way.
    pub fn from_json(name: &'static str, json: &str) -> Option<Self> {
        let v: serde_json::Value = serde_json::from_str(json).ok()?;
        let bytes = |k: &str| v[k].as_str().and_then(|s| hex::decode(s).ok()).map(Bytes::from);
        Some(Self {
            name,
            bytecode: bytes("bytecode")?,
            deployed_bytecode: bytes("deployedBytecode")?,
            abi: v["abi"].clone(),
        })
    }
}

/// Names of every embedded artifact.
pub fn names() -> impl Iterator<Item = &'static str> {
    SOURCES.iter().map(|(n, _)| *n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_artifact_parses_and_has_code() {
        for name in names() {
            let a = artifact(name).unwrap_or_else(|| panic!("{name}"));
            assert!(!a.deployed_bytecode.is_empty(), "{name}");
            assert!(a.abi.is_array(), "{name}");
        }
        assert!(artifact("Nope").is_none());
    }
}
