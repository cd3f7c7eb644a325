//! `ConfigUpdate` vectors for all eight update types.

use alloy_primitives::{Address, B256, Log, LogData, U256};
use lamina_protocol::system_config::{SystemConfigUpdate, decode_config_update};

use crate::vectors::{json, unhex};

#[test]
fn all_eight_update_types_decode() {
    let dir = crate::vectors::dir();
    let v = json(&dir, "extracted/system_config_updates.json");
    let topic0: B256 = v["topic0"].as_str().unwrap().parse().unwrap();
    let cases = v["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 8);
    for c in cases {
        let ty = c["type"].as_u64().unwrap();
        let log = Log {
            address: Address::ZERO,
            data: LogData::new_unchecked(
                vec![topic0, B256::ZERO, U256::from(ty).into()],
                unhex(&c["data"]).into(),
            ),
        };
        let x = &c["expected"];
        let addr = |k: &str| x[k].as_str().unwrap().parse::<Address>().unwrap();
        let num = |k: &str| x[k].as_u64().unwrap();
        let expected = match ty {
            0 => SystemConfigUpdate::Batcher(addr("batcher")),
            1 => SystemConfigUpdate::GasConfig {
                overhead: U256::from(num("overhead")).into(),
                scalar: U256::from(num("scalar")).into(),
            },
            2 => SystemConfigUpdate::GasLimit(num("gasLimit")),
            3 => SystemConfigUpdate::UnsafeBlockSigner(addr("unsafeBlockSigner")),
            4 => SystemConfigUpdate::Eip1559Params {
                denominator: num("denominator") as u32,
                elasticity: num("elasticity") as u32,
            },
            5 => SystemConfigUpdate::OperatorFeeParams {
                scalar: num("operatorFeeScalar") as u32,
                constant: num("operatorFeeConstant"),
            },
            6 => SystemConfigUpdate::MinBaseFee(num("minBaseFee")),
            _ => SystemConfigUpdate::DaFootprintGasScalar(num("daFootprintGasScalar") as u16),
        };
        assert_eq!(decode_config_update(&log).unwrap(), expected, "{}", c["name"]);
    }
}
