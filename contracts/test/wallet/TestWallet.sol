// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title TestWallet
/// @notice TEST ONLY. The smallest ERC-1271 contract wallet: one owner key, and a signature is valid
///         when it is a 65-byte r ‖ s ‖ v signature of the hash by that owner. Used by the server's
///         contract-wallet sign-in tests (tests/chain/test_sigcheck.c) and WalletSignatureCheck.t.sol.
contract TestWallet {
    bytes4 internal constant ERC1271_MAGIC = 0x1626ba7e;

    address public immutable owner;

    constructor(address owner_) {
        owner = owner_;
    }

    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        if (signature.length != 65) return 0xffffffff;
        bytes32 r = bytes32(signature[0:32]);
        bytes32 s = bytes32(signature[32:64]);
        uint8 v = uint8(signature[64]);
        address signer = ecrecover(hash, v, r, s);
        return signer != address(0) && signer == owner ? ERC1271_MAGIC : bytes4(0xffffffff);
    }
}

/// @title TestWalletFactory
/// @notice TEST ONLY. Deploys TestWallets with CREATE2, so a wallet's address is known (addressOf)
///         before it exists: the counterfactual wallet of ERC-6492.
contract TestWalletFactory {
    event WalletDeployed(address indexed wallet, address indexed owner, bytes32 salt);

    /// @notice Deploys the wallet of (owner, salt); reverts when it is already deployed.
    function deploy(address owner, bytes32 salt) external returns (address wallet) {
        wallet = address(new TestWallet{salt: salt}(owner));
        emit WalletDeployed(wallet, owner, salt);
    }

    /// @notice The address deploy(owner, salt) gives, deployed or not.
    function addressOf(address owner, bytes32 salt) external view returns (address) {
        bytes32 initHash = keccak256(abi.encodePacked(type(TestWallet).creationCode, abi.encode(owner)));
        return address(uint160(uint256(keccak256(abi.encodePacked(bytes1(0xff), address(this), salt, initHash)))));
    }
}
