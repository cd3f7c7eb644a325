//! Fuzzes `TransactionDeposited` log decoding and deposit tx decoding.
#![no_main]

use alloy_primitives::{Address, B256, Log, LogData};
use libfuzzer_sys::fuzz_target;
use lamina_protocol::{
    constants::DEPOSIT_EVENT_TOPIC,
    deposit::{TxDeposit, decode_deposit_log},
};

fuzz_target!(|data: &[u8]| {
    if let Ok(tx) = TxDeposit::decode_2718(data) {
        assert_eq!(tx.encoded_2718(), data);
    }
    // First 64 bytes become the from/to topics, the rest the log data.
    if data.len() >= 64 {
        let topics = vec![
            DEPOSIT_EVENT_TOPIC,
            B256::from_slice(&data[..32]),
            B256::from_slice(&data[32..64]),
            B256::ZERO,
        ];
        let log = Log { address: Address::ZERO, data: LogData::new_unchecked(topics, data[64..].to_vec().into()) };
        let _ = decode_deposit_log(&log, B256::ZERO, 0);
    }
});
