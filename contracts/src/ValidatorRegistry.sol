// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {EIP712Upgradeable} from "@openzeppelin/contracts-upgradeable/utils/cryptography/EIP712Upgradeable.sol";
import {PausableUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/PausableUpgradeable.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {IPhemeStaking} from "./IPhemeStaking.sol";

/// @title ValidatorRegistry
/// @notice Validators register with at least `minStake` staked in PhemeStaking and a list of skill
///         domains; registration locks `minStake` of their stake. Leaving takes two steps: request
///         unbonding, then complete it after `unbondingDelay` (the lock is released then). The
///         slasher role (governance or the dispute process) slashes a registered validator's stake
///         with a reason. The registry is also the EIP-712 verifying contract of validator reviews
///         (docs/signing.md, "validator review"), so anyone can check a review signature on-chain.
/// @dev UUPS proxy, ERC-7201 storage. Roles: DEFAULT_ADMIN_ROLE (governance: parameters, upgrades),
///      SLASHER_ROLE, PAUSER_ROLE.
contract ValidatorRegistry is
    Initializable,
    AccessControlUpgradeable,
    PausableUpgradeable,
    EIP712Upgradeable,
    ReentrancyGuardTransient,
    UUPSUpgradeable
{
    using EnumerableSet for EnumerableSet.AddressSet;

    bytes32 public constant SLASHER_ROLE = keccak256("SLASHER_ROLE");
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    /// @notice EIP-712 type of a validator review.
    bytes32 public constant REVIEW_TYPEHASH = keccak256(
        "Review(uint256 submissionId,uint256 round,address validator,uint8 score,bytes32 criteriaHash,bytes32 feedbackHash)"
    );

    /// @notice Most domains a validator may list.
    uint256 public constant MAX_DOMAINS = 16;
    /// @notice Longest unbonding delay governance may set.
    uint256 public constant MAX_UNBONDING_DELAY = 180 days;

    enum Status {
        None,
        Active,
        Unbonding
    }

    struct Validator {
        Status status;
        uint48 registeredAt;
        uint48 unbondReadyAt;
        uint32 slashCount;
        bytes32[] domains;
    }

    /// @notice A validator's signed review of a submission (see docs/signing.md).
    struct Review {
        uint256 submissionId; // the server's submission id
        uint256 round; // 0 for the first panel, n for the n-th dispute panel
        address validator; // the signer
        uint8 score; // 0-100
        bytes32 criteriaHash; // keccak256 of the per-criterion scores (docs/signing.md)
        bytes32 feedbackHash; // keccak256 of the UTF-8 feedback text
    }

    /// @custom:storage-location erc7201:pheme.storage.ValidatorRegistry
    struct RegistryStorage {
        IPhemeStaking staking;
        uint256 minStake;
        uint256 unbondingDelay;
        mapping(address => Validator) validators;
        EnumerableSet.AddressSet registered;
    }

    // keccak256(abi.encode(uint256(keccak256("pheme.storage.ValidatorRegistry")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0x01af65b7ffaf5d85d10c9e6e2db575345a15d63507b8885db895836676572500;

    event ValidatorRegistered(address indexed validator, bytes32[] domains, uint256 stake);
    event DomainsUpdated(address indexed validator, bytes32[] domains);
    event UnbondingRequested(address indexed validator, uint256 readyAt);
    event ValidatorExited(address indexed validator);
    event ValidatorSlashed(address indexed validator, uint256 amount, bool burnt, string reason);
    event MinStakeSet(uint256 minStake);
    event UnbondingDelaySet(uint256 delay);

    error ZeroAddress();
    error AlreadyRegistered(address validator);
    error NotActive(address validator);
    error NotUnbonding(address validator);
    error NotRegistered(address validator);
    error InsufficientStake(uint256 stake, uint256 minStake);
    error InvalidDomains();
    error UnbondingNotOver(uint256 readyAt);
    error DelayTooLong(uint256 delay);
    error ZeroAmount();

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Initialise the proxy.
    /// @param admin governance (the timelock); also holds SLASHER_ROLE and PAUSER_ROLE
    /// @param staking_ the PhemeStaking contract (this registry needs its LOCKER_ROLE and SLASHER_ROLE)
    /// @param minStake_ stake required to register (token wei)
    /// @param unbondingDelay_ seconds between requestUnbond and completeUnbond
    function initialize(address admin, IPhemeStaking staking_, uint256 minStake_, uint256 unbondingDelay_)
        external
        initializer
    {
        if (admin == address(0) || address(staking_) == address(0)) revert ZeroAddress();
        if (unbondingDelay_ > MAX_UNBONDING_DELAY) revert DelayTooLong(unbondingDelay_);
        __AccessControl_init();
        __Pausable_init();
        __EIP712_init("PhemeValidatorRegistry", "1");
        RegistryStorage storage $ = _s();
        $.staking = staking_;
        $.minStake = minStake_;
        $.unbondingDelay = unbondingDelay_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(SLASHER_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
        emit MinStakeSet(minStake_);
        emit UnbondingDelaySet(unbondingDelay_);
    }

    // ------------------------------------------------------------------ validators

    /// @notice Register as a validator for `domains` (1..16 skill-domain ids, e.g. keccak256 of a
    ///         slug). Needs an active stake of at least `minStake`, which becomes locked.
    function register(bytes32[] calldata domains) external whenNotPaused nonReentrant {
        RegistryStorage storage $ = _s();
        Validator storage v = $.validators[msg.sender];
        if (v.status != Status.None) revert AlreadyRegistered(msg.sender);
        _checkDomains(domains);
        uint256 stake = $.staking.stakeOf(msg.sender);
        if (stake < $.minStake) revert InsufficientStake(stake, $.minStake);
        v.status = Status.Active;
        v.registeredAt = uint48(block.timestamp);
        v.unbondReadyAt = 0;
        v.domains = domains;
        $.registered.add(msg.sender);
        $.staking.setLock(msg.sender, $.minStake);
        emit ValidatorRegistered(msg.sender, domains, stake);
    }

    /// @notice Replace the caller's domains.
    function updateDomains(bytes32[] calldata domains) external whenNotPaused {
        Validator storage v = _s().validators[msg.sender];
        if (v.status != Status.Active) revert NotActive(msg.sender);
        _checkDomains(domains);
        v.domains = domains;
        emit DomainsUpdated(msg.sender, domains);
    }

    /// @notice Stop validating; the stake stays locked (and slashable) for `unbondingDelay`.
    function requestUnbond() external {
        RegistryStorage storage $ = _s();
        Validator storage v = $.validators[msg.sender];
        if (v.status != Status.Active) revert NotActive(msg.sender);
        v.status = Status.Unbonding;
        v.unbondReadyAt = uint48(block.timestamp + $.unbondingDelay);
        emit UnbondingRequested(msg.sender, v.unbondReadyAt);
    }

    /// @notice Leave the registry after the delay; the stake lock is released.
    function completeUnbond() external nonReentrant {
        RegistryStorage storage $ = _s();
        Validator storage v = $.validators[msg.sender];
        if (v.status != Status.Unbonding) revert NotUnbonding(msg.sender);
        if (block.timestamp < v.unbondReadyAt) revert UnbondingNotOver(v.unbondReadyAt);
        v.status = Status.None;
        delete v.domains;
        $.registered.remove(msg.sender);
        $.staking.setLock(msg.sender, 0);
        emit ValidatorExited(msg.sender);
    }

    /// @notice Slash a registered (active or unbonding) validator.
    /// @param amount most to take (active stake first, then stake in cooldown)
    /// @param burn burn the tokens, else send them to the staking treasury
    /// @param reason human-readable reason, e.g. a dispute id
    function slash(address validator, uint256 amount, bool burn, string calldata reason)
        external
        onlyRole(SLASHER_ROLE)
        nonReentrant
        returns (uint256 slashed)
    {
        if (amount == 0) revert ZeroAmount();
        Validator storage v = _s().validators[validator];
        if (v.status == Status.None) revert NotRegistered(validator);
        v.slashCount += 1;
        slashed = _s().staking.slash(validator, amount, burn);
        emit ValidatorSlashed(validator, slashed, burn, reason);
    }

    // ------------------------------------------------------------------ reviews

    /// @notice EIP-712 digest of a review.
    function reviewDigest(Review calldata review) public view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(
                abi.encode(
                    REVIEW_TYPEHASH,
                    review.submissionId,
                    review.round,
                    review.validator,
                    review.score,
                    review.criteriaHash,
                    review.feedbackHash
                )
            )
        );
    }

    /// @notice Whether `signature` is `review.validator`'s signature of the review and the
    ///         validator is currently eligible. Never reverts on a malformed signature.
    function verifyReview(Review calldata review, bytes calldata signature) external view returns (bool) {
        (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecoverCalldata(reviewDigest(review), signature);
        if (err != ECDSA.RecoverError.NoError || signer != review.validator) return false;
        return isEligible(review.validator);
    }

    // ------------------------------------------------------------------ views

    /// @notice Active, and still staking at least `minStake`.
    function isEligible(address validator) public view returns (bool) {
        RegistryStorage storage $ = _s();
        return $.validators[validator].status == Status.Active && $.staking.stakeOf(validator) >= $.minStake;
    }

    /// @notice Registration data of `validator`.
    function validatorInfo(address validator)
        external
        view
        returns (Status status, uint256 registeredAt, uint256 unbondReadyAt, uint256 slashCount, bytes32[] memory domains)
    {
        Validator storage v = _s().validators[validator];
        return (v.status, v.registeredAt, v.unbondReadyAt, v.slashCount, v.domains);
    }

    /// @notice Registered (active or unbonding) validators.
    function registeredValidators() external view returns (address[] memory) {
        return _s().registered.values();
    }

    /// @notice The staking contract.
    function staking() external view returns (IPhemeStaking) {
        return _s().staking;
    }

    /// @notice Stake required to register.
    function minStake() external view returns (uint256) {
        return _s().minStake;
    }

    /// @notice Seconds from requestUnbond to completeUnbond.
    function unbondingDelay() external view returns (uint256) {
        return _s().unbondingDelay;
    }

    // ------------------------------------------------------------------ governance

    /// @notice Set the stake required to register (existing validators below it become ineligible).
    function setMinStake(uint256 minStake_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _s().minStake = minStake_;
        emit MinStakeSet(minStake_);
    }

    /// @notice Set the unbonding delay (applies to later requests).
    function setUnbondingDelay(uint256 delay) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (delay > MAX_UNBONDING_DELAY) revert DelayTooLong(delay);
        _s().unbondingDelay = delay;
        emit UnbondingDelaySet(delay);
    }

    /// @notice Pause registration and domain updates.
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @notice Lift the pause.
    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    // ------------------------------------------------------------------ internals

    function _checkDomains(bytes32[] calldata domains) private pure {
        if (domains.length == 0 || domains.length > MAX_DOMAINS) revert InvalidDomains();
        for (uint256 i = 0; i < domains.length; i++) {
            if (domains[i] == bytes32(0)) revert InvalidDomains();
        }
    }

    function _authorizeUpgrade(address) internal override onlyRole(DEFAULT_ADMIN_ROLE) {}

    function _s() private pure returns (RegistryStorage storage $) {
        assembly {
            $.slot := STORAGE_SLOT
        }
    }
}
