// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "./Test.sol";
import {SuiteDeployer} from "../../script/SuiteDeployer.sol";

/// @notice Deploys the whole suite the way the deploy script does, with short governance periods,
///         a relayer key and five oracle validators (threshold 3) whose keys the tests know.
abstract contract Fixture is Test, SuiteDeployer {
    Suite internal s;
    Config internal cfg;

    address internal relayer;
    uint256 internal relayerKey;
    address[] internal validators; // sorted ascending
    uint256[] internal validatorKeys; // same order

    uint256 internal constant NVALIDATORS = 5;
    uint256 internal constant THRESHOLD = 3;

    function setUp() public virtual {
        vm.warp(1_700_000_000);
        vm.roll(1000);
        (relayer, relayerKey) = makeAddrAndKey("relayer");
        _makeValidators(NVALIDATORS);
        cfg = defaultConfig(address(this), relayer, validators);
        cfg.oracleThreshold = THRESHOLD;
        cfg.teamBeneficiary = makeAddr("team");
        cfg.timelockDelay = 1 days;
        cfg.votingDelay = 1;
        cfg.votingPeriod = 50;
        s = deploySuite(cfg);
        vm.label(address(s.token), "PhemeToken");
        vm.label(address(s.timelock), "Timelock");
        vm.label(address(s.staking), "PhemeStaking");
        vm.label(address(s.oracle), "ReputationOracle");
        vm.label(address(s.registry), "ValidatorRegistry");
        vm.label(address(s.skillWallet), "SkillWallet");
        vm.label(address(s.badges), "PhemeBadges");
        vm.label(address(s.distributor), "RewardDistributor");
        vm.label(address(s.governor), "PhemeGovernor");
    }

    function _makeValidators(uint256 n) internal {
        address[] memory addrs = new address[](n);
        uint256[] memory keys = new uint256[](n);
        for (uint256 i = 0; i < n; i++) {
            (addrs[i], keys[i]) = makeAddrAndKey(string.concat("validator", vm.toString(i)));
        }
        // insertion sort by address
        for (uint256 i = 1; i < n; i++) {
            for (uint256 j = i; j > 0 && addrs[j] < addrs[j - 1]; j--) {
                (addrs[j], addrs[j - 1]) = (addrs[j - 1], addrs[j]);
                (keys[j], keys[j - 1]) = (keys[j - 1], keys[j]);
            }
        }
        delete validators;
        delete validatorKeys;
        for (uint256 i = 0; i < n; i++) {
            validators.push(addrs[i]);
            validatorKeys.push(keys[i]);
        }
    }

    /// @dev Give `to` tokens from the deployer's community allocation (held by this contract).
    function fund(address to, uint256 amount) internal {
        s.token.transfer(to, amount);
    }

    /// @dev Act as governance (the timelock) for one call.
    function asGovernance() internal {
        vm.prank(address(s.timelock));
    }

    // ------------------------------------------------------------------ oracle helpers

    function signRound(
        uint256[] memory keys,
        uint256 round,
        bytes32 root,
        address[] memory users,
        uint8[] memory scores
    ) internal view returns (bytes[] memory sigs) {
        bytes32 digest = s.oracle.roundDigest(round, root, users, scores);
        sigs = new bytes[](keys.length);
        for (uint256 i = 0; i < keys.length; i++) {
            sigs[i] = signDigest(keys[i], digest);
        }
    }

    /// @dev The first `m` validator keys (ascending signer order).
    function firstKeys(uint256 m) internal view returns (uint256[] memory keys) {
        keys = new uint256[](m);
        for (uint256 i = 0; i < m; i++) {
            keys[i] = validatorKeys[i];
        }
    }

    /// @dev Publish a round with the first THRESHOLD validators' signatures.
    function publishScores(uint256 round, address[] memory users, uint8[] memory scores) internal {
        bytes32 root = keccak256(abi.encode("root", round));
        bytes[] memory sigs = signRound(firstKeys(THRESHOLD), round, root, users, scores);
        s.oracle.submitRound(round, root, users, scores, sigs);
    }

    function sortAddresses(address[] memory a) internal pure returns (address[] memory) {
        for (uint256 i = 1; i < a.length; i++) {
            for (uint256 j = i; j > 0 && a[j] < a[j - 1]; j--) {
                (a[j], a[j - 1]) = (a[j - 1], a[j]);
            }
        }
        return a;
    }
}
