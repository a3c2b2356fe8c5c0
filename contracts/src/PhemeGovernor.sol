// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {GovernorSettings} from "@openzeppelin/contracts/governance/extensions/GovernorSettings.sol";
import {GovernorTimelockControl} from "@openzeppelin/contracts/governance/extensions/GovernorTimelockControl.sol";
import {GovernorVotes} from "@openzeppelin/contracts/governance/extensions/GovernorVotes.sol";
import {GovernorVotesQuorumFraction} from
    "@openzeppelin/contracts/governance/extensions/GovernorVotesQuorumFraction.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";

/// @notice Staked voting power kept by PhemeStaking.
interface IStakedVotes {
    /// @notice Voting power from stake at a past timepoint of the token's clock.
    function getPastVotes(address account, uint256 timepoint) external view returns (uint256);
}

/// @notice Reputation checkpoints kept by ReputationOracle.
interface IReputationScores {
    /// @notice Score (0-100) at a past timepoint of the token's clock.
    function getPastScore(address user, uint256 timepoint) external view returns (uint256);
}

/// @title PhemeGovernor
/// @notice OpenZeppelin Governor for PHEME, executing through a TimelockController.
///         Raw voting power = token votes (delegated $PHEME) + staked votes (PhemeStaking keeps
///         checkpoints of active stakes), both at the proposal snapshot. In the for / against /
///         abstain tally a vote weighs `raw × (100 + reputation) / 100`, reputation being the voter's
///         score (0-100) in the ReputationOracle's checkpoints at the snapshot. Quorum (a fraction of
///         the token supply) and the proposal threshold (0.1% of the supply) are measured in raw
///         votes, so reputation makes neither cheaper.
/// @dev Not upgradeable. Counting mode "support=bravo&quorum=for,abstain&params=" with weighted
///      tallies; `proposalRawVotes` exposes the raw tallies quorum is checked against.
contract PhemeGovernor is
    Governor,
    GovernorSettings,
    GovernorVotes,
    GovernorVotesQuorumFraction,
    GovernorTimelockControl
{
    enum VoteType {
        Against,
        For,
        Abstain
    }

    struct ProposalTally {
        uint256 againstVotes; // weighted
        uint256 forVotes; // weighted
        uint256 abstainVotes; // weighted
        uint256 rawAgainst;
        uint256 rawFor;
        uint256 rawAbstain;
        mapping(address voter => bool) hasVoted;
    }

    /// @notice Staked voting power.
    IStakedVotes public immutable staking;
    /// @notice Reputation checkpoints.
    IReputationScores public immutable oracle;

    mapping(uint256 proposalId => ProposalTally) private _tallies;

    /// @notice A vote's raw and reputation-weighted weight (VoteCast carries the weighted one).
    event VoteWeighted(uint256 indexed proposalId, address indexed voter, uint256 rawWeight, uint256 reputation);

    /// @param token_ the $PHEME token (IVotes + ERC-6372 clock)
    /// @param staking_ PhemeStaking
    /// @param oracle_ ReputationOracle (its clock equals the token's)
    /// @param timelock_ the TimelockController that executes proposals
    /// @param votingDelay_ in clock units (blocks)
    /// @param votingPeriod_ in clock units (blocks)
    /// @param proposalThreshold_ raw votes needed to propose (0.1% of the supply in production)
    /// @param quorumPercent_ quorum as a percentage of the token supply at the snapshot
    constructor(
        IVotes token_,
        IStakedVotes staking_,
        IReputationScores oracle_,
        TimelockController timelock_,
        uint48 votingDelay_,
        uint32 votingPeriod_,
        uint256 proposalThreshold_,
        uint256 quorumPercent_
    )
        Governor("PhemeGovernor")
        GovernorSettings(votingDelay_, votingPeriod_, proposalThreshold_)
        GovernorVotes(token_)
        GovernorVotesQuorumFraction(quorumPercent_)
        GovernorTimelockControl(timelock_)
    {
        staking = staking_;
        oracle = oracle_;
    }

    // ------------------------------------------------------------------ counting

    /// @inheritdoc IGovernor
    // solhint-disable-next-line func-name-mixedcase
    function COUNTING_MODE() public pure override returns (string memory) {
        return "support=bravo&quorum=for,abstain";
    }

    /// @inheritdoc IGovernor
    function hasVoted(uint256 proposalId, address account) public view override returns (bool) {
        return _tallies[proposalId].hasVoted[account];
    }

    /// @notice Reputation-weighted tallies (what decides the outcome).
    function proposalVotes(uint256 proposalId)
        external
        view
        returns (uint256 againstVotes, uint256 forVotes, uint256 abstainVotes)
    {
        ProposalTally storage t = _tallies[proposalId];
        return (t.againstVotes, t.forVotes, t.abstainVotes);
    }

    /// @notice Raw tallies (what quorum is checked against).
    function proposalRawVotes(uint256 proposalId)
        external
        view
        returns (uint256 againstVotes, uint256 forVotes, uint256 abstainVotes)
    {
        ProposalTally storage t = _tallies[proposalId];
        return (t.rawAgainst, t.rawFor, t.rawAbstain);
    }

    /// @notice The tally weight of `raw` votes of a voter with `reputation` (0-100).
    function weightedVotes(uint256 raw, uint256 reputation) public pure returns (uint256) {
        return (raw * (100 + reputation)) / 100;
    }

    /// @dev Raw votes: token votes plus staked votes at the timepoint.
    function _getVotes(address account, uint256 timepoint, bytes memory params)
        internal
        view
        override(Governor, GovernorVotes)
        returns (uint256)
    {
        return super._getVotes(account, timepoint, params) + staking.getPastVotes(account, timepoint);
    }

    /// @dev Quorum on raw for + abstain.
    function _quorumReached(uint256 proposalId) internal view override returns (bool) {
        ProposalTally storage t = _tallies[proposalId];
        return quorum(proposalSnapshot(proposalId)) <= t.rawFor + t.rawAbstain;
    }

    /// @dev Weighted for strictly above weighted against.
    function _voteSucceeded(uint256 proposalId) internal view override returns (bool) {
        ProposalTally storage t = _tallies[proposalId];
        return t.forVotes > t.againstVotes;
    }

    /// @dev Adds the raw weight to the raw tally and the reputation-weighted weight to the outcome
    ///      tally; returns the weighted weight.
    function _countVote(uint256 proposalId, address account, uint8 support, uint256 totalWeight, bytes memory)
        internal
        override
        returns (uint256)
    {
        ProposalTally storage t = _tallies[proposalId];
        if (t.hasVoted[account]) revert GovernorAlreadyCastVote(account);
        t.hasVoted[account] = true;
        uint256 reputation = oracle.getPastScore(account, proposalSnapshot(proposalId));
        if (reputation > 100) reputation = 100;
        uint256 weighted = weightedVotes(totalWeight, reputation);
        if (support == uint8(VoteType.Against)) {
            t.againstVotes += weighted;
            t.rawAgainst += totalWeight;
        } else if (support == uint8(VoteType.For)) {
            t.forVotes += weighted;
            t.rawFor += totalWeight;
        } else if (support == uint8(VoteType.Abstain)) {
            t.abstainVotes += weighted;
            t.rawAbstain += totalWeight;
        } else {
            revert GovernorInvalidVoteType();
        }
        emit VoteWeighted(proposalId, account, totalWeight, reputation);
        return weighted;
    }

    // ------------------------------------------------------------------ required overrides

    /// @inheritdoc Governor
    function proposalThreshold() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.proposalThreshold();
    }

    /// @inheritdoc Governor
    function state(uint256 proposalId)
        public
        view
        override(Governor, GovernorTimelockControl)
        returns (ProposalState)
    {
        return super.state(proposalId);
    }

    /// @inheritdoc Governor
    function proposalNeedsQueuing(uint256 proposalId)
        public
        view
        override(Governor, GovernorTimelockControl)
        returns (bool)
    {
        return super.proposalNeedsQueuing(proposalId);
    }

    function _queueOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint48) {
        return super._queueOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _executeOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) {
        super._executeOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _cancel(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint256) {
        return super._cancel(targets, values, calldatas, descriptionHash);
    }

    function _executor() internal view override(Governor, GovernorTimelockControl) returns (address) {
        return super._executor();
    }
}
