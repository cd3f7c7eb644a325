// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import { RLPReader } from "./RLPReader.sol";

/// @title MerkleTrie
/// @notice Checks Merkle-Patricia proofs as `eth_getProof` returns them: the RLP of every
///         hashed node on the key's path, root first. Nodes shorter than 32 bytes are inline in
///         their parent and are read from there (a proof may also repeat them, as some
///         clients' proofs do).
library MerkleTrie {
    /// @notice The value of `key` in the trie with root `root`, proven by `proof`. Reverts if the
    ///         proof is malformed, does not lead from the root to the key, or proves absence.
    function get(bytes memory key, bytes[] memory proof, bytes32 root) internal pure returns (bytes memory) {
        require(proof.length > 0, "MerkleTrie: empty proof");
        bytes memory path = _nibbles(key);
        uint256 pos;
        uint256 next = 1;
        bytes memory node = proof[0];
        require(keccak256(node) == root, "MerkleTrie: root hash mismatch");
        while (true) {
            uint256[] memory items = RLPReader.list(node);
            uint256 childOff;
            if (items.length == 17) {
                if (pos == path.length) {
                    bytes memory value = RLPReader.readBytes(node, items[16]);
                    require(value.length > 0, "MerkleTrie: key not in trie");
                    require(next == proof.length, "MerkleTrie: proof continues past the value");
                    return value;
                }
                childOff = items[uint8(path[pos])];
                pos += 1;
            } else if (items.length == 2) {
                bytes memory hp = RLPReader.readBytes(node, items[0]);
                require(hp.length > 0, "MerkleTrie: empty node path");
                uint8 flag = uint8(hp[0]) >> 4;
                require(flag <= 3, "MerkleTrie: bad node path prefix");
                bool odd = flag & 1 == 1;
                require(odd || uint8(hp[0]) & 0x0f == 0, "MerkleTrie: bad node path padding");
                uint256 n = hp.length * 2 - (odd ? 1 : 2);
                require(pos + n <= path.length, "MerkleTrie: key not in trie");
                for (uint256 i = 0; i < n; i++) {
                    uint256 j = i + (odd ? 1 : 2);
                    uint8 nib = j % 2 == 0 ? uint8(hp[j / 2]) >> 4 : uint8(hp[j / 2]) & 0x0f;
                    require(nib == uint8(path[pos + i]), "MerkleTrie: key not in trie");
                }
                pos += n;
                if (flag >= 2) {
                    require(pos == path.length, "MerkleTrie: key not in trie");
                    require(next == proof.length, "MerkleTrie: proof continues past the value");
                    return RLPReader.readBytes(node, items[1]);
                }
                childOff = items[1];
            } else {
                revert("MerkleTrie: node is neither branch, extension nor leaf");
            }

            (bool isInline, uint256 start, uint256 len, uint256 end) = RLPReader.item(node, childOff);
            if (isInline) {
                node = RLPReader.slice(node, childOff, end - childOff);
                require(node.length < 32, "MerkleTrie: inline node of 32 bytes or more");
                // Some clients list inline nodes in proofs as well; step over such a copy.
                if (next < proof.length && keccak256(proof[next]) == keccak256(node)) {
                    next += 1;
                }
            } else {
                require(len != 0, "MerkleTrie: key not in trie");
                require(len == 32, "MerkleTrie: bad child reference");
                require(next < proof.length, "MerkleTrie: proof ends before the value");
                bytes32 childHash;
                assembly ("memory-safe") {
                    childHash := mload(add(add(node, 0x20), start))
                }
                node = proof[next];
                next += 1;
                require(keccak256(node) == childHash, "MerkleTrie: node hash mismatch");
            }
        }
    }

    /// @notice Whether `proof` shows `key` holding exactly `value` under `root` (reverts when the
    ///         proof itself is malformed).
    function verifyInclusion(bytes memory key, bytes memory value, bytes[] memory proof, bytes32 root)
        internal
        pure
        returns (bool)
    {
        return keccak256(get(key, proof, root)) == keccak256(value);
    }

    function _nibbles(bytes memory key) private pure returns (bytes memory out) {
        out = new bytes(key.length * 2);
        for (uint256 i = 0; i < key.length; i++) {
            out[2 * i] = bytes1(uint8(key[i]) >> 4);
            out[2 * i + 1] = bytes1(uint8(key[i]) & 0x0f);
        }
    }
}

/// @title SecureMerkleTrie
/// @notice Ethereum's state and storage tries key by `keccak256(key)`.
library SecureMerkleTrie {
    function verifyInclusion(bytes memory key, bytes memory value, bytes[] memory proof, bytes32 root)
        internal
        pure
        returns (bool)
    {
        return MerkleTrie.verifyInclusion(abi.encodePacked(keccak256(key)), value, proof, root);
    }
}
