// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Fixture} from "./base/Fixture.sol";
import {PhemeToken} from "../src/PhemeToken.sol";
import {PhemeVesting} from "../src/PhemeVesting.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

contract PhemeTokenTest is Fixture {
    bytes32 private constant PERMIT_TYPEHASH =
        keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)");

    function test_supplyMintedOnceToDistribution() public view {
        assertEq(s.token.totalSupply(), 1_000_000_000 ether, "total supply");
        assertEq(s.token.INITIAL_SUPPLY(), 1_000_000_000 ether, "constant");
        assertEq(s.token.decimals(), 18, "decimals");
        assertEq(s.token.balanceOf(address(s.teamVesting)), TEAM_ALLOCATION, "team");
        assertEq(s.token.balanceOf(address(s.timelock)), TREASURY_ALLOCATION, "treasury");
        assertEq(s.token.balanceOf(address(s.distributor)), REWARD_POOL, "reward pool");
        assertEq(s.token.balanceOf(address(s.staking)), STAKING_REWARDS, "staking rewards");
        assertEq(
            s.token.balanceOf(address(this)), COMMUNITY_ALLOCATION - REWARD_POOL - STAKING_REWARDS, "deployer rest"
        );
    }

    function test_constructorRejectsBadDistribution() public {
        address[] memory to = new address[](2);
        uint256[] memory amounts = new uint256[](2);
        to[0] = address(1);
        to[1] = address(2);
        amounts[0] = 1;
        amounts[1] = 2;
        vm.expectRevert(abi.encodeWithSelector(PhemeToken.DistributionSumMismatch.selector, 3));
        new PhemeToken(to, amounts);

        uint256[] memory one = new uint256[](1);
        one[0] = 1_000_000_000 ether;
        vm.expectRevert(PhemeToken.DistributionLengthMismatch.selector);
        new PhemeToken(to, one);

        to[1] = address(0);
        amounts[0] = 500_000_000 ether;
        amounts[1] = 500_000_000 ether;
        vm.expectRevert(abi.encodeWithSelector(PhemeToken.InvalidDistributionEntry.selector, 1));
        new PhemeToken(to, amounts);
    }

    function test_votesNeedDelegationAndAreCheckpointed() public {
        address alice = makeAddr("alice");
        address bob = makeAddr("bob");
        fund(alice, 1000 ether);
        assertEq(s.token.getVotes(alice), 0, "no votes before delegating");
        vm.prank(alice);
        s.token.delegate(alice);
        assertEq(s.token.getVotes(alice), 1000 ether, "self-delegated");
        uint256 b1 = block.number;
        vm.roll(b1 + 1);
        vm.prank(alice);
        s.token.transfer(bob, 400 ether);
        vm.roll(b1 + 2);
        assertEq(s.token.getPastVotes(alice, b1), 1000 ether, "past votes");
        assertEq(s.token.getPastVotes(alice, b1 + 1), 600 ether, "after transfer");
        assertEq(s.token.getVotes(bob), 0, "bob did not delegate");
        vm.prank(bob);
        s.token.delegate(alice);
        assertEq(s.token.getVotes(alice), 1000 ether, "bob's delegation counts for alice");
        assertEq(s.token.clock(), block.number, "block-number clock");
        assertEq(s.token.CLOCK_MODE(), "mode=blocknumber&from=default", "clock mode");
    }

    function test_permit() public {
        (address owner, uint256 key) = makeAddrAndKey("permit-owner");
        address spender = makeAddr("spender");
        fund(owner, 50 ether);
        uint256 deadline = block.timestamp + 1 hours;
        bytes32 structHash = keccak256(abi.encode(PERMIT_TYPEHASH, owner, spender, 20 ether, 0, deadline));
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", s.token.DOMAIN_SEPARATOR(), structHash));
        (uint8 v, bytes32 r, bytes32 sig) = vm.sign(key, digest);
        s.token.permit(owner, spender, 20 ether, deadline, v, r, sig);
        assertEq(s.token.allowance(owner, spender), 20 ether, "allowance set");
        assertEq(s.token.nonces(owner), 1, "nonce used");
        // replay fails: the nonce moved on, so the recovered signer differs
        vm.expectRevert();
        s.token.permit(owner, spender, 20 ether, deadline, v, r, sig);
        // expired
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(ERC20Permit.ERC2612ExpiredSignature.selector, deadline));
        s.token.permit(owner, spender, 20 ether, deadline, v, r, sig);
    }

    function test_burnReducesSupply() public {
        uint256 before = s.token.totalSupply();
        s.token.burn(10 ether);
        assertEq(s.token.totalSupply(), before - 10 ether, "burnt");
    }

    function testFuzz_transferKeepsSupplyAndMovesBalance(uint256 amount, address to) public {
        vm.assume(to != address(0) && to != address(this));
        uint256 mine = s.token.balanceOf(address(this));
        amount = bound(amount, 0, mine);
        uint256 theirs = s.token.balanceOf(to);
        s.token.transfer(to, amount);
        assertEq(s.token.balanceOf(to), theirs + amount, "receiver");
        assertEq(s.token.balanceOf(address(this)), mine - amount, "sender");
        assertEq(s.token.totalSupply(), 1_000_000_000 ether, "supply constant");
    }

    function testFuzz_cannotTransferMoreThanBalance(uint256 extra) public {
        address poor = makeAddr("poor");
        fund(poor, 5 ether);
        extra = bound(extra, 1, type(uint128).max);
        vm.prank(poor);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, poor, 5 ether, 5 ether + extra)
        );
        s.token.transfer(address(1), 5 ether + extra);
    }
}

contract PhemeVestingTest is Fixture {
    function test_teamScheduleParameters() public view {
        PhemeVesting v = s.teamVesting;
        assertEq(v.start(), block.timestamp, "starts at deployment");
        assertEq(v.duration(), 63_072_000, "730 days");
        assertEq(v.cliff(), block.timestamp + 2_592_000, "30-day cliff");
        assertEq(v.owner(), cfg.teamBeneficiary, "beneficiary");
    }

    function test_nothingBeforeCliffThenLinear() public {
        PhemeVesting v = s.teamVesting;
        address t = address(s.token);
        uint256 total = TEAM_ALLOCATION;
        uint256 start = v.start();
        vm.warp(start + 2_592_000 - 1);
        assertEq(v.releasable(t), 0, "nothing just before the cliff");
        v.release(t); // releasing before the cliff pays nothing
        assertEq(s.token.balanceOf(cfg.teamBeneficiary), 0, "nothing paid before the cliff");
        vm.warp(start + 2_592_000);
        assertEq(v.releasable(t), (total * 2_592_000) / 63_072_000, "cliff share at the cliff");
        vm.warp(start + 31_536_000);
        assertEq(v.releasable(t), total / 2, "half at one year");
        v.release(t);
        assertEq(s.token.balanceOf(cfg.teamBeneficiary), total / 2, "released to the beneficiary");
        assertEq(v.releasable(t), 0, "nothing left right after release");
        vm.warp(start + 63_072_000);
        assertEq(v.releasable(t), total / 2, "the rest at the end");
        vm.warp(start + 100_000_000);
        v.release(t);
        assertEq(s.token.balanceOf(cfg.teamBeneficiary), total, "everything");
    }

    function testFuzz_vestedIsMonotonicAndBounded(uint256 t1, uint256 t2) public view {
        PhemeVesting v = s.teamVesting;
        uint256 start = v.start();
        t1 = bound(t1, start, start + 80_000_000);
        t2 = bound(t2, t1, start + 80_000_000);
        uint256 a = v.vestedAmount(address(s.token), uint64(t1));
        uint256 b = v.vestedAmount(address(s.token), uint64(t2));
        assertLe(a, b, "monotonic");
        assertLe(b, TEAM_ALLOCATION, "bounded");
        if (t1 < start + 2_592_000) assertEq(a, 0, "zero before cliff");
        else if (t1 < start + 63_072_000) assertEq(a, (TEAM_ALLOCATION * (t1 - start)) / 63_072_000, "linear");
        else assertEq(a, TEAM_ALLOCATION, "all after the end");
    }
}
