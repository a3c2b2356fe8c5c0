// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SkillWallet} from "../../src/SkillWallet.sol";

/// @title SkillWalletV2 (test fixture)
/// @notice An upgrade that appends a field (`motto`, per wallet) to the end of SkillWallet's
///         ERC-7201 namespace and adds functions using it. Everything V1 stored keeps its place.
/// @dev The struct below is V1's `WalletStorage` with one member appended; it overlays the same slot.
///      It carries no second storage-location tag (a namespace may be declared once per
///      contract); the upgrade-safety check compares this contract with V1 through the
///      `oz-upgrades-from` reference.
///      V2 is only ever reached by upgrading an initialised V1 proxy and its new field needs no
///      initial value, so it has no initializer of its own.
/// @custom:oz-upgrades-from src/SkillWallet.sol:SkillWallet
/// @custom:oz-upgrades-unsafe-allow missing-initializer
contract SkillWalletV2 is SkillWallet {
    struct WalletStorageV2 {
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
        // ---- V2 ----
        mapping(uint256 tokenId => string) motto;
    }

    event MottoSet(uint256 indexed tokenId, string motto);

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice V2: set the caller's wallet motto.
    function setMotto(string calldata motto_) external {
        WalletStorageV2 storage $ = _s2();
        uint256 id = $.walletOf[msg.sender];
        require(id != 0, "no wallet");
        $.motto[id] = motto_;
        emit MottoSet(id, motto_);
    }

    /// @notice V2: a wallet's motto.
    function mottoOf(uint256 tokenId) external view returns (string memory) {
        return _s2().motto[tokenId];
    }

    /// @notice V2 marker.
    function version() external pure returns (string memory) {
        return "2";
    }

    function _s2() private pure returns (WalletStorageV2 storage $) {
        assembly {
            $.slot := STORAGE_SLOT
        }
    }
}
