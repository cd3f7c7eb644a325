// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

interface IL1Block {
    function basefee() external view returns (uint256);
    function blobBaseFee() external view returns (uint256);
    function baseFeeScalar() external view returns (uint32);
    function blobBaseFeeScalar() external view returns (uint32);
    function l1FeeOverhead() external view returns (uint256);
    function l1FeeScalar() external view returns (uint256);
    function operatorFeeScalar() external view returns (uint32);
    function operatorFeeConstant() external view returns (uint64);
}

/// @title GasPriceOracle
/// @notice Predeploy at 0x420000000000000000000000000000000000000F. Lets wallets and contracts
///         compute the L1 data fee and the operator fee the engine charges, from the values in
///         L1Block. Fees are estimated for an *unsigned* transaction, so 68 bytes stand in for the
///         missing signature. Which formula applies is set by the fork flags in slot 0 (written at
///         genesis, or by the depositor in a fork's activation block).
contract GasPriceOracle {
    /// @notice Fee values have six decimals.
    uint256 public constant DECIMALS = 6;
    address internal constant L1_BLOCK = 0x4200000000000000000000000000000000000015;
    address internal constant DEPOSITOR = 0xDeaDDEaDDeAdDeAdDEAdDEaddeAddEAdDEAd0001;

    // Fjord's linear regression from FastLZ size to estimated L1 size (×1e6).
    int256 internal constant FJORD_INTERCEPT = -42_585_600;
    uint256 internal constant FJORD_FASTLZ_COEF = 836_500;
    uint256 internal constant FJORD_MIN_TX_SIZE = 100;

    bool public isEcotone;
    bool public isFjord;
    bool public isIsthmus;
    bool public isJovian;

    error NotDepositor();
    error AlreadySet();

    function version() external pure returns (string memory) {
        return "1.4.0";
    }

    function decimals() external pure returns (uint256) {
        return DECIMALS;
    }

    function setEcotone() external {
        if (msg.sender != DEPOSITOR) revert NotDepositor();
        if (isEcotone) revert AlreadySet();
        isEcotone = true;
    }

    function setFjord() external {
        if (msg.sender != DEPOSITOR) revert NotDepositor();
        if (isFjord) revert AlreadySet();
        isFjord = true;
    }

    function setIsthmus() external {
        if (msg.sender != DEPOSITOR) revert NotDepositor();
        if (isIsthmus) revert AlreadySet();
        isIsthmus = true;
    }

    function gasPrice() external view returns (uint256) {
        return block.basefee;
    }

    function baseFee() external view returns (uint256) {
        return block.basefee;
    }

    function l1BaseFee() public view returns (uint256) {
        return IL1Block(L1_BLOCK).basefee();
    }

    function blobBaseFee() public view returns (uint256) {
        return IL1Block(L1_BLOCK).blobBaseFee();
    }

    function baseFeeScalar() public view returns (uint32) {
        return IL1Block(L1_BLOCK).baseFeeScalar();
    }

    function blobBaseFeeScalar() public view returns (uint32) {
        return IL1Block(L1_BLOCK).blobBaseFeeScalar();
    }

    function overhead() public view returns (uint256) {
        return IL1Block(L1_BLOCK).l1FeeOverhead();
    }

    function scalar() public view returns (uint256) {
        return IL1Block(L1_BLOCK).l1FeeScalar();
    }

    /// @notice The L1 data fee of an unsigned transaction.
    function getL1Fee(bytes memory _data) external view returns (uint256) {
        if (isFjord) return _fjordFee(_flzLen(_data) + 68);
        uint256 gasUsed = _calldataGas(_data);
        if (isEcotone) {
            uint256 scaled = 16 * l1BaseFee() * baseFeeScalar() + blobBaseFee() * blobBaseFeeScalar();
            return (gasUsed * scaled) / (16 * 10 ** DECIMALS);
        }
        return ((gasUsed + overhead()) * l1BaseFee() * scalar()) / 10 ** DECIMALS;
    }

    /// @notice An upper bound of the L1 data fee of an unsigned transaction of this size (Fjord).
    function getL1FeeUpperBound(uint256 _unsignedTxSize) external view returns (uint256) {
        uint256 txSize = _unsignedTxSize + 68;
        // FastLZ never expands data by more than this.
        uint256 flzUpperBound = txSize + txSize / 255 + 16;
        return _fjordFee(flzUpperBound);
    }

    /// @notice The L1 gas an unsigned transaction's data is charged as (deprecated since Fjord,
    ///         where it is derived from the size estimate).
    function getL1GasUsed(bytes memory _data) external view returns (uint256) {
        if (isFjord) return (_fjordSize(_flzLen(_data) + 68) * 16) / 10 ** DECIMALS;
        uint256 gasUsed = _calldataGas(_data);
        return isEcotone ? gasUsed : gasUsed + overhead();
    }

    /// @notice The operator fee for `_gasUsed` gas (Isthmus).
    function getOperatorFee(uint256 _gasUsed) external view returns (uint256) {
        if (!isIsthmus) return 0;
        IL1Block l1 = IL1Block(L1_BLOCK);
        return (_gasUsed * l1.operatorFeeScalar()) / 10 ** DECIMALS + l1.operatorFeeConstant();
    }

    /// @dev Calldata gas of the tx with a 68-byte non-zero signature added.
    function _calldataGas(bytes memory _data) internal pure returns (uint256 total) {
        for (uint256 i = 0; i < _data.length; i++) {
            total += _data[i] == 0 ? 4 : 16;
        }
        total += 68 * 16;
    }

    function _fjordSize(uint256 _fastLzSize) internal pure returns (uint256) {
        int256 estimate = FJORD_INTERCEPT + int256(FJORD_FASTLZ_COEF * _fastLzSize);
        uint256 minimum = FJORD_MIN_TX_SIZE * 10 ** DECIMALS;
        return estimate < int256(minimum) ? minimum : uint256(estimate);
    }

    function _fjordFee(uint256 _fastLzSize) internal view returns (uint256) {
        uint256 scaled = baseFeeScalar() * l1BaseFee() * 16 + blobBaseFeeScalar() * blobBaseFee();
        return (_fjordSize(_fastLzSize) * scaled) / 10 ** (DECIMALS * 2);
    }

    /// @dev Length of the FastLZ (level 1) compression of `_data`: literal runs cost one byte
    ///      per 32 plus the bytes; matches of 3+ bytes found through a 13-bit hash of the next
    ///      three bytes cost 2 or 3 bytes (more for very long ones). Only the length is computed.
    function _flzLen(bytes memory _data) internal pure returns (uint256 n) {
        uint256 len = _data.length;
        uint256[] memory table = new uint256[](8192);
        uint256 limit = len < 13 ? 0 : len - 13;
        uint256 anchor = 0;
        uint256 ip = 2;
        while (ip < limit) {
            uint256 ref;
            while (true) {
                uint256 seq = _u24(_data, ip);
                uint256 h = _hash(seq);
                ref = table[h];
                table[h] = ip;
                uint256 distance = ip - ref;
                if (ip >= limit) break;
                ip++;
                if (distance <= 0x1fff && seq == _u24(_data, ref)) break;
            }
            if (ip >= limit) break;
            ip--;
            if (ip > anchor) n += _literalCost(ip - anchor);
            uint256 l = _matchLength(_data, ref + 3, ip + 3, limit + 9);
            n += _matchCost(l);
            ip += l;
            table[_hash(_u24(_data, ip))] = ip;
            ip++;
            table[_hash(_u24(_data, ip))] = ip;
            ip++;
            anchor = ip;
        }
        n += _literalCost(len - anchor);
    }

    function _u24(bytes memory _data, uint256 _i) private pure returns (uint256) {
        return uint256(uint8(_data[_i])) | (uint256(uint8(_data[_i + 1])) << 8) | (uint256(uint8(_data[_i + 2])) << 16);
    }

    function _hash(uint256 _v) private pure returns (uint256) {
        // 32-bit multiplicative hash, as the reference implementation computes it in uint32.
        return (((2654435769 * _v) & 0xffffffff) >> 19) & 0x1fff;
    }

    /// @dev Bytes compared from `_q` (against `_p`) before the end `_e`: the index of the
    ///      first mismatch plus one, or the whole distance when none is found (this off-by-one
    ///      is part of the reference algorithm and changes the length).
    function _matchLength(bytes memory _data, uint256 _p, uint256 _q, uint256 _e) private pure returns (uint256 l) {
        uint256 end = _e - _q;
        while (l < end) {
            bool differ = _data[_p + l] != _data[_q + l];
            l++;
            if (differ) break;
        }
    }

    function _literalCost(uint256 _r) private pure returns (uint256 n) {
        n = 0x21 * (_r / 0x20);
        _r %= 0x20;
        if (_r != 0) n += _r + 1;
    }

    function _matchCost(uint256 _l) private pure returns (uint256 n) {
        _l--;
        n = 3 * (_l / 262);
        n += _l % 262 >= 6 ? 3 : 2;
    }
}
