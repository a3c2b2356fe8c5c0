// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Fixture} from "./base/Fixture.sol";
import {Merkle} from "./base/Merkle.sol";
import {ReputationOracle} from "../src/ReputationOracle.sol";
import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
import {IERC6372} from "@openzeppelin/contracts/interfaces/IERC6372.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";

contract ReputationOracleTest is Fixture {
    address[] users;
    uint8[] scores;
    bytes32 root;

    function setUp() public override {
        super.setUp();
        address[] memory u = new address[](4);
        for (uint256 i = 0; i < 4; i++) {
            u[i] = makeAddr(string.concat("user", vm.toString(i)));
        }
        u = sortAddresses(u);
        for (uint256 i = 0; i < 4; i++) {
            users.push(u[i]);
            scores.push(uint8(20 * i + 10));
        }
        root = Merkle.root(_scoreLeaves());
    }

    function _scoreLeaves() internal view returns (bytes32[] memory leaves) {
        leaves = new bytes32[](users.length);
        for (uint256 i = 0; i < users.length; i++) {
            leaves[i] = s.oracle.scoreLeaf(users[i], scores[i]);
        }
    }

    function _keys(uint256 a, uint256 b, uint256 c) internal view returns (uint256[] memory k) {
        k = new uint256[](3);
        (k[0], k[1], k[2]) = (validatorKeys[a], validatorKeys[b], validatorKeys[c]);
    }

    function _submit(uint256 round, uint256[] memory keys) internal {
        s.oracle.submitRound(round, root, users, scores, signRound(keys, round, root, users, scores));
    }

    function test_acceptsThresholdSortedSignatures() public {
        vm.expectEmit(address(s.oracle));
        emit ReputationOracle.ScoreUpdated(users[0], 1, scores[0]);
        _submit(1, _keys(0, 2, 4));
        assertEq(s.oracle.latestRound(), 1, "round");
        for (uint256 i = 0; i < users.length; i++) {
            assertEq(s.oracle.scoreOf(users[i]), scores[i], "score");
        }
        ReputationOracle.RoundInfo memory info = s.oracle.roundInfo(1);
        assertEq(info.root, root, "root");
        assertEq(info.userCount, 4, "user count");
        assertEq(info.signerCount, 3, "signer count");
        assertEq(info.timepoint, block.number, "timepoint on the token clock");
    }

    function test_rejectsDuplicateSigners() public {
        bytes[] memory sigs = signRound(_keys(0, 1, 1), 1, root, users, scores);
        vm.expectRevert(abi.encodeWithSelector(ReputationOracle.SignersNotSorted.selector, 2, validators[1]));
        s.oracle.submitRound(1, root, users, scores, sigs);
    }

    function test_rejectsUnsortedSigners() public {
        bytes[] memory sigs = signRound(_keys(0, 2, 1), 1, root, users, scores);
        vm.expectRevert(abi.encodeWithSelector(ReputationOracle.SignersNotSorted.selector, 2, validators[1]));
        s.oracle.submitRound(1, root, users, scores, sigs);
    }

    function test_rejectsNonValidator() public {
        (address outsider, uint256 key) = makeAddrAndKey("outsider");
        uint256[] memory keys = firstKeys(3);
        // put the outsider where the address order allows it, to hit the validator check
        uint256[] memory k = new uint256[](4);
        address[] memory a = new address[](4);
        for (uint256 i = 0; i < 3; i++) {
            (k[i], a[i]) = (keys[i], validators[i]);
        }
        (k[3], a[3]) = (key, outsider);
        for (uint256 i = 1; i < 4; i++) {
            for (uint256 j = i; j > 0 && a[j] < a[j - 1]; j--) {
                (a[j], a[j - 1]) = (a[j - 1], a[j]);
                (k[j], k[j - 1]) = (k[j - 1], k[j]);
            }
        }
        bytes[] memory sigs = signRound(k, 1, root, users, scores);
        vm.expectRevert(abi.encodeWithSelector(ReputationOracle.NotValidator.selector, outsider));
        s.oracle.submitRound(1, root, users, scores, sigs);
    }

    function test_rejectsRemovedValidator() public {
        asGovernance();
        s.oracle.removeValidator(validators[2]);
        assertFalse(s.oracle.isValidator(validators[2]), "removed");
        bytes[] memory sigs = signRound(_keys(0, 2, 4), 1, root, users, scores);
        vm.expectRevert(abi.encodeWithSelector(ReputationOracle.NotValidator.selector, validators[2]));
        s.oracle.submitRound(1, root, users, scores, sigs);
    }

    function test_rejectsTooFewSignatures() public {
        bytes[] memory sigs = signRound(firstKeys(2), 1, root, users, scores);
        vm.expectRevert(abi.encodeWithSelector(ReputationOracle.NotEnoughSignatures.selector, 2, 3));
        s.oracle.submitRound(1, root, users, scores, sigs);
    }

    function test_rejectsStaleRound() public {
        _submit(5, _keys(0, 1, 2));
        bytes[] memory sigs = signRound(_keys(0, 1, 2), 5, root, users, scores);
        vm.expectRevert(abi.encodeWithSelector(ReputationOracle.StaleRound.selector, 5, 5));
        s.oracle.submitRound(5, root, users, scores, sigs);
        sigs = signRound(_keys(0, 1, 2), 4, root, users, scores);
        vm.expectRevert(abi.encodeWithSelector(ReputationOracle.StaleRound.selector, 4, 5));
        s.oracle.submitRound(4, root, users, scores, sigs);
    }

    function test_rejectsTamperedScores() public {
        bytes[] memory sigs = signRound(_keys(0, 1, 2), 1, root, users, scores);
        scores[1] = 99;
        // the digest changes, so recovery yields unrelated addresses: either order or membership fails
        vm.expectRevert();
        s.oracle.submitRound(1, root, users, scores, sigs);
        assertEq(s.oracle.latestRound(), 0, "nothing accepted");
    }

    /// A report signed for another chain id does not verify here.
    function test_rejectsReportForAnotherChain() public {
        uint256 here = block.chainid;
        vm.chainId(here + 1);
        bytes[] memory sigs = signRound(_keys(0, 1, 2), 1, root, users, scores);
        vm.chainId(here);
        (bool ok,) = address(s.oracle).call(
            abi.encodeCall(ReputationOracle.submitRound, (1, root, users, scores, sigs))
        );
        assertFalse(ok, "another chain's report must revert");
        assertEq(s.oracle.latestRound(), 0, "nothing accepted");
    }

    /// A report signed for an identical oracle at another address does not verify here.
    function test_rejectsReportForAnotherContract() public {
        ReputationOracle twin = ReputationOracle(
            address(
                new ERC1967Proxy(
                    s.oracleImpl,
                    abi.encodeCall(
                        ReputationOracle.initialize,
                        (address(this), IERC6372(address(s.token)), validators, THRESHOLD)
                    )
                )
            )
        );
        bytes32 digest = twin.roundDigest(1, root, users, scores);
        uint256[] memory keys = _keys(0, 1, 2);
        bytes[] memory sigs = new bytes[](3);
        for (uint256 i = 0; i < 3; i++) {
            sigs[i] = signDigest(keys[i], digest);
        }
        twin.submitRound(1, root, users, scores, sigs); // valid on the twin
        (bool ok,) = address(s.oracle).call(
            abi.encodeCall(ReputationOracle.submitRound, (1, root, users, scores, sigs))
        );
        assertFalse(ok, "the twin's report must revert here");
        assertEq(s.oracle.latestRound(), 0, "nothing accepted");
    }

    function test_rejectsHighSSignature() public {
        bytes[] memory sigs = signRound(_keys(0, 1, 2), 1, root, users, scores);
        bytes memory twin = _highS(sigs[0]);
        sigs[0] = twin;
        bytes32 sHigh;
        assembly {
            sHigh := mload(add(twin, 64))
        }
        vm.expectRevert(abi.encodeWithSelector(ECDSA.ECDSAInvalidSignatureS.selector, sHigh));
        s.oracle.submitRound(1, root, users, scores, sigs);
    }

    function test_rejectsUnsortedUsersAndBadScores() public {
        (users[0], users[1]) = (users[1], users[0]);
        bytes[] memory sigs = signRound(_keys(0, 1, 2), 1, root, users, scores);
        vm.expectRevert(abi.encodeWithSelector(ReputationOracle.UsersNotSorted.selector, 1));
        s.oracle.submitRound(1, root, users, scores, sigs);
        (users[0], users[1]) = (users[1], users[0]);
        scores[3] = 101;
        sigs = signRound(_keys(0, 1, 2), 1, root, users, scores);
        vm.expectRevert(abi.encodeWithSelector(ReputationOracle.ScoreOutOfRange.selector, 3, 101));
        s.oracle.submitRound(1, root, users, scores, sigs);
    }

    function test_checkpointsFollowTheTokenClock() public {
        assertEq(s.oracle.clock(), s.token.clock(), "clock equals the token's");
        assertEq(s.oracle.CLOCK_MODE(), s.token.CLOCK_MODE(), "clock mode equals the token's");
        uint256 b0 = block.number;
        _submit(1, _keys(0, 1, 2));
        vm.roll(b0 + 10);
        scores[0] = 77;
        _submit(2, _keys(1, 2, 3));
        vm.roll(b0 + 20);
        assertEq(s.oracle.getPastScore(users[0], b0 - 1), 0, "before any round");
        assertEq(s.oracle.getPastScore(users[0], b0), 10, "first round");
        assertEq(s.oracle.getPastScore(users[0], b0 + 9), 10, "still the first");
        assertEq(s.oracle.getPastScore(users[0], b0 + 10), 77, "second round");
        assertEq(s.oracle.numCheckpoints(users[0]), 2, "two checkpoints");
        (uint48 tp, uint256 sc) = s.oracle.checkpointAt(users[0], 1);
        assertEq(tp, b0 + 10, "checkpoint key");
        assertEq(sc, 77, "checkpoint value");
        vm.expectRevert(abi.encodeWithSelector(ReputationOracle.FutureLookup.selector, b0 + 20, uint48(b0 + 20)));
        s.oracle.getPastScore(users[0], b0 + 20);
    }

    function test_verifyScoreWithProof() public {
        _submit(1, _keys(0, 1, 2));
        bytes32[] memory leaves = _scoreLeaves();
        for (uint256 i = 0; i < users.length; i++) {
            bytes32[] memory proof = Merkle.proof(leaves, i);
            assertTrue(s.oracle.verifyScore(users[i], scores[i], 1, proof), "valid proof");
            assertFalse(s.oracle.verifyScore(users[i], scores[i] + 1, 1, proof), "wrong score");
            assertFalse(s.oracle.verifyScore(users[i], scores[i], 2, proof), "unknown round");
        }
    }

    function test_governanceManagesValidatorsAndThreshold() public {
        vm.expectRevert();
        s.oracle.setThreshold(2);
        asGovernance();
        s.oracle.setThreshold(5);
        asGovernance();
        vm.expectRevert(abi.encodeWithSelector(ReputationOracle.InvalidThreshold.selector, 5, 4));
        s.oracle.removeValidator(validators[0]);
        asGovernance();
        vm.expectRevert(abi.encodeWithSelector(ReputationOracle.InvalidThreshold.selector, 6, 5));
        s.oracle.setThreshold(6);
        asGovernance();
        vm.expectRevert(abi.encodeWithSelector(ReputationOracle.InvalidThreshold.selector, 0, 5));
        s.oracle.setThreshold(0);
        bytes[] memory sigs = signRound(_keys(0, 1, 2), 1, root, users, scores);
        vm.expectRevert(abi.encodeWithSelector(ReputationOracle.NotEnoughSignatures.selector, 3, 5));
        s.oracle.submitRound(1, root, users, scores, sigs);
    }

    function test_implementationCannotBeInitialised() public {
        vm.expectRevert(Initializable.InvalidInitialization.selector);
        ReputationOracle(s.oracleImpl).initialize(address(this), IERC6372(address(s.token)), validators, 1);
    }

    function _highS(bytes memory sig) internal pure returns (bytes memory) {
        bytes32 r;
        bytes32 sv;
        uint8 v;
        assembly {
            r := mload(add(sig, 32))
            sv := mload(add(sig, 64))
            v := byte(0, mload(add(sig, 96)))
        }
        bytes32 s2 = bytes32(SECP256K1_N - uint256(sv));
        return abi.encodePacked(r, s2, v == 27 ? uint8(28) : uint8(27));
    }
}
