//! The storage of the L1Block predeploy after an L1-info call: the slots op-revm reads to charge
//! the L1 data fee and the operator fee (digest §3). Our Solidity L1Block must produce exactly
//! these; tests and genesis building use this to set the state directly.
//!
//! | slot | contents (byte ranges of the 32-byte big-endian word) |
//! |---|---|
//! | 0 | `timestamp` u64 [16,24), `number` u64 [24,32) |
//! | 1 | `basefee` |
//! | 2 | `hash` |
//! | 3 | `baseFeeScalar` u32 [16,20), `blobBaseFeeScalar` u32 [20,24), `sequenceNumber` u64 [24,32) |
//! | 4 | `batcherHash` |
//! | 5 | `l1FeeOverhead` (pre-Ecotone) |
//! | 6 | `l1FeeScalar` (pre-Ecotone) |
//! | 7 | `blobBaseFee` |
//! | 8 | `operatorFeeScalar` u32 [20,24), `operatorFeeConstant` u64 [24,32) (Isthmus) |

use alloc::{vec, vec::Vec};
use alloy_primitives::U256;
use lamina_protocol::l1_info::{L1BlockInfoTx, L1InfoEcotone};

fn packed(parts: &[(usize, &[u8])]) -> U256 {
    let mut w = [0u8; 32];
    for (at, bytes) in parts {
        w[*at..*at + bytes.len()].copy_from_slice(bytes);
    }
    U256::from_be_bytes(w)
}

/// The `(slot, value)` pairs an L1-info call writes.
pub fn storage_after(info: &L1BlockInfoTx) -> Vec<(U256, U256)> {
    let ecotone = |e: &L1InfoEcotone| {
        vec![
            (
                U256::from(0),
                packed(&[(16, &e.timestamp.to_be_bytes()), (24, &e.number.to_be_bytes())]),
            ),
            (U256::from(1), e.base_fee),
            (U256::from(2), U256::from_be_bytes(e.block_hash.0)),
            (
                U256::from(3),
                packed(&[
                    (16, &e.base_fee_scalar.to_be_bytes()),
                    (20, &e.blob_base_fee_scalar.to_be_bytes()),
                    (24, &e.sequence_number.to_be_bytes()),
                ]),
            ),
            (U256::from(4), U256::from_be_bytes(e.batcher_hash.0)),
            (U256::from(7), e.blob_base_fee),
        ]
    };
    match info {
        L1BlockInfoTx::Bedrock(b) => vec![
            (
                U256::from(0),
                packed(&[(16, &b.timestamp.to_be_bytes()), (24, &b.number.to_be_bytes())]),
            ),
            (U256::from(1), b.base_fee),
            (U256::from(2), U256::from_be_bytes(b.block_hash.0)),
            (U256::from(3), packed(&[(24, &b.sequence_number.to_be_bytes())])),
            (U256::from(4), U256::from_be_bytes(b.batcher_hash.0)),
            (U256::from(5), b.l1_fee_overhead),
            (U256::from(6), b.l1_fee_scalar),
        ],
        L1BlockInfoTx::Ecotone(e) => ecotone(e),
        L1BlockInfoTx::Isthmus(i) => {
            let mut s = ecotone(&i.ecotone);
            s.push((
                U256::from(8),
                packed(&[
                    (20, &i.operator_fee_scalar.to_be_bytes()),
                    (24, &i.operator_fee_constant.to_be_bytes()),
                ]),
            ));
            s
        }
    }
}
