// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Fixture} from "./base/Fixture.sol";
import {Merkle} from "./base/Merkle.sol";
import {RewardDistributor} from "../src/RewardDistributor.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

contract RewardDistributorTest is Fixture {
    address[] accounts;

    function setUp() public override {
        super.setUp();
        for (uint256 i = 0; i < 5; i++) {
            accounts.push(makeAddr(string.concat("earner", vm.toString(i))));
        }
    }

    function _leaves(uint256[] memory amounts) internal view returns (bytes32[] memory leaves) {
        leaves = new bytes32[](accounts.length);
        for (uint256 i = 0; i < accounts.length; i++) {
            leaves[i] = keccak256(bytes.concat(keccak256(abi.encode(accounts[i], amounts[i]))));
            assertEq(leaves[i], s.distributor.leaf(accounts[i], amounts[i]), "leaf formula");
        }
    }

    function _publish(uint256 epoch, bytes32[] memory leaves) internal {
        vm.prank(relayer);
        s.distributor.publishRoot(epoch, Merkle.root(leaves), 0);
    }

    function _amounts(uint256 base) internal pure returns (uint256[] memory a) {
        a = new uint256[](5);
        for (uint256 i = 0; i < 5; i++) {
            a[i] = base * (i + 1);
        }
    }

    function test_validClaimPaysAndDoubleClaimReverts() public {
        uint256[] memory amounts = _amounts(10 ether);
        bytes32[] memory leaves = _leaves(amounts);
        _publish(1, leaves);
        bytes32[] memory proof = Merkle.proof(leaves, 2);
        vm.expectEmit(address(s.distributor));
        emit RewardDistributor.Claimed(accounts[2], 1, 30 ether, 30 ether);
        s.distributor.claim(1, accounts[2], 30 ether, proof); // anyone may submit
        assertEq(s.token.balanceOf(accounts[2]), 30 ether, "paid to the account");
        vm.expectRevert(abi.encodeWithSelector(RewardDistributor.NothingToClaim.selector, 30 ether, 30 ether));
        s.distributor.claim(1, accounts[2], 30 ether, proof);
    }

    function test_wrongProofOrAmountOrAccountReverts() public {
        uint256[] memory amounts = _amounts(10 ether);
        bytes32[] memory leaves = _leaves(amounts);
        _publish(1, leaves);
        bytes32[] memory proof = Merkle.proof(leaves, 2);
        vm.expectRevert(RewardDistributor.InvalidProof.selector);
        s.distributor.claim(1, accounts[2], 31 ether, proof);
        vm.expectRevert(RewardDistributor.InvalidProof.selector);
        s.distributor.claim(1, accounts[3], 30 ether, proof);
        bytes32[] memory other = Merkle.proof(leaves, 1);
        vm.expectRevert(RewardDistributor.InvalidProof.selector);
        s.distributor.claim(1, accounts[2], 30 ether, other);
        vm.expectRevert(abi.encodeWithSelector(RewardDistributor.UnknownEpoch.selector, 2));
        s.distributor.claim(2, accounts[2], 30 ether, proof);
    }

    function test_cumulativeNextEpochPaysOnlyTheDifference() public {
        bytes32[] memory e1 = _leaves(_amounts(10 ether));
        _publish(1, e1);
        s.distributor.claim(1, accounts[0], 10 ether, Merkle.proof(e1, 0));
        bytes32[] memory e2 = _leaves(_amounts(25 ether));
        _publish(2, e2);
        uint256 paid = s.distributor.claim(2, accounts[0], 25 ether, Merkle.proof(e2, 0));
        assertEq(paid, 15 ether, "difference only");
        assertEq(s.token.balanceOf(accounts[0]), 25 ether, "cumulative total");
        // account 1 skipped epoch 1 and takes everything in epoch 2
        assertEq(s.distributor.claim(2, accounts[1], 50 ether, Merkle.proof(e2, 1)), 50 ether, "late claimer");
        // an old epoch's proof cannot pay again
        vm.expectRevert(abi.encodeWithSelector(RewardDistributor.NothingToClaim.selector, 20 ether, 50 ether));
        s.distributor.claim(1, accounts[1], 20 ether, Merkle.proof(e1, 1));
        assertEq(s.distributor.totalClaimed(), 75 ether, "total claimed");
    }

    function test_publishRules() public {
        bytes32 root = keccak256("r");
        vm.expectRevert();
        s.distributor.publishRoot(1, root, 0); // not the publisher
        vm.startPrank(relayer);
        vm.expectRevert(abi.encodeWithSelector(RewardDistributor.EpochNotIncreasing.selector, 2, 0));
        s.distributor.publishRoot(2, root, 0);
        vm.expectRevert(RewardDistributor.ZeroRoot.selector);
        s.distributor.publishRoot(1, bytes32(0), 0);
        s.distributor.publishRoot(1, root, 5);
        vm.expectRevert(abi.encodeWithSelector(RewardDistributor.EpochNotIncreasing.selector, 1, 1));
        s.distributor.publishRoot(1, root, 0);
        vm.stopPrank();
        assertEq(s.distributor.rootOf(1), root, "stored");
        assertEq(s.distributor.currentEpoch(), 1, "epoch");
    }

    function test_pauseStopsClaims() public {
        bytes32[] memory e1 = _leaves(_amounts(1 ether));
        _publish(1, e1);
        asGovernance();
        s.distributor.pause();
        bytes32[] memory proof = Merkle.proof(e1, 0);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        s.distributor.claim(1, accounts[0], 1 ether, proof);
    }

    function testFuzz_claimsAcrossEpochs(uint96 first, uint96 increase, uint8 who) public {
        uint256 idx = bound(who, 0, 4);
        // five accounts, amounts up to 5 × (first + increase): stay within the 150M pool
        uint256 inc = bound(increase, 0, 10_000_000 ether);
        uint256[] memory a1 = _amounts(bound(first, 1, 10_000_000 ether));
        uint256[] memory a2 = new uint256[](5);
        for (uint256 i = 0; i < 5; i++) {
            a2[i] = a1[i] + inc;
        }
        bytes32[] memory e1 = _leaves(a1);
        bytes32[] memory e2 = _leaves(a2);
        _publish(1, e1);
        _publish(2, e2);
        s.distributor.claim(1, accounts[idx], a1[idx], Merkle.proof(e1, idx));
        if (inc == 0) {
            vm.expectRevert(abi.encodeWithSelector(RewardDistributor.NothingToClaim.selector, a2[idx], a1[idx]));
            s.distributor.claim(2, accounts[idx], a2[idx], Merkle.proof(e2, idx));
        } else {
            s.distributor.claim(2, accounts[idx], a2[idx], Merkle.proof(e2, idx));
        }
        assertEq(s.token.balanceOf(accounts[idx]), a2[idx], "exactly the cumulative amount");
    }
}
