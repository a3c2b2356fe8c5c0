// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {IERC6372} from "@openzeppelin/contracts/interfaces/IERC6372.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title PhemeStaking
/// @notice Stake $PHEME, request an unstake that becomes withdrawable after a cooldown, and earn
///         rewards streamed at a rate set by governance (reward-per-token accounting). The active
///         stake is what validator eligibility reads and is checkpointed as voting power (on the
///         token's clock), so staking never costs a vote. The validator registry may lock part of a
///         validator's stake and slash it (burn, or send to the treasury).
/// @dev Roles: DEFAULT_ADMIN_ROLE and REWARD_MANAGER_ROLE (governance: the timelock), PAUSER_ROLE,
///      SLASHER_ROLE and LOCKER_ROLE (the ValidatorRegistry). Not upgradeable.
contract PhemeStaking is AccessControl, Pausable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using Checkpoints for Checkpoints.Trace208;

    bytes32 public constant REWARD_MANAGER_ROLE = keccak256("REWARD_MANAGER_ROLE");
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    bytes32 public constant SLASHER_ROLE = keccak256("SLASHER_ROLE");
    bytes32 public constant LOCKER_ROLE = keccak256("LOCKER_ROLE");

    /// @notice Longest cooldown governance may set.
    uint256 public constant MAX_COOLDOWN = 90 days;
    uint256 private constant PRECISION = 1e18;

    struct Unstake {
        uint128 amount; // waiting for the cooldown
        uint64 readyAt; // when it may be withdrawn
    }

    /// @notice The staked token.
    IERC20 public immutable token;

    /// @notice Cooldown between requestUnstake and withdraw, in seconds.
    uint256 public cooldown;
    /// @notice Where slashed tokens go unless they are burnt.
    address public treasury;

    /// @notice Sum of active stakes.
    uint256 public totalStaked;
    /// @notice Sum of amounts in cooldown.
    uint256 public totalUnstaking;
    /// @notice Tokens funded for rewards and not yet committed to a stream.
    uint256 public rewardReserve;

    /// @notice Reward tokens per second while the stream runs.
    uint256 public rewardRate;
    /// @notice End of the current stream.
    uint256 public periodFinish;
    uint256 public lastUpdateTime;
    uint256 public rewardPerTokenStored;

    mapping(address account => uint256) private _stakes;
    mapping(address account => Unstake) private _unstakes;
    mapping(address account => uint256) private _locked;
    mapping(address account => uint256) private _userRewardPerTokenPaid;
    mapping(address account => uint256) private _rewards;
    mapping(address account => Checkpoints.Trace208) private _votes;
    Checkpoints.Trace208 private _totalVotes;

    event Staked(address indexed account, uint256 amount, uint256 newStake);
    event UnstakeRequested(address indexed account, uint256 amount, uint256 readyAt, uint256 newStake);
    event Withdrawn(address indexed account, uint256 amount);
    event RewardPaid(address indexed account, uint256 amount);
    event RewardsFunded(address indexed from, uint256 amount);
    event RewardStreamStarted(uint256 rate, uint256 periodFinish);
    event Slashed(address indexed account, uint256 amount, bool burnt, address recipient);
    event StakeLocked(address indexed account, uint256 amount);
    event CooldownSet(uint256 cooldown);
    event TreasurySet(address treasury);
    /// @notice ERC-5805 style event for indexers: the voting power of `account` changed.
    event DelegateVotesChanged(address indexed delegate, uint256 previousVotes, uint256 newVotes);

    error ZeroAmount();
    error ZeroAddress();
    error InsufficientStake(uint256 available, uint256 requested);
    error StakeIsLocked(uint256 locked, uint256 remaining);
    error CooldownNotOver(uint256 readyAt);
    error NothingToWithdraw();
    error CooldownTooLong(uint256 cooldown);
    error InsufficientRewardReserve(uint256 reserve, uint256 needed);
    error InvalidDuration();
    error FutureLookup(uint256 timepoint, uint48 clock);

    /// @param token_ the $PHEME token (ERC-20 with ERC-6372 clock)
    /// @param admin governance (the timelock): admin and reward manager
    /// @param treasury_ receiver of non-burnt slashes
    /// @param cooldown_ unstake cooldown in seconds
    constructor(IERC20 token_, address admin, address treasury_, uint256 cooldown_) {
        if (address(token_) == address(0) || admin == address(0) || treasury_ == address(0)) revert ZeroAddress();
        if (cooldown_ > MAX_COOLDOWN) revert CooldownTooLong(cooldown_);
        token = token_;
        treasury = treasury_;
        cooldown = cooldown_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(REWARD_MANAGER_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
        emit CooldownSet(cooldown_);
        emit TreasurySet(treasury_);
    }

    // ------------------------------------------------------------------ views

    /// @notice Active stake of `account` (what eligibility and voting power read).
    function stakeOf(address account) external view returns (uint256) {
        return _stakes[account];
    }

    /// @notice The pending unstake of `account`: amount and the time it becomes withdrawable.
    function unstakeOf(address account) external view returns (uint256 amount, uint256 readyAt) {
        Unstake memory u = _unstakes[account];
        return (u.amount, u.readyAt);
    }

    /// @notice Stake of `account` locked by the registry (cannot be unstaked).
    function lockedOf(address account) external view returns (uint256) {
        return _locked[account];
    }

    /// @notice Last time rewards accrue in the current stream.
    function lastTimeRewardApplicable() public view returns (uint256) {
        return Math.min(block.timestamp, periodFinish);
    }

    /// @notice Accumulated reward per staked token (scaled by 1e18).
    function rewardPerToken() public view returns (uint256) {
        if (totalStaked == 0) return rewardPerTokenStored;
        return rewardPerTokenStored + ((lastTimeRewardApplicable() - lastUpdateTime) * rewardRate * PRECISION) / totalStaked;
    }

    /// @notice Rewards `account` can claim now.
    function earned(address account) public view returns (uint256) {
        return _rewards[account]
            + (_stakes[account] * (rewardPerToken() - _userRewardPerTokenPaid[account])) / PRECISION;
    }

    /// @notice ERC-6372 clock: the token's.
    function clock() public view returns (uint48) {
        return IERC6372(address(token)).clock();
    }

    /// @notice ERC-6372 clock mode: the token's.
    // solhint-disable-next-line func-name-mixedcase
    function CLOCK_MODE() external view returns (string memory) {
        return IERC6372(address(token)).CLOCK_MODE();
    }

    /// @notice Current voting power from stake (the active stake).
    function getVotes(address account) external view returns (uint256) {
        return _votes[account].latest();
    }

    /// @notice Voting power from stake at a past timepoint of the token's clock.
    function getPastVotes(address account, uint256 timepoint) external view returns (uint256) {
        uint48 now_ = clock();
        if (timepoint >= now_) revert FutureLookup(timepoint, now_);
        return _votes[account].upperLookupRecent(SafeCast.toUint48(timepoint));
    }

    /// @notice Total active stake at a past timepoint.
    function getPastTotalStaked(uint256 timepoint) external view returns (uint256) {
        uint48 now_ = clock();
        if (timepoint >= now_) revert FutureLookup(timepoint, now_);
        return _totalVotes.upperLookupRecent(SafeCast.toUint48(timepoint));
    }

    // ------------------------------------------------------------------ staker actions

    /// @notice Stake `amount` tokens (approve first). Claims nothing; rewards keep accruing.
    function stake(uint256 amount) external nonReentrant whenNotPaused {
        if (amount == 0) revert ZeroAmount();
        _updateReward(msg.sender);
        token.safeTransferFrom(msg.sender, address(this), amount);
        uint256 newStake = _stakes[msg.sender] + amount;
        _setStake(msg.sender, newStake);
        totalStaked += amount;
        _writeTotal();
        emit Staked(msg.sender, amount, newStake);
    }

    /// @notice Move `amount` from the active stake into cooldown. A later request adds to the
    ///         pending amount and restarts the cooldown. Not affected by pausing.
    function requestUnstake(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        uint256 current = _stakes[msg.sender];
        if (amount > current) revert InsufficientStake(current, amount);
        uint256 remaining = current - amount;
        uint256 locked = _locked[msg.sender];
        if (remaining < locked) revert StakeIsLocked(locked, remaining);
        _updateReward(msg.sender);
        _setStake(msg.sender, remaining);
        totalStaked -= amount;
        _writeTotal();
        Unstake storage u = _unstakes[msg.sender];
        u.amount += SafeCast.toUint128(amount);
        u.readyAt = SafeCast.toUint64(block.timestamp + cooldown);
        totalUnstaking += amount;
        emit UnstakeRequested(msg.sender, amount, u.readyAt, remaining);
    }

    /// @notice Withdraw the pending unstake once its cooldown is over. Not affected by pausing.
    function withdraw() external nonReentrant {
        Unstake memory u = _unstakes[msg.sender];
        if (u.amount == 0) revert NothingToWithdraw();
        if (block.timestamp < u.readyAt) revert CooldownNotOver(u.readyAt);
        delete _unstakes[msg.sender];
        totalUnstaking -= u.amount;
        token.safeTransfer(msg.sender, u.amount);
        emit Withdrawn(msg.sender, u.amount);
    }

    /// @notice Claim accrued rewards.
    function claimRewards() external nonReentrant whenNotPaused returns (uint256 reward) {
        _updateReward(msg.sender);
        reward = _rewards[msg.sender];
        if (reward > 0) {
            _rewards[msg.sender] = 0;
            token.safeTransfer(msg.sender, reward);
            emit RewardPaid(msg.sender, reward);
        }
    }

    /// @notice Add `amount` tokens to the reward reserve (approve first). Anyone may fund.
    function fundRewards(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        token.safeTransferFrom(msg.sender, address(this), amount);
        rewardReserve += amount;
        emit RewardsFunded(msg.sender, amount);
    }

    // ------------------------------------------------------------------ governance

    /// @notice Stream `rate` tokens per second for `duration` seconds from now, replacing the
    ///         current stream (its unstreamed remainder returns to the reserve first).
    function setRewardRate(uint256 rate, uint256 duration) external onlyRole(REWARD_MANAGER_ROLE) {
        if (duration == 0 || duration > 5 * 365 days) revert InvalidDuration();
        _updateReward(address(0));
        if (block.timestamp < periodFinish) {
            rewardReserve += (periodFinish - block.timestamp) * rewardRate;
        }
        uint256 needed = rate * duration;
        if (needed > rewardReserve) revert InsufficientRewardReserve(rewardReserve, needed);
        rewardReserve -= needed;
        rewardRate = rate;
        lastUpdateTime = block.timestamp;
        periodFinish = block.timestamp + duration;
        emit RewardStreamStarted(rate, periodFinish);
    }

    /// @notice Set the unstake cooldown (applies to later requests).
    function setCooldown(uint256 cooldown_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (cooldown_ > MAX_COOLDOWN) revert CooldownTooLong(cooldown_);
        cooldown = cooldown_;
        emit CooldownSet(cooldown_);
    }

    /// @notice Set the receiver of non-burnt slashes.
    function setTreasury(address treasury_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (treasury_ == address(0)) revert ZeroAddress();
        treasury = treasury_;
        emit TreasurySet(treasury_);
    }

    /// @notice Pause staking and reward claims (unstake and withdraw stay open).
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @notice Lift the pause.
    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    // ------------------------------------------------------------------ registry

    /// @notice Lock `amount` of `account`'s active stake (0 unlocks). Called by the registry.
    function setLock(address account, uint256 amount) external onlyRole(LOCKER_ROLE) {
        _locked[account] = amount;
        emit StakeLocked(account, amount);
    }

    /// @notice Slash up to `amount` from `account`: first the active stake, then the cooldown.
    ///         Burnt if `burn`, else sent to the treasury. Called by the registry.
    /// @return slashed the amount actually taken
    function slash(address account, uint256 amount, bool burn)
        external
        nonReentrant
        onlyRole(SLASHER_ROLE)
        returns (uint256 slashed)
    {
        if (amount == 0) revert ZeroAmount();
        _updateReward(account);
        uint256 active = _stakes[account];
        uint256 fromActive = Math.min(active, amount);
        if (fromActive > 0) {
            _setStake(account, active - fromActive);
            totalStaked -= fromActive;
            _writeTotal();
            if (_locked[account] > active - fromActive) {
                _locked[account] = active - fromActive;
                emit StakeLocked(account, active - fromActive);
            }
        }
        uint256 fromPending = Math.min(uint256(_unstakes[account].amount), amount - fromActive);
        if (fromPending > 0) {
            _unstakes[account].amount -= uint128(fromPending);
            totalUnstaking -= fromPending;
        }
        slashed = fromActive + fromPending;
        if (slashed > 0) {
            if (burn) ERC20Burnable(address(token)).burn(slashed);
            else token.safeTransfer(treasury, slashed);
        }
        emit Slashed(account, slashed, burn, burn ? address(0) : treasury);
    }

    // ------------------------------------------------------------------ internals

    function _updateReward(address account) private {
        uint256 applicable = lastTimeRewardApplicable();
        if (totalStaked == 0 && applicable > lastUpdateTime) {
            // nobody staked: what would have streamed returns to the reserve
            rewardReserve += (applicable - lastUpdateTime) * rewardRate;
        }
        rewardPerTokenStored = rewardPerToken();
        lastUpdateTime = applicable;
        if (account != address(0)) {
            _rewards[account] = earned(account);
            _userRewardPerTokenPaid[account] = rewardPerTokenStored;
        }
    }

    function _setStake(address account, uint256 newStake) private {
        uint256 old = _stakes[account];
        _stakes[account] = newStake;
        _votes[account].push(clock(), SafeCast.toUint208(newStake));
        emit DelegateVotesChanged(account, old, newStake);
    }

    function _writeTotal() private {
        _totalVotes.push(clock(), SafeCast.toUint208(totalStaked));
    }
}
