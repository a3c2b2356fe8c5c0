// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";

/// @title PhemeToken
/// @notice The $PHEME token: ERC-20 with EIP-2612 permit, ERC-5805 votes (block-number clock) and
///         burning. Exactly 1,000,000,000 tokens (18 decimals) are minted once, in the constructor,
///         to the distribution addresses; there is no minter afterwards.
contract PhemeToken is ERC20, ERC20Permit, ERC20Votes, ERC20Burnable {
    /// @notice The fixed total supply minted at deployment.
    uint256 public constant INITIAL_SUPPLY = 1_000_000_000 ether;

    /// @notice The recipients and amounts arrays differ in length or are empty.
    error DistributionLengthMismatch();
    /// @notice The amounts do not add up to INITIAL_SUPPLY.
    error DistributionSumMismatch(uint256 sum);
    /// @notice A recipient is the zero address or an amount is zero.
    error InvalidDistributionEntry(uint256 index);

    /// @notice Emitted once per recipient at deployment.
    event InitialDistribution(address indexed recipient, uint256 amount);

    /// @param recipients distribution addresses (treasury, vesting wallets, reward pools, ...)
    /// @param amounts token amounts (wei) for each recipient; they must sum to INITIAL_SUPPLY
    constructor(address[] memory recipients, uint256[] memory amounts)
        ERC20("Pheme", "PHEME")
        ERC20Permit("Pheme")
    {
        if (recipients.length == 0 || recipients.length != amounts.length) revert DistributionLengthMismatch();
        uint256 sum;
        for (uint256 i = 0; i < recipients.length; i++) {
            if (recipients[i] == address(0) || amounts[i] == 0) revert InvalidDistributionEntry(i);
            sum += amounts[i];
            _mint(recipients[i], amounts[i]);
            emit InitialDistribution(recipients[i], amounts[i]);
        }
        if (sum != INITIAL_SUPPLY) revert DistributionSumMismatch(sum);
    }

    /// @inheritdoc ERC20Permit
    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }

    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        super._update(from, to, value);
    }
}
