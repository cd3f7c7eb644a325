// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title RLPReader
/// @notice Reads RLP items in place: an item is addressed by its offset within a `bytes` buffer,
///         so walking a trie node never copies more than the strings asked for. Every read is
///         bounds-checked and rejects non-canonical lengths, so a malformed proof reverts with
///         a reason instead of reading garbage.
library RLPReader {
    /// @notice The item at `off` in `b`: whether it is a list, where its payload starts, its
    ///         payload length, and where the item ends.
    function item(bytes memory b, uint256 off)
        internal
        pure
        returns (bool isList, uint256 start, uint256 len, uint256 end)
    {
        require(off < b.length, "RLPReader: item out of bounds");
        uint256 prefix = uint8(b[off]);
        if (prefix < 0x80) {
            return (false, off, 1, off + 1);
        }
        if (prefix < 0xb8) {
            len = prefix - 0x80;
            start = off + 1;
            // A single byte below 0x80 must be encoded as itself.
            require(len != 1 || (start < b.length && uint8(b[start]) >= 0x80), "RLPReader: non-canonical byte");
        } else if (prefix < 0xc0) {
            (len, start) = _longLength(b, off, prefix - 0xb7);
        } else if (prefix < 0xf8) {
            isList = true;
            len = prefix - 0xc0;
            start = off + 1;
        } else {
            isList = true;
            (len, start) = _longLength(b, off, prefix - 0xf7);
        }
        end = start + len;
        require(end <= b.length, "RLPReader: item longer than its buffer");
    }

    /// @notice The offsets of the items of the list that is all of `b`.
    function list(bytes memory b) internal pure returns (uint256[] memory offsets) {
        (bool isList, uint256 start, , uint256 end) = item(b, 0);
        require(isList, "RLPReader: not a list");
        require(end == b.length, "RLPReader: trailing bytes after list");
        uint256 count;
        for (uint256 p = start; p < end; count++) {
            (, , , p) = item(b, p);
        }
        offsets = new uint256[](count);
        uint256 q = start;
        for (uint256 i = 0; i < count; i++) {
            offsets[i] = q;
            (, , , q) = item(b, q);
        }
        require(q == end, "RLPReader: list items overrun the list");
    }

    /// @notice The payload of the string item at `off` in `b`.
    function readBytes(bytes memory b, uint256 off) internal pure returns (bytes memory) {
        (bool isList, uint256 start, uint256 len, ) = item(b, off);
        require(!isList, "RLPReader: expected a string");
        return slice(b, start, len);
    }

    /// @notice A copy of `len` bytes of `b` from `start` (bounds checked by the caller's item).
    function slice(bytes memory b, uint256 start, uint256 len) internal pure returns (bytes memory out) {
        require(start + len <= b.length, "RLPReader: slice out of bounds");
        out = new bytes(len);
        // Whole words: the last one may fill `out`'s padding up to the next word boundary,
        // which `new bytes` has allocated.
        assembly ("memory-safe") {
            let src := add(add(b, 0x20), start)
            let dst := add(out, 0x20)
            for { let i := 0 } lt(i, len) { i := add(i, 0x20) } {
                mstore(add(dst, i), mload(add(src, i)))
            }
        }
    }

    function _longLength(bytes memory b, uint256 off, uint256 lenOfLen)
        private
        pure
        returns (uint256 len, uint256 start)
    {
        require(lenOfLen <= 8, "RLPReader: length too large");
        require(off + 1 + lenOfLen <= b.length, "RLPReader: length out of bounds");
        require(uint8(b[off + 1]) != 0, "RLPReader: length with leading zero");
        for (uint256 i = 0; i < lenOfLen; i++) {
            len = (len << 8) | uint8(b[off + 1 + i]);
        }
        require(len > 55, "RLPReader: long form for a short item");
        start = off + 1 + lenOfLen;
    }
}
