// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice Strict standard-alphabet base64 decoding for tests (padding required, no whitespace).
library Base64Decode {
    function decode(string memory input) internal pure returns (bytes memory out) {
        bytes memory data = bytes(input);
        require(data.length % 4 == 0, "base64: length not a multiple of 4");
        if (data.length == 0) return out;
        uint256 pad = 0;
        if (data[data.length - 1] == "=") pad++;
        if (data[data.length - 2] == "=") pad++;
        out = new bytes((data.length / 4) * 3 - pad);
        uint256 o = 0;
        for (uint256 i = 0; i < data.length; i += 4) {
            uint256 n = (_val(data[i]) << 18) | (_val(data[i + 1]) << 12);
            bool p2 = data[i + 2] == "=";
            bool p3 = data[i + 3] == "=";
            require(!p2 || p3, "base64: bad padding");
            require(!(p2 || p3) || i + 4 == data.length, "base64: padding inside");
            if (!p2) n |= _val(data[i + 2]) << 6;
            if (!p3) n |= _val(data[i + 3]);
            out[o++] = bytes1(uint8(n >> 16));
            if (!p2) out[o++] = bytes1(uint8(n >> 8));
            if (!p3) out[o++] = bytes1(uint8(n));
        }
    }

    function _val(bytes1 c) private pure returns (uint256) {
        uint8 x = uint8(c);
        if (x >= 65 && x <= 90) return x - 65;
        if (x >= 97 && x <= 122) return x - 71;
        if (x >= 48 && x <= 57) return x + 4;
        if (x == 43) return 62;
        if (x == 47) return 63;
        revert("base64: invalid character");
    }
}
