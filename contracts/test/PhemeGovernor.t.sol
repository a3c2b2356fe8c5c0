// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Fixture} from "./base/Fixture.sol";
import {Merkle} from "./base/Merkle.sol";
import {PhemeGovernor} from "../src/PhemeGovernor.sol";
import {PhemeStaking} from "../src/PhemeStaking.sol";
import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";

contract PhemeGovernorTest is Fixture {
    address alice; // 6M delegated + 4M staked = 10M raw, reputation 100 when published
    address bob; // 12M delegated, reputation 0
    address carol; // 35M delegated, abstains
    address dave; // 0.9M: below the proposal threshold

    function setUp() public override {
        super.setUp();
        alice = makeAddr("alice");
        bob = makeAddr("bob");
        carol = makeAddr("carol");
        dave = makeAddr("dave");
        fund(alice, 10_000_000 ether);
        fund(bob, 12_000_000 ether);
        fund(carol, 35_000_000 ether);
        fund(dave, 900_000 ether);
        vm.startPrank(alice);
        s.token.delegate(alice);
        s.token.approve(address(s.staking), 4_000_000 ether);
        s.staking.stake(4_000_000 ether);
        vm.stopPrank();
        vm.prank(bob);
        s.token.delegate(bob);
        vm.prank(carol);
        s.token.delegate(carol);
        vm.prank(dave);
        s.token.delegate(dave);
        vm.roll(block.number + 1);
    }

    function _publishReputation(uint8 aliceScore, uint8 bobScore) internal {
        address[] memory u = new address[](2);
        uint8[] memory sc = new uint8[](2);
        (u[0], sc[0], u[1], sc[1]) = alice < bob ? (alice, aliceScore, bob, bobScore) : (bob, bobScore, alice, aliceScore);
        publishScores(s.oracle.latestRound() + 1, u, sc);
        vm.roll(block.number + 1);
    }

    function _proposal()
        internal
        view
        returns (address[] memory targets, uint256[] memory values, bytes[] memory calldatas, string memory desc)
    {
        targets = new address[](1);
        values = new uint256[](1);
        calldatas = new bytes[](1);
        targets[0] = address(s.staking);
        calldatas[0] = abi.encodeCall(PhemeStaking.setCooldown, (3 days));
        desc = "Shorten the unstake cooldown to 3 days";
    }

    function _proposeAndVote(bool carolVotes) internal returns (uint256 id) {
        (address[] memory t, uint256[] memory v, bytes[] memory c, string memory d) = _proposal();
        vm.prank(alice);
        id = s.governor.propose(t, v, c, d);
        vm.roll(block.number + s.governor.votingDelay() + 1);
        vm.prank(alice);
        s.governor.castVote(id, 1); // for
        vm.prank(bob);
        s.governor.castVote(id, 0); // against
        if (carolVotes) {
            vm.prank(carol);
            s.governor.castVote(id, 2); // abstain
        }
        vm.roll(block.number + s.governor.votingPeriod() + 1);
    }

    function test_rawVotesIncludeStake() public view {
        assertEq(s.governor.getVotes(alice, block.number - 1), 10_000_000 ether, "token + staked votes");
        assertEq(s.governor.getVotes(bob, block.number - 1), 12_000_000 ether, "token votes");
    }

    /// propose → vote → queue → execute through the timelock; reputation turns a 10M-vs-12M loss
    /// into a 20M-vs-12M win.
    function test_endToEndReputationDecidesTheOutcome() public {
        _publishReputation(100, 0);
        uint256 id = _proposeAndVote(true);
        (uint256 against, uint256 forVotes, uint256 abstain) = s.governor.proposalVotes(id);
        assertEq(forVotes, 20_000_000 ether, "alice weighs double");
        assertEq(against, 12_000_000 ether, "bob weighs raw");
        assertEq(abstain, 35_000_000 ether, "carol abstains");
        (uint256 rawAgainst, uint256 rawFor, uint256 rawAbstain) = s.governor.proposalRawVotes(id);
        assertEq(rawFor, 10_000_000 ether, "raw for");
        assertEq(rawAgainst, 12_000_000 ether, "raw against");
        assertEq(rawAbstain, 35_000_000 ether, "raw abstain");
        assertEq(uint8(s.governor.state(id)), uint8(IGovernor.ProposalState.Succeeded), "succeeded");

        (address[] memory t, uint256[] memory v, bytes[] memory c, string memory d) = _proposal();
        s.governor.queue(t, v, c, keccak256(bytes(d)));
        assertEq(uint8(s.governor.state(id)), uint8(IGovernor.ProposalState.Queued), "queued");
        vm.expectRevert(); // the timelock delay is not over
        s.governor.execute(t, v, c, keccak256(bytes(d)));
        vm.warp(block.timestamp + 1 days);
        s.governor.execute(t, v, c, keccak256(bytes(d)));
        assertEq(uint8(s.governor.state(id)), uint8(IGovernor.ProposalState.Executed), "executed");
        assertEq(s.staking.cooldown(), 3 days, "the timelock changed the cooldown");
    }

    /// A large epoch publishes only its root; alice records her own score with its proof, and the
    /// governor weighs her vote by it from then on.
    function test_recordedScoreWeighsVotes() public {
        bytes32[] memory leaves = new bytes32[](3);
        leaves[0] = s.oracle.scoreLeaf(alice, 100);
        leaves[1] = s.oracle.scoreLeaf(bob, 0);
        leaves[2] = s.oracle.scoreLeaf(carol, 40);
        bytes32 root = Merkle.root(leaves);
        address[] memory none = new address[](0);
        uint8[] memory noScores = new uint8[](0);
        uint256 round = s.oracle.latestRound() + 1;
        s.oracle.submitRound(round, root, none, noScores, signRound(firstKeys(THRESHOLD), round, root, none, noScores));
        address[] memory u = new address[](1);
        uint8[] memory sc = new uint8[](1);
        bytes32[][] memory p = new bytes32[][](1);
        (u[0], sc[0], p[0]) = (alice, 100, Merkle.proof(leaves, 0));
        vm.prank(alice);
        assertEq(s.oracle.recordScores(round, u, sc, p), 1, "alice recorded her score");
        vm.roll(block.number + 1);
        uint256 id = _proposeAndVote(true);
        (uint256 against, uint256 forVotes,) = s.governor.proposalVotes(id);
        assertEq(forVotes, 20_000_000 ether, "alice weighs double");
        assertEq(against, 12_000_000 ether, "bob weighs raw");
        assertEq(uint8(s.governor.state(id)), uint8(IGovernor.ProposalState.Succeeded), "succeeded");
    }

    function test_sameVotesWithoutReputationAreDefeated() public {
        _publishReputation(0, 0);
        uint256 id = _proposeAndVote(true);
        (uint256 against, uint256 forVotes,) = s.governor.proposalVotes(id);
        assertEq(forVotes, 10_000_000 ether, "raw weight");
        assertEq(against, 12_000_000 ether, "raw weight");
        assertEq(uint8(s.governor.state(id)), uint8(IGovernor.ProposalState.Defeated), "defeated");
    }

    function test_reputationIsReadAtTheSnapshot() public {
        (address[] memory t, uint256[] memory v, bytes[] memory c, string memory d) = _proposal();
        vm.prank(alice);
        uint256 id = s.governor.propose(t, v, c, d);
        vm.roll(block.number + s.governor.votingDelay() + 1);
        _publishReputation(100, 0); // after the snapshot: must not count
        vm.prank(alice);
        s.governor.castVote(id, 1);
        (, uint256 forVotes,) = s.governor.proposalVotes(id);
        assertEq(forVotes, 10_000_000 ether, "reputation published after the snapshot is ignored");
    }

    function test_quorumCountsRawVotesOnly() public {
        _publishReputation(100, 0);
        // carol votes with only 25M of her 35M: move 10M away before the snapshot
        vm.prank(carol);
        s.token.transfer(makeAddr("elsewhere"), 10_000_000 ether);
        vm.roll(block.number + 1);
        uint256 id = _proposeAndVote(true);
        (, uint256 forVotes, uint256 abstain) = s.governor.proposalVotes(id);
        assertGe(forVotes + abstain, s.governor.quorum(s.governor.proposalSnapshot(id)), "weighted would reach quorum");
        (, uint256 rawFor, uint256 rawAbstain) = s.governor.proposalRawVotes(id);
        assertLt(rawFor + rawAbstain, s.governor.quorum(s.governor.proposalSnapshot(id)), "raw does not");
        assertEq(uint8(s.governor.state(id)), uint8(IGovernor.ProposalState.Defeated), "no quorum");
    }

    function test_proposalThresholdCountsRawVotesOnly() public {
        address[] memory u = new address[](1);
        uint8[] memory sc = new uint8[](1);
        (u[0], sc[0]) = (dave, 100);
        publishScores(1, u, sc);
        vm.roll(block.number + 1);
        assertEq(s.governor.proposalThreshold(), 1_000_000 ether, "0.1% of the supply");
        (address[] memory t, uint256[] memory v, bytes[] memory c, string memory d) = _proposal();
        vm.prank(dave);
        vm.expectRevert(
            abi.encodeWithSelector(
                IGovernor.GovernorInsufficientProposerVotes.selector, dave, 900_000 ether, 1_000_000 ether
            )
        );
        s.governor.propose(t, v, c, d);
    }

    function test_cannotVoteTwice() public {
        (address[] memory t, uint256[] memory v, bytes[] memory c, string memory d) = _proposal();
        vm.prank(alice);
        uint256 id = s.governor.propose(t, v, c, d);
        vm.roll(block.number + 2);
        vm.prank(bob);
        s.governor.castVote(id, 0);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IGovernor.GovernorAlreadyCastVote.selector, bob));
        s.governor.castVote(id, 1);
        assertTrue(s.governor.hasVoted(id, bob), "recorded");
    }

    function test_clocksAgree() public view {
        assertEq(s.governor.clock(), s.token.clock(), "governor");
        assertEq(s.oracle.clock(), s.token.clock(), "oracle");
        assertEq(s.governor.CLOCK_MODE(), s.token.CLOCK_MODE(), "governor mode");
        assertEq(s.oracle.CLOCK_MODE(), s.token.CLOCK_MODE(), "oracle mode");
        assertEq(s.governor.timelock(), address(s.timelock), "timelock");
    }

    function testFuzz_weighting(uint128 raw, uint8 rep) public view {
        uint256 r = bound(rep, 0, 100);
        uint256 w = s.governor.weightedVotes(raw, r);
        assertEq(w, (uint256(raw) * (100 + r)) / 100, "formula");
        assertGe(w, raw, "never below raw");
        assertLe(w, uint256(raw) * 2, "at most double");
    }
}
