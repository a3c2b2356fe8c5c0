// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Fixture} from "./base/Fixture.sol";
import {Base64Decode} from "./base/Base64Decode.sol";
import {SkillWallet} from "../src/SkillWallet.sol";
import {IERC5192} from "../src/IERC5192.sol";
import {IERC4906} from "@openzeppelin/contracts/interfaces/IERC4906.sol";
import {SkillWalletV2} from "./upgrades/SkillWalletV2.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC721Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts/proxy/utils/UUPSUpgradeable.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

contract SkillWalletTest is Fixture {
    SkillWallet w;
    address alice;
    address bob;
    address carol;
    uint32 constant SOLIDITY = 1;
    uint32 constant RUST = 2;
    uint32 constant DESIGN = 3;
    uint32 constant WRITING = 4;

    function setUp() public override {
        super.setUp();
        w = s.skillWallet;
        alice = makeAddr("alice");
        bob = makeAddr("bob");
        carol = makeAddr("carol");
        vm.startPrank(relayer);
        w.defineSkill(SOLIDITY, "Solidity");
        w.defineSkill(RUST, "Rust");
        w.defineSkill(DESIGN, "UX Design");
        w.defineSkill(WRITING, "C++ Writing #1");
        vm.stopPrank();
    }

    function _mint(address who) internal returns (uint256 id) {
        vm.prank(who);
        id = w.mint();
    }

    function _progress(uint256 id, uint32 skill, uint8 level, uint128 xp) internal {
        SkillWallet.Progress[] memory p = new SkillWallet.Progress[](1);
        p[0] = SkillWallet.Progress({tokenId: id, skillId: skill, level: level, xp: xp});
        vm.prank(relayer);
        w.recordProgress(p);
    }

    // ---------------------------------------------------------------- minting

    function test_onePerAddress() public {
        vm.expectEmit(address(w));
        emit IERC5192.Locked(1);
        uint256 id = _mint(alice);
        assertEq(id, 1, "first id");
        assertEq(w.ownerOf(1), alice, "owner");
        assertEq(w.walletOf(alice), 1, "walletOf");
        assertEq(w.balanceOf(alice), 1, "balance");
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(SkillWallet.AlreadyHasWallet.selector, alice));
        w.mint();
        vm.prank(relayer);
        vm.expectRevert(abi.encodeWithSelector(SkillWallet.AlreadyHasWallet.selector, alice));
        w.mintFor(alice);
        vm.prank(relayer);
        assertEq(w.mintFor(bob), 2, "minted for bob");
        assertEq(w.totalMinted(), 2, "total");
    }

    function test_mintForNeedsMinterRole() public {
        bytes32 role = w.MINTER_ROLE();
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, alice, role));
        w.mintFor(bob);
    }

    function testFuzz_onePerAddress(address who) public {
        vm.assume(who != address(0) && who.code.length == 0);
        vm.prank(who);
        w.mint();
        vm.prank(who);
        vm.expectRevert(abi.encodeWithSelector(SkillWallet.AlreadyHasWallet.selector, who));
        w.mint();
    }

    // ---------------------------------------------------------------- soulbound

    function test_everyTransferAndApprovalPathReverts() public {
        uint256 id = _mint(alice);
        _mint(carol);
        vm.startPrank(alice);
        vm.expectRevert(SkillWallet.Soulbound.selector);
        w.transferFrom(alice, bob, id);
        vm.expectRevert(SkillWallet.Soulbound.selector);
        w.safeTransferFrom(alice, bob, id);
        vm.expectRevert(SkillWallet.Soulbound.selector);
        w.safeTransferFrom(alice, bob, id, "data");
        vm.expectRevert(SkillWallet.Soulbound.selector);
        w.approve(bob, id);
        vm.expectRevert(SkillWallet.Soulbound.selector);
        w.setApprovalForAll(bob, true);
        vm.expectRevert(SkillWallet.Soulbound.selector);
        w.setApprovalForAll(bob, false);
        // transfer to someone who already holds a wallet, too
        vm.expectRevert(SkillWallet.Soulbound.selector);
        w.transferFrom(alice, carol, id);
        vm.stopPrank();
        // a third party (no approval possible) cannot move it either
        vm.prank(bob);
        vm.expectRevert(SkillWallet.Soulbound.selector);
        w.transferFrom(alice, bob, id);
        assertEq(w.ownerOf(id), alice, "still alice's");
        assertEq(w.getApproved(id), address(0), "no approval");
        assertFalse(w.isApprovedForAll(alice, bob), "no operator");
        assertTrue(w.locked(id), "locked");
    }

    function test_lockedRevertsForMissingToken() public {
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 7));
        w.locked(7);
    }

    function test_erc165() public view {
        assertTrue(w.supportsInterface(0x01ffc9a7), "ERC-165");
        assertTrue(w.supportsInterface(0x80ac58cd), "ERC-721");
        assertTrue(w.supportsInterface(0x5b5e139f), "ERC-721 metadata");
        assertTrue(w.supportsInterface(0xb45a3c0e), "ERC-5192");
        assertEq(uint32(type(IERC5192).interfaceId), uint32(0xb45a3c0e), "ERC-5192 id is locked()'s selector");
        assertTrue(w.supportsInterface(0x49064906), "ERC-4906");
        assertTrue(w.supportsInterface(0x7965db0b), "AccessControl");
        assertFalse(w.supportsInterface(0xffffffff), "never 0xffffffff");
        assertFalse(w.supportsInterface(0xd9b67a26), "not ERC-1155");
    }

    // ---------------------------------------------------------------- progress

    function test_progressOnlyByOracleRoleInBatches() public {
        uint256 a = _mint(alice);
        uint256 b = _mint(bob);
        SkillWallet.Progress[] memory p = new SkillWallet.Progress[](3);
        p[0] = SkillWallet.Progress({tokenId: a, skillId: SOLIDITY, level: 40, xp: 800});
        p[1] = SkillWallet.Progress({tokenId: a, skillId: RUST, level: 10, xp: 300});
        p[2] = SkillWallet.Progress({tokenId: b, skillId: SOLIDITY, level: 5, xp: 50});

        bytes32 role = w.ORACLE_ROLE();
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, alice, role));
        w.recordProgress(p);

        vm.expectEmit(address(w));
        emit SkillWallet.SkillProgress(a, SOLIDITY, 40, 800);
        vm.expectEmit(address(w));
        emit IERC4906.MetadataUpdate(a);
        vm.prank(relayer);
        w.recordProgress(p);

        SkillWallet.Skill memory sk = w.skillOf(a, SOLIDITY);
        assertEq(sk.level, 40, "level");
        assertEq(sk.xp, 800, "xp");
        assertEq(sk.updatedAt, block.timestamp, "updated at");
        assertEq(w.totalXp(a), 1100, "total xp");
        assertEq(w.skillsOf(a).length, 2, "two skills");
        // absolute values: a second report replaces, total follows
        vm.warp(block.timestamp + 100);
        _progress(a, SOLIDITY, 45, 900);
        assertEq(w.totalXp(a), 1200, "total after replacement");
        assertEq(w.skillOf(a, SOLIDITY).updatedAt, block.timestamp, "new time");
        assertEq(w.skillsOf(a).length, 2, "no duplicate skill entry");
    }

    function test_progressValidation() public {
        uint256 a = _mint(alice);
        SkillWallet.Progress[] memory p = new SkillWallet.Progress[](1);
        p[0] = SkillWallet.Progress({tokenId: a, skillId: SOLIDITY, level: 101, xp: 1});
        vm.prank(relayer);
        vm.expectRevert(abi.encodeWithSelector(SkillWallet.LevelOutOfRange.selector, 101));
        w.recordProgress(p);
        p[0] = SkillWallet.Progress({tokenId: a, skillId: 99, level: 1, xp: 1});
        vm.prank(relayer);
        vm.expectRevert(abi.encodeWithSelector(SkillWallet.UnknownSkill.selector, 99));
        w.recordProgress(p);
        p[0] = SkillWallet.Progress({tokenId: 42, skillId: SOLIDITY, level: 1, xp: 1});
        vm.prank(relayer);
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 42));
        w.recordProgress(p);
        vm.startPrank(relayer);
        vm.expectRevert(SkillWallet.InvalidSkillName.selector);
        w.defineSkill(50, "bad\"name");
        vm.expectRevert(SkillWallet.InvalidSkillName.selector);
        w.defineSkill(50, "<script>");
        vm.expectRevert(SkillWallet.InvalidSkillName.selector);
        w.defineSkill(50, "");
        vm.expectRevert(abi.encodeWithSelector(SkillWallet.SkillExists.selector, SOLIDITY));
        w.defineSkill(SOLIDITY, "Again");
        vm.stopPrank();
    }

    // ---------------------------------------------------------------- endorsements

    function test_endorsementRules() public {
        uint256 a = _mint(alice);
        uint256 b = _mint(bob);
        vm.prank(carol); // no wallet
        vm.expectRevert(abi.encodeWithSelector(SkillWallet.NoWallet.selector, carol));
        w.endorse(bob, SOLIDITY);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(SkillWallet.NoWallet.selector, carol));
        w.endorse(carol, SOLIDITY);
        vm.prank(alice);
        vm.expectRevert(SkillWallet.SelfEndorsement.selector);
        w.endorse(alice, SOLIDITY);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(SkillWallet.UnknownSkill.selector, 77));
        w.endorse(bob, 77);

        vm.expectEmit(address(w));
        emit SkillWallet.Endorsed(a, b, SOLIDITY);
        vm.prank(alice);
        w.endorse(bob, SOLIDITY);
        assertEq(w.endorsements(b, SOLIDITY), 1, "counted");
        assertTrue(w.hasEndorsed(a, b, SOLIDITY), "recorded");
        vm.prank(alice);
        vm.expectRevert(SkillWallet.AlreadyEndorsed.selector);
        w.endorse(bob, SOLIDITY);
        vm.prank(alice);
        w.endorse(bob, RUST); // another skill is fine
        vm.prank(bob);
        w.endorse(alice, SOLIDITY); // and the other direction
        assertEq(w.endorsements(a, SOLIDITY), 1, "reverse");
        vm.prank(alice);
        w.revokeEndorsement(bob, SOLIDITY);
        assertEq(w.endorsements(b, SOLIDITY), 0, "revoked");
        vm.prank(alice);
        vm.expectRevert(SkillWallet.NotEndorsed.selector);
        w.revokeEndorsement(bob, SOLIDITY);
        vm.prank(alice);
        w.endorse(bob, SOLIDITY); // may endorse again after revoking
        assertEq(w.endorsements(b, SOLIDITY), 1, "again");
    }

    // ---------------------------------------------------------------- metadata

    function test_tokenURIIsBase64JsonWithSvg() public {
        uint256 a = _mint(alice);
        SkillWallet.Progress[] memory p = new SkillWallet.Progress[](4);
        p[0] = SkillWallet.Progress({tokenId: a, skillId: SOLIDITY, level: 60, xp: 3000});
        p[1] = SkillWallet.Progress({tokenId: a, skillId: RUST, level: 20, xp: 1000});
        p[2] = SkillWallet.Progress({tokenId: a, skillId: DESIGN, level: 80, xp: 2500});
        p[3] = SkillWallet.Progress({tokenId: a, skillId: WRITING, level: 5, xp: 100});
        vm.prank(relayer);
        w.recordProgress(p);

        string memory uri = w.tokenURI(a);
        string memory prefix = "data:application/json;base64,";
        assertStartsWith(uri, prefix, "json data URI");
        string memory json = string(Base64Decode.decode(_after(uri, bytes(prefix).length)));
        // vm.parseJson* reject anything that is not valid JSON
        assertEq(vm.parseJsonString(json, ".name"), "PHEME Skill Wallet #1", "name");
        assertEq(vm.parseJsonString(json, ".attributes[0].value"), "Expert", "level (6600 XP)");
        assertEq(vm.parseJsonUint(json, ".attributes[1].value"), 6600, "xp");
        assertEq(vm.parseJsonUint(json, ".attributes[2].value"), 4, "skills");
        string memory image = vm.parseJsonString(json, ".image");
        string memory svgPrefix = "data:image/svg+xml;base64,";
        assertStartsWith(image, svgPrefix, "svg data URI");
        string memory svg = string(Base64Decode.decode(_after(image, bytes(svgPrefix).length)));
        assertStartsWith(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\"", "svg root");
        assertTrue(_endsWith(svg, "</svg>"), "svg closed");
        assertContains(svg, "Expert", "level shown");
        assertContains(svg, "6600 XP", "xp shown");
        assertContains(svg, "UX Design: level 80", "top skill");
        assertContains(svg, "Solidity: level 60", "second skill");
        assertContains(svg, "Rust: level 20", "third skill");
        assertFalse(contains(svg, "C++ Writing"), "only the top three");
    }

    function test_tokenURIOfFreshWalletAndLevels() public {
        uint256 a = _mint(alice);
        string memory uri = w.tokenURI(a);
        string memory json = string(Base64Decode.decode(_after(uri, 29)));
        assertEq(vm.parseJsonString(json, ".attributes[0].value"), "Novice", "fresh wallet");
        assertEq(w.levelName(1000), "Novice", "1000");
        assertEq(w.levelName(1001), "Advanced", "1001");
        assertEq(w.levelName(5000), "Advanced", "5000");
        assertEq(w.levelName(5001), "Expert", "5001");
        assertEq(w.levelName(10000), "Expert", "10000");
        assertEq(w.levelName(10001), "Master", "10001");
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 9));
        w.tokenURI(9);
    }

    // ---------------------------------------------------------------- recovery

    function _guardians() internal returns (address[] memory g) {
        g = new address[](3);
        g[0] = makeAddr("guardian0");
        g[1] = makeAddr("guardian1");
        g[2] = makeAddr("guardian2");
    }

    function test_recoveryByGuardians() public {
        uint256 a = _mint(alice);
        uint256 b = _mint(bob);
        vm.prank(bob);
        w.endorse(alice, SOLIDITY);
        _progress(a, SOLIDITY, 30, 500);
        address[] memory g = _guardians();
        vm.prank(alice);
        w.setGuardians(g, 2);
        address fresh = makeAddr("alice-new");

        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(SkillWallet.NotGuardian.selector, a, bob));
        w.approveRecovery(a, fresh);

        vm.prank(g[0]);
        w.approveRecovery(a, fresh);
        vm.prank(g[0]);
        vm.expectRevert(abi.encodeWithSelector(SkillWallet.AlreadyApproved.selector, g[0]));
        w.approveRecovery(a, fresh);
        vm.expectRevert(abi.encodeWithSelector(SkillWallet.NoRecovery.selector, a));
        w.executeRecovery(a); // one approval is not enough

        vm.prank(g[2]);
        w.approveRecovery(a, fresh);
        uint256 readyAt = block.timestamp + 3 days;
        assertEq(w.recoveryOf(a).readyAt, readyAt, "ready after the delay");
        vm.expectRevert(abi.encodeWithSelector(SkillWallet.RecoveryNotReady.selector, readyAt));
        w.executeRecovery(a);
        vm.warp(readyAt);
        vm.expectEmit(address(w));
        emit SkillWallet.WalletRecovered(a, alice, fresh, false);
        w.executeRecovery(a); // anyone executes

        assertEq(w.ownerOf(a), fresh, "moved");
        assertEq(w.walletOf(fresh), a, "walletOf new");
        assertEq(w.walletOf(alice), 0, "walletOf old cleared");
        assertEq(w.balanceOf(alice), 0, "old balance");
        assertEq(w.endorsements(a, SOLIDITY), 1, "endorsements kept");
        assertEq(w.skillOf(a, SOLIDITY).level, 30, "skills kept");
        assertTrue(w.locked(a), "still locked");
        // the recovered wallet is soulbound again
        vm.prank(fresh);
        vm.expectRevert(SkillWallet.Soulbound.selector);
        w.transferFrom(fresh, alice, a);
        // the old address may mint a new wallet
        assertEq(_mint(alice), b + 1, "old address free again");
    }

    function test_holderCancelsRecovery() public {
        uint256 a = _mint(alice);
        address[] memory g = _guardians();
        vm.prank(alice);
        w.setGuardians(g, 2);
        address thief = makeAddr("thief");
        vm.prank(g[0]);
        w.approveRecovery(a, thief);
        vm.prank(g[1]);
        w.approveRecovery(a, thief);
        vm.prank(alice);
        w.cancelRecovery();
        vm.warp(block.timestamp + 30 days);
        vm.expectRevert(abi.encodeWithSelector(SkillWallet.NoRecovery.selector, a));
        w.executeRecovery(a);
        // old approvals do not count for a new request
        vm.prank(g[0]);
        w.approveRecovery(a, thief);
        assertEq(w.recoveryOf(a).approvals, 1, "approvals restart");
        assertEq(w.recoveryOf(a).readyAt, 0, "not ready");
        assertEq(w.ownerOf(a), alice, "still alice's");
    }

    function test_recoveryTargetChangeRestartsApprovals() public {
        uint256 a = _mint(alice);
        address[] memory g = _guardians();
        vm.prank(alice);
        w.setGuardians(g, 2);
        vm.prank(g[0]);
        w.approveRecovery(a, makeAddr("x"));
        vm.prank(g[1]);
        w.approveRecovery(a, makeAddr("y"));
        assertEq(w.recoveryOf(a).approvals, 1, "restarted for y");
        assertEq(w.recoveryOf(a).readyAt, 0, "not ready");
    }

    function test_guardianSetValidation() public {
        _mint(alice);
        address[] memory g = _guardians();
        vm.startPrank(alice);
        vm.expectRevert(SkillWallet.InvalidGuardians.selector);
        w.setGuardians(g, 4);
        vm.expectRevert(SkillWallet.InvalidGuardians.selector);
        w.setGuardians(g, 0);
        g[1] = g[0];
        vm.expectRevert(SkillWallet.InvalidGuardians.selector);
        w.setGuardians(g, 2);
        g[1] = alice;
        vm.expectRevert(SkillWallet.InvalidGuardians.selector);
        w.setGuardians(g, 2);
        vm.stopPrank();
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(SkillWallet.NoWallet.selector, bob));
        w.setGuardians(_guardians(), 1);
    }

    function test_recoveryByGovernance() public {
        uint256 a = _mint(alice);
        uint256 b = _mint(bob);
        address fresh = makeAddr("fresh");
        bytes32 role = w.RECOVERY_ROLE();
        vm.prank(relayer);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, relayer, role));
        w.governanceRecover(a, fresh);
        asGovernance();
        vm.expectRevert(abi.encodeWithSelector(SkillWallet.AlreadyHasWallet.selector, bob));
        w.governanceRecover(a, bob);
        asGovernance();
        vm.expectEmit(address(w));
        emit SkillWallet.WalletRecovered(a, alice, fresh, true);
        w.governanceRecover(a, fresh);
        assertEq(w.ownerOf(a), fresh, "moved by governance");
        assertEq(w.ownerOf(b), bob, "others untouched");
    }

    function test_pauseBlocksMintAndEndorse() public {
        _mint(bob);
        asGovernance();
        w.pause();
        vm.prank(alice);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        w.mint();
    }

    // ---------------------------------------------------------------- upgrade

    function test_upgradeToV2KeepsEveryValue() public {
        uint256 a = _mint(alice);
        uint256 b = _mint(bob);
        _progress(a, SOLIDITY, 33, 700);
        _progress(a, RUST, 12, 250);
        vm.prank(bob);
        w.endorse(alice, RUST);
        address[] memory g = _guardians();
        vm.prank(alice);
        w.setGuardians(g, 2);
        vm.prank(g[0]);
        w.approveRecovery(a, carol);
        string memory uriBefore = w.tokenURI(a);
        SkillWallet.Recovery memory recBefore = w.recoveryOf(a);

        SkillWalletV2 impl = new SkillWalletV2();
        vm.prank(relayer);
        vm.expectRevert(); // only the timelock upgrades
        w.upgradeToAndCall(address(impl), "");
        asGovernance();
        w.upgradeToAndCall(address(impl), "");
        SkillWalletV2 w2 = SkillWalletV2(address(w));
        assertEq(w2.version(), "2", "upgraded");

        // every V1 value is where it was
        assertEq(w2.name(), "PHEME Skill Wallet", "name");
        assertEq(w2.symbol(), "PHEMESKILL", "symbol");
        assertEq(w2.ownerOf(a), alice, "owner a");
        assertEq(w2.ownerOf(b), bob, "owner b");
        assertEq(w2.walletOf(alice), a, "walletOf a");
        assertEq(w2.walletOf(bob), b, "walletOf b");
        assertEq(w2.totalMinted(), 2, "next id");
        assertEq(w2.recoveryDelay(), 3 days, "recovery delay");
        assertEq(w2.skillName(SOLIDITY), "Solidity", "skill name");
        assertEq(w2.skillOf(a, SOLIDITY).level, 33, "level");
        assertEq(w2.skillOf(a, RUST).xp, 250, "xp");
        assertEq(w2.totalXp(a), 950, "total xp");
        assertEq(w2.skillsOf(a).length, 2, "skill list");
        assertEq(w2.endorsements(a, RUST), 1, "endorsements");
        assertTrue(w2.hasEndorsed(b, a, RUST), "endorsed map");
        (address[] memory g2, uint8 th) = w2.guardiansOf(a);
        assertEq(g2.length, 3, "guardians");
        assertEq(g2[2], g[2], "guardian 2");
        assertEq(th, 2, "threshold");
        SkillWallet.Recovery memory recAfter = w2.recoveryOf(a);
        assertEq(recAfter.newOwner, recBefore.newOwner, "recovery target");
        assertEq(recAfter.approvals, recBefore.approvals, "recovery approvals");
        assertEq(recAfter.nonce, recBefore.nonce, "recovery nonce");
        assertTrue(w2.hasRole(w2.ORACLE_ROLE(), relayer), "roles kept");
        assertTrue(w2.hasRole(w2.DEFAULT_ADMIN_ROLE(), address(s.timelock)), "admin kept");
        assertEq(w2.tokenURI(a), uriBefore, "metadata identical");

        // the new field works and touches nothing else
        vm.prank(alice);
        w2.setMotto("ship it");
        assertEq(w2.mottoOf(a), "ship it", "motto");
        assertEq(w2.totalXp(a), 950, "total xp after V2 write");
        assertEq(w2.tokenURI(a), uriBefore, "metadata after V2 write");
        _progress(a, DESIGN, 50, 1000);
        assertEq(w2.totalXp(a), 1950, "V1 logic still works after upgrade");
        assertEq(w2.mottoOf(a), "ship it", "motto survives V1 writes");
    }

    function test_implementationIsLockedAndNotUpgradeableDirectly() public {
        SkillWallet impl = SkillWallet(s.skillWalletImpl);
        vm.expectRevert();
        impl.initialize(address(this), 3 days);
        vm.expectRevert(UUPSUpgradeable.UUPSUnauthorizedCallContext.selector);
        impl.upgradeToAndCall(address(1), "");
    }

    // ---------------------------------------------------------------- helpers

    function _after(string memory str, uint256 start) internal pure returns (string memory) {
        bytes memory b = bytes(str);
        bytes memory out = new bytes(b.length - start);
        for (uint256 i = 0; i < out.length; i++) {
            out[i] = b[start + i];
        }
        return string(out);
    }

    function _endsWith(string memory str, string memory suffix) internal pure returns (bool) {
        bytes memory b = bytes(str);
        bytes memory x = bytes(suffix);
        if (x.length > b.length) return false;
        for (uint256 i = 0; i < x.length; i++) {
            if (b[b.length - x.length + i] != x[i]) return false;
        }
        return true;
    }
}
