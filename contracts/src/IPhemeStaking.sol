// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IPhemeStaking
/// @notice What the ValidatorRegistry uses of PhemeStaking.
interface IPhemeStaking {
    /// @notice Active stake of `account`.
    function stakeOf(address account) external view returns (uint256);
    /// @notice Lock `amount` of `account`'s active stake (0 unlocks).
    function setLock(address account, uint256 amount) external;
    /// @notice Slash up to `amount` of `account`'s stake; returns what was taken.
    function slash(address account, uint256 amount, bool burn) external returns (uint256);
}
