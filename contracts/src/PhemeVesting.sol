// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {VestingWallet} from "@openzeppelin/contracts/finance/VestingWallet.sol";
import {VestingWalletCliff} from "@openzeppelin/contracts/finance/VestingWalletCliff.sol";

/// @title PhemeVesting
/// @notice OpenZeppelin vesting wallet with a cliff: nothing is releasable before `start + cliff`,
///         after it the vested amount is linear in time from `start` over `duration` (so at the cliff
///         the share for the elapsed cliff becomes releasable at once). The team schedule is
///         start = deployment, duration = 63,072,000 s (730 days), cliff = 2,592,000 s (30 days).
/// @dev Ownership (the beneficiary) is transferable by the beneficiary, as in VestingWallet.
contract PhemeVesting is VestingWalletCliff {
    /// @notice The team schedule's duration: 730 days.
    uint64 public constant TEAM_DURATION = 63_072_000;
    /// @notice The team schedule's cliff: 30 days.
    uint64 public constant TEAM_CLIFF = 2_592_000;

    /// @param beneficiary who may release vested tokens
    /// @param startTimestamp start of the linear schedule (unix seconds)
    /// @param durationSeconds length of the linear schedule
    /// @param cliffSeconds cliff after the start, at most `durationSeconds`
    constructor(address beneficiary, uint64 startTimestamp, uint64 durationSeconds, uint64 cliffSeconds)
        VestingWallet(beneficiary, startTimestamp, durationSeconds)
        VestingWalletCliff(cliffSeconds)
    {}
}
