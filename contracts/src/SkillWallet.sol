// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {ERC721Upgradeable} from "@openzeppelin/contracts-upgradeable/token/ERC721/ERC721Upgradeable.sol";
import {PausableUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/PausableUpgradeable.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {IERC4906} from "@openzeppelin/contracts/interfaces/IERC4906.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {Base64} from "@openzeppelin/contracts/utils/Base64.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {TransientSlot} from "@openzeppelin/contracts/utils/TransientSlot.sol";
import {IERC5192} from "./IERC5192.sol";

/// @title SkillWallet
/// @notice One soulbound ERC-721 per address (ERC-5192: always locked; transfers and approvals
///         revert) holding a person's verified skills: per skill a level (0-100), XP and the time of
///         the last update, recorded in batches by the oracle role (the PHEME server). Holders endorse
///         each other per skill (no self-endorsement, one endorsement per endorser, endorsee and
///         skill). Metadata is fully on-chain: `tokenURI` is base64 JSON whose image is an SVG with
///         the level and top skills; every change emits ERC-4906 `MetadataUpdate`. A lost wallet is
///         recovered to a new address by the holder's guardians (m of n, after a delay during which
///         the holder can cancel) or by governance.
/// @dev UUPS proxy, ERC-7201 storage. Roles: DEFAULT_ADMIN_ROLE (governance: roles, upgrades,
///      recovery delay), ORACLE_ROLE (skills and progress), MINTER_ROLE (mint for someone),
///      RECOVERY_ROLE (governance recovery), PAUSER_ROLE.
contract SkillWallet is
    Initializable,
    ERC721Upgradeable,
    AccessControlUpgradeable,
    PausableUpgradeable,
    UUPSUpgradeable,
    IERC5192,
    IERC4906
{
    using TransientSlot for *;

    bytes32 public constant ORACLE_ROLE = keccak256("ORACLE_ROLE");
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");
    bytes32 public constant RECOVERY_ROLE = keccak256("RECOVERY_ROLE");
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    /// @notice Highest skill level.
    uint8 public constant MAX_LEVEL = 100;
    /// @notice Most distinct skills one wallet records.
    uint256 public constant MAX_SKILLS_PER_WALLET = 64;
    /// @notice Most guardians one wallet has.
    uint256 public constant MAX_GUARDIANS = 10;
    /// @notice Bounds of the guardian recovery delay.
    uint256 public constant MIN_RECOVERY_DELAY = 1 days;
    uint256 public constant MAX_RECOVERY_DELAY = 90 days;

    bytes4 private constant ERC4906_INTERFACE_ID = 0x49064906;

    struct Skill {
        uint8 level;
        uint128 xp;
        uint48 updatedAt;
    }

    /// @notice One entry of a progress batch: absolute level and XP of a skill of a wallet.
    struct Progress {
        uint256 tokenId;
        uint32 skillId;
        uint8 level;
        uint128 xp;
    }

    struct Recovery {
        address newOwner;
        uint48 readyAt; // 0 until enough guardians approved
        uint8 approvals;
        uint32 nonce; // bumps on every new or cancelled request: earlier approvals no longer count
    }

    /// @custom:storage-location erc7201:pheme.storage.SkillWallet
    struct WalletStorage {
        uint256 nextId;
        uint256 recoveryDelay;
        mapping(address owner => uint256) walletOf;
        mapping(uint32 skillId => string) skillNames;
        mapping(uint256 tokenId => mapping(uint32 skillId => Skill)) skills;
        mapping(uint256 tokenId => uint32[]) skillIds;
        mapping(uint256 tokenId => uint256) totalXp;
        mapping(uint256 tokenId => mapping(uint32 skillId => uint256)) endorsementCount;
        mapping(uint256 fromId => mapping(uint256 toId => mapping(uint32 skillId => bool))) endorsed;
        mapping(uint256 tokenId => address[]) guardians;
        mapping(uint256 tokenId => uint8) guardianThreshold;
        mapping(uint256 tokenId => Recovery) recoveries;
        mapping(uint256 tokenId => mapping(uint32 nonce => mapping(address guardian => bool))) approved;
    }

    // keccak256(abi.encode(uint256(keccak256("pheme.storage.SkillWallet")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 internal constant STORAGE_SLOT = 0x98a82d595ace3462f852b9dfce932045b02958b84a03e2fe7aa0677ba79a9100;
    // keccak256(abi.encode(uint256(keccak256("pheme.transient.SkillWallet.recovering")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant RECOVERING_SLOT = 0xfa89ca5b19b2f71430ea812dfcd45fa4f20bc4b7ee20d6befdb2605a26603e00;

    event SkillDefined(uint32 indexed skillId, string name);
    event SkillProgress(uint256 indexed tokenId, uint32 indexed skillId, uint8 level, uint128 xp);
    event Endorsed(uint256 indexed fromTokenId, uint256 indexed toTokenId, uint32 indexed skillId);
    event EndorsementRevoked(uint256 indexed fromTokenId, uint256 indexed toTokenId, uint32 indexed skillId);
    event GuardiansSet(uint256 indexed tokenId, address[] guardians, uint8 threshold);
    event RecoveryApproved(uint256 indexed tokenId, address indexed guardian, address indexed newOwner, uint8 approvals);
    event RecoveryReady(uint256 indexed tokenId, address indexed newOwner, uint256 readyAt);
    event RecoveryCancelled(uint256 indexed tokenId);
    event WalletRecovered(uint256 indexed tokenId, address indexed from, address indexed to, bool byGovernance);
    event RecoveryDelaySet(uint256 delay);

    error Soulbound();
    error AlreadyHasWallet(address owner);
    error NoWallet(address owner);
    error UnknownSkill(uint32 skillId);
    error SkillExists(uint32 skillId);
    error InvalidSkillName();
    error LevelOutOfRange(uint8 level);
    error TooManySkills(uint256 tokenId);
    error SelfEndorsement();
    error AlreadyEndorsed();
    error NotEndorsed();
    error NotHolder(uint256 tokenId);
    error InvalidGuardians();
    error NotGuardian(uint256 tokenId, address account);
    error AlreadyApproved(address guardian);
    error NoRecovery(uint256 tokenId);
    error RecoveryNotReady(uint256 readyAt);
    error InvalidDelay(uint256 delay);
    error ZeroAddress();

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Initialise the proxy.
    /// @param admin governance (the timelock): DEFAULT_ADMIN_ROLE, RECOVERY_ROLE, PAUSER_ROLE
    /// @param recoveryDelay_ seconds between enough guardian approvals and the recovery
    function initialize(address admin, uint256 recoveryDelay_) external initializer {
        if (admin == address(0)) revert ZeroAddress();
        if (recoveryDelay_ < MIN_RECOVERY_DELAY || recoveryDelay_ > MAX_RECOVERY_DELAY) {
            revert InvalidDelay(recoveryDelay_);
        }
        __ERC721_init("PHEME Skill Wallet", "PHEMESKILL");
        __AccessControl_init();
        __Pausable_init();
        WalletStorage storage $ = _s();
        $.nextId = 1;
        $.recoveryDelay = recoveryDelay_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(RECOVERY_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
        emit RecoveryDelaySet(recoveryDelay_);
    }

    // ------------------------------------------------------------------ minting

    /// @notice Mint the caller's Skill Wallet (one per address).
    function mint() external whenNotPaused returns (uint256) {
        return _mintWallet(msg.sender);
    }

    /// @notice Mint a Skill Wallet for `to` (one per address).
    function mintFor(address to) external onlyRole(MINTER_ROLE) whenNotPaused returns (uint256) {
        return _mintWallet(to);
    }

    // ------------------------------------------------------------------ soulbound (ERC-5192)

    /// @inheritdoc IERC5192
    function locked(uint256 tokenId) external view returns (bool) {
        _requireOwned(tokenId);
        return true;
    }

    /// @notice Always reverts: Skill Wallets are soulbound.
    function approve(address, uint256) public pure override(ERC721Upgradeable, IERC721) {
        revert Soulbound();
    }

    /// @notice Always reverts: Skill Wallets are soulbound.
    function setApprovalForAll(address, bool) public pure override(ERC721Upgradeable, IERC721) {
        revert Soulbound();
    }

    // ------------------------------------------------------------------ skills and progress

    /// @notice Define skill `skillId` with a display name (1-32 of A-Z a-z 0-9 space . _ - + #).
    function defineSkill(uint32 skillId, string calldata name) external onlyRole(ORACLE_ROLE) {
        WalletStorage storage $ = _s();
        if (bytes($.skillNames[skillId]).length != 0) revert SkillExists(skillId);
        _checkName(name);
        $.skillNames[skillId] = name;
        emit SkillDefined(skillId, name);
    }

    /// @notice Record absolute levels and XP for a batch of (wallet, skill) pairs.
    function recordProgress(Progress[] calldata updates) external onlyRole(ORACLE_ROLE) {
        WalletStorage storage $ = _s();
        for (uint256 i = 0; i < updates.length; i++) {
            Progress calldata p = updates[i];
            _requireOwned(p.tokenId);
            if (bytes($.skillNames[p.skillId]).length == 0) revert UnknownSkill(p.skillId);
            if (p.level > MAX_LEVEL) revert LevelOutOfRange(p.level);
            Skill storage sk = $.skills[p.tokenId][p.skillId];
            if (sk.updatedAt == 0) {
                if ($.skillIds[p.tokenId].length >= MAX_SKILLS_PER_WALLET) revert TooManySkills(p.tokenId);
                $.skillIds[p.tokenId].push(p.skillId);
            }
            $.totalXp[p.tokenId] = $.totalXp[p.tokenId] - sk.xp + p.xp;
            sk.level = p.level;
            sk.xp = p.xp;
            sk.updatedAt = uint48(block.timestamp);
            emit SkillProgress(p.tokenId, p.skillId, p.level, p.xp);
            emit MetadataUpdate(p.tokenId);
        }
    }

    // ------------------------------------------------------------------ endorsements

    /// @notice Endorse `endorsee`'s skill `skillId`. Both must hold wallets; no self-endorsement;
    ///         once per endorser, endorsee and skill.
    function endorse(address endorsee, uint32 skillId) external whenNotPaused {
        (uint256 fromId, uint256 toId) = _endorsementIds(endorsee, skillId);
        WalletStorage storage $ = _s();
        if ($.endorsed[fromId][toId][skillId]) revert AlreadyEndorsed();
        $.endorsed[fromId][toId][skillId] = true;
        $.endorsementCount[toId][skillId] += 1;
        emit Endorsed(fromId, toId, skillId);
        emit MetadataUpdate(toId);
    }

    /// @notice Withdraw an endorsement the caller gave.
    function revokeEndorsement(address endorsee, uint32 skillId) external {
        (uint256 fromId, uint256 toId) = _endorsementIds(endorsee, skillId);
        WalletStorage storage $ = _s();
        if (!$.endorsed[fromId][toId][skillId]) revert NotEndorsed();
        $.endorsed[fromId][toId][skillId] = false;
        $.endorsementCount[toId][skillId] -= 1;
        emit EndorsementRevoked(fromId, toId, skillId);
        emit MetadataUpdate(toId);
    }

    // ------------------------------------------------------------------ recovery

    /// @notice Set the caller's guardians and how many must approve a recovery (empty list and 0
    ///         clear them). Cancels a pending recovery.
    function setGuardians(address[] calldata guardians_, uint8 threshold) external {
        WalletStorage storage $ = _s();
        uint256 tokenId = $.walletOf[msg.sender];
        if (tokenId == 0) revert NoWallet(msg.sender);
        if (guardians_.length > MAX_GUARDIANS) revert InvalidGuardians();
        if (guardians_.length == 0 ? threshold != 0 : (threshold == 0 || threshold > guardians_.length)) {
            revert InvalidGuardians();
        }
        for (uint256 i = 0; i < guardians_.length; i++) {
            address g = guardians_[i];
            if (g == address(0) || g == msg.sender) revert InvalidGuardians();
            for (uint256 j = 0; j < i; j++) {
                if (guardians_[j] == g) revert InvalidGuardians();
            }
        }
        $.guardians[tokenId] = guardians_;
        $.guardianThreshold[tokenId] = threshold;
        _clearRecovery(tokenId);
        emit GuardiansSet(tokenId, guardians_, threshold);
    }

    /// @notice As a guardian of `tokenId`, approve recovering it to `newOwner`. Naming a different
    ///         `newOwner` than the pending request starts a new request. When enough guardians
    ///         approved, the recovery can be executed after `recoveryDelay`.
    function approveRecovery(uint256 tokenId, address newOwner) external {
        _requireOwned(tokenId);
        if (newOwner == address(0)) revert ZeroAddress();
        WalletStorage storage $ = _s();
        if (!_isGuardian($, tokenId, msg.sender)) revert NotGuardian(tokenId, msg.sender);
        Recovery storage r = $.recoveries[tokenId];
        if (r.newOwner != newOwner) {
            r.nonce += 1;
            r.newOwner = newOwner;
            r.approvals = 0;
            r.readyAt = 0;
        }
        if ($.approved[tokenId][r.nonce][msg.sender]) revert AlreadyApproved(msg.sender);
        $.approved[tokenId][r.nonce][msg.sender] = true;
        r.approvals += 1;
        emit RecoveryApproved(tokenId, msg.sender, newOwner, r.approvals);
        if (r.readyAt == 0 && r.approvals >= $.guardianThreshold[tokenId]) {
            r.readyAt = uint48(block.timestamp + $.recoveryDelay);
            emit RecoveryReady(tokenId, newOwner, r.readyAt);
        }
    }

    /// @notice As the holder, cancel a pending recovery of the caller's wallet.
    function cancelRecovery() external {
        uint256 tokenId = _s().walletOf[msg.sender];
        if (tokenId == 0) revert NoWallet(msg.sender);
        if (_s().recoveries[tokenId].newOwner == address(0)) revert NoRecovery(tokenId);
        _clearRecovery(tokenId);
    }

    /// @notice Execute an approved recovery once its delay is over (anyone may call).
    function executeRecovery(uint256 tokenId) external {
        Recovery memory r = _s().recoveries[tokenId];
        if (r.readyAt == 0) revert NoRecovery(tokenId);
        if (block.timestamp < r.readyAt) revert RecoveryNotReady(r.readyAt);
        _recover(tokenId, r.newOwner, false);
    }

    /// @notice Governance moves `tokenId` to `newOwner` (the timelock is the delay).
    function governanceRecover(uint256 tokenId, address newOwner) external onlyRole(RECOVERY_ROLE) {
        if (newOwner == address(0)) revert ZeroAddress();
        _recover(tokenId, newOwner, true);
    }

    /// @notice Set the guardian recovery delay.
    function setRecoveryDelay(uint256 delay) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (delay < MIN_RECOVERY_DELAY || delay > MAX_RECOVERY_DELAY) revert InvalidDelay(delay);
        _s().recoveryDelay = delay;
        emit RecoveryDelaySet(delay);
    }

    /// @notice Pause minting and endorsements.
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @notice Lift the pause.
    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    // ------------------------------------------------------------------ views

    /// @notice The wallet id of `owner` (0 if none).
    function walletOf(address owner) external view returns (uint256) {
        return _s().walletOf[owner];
    }

    /// @notice Display name of a skill ("" if undefined).
    function skillName(uint32 skillId) external view returns (string memory) {
        return _s().skillNames[skillId];
    }

    /// @notice Level, XP and last update of a wallet's skill.
    function skillOf(uint256 tokenId, uint32 skillId) external view returns (Skill memory) {
        return _s().skills[tokenId][skillId];
    }

    /// @notice Skills recorded for a wallet, in first-recorded order.
    function skillsOf(uint256 tokenId) external view returns (uint32[] memory) {
        return _s().skillIds[tokenId];
    }

    /// @notice Sum of a wallet's skill XP.
    function totalXp(uint256 tokenId) external view returns (uint256) {
        return _s().totalXp[tokenId];
    }

    /// @notice Level name for a total XP: Novice (0-1000), Advanced (1001-5000), Expert
    ///         (5001-10000), Master (above).
    function levelName(uint256 xp) public pure returns (string memory) {
        if (xp <= 1000) return "Novice";
        if (xp <= 5000) return "Advanced";
        if (xp <= 10000) return "Expert";
        return "Master";
    }

    /// @notice Number of endorsements of a wallet's skill.
    function endorsements(uint256 tokenId, uint32 skillId) external view returns (uint256) {
        return _s().endorsementCount[tokenId][skillId];
    }

    /// @notice Whether wallet `fromId` endorsed wallet `toId` for `skillId`.
    function hasEndorsed(uint256 fromId, uint256 toId, uint32 skillId) external view returns (bool) {
        return _s().endorsed[fromId][toId][skillId];
    }

    /// @notice Guardians of a wallet and the approvals a recovery needs.
    function guardiansOf(uint256 tokenId) external view returns (address[] memory, uint8) {
        return (_s().guardians[tokenId], _s().guardianThreshold[tokenId]);
    }

    /// @notice The pending recovery of a wallet.
    function recoveryOf(uint256 tokenId) external view returns (Recovery memory) {
        return _s().recoveries[tokenId];
    }

    /// @notice Seconds between enough guardian approvals and the recovery.
    function recoveryDelay() external view returns (uint256) {
        return _s().recoveryDelay;
    }

    /// @notice Number of wallets minted.
    function totalMinted() external view returns (uint256) {
        return _s().nextId - 1;
    }

    /// @notice On-chain metadata: `data:application/json;base64,` JSON with an SVG image.
    function tokenURI(uint256 tokenId) public view override returns (string memory) {
        _requireOwned(tokenId);
        WalletStorage storage $ = _s();
        uint256 xp = $.totalXp[tokenId];
        string memory level = levelName(xp);
        string memory image = Base64.encode(bytes(_svg(tokenId, level, xp)));
        string memory json = string.concat(
            '{"name":"PHEME Skill Wallet #',
            Strings.toString(tokenId),
            '","description":"Soulbound PHEME Skill Wallet: verified skills, XP and level.","image":"data:image/svg+xml;base64,',
            image,
            '","attributes":[{"trait_type":"Level","value":"',
            level,
            '"},{"trait_type":"XP","display_type":"number","value":',
            Strings.toString(xp),
            '},{"trait_type":"Skills","display_type":"number","value":',
            Strings.toString($.skillIds[tokenId].length),
            "}]}"
        );
        return string.concat("data:application/json;base64,", Base64.encode(bytes(json)));
    }

    /// @inheritdoc ERC721Upgradeable
    function supportsInterface(bytes4 interfaceId)
        public
        view
        override(ERC721Upgradeable, AccessControlUpgradeable, IERC165)
        returns (bool)
    {
        return interfaceId == type(IERC5192).interfaceId || interfaceId == ERC4906_INTERFACE_ID
            || super.supportsInterface(interfaceId);
    }

    // ------------------------------------------------------------------ internals

    function _mintWallet(address to) private returns (uint256 tokenId) {
        WalletStorage storage $ = _s();
        if ($.walletOf[to] != 0) revert AlreadyHasWallet(to);
        tokenId = $.nextId++;
        $.walletOf[to] = tokenId;
        _mint(to, tokenId);
        emit Locked(tokenId);
    }

    function _recover(uint256 tokenId, address newOwner, bool byGovernance) private {
        WalletStorage storage $ = _s();
        address from = _requireOwned(tokenId);
        if ($.walletOf[newOwner] != 0) revert AlreadyHasWallet(newOwner);
        _clearRecovery(tokenId);
        delete $.walletOf[from];
        $.walletOf[newOwner] = tokenId;
        RECOVERING_SLOT.asBoolean().tstore(true);
        _update(newOwner, tokenId, address(0));
        RECOVERING_SLOT.asBoolean().tstore(false);
        emit WalletRecovered(tokenId, from, newOwner, byGovernance);
        emit MetadataUpdate(tokenId);
    }

    function _clearRecovery(uint256 tokenId) private {
        Recovery storage r = _s().recoveries[tokenId];
        if (r.newOwner != address(0)) {
            r.nonce += 1;
            r.newOwner = address(0);
            r.approvals = 0;
            r.readyAt = 0;
            emit RecoveryCancelled(tokenId);
        }
    }

    /// @dev Only mints and recoveries move tokens.
    function _update(address to, uint256 tokenId, address auth) internal override returns (address) {
        address from = _ownerOf(tokenId);
        if (from != address(0) && !RECOVERING_SLOT.asBoolean().tload()) revert Soulbound();
        return super._update(to, tokenId, auth);
    }

    function _endorsementIds(address endorsee, uint32 skillId) private view returns (uint256 fromId, uint256 toId) {
        WalletStorage storage $ = _s();
        fromId = $.walletOf[msg.sender];
        if (fromId == 0) revert NoWallet(msg.sender);
        toId = $.walletOf[endorsee];
        if (toId == 0) revert NoWallet(endorsee);
        if (fromId == toId) revert SelfEndorsement();
        if (bytes($.skillNames[skillId]).length == 0) revert UnknownSkill(skillId);
    }

    function _isGuardian(WalletStorage storage $, uint256 tokenId, address account) private view returns (bool) {
        address[] storage gs = $.guardians[tokenId];
        for (uint256 i = 0; i < gs.length; i++) {
            if (gs[i] == account) return true;
        }
        return false;
    }

    function _checkName(string calldata name) private pure {
        bytes calldata b = bytes(name);
        if (b.length == 0 || b.length > 32) revert InvalidSkillName();
        for (uint256 i = 0; i < b.length; i++) {
            bytes1 c = b[i];
            bool ok = (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == " "
                || c == "." || c == "_" || c == "-" || c == "+" || c == "#";
            if (!ok) revert InvalidSkillName();
        }
    }

    function _svg(uint256 tokenId, string memory level, uint256 xp) private view returns (string memory) {
        string memory svg = string.concat(
            '<svg xmlns="http://www.w3.org/2000/svg" width="360" height="360" viewBox="0 0 360 360">',
            '<rect width="360" height="360" rx="24" fill="#0f172a"/>',
            '<text x="24" y="48" font-family="sans-serif" font-size="20" fill="#e2e8f0">PHEME Skill Wallet #',
            Strings.toString(tokenId),
            '</text><text x="24" y="92" font-family="sans-serif" font-size="28" fill="#facc15">',
            level,
            '</text><text x="24" y="124" font-family="sans-serif" font-size="16" fill="#94a3b8">',
            Strings.toString(xp),
            " XP</text>"
        );
        (uint32[3] memory top, uint256 n) = _topSkills(tokenId);
        WalletStorage storage $ = _s();
        for (uint256 i = 0; i < n; i++) {
            Skill storage sk = $.skills[tokenId][top[i]];
            svg = string.concat(
                svg,
                '<text x="24" y="',
                Strings.toString(180 + i * 40),
                '" font-family="sans-serif" font-size="18" fill="#e2e8f0">',
                $.skillNames[top[i]],
                ": level ",
                Strings.toString(sk.level),
                "</text>"
            );
        }
        return string.concat(svg, "</svg>");
    }

    /// @dev The (up to) three highest skills by level, then XP; `n` of them are set.
    function _topSkills(uint256 tokenId) private view returns (uint32[3] memory top, uint256 n) {
        WalletStorage storage $ = _s();
        uint32[] storage ids = $.skillIds[tokenId];
        int256[3] memory best = [int256(-1), int256(-1), int256(-1)];
        for (uint256 i = 0; i < ids.length; i++) {
            Skill storage sk = $.skills[tokenId][ids[i]];
            int256 key = int256(uint256(sk.level)) * (2 ** 130) + int256(uint256(sk.xp));
            for (uint256 k = 0; k < 3; k++) {
                if (key > best[k]) {
                    for (uint256 m = 2; m > k; m--) {
                        best[m] = best[m - 1];
                        top[m] = top[m - 1];
                    }
                    best[k] = key;
                    top[k] = ids[i];
                    break;
                }
            }
        }
        n = ids.length < 3 ? ids.length : 3;
    }

    function _authorizeUpgrade(address) internal virtual override onlyRole(DEFAULT_ADMIN_ROLE) {}

    function _s() internal pure returns (WalletStorage storage $) {
        assembly {
            $.slot := STORAGE_SLOT
        }
    }
}
