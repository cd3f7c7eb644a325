// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title L1Block
/// @notice Predeploy at 0x4200000000000000000000000000000000000015. The first transaction of
///         every L2 block (the L1-info deposit) writes the attributes of the epoch's L1 block
///         here. The execution engine reads slots 1, 3, 5, 6, 7 and 8 directly to charge the L1
///         data fee and the operator fee, so the storage layout is consensus-critical:
///         slot 0 number|timestamp, 1 basefee, 2 hash, 3 sequenceNumber|blobBaseFeeScalar|
///         baseFeeScalar, 4 batcherHash, 5 l1FeeOverhead, 6 l1FeeScalar, 7 blobBaseFee,
///         8 operatorFeeConstant|operatorFeeScalar.
contract L1Block {
    /// @notice The only account allowed to set the values: the L1-info depositor.
    address public constant DEPOSITOR_ACCOUNT = 0xDeaDDEaDDeAdDeAdDEAdDEaddeAddEAdDEAd0001;

    uint64 public number;
    uint64 public timestamp;
    uint256 public basefee;
    bytes32 public hash;
    uint64 public sequenceNumber;
    uint32 public blobBaseFeeScalar;
    uint32 public baseFeeScalar;
    bytes32 public batcherHash;
    uint256 public l1FeeOverhead;
    uint256 public l1FeeScalar;
    uint256 public blobBaseFee;
    uint64 public operatorFeeConstant;
    uint32 public operatorFeeScalar;

    error NotDepositor();

    function version() external pure returns (string memory) {
        return "1.6.0";
    }

    /// @notice Bedrock-format update (also used in the Ecotone activation block).
    function setL1BlockValues(
        uint64 _number,
        uint64 _timestamp,
        uint256 _basefee,
        bytes32 _hash,
        uint64 _sequenceNumber,
        bytes32 _batcherHash,
        uint256 _l1FeeOverhead,
        uint256 _l1FeeScalar
    ) external {
        if (msg.sender != DEPOSITOR_ACCOUNT) revert NotDepositor();
        number = _number;
        timestamp = _timestamp;
        basefee = _basefee;
        hash = _hash;
        sequenceNumber = _sequenceNumber;
        batcherHash = _batcherHash;
        l1FeeOverhead = _l1FeeOverhead;
        l1FeeScalar = _l1FeeScalar;
    }

    /// @notice Ecotone-format update. Packed calldata after the selector:
    ///         baseFeeScalar(4) blobBaseFeeScalar(4) sequenceNumber(8) timestamp(8) number(8)
    ///         basefee(32) blobBaseFee(32) hash(32) batcherHash(32).
    function setL1BlockValuesEcotone() external {
        if (msg.sender != DEPOSITOR_ACCOUNT) revert NotDepositor();
        _setEcotoneFields();
    }

    /// @notice Isthmus-format update: the Ecotone fields, then operatorFeeScalar(4) and
    ///         operatorFeeConstant(8).
    function setL1BlockValuesIsthmus() external {
        if (msg.sender != DEPOSITOR_ACCOUNT) revert NotDepositor();
        _setEcotoneFields();
        assembly {
            let w := calldataload(164)
            let scalar := shr(224, w)
            let constant_ := and(shr(160, w), 0xffffffffffffffff)
            // operatorFeeConstant at offset 0, operatorFeeScalar at offset 8 of slot 8.
            sstore(operatorFeeConstant.slot, or(shl(64, scalar), constant_))
        }
    }

    function _setEcotoneFields() internal {
        assembly {
            let w := calldataload(4)
            let baseScalar := shr(224, w)
            let blobScalar := and(shr(192, w), 0xffffffff)
            let seq := and(shr(128, w), 0xffffffffffffffff)
            let ts := and(shr(64, w), 0xffffffffffffffff)
            let num := and(w, 0xffffffffffffffff)
            // Slot 3: sequenceNumber (offset 0), blobBaseFeeScalar (8), baseFeeScalar (12).
            sstore(sequenceNumber.slot, or(or(shl(96, baseScalar), shl(64, blobScalar)), seq))
            // Slot 0: number (offset 0), timestamp (8).
            sstore(number.slot, or(shl(64, ts), num))
            sstore(basefee.slot, calldataload(36))
            sstore(blobBaseFee.slot, calldataload(68))
            sstore(hash.slot, calldataload(100))
            sstore(batcherHash.slot, calldataload(132))
        }
    }
}
