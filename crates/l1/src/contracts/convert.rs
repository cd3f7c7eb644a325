//! Conversions between lamina-protocol's withdrawal and output-root types and the bindings'
//! ABI structs, so callers never restate them field by field.

use lamina_protocol::{output_root::OutputRootV0, withdrawal};

use super::{OutputRootProof, WithdrawalTransaction};

impl From<withdrawal::WithdrawalTransaction> for WithdrawalTransaction {
    fn from(w: withdrawal::WithdrawalTransaction) -> Self {
        Self {
            nonce: w.nonce,
            sender: w.sender,
            target: w.target,
            value: w.value,
            gasLimit: w.gas_limit,
            data: w.data,
        }
    }
}

impl From<WithdrawalTransaction> for withdrawal::WithdrawalTransaction {
    fn from(w: WithdrawalTransaction) -> Self {
        Self {
            nonce: w.nonce,
            sender: w.sender,
            target: w.target,
            value: w.value,
            gas_limit: w.gasLimit,
            data: w.data,
        }
    }
}

impl From<OutputRootV0> for OutputRootProof {
    fn from(o: OutputRootV0) -> Self {
        Self {
            version: OutputRootV0::VERSION,
            stateRoot: o.state_root,
            messagePasserStorageRoot: o.message_passer_storage_root,
            latestBlockhash: o.block_hash,
        }
    }
}

impl Default for super::ResourceConfig {
    /// OP's default deposit market (digest §2.1): 20M L2 gas per L1 block with a 2M target,
    /// 1/8 price change per block, 1 gwei floor, no ceiling, 1M gas for the L1-info tx.
    fn default() -> Self {
        Self {
            maxResourceLimit: 20_000_000,
            elasticityMultiplier: 10,
            baseFeeMaxChangeDenominator: 8,
            minimumBaseFee: 1_000_000_000,
            systemTxMaxGas: 1_000_000,
            maximumBaseFee: u128::MAX,
        }
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{Address, B256, Bytes, U256};

    use super::*;

    #[test]
    fn withdrawals_round_trip_and_hash_alike() {
        let w = withdrawal::WithdrawalTransaction {
            nonce: U256::from(1) << 240,
            sender: Address::repeat_byte(1),
            target: Address::repeat_byte(2),
            value: U256::from(3),
            gas_limit: U256::from(100_000),
            data: Bytes::from_static(b"\x01\x02"),
        };
        let abi = WithdrawalTransaction::from(w.clone());
        // The bindings' ABI encoding is what the portal hashes.
        let encoded = alloy_sol_types::SolValue::abi_encode_params(&abi);
        assert_eq!(alloy_primitives::keccak256(encoded), w.hash());
        assert_eq!(withdrawal::WithdrawalTransaction::from(abi), w);
        let o = OutputRootV0 {
            state_root: B256::repeat_byte(1),
            message_passer_storage_root: B256::repeat_byte(2),
            block_hash: B256::repeat_byte(3),
        };
        let proof = OutputRootProof::from(o);
        assert_eq!(proof.stateRoot, o.state_root);
        assert_eq!(proof.latestBlockhash, o.block_hash);
    }
}
