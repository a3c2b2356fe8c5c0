// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {ERC1155} from "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";

/// @notice Plain OpenZeppelin ERC-721 with an open counter mint: the gas baseline for SkillWallet.
contract BaselineERC721 is ERC721 {
    uint256 private _next = 1;

    constructor() ERC721("Baseline", "BASE") {}

    function mint(address to) external returns (uint256 id) {
        id = _next++;
        _mint(to, id);
    }
}

/// @notice Plain OpenZeppelin ERC-1155 with an open mint: the gas baseline for PhemeBadges.
contract BaselineERC1155 is ERC1155 {
    constructor() ERC1155("") {}

    function mint(address to, uint256 id, uint256 amount) external {
        _mint(to, id, amount, "");
    }
}
