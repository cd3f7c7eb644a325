//! SystemConfig: every owner setter announces itself with a `ConfigUpdate` that
//! lamina-protocol's decoder (what derivation runs) reads back into the value that was set;
//! strangers change nothing.

use alloy_primitives::{Address, B256, U256, address};
use alloy_sol_types::SolCall;
use lamina_l1::contracts::SystemConfig;
use lamina_protocol::system_config::{SystemConfigUpdate, decode_config_update};

use crate::fixture::{BATCH_INBOX, BATCHER, Deployed, OWNER, STRANGER, deploy};

/// Sends `call` as the owner and decodes the one update it announced.
fn update(d: &mut Deployed, call: impl SolCall + Clone) -> SystemConfigUpdate {
    d.l1.send(STRANGER, d.system_config, U256::ZERO, call.clone())
        .assert_revert("SystemConfig: caller is not the owner");
    let out = d.l1.send(OWNER, d.system_config, U256::ZERO, call);
    let logs = &out.assert_ok().logs;
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0].address, d.system_config);
    decode_config_update(&logs[0]).unwrap()
}

#[test]
fn deployment_announces_the_initial_config_and_records_the_addresses() {
    let d = deploy(1, 0, 0);
    let mut l1 = d.l1;
    let sc = d.system_config;
    assert_eq!(l1.view(sc, SystemConfig::ownerCall {}), OWNER);
    assert_eq!(l1.view(sc, SystemConfig::batchInboxCall {}), BATCH_INBOX);
    assert_eq!(l1.view(sc, SystemConfig::optimismPortalCall {}), d.portal);
    assert_eq!(l1.view(sc, SystemConfig::l2OutputOracleCall {}), d.oracle);
    assert_eq!(l1.view(sc, SystemConfig::startBlockCall {}), U256::from(l1.number));
    assert_eq!(
        l1.view(sc, SystemConfig::batcherHashCall {}),
        B256::left_padding_from(BATCHER.as_slice())
    );
    assert_eq!(l1.view(sc, SystemConfig::gasLimitCall {}), 30_000_000);
    // Ecotone scalar word: version 1, blob scalar, base scalar.
    let scalar = l1.view(sc, SystemConfig::scalarCall {});
    assert_eq!(scalar, (U256::from(1) << 248) | (U256::from(810_949u64) << 32) | U256::from(1368));
    // The signer lives in the slot the rollup node reads directly.
    let slot = l1.view(sc, SystemConfig::UNSAFE_BLOCK_SIGNER_SLOTCall {});
    assert_eq!(slot, alloy_primitives::keccak256("systemconfig.unsafeblocksigner"));
    assert_eq!(
        l1.view(sc, SystemConfig::unsafeBlockSignerCall {}),
        address!("00000000000000000000000000000000000000f1")
    );
}

#[test]
fn every_setter_emits_what_derivation_decodes() {
    let mut d = deploy(1, 0, 0);
    let batcher = address!("0000000000000000000000000000000000b0b0b0");
    assert_eq!(
        update(
            &mut d,
            SystemConfig::setBatcherHashCall {
                _batcherHash: B256::left_padding_from(batcher.as_slice())
            }
        ),
        SystemConfigUpdate::Batcher(batcher)
    );
    let SystemConfigUpdate::GasConfig { overhead, scalar } = update(
        &mut d,
        SystemConfig::setGasConfigEcotoneCall { _basefeeScalar: 7, _blobbasefeeScalar: 9 },
    ) else {
        panic!("not a gas config update")
    };
    assert_eq!(overhead, B256::ZERO);
    let mut want = B256::ZERO;
    want[0] = 1;
    want[24..28].copy_from_slice(&9u32.to_be_bytes());
    want[28..].copy_from_slice(&7u32.to_be_bytes());
    assert_eq!(scalar, want);
    assert_eq!(
        update(
            &mut d,
            SystemConfig::setGasConfigCall {
                _overhead: U256::from(188),
                _scalar: U256::from(684_000)
            }
        ),
        SystemConfigUpdate::GasConfig {
            overhead: B256::from(U256::from(188)),
            scalar: B256::from(U256::from(684_000))
        }
    );
    assert_eq!(
        update(&mut d, SystemConfig::setGasLimitCall { _gasLimit: 60_000_000 }),
        SystemConfigUpdate::GasLimit(60_000_000)
    );
    let signer = address!("00000000000000000000000000000000005151e5");
    assert_eq!(
        update(&mut d, SystemConfig::setUnsafeBlockSignerCall { _unsafeBlockSigner: signer }),
        SystemConfigUpdate::UnsafeBlockSigner(signer)
    );
    assert_eq!(d.l1.view(d.system_config, SystemConfig::unsafeBlockSignerCall {}), signer);
    assert_eq!(
        update(&mut d, SystemConfig::setEIP1559ParamsCall { _denominator: 250, _elasticity: 6 }),
        SystemConfigUpdate::Eip1559Params { denominator: 250, elasticity: 6 }
    );
    assert_eq!(
        update(
            &mut d,
            SystemConfig::setOperatorFeeScalarsCall {
                _operatorFeeScalar: 1_500,
                _operatorFeeConstant: 42
            }
        ),
        SystemConfigUpdate::OperatorFeeParams { scalar: 1_500, constant: 42 }
    );
}

#[test]
fn out_of_range_values_and_strangers_are_refused() {
    let mut d = deploy(1, 0, 0);
    let sc = d.system_config;
    let send = |d: &mut Deployed, call: SystemConfig::SystemConfigCalls| {
        d.l1.transact(
            OWNER,
            alloy_primitives::TxKind::Call(sc),
            U256::ZERO,
            alloy_sol_types::SolInterface::abi_encode(&call).into(),
        )
    };
    use SystemConfig::SystemConfigCalls as C;
    send(&mut d, C::setGasLimit(SystemConfig::setGasLimitCall { _gasLimit: 20_999_999 }))
        .assert_revert("SystemConfig: gas limit too low");
    send(&mut d, C::setGasLimit(SystemConfig::setGasLimitCall { _gasLimit: 200_000_001 }))
        .assert_revert("SystemConfig: gas limit too high");
    send(
        &mut d,
        C::setEIP1559Params(SystemConfig::setEIP1559ParamsCall { _denominator: 0, _elasticity: 6 }),
    )
    .assert_revert("SystemConfig: denominator must be >= 1");
    send(
        &mut d,
        C::setEIP1559Params(SystemConfig::setEIP1559ParamsCall {
            _denominator: 50,
            _elasticity: 0,
        }),
    )
    .assert_revert("SystemConfig: elasticity must be >= 1");
    send(
        &mut d,
        C::setGasConfig(SystemConfig::setGasConfigCall {
            _overhead: U256::ZERO,
            _scalar: U256::from(1) << 248,
        }),
    )
    .assert_revert("SystemConfig: scalar exceeds max.");

    // Ownership moves only by the owner, never to zero.
    let transfer = |to: Address| SystemConfig::transferOwnershipCall { _newOwner: to };
    d.l1.send(STRANGER, sc, U256::ZERO, transfer(STRANGER))
        .assert_revert("SystemConfig: caller is not the owner");
    d.l1.send(OWNER, sc, U256::ZERO, transfer(Address::ZERO))
        .assert_revert("SystemConfig: new owner is the zero address");
    d.l1.send(OWNER, sc, U256::ZERO, transfer(STRANGER)).assert_ok();
    assert_eq!(d.l1.view(sc, SystemConfig::ownerCall {}), STRANGER);
    d.l1.send(OWNER, sc, U256::ZERO, SystemConfig::setGasLimitCall { _gasLimit: 40_000_000 })
        .assert_revert("SystemConfig: caller is not the owner");
}

/// The deposit market's parameters live in the SystemConfig as OP serves them
/// (`resourceConfig()`); only the owner changes them, never to values the market's arithmetic
/// or the L2 gas limit cannot take, and the portal prices the next deposit with them.
#[test]
fn the_owner_governs_the_deposit_market_and_the_portal_follows() {
    use lamina_l1::contracts::{OptimismPortal, ResourceConfig};
    let mut d = deploy(1, 0, 0);
    let sc = d.system_config;
    assert_eq!(d.l1.view(sc, SystemConfig::resourceConfigCall {}), ResourceConfig::default());
    assert_eq!(d.l1.view(d.portal, OptimismPortal::systemConfigCall {}), sc);
    assert_eq!(d.l1.view(sc, SystemConfig::minimumGasLimitCall {}), 21_000_000);

    let set = |c: ResourceConfig| SystemConfig::setResourceConfigCall { _config: c };
    let small = ResourceConfig { maxResourceLimit: 1_000_000, ..ResourceConfig::default() };
    d.l1.send(STRANGER, sc, U256::ZERO, set(small.clone()))
        .assert_revert("SystemConfig: caller is not the owner");
    for (bad, why) in [
        (
            ResourceConfig { elasticityMultiplier: 0, ..small.clone() },
            "SystemConfig: elasticity multiplier cannot be 0",
        ),
        (
            ResourceConfig { baseFeeMaxChangeDenominator: 1, ..small.clone() },
            "SystemConfig: denominator must be larger than 1",
        ),
        (
            ResourceConfig { maxResourceLimit: 1_000_001, ..small.clone() },
            "SystemConfig: precision loss with target resource limit",
        ),
        (
            ResourceConfig { minimumBaseFee: 10, maximumBaseFee: 9, ..small.clone() },
            "SystemConfig: min base fee must be less than max base",
        ),
        (
            ResourceConfig { maxResourceLimit: 29_500_000, ..small },
            "SystemConfig: gas limit too low",
        ),
    ] {
        d.l1.send(OWNER, sc, U256::ZERO, set(bad)).assert_revert(why);
    }
    d.l1.send(OWNER, sc, U256::ZERO, set(small.clone())).assert_ok();
    assert_eq!(d.l1.view(sc, SystemConfig::resourceConfigCall {}), small);
    assert_eq!(d.l1.view(sc, SystemConfig::minimumGasLimitCall {}), 2_000_000);

    // The portal sells at most the new 1M per L1 block.
    d.l1.fund(STRANGER, U256::from(10).pow(U256::from(20)));
    let deposit = |gas: u64| OptimismPortal::depositTransactionCall {
        _to: STRANGER,
        _value: U256::ZERO,
        _gasLimit: gas,
        _isCreation: false,
        _data: Default::default(),
    };
    d.l1.send(STRANGER, d.portal, U256::ZERO, deposit(1_000_001))
        .assert_revert("ResourceMetering: cannot buy more gas than available gas limit");
    d.l1.send(STRANGER, d.portal, U256::ZERO, deposit(1_000_000)).assert_ok();
}
