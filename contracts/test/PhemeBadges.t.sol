// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Fixture} from "./base/Fixture.sol";
import {PhemeBadges} from "../src/PhemeBadges.sol";
import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

contract PhemeBadgesTest is Fixture {
    PhemeBadges b;
    address alice;
    address bob;
    uint256 constant SOUL = 1; // soulbound, unlimited
    uint256 constant TRADE = 2; // tradeable, max 3
    uint256 constant EXPIRING = 3; // soulbound, valid 30 days

    function setUp() public override {
        super.setUp();
        b = s.badges;
        alice = makeAddr("alice");
        bob = makeAddr("bob");
        vm.startPrank(relayer);
        b.createBadgeType(SOUL, PhemeBadges.Rarity.EPIC, true, 0, 0, "ipfs://soul");
        b.createBadgeType(TRADE, PhemeBadges.Rarity.COMMON, false, 3, 0, "ipfs://trade");
        b.createBadgeType(EXPIRING, PhemeBadges.Rarity.RARE, true, 0, 30 days, "ipfs://exp");
        vm.stopPrank();
    }

    function _voucher(address to, uint256 id, uint256 amount, uint256 nonce)
        internal
        view
        returns (PhemeBadges.Voucher memory)
    {
        return PhemeBadges.Voucher({recipient: to, id: id, amount: amount, nonce: nonce, deadline: block.timestamp + 1 days});
    }

    function _sign(PhemeBadges target, PhemeBadges.Voucher memory v, uint256 key) internal view returns (bytes memory) {
        return signDigest(key, target.voucherDigest(v));
    }

    function test_badgeTypes() public view {
        PhemeBadges.BadgeType memory t = b.badgeType(TRADE);
        assertTrue(t.exists, "exists");
        assertEq(uint8(t.rarity), uint8(PhemeBadges.Rarity.COMMON), "rarity");
        assertFalse(t.soulbound, "tradeable");
        assertEq(t.maxSupply, 3, "max supply");
        assertEq(b.uri(TRADE), "ipfs://trade", "uri");
        assertTrue(b.isSoulbound(SOUL), "soulbound");
        assertFalse(b.isSoulbound(TRADE), "not soulbound");
        assertTrue(b.supportsInterface(0x911ec470), "ERC-5633");
        assertTrue(b.supportsInterface(0xd9b67a26), "ERC-1155");
    }

    function test_typeRules() public {
        vm.startPrank(relayer);
        vm.expectRevert(abi.encodeWithSelector(PhemeBadges.BadgeTypeExists.selector, SOUL));
        b.createBadgeType(SOUL, PhemeBadges.Rarity.COMMON, true, 0, 0, "");
        vm.expectRevert(abi.encodeWithSelector(PhemeBadges.ExpiringBadgeMustBeSoulbound.selector, 9));
        b.createBadgeType(9, PhemeBadges.Rarity.COMMON, false, 0, 10, "");
        vm.expectRevert(abi.encodeWithSelector(PhemeBadges.UnknownBadgeType.selector, 9));
        b.mint(alice, 9, 1);
        vm.stopPrank();
    }

    function test_soulboundVsTradeable() public {
        vm.startPrank(relayer);
        b.mint(alice, SOUL, 1);
        b.mint(alice, TRADE, 2);
        vm.stopPrank();
        vm.startPrank(alice);
        vm.expectRevert(abi.encodeWithSelector(PhemeBadges.SoulboundBadge.selector, SOUL));
        b.safeTransferFrom(alice, bob, SOUL, 1, "");
        uint256[] memory ids = new uint256[](2);
        uint256[] memory amounts = new uint256[](2);
        (ids[0], ids[1], amounts[0], amounts[1]) = (TRADE, SOUL, 1, 1);
        vm.expectRevert(abi.encodeWithSelector(PhemeBadges.SoulboundBadge.selector, SOUL));
        b.safeBatchTransferFrom(alice, bob, ids, amounts, "");
        b.safeTransferFrom(alice, bob, TRADE, 1, "");
        b.setApprovalForAll(bob, true);
        vm.stopPrank();
        vm.prank(bob); // an operator cannot move a soulbound badge either
        vm.expectRevert(abi.encodeWithSelector(PhemeBadges.SoulboundBadge.selector, SOUL));
        b.safeTransferFrom(alice, bob, SOUL, 1, "");
        assertEq(b.balanceOf(bob, TRADE), 1, "tradeable moved");
        assertEq(b.balanceOf(alice, SOUL), 1, "soulbound stayed");
    }

    function test_maxSupply() public {
        vm.startPrank(relayer);
        b.mint(alice, TRADE, 2);
        vm.expectRevert(abi.encodeWithSelector(PhemeBadges.MaxSupplyExceeded.selector, TRADE, 4, 3));
        b.mint(bob, TRADE, 2);
        b.mint(bob, TRADE, 1);
        assertEq(b.totalSupply(TRADE), 3, "full");
        b.revoke(alice, TRADE, 1, "fraud");
        b.mint(bob, TRADE, 1); // revocation frees supply
        vm.stopPrank();
        assertEq(b.totalSupply(TRADE), 3, "full again");
    }

    function test_expiry() public {
        vm.prank(relayer);
        b.mint(alice, EXPIRING, 1);
        uint256 exp = block.timestamp + 30 days;
        assertEq(b.expiresAt(alice, EXPIRING), exp, "expiry recorded");
        assertEq(b.validBalanceOf(alice, EXPIRING), 1, "valid");
        vm.warp(exp - 1);
        assertEq(b.validBalanceOf(alice, EXPIRING), 1, "valid until the end");
        vm.warp(exp);
        assertEq(b.validBalanceOf(alice, EXPIRING), 0, "expired");
        assertEq(b.balanceOf(alice, EXPIRING), 1, "still held (history)");
        vm.prank(relayer); // re-award renews
        b.mint(alice, EXPIRING, 1);
        assertEq(b.validBalanceOf(alice, EXPIRING), 2, "renewed");
        assertEq(b.expiresAt(alice, EXPIRING), block.timestamp + 30 days, "new expiry");
    }

    function test_revocationWithReason() public {
        vm.prank(relayer);
        b.mint(alice, SOUL, 2);
        vm.expectEmit(address(b));
        emit PhemeBadges.BadgeRevoked(alice, SOUL, 1, relayer, "plagiarism");
        vm.prank(relayer);
        b.revoke(alice, SOUL, 1, "plagiarism");
        assertEq(b.balanceOf(alice, SOUL), 1, "revoked one");
        vm.prank(alice);
        vm.expectRevert();
        b.revoke(alice, SOUL, 1, "self");
    }

    // ---------------------------------------------------------------- vouchers

    function test_voucherClaim() public {
        PhemeBadges.Voucher memory v = _voucher(alice, SOUL, 1, 7);
        bytes memory sig = _sign(b, v, relayerKey);
        vm.expectEmit(address(b));
        emit PhemeBadges.VoucherRedeemed(alice, SOUL, 1, 7, relayer);
        vm.prank(bob); // anyone submits; the recipient receives
        b.claim(v, sig);
        assertEq(b.balanceOf(alice, SOUL), 1, "claimed");
        assertTrue(b.nonceUsed(7), "nonce used");
    }

    function test_replay_sameVoucherTwice() public {
        PhemeBadges.Voucher memory v = _voucher(alice, SOUL, 1, 1);
        bytes memory sig = _sign(b, v, relayerKey);
        b.claim(v, sig);
        vm.expectRevert(abi.encodeWithSelector(PhemeBadges.NonceUsed.selector, 1));
        b.claim(v, sig);
    }

    function test_replay_otherChainId() public {
        PhemeBadges.Voucher memory v = _voucher(alice, SOUL, 1, 1);
        uint256 here = block.chainid;
        vm.chainId(here + 1);
        bytes memory sig = _sign(b, v, relayerKey);
        vm.chainId(here);
        address wrongSigner = ECDSA.recover(b.voucherDigest(v), sig);
        assertNotEq(wrongSigner, relayer, "recovers someone else");
        vm.expectRevert(abi.encodeWithSelector(PhemeBadges.InvalidIssuer.selector, wrongSigner));
        b.claim(v, sig);
    }

    function test_replay_identicalContractElsewhere() public {
        PhemeBadges twin =
            PhemeBadges(address(new ERC1967Proxy(s.badgesImpl, abi.encodeCall(PhemeBadges.initialize, (address(this))))));
        twin.grantRole(twin.ISSUER_ROLE(), relayer);
        twin.grantRole(twin.BADGE_ADMIN_ROLE(), address(this));
        twin.createBadgeType(SOUL, PhemeBadges.Rarity.EPIC, true, 0, 0, "");
        PhemeBadges.Voucher memory v = _voucher(alice, SOUL, 1, 1);
        bytes memory sig = _sign(twin, v, relayerKey);
        twin.claim(v, sig); // good on the twin
        address wrongSigner = ECDSA.recover(b.voucherDigest(v), sig);
        vm.expectRevert(abi.encodeWithSelector(PhemeBadges.InvalidIssuer.selector, wrongSigner));
        b.claim(v, sig);
    }

    function test_replay_afterDeadline() public {
        PhemeBadges.Voucher memory v = _voucher(alice, SOUL, 1, 1);
        bytes memory sig = _sign(b, v, relayerKey);
        vm.warp(v.deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(PhemeBadges.VoucherExpired.selector, v.deadline));
        b.claim(v, sig);
    }

    function test_replay_revokedIssuer() public {
        PhemeBadges.Voucher memory v = _voucher(alice, SOUL, 1, 1);
        bytes memory sig = _sign(b, v, relayerKey);
        bytes32 role = b.ISSUER_ROLE();
        asGovernance();
        b.revokeRole(role, relayer);
        vm.expectRevert(abi.encodeWithSelector(PhemeBadges.InvalidIssuer.selector, relayer));
        b.claim(v, sig);
    }

    function test_replay_highSTwin() public {
        PhemeBadges.Voucher memory v = _voucher(alice, SOUL, 1, 1);
        (uint8 vv, bytes32 r, bytes32 sv) = vm.sign(relayerKey, b.voucherDigest(v));
        bytes32 s2 = bytes32(SECP256K1_N - uint256(sv));
        bytes memory twin = abi.encodePacked(r, s2, vv == 27 ? uint8(28) : uint8(27));
        // the twin is a valid secp256k1 signature of the same digest by the same key
        assertEq(ecrecover(b.voucherDigest(v), vv == 27 ? 28 : 27, r, s2), relayer, "twin is mathematically valid");
        vm.expectRevert(abi.encodeWithSelector(ECDSA.ECDSAInvalidSignatureS.selector, s2));
        b.claim(v, twin);
        // and after the genuine claim it is dead twice over
        b.claim(v, abi.encodePacked(r, sv, vv));
        vm.expectRevert(abi.encodeWithSelector(ECDSA.ECDSAInvalidSignatureS.selector, s2));
        b.claim(v, twin);
    }

    function test_voucherForNonIssuerOrTamperedFields() public {
        (, uint256 key) = makeAddrAndKey("random");
        PhemeBadges.Voucher memory v = _voucher(alice, SOUL, 1, 1);
        bytes memory sig = _sign(b, v, key);
        vm.expectRevert(abi.encodeWithSelector(PhemeBadges.InvalidIssuer.selector, vm.addr(key)));
        b.claim(v, sig);
        sig = _sign(b, v, relayerKey);
        v.amount = 5; // tampered after signing
        vm.expectRevert();
        b.claim(v, sig);
        v.amount = 1;
        v.recipient = bob;
        vm.expectRevert();
        b.claim(v, sig);
    }

    function test_voucherRespectsMaxSupplyAndPause() public {
        PhemeBadges.Voucher memory v = _voucher(alice, TRADE, 4, 1);
        bytes memory sig = _sign(b, v, relayerKey);
        vm.expectRevert(abi.encodeWithSelector(PhemeBadges.MaxSupplyExceeded.selector, TRADE, 4, 3));
        b.claim(v, sig);
        v = _voucher(alice, TRADE, 1, 2);
        sig = _sign(b, v, relayerKey);
        asGovernance();
        b.pause();
        vm.expectRevert(Pausable.EnforcedPause.selector);
        b.claim(v, sig);
    }

    function testFuzz_noncesAreIndependent(uint256 n1, uint256 n2) public {
        vm.assume(n1 != n2);
        PhemeBadges.Voucher memory v1 = _voucher(alice, SOUL, 1, n1);
        PhemeBadges.Voucher memory v2 = _voucher(bob, SOUL, 1, n2);
        bytes memory sig1 = _sign(b, v1, relayerKey);
        b.claim(v1, sig1);
        assertTrue(b.nonceUsed(n1), "n1 used");
        assertFalse(b.nonceUsed(n2), "n2 free");
        b.claim(v2, _sign(b, v2, relayerKey));
        vm.expectRevert(abi.encodeWithSelector(PhemeBadges.NonceUsed.selector, n1));
        b.claim(v1, sig1);
    }
}
