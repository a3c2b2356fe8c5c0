// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "../base/Test.sol";
import {WalletSignatureCheck} from "../../src/WalletSignatureCheck.sol";
import {TestWallet, TestWalletFactory} from "./TestWallet.sol";

/// @dev A wallet that answers isValidSignature with whatever bytes it was given, reverts, or burns
///      all its gas.
contract ScriptedWallet {
    enum Mode {
        Answer,
        Revert,
        Burn
    }

    bytes internal answer;
    Mode internal mode;

    constructor(bytes memory answer_, Mode mode_) {
        answer = answer_;
        mode = mode_;
    }

    fallback() external {
        if (mode == Mode.Revert) revert("no");
        if (mode == Mode.Burn) {
            while (true) {}
        }
        bytes memory a = answer;
        assembly {
            return(add(a, 32), mload(a))
        }
    }
}

/// @notice The deployless ERC-6492 check the server runs through eth_call: counterfactual and deployed
///         wallets, right and wrong keys, a factory that deploys something else, odd wallet answers.
///         (Here the check really is deployed, so its answer is the code it leaves behind.)
contract WalletSignatureCheckTest is Test {
    TestWalletFactory factory;
    address owner;
    uint256 ownerKey;
    uint256 otherKey;
    bytes32 constant SALT = bytes32(uint256(7));
    bytes32 constant HASH = keccak256("sign in to PHEME");

    function setUp() public {
        factory = new TestWalletFactory();
        (owner, ownerKey) = makeAddrAndKey("wallet owner");
        (, otherKey) = makeAddrAndKey("someone else");
    }

    function _check(address wallet, bytes memory sig, address f, bytes memory data)
        internal
        returns (uint256 verdict, uint256 factoryCall)
    {
        bytes memory answer = address(new WalletSignatureCheck(wallet, HASH, sig, f, data)).code;
        assertEq(answer.length, 64, "answer is two words");
        (verdict, factoryCall) = abi.decode(answer, (uint256, uint256));
    }

    function _deployCall() internal view returns (bytes memory) {
        return abi.encodeCall(TestWalletFactory.deploy, (owner, SALT));
    }

    function testCounterfactualWalletRightOwner() public {
        address wallet = factory.addressOf(owner, SALT);
        assertEq(wallet.code.length, 0, "not deployed yet");
        (uint256 v, uint256 f) = _check(wallet, signDigest(ownerKey, HASH), address(factory), _deployCall());
        assertEq(v, 1, "valid");
        assertEq(f, 1, "factory called");
    }

    function testCounterfactualWalletWrongKey() public {
        address wallet = factory.addressOf(owner, SALT);
        (uint256 v, uint256 f) = _check(wallet, signDigest(otherKey, HASH), address(factory), _deployCall());
        assertEq(v, 2, "refused");
        assertEq(f, 1, "factory called");
    }

    function testDeployedWalletWithWrappedSignature() public {
        address wallet = factory.deploy(owner, SALT);
        (uint256 v, uint256 f) = _check(wallet, signDigest(ownerKey, HASH), address(factory), _deployCall());
        assertEq(v, 1, "still valid after deployment");
        assertEq(f, 0, "factory not called");
    }

    function testDeployedWalletWrongKeyTriesPrepareCall() public {
        address wallet = factory.deploy(owner, SALT);
        (uint256 v, uint256 f) = _check(wallet, signDigest(otherKey, HASH), address(factory), _deployCall());
        assertEq(v, 2, "refused");
        assertEq(f, 2, "prepare call made, reverted (already deployed)");
    }

    function testFactoryDeploysAnotherWallet() public {
        address wallet = factory.addressOf(owner, SALT);
        bytes memory data = abi.encodeCall(TestWalletFactory.deploy, (owner, bytes32(uint256(8))));
        (uint256 v, uint256 f) = _check(wallet, signDigest(ownerKey, HASH), address(factory), data);
        assertEq(v, 4, "not deployed");
        assertEq(f, 1, "factory call succeeded");
    }

    function testFactoryReverts() public {
        address wallet = factory.addressOf(owner, SALT);
        (uint256 v, uint256 f) = _check(wallet, signDigest(ownerKey, HASH), address(factory), hex"deadbeef");
        assertEq(v, 4, "not deployed");
        assertEq(f, 2, "factory call reverted");
    }

    function testFactoryWithoutCode() public {
        address wallet = factory.addressOf(owner, SALT);
        (uint256 v, uint256 f) = _check(wallet, signDigest(ownerKey, HASH), makeAddr("nobody"), _deployCall());
        assertEq(v, 4, "not deployed");
        assertEq(f, 1, "a call to an address without code succeeds");
    }

    function _scripted(bytes memory answer, ScriptedWallet.Mode mode) internal returns (uint256 v) {
        (v,) = _check(address(new ScriptedWallet(answer, mode)), signDigest(ownerKey, HASH), address(0), "");
    }

    function testOddWalletAnswers() public {
        bytes32 magicWord = bytes32(bytes4(0x1626ba7e));
        ScriptedWallet.Mode answer = ScriptedWallet.Mode.Answer;
        assertEq(_scripted(abi.encode(magicWord), answer), 1, "exact magic word");
        assertEq(_scripted(abi.encodePacked(magicWord, uint256(0)), answer), 2, "64 bytes");
        assertEq(_scripted(abi.encodePacked(bytes4(0x1626ba7e)), answer), 2, "4 bytes");
        assertEq(_scripted(abi.encode(magicWord | bytes32(uint256(1))), answer), 2, "dirty low bytes");
        assertEq(_scripted(new bytes(0), answer), 2, "nothing");
        bytes memory big = new bytes(200_000);
        big[0] = 0x16;
        big[1] = 0x26;
        big[2] = 0xba;
        big[3] = 0x7e;
        assertEq(_scripted(big, answer), 2, "200 kB starting with the magic value");
        assertEq(_scripted(abi.encode(magicWord), ScriptedWallet.Mode.Revert), 3, "reverted");
    }

    function testWalletBurningAllGasStillGivesAVerdict() public {
        ScriptedWallet w = new ScriptedWallet(new bytes(0), ScriptedWallet.Mode.Burn);
        bytes memory sig = signDigest(ownerKey, HASH);
        // the gas an eth_call of the server gives (SIGCHECK_GAS in src/chain/sigcheck.h)
        (uint256 v,) = abi.decode(this.checkWithGas{gas: 10_000_000}(address(w), sig), (uint256, uint256));
        assertEq(v, 3, "out of gas counts as reverted");
    }

    function checkWithGas(address wallet, bytes memory sig) external returns (bytes memory) {
        return address(new WalletSignatureCheck(wallet, HASH, sig, address(0), "")).code;
    }
}
