// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice A small sorted-pair Merkle tree builder for tests (the hashing OpenZeppelin's
///         MerkleProof verifies: parent = keccak256(min(a,b) ‖ max(a,b)); an odd node is carried up).
library Merkle {
    function hashPair(bytes32 a, bytes32 b) internal pure returns (bytes32) {
        return a < b ? keccak256(abi.encodePacked(a, b)) : keccak256(abi.encodePacked(b, a));
    }

    function root(bytes32[] memory leaves) internal pure returns (bytes32) {
        require(leaves.length > 0, "no leaves");
        bytes32[] memory level = leaves;
        while (level.length > 1) {
            level = _up(level);
        }
        return level[0];
    }

    function proof(bytes32[] memory leaves, uint256 index) internal pure returns (bytes32[] memory) {
        bytes32[] memory out = new bytes32[](64);
        uint256 n;
        bytes32[] memory level = leaves;
        while (level.length > 1) {
            uint256 sibling = index ^ 1;
            if (sibling < level.length) out[n++] = level[sibling];
            level = _up(level);
            index /= 2;
        }
        bytes32[] memory p = new bytes32[](n);
        for (uint256 i = 0; i < n; i++) {
            p[i] = out[i];
        }
        return p;
    }

    function _up(bytes32[] memory level) private pure returns (bytes32[] memory next) {
        next = new bytes32[]((level.length + 1) / 2);
        for (uint256 i = 0; i < level.length; i += 2) {
            next[i / 2] = i + 1 < level.length ? hashPair(level[i], level[i + 1]) : level[i];
        }
    }
}
