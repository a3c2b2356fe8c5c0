// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Fixture} from "./base/Fixture.sol";
import {PhemeStaking} from "../src/PhemeStaking.sol";
import {ValidatorRegistry} from "../src/ValidatorRegistry.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

contract PhemeStakingTest is Fixture {
    address alice;
    address bob;

    function setUp() public override {
        super.setUp();
        alice = makeAddr("alice");
        bob = makeAddr("bob");
        fund(alice, 10_000_000 ether);
        fund(bob, 10_000_000 ether);
        vm.prank(alice);
        s.token.approve(address(s.staking), type(uint256).max);
        vm.prank(bob);
        s.token.approve(address(s.staking), type(uint256).max);
    }

    function _stake(address who, uint256 amount) internal {
        vm.prank(who);
        s.staking.stake(amount);
    }

    function test_stakeCheckpointsVotesOnTheTokenClock() public {
        _stake(alice, 100 ether);
        assertEq(s.staking.stakeOf(alice), 100 ether, "stake");
        assertEq(s.staking.getVotes(alice), 100 ether, "votes");
        assertEq(s.staking.clock(), s.token.clock(), "clock");
        assertEq(s.staking.CLOCK_MODE(), s.token.CLOCK_MODE(), "clock mode");
        uint256 b = block.number;
        vm.roll(b + 5);
        _stake(alice, 50 ether);
        vm.roll(b + 6);
        assertEq(s.staking.getPastVotes(alice, b), 100 ether, "past");
        assertEq(s.staking.getPastVotes(alice, b + 5), 150 ether, "later");
        assertEq(s.staking.getPastTotalStaked(b + 5), 150 ether, "total");
        vm.expectRevert(abi.encodeWithSelector(PhemeStaking.FutureLookup.selector, b + 6, uint48(b + 6)));
        s.staking.getPastVotes(alice, b + 6);
    }

    function test_cooldownUnstakeWithdraw() public {
        _stake(alice, 100 ether);
        uint256 before = s.token.balanceOf(alice);
        vm.prank(alice);
        s.staking.requestUnstake(40 ether);
        assertEq(s.staking.stakeOf(alice), 60 ether, "active stake reduced at once");
        assertEq(s.staking.getVotes(alice), 60 ether, "votes follow the active stake");
        (uint256 amount, uint256 readyAt) = s.staking.unstakeOf(alice);
        assertEq(amount, 40 ether, "pending");
        assertEq(readyAt, block.timestamp + 7 days, "ready after the cooldown");
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(PhemeStaking.CooldownNotOver.selector, readyAt));
        s.staking.withdraw();
        vm.warp(readyAt);
        vm.prank(alice);
        s.staking.withdraw();
        assertEq(s.token.balanceOf(alice), before + 40 ether, "withdrawn");
        vm.prank(alice);
        vm.expectRevert(PhemeStaking.NothingToWithdraw.selector);
        s.staking.withdraw();
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(PhemeStaking.InsufficientStake.selector, 60 ether, 61 ether));
        s.staking.requestUnstake(61 ether);
    }

    function _startRewards(uint256 rate, uint256 duration) internal {
        asGovernance();
        s.staking.setRewardRate(rate, duration);
    }

    function test_onlyGovernanceSetsTheRate() public {
        bytes32 role = s.staking.REWARD_MANAGER_ROLE();
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, alice, role));
        s.staking.setRewardRate(1 ether, 1 days);
        uint256 rate = STAKING_REWARDS / 1 days + 1;
        asGovernance();
        vm.expectRevert(
            abi.encodeWithSelector(PhemeStaking.InsufficientRewardReserve.selector, STAKING_REWARDS, rate * 1 days)
        );
        s.staking.setRewardRate(rate, 1 days);
    }

    /// Fuzzed amounts and times: a lone staker earns rate × elapsed (minus rounding dust);
    /// two stakers split in proportion to their stakes.
    function testFuzz_rewardMath(uint256 a, uint256 b, uint256 dt1, uint256 dt2, uint256 rate) public {
        a = bound(a, 1 ether, 5_000_000 ether);
        b = bound(b, 1 ether, 5_000_000 ether);
        rate = bound(rate, 1e9, 10 ether);
        uint256 duration = 30 days;
        dt1 = bound(dt1, 1, duration);
        dt2 = bound(dt2, 1, duration);
        _startRewards(rate, duration);
        _stake(alice, a);
        vm.warp(block.timestamp + dt1);
        uint256 phase1 = rate * dt1;
        assertApproxEqAbs(s.staking.earned(alice), phase1, a / 1e18 + 1e6, "lone staker earns the stream");
        _stake(bob, b);
        uint256 t2 = block.timestamp + dt2;
        uint256 end = s.staking.periodFinish();
        uint256 elapsed2 = (t2 > end ? end : t2) - block.timestamp;
        if (block.timestamp > end) elapsed2 = 0;
        vm.warp(t2);
        uint256 phase2 = rate * elapsed2;
        uint256 expectA = (phase1 > rate * duration ? rate * duration : phase1) + (phase2 * a) / (a + b);
        uint256 expectB = (phase2 * b) / (a + b);
        uint256 tol = (a + b) / 1e18 + 1e7;
        assertApproxEqAbs(s.staking.earned(alice), expectA, tol, "alice share");
        assertApproxEqAbs(s.staking.earned(bob), expectB, tol, "bob share");
        // claims never pay more than was streamed
        uint256 balA = s.token.balanceOf(alice);
        vm.prank(alice);
        uint256 paid = s.staking.claimRewards();
        assertEq(s.token.balanceOf(alice), balA + paid, "paid out");
        assertLe(paid + s.staking.earned(bob), rate * duration, "never more than the stream");
    }

    function testFuzz_solvency(uint256 a, uint256 unstake, uint256 dt, uint256 rate) public {
        a = bound(a, 1 ether, 5_000_000 ether);
        unstake = bound(unstake, 1, a);
        rate = bound(rate, 1, 30 ether);
        dt = bound(dt, 0, 60 days);
        _startRewards(rate, 30 days);
        _stake(alice, a);
        vm.warp(block.timestamp + dt / 2);
        vm.prank(alice);
        s.staking.requestUnstake(unstake);
        vm.warp(block.timestamp + dt / 2);
        uint256 owed = s.staking.earned(alice) + s.staking.totalStaked() + s.staking.totalUnstaking()
            + s.staking.rewardReserve()
            + (block.timestamp < s.staking.periodFinish() ? (s.staking.periodFinish() - block.timestamp) * rate : 0);
        assertLe(owed, s.token.balanceOf(address(s.staking)), "contract stays solvent");
    }

    function test_rewardsWithNobodyStakedGoBackToTheReserve() public {
        uint256 reserve = s.staking.rewardReserve();
        _startRewards(1 ether, 10 days);
        assertEq(s.staking.rewardReserve(), reserve - 10 days * 1 ether, "committed");
        vm.warp(block.timestamp + 2 days);
        _stake(alice, 10 ether);
        assertEq(s.staking.rewardReserve(), reserve - 8 days * 1 ether, "two idle days returned");
    }

    function test_pauseBlocksStakingNotExit() public {
        _stake(alice, 10 ether);
        asGovernance();
        s.staking.pause();
        vm.prank(alice);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        s.staking.stake(1 ether);
        vm.prank(alice);
        s.staking.requestUnstake(10 ether);
        vm.warp(block.timestamp + 7 days);
        vm.prank(alice);
        s.staking.withdraw();
        assertEq(s.staking.stakeOf(alice), 0, "exited while paused");
    }

    // ---------------------------------------------------------------- registry and slashing

    function _register(address who) internal {
        _stake(who, 20_000 ether);
        bytes32[] memory domains = new bytes32[](2);
        domains[0] = keccak256("technical");
        domains[1] = keccak256("creative");
        vm.prank(who);
        s.registry.register(domains);
    }

    function test_registerLocksMinStakeAndUnbondsAfterDelay() public {
        address carol = makeAddr("carol");
        fund(carol, 5_000 ether);
        vm.startPrank(carol);
        s.token.approve(address(s.staking), type(uint256).max);
        s.staking.stake(5_000 ether);
        bytes32[] memory domains = new bytes32[](1);
        domains[0] = keccak256("technical");
        vm.expectRevert(abi.encodeWithSelector(ValidatorRegistry.InsufficientStake.selector, 5_000 ether, 10_000 ether));
        s.registry.register(domains);
        vm.stopPrank();

        _register(alice);
        assertTrue(s.registry.isEligible(alice), "eligible");
        assertEq(s.staking.lockedOf(alice), 10_000 ether, "min stake locked");
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(PhemeStaking.StakeIsLocked.selector, 10_000 ether, 9_999 ether));
        s.staking.requestUnstake(10_001 ether);
        vm.prank(alice);
        s.staking.requestUnstake(10_000 ether); // the unlocked part may leave
        vm.prank(alice);
        s.registry.requestUnbond();
        assertFalse(s.registry.isEligible(alice), "unbonding is not eligible");
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ValidatorRegistry.UnbondingNotOver.selector, block.timestamp + 14 days));
        s.registry.completeUnbond();
        vm.warp(block.timestamp + 14 days);
        vm.prank(alice);
        s.registry.completeUnbond();
        assertEq(s.staking.lockedOf(alice), 0, "unlocked");
        vm.prank(alice);
        s.staking.requestUnstake(10_000 ether);
    }

    function test_slashBurnsOrPaysTreasuryWithReason() public {
        _register(alice);
        uint256 supply = s.token.totalSupply();
        vm.prank(relayer); // the dispute process
        vm.expectEmit(address(s.registry));
        emit ValidatorRegistry.ValidatorSlashed(alice, 1_000 ether, true, "dispute #7");
        s.registry.slash(alice, 1_000 ether, true, "dispute #7");
        assertEq(s.token.totalSupply(), supply - 1_000 ether, "burnt");
        assertEq(s.staking.stakeOf(alice), 19_000 ether, "stake reduced");

        uint256 treasury = s.token.balanceOf(address(s.timelock));
        asGovernance();
        s.registry.slash(alice, 2_000 ether, false, "governance");
        assertEq(s.token.balanceOf(address(s.timelock)), treasury + 2_000 ether, "to treasury");
        (,,, uint256 slashCount,) = s.registry.validatorInfo(alice);
        assertEq(slashCount, 2, "slash count");

        // slashing reaches stake in cooldown and clamps the lock
        vm.prank(alice);
        s.staking.requestUnstake(7_000 ether);
        vm.prank(relayer);
        uint256 taken = s.registry.slash(alice, 15_000 ether, true, "fraud");
        assertEq(taken, 15_000 ether, "active then pending");
        assertEq(s.staking.stakeOf(alice), 0, "no active stake left");
        (uint256 pending,) = s.staking.unstakeOf(alice);
        assertEq(pending, 2_000 ether, "pending reduced");
        assertEq(s.staking.lockedOf(alice), 0, "lock clamped");
        assertFalse(s.registry.isEligible(alice), "below min stake");
    }

    function test_onlySlasherSlashesAndOnlyRegistered() public {
        _register(alice);
        bytes32 registrySlasher = s.registry.SLASHER_ROLE();
        bytes32 stakingSlasher = s.staking.SLASHER_ROLE();
        vm.prank(bob);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, bob, registrySlasher)
        );
        s.registry.slash(alice, 1 ether, true, "x");
        vm.prank(relayer);
        vm.expectRevert(abi.encodeWithSelector(ValidatorRegistry.NotRegistered.selector, bob));
        s.registry.slash(bob, 1 ether, true, "x");
        vm.prank(bob);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, bob, stakingSlasher)
        );
        s.staking.slash(alice, 1 ether, true);
    }

    function testFuzz_slashNeverTakesMoreThanStake(uint256 stakeAmt, uint256 pendingAmt, uint256 slashAmt) public {
        stakeAmt = bound(stakeAmt, 10_000 ether, 1_000_000 ether);
        pendingAmt = bound(pendingAmt, 0, stakeAmt - 10_000 ether);
        slashAmt = bound(slashAmt, 1, 3_000_000 ether);
        _stake(alice, stakeAmt);
        bytes32[] memory domains = new bytes32[](1);
        domains[0] = keccak256("business");
        vm.prank(alice);
        s.registry.register(domains);
        if (pendingAmt > 0) {
            vm.prank(alice);
            s.staking.requestUnstake(pendingAmt);
        }
        uint256 bal = s.token.balanceOf(address(s.staking));
        vm.prank(relayer);
        uint256 taken = s.registry.slash(alice, slashAmt, true, "fuzz");
        uint256 expected = slashAmt < stakeAmt ? slashAmt : stakeAmt;
        assertEq(taken, expected, "taken");
        assertEq(s.token.balanceOf(address(s.staking)), bal - taken, "left the contract");
        (uint256 pendingLeft,) = s.staking.unstakeOf(alice);
        assertEq(s.staking.stakeOf(alice) + pendingLeft, stakeAmt - taken, "stake accounting");
    }

    function test_reviewSignatureVerifies() public {
        (address v, uint256 key) = makeAddrAndKey("reviewer");
        fund(v, 20_000 ether);
        vm.prank(v);
        s.token.approve(address(s.staking), type(uint256).max);
        _register(v);
        ValidatorRegistry.Review memory r = ValidatorRegistry.Review({
            submissionId: 42,
            round: 0,
            validator: v,
            score: 87,
            criteriaHash: keccak256("criteria"),
            feedbackHash: keccak256("good work")
        });
        bytes memory sig = signDigest(key, s.registry.reviewDigest(r));
        assertTrue(s.registry.verifyReview(r, sig), "valid review");
        r.score = 88;
        assertFalse(s.registry.verifyReview(r, sig), "tampered review");
        r.score = 87;
        assertFalse(s.registry.verifyReview(r, hex"1234"), "malformed signature is false, not a revert");
        vm.prank(v);
        s.registry.requestUnbond();
        assertFalse(s.registry.verifyReview(r, sig), "unbonding validator");
    }
}
