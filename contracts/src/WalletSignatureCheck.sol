// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title WalletSignatureCheck
/// @notice Checks a contract wallet's ERC-1271 signature in one `eth_call`, whether or not the wallet
///         is deployed yet (ERC-6492). It is never deployed: the PHEME server sends this contract's
///         creation code followed by the constructor arguments as an `eth_call` without `to`
///         (src/chain/sigcheck.c). The constructor deploys the wallet through its factory when the
///         wallet has no code, asks the wallet, and returns its verdict as the "runtime code" of the
///         contract it would create. An `eth_call` keeps no state, so nothing is ever deployed.
/// @dev The answer is always exactly 64 bytes, abi.encode(uint256 verdict, uint256 factoryCall):
///      verdict VALID / REFUSED / WALLET_REVERTED / NOT_DEPLOYED below; factoryCall 0 when the
///      factory was not called, 1 when its call succeeded, 2 when it reverted. The first byte of the
///      answer is 0x00, so EIP-3541 (no code starting with 0xEF) never refuses it.
///      The server parses the ERC-6492 wrapping itself (strict ABI decoding) and passes the parts,
///      so this contract decodes nothing a user sent beyond its own constructor arguments.
contract WalletSignatureCheck {
    /// @notice isValidSignature answered exactly the ERC-1271 magic value in a 32-byte word.
    uint256 internal constant VALID = 1;
    /// @notice isValidSignature answered something else (another value, or not 32 bytes).
    uint256 internal constant REFUSED = 2;
    /// @notice isValidSignature reverted (or ran out of gas).
    uint256 internal constant WALLET_REVERTED = 3;
    /// @notice The wallet had no code, and still has none after the factory call.
    uint256 internal constant NOT_DEPLOYED = 4;

    uint256 internal constant FACTORY_NOT_CALLED = 0;
    uint256 internal constant FACTORY_OK = 1;
    uint256 internal constant FACTORY_REVERTED = 2;

    /// @dev ERC-1271: bytes4(keccak256("isValidSignature(bytes32,bytes)")).
    bytes4 internal constant ERC1271_MAGIC = 0x1626ba7e;

    /// @param wallet the address that signed (the SIWE message's address)
    /// @param hash the digest the wallet signed (EIP-191 hash of the message)
    /// @param signature the wallet's own signature, unwrapped from ERC-6492
    /// @param factory the ERC-6492 factory (or "prepare" target)
    /// @param factoryCalldata what to call it with
    constructor(address wallet, bytes32 hash, bytes memory signature, address factory, bytes memory factoryCalldata) {
        bytes memory question = abi.encodeWithSelector(ERC1271_MAGIC, hash, signature);
        uint256 verdict;
        uint256 factoryCall = FACTORY_NOT_CALLED;
        if (wallet.code.length == 0) {
            factoryCall = _call(factory, factoryCalldata) ? FACTORY_OK : FACTORY_REVERTED;
            verdict = wallet.code.length == 0 ? NOT_DEPLOYED : _ask(wallet, question);
        } else {
            // Already deployed: the signature may predate the deployment, so ask the wallet as it is
            // now. ERC-6492 also lets a deployed wallet that cannot check yet carry a "prepare" call
            // (a migration, an update) in the wrapping: when the wallet says no, make that call and
            // ask once more. A factory that refuses to deploy twice just reverts here, harmlessly.
            verdict = _ask(wallet, question);
            if (verdict != VALID) {
                factoryCall = _call(factory, factoryCalldata) ? FACTORY_OK : FACTORY_REVERTED;
                verdict = _ask(wallet, question);
            }
        }
        assembly ("memory-safe") {
            mstore(0, verdict)
            mstore(32, factoryCall)
            return(0, 64)
        }
    }

    // Both calls below are made in assembly with at most three quarters of the gas left (not all but
    // 1/64 of it) and without copying what the callee returns: a factory or wallet that burns all the
    // gas it is given (a CREATE2 collision does) or answers with megabytes cannot make this
    // constructor fail, so every outcome reaches the server as a verdict.

    function _call(address target, bytes memory data) private returns (bool ok) {
        uint256 g = gasleft() / 4 * 3;
        assembly ("memory-safe") {
            ok := call(g, target, 0, add(data, 32), mload(data), 0, 0)
        }
    }

    /// @dev Only the exact magic word counts: a wallet answering more or fewer than 32 bytes, or the
    ///      magic value with dirty low-order bytes, has not said yes.
    function _ask(address wallet, bytes memory question) private view returns (uint256) {
        uint256 g = gasleft() / 4 * 3;
        bool ok;
        uint256 size;
        bytes32 word;
        assembly ("memory-safe") {
            ok := staticcall(g, wallet, add(question, 32), mload(question), 0, 32)
            size := returndatasize()
            word := mload(0)
        }
        if (!ok) return WALLET_REVERTED;
        return size == 32 && word == bytes32(ERC1271_MAGIC) ? VALID : REFUSED;
    }
}
