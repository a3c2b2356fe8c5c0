// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Vm} from "../test/base/Vm.sol";
import {SuiteDeployer} from "./SuiteDeployer.sol";

/// @title Deploy
/// @notice Deploys and wires the PHEME suite, then writes the deployment manifest.
/// @dev Run from contracts/ (scripts/contracts.sh deploy-local does it against a local anvil):
///        forge script script/Deploy.s.sol --rpc-url URL --private-key KEY --broadcast
///      Environment (all optional):
///        PHEME_RELAYER            server key's address (default: the deployer)
///        PHEME_TEAM_BENEFICIARY   team vesting beneficiary (default: the deployer)
///        PHEME_PAUSER             extra pause-role holder (default: none)
///        PHEME_ORACLE_VALIDATORS  comma-separated oracle validators (default: the relayer)
///        PHEME_ORACLE_THRESHOLD   signatures per round (default: majority of the validators)
///        PHEME_TIMELOCK_DELAY, PHEME_VOTING_DELAY, PHEME_VOTING_PERIOD, PHEME_QUORUM_PERCENT,
///        PHEME_STAKING_COOLDOWN, PHEME_MIN_VALIDATOR_STAKE, PHEME_UNBONDING_DELAY,
///        PHEME_RECOVERY_DELAY     governance parameters (defaults: SuiteDeployer.defaultConfig)
///        PHEME_MANIFEST_FILE      manifest path under contracts/deployments/
///                                 (default: deployments/<chainid>.json)
contract Deploy is SuiteDeployer {
    Vm internal constant vm = Vm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);

    function run() external returns (Suite memory s) {
        uint256 deploymentBlock = block.number;
        vm.startBroadcast();
        (, address deployer,) = vm.readCallers();
        Config memory cfg = _config(deployer);
        s = deploySuite(cfg);
        vm.stopBroadcast();
        _writeManifest(s, cfg, deploymentBlock);
    }

    function _config(address deployer) internal view returns (Config memory cfg) {
        address relayer = vm.envOr("PHEME_RELAYER", deployer);
        address[] memory defaultValidators = new address[](1);
        defaultValidators[0] = relayer;
        address[] memory validators = vm.envOr("PHEME_ORACLE_VALIDATORS", ",", defaultValidators);
        cfg = defaultConfig(deployer, relayer, validators);
        cfg.teamBeneficiary = vm.envOr("PHEME_TEAM_BENEFICIARY", deployer);
        cfg.pauser = vm.envOr("PHEME_PAUSER", address(0));
        cfg.oracleThreshold = vm.envOr("PHEME_ORACLE_THRESHOLD", cfg.oracleThreshold);
        cfg.timelockDelay = vm.envOr("PHEME_TIMELOCK_DELAY", cfg.timelockDelay);
        cfg.votingDelay = uint48(vm.envOr("PHEME_VOTING_DELAY", uint256(cfg.votingDelay)));
        cfg.votingPeriod = uint32(vm.envOr("PHEME_VOTING_PERIOD", uint256(cfg.votingPeriod)));
        cfg.quorumPercent = vm.envOr("PHEME_QUORUM_PERCENT", cfg.quorumPercent);
        cfg.stakingCooldown = vm.envOr("PHEME_STAKING_COOLDOWN", cfg.stakingCooldown);
        cfg.minValidatorStake = vm.envOr("PHEME_MIN_VALIDATOR_STAKE", cfg.minValidatorStake);
        cfg.unbondingDelay = vm.envOr("PHEME_UNBONDING_DELAY", cfg.unbondingDelay);
        cfg.recoveryDelay = vm.envOr("PHEME_RECOVERY_DELAY", cfg.recoveryDelay);
    }

    function _writeManifest(Suite memory s, Config memory cfg, uint256 deploymentBlock) internal {
        string memory o = "contracts";
        vm.serializeAddress(o, "PhemeToken", address(s.token));
        vm.serializeAddress(o, "TeamVesting", address(s.teamVesting));
        vm.serializeAddress(o, "TimelockController", address(s.timelock));
        vm.serializeAddress(o, "PhemeGovernor", address(s.governor));
        vm.serializeAddress(o, "PhemeStaking", address(s.staking));
        vm.serializeAddress(o, "RewardDistributor", address(s.distributor));
        vm.serializeAddress(o, "ReputationOracle", address(s.oracle));
        vm.serializeAddress(o, "ValidatorRegistry", address(s.registry));
        vm.serializeAddress(o, "SkillWallet", address(s.skillWallet));
        string memory contracts = vm.serializeAddress(o, "PhemeBadges", address(s.badges));

        string memory i = "implementations";
        vm.serializeAddress(i, "ReputationOracle", s.oracleImpl);
        vm.serializeAddress(i, "ValidatorRegistry", s.registryImpl);
        vm.serializeAddress(i, "SkillWallet", s.skillWalletImpl);
        string memory impls = vm.serializeAddress(i, "PhemeBadges", s.badgesImpl);

        string memory r = "roles";
        vm.serializeAddress(r, "deployer", cfg.deployer);
        vm.serializeAddress(r, "relayer", cfg.relayer);
        string memory roles = vm.serializeAddress(r, "governance", address(s.timelock));

        string memory m = "manifest";
        vm.serializeUint(m, "version", 1);
        vm.serializeUint(m, "chainId", block.chainid);
        vm.serializeUint(m, "deploymentBlock", deploymentBlock);
        vm.serializeString(m, "contracts", contracts);
        vm.serializeString(m, "implementations", impls);
        string memory json = vm.serializeString(m, "roles", roles);

        string memory path =
            vm.envOr("PHEME_MANIFEST_FILE", string.concat("deployments/", vm.toString(block.chainid), ".json"));
        vm.writeJson(json, path);
    }
}
