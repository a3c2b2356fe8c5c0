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

    // ------------------------------------------------------------------ recordScores

    /// A round that carries only the root (the signed lists empty), as a large epoch is published.
    function _submitRoot(uint256 round, bytes32 root_) internal {
        address[] memory none = new address[](0);
        uint8[] memory noScores = new uint8[](0);
        s.oracle.submitRound(round, root_, none, noScores, signRound(_keys(0, 1, 2), round, root_, none, noScores));
    }

    function _proofs() internal view returns (bytes32[][] memory p) {
        bytes32[] memory leaves = _scoreLeaves();
        p = new bytes32[][](users.length);
        for (uint256 i = 0; i < users.length; i++) {
            p[i] = Merkle.proof(leaves, i);
        }
    }

    function test_recordScoresRecordsProvenScores() public {
        _submitRoot(1, root);
        assertEq(s.oracle.roundInfo(1).userCount, 0, "the round listed nobody");
        assertEq(s.oracle.scoreOf(users[0]), 0, "nothing recorded yet");
        vm.expectEmit(address(s.oracle));
        emit ReputationOracle.ScoreUpdated(users[0], 1, scores[0]);
        uint256 recorded = s.oracle.recordScores(1, users, scores, _proofs());
        assertEq(recorded, users.length, "every user recorded");
        for (uint256 i = 0; i < users.length; i++) {
            assertEq(s.oracle.scoreOf(users[i]), scores[i], "score");
            assertEq(s.oracle.recordedRound(users[i]), 1, "recorded round");
            (uint48 tp, uint256 sc) = s.oracle.checkpointAt(users[i], 0);
            assertEq(tp, block.number, "checkpoint at the recording's clock");
            assertEq(sc, scores[i], "checkpoint value");
        }
        (uint256[] memory rs, uint256[] memory ss) = s.oracle.recordsOf(users);
        for (uint256 i = 0; i < users.length; i++) {
            assertEq(rs[i], 1, "recordsOf round");
            assertEq(ss[i], scores[i], "recordsOf score");
        }
    }

    function test_recordScoresByAnyoneOneAtATime() public {
        _submitRoot(1, root);
        bytes32[][] memory p = _proofs();
        for (uint256 i = 0; i < users.length; i++) {
            address[] memory u = new address[](1);
            uint8[] memory sc = new uint8[](1);
            bytes32[][] memory pf = new bytes32[][](1);
            (u[0], sc[0], pf[0]) = (users[i], scores[i], p[i]);
            vm.prank(users[i]); // the person, with the proof the server gives
            assertEq(s.oracle.recordScores(1, u, sc, pf), 1, "recorded");
            assertEq(s.oracle.scoreOf(users[i]), scores[i], "score");
        }
    }

    function test_recordScoresRefusesForgedProof() public {
        _submitRoot(1, root);
        bytes32[][] memory p = _proofs();
        // a higher score with the real proof
        scores[2] = 100;
        vm.expectRevert(abi.encodeWithSelector(ReputationOracle.InvalidProof.selector, 2, users[2]));
        s.oracle.recordScores(1, users, scores, p);
        scores[2] = 50;
        // the right score with another user's proof
        p[2] = p[1];
        vm.expectRevert(abi.encodeWithSelector(ReputationOracle.InvalidProof.selector, 2, users[2]));
        s.oracle.recordScores(1, users, scores, p);
        // a proof made up against no tree
        p[2] = new bytes32[](2);
        p[2][0] = keccak256("forged");
        vm.expectRevert(abi.encodeWithSelector(ReputationOracle.InvalidProof.selector, 2, users[2]));
        s.oracle.recordScores(1, users, scores, p);
        assertEq(s.oracle.scoreOf(users[0]), 0, "nothing recorded");
        assertEq(s.oracle.numCheckpoints(users[0]), 0, "no checkpoint");
    }

    function test_recordScoresRefusesUnknownRoundAndBadInput() public {
        bytes32[][] memory p = _proofs();
        vm.expectRevert(abi.encodeWithSelector(ReputationOracle.UnknownRound.selector, 1));
        s.oracle.recordScores(1, users, scores, p);
        _submitRoot(1, root);
        vm.expectRevert(abi.encodeWithSelector(ReputationOracle.UnknownRound.selector, 2));
        s.oracle.recordScores(2, users, scores, p);
        bytes32[][] memory short = new bytes32[][](3);
        vm.expectRevert(ReputationOracle.LengthMismatch.selector);
        s.oracle.recordScores(1, users, scores, short);
        scores[3] = 101;
        vm.expectRevert(abi.encodeWithSelector(ReputationOracle.ScoreOutOfRange.selector, 3, 101));
        s.oracle.recordScores(1, users, scores, p);
    }

    /// A resent chunk records nothing more.
    function test_recordScoresIsIdempotent() public {
        _submitRoot(1, root);
        bytes32[][] memory p = _proofs();
        assertEq(s.oracle.recordScores(1, users, scores, p), 4, "first time");
        vm.roll(block.number + 5);
        assertEq(s.oracle.recordScores(1, users, scores, p), 0, "second time");
        for (uint256 i = 0; i < users.length; i++) {
            assertEq(s.oracle.numCheckpoints(users[i]), 1, "one checkpoint");
        }
    }

    /// A person's recorded round never goes back: round 1's score cannot replace round 2's, nor
    /// can anyone make a chunk revert by recording one of its users first.
    function test_recordScoresSkipsAnOlderRound() public {
        uint256 b0 = block.number;
        bytes32[][] memory p1 = _proofs();
        uint8[] memory s1 = scores;
        _submitRoot(1, root);
        scores[0] = 99;
        bytes32 root2 = Merkle.root(_scoreLeaves());
        bytes32[][] memory p2 = _proofs();
        vm.roll(b0 + 1);
        _submitRoot(2, root2);
        vm.roll(b0 + 2);
        assertEq(s.oracle.recordScores(2, users, scores, p2), 4, "round 2 recorded");
        vm.roll(b0 + 3);
        assertEq(s.oracle.recordScores(1, users, s1, p1), 0, "round 1 is older: nothing recorded");
        assertEq(s.oracle.scoreOf(users[0]), 99, "round 2's score stays");
        assertEq(s.oracle.recordedRound(users[0]), 2, "round 2 stays");
        assertEq(s.oracle.numCheckpoints(users[0]), 1, "one checkpoint");
        vm.roll(b0 + 4);
        assertEq(s.oracle.getPastScore(users[0], b0 + 1), 0, "before the recording");
        assertEq(s.oracle.getPastScore(users[0], b0 + 2), 99, "from the recording on");
        assertEq(s.oracle.getPastScore(users[0], b0 + 3), 99, "the older round changed nothing");
    }

    /// Users listed in a signed round count as recorded in it: their checkpoints stay monotonic.
    function test_listedUsersCountAsRecorded() public {
        _submit(1, _keys(0, 1, 2));
        assertEq(s.oracle.recordedRound(users[1]), 1, "listed in round 1");
        assertEq(s.oracle.recordScores(1, users, scores, _proofs()), 0, "already recorded");
        assertEq(s.oracle.numCheckpoints(users[1]), 1, "one checkpoint");
    }

    /// Checkpoints follow recordings on the token clock, so getPastScore (what the governor reads
    /// at a proposal snapshot) follows the published scores and never changes the past.
    function test_getPastScoreFollowsRecordedScores() public {
        uint256 b0 = block.number;
        _submitRoot(1, root);
        vm.roll(b0 + 10);
        s.oracle.recordScores(1, users, scores, _proofs());
        vm.roll(b0 + 20);
        for (uint256 i = 0; i < users.length; i++) {
            assertEq(s.oracle.getPastScore(users[i], b0 + 9), 0, "before it was recorded");
            assertEq(s.oracle.getPastScore(users[i], b0 + 10), scores[i], "recorded");
        }
    }

    function test_recordScoresStopsWhenPaused() public {
        _submitRoot(1, root);
        asGovernance();
        s.oracle.pause();
        bytes32[][] memory p = _proofs();
        vm.expectRevert();
        s.oracle.recordScores(1, users, scores, p);
    }

    /// Any subset of a random tree of up to 64 people records with its proofs.
    function testFuzz_recordScoresSubset(uint256 seed, uint8 count, uint64 pick) public {
        uint256 n = bound(count, 1, 64);
        address[] memory u = new address[](n);
        uint8[] memory sc = new uint8[](n);
        bytes32[] memory leaves = new bytes32[](n);
        for (uint256 i = 0; i < n; i++) {
            u[i] = address(uint160(uint256(keccak256(abi.encode(seed, i)))));
            sc[i] = uint8(uint256(keccak256(abi.encode(seed, i, "score"))) % 101);
            leaves[i] = s.oracle.scoreLeaf(u[i], sc[i]);
        }
        _submitRoot(1, Merkle.root(leaves));
        for (uint256 i = 0; i < n; i++) {
            address[] memory one = new address[](1);
            uint8[] memory os = new uint8[](1);
            bytes32[][] memory op = new bytes32[][](1);
            (one[0], os[0], op[0]) = (u[i], sc[i], Merkle.proof(leaves, i));
            if ((pick >> (i % 64)) & 1 == 0) continue;
            os[0] = (sc[i] + 1) % 101;
            vm.expectRevert(abi.encodeWithSelector(ReputationOracle.InvalidProof.selector, 0, u[i]));
            s.oracle.recordScores(1, one, os, op);
            os[0] = sc[i];
            assertEq(s.oracle.recordScores(1, one, os, op), 1, "recorded");
            assertEq(s.oracle.scoreOf(u[i]), sc[i], "score");
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
