// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

/// @title RewardDistributor
/// @notice Per-epoch Merkle roots of *cumulative* token rewards. A leaf is OpenZeppelin's standard
///         leaf `keccak256(bytes.concat(keccak256(abi.encode(account, cumulativeAmount))))` with
///         sorted-pair hashing (see docs/signing.md, "reward leaf"). A claim against any published
///         epoch pays the difference between its cumulative amount and what the account has already
///         been paid, so a later epoch's proof supersedes an earlier one and nothing is paid twice.
/// @dev Roles: DEFAULT_ADMIN_ROLE (governance), PUBLISHER_ROLE (the server's reward job), PAUSER_ROLE.
contract RewardDistributor is AccessControl, Pausable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    bytes32 public constant PUBLISHER_ROLE = keccak256("PUBLISHER_ROLE");
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    /// @notice The reward token.
    IERC20 public immutable token;
    /// @notice Number of the latest published epoch (0 before the first).
    uint256 public currentEpoch;
    /// @notice Sum of all amounts paid out.
    uint256 public totalClaimed;

    mapping(uint256 epoch => bytes32) private _roots;
    mapping(address account => uint256) private _claimed;

    event RootPublished(uint256 indexed epoch, bytes32 root, uint256 totalCumulative);
    event Claimed(address indexed account, uint256 indexed epoch, uint256 amount, uint256 cumulativeAmount);
    event Swept(address indexed to, uint256 amount);

    error ZeroAddress();
    error ZeroRoot();
    error EpochNotIncreasing(uint256 epoch, uint256 current);
    error UnknownEpoch(uint256 epoch);
    error InvalidProof();
    error NothingToClaim(uint256 cumulativeAmount, uint256 alreadyClaimed);

    /// @param token_ the reward token
    /// @param admin governance (the timelock)
    constructor(IERC20 token_, address admin) {
        if (address(token_) == address(0) || admin == address(0)) revert ZeroAddress();
        token = token_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
    }

    /// @notice The root published for `epoch` (zero if none).
    function rootOf(uint256 epoch) external view returns (bytes32) {
        return _roots[epoch];
    }

    /// @notice Total amount already paid to `account`.
    function claimedOf(address account) external view returns (uint256) {
        return _claimed[account];
    }

    /// @notice The leaf for (`account`, `cumulativeAmount`), as the tree builder must compute it.
    function leaf(address account, uint256 cumulativeAmount) public pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(account, cumulativeAmount))));
    }

    /// @notice Publish the root of `epoch`, which must be `currentEpoch + 1`.
    /// @param totalCumulative sum of all cumulative amounts in the tree (informational, for indexers)
    function publishRoot(uint256 epoch, bytes32 root, uint256 totalCumulative) external onlyRole(PUBLISHER_ROLE) {
        if (root == bytes32(0)) revert ZeroRoot();
        if (epoch != currentEpoch + 1) revert EpochNotIncreasing(epoch, currentEpoch);
        currentEpoch = epoch;
        _roots[epoch] = root;
        emit RootPublished(epoch, root, totalCumulative);
    }

    /// @notice Claim for `account` (anyone may submit; tokens always go to `account`).
    /// @param epoch a published epoch whose tree holds the leaf
    /// @param cumulativeAmount the account's cumulative reward in that epoch's tree
    /// @param proof sibling hashes from the leaf to the root
    /// @return amount paid now: cumulativeAmount minus what was paid before
    function claim(uint256 epoch, address account, uint256 cumulativeAmount, bytes32[] calldata proof)
        external
        nonReentrant
        whenNotPaused
        returns (uint256 amount)
    {
        bytes32 root = _roots[epoch];
        if (root == bytes32(0)) revert UnknownEpoch(epoch);
        if (!MerkleProof.verifyCalldata(proof, root, leaf(account, cumulativeAmount))) revert InvalidProof();
        uint256 already = _claimed[account];
        if (cumulativeAmount <= already) revert NothingToClaim(cumulativeAmount, already);
        amount = cumulativeAmount - already;
        _claimed[account] = cumulativeAmount;
        totalClaimed += amount;
        token.safeTransfer(account, amount);
        emit Claimed(account, epoch, amount, cumulativeAmount);
    }

    /// @notice Move unallocated tokens out (e.g. back to the treasury). Governance only.
    function sweep(address to, uint256 amount) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (to == address(0)) revert ZeroAddress();
        token.safeTransfer(to, amount);
        emit Swept(to, amount);
    }

    /// @notice Pause claims.
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @notice Lift the pause.
    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }
}
