// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {EIP712Upgradeable} from "@openzeppelin/contracts-upgradeable/utils/cryptography/EIP712Upgradeable.sol";
import {PausableUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/PausableUpgradeable.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {IERC6372} from "@openzeppelin/contracts/interfaces/IERC6372.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title ReputationOracle
/// @notice Publishes PHEME reputation scores (integers 0-100) in rounds. A round carries the Merkle
///         root of all users' scores and an optional list of users with their scores (empty for a
///         large epoch), and is accepted only with EIP-712 signatures of at least `threshold`
///         distinct current validators, given in strictly increasing signer-address order. Round
///         numbers strictly increase. Each listed user's score is checkpointed on the token's clock,
///         so the governor can read it at a proposal snapshot; anyone may then record any other
///         user's score of an accepted round with its Merkle proof (`recordScores`), which is how an
///         epoch of any size reaches the checkpoints. A user's recorded rounds only increase.
/// @dev UUPS proxy, ERC-7201 storage. Roles: DEFAULT_ADMIN_ROLE (governance: validator set,
///      threshold, upgrades), PAUSER_ROLE. Signed format: docs/signing.md, "oracle round".
contract ReputationOracle is
    Initializable,
    AccessControlUpgradeable,
    PausableUpgradeable,
    EIP712Upgradeable,
    UUPSUpgradeable
{
    using Checkpoints for Checkpoints.Trace208;
    using EnumerableSet for EnumerableSet.AddressSet;

    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    /// @notice EIP-712 type of a round.
    bytes32 public constant ROUND_TYPEHASH =
        keccak256("Round(uint256 round,bytes32 root,address[] users,uint8[] scores)");

    /// @notice Highest score.
    uint8 public constant MAX_SCORE = 100;

    struct RoundInfo {
        bytes32 root; // Merkle root of all scores of the round
        uint48 timepoint; // token-clock time of acceptance (its checkpoints' key)
        uint48 submittedAt; // block timestamp of acceptance
        uint32 userCount; // number of users listed in the round
        uint16 signerCount; // number of validator signatures
    }

    /// @custom:storage-location erc7201:pheme.storage.ReputationOracle
    struct OracleStorage {
        IERC6372 clockSource;
        uint256 threshold;
        uint256 latestRound;
        EnumerableSet.AddressSet validators;
        mapping(uint256 round => RoundInfo) rounds;
        mapping(address user => Checkpoints.Trace208) scores;
        // appended (upgrade-safe): the round of each user's latest checkpoint
        mapping(address user => uint256 round) recordedRound;
    }

    // keccak256(abi.encode(uint256(keccak256("pheme.storage.ReputationOracle")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0xc9827b46780b89ee3a309a4a9c3f6428d6e4ec09dee89d94f26ae42fa74be300;

    event RoundSubmitted(uint256 indexed round, bytes32 root, uint256 userCount, uint256 signerCount, uint48 timepoint);
    event ScoreUpdated(address indexed user, uint256 indexed round, uint8 score);
    event ValidatorAdded(address indexed validator);
    event ValidatorRemoved(address indexed validator);
    event ThresholdChanged(uint256 threshold);

    error ZeroAddress();
    error InvalidThreshold(uint256 threshold, uint256 validatorCount);
    error ValidatorExists(address validator);
    error UnknownValidator(address validator);
    error StaleRound(uint256 round, uint256 latestRound);
    error LengthMismatch();
    error UsersNotSorted(uint256 index);
    error ScoreOutOfRange(uint256 index, uint8 score);
    error NotEnoughSignatures(uint256 given, uint256 threshold);
    error SignersNotSorted(uint256 index, address signer);
    error NotValidator(address signer);
    error ZeroRoot();
    error FutureLookup(uint256 timepoint, uint48 clock);
    error UnknownRound(uint256 round);
    error InvalidProof(uint256 index, address user);

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Initialise the proxy.
    /// @param admin governance (the timelock)
    /// @param clockSource the $PHEME token, whose ERC-6372 clock this oracle uses
    /// @param validators_ the initial validator set
    /// @param threshold_ signatures needed per round (1..validators)
    function initialize(address admin, IERC6372 clockSource, address[] calldata validators_, uint256 threshold_)
        external
        initializer
    {
        if (admin == address(0) || address(clockSource) == address(0)) revert ZeroAddress();
        __AccessControl_init();
        __Pausable_init();
        __EIP712_init("PhemeReputationOracle", "1");
        OracleStorage storage $ = _s();
        $.clockSource = clockSource;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
        for (uint256 i = 0; i < validators_.length; i++) {
            _addValidator(validators_[i]);
        }
        _setThreshold(threshold_);
    }

    // ------------------------------------------------------------------ rounds

    /// @notice Submit a signed round. Anyone may relay it; the signatures authorise it.
    /// @param round the round number, greater than `latestRound()`
    /// @param root Merkle root of all users' scores (leaf: `scoreLeaf`)
    /// @param users listed users in strictly increasing address order
    /// @param scores their scores, 0-100
    /// @param signatures 65-byte (r, s, v) signatures over `roundDigest`, signers strictly increasing
    function submitRound(
        uint256 round,
        bytes32 root,
        address[] calldata users,
        uint8[] calldata scores,
        bytes[] calldata signatures
    ) external whenNotPaused {
        OracleStorage storage $ = _s();
        if (round <= $.latestRound) revert StaleRound(round, $.latestRound);
        if (root == bytes32(0)) revert ZeroRoot();
        if (users.length != scores.length) revert LengthMismatch();
        uint256 threshold_ = $.threshold;
        if (signatures.length < threshold_) revert NotEnoughSignatures(signatures.length, threshold_);

        _checkSignatures($, roundDigest(round, root, users, scores), signatures);
        uint48 timepoint = clock();
        _recordScores($, round, users, scores, timepoint);

        $.latestRound = round;
        $.rounds[round] = RoundInfo({
            root: root,
            timepoint: timepoint,
            submittedAt: SafeCast.toUint48(block.timestamp),
            userCount: SafeCast.toUint32(users.length),
            signerCount: SafeCast.toUint16(signatures.length)
        });
        emit RoundSubmitted(round, root, users.length, signatures.length, timepoint);
    }

    /// @notice Record users' scores of an accepted round, each proven against the round's root.
    ///         Anyone may call it: the publisher in chunks of the people whose score changed, or a
    ///         person with the proof the server gives (GET /api/v1/reputation/:address/proof).
    ///         A user whose recorded round is already `round` or newer is skipped (no checkpoint,
    ///         no event), so a resent chunk changes nothing, a score never goes back to an older
    ///         round's, and nobody can make a chunk revert by recording one of its users first.
    /// @param round an accepted round
    /// @param users the users, any order
    /// @param scores their scores in the round, 0-100
    /// @param proofs for each user the sorted-pair Merkle proof of `scoreLeaf(user, score)`
    /// @return recorded how many users got a new checkpoint
    function recordScores(
        uint256 round,
        address[] calldata users,
        uint8[] calldata scores,
        bytes32[][] calldata proofs
    ) external whenNotPaused returns (uint256 recorded) {
        if (_s().rounds[round].root == bytes32(0)) revert UnknownRound(round);
        if (users.length != scores.length || users.length != proofs.length) revert LengthMismatch();
        uint48 timepoint = clock();
        for (uint256 i = 0; i < users.length; i++) {
            if (_recordProven(round, timepoint, i, users[i], scores[i], proofs[i])) recorded++;
        }
    }

    /// @notice The EIP-712 digest validators sign for a round.
    function roundDigest(uint256 round, bytes32 root, address[] calldata users, uint8[] calldata scores)
        public
        view
        returns (bytes32)
    {
        // EIP-712 hashes an array of atomic values as keccak256 of their 32-byte encodings
        // concatenated, which is what abi.encodePacked produces for arrays.
        bytes32 structHash = keccak256(
            abi.encode(
                ROUND_TYPEHASH, round, root, keccak256(abi.encodePacked(users)), keccak256(abi.encodePacked(scores))
            )
        );
        return _hashTypedDataV4(structHash);
    }

    /// @notice Merkle leaf of a score: keccak256(bytes.concat(keccak256(abi.encode(user, score)))).
    function scoreLeaf(address user, uint256 score) public pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(user, score))));
    }

    /// @notice Whether `score` of `user` is in the tree of `round` (sorted-pair Merkle proof).
    function verifyScore(address user, uint256 score, uint256 round, bytes32[] calldata proof)
        external
        view
        returns (bool)
    {
        bytes32 root = _s().rounds[round].root;
        if (root == bytes32(0)) return false;
        return MerkleProof.verifyCalldata(proof, root, scoreLeaf(user, score));
    }

    // ------------------------------------------------------------------ views

    /// @notice Latest published score of `user` (0 if never published).
    function scoreOf(address user) external view returns (uint256) {
        return _s().scores[user].latest();
    }

    /// @notice Score of `user` at a past timepoint of the token clock (what the governor reads).
    function getPastScore(address user, uint256 timepoint) external view returns (uint256) {
        uint48 now_ = clock();
        if (timepoint >= now_) revert FutureLookup(timepoint, now_);
        return _s().scores[user].upperLookupRecent(SafeCast.toUint48(timepoint));
    }

    /// @notice The round of `user`'s latest checkpoint (0 if never recorded).
    function recordedRound(address user) external view returns (uint256) {
        return _s().recordedRound[user];
    }

    /// @notice For each user, the round and score of the latest checkpoint (0, 0 if never recorded):
    ///         what a publisher compares an epoch with to find the scores that changed.
    function recordsOf(address[] calldata users)
        external
        view
        returns (uint256[] memory rounds, uint256[] memory scores)
    {
        OracleStorage storage $ = _s();
        rounds = new uint256[](users.length);
        scores = new uint256[](users.length);
        for (uint256 i = 0; i < users.length; i++) {
            rounds[i] = $.recordedRound[users[i]];
            scores[i] = $.scores[users[i]].latest();
        }
    }

    /// @notice Number of score checkpoints of `user`.
    function numCheckpoints(address user) external view returns (uint256) {
        return _s().scores[user].length();
    }

    /// @notice The `pos`-th score checkpoint of `user`: (timepoint, score).
    function checkpointAt(address user, uint32 pos) external view returns (uint48 timepoint, uint256 score) {
        Checkpoints.Checkpoint208 memory c = _s().scores[user].at(pos);
        return (c._key, c._value);
    }

    /// @notice What is stored about `round` (root zero if it does not exist).
    function roundInfo(uint256 round) external view returns (RoundInfo memory) {
        return _s().rounds[round];
    }

    /// @notice Number of the latest accepted round.
    function latestRound() external view returns (uint256) {
        return _s().latestRound;
    }

    /// @notice Signatures needed per round.
    function threshold() external view returns (uint256) {
        return _s().threshold;
    }

    /// @notice Whether `account` is a current validator.
    function isValidator(address account) external view returns (bool) {
        return _s().validators.contains(account);
    }

    /// @notice The current validator set.
    function validators() external view returns (address[] memory) {
        return _s().validators.values();
    }

    /// @notice ERC-6372 clock: the token's.
    function clock() public view returns (uint48) {
        return _s().clockSource.clock();
    }

    /// @notice ERC-6372 clock mode: the token's.
    // solhint-disable-next-line func-name-mixedcase
    function CLOCK_MODE() external view returns (string memory) {
        return _s().clockSource.CLOCK_MODE();
    }

    // ------------------------------------------------------------------ governance

    /// @notice Add a validator.
    function addValidator(address validator) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _addValidator(validator);
    }

    /// @notice Remove a validator; the remaining set must still reach the threshold.
    function removeValidator(address validator) external onlyRole(DEFAULT_ADMIN_ROLE) {
        OracleStorage storage $ = _s();
        if (!$.validators.remove(validator)) revert UnknownValidator(validator);
        if ($.validators.length() < $.threshold) revert InvalidThreshold($.threshold, $.validators.length());
        emit ValidatorRemoved(validator);
    }

    /// @notice Set the number of signatures a round needs (1..validator count).
    function setThreshold(uint256 threshold_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setThreshold(threshold_);
    }

    /// @notice Pause round submission and score recording.
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @notice Lift the pause.
    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    // ------------------------------------------------------------------ internals

    function _checkSignatures(OracleStorage storage $, bytes32 digest, bytes[] calldata signatures) private view {
        address previous;
        for (uint256 i = 0; i < signatures.length; i++) {
            address signer = ECDSA.recover(digest, signatures[i]);
            if (signer <= previous) revert SignersNotSorted(i, signer);
            if (!$.validators.contains(signer)) revert NotValidator(signer);
            previous = signer;
        }
    }

    function _recordScores(
        OracleStorage storage $,
        uint256 round,
        address[] calldata users,
        uint8[] calldata scores,
        uint48 timepoint
    ) private {
        address prevUser;
        for (uint256 i = 0; i < users.length; i++) {
            address user = users[i];
            if (user <= prevUser) revert UsersNotSorted(i);
            uint8 score = scores[i];
            if (score > MAX_SCORE) revert ScoreOutOfRange(i, score);
            _checkpoint($, user, round, score, timepoint);
            prevUser = user;
        }
    }

    /// @dev One entry of recordScores: false when the user already has `round` or a newer one.
    function _recordProven(
        uint256 round,
        uint48 timepoint,
        uint256 index,
        address user,
        uint8 score,
        bytes32[] calldata proof
    ) private returns (bool) {
        if (score > MAX_SCORE) revert ScoreOutOfRange(index, score);
        OracleStorage storage $ = _s();
        if ($.recordedRound[user] >= round) return false;
        if (!MerkleProof.verifyCalldata(proof, $.rounds[round].root, scoreLeaf(user, score))) {
            revert InvalidProof(index, user);
        }
        _checkpoint($, user, round, score, timepoint);
        return true;
    }

    /// @dev `round` is newer than the user's recorded round (submitRound: the newest round;
    ///      recordScores: checked), and `timepoint` is now, so each user's checkpoints keep
    ///      increasing keys and increasing rounds; the past a snapshot reads never changes.
    function _checkpoint(OracleStorage storage $, address user, uint256 round, uint8 score, uint48 timepoint)
        private
    {
        $.scores[user].push(timepoint, score);
        $.recordedRound[user] = round;
        emit ScoreUpdated(user, round, score);
    }

    function _addValidator(address validator) private {
        if (validator == address(0)) revert ZeroAddress();
        if (!_s().validators.add(validator)) revert ValidatorExists(validator);
        emit ValidatorAdded(validator);
    }

    function _setThreshold(uint256 threshold_) private {
        OracleStorage storage $ = _s();
        if (threshold_ == 0 || threshold_ > $.validators.length()) {
            revert InvalidThreshold(threshold_, $.validators.length());
        }
        $.threshold = threshold_;
        emit ThresholdChanged(threshold_);
    }

    function _authorizeUpgrade(address) internal override onlyRole(DEFAULT_ADMIN_ROLE) {}

    function _s() private pure returns (OracleStorage storage $) {
        assembly {
            $.slot := STORAGE_SLOT
        }
    }
}
