// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Fixture} from "./base/Fixture.sol";
import {IERC5267} from "@openzeppelin/contracts/interfaces/IERC5267.sol";

/// @notice signing.json is the single definition of every signed format: the contracts' type hashes,
///         domains and leaf formulas must match it.
contract SigningSpecTest is Fixture {
    string json;

    function setUp() public override {
        super.setUp();
        json = vm.readFile("signing.json");
    }

    function _typeHash(string memory format) internal view returns (bytes32) {
        return keccak256(bytes(vm.parseJsonString(json, string.concat(".formats.", format, ".typeString"))));
    }

    function _checkDomain(string memory format, address target) internal view {
        (bytes1 fields, string memory name, string memory version, uint256 chainId, address verifying,,) =
            IERC5267(target).eip712Domain();
        assertEq(uint8(fields), uint8(0x0f), "name, version, chainId, verifyingContract");
        assertEq(name, vm.parseJsonString(json, string.concat(".formats.", format, ".domain.name")), "domain name");
        assertEq(version, vm.parseJsonString(json, string.concat(".formats.", format, ".domain.version")), "version");
        assertEq(chainId, block.chainid, "chain id");
        assertEq(verifying, target, "verifying contract is the proxy");
    }

    /// The field list must spell the type string.
    function _checkFields(string memory format) internal view {
        string memory base = string.concat(".formats.", format);
        string memory primary = vm.parseJsonString(json, string.concat(base, ".primaryType"));
        string memory built = string.concat(primary, "(");
        for (uint256 i = 0;; i++) {
            string memory at = string.concat(base, ".fields[", vm.toString(i), "]");
            if (!vm.keyExistsJson(json, at)) break;
            if (i > 0) built = string.concat(built, ",");
            built = string.concat(
                built,
                vm.parseJsonString(json, string.concat(at, ".type")),
                " ",
                vm.parseJsonString(json, string.concat(at, ".name"))
            );
        }
        built = string.concat(built, ")");
        assertEq(built, vm.parseJsonString(json, string.concat(base, ".typeString")), "fields spell the type");
    }

    function test_eip712DomainTypeIsStandard() public view {
        assertEq(
            keccak256(bytes(vm.parseJsonString(json, ".eip712DomainType"))),
            keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
            "domain type"
        );
    }

    function test_badgeVoucher() public view {
        assertEq(s.badges.VOUCHER_TYPEHASH(), _typeHash("badgeVoucher"), "voucher typehash");
        _checkDomain("badgeVoucher", address(s.badges));
        _checkFields("badgeVoucher");
    }

    function test_oracleRound() public view {
        assertEq(s.oracle.ROUND_TYPEHASH(), _typeHash("oracleRound"), "round typehash");
        _checkDomain("oracleRound", address(s.oracle));
        _checkFields("oracleRound");
    }

    function test_validatorReview() public view {
        assertEq(s.registry.REVIEW_TYPEHASH(), _typeHash("validatorReview"), "review typehash");
        _checkDomain("validatorReview", address(s.registry));
        _checkFields("validatorReview");
    }

    function test_merkleLeaves() public view {
        assertEq(
            vm.parseJsonString(json, ".formats.rewardLeaf.leaf"),
            "keccak256(bytes.concat(keccak256(abi.encode(account, cumulativeAmount))))",
            "reward leaf formula"
        );
        assertEq(
            vm.parseJsonString(json, ".formats.scoreLeaf.leaf"),
            "keccak256(bytes.concat(keccak256(abi.encode(user, score))))",
            "score leaf formula"
        );
        address a = address(0xBEEF);
        assertEq(
            s.distributor.leaf(a, 123), keccak256(bytes.concat(keccak256(abi.encode(a, uint256(123))))), "reward leaf"
        );
        assertEq(
            s.oracle.scoreLeaf(a, 77), keccak256(bytes.concat(keccak256(abi.encode(a, uint256(77))))), "score leaf"
        );
    }

    /// A fixed vector for the C side: the voucher digest for known inputs, computed by hand from the
    /// spec (domain separator + struct hash) and by the contract.
    function test_voucherDigestMatchesTheSpecByHand() public view {
        bytes32 domainSep = keccak256(
            abi.encode(
                keccak256(bytes(vm.parseJsonString(json, ".eip712DomainType"))),
                keccak256("PhemeBadges"),
                keccak256("1"),
                block.chainid,
                address(s.badges)
            )
        );
        bytes32 structHash = keccak256(abi.encode(_typeHash("badgeVoucher"), address(0xA11CE), 7, 1, 42, 1e10));
        bytes32 expected = keccak256(abi.encodePacked("\x19\x01", domainSep, structHash));
        assertEq(
            s.badges.voucherDigest(
                PhemeBadgesVoucher({recipient: address(0xA11CE), id: 7, amount: 1, nonce: 42, deadline: 1e10}).into()
            ),
            expected,
            "digest"
        );
    }
}

import {PhemeBadges} from "../src/PhemeBadges.sol";

struct PhemeBadgesVoucher {
    address recipient;
    uint256 id;
    uint256 amount;
    uint256 nonce;
    uint256 deadline;
}

using {into} for PhemeBadgesVoucher;

function into(PhemeBadgesVoucher memory v) pure returns (PhemeBadges.Voucher memory) {
    return PhemeBadges.Voucher(v.recipient, v.id, v.amount, v.nonce, v.deadline);
}
