// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Vm} from "./Vm.sol";

/// @title Test
/// @notice PHEME's own small test base for forge: the cheatcode handle, assertions that revert with a
///         readable message, a few helpers (bound, named keys) and the invariant-target hooks forge
///         reads from a test contract.
/// @dev A failed assertion reverts; forge reports the revert string as the failure reason.
abstract contract Test {
    /// @dev The standard cheatcode address, keccak256("hevm cheat code") truncated to 20 bytes.
    Vm internal constant vm = Vm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);

    // ------------------------------------------------------------------ assertions

    function fail(string memory message) internal pure {
        revert(string.concat("assertion failed: ", message));
    }

    function assertTrue(bool condition, string memory message) internal pure {
        if (!condition) fail(message);
    }

    function assertTrue(bool condition) internal pure {
        assertTrue(condition, "expected true");
    }

    function assertFalse(bool condition, string memory message) internal pure {
        if (condition) fail(message);
    }

    function assertFalse(bool condition) internal pure {
        assertFalse(condition, "expected false");
    }

    function assertEq(uint256 a, uint256 b, string memory message) internal pure {
        if (a != b) fail(string.concat(message, ": ", vm.toString(a), " != ", vm.toString(b)));
    }

    function assertEq(uint256 a, uint256 b) internal pure {
        assertEq(a, b, "uint mismatch");
    }

    function assertEq(int256 a, int256 b, string memory message) internal pure {
        if (a != b) fail(string.concat(message, ": ", vm.toString(a), " != ", vm.toString(b)));
    }

    function assertEq(address a, address b, string memory message) internal pure {
        if (a != b) fail(string.concat(message, ": ", vm.toString(a), " != ", vm.toString(b)));
    }

    function assertEq(address a, address b) internal pure {
        assertEq(a, b, "address mismatch");
    }

    function assertEq(bytes32 a, bytes32 b, string memory message) internal pure {
        if (a != b) fail(string.concat(message, ": ", vm.toString(a), " != ", vm.toString(b)));
    }

    function assertEq(bytes32 a, bytes32 b) internal pure {
        assertEq(a, b, "bytes32 mismatch");
    }

    function assertEq(bool a, bool b, string memory message) internal pure {
        if (a != b) fail(string.concat(message, ": ", vm.toString(a), " != ", vm.toString(b)));
    }

    function assertEq(string memory a, string memory b, string memory message) internal pure {
        if (keccak256(bytes(a)) != keccak256(bytes(b))) fail(string.concat(message, ": '", a, "' != '", b, "'"));
    }

    function assertEq(string memory a, string memory b) internal pure {
        assertEq(a, b, "string mismatch");
    }

    function assertEq(bytes memory a, bytes memory b, string memory message) internal pure {
        if (keccak256(a) != keccak256(b)) fail(string.concat(message, ": ", vm.toString(a), " != ", vm.toString(b)));
    }

    function assertNotEq(uint256 a, uint256 b, string memory message) internal pure {
        if (a == b) fail(string.concat(message, ": both ", vm.toString(a)));
    }

    function assertNotEq(address a, address b, string memory message) internal pure {
        if (a == b) fail(string.concat(message, ": both ", vm.toString(a)));
    }

    function assertLt(uint256 a, uint256 b, string memory message) internal pure {
        if (!(a < b)) fail(string.concat(message, ": ", vm.toString(a), " >= ", vm.toString(b)));
    }

    function assertLe(uint256 a, uint256 b, string memory message) internal pure {
        if (!(a <= b)) fail(string.concat(message, ": ", vm.toString(a), " > ", vm.toString(b)));
    }

    function assertGt(uint256 a, uint256 b, string memory message) internal pure {
        if (!(a > b)) fail(string.concat(message, ": ", vm.toString(a), " <= ", vm.toString(b)));
    }

    function assertGe(uint256 a, uint256 b, string memory message) internal pure {
        if (!(a >= b)) fail(string.concat(message, ": ", vm.toString(a), " < ", vm.toString(b)));
    }

    /// @dev |a - b| <= maxDelta.
    function assertApproxEqAbs(uint256 a, uint256 b, uint256 maxDelta, string memory message) internal pure {
        uint256 d = a > b ? a - b : b - a;
        if (d > maxDelta) {
            fail(string.concat(message, ": ", vm.toString(a), " vs ", vm.toString(b), " delta ", vm.toString(d)));
        }
    }

    function assertStartsWith(string memory s, string memory prefix, string memory message) internal pure {
        bytes memory a = bytes(s);
        bytes memory p = bytes(prefix);
        bool ok = a.length >= p.length;
        for (uint256 i = 0; ok && i < p.length; i++) {
            if (a[i] != p[i]) ok = false;
        }
        if (!ok) fail(string.concat(message, ": '", s, "' does not start with '", prefix, "'"));
    }

    function assertContains(string memory s, string memory needle, string memory message) internal pure {
        if (!contains(s, needle)) fail(string.concat(message, ": '", needle, "' not found"));
    }

    // ------------------------------------------------------------------ helpers

    function contains(string memory s, string memory needle) internal pure returns (bool) {
        bytes memory a = bytes(s);
        bytes memory n = bytes(needle);
        if (n.length == 0) return true;
        if (n.length > a.length) return false;
        for (uint256 i = 0; i + n.length <= a.length; i++) {
            bool eq = true;
            for (uint256 j = 0; j < n.length; j++) {
                if (a[i + j] != n[j]) {
                    eq = false;
                    break;
                }
            }
            if (eq) return true;
        }
        return false;
    }

    /// @dev Maps any x into [min, max] (inclusive) without discarding fuzz runs.
    function bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        require(min <= max, "bound: min > max");
        if (x >= min && x <= max) return x;
        uint256 size = max - min;
        if (size == type(uint256).max) return x;
        return min + (x % (size + 1));
    }

    /// @dev A deterministic key and its address for a name, labelled for traces.
    function makeAddrAndKey(string memory name) internal returns (address account, uint256 key) {
        key = uint256(keccak256(abi.encodePacked("pheme test key ", name))) % SECP256K1_N;
        if (key == 0) key = 1;
        account = vm.addr(key);
        vm.label(account, name);
    }

    function makeAddr(string memory name) internal returns (address account) {
        (account,) = makeAddrAndKey(name);
    }

    /// @dev 65-byte r ‖ s ‖ v signature of a digest.
    function signDigest(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    uint256 internal constant SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;

    // ------------------------------------------------------------------ invariant targets (read by forge)

    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    address[] private _targetContracts;
    FuzzSelector[] private _targetSelectors;
    address[] private _excludeSenders;

    function targetContract(address target) internal {
        _targetContracts.push(target);
    }

    function targetSelector(FuzzSelector memory selector) internal {
        _targetSelectors.push(selector);
    }

    function excludeSender(address sender) internal {
        _excludeSenders.push(sender);
    }

    function targetContracts() public view returns (address[] memory) {
        return _targetContracts;
    }

    function targetSelectors() public view returns (FuzzSelector[] memory) {
        return _targetSelectors;
    }

    function excludeSenders() public view returns (address[] memory) {
        return _excludeSenders;
    }
}
