//! Our GasPriceOracle against the OP contract vectors, and its Solidity FastLZ length against
//! op-revm's (the engine's) on random data: wallets and the engine agree on the L1 fee.

use std::collections::BTreeMap;

use alloy_primitives::{U256, hex, keccak256};
use lamina_evm::{OpBlockBuilder, contracts, l1block::storage_after, mem::MemoryState};
use lamina_protocol::{
    HardforkSchedule, RollupConfig,
    l1_info::{L1BlockInfoTx, L1InfoEcotone},
    predeploys::{GAS_PRICE_ORACLE, L1_BLOCK},
};
use proptest::prelude::*;
use revm::database::WrapDatabaseRef;

fn cfg() -> RollupConfig {
    RollupConfig { hardforks: HardforkSchedule::all_through_isthmus(), ..RollupConfig::dev() }
}

/// A state with L1Block set from `info` and the GasPriceOracle with fork flags `flags`.
fn state(info: &L1BlockInfoTx, flags: u64) -> MemoryState {
    let mut s = MemoryState::default();
    s.set_code(
        L1_BLOCK,
        contracts::artifact("L1Block").unwrap().deployed_bytecode,
        storage_after(info).into_iter().collect(),
    );
    s.set_code(
        GAS_PRICE_ORACLE,
        contracts::artifact("GasPriceOracle").unwrap().deployed_bytecode,
        BTreeMap::from([(U256::ZERO, U256::from(flags))]),
    );
    s
}

const ECOTONE: u64 = 0x01;
const FJORD: u64 = 0x0101;

fn call_u256(s: &MemoryState, sig: &str, args: &[u8]) -> U256 {
    let mut data = keccak256(sig)[..4].to_vec();
    data.extend_from_slice(args);
    let header = alloy_consensus::Header {
        number: 1,
        timestamp: 1_000,
        gas_limit: 30_000_000,
        base_fee_per_gas: Some(1),
        ..Default::default()
    };
    let out = OpBlockBuilder::new(cfg())
        .call(&header, WrapDatabaseRef(s), GAS_PRICE_ORACLE, data.into())
        .unwrap();
    U256::from_be_slice(&out[..32])
}

fn abi_bytes(b: &[u8]) -> Vec<u8> {
    let mut out = U256::from(32).to_be_bytes::<32>().to_vec();
    out.extend_from_slice(&U256::from(b.len()).to_be_bytes::<32>());
    let mut padded = b.to_vec();
    padded.resize(b.len().div_ceil(32) * 32, 0);
    out.extend_from_slice(&padded);
    out
}

fn ecotone_info(
    l1_base_fee: u64,
    blob_base_fee: u64,
    base_scalar: u32,
    blob_scalar: u32,
) -> L1BlockInfoTx {
    L1BlockInfoTx::Ecotone(L1InfoEcotone {
        base_fee: U256::from(l1_base_fee),
        blob_base_fee: U256::from(blob_base_fee),
        base_fee_scalar: base_scalar,
        blob_base_fee_scalar: blob_scalar,
        ..Default::default()
    })
}

#[test]
fn op_contract_vectors() {
    // GasPriceOracle.t.sol's parameters: l1BaseFee 2e6, blobBaseFee 3e6, scalars 20 and 15.
    let info = ecotone_info(2_000_000, 3_000_000, 20, 15);
    let small = hex::decode("0000010203").unwrap();
    let eco = state(&info, ECOTONE);
    assert_eq!(call_u256(&eco, "getL1GasUsed(bytes)", &abi_bytes(&small)), U256::from(1144));
    assert_eq!(call_u256(&eco, "getL1Fee(bytes)", &abi_bytes(&small)), U256::from(48977));
    let fj = state(&info, FJORD);
    assert_eq!(call_u256(&fj, "getL1GasUsed(bytes)", &abi_bytes(&small)), U256::from(1600));
    assert_eq!(call_u256(&fj, "getL1Fee(bytes)", &abi_bytes(&small)), U256::from(68500));
    assert_eq!(
        call_u256(&fj, "getL1FeeUpperBound(uint256)", &U256::from(5).to_be_bytes::<32>()),
        U256::from(68500)
    );
    let big = hex::decode("1d2c3ec4f5a9b3f3cd2c024e455c1143a74bbd637c324adcbd4f74e346786ac44e23e78f47d932abedd8d106daadcea350be16478461046273101034601364012364701331dfad43729dc486abd134bcad61b34d6ca1f2eb31655b7d61ca33ba6d172cdf7d8b5b0ef389a314ca7a9a831c09fc2ca9090d059b4dd25194f3de297bdba6d6d796e4f80be94f8a9151d685607826e7ba25177b40cb127ea9f1438470").unwrap();
    assert_eq!(call_u256(&fj, "getL1GasUsed(bytes)", &abi_bytes(&big)), U256::from(2463));
    assert_eq!(call_u256(&fj, "getL1Fee(bytes)", &abi_bytes(&big)), U256::from(105484));
    assert_eq!(
        call_u256(&fj, "getL1FeeUpperBound(uint256)", &U256::from(161).to_be_bytes::<32>()),
        U256::from(111214)
    );
    assert_eq!(call_u256(&fj, "decimals()", &[]), U256::from(6));
    assert_eq!(call_u256(&fj, "l1BaseFee()", &[]), U256::from(2_000_000));
}

/// With `16 × l1BaseFee × baseFeeScalar = 1e12` and no blob term, Fjord's getL1Fee returns the
/// size estimate itself, from which the FastLZ length is recovered exactly when unclamped.
fn exact_state() -> MemoryState {
    state(&ecotone_info(62_500_000_000, 0, 1, 0), FJORD)
}

fn oracle_flz_len(s: &MemoryState, data: &[u8]) -> Option<u64> {
    let size = call_u256(s, "getL1Fee(bytes)", &abi_bytes(data)).to::<u64>();
    (size > 100_000_000).then(|| (size + 42_585_600) / 836_500 - 68)
}

#[test]
fn fastlz_length_of_a_real_op_mainnet_tx() {
    // From op-geth's TestFlzCompressLen: OP Mainnet tx 0x8eb9dd4e…b594 compresses to 202 bytes.
    let tx = hex::decode("02f901550a758302df1483be21b88304743f94f80e51afb613d764fa61751affd3313c190a86bb870151bd62fd12adb8e41ef24f3f000000000000000000000000000000000000000000000000000000000000006e000000000000000000000000af88d065e77c8cc2239327c5edb3a432268e5831000000000000000000000000000000000000000000000000000000000003c1e500000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000a000000000000000000000000000000000000000000000000000000000000000148c89ed219d02f1a5be012c689b4f5b731827bebe000000000000000000000000c001a033fd89cb37c31b2cba46b6466e040c61fc9b2a3675a7f5f493ebd5ad77c497f8a07cdf65680e238392693019b4092f610222e71b7cec06449cb922b93b6a12744e").unwrap();
    assert_eq!(oracle_flz_len(&exact_state(), &tx), Some(202));
}

/// Random data with repeats (so FastLZ finds matches of every length).
fn data() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        (prop::collection::vec(any::<u8>(), 1..40), 1usize..12, any::<bool>()),
        8..40,
    )
    .prop_map(|parts| {
        let mut out = Vec::new();
        for (chunk, times, repeat) in parts {
            for _ in 0..if repeat { times } else { 1 } {
                out.extend_from_slice(&chunk);
            }
        }
        out
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn solidity_fastlz_matches_the_engines(d in data()) {
        let s = exact_state();
        // op-revm's estimate: intercept + coef × flz(d), clamped below at 100e6.
        let est = op_revm::estimate_tx_compressed_size(&d);
        let engine_flz = (est + 42_585_600) / 836_500;
        if let Some(ours) = oracle_flz_len(&s, &d)
            && est > 100_000_000
        {
            prop_assert_eq!(ours, engine_flz, "data {}", hex::encode(&d));
        }
    }
}

#[test]
fn operator_fee_follows_l1block() {
    let info = L1BlockInfoTx::Isthmus(lamina_protocol::l1_info::L1InfoIsthmus {
        ecotone: L1InfoEcotone::default(),
        operator_fee_scalar: 2_000_000,
        operator_fee_constant: 7,
    });
    let s = state(&info, 0x010101);
    assert_eq!(
        call_u256(&s, "getOperatorFee(uint256)", &U256::from(21_000).to_be_bytes::<32>()),
        U256::from(42_007)
    );
    let pre = state(&info, FJORD);
    assert_eq!(
        call_u256(&pre, "getOperatorFee(uint256)", &U256::from(21_000).to_be_bytes::<32>()),
        U256::ZERO
    );
}
