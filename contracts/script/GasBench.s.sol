// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Vm} from "../test/base/Vm.sol";
import {SuiteDeployer} from "./SuiteDeployer.sol";
import {BaselineERC721, BaselineERC1155} from "../bench/Baselines.sol";
import {PhemeBadges} from "../src/PhemeBadges.sol";
import {Merkle} from "../test/base/Merkle.sol";

/// @title GasBench
/// @notice Real transactions for the gas benchmark, broadcast to a local anvil by
///         `scripts/contracts.sh test|gas`; tools/gasbench.js reads the receipts (transaction gas
///         used) from the broadcast log and checks the ratios against the plain OpenZeppelin
///         baselines. PHEME_BENCH_KEY is the broadcasting key (it also signs the vouchers).
contract GasBench is SuiteDeployer {
    Vm internal constant vm = Vm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);

    uint256 internal constant N = 12; // mints / claims measured
    uint256 internal constant USERS = 100; // users per oracle round
    uint256 internal constant VALIDATORS = 5;
    uint256 internal constant BADGE = 1;
    uint256 internal constant DEPTH = 20; // proofs as long as in a tree of 1,048,576 people
    uint256 internal constant SUBTREE = 128; // the measured people's leaves (and padding) under one node

    function run() external {
        uint256 key = vm.envUint("PHEME_BENCH_KEY");
        address me = vm.addr(key);
        (address[] memory validators, uint256[] memory vkeys) = _validators();

        vm.startBroadcast(key);
        Config memory cfg = defaultConfig(me, me, validators);
        cfg.oracleThreshold = 3;
        Suite memory s = deploySuite(cfg);
        BaselineERC721 base721 = new BaselineERC721();
        BaselineERC1155 base1155 = new BaselineERC1155();

        // ERC-721: Skill Wallet mint vs plain mint, each to a fresh address
        for (uint256 i = 0; i < N; i++) {
            s.skillWallet.mintFor(_fresh("wallet", i));
            base721.mint(_fresh("plain721", i));
        }

        // ERC-1155: the id's first mint, then voucher claims vs plain mints to fresh addresses
        s.badges.createBadgeType(BADGE, PhemeBadges.Rarity.COMMON, true, 0, 0, "ipfs://bench");
        s.badges.mint(_fresh("first", 0), BADGE, 1);
        base1155.mint(_fresh("first", 1), BADGE, 1);
        vm.stopBroadcast();

        PhemeBadges.Voucher[] memory vs = new PhemeBadges.Voucher[](N);
        bytes[] memory sigs = new bytes[](N);
        for (uint256 i = 0; i < N; i++) {
            vs[i] = PhemeBadges.Voucher({
                recipient: _fresh("claimer", i), id: BADGE, amount: 1, nonce: i + 1, deadline: block.timestamp + 1 days
            });
            (uint8 v, bytes32 r, bytes32 sg) = vm.sign(key, s.badges.voucherDigest(vs[i]));
            sigs[i] = abi.encodePacked(r, sg, v);
        }

        vm.startBroadcast(key);
        for (uint256 i = 0; i < N; i++) {
            s.badges.claim(vs[i], sigs[i]);
            base1155.mint(_fresh("plain1155", i), BADGE, 1);
        }
        vm.stopBroadcast();

        // Oracle: three rounds of 100 users signed by all 5 validators
        address[] memory users = _users();
        for (uint256 round = 1; round <= 3; round++) {
            _round(s, key, vkeys, users, round);
        }

        // Large epochs: root-only rounds 4 and 5, then recordScores of 100 people with proofs of
        // 20 nodes: first as people never recorded, then the same people again with new scores
        address[] memory deep = new address[](USERS);
        for (uint256 i = 0; i < USERS; i++) {
            deep[i] = _fresh("deep", i);
        }
        for (uint256 round = 4; round <= 5; round++) {
            _recordDeep(s, key, vkeys, deep, round);
        }
    }

    /// A tree of depth DEPTH whose first SUBTREE leaves hold the people (then padding); the rest of
    /// the tree is stood for by one made-up sibling per level above the subtree.
    function _recordDeep(Suite memory s, uint256 key, uint256[] memory vkeys, address[] memory deep, uint256 round)
        internal
    {
        uint8[] memory scores = new uint8[](USERS);
        bytes32[] memory leaves = new bytes32[](SUBTREE);
        for (uint256 i = 0; i < SUBTREE; i++) {
            if (i < USERS) {
                scores[i] = uint8(uint256(keccak256(abi.encode("deep score", round, i))) % 100) + 1;
                leaves[i] = s.oracle.scoreLeaf(deep[i], scores[i]);
            } else {
                leaves[i] = keccak256(abi.encode("padding", i));
            }
        }
        uint256 above = DEPTH - 7; // log2(SUBTREE) = 7
        bytes32[] memory upper = new bytes32[](above);
        bytes32 root = Merkle.root(leaves);
        for (uint256 k = 0; k < above; k++) {
            upper[k] = keccak256(abi.encode("rest of the tree", round, k));
            root = Merkle.hashPair(root, upper[k]);
        }
        bytes32[][] memory proofs = new bytes32[][](USERS);
        for (uint256 i = 0; i < USERS; i++) {
            bytes32[] memory low = Merkle.proof(leaves, i);
            proofs[i] = new bytes32[](DEPTH);
            for (uint256 k = 0; k < low.length; k++) {
                proofs[i][k] = low[k];
            }
            for (uint256 k = 0; k < above; k++) {
                proofs[i][low.length + k] = upper[k];
            }
        }
        address[] memory none = new address[](0);
        uint8[] memory noScores = new uint8[](0);
        bytes[] memory rs = _signAll(vkeys, s.oracle.roundDigest(round, root, none, noScores));
        vm.startBroadcast(key);
        s.oracle.submitRound(round, root, none, noScores, rs);
        s.oracle.recordScores(round, deep, scores, proofs);
        vm.stopBroadcast();
    }

    function _round(Suite memory s, uint256 key, uint256[] memory vkeys, address[] memory users, uint256 round)
        internal
    {
        uint8[] memory scores = new uint8[](USERS);
        for (uint256 i = 0; i < USERS; i++) {
            scores[i] = uint8(uint256(keccak256(abi.encode(round, i))) % 101);
        }
        bytes32 root = keccak256(abi.encode("bench root", round));
        bytes[] memory rs = _signAll(vkeys, s.oracle.roundDigest(round, root, users, scores));
        vm.startBroadcast(key);
        s.oracle.submitRound(round, root, users, scores, rs);
        vm.stopBroadcast();
    }

    function _signAll(uint256[] memory vkeys, bytes32 digest) internal pure returns (bytes[] memory rs) {
        rs = new bytes[](vkeys.length);
        for (uint256 j = 0; j < vkeys.length; j++) {
            (uint8 v, bytes32 r, bytes32 sg) = vm.sign(vkeys[j], digest);
            rs[j] = abi.encodePacked(r, sg, v);
        }
    }

    function _fresh(string memory tag, uint256 i) internal pure returns (address) {
        return address(uint160(uint256(keccak256(abi.encode("pheme bench", tag, i)))));
    }

    function _users() internal pure returns (address[] memory u) {
        u = new address[](USERS);
        for (uint256 i = 0; i < USERS; i++) {
            u[i] = _fresh("user", i);
        }
        _sort(u);
    }

    function _validators() internal pure returns (address[] memory a, uint256[] memory k) {
        a = new address[](VALIDATORS);
        k = new uint256[](VALIDATORS);
        for (uint256 i = 0; i < VALIDATORS; i++) {
            k[i] = uint256(keccak256(abi.encode("pheme bench validator", i)));
            a[i] = vm.addr(k[i]);
        }
        for (uint256 i = 1; i < VALIDATORS; i++) {
            for (uint256 j = i; j > 0 && a[j] < a[j - 1]; j--) {
                (a[j], a[j - 1]) = (a[j - 1], a[j]);
                (k[j], k[j - 1]) = (k[j - 1], k[j]);
            }
        }
    }

    function _sort(address[] memory a) internal pure {
        for (uint256 i = 1; i < a.length; i++) {
            for (uint256 j = i; j > 0 && a[j] < a[j - 1]; j--) {
                (a[j], a[j - 1]) = (a[j - 1], a[j]);
            }
        }
    }
}
