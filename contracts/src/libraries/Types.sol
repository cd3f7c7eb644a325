// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title Types
/// @notice The structs the portal and the output oracle share with their callers; field order
///         is part of the ABI (viem's op-stack actions encode them).
library Types {
    /// @notice A proposed L2 output: its root, the L1 time it was proposed at, and its L2 block.
    struct OutputProposal {
        bytes32 outputRoot;
        uint128 timestamp;
        uint128 l2BlockNumber;
    }

    /// @notice The preimage of an output root, version 0.
    struct OutputRootProof {
        bytes32 version;
        bytes32 stateRoot;
        bytes32 messagePasserStorageRoot;
        bytes32 latestBlockhash;
    }

    /// @notice A withdrawal as the L2ToL1MessagePasser recorded it.
    struct WithdrawalTransaction {
        uint256 nonce;
        address sender;
        address target;
        uint256 value;
        uint256 gasLimit;
        bytes data;
    }
}

/// @title Hashing
/// @notice The hashes L1 recomputes from what L2 committed to.
library Hashing {
    /// @notice The withdrawal hash, as `L2ToL1MessagePasser` stores it in `sentMessages`.
    function withdrawalHash(Types.WithdrawalTransaction memory _tx) internal pure returns (bytes32) {
        return keccak256(abi.encode(_tx.nonce, _tx.sender, _tx.target, _tx.value, _tx.gasLimit, _tx.data));
    }

    /// @notice Output root version 0: keccak of the four 32-byte words of the proof.
    function outputRoot(Types.OutputRootProof memory _proof) internal pure returns (bytes32) {
        return keccak256(
            abi.encode(_proof.version, _proof.stateRoot, _proof.messagePasserStorageRoot, _proof.latestBlockhash)
        );
    }
}
