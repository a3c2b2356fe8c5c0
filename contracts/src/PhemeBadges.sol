// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {ERC1155Upgradeable} from "@openzeppelin/contracts-upgradeable/token/ERC1155/ERC1155Upgradeable.sol";
import {EIP712Upgradeable} from "@openzeppelin/contracts-upgradeable/utils/cryptography/EIP712Upgradeable.sol";
import {PausableUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/PausableUpgradeable.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title IERC5633
/// @notice Soulbound ERC-1155 ids (EIP-5633). Interface id 0x911ec470.
interface IERC5633 {
    /// @notice Whether tokens of `id` are soulbound (cannot be transferred between accounts).
    function isSoulbound(uint256 id) external view returns (bool);
}

/// @title PhemeBadges
/// @notice ERC-1155 badges. Each badge type has a rarity, is soulbound or tradeable, has a max
///         supply (0 = unlimited), an optional validity period after which an award expires (only
///         for soulbound types) and a metadata URI. Badges are minted by the minter role or claimed
///         with an EIP-712 voucher (recipient, id, amount, nonce, deadline) signed by a current
///         issuer; each nonce is usable once. Issuers revoke badges with a reason.
/// @dev UUPS proxy, ERC-7201 storage. Roles: DEFAULT_ADMIN_ROLE (governance: roles, upgrades),
///      BADGE_ADMIN_ROLE (badge types), MINTER_ROLE, ISSUER_ROLE (voucher signers, revocation),
///      PAUSER_ROLE. Signed format: docs/signing.md, "badge voucher".
contract PhemeBadges is
    Initializable,
    ERC1155Upgradeable,
    AccessControlUpgradeable,
    PausableUpgradeable,
    EIP712Upgradeable,
    ReentrancyGuardTransient,
    UUPSUpgradeable,
    IERC5633
{
    bytes32 public constant BADGE_ADMIN_ROLE = keccak256("BADGE_ADMIN_ROLE");
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");
    bytes32 public constant ISSUER_ROLE = keccak256("ISSUER_ROLE");
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    /// @notice EIP-712 type of a badge voucher.
    bytes32 public constant VOUCHER_TYPEHASH =
        keccak256("Voucher(address recipient,uint256 id,uint256 amount,uint256 nonce,uint256 deadline)");

    enum Rarity {
        COMMON,
        RARE,
        EPIC,
        LEGENDARY
    }

    struct BadgeType {
        bool exists;
        Rarity rarity;
        bool soulbound;
        uint64 validity; // seconds an award stays valid; 0 = forever
        uint64 maxSupply; // 0 = unlimited
        uint64 supply; // current supply (minted minus revoked)
    }

    /// @notice A voucher as signed by an issuer.
    struct Voucher {
        address recipient;
        uint256 id;
        uint256 amount;
        uint256 nonce;
        uint256 deadline;
    }

    /// @custom:storage-location erc7201:pheme.storage.PhemeBadges
    struct BadgesStorage {
        mapping(uint256 id => BadgeType) types;
        mapping(uint256 id => string) uris;
        mapping(uint256 word => uint256) usedNonces; // bitmap
        mapping(address account => mapping(uint256 id => uint64)) expiresAt;
    }

    // keccak256(abi.encode(uint256(keccak256("pheme.storage.PhemeBadges")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0x6eec8e4c15cbc8e8fa2def4d07a63796ccfe334bf73e88cd1957ea2476312600;

    event BadgeTypeCreated(
        uint256 indexed id, Rarity rarity, bool soulbound, uint64 maxSupply, uint64 validity, string uri
    );
    event BadgeUriSet(uint256 indexed id, string uri);
    event VoucherRedeemed(
        address indexed recipient, uint256 indexed id, uint256 amount, uint256 nonce, address indexed issuer
    );
    event BadgeRevoked(address indexed account, uint256 indexed id, uint256 amount, address indexed by, string reason);
    event BadgeExpiry(address indexed account, uint256 indexed id, uint64 expiresAt);

    error BadgeTypeExists(uint256 id);
    error UnknownBadgeType(uint256 id);
    error ExpiringBadgeMustBeSoulbound(uint256 id);
    error MaxSupplyExceeded(uint256 id, uint256 supply, uint256 maxSupply);
    error SoulboundBadge(uint256 id);
    error VoucherExpired(uint256 deadline);
    error NonceUsed(uint256 nonce);
    error InvalidIssuer(address signer);
    error ZeroAmount();
    error ZeroAddress();

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Initialise the proxy.
    /// @param admin governance (the timelock): DEFAULT_ADMIN_ROLE, BADGE_ADMIN_ROLE, PAUSER_ROLE
    function initialize(address admin) external initializer {
        if (admin == address(0)) revert ZeroAddress();
        __ERC1155_init("");
        __AccessControl_init();
        __Pausable_init();
        __EIP712_init("PhemeBadges", "1");
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(BADGE_ADMIN_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
    }

    // ------------------------------------------------------------------ badge types

    /// @notice Create badge type `id`.
    /// @param maxSupply most tokens of the id that may exist at once (0 = unlimited)
    /// @param validity seconds an award stays valid (0 = forever; non-zero requires soulbound)
    /// @param uri_ metadata URI (e.g. ipfs://CID)
    function createBadgeType(
        uint256 id,
        Rarity rarity,
        bool soulbound,
        uint64 maxSupply,
        uint64 validity,
        string calldata uri_
    ) external onlyRole(BADGE_ADMIN_ROLE) {
        BadgesStorage storage $ = _s();
        if ($.types[id].exists) revert BadgeTypeExists(id);
        if (validity != 0 && !soulbound) revert ExpiringBadgeMustBeSoulbound(id);
        $.types[id] = BadgeType({
            exists: true, rarity: rarity, soulbound: soulbound, validity: validity, maxSupply: maxSupply, supply: 0
        });
        $.uris[id] = uri_;
        emit BadgeTypeCreated(id, rarity, soulbound, maxSupply, validity, uri_);
        emit URI(uri_, id);
    }

    /// @notice Change the metadata URI of badge type `id`.
    function setBadgeUri(uint256 id, string calldata uri_) external onlyRole(BADGE_ADMIN_ROLE) {
        if (!_s().types[id].exists) revert UnknownBadgeType(id);
        _s().uris[id] = uri_;
        emit BadgeUriSet(id, uri_);
        emit URI(uri_, id);
    }

    // ------------------------------------------------------------------ issuing

    /// @notice Mint `amount` of badge `id` to `to`.
    function mint(address to, uint256 id, uint256 amount) external onlyRole(MINTER_ROLE) whenNotPaused nonReentrant {
        _award(to, id, amount);
    }

    /// @notice Redeem a voucher signed by a current issuer. Anyone may submit it; the badge goes
    ///         to `voucher.recipient`. Each nonce works once; the signature must be low-s.
    function claim(Voucher calldata voucher, bytes calldata signature) external whenNotPaused nonReentrant {
        if (block.timestamp > voucher.deadline) revert VoucherExpired(voucher.deadline);
        address signer = ECDSA.recoverCalldata(voucherDigest(voucher), signature);
        if (!hasRole(ISSUER_ROLE, signer)) revert InvalidIssuer(signer);
        _useNonce(voucher.nonce);
        _award(voucher.recipient, voucher.id, voucher.amount);
        emit VoucherRedeemed(voucher.recipient, voucher.id, voucher.amount, voucher.nonce, signer);
    }

    /// @notice Revoke (burn) `amount` of badge `id` held by `account`, with a reason.
    function revoke(address account, uint256 id, uint256 amount, string calldata reason)
        external
        onlyRole(ISSUER_ROLE)
        nonReentrant
    {
        if (amount == 0) revert ZeroAmount();
        _burn(account, id, amount);
        emit BadgeRevoked(account, id, amount, msg.sender, reason);
    }

    // ------------------------------------------------------------------ views

    /// @notice EIP-712 digest of a voucher.
    function voucherDigest(Voucher calldata v) public view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(abi.encode(VOUCHER_TYPEHASH, v.recipient, v.id, v.amount, v.nonce, v.deadline))
        );
    }

    /// @notice Whether voucher nonce `nonce` has been used.
    function nonceUsed(uint256 nonce) external view returns (bool) {
        return _s().usedNonces[nonce >> 8] & (1 << (nonce & 0xff)) != 0;
    }

    /// @notice The badge type `id` (exists false if unknown).
    function badgeType(uint256 id) external view returns (BadgeType memory) {
        return _s().types[id];
    }

    /// @inheritdoc IERC5633
    function isSoulbound(uint256 id) external view returns (bool) {
        return _s().types[id].soulbound;
    }

    /// @notice When `account`'s award of `id` expires (0 = never or not held).
    function expiresAt(address account, uint256 id) external view returns (uint256) {
        return _s().expiresAt[account][id];
    }

    /// @notice Balance of `account` in `id` counting only unexpired awards.
    function validBalanceOf(address account, uint256 id) external view returns (uint256) {
        uint64 exp = _s().expiresAt[account][id];
        if (exp != 0 && block.timestamp >= exp) return 0;
        return balanceOf(account, id);
    }

    /// @notice Current supply of `id` (minted minus revoked).
    function totalSupply(uint256 id) external view returns (uint256) {
        return _s().types[id].supply;
    }

    /// @notice Metadata URI of badge type `id`.
    function uri(uint256 id) public view override returns (string memory) {
        return _s().uris[id];
    }

    /// @inheritdoc ERC1155Upgradeable
    function supportsInterface(bytes4 interfaceId)
        public
        view
        override(ERC1155Upgradeable, AccessControlUpgradeable)
        returns (bool)
    {
        return interfaceId == type(IERC5633).interfaceId || super.supportsInterface(interfaceId);
    }

    // ------------------------------------------------------------------ governance

    /// @notice Pause minting, claiming and transfers.
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @notice Lift the pause.
    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    // ------------------------------------------------------------------ internals

    function _award(address to, uint256 id, uint256 amount) private {
        if (amount == 0) revert ZeroAmount();
        BadgesStorage storage $ = _s();
        BadgeType storage t = $.types[id];
        if (!t.exists) revert UnknownBadgeType(id);
        if (t.validity != 0) {
            uint64 exp = uint64(block.timestamp) + t.validity;
            $.expiresAt[to][id] = exp;
            emit BadgeExpiry(to, id, exp);
        }
        _mint(to, id, amount, "");
    }

    function _useNonce(uint256 nonce) private {
        uint256 bit = 1 << (nonce & 0xff);
        uint256 word = _s().usedNonces[nonce >> 8];
        if (word & bit != 0) revert NonceUsed(nonce);
        _s().usedNonces[nonce >> 8] = word | bit;
    }

    /// @dev Supply accounting, max supply, soulbound and pause checks for every balance change.
    function _update(address from, address to, uint256[] memory ids, uint256[] memory values)
        internal
        override
        whenNotPaused
    {
        BadgesStorage storage $ = _s();
        for (uint256 i = 0; i < ids.length; i++) {
            BadgeType storage t = $.types[ids[i]];
            if (from == address(0)) {
                uint256 supply = uint256(t.supply) + values[i];
                if (t.maxSupply != 0 && supply > t.maxSupply) revert MaxSupplyExceeded(ids[i], supply, t.maxSupply);
                t.supply = SafeCast.toUint64(supply);
            } else if (to == address(0)) {
                t.supply -= SafeCast.toUint64(values[i]);
            } else if (t.soulbound) {
                revert SoulboundBadge(ids[i]);
            }
        }
        super._update(from, to, ids, values);
        if (to == address(0)) {
            for (uint256 i = 0; i < ids.length; i++) {
                if (balanceOf(from, ids[i]) == 0 && $.expiresAt[from][ids[i]] != 0) delete $.expiresAt[from][ids[i]];
            }
        }
    }

    function _authorizeUpgrade(address) internal override onlyRole(DEFAULT_ADMIN_ROLE) {}

    function _s() private pure returns (BadgesStorage storage $) {
        assembly {
            $.slot := STORAGE_SLOT
        }
    }
}
