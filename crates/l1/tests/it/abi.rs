//! The compiled ABIs are exactly the bindings' (both directions), and carry the selectors and
//! event topics that viem and op-node hard-code (toolchain.md, digest §2.1 and §11.1).

use std::collections::BTreeSet;

use alloy_json_abi::JsonAbi;
use alloy_primitives::{B256, b256, hex};
use alloy_sol_types::{SolCall, SolEvent, SolInterface};
use lamina_l1::contracts::{self, L2OutputOracle, Multicall3, OptimismPortal, SystemConfig};

/// A contract's function selectors and event topics.
type Surface = (BTreeSet<[u8; 4]>, BTreeSet<B256>);

fn compiled(name: &str) -> Surface {
    let a = contracts::artifact(name).unwrap();
    let abi: JsonAbi = serde_json::from_value(a.abi).unwrap();
    (
        abi.functions().map(|f| f.selector().0).collect(),
        abi.events().map(|e| e.selector()).collect(),
    )
}

fn bound<C: SolInterface>() -> BTreeSet<[u8; 4]> {
    (0..C::COUNT).filter_map(C::selector_at).collect()
}

#[test]
fn compiled_abis_equal_the_bindings() {
    fn topics(selectors: &[[u8; 32]]) -> BTreeSet<B256> {
        selectors.iter().map(|s| B256::from(*s)).collect()
    }
    let cases: [(&str, Surface); 4] = [
        (
            "OptimismPortal",
            (
                bound::<OptimismPortal::OptimismPortalCalls>(),
                topics(OptimismPortal::OptimismPortalEvents::SELECTORS),
            ),
        ),
        (
            "L2OutputOracle",
            (
                bound::<L2OutputOracle::L2OutputOracleCalls>(),
                topics(L2OutputOracle::L2OutputOracleEvents::SELECTORS),
            ),
        ),
        (
            "SystemConfig",
            (
                bound::<SystemConfig::SystemConfigCalls>(),
                topics(SystemConfig::SystemConfigEvents::SELECTORS),
            ),
        ),
        ("Multicall3", (bound::<Multicall3::Multicall3Calls>(), BTreeSet::new())),
    ];
    for (name, (functions, events)) in cases {
        let (f, e) = compiled(name);
        let hexes = |s: &BTreeSet<[u8; 4]>| s.iter().map(hex::encode).collect::<Vec<_>>();
        assert_eq!(hexes(&f), hexes(&functions), "{name}: functions differ from the bindings");
        assert_eq!(e, events, "{name}: events differ from the bindings");
    }
}

#[test]
fn selectors_and_topics_clients_hard_code() {
    // viem's op-stack actions (toolchain.md).
    assert_eq!(OptimismPortal::depositTransactionCall::SELECTOR, hex!("e9e05c42"));
    assert_eq!(OptimismPortal::proveWithdrawalTransactionCall::SELECTOR, hex!("4870496f"));
    assert_eq!(OptimismPortal::finalizeWithdrawalTransactionCall::SELECTOR, hex!("8c3152e9"));
    // What derivation filters L1 logs by (digest §2.1, §11.1), also lamina-protocol's constants.
    assert_eq!(
        OptimismPortal::TransactionDeposited::SIGNATURE_HASH,
        b256!("b3813568d9991fc951961fcb4c784893574240a28925604d09fc577c55bb7c32")
    );
    assert_eq!(
        OptimismPortal::TransactionDeposited::SIGNATURE_HASH,
        lamina_protocol::constants::DEPOSIT_EVENT_TOPIC
    );
    assert_eq!(
        SystemConfig::ConfigUpdate::SIGNATURE_HASH,
        b256!("1d2b0bda21d56b8bd12d4f94ebacffdfb35f5e226f84b461103bb8beab6353be")
    );
    assert_eq!(
        SystemConfig::ConfigUpdate::SIGNATURE_HASH,
        lamina_protocol::constants::CONFIG_UPDATE_TOPIC
    );
}
