// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {IERC6372} from "@openzeppelin/contracts/interfaces/IERC6372.sol";
import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {PhemeToken} from "../src/PhemeToken.sol";
import {PhemeVesting} from "../src/PhemeVesting.sol";
import {PhemeStaking} from "../src/PhemeStaking.sol";
import {RewardDistributor} from "../src/RewardDistributor.sol";
import {PhemeGovernor, IStakedVotes, IReputationScores} from "../src/PhemeGovernor.sol";
import {SkillWallet} from "../src/SkillWallet.sol";
import {PhemeBadges} from "../src/PhemeBadges.sol";
import {ReputationOracle} from "../src/ReputationOracle.sol";
import {ValidatorRegistry} from "../src/ValidatorRegistry.sol";
import {IPhemeStaking} from "../src/IPhemeStaking.sol";

/// @title SuiteDeployer
/// @notice Deploys and wires the whole PHEME suite; shared by the deploy script (inside a
///         broadcast, where `cfg.deployer` is the broadcasting account) and by the tests (where it is
///         the test contract). At the end governance (the timelock) is the only admin of everything
///         and the deployer holds no role.
abstract contract SuiteDeployer {
    uint256 internal constant TEAM_ALLOCATION = 150_000_000 ether;
    uint256 internal constant TREASURY_ALLOCATION = 450_000_000 ether;
    uint256 internal constant COMMUNITY_ALLOCATION = 400_000_000 ether; // to the deployer, then:
    uint256 internal constant REWARD_POOL = 150_000_000 ether; // -> RewardDistributor
    uint256 internal constant STAKING_REWARDS = 100_000_000 ether; // -> PhemeStaking reserve
    // the remaining 150,000,000 stay with the deployer (liquidity, airdrops, local demo data)
    uint64 internal constant TEAM_DURATION = 63_072_000; // 730 days
    uint64 internal constant TEAM_CLIFF = 2_592_000; // 30 days

    struct Config {
        address deployer; // temporary admin during wiring; the account that sends every call
        address relayer; // the PHEME server's key: oracle/minter/issuer/publisher/slasher roles
        address teamBeneficiary; // owner of the team vesting wallet
        address pauser; // extra PAUSER_ROLE holder (0 for none; the timelock always has it)
        address[] oracleValidators;
        uint256 oracleThreshold;
        uint256 timelockDelay; // seconds
        uint48 votingDelay; // blocks
        uint32 votingPeriod; // blocks
        uint256 proposalThreshold; // raw votes (0.1% of the supply in production)
        uint256 quorumPercent;
        uint256 stakingCooldown; // seconds
        uint256 minValidatorStake; // token wei
        uint256 unbondingDelay; // seconds
        uint256 recoveryDelay; // seconds
    }

    struct Suite {
        TimelockController timelock;
        PhemeToken token;
        PhemeVesting teamVesting;
        PhemeStaking staking;
        RewardDistributor distributor;
        PhemeGovernor governor;
        ReputationOracle oracle;
        ValidatorRegistry registry;
        SkillWallet skillWallet;
        PhemeBadges badges;
        address oracleImpl;
        address registryImpl;
        address skillWalletImpl;
        address badgesImpl;
    }

    /// @notice Production-like defaults, with the given accounts.
    function defaultConfig(address deployer, address relayer, address[] memory validators)
        internal
        pure
        returns (Config memory cfg)
    {
        cfg.deployer = deployer;
        cfg.relayer = relayer;
        cfg.teamBeneficiary = deployer;
        cfg.oracleValidators = validators;
        cfg.oracleThreshold = validators.length / 2 + 1;
        cfg.timelockDelay = 2 days;
        cfg.votingDelay = 7200; // ~1 day of 12 s blocks
        cfg.votingPeriod = 50400; // ~1 week
        cfg.proposalThreshold = 1_000_000 ether; // 0.1% of 1e9
        cfg.quorumPercent = 4;
        cfg.stakingCooldown = 7 days;
        cfg.minValidatorStake = 10_000 ether;
        cfg.unbondingDelay = 14 days;
        cfg.recoveryDelay = 3 days;
    }

    function deploySuite(Config memory cfg) internal returns (Suite memory s) {
        address[] memory none = new address[](0);
        address[] memory anyone = new address[](1); // address(0): anyone may execute
        s.timelock = new TimelockController(cfg.timelockDelay, none, anyone, cfg.deployer);

        s.teamVesting = new PhemeVesting(
            cfg.teamBeneficiary, uint64(block.timestamp), TEAM_DURATION, TEAM_CLIFF
        );
        {
            address[] memory to = new address[](3);
            uint256[] memory amounts = new uint256[](3);
            (to[0], amounts[0]) = (address(s.teamVesting), TEAM_ALLOCATION);
            (to[1], amounts[1]) = (address(s.timelock), TREASURY_ALLOCATION);
            (to[2], amounts[2]) = (cfg.deployer, COMMUNITY_ALLOCATION);
            s.token = new PhemeToken(to, amounts);
        }

        s.oracleImpl = address(new ReputationOracle());
        s.oracle = ReputationOracle(
            address(
                new ERC1967Proxy(
                    s.oracleImpl,
                    abi.encodeCall(
                        ReputationOracle.initialize,
                        (cfg.deployer, IERC6372(address(s.token)), cfg.oracleValidators, cfg.oracleThreshold)
                    )
                )
            )
        );

        s.staking = new PhemeStaking(IERC20(address(s.token)), cfg.deployer, address(s.timelock), cfg.stakingCooldown);

        s.registryImpl = address(new ValidatorRegistry());
        s.registry = ValidatorRegistry(
            address(
                new ERC1967Proxy(
                    s.registryImpl,
                    abi.encodeCall(
                        ValidatorRegistry.initialize,
                        (cfg.deployer, IPhemeStaking(address(s.staking)), cfg.minValidatorStake, cfg.unbondingDelay)
                    )
                )
            )
        );

        s.skillWalletImpl = address(new SkillWallet());
        s.skillWallet = SkillWallet(
            address(
                new ERC1967Proxy(
                    s.skillWalletImpl, abi.encodeCall(SkillWallet.initialize, (cfg.deployer, cfg.recoveryDelay))
                )
            )
        );

        s.badgesImpl = address(new PhemeBadges());
        s.badges =
            PhemeBadges(address(new ERC1967Proxy(s.badgesImpl, abi.encodeCall(PhemeBadges.initialize, (cfg.deployer)))));

        s.distributor = new RewardDistributor(IERC20(address(s.token)), cfg.deployer);

        s.governor = new PhemeGovernor(
            IVotes(address(s.token)),
            IStakedVotes(address(s.staking)),
            IReputationScores(address(s.oracle)),
            s.timelock,
            cfg.votingDelay,
            cfg.votingPeriod,
            cfg.proposalThreshold,
            cfg.quorumPercent
        );

        _wire(cfg, s);
    }

    function _wire(Config memory cfg, Suite memory s) private {
        address tl = address(s.timelock);

        // timelock: the governor proposes and cancels; anyone executes
        s.timelock.grantRole(s.timelock.PROPOSER_ROLE(), address(s.governor));
        s.timelock.grantRole(s.timelock.CANCELLER_ROLE(), address(s.governor));

        // staking <- registry
        s.staking.grantRole(s.staking.LOCKER_ROLE(), address(s.registry));
        s.staking.grantRole(s.staking.SLASHER_ROLE(), address(s.registry));

        // the server's roles
        s.skillWallet.grantRole(s.skillWallet.ORACLE_ROLE(), cfg.relayer);
        s.skillWallet.grantRole(s.skillWallet.MINTER_ROLE(), cfg.relayer);
        s.badges.grantRole(s.badges.MINTER_ROLE(), cfg.relayer);
        s.badges.grantRole(s.badges.ISSUER_ROLE(), cfg.relayer);
        s.badges.grantRole(s.badges.BADGE_ADMIN_ROLE(), cfg.relayer);
        s.distributor.grantRole(s.distributor.PUBLISHER_ROLE(), cfg.relayer);
        s.registry.grantRole(s.registry.SLASHER_ROLE(), cfg.relayer);

        // funding
        s.token.transfer(address(s.distributor), REWARD_POOL);
        s.token.approve(address(s.staking), STAKING_REWARDS);
        s.staking.fundRewards(STAKING_REWARDS);

        // governance becomes the admin of everything; the deployer keeps nothing (except, when the
        // deployer is also the relayer, as on a local dev chain, the relayer's operational roles)
        s.staking.grantRole(s.staking.REWARD_MANAGER_ROLE(), tl);
        s.staking.renounceRole(s.staking.REWARD_MANAGER_ROLE(), cfg.deployer);
        s.registry.grantRole(s.registry.SLASHER_ROLE(), tl);
        if (cfg.relayer != cfg.deployer) s.registry.renounceRole(s.registry.SLASHER_ROLE(), cfg.deployer);
        s.skillWallet.grantRole(s.skillWallet.RECOVERY_ROLE(), tl);
        s.skillWallet.renounceRole(s.skillWallet.RECOVERY_ROLE(), cfg.deployer);
        s.badges.grantRole(s.badges.BADGE_ADMIN_ROLE(), tl);
        if (cfg.relayer != cfg.deployer) s.badges.renounceRole(s.badges.BADGE_ADMIN_ROLE(), cfg.deployer);
        _handOver(IAccessControl(address(s.staking)), tl, cfg);
        _handOver(IAccessControl(address(s.distributor)), tl, cfg);
        _handOver(IAccessControl(address(s.oracle)), tl, cfg);
        _handOver(IAccessControl(address(s.registry)), tl, cfg);
        _handOver(IAccessControl(address(s.skillWallet)), tl, cfg);
        _handOver(IAccessControl(address(s.badges)), tl, cfg);

        s.timelock.renounceRole(s.timelock.DEFAULT_ADMIN_ROLE(), cfg.deployer);
    }

    /// @dev PAUSER_ROLE and DEFAULT_ADMIN_ROLE move from the deployer to the timelock (and the
    ///      optional pauser).
    function _handOver(IAccessControl c, address timelock, Config memory cfg) private {
        bytes32 pauser = keccak256("PAUSER_ROLE");
        c.grantRole(pauser, timelock);
        if (cfg.pauser != address(0)) c.grantRole(pauser, cfg.pauser);
        c.renounceRole(pauser, cfg.deployer);
        c.grantRole(bytes32(0), timelock);
        c.renounceRole(bytes32(0), cfg.deployer);
    }
}
