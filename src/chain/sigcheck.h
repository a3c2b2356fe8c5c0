/* Contract-wallet signatures for sign-in. A SIWE signature that does not recover (EIP-191) to
 * the message's address may still be the address's own: the address is a contract wallet and
 * says so through EIP-1271 isValidSignature, asked with eth_call; or it is a wallet not deployed
 * yet, and the signature is ERC-6492 wrapped (its factory call and the wallet's signature
 * together), checked with one "deployless" eth_call that runs contracts/src/
 * WalletSignatureCheck.sol's creation code: it deploys the wallet inside the call, asks it, and
 * returns a verdict. An eth_call keeps no state: nothing is ever deployed, nothing is paid.
 *
 * The caller does the EOA recovery first; this module answers only for contract wallets.
 * Design notes, limits and what the node must support: docs/internals/contract-wallets.md. */
#ifndef PHEME_CHAIN_SIGCHECK_H
#define PHEME_CHAIN_SIGCHECK_H

#include <stddef.h>
#include <stdint.h>

#include "chain/rpc.h"
#include "core/arena.h"
#include "core/err.h"

/* Longest signature accepted, wrapped or not (bytes). It keeps a deployless call's creation code
 * far below the EVM's initcode cap (EIP-3860: 49152 bytes). */
#define SIGCHECK_MAX_SIG 16384
/* Gas given to each eth_call (isValidSignature, or the whole ERC-6492 check). */
#define SIGCHECK_GAS 10000000

typedef enum {
  SIGCHECK_VALID = 1,     /* the wallet accepts the signature for the hash */
  SIGCHECK_INVALID,       /* the wallet (deployed or counterfactual) does not: why says how */
  SIGCHECK_NOT_CONTRACT,  /* no code at the address and no ERC-6492 wrapping: only EOA
                           * recovery can speak for this address */
} sigcheck_verdict;

typedef struct {
  sigcheck_verdict verdict;
  int erc6492;    /* 1 when the signature was ERC-6492 wrapped */
  char why[320];  /* for every verdict but VALID and for every error: lowercase, quotes the
                   * address and, for a node failure, the node's message */
} sigcheck_result;

/* An ERC-6492 signature unwrapped: abi.encode(address factory, bytes factoryCalldata,
 * bytes signature) || magic suffix. The pointers are into the caller's arena. */
typedef struct {
  uint8_t factory[20];
  const uint8_t *factory_calldata;
  size_t factory_calldata_len;
  const uint8_t *signature;
  size_t signature_len;
} sigcheck_6492;

/* 1 when sig[0..n) ends with the ERC-6492 magic suffix (32 bytes of 0x6492 repeated). */
int sigcheck_is_6492(const uint8_t *sig, size_t n);

/* Unwraps an ERC-6492 signature: the suffix, then a strict ABI decoding of (address, bytes,
 * bytes) of everything before it (canonical offsets and padding, nothing left over; see
 * eth/abi.h). Returns 0 with *out filled from a, PHEME_DATA_INVALID with why (whylen bytes)
 * saying what is wrong (no suffix, longer than SIGCHECK_MAX_SIG, does not decode), or
 * PHEME_SYS_NOMEM when the arena is exhausted. */
pheme_err sigcheck_unwrap_6492(arena *a, const uint8_t *sig, size_t n, sigcheck_6492 *out,
                               char *why, size_t whylen) PHEME_MUST_CHECK;

/* Decides whether signer, a contract wallet, signed hash with sig[0..sig_len), asking the node
 * behind rpc (at block "latest", SIGCHECK_GAS gas per call):
 *   1. sig ends with the ERC-6492 suffix: unwrap it, then one deployless eth_call of
 *      WalletSignatureCheck, which deploys the wallet through the factory when it has no code
 *      (and, for a deployed wallet that says no, makes the factory call as an ERC-6492
 *      "prepare" call and asks again);
 *   2. else eth_getCode(signer): with code, eth_call isValidSignature(hash, sig) on it, valid
 *      only for exactly the 32-byte word 0x1626ba7e00…00;
 *   3. else SIGCHECK_NOT_CONTRACT.
 * Returns 0 with res->verdict set (a revert, an out-of-gas or a wrong answer of the wallet is
 * SIGCHECK_INVALID, never an error). Errors, with res->why saying what happened:
 *   PHEME_API_BAD_REQUEST  sig longer than SIGCHECK_MAX_SIG, or a malformed ERC-6492 wrapping
 *                          (the client's fault: answer 400);
 *   PHEME_SYS_IO           the node is unreachable, failed, refused the call or answered
 *                          something that is not an answer (answer 503: the signature may be
 *                          good, we could not tell);
 *   PHEME_SYS_NOMEM        the arena is exhausted.
 * Allocations come from a (the request's arena); nothing else is kept. rpc is used by this
 * thread only (see rpc.h); its max_response_bytes bounds every answer. */
pheme_err sigcheck_verify(rpc_client *rpc, arena *a, const uint8_t signer[20],
                          const uint8_t hash[32], const uint8_t *sig, size_t sig_len,
                          sigcheck_result *res) PHEME_MUST_CHECK;

/* --- the sign-in hook ---------------------------------------------------------------------
 * sigcheck_signin has the type of signin_contract_check (auth/signin.h), so the server sets
 *   signin.contract_check = sigcheck_signin; signin.contract_ctx = &its_sigcheck_signin_ctx;
 * It may be called from any thread: each call makes its own RPC client from the context
 * (contract-wallet sign-ins are rare; a client per call needs no lock across the server's
 * request threads) and frees it before returning. */

#define SIGCHECK_MAX_ENDPOINTS 16

typedef struct {
  char *endpoints[SIGCHECK_MAX_ENDPOINTS]; /* copies, freed by sigcheck_signin_release */
  int n;
  rpc_options options; /* options.expected_chain_id: the chain the endpoints serve (0: the
                        * message's chain id is expected of them) */
} sigcheck_signin_ctx;

/* Copies endpoints[0..n) and *o (NULL: rpc defaults) into ctx, after checking that a client can
 * be made of them. Returns 0, or -1 with err naming the problem (no endpoint, too many, a bad
 * URL or option, no memory). Release with sigcheck_signin_release. */
pheme_err sigcheck_signin_init(sigcheck_signin_ctx *ctx, const char *const *endpoints, int n,
                         const rpc_options *o, char *err, size_t errlen) PHEME_MUST_CHECK;
void sigcheck_signin_release(sigcheck_signin_ctx *ctx);

/* signin_contract_check over sigcheck_verify: ctx is a sigcheck_signin_ctx. Returns 0 when
 * the wallet accepts sig for hash; PHEME_AUTH_INVALID when it does not, or when chain_id is not
 * the context's chain (a wallet on another chain cannot be asked); PHEME_DATA_NOT_FOUND when
 * address is no contract wallet; PHEME_API_BAD_REQUEST, PHEME_SYS_IO, PHEME_SYS_NOMEM as
 * sigcheck_verify (and PHEME_SYS_INTERNAL when no client can be made). err gets the reason. */
pheme_err sigcheck_signin(void *ctx, const uint8_t address[20], uint64_t chain_id,
                          const uint8_t hash[32], const uint8_t *sig, size_t n, char *err,
                          size_t errlen) PHEME_MUST_CHECK;

#endif
