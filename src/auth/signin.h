/* Sign-In with Ethereum (EIP-4361) as PHEME checks it (DESIGN §5): the settings derived from
 * configuration, nonces, the message PHEME asks a wallet to sign, and the checks of a signed
 * message — everything except storage, so each rule is testable without a server. The nonce's
 * single use is the store's job (signin_job / store_wallet_link in store/auth_store.h).
 *
 * The clock is injected: every check takes `now` in Unix milliseconds. The server passes
 * signin_now_ms(), which is the wall clock, except in a build compiled with -DPHEME_TEST_CLOCK
 * where the environment variable PHEME_TEST_NOW (Unix milliseconds) replaces it. */
#ifndef PHEME_AUTH_SIGNIN_H
#define PHEME_AUTH_SIGNIN_H

#include <stddef.h>
#include <stdint.h>

#include "auth/jwt.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/err.h"
#include "eth/siwe.h"

#define SIGNIN_NONCE_BYTES 31      /* purpose, time, random, two tags: see signin_nonce_mint */
#define SIGNIN_NONCE_LEN 50        /* base32 (lowercase letters and 2-7) of those bytes */
#define SIGNIN_NONCE_ID 14         /* time + random: what a use of the nonce records */
#define SIGNIN_MAX_CHAINS 16
#define SIGNIN_MAX_SIG 16384       /* bytes of a contract wallet's (or ERC-6492) signature */
#define SIGNIN_AUDIENCE "pheme-api"
#define SIGNIN_SKEW_S 60           /* Issued At may be this far ahead of our clock */
#define SIGNIN_STATEMENT "Sign in to PHEME."
#define SIGNIN_LINK_STATEMENT "Link this wallet to my PHEME account."

/* What a nonce is for: a nonce issued for one purpose is not accepted for the other. */
typedef enum { SIGNIN_PURPOSE_SIGNIN = 0, SIGNIN_PURPOSE_LINK = 1 } signin_purpose;

/* Asks whether address, a contract wallet, accepts sig[0..n) for hash (EIP-1271, or ERC-6492 for
 * a wallet not deployed yet) on chain_id. Returns 0 when it does; PHEME_AUTH_INVALID when it does
 * not; PHEME_DATA_NOT_FOUND when address is no contract wallet (no code, no ERC-6492 wrapping);
 * PHEME_API_BAD_REQUEST for a malformed wrapping;
 * PHEME_SYS_IO when the chain could not be asked. err says why. Set by the server when a chain is
 * configured (src/api/auth.c, through src/chain/sigcheck.h); NULL: only EOA signatures. */
typedef pheme_err (*signin_contract_check)(void *ctx, const uint8_t address[20], uint64_t chain_id,
                                           const uint8_t hash[32], const uint8_t *sig, size_t n,
                                           char *err, size_t errlen);

typedef struct {
  jwt_keyring keys;
  signin_contract_check contract_check;
  void *contract_ctx;
  int random_keys;                 /* no jwt_keys configured: a key for this run only */
  char scheme[16];                 /* of public_url: "http", "https" */
  char domain[256];                /* authority of public_url: "pheme.example:8443" */
  char uri[2048];                  /* public_url without a trailing '/' */
  char issuer[2048];               /* public_url as configured: the tokens' iss */
  uint64_t chains[SIGNIN_MAX_CHAINS];
  int nchains;
  int64_t access_ttl_s, refresh_ttl_s, nonce_ttl_s;
  int cookies;
} signin_config;

/* Fills c from the configuration: keys from jwt_keys (a random one when empty), domain and URI
 * from public_url, the chain list, TTLs and caps. Returns 0, or PHEME_SYS_CONFIG (PHEME_SYS_IO for an unreadable key file) with err naming the key and
 * the bad value (never a secret). Release with signin_config_release. */
pheme_err signin_config_load(signin_config *c, const pheme_config *cfg, char *err, size_t errlen)
    PHEME_MUST_CHECK;
/* Wipes the keys. */
void signin_config_release(signin_config *c);
/* 1 when the chain id is in the allowed list. */
int signin_chain_allowed(const signin_config *c, uint64_t chain_id);
/* The allowed chain ids as "1, 8453" into out (for error messages). */
void signin_chains_text(const signin_config *c, char *out, size_t n);

/* The clock of sign-in and sessions, in Unix milliseconds (see above). */
int64_t signin_now_ms(void);

/* Nonces are stateless: issuing one writes nothing, so anonymous nonce requests cannot fill the
 * database. A nonce is the base32 text of
 *
 *   purpose (1) | issued at, Unix ms (6, big-endian) | random (7) | tag1 (8) | tag2 (9)
 *
 * tag1 = HMAC-SHA256(k, "pheme-siwe-nonce-1" | first 14 bytes)[0..8) proves the server made it;
 * tag2 = HMAC-SHA256(k, "pheme-siwe-nonce-2" | first 14 bytes | address | chain id)[0..9) binds
 * it to the address and chain, k being a JWT key (the signing one; any of the ring is accepted, so
 * nonces survive a key rotation). The first 14 bytes after the purpose byte's are the nonce's id:
 * its use is recorded once (auth_nonce_uses), keyed by time so expired records are swept by
 * range. Logout invalidates nonces issued before it through users.nonces_after. */
typedef struct {
  uint8_t id[SIGNIN_NONCE_ID]; /* issued-at (6) + random (7) + purpose (1) */
  int64_t issued_ms, expires_ms;
} signin_nonce_info;

/* Makes the nonce for address, chain_id and purpose at now_ms into out (SIGNIN_NONCE_LEN
 * characters and a NUL). -1 when the kernel gives no random bytes. */
int signin_nonce_mint(const signin_config *c, char out[SIGNIN_NONCE_LEN + 1],
                      const uint8_t address[20], uint64_t chain_id, signin_purpose purpose,
                      int64_t now_ms) PHEME_MUST_CHECK;

/* Opens nonce for a message of address on chain_id used for purpose at now_ms. Returns 0 with
 * *out filled, or the reason it cannot be used (an auth_fault of store/auth_store.h): UNKNOWN
 * (not made by this server), OTHER_ADDRESS (made for another address or chain id),
 * OTHER_PURPOSE, EXPIRED. Whether it was used already is the store's to say. */
int signin_nonce_open(const signin_config *c, const char *nonce, const uint8_t address[20],
                      uint64_t chain_id, signin_purpose purpose, int64_t now_ms,
                      signin_nonce_info *out);

/* The fields of a rendered message that the nonce's answer repeats. */
typedef struct {
  char address[ADDRESS_TEXT];             /* EIP-55 */
  char issued_at[SIWE_TIME_TEXT], expiration_time[SIWE_TIME_TEXT];
} signin_fields;

/* Appends to out the EIP-4361 message for address on chain_id with nonce, issued at now_ms and
 * expiring at now_ms + nonce TTL, with the statement of purpose; fills f (if not NULL) with its
 * address and times as written. Returns 0, or an error from siwe_render (PHEME_SYS_NOMEM when
 * out's cap is reached). */
pheme_err signin_message(buf *out, signin_fields *f, const signin_config *c, const uint8_t address[20],
                         uint64_t chain_id, const char *nonce, signin_purpose purpose,
                         int64_t now_ms) PHEME_MUST_CHECK;

/* Checks a signed message at now_ms: strict EIP-4361 parse; scheme (when given), domain and URI
 * equal to ours; an allowed chain id; Issued At / Not Before / Expiration Time; the signature
 * ("0x" + 130 hex digits, v 27/28 or 0/1) recovers under EIP-191 with a low s to the message's
 * address — or, when it does not and contract_check is set, the message's address is a contract
 * wallet that accepts the signature (then the signature may have any length up to
 * SIGNIN_MAX_SIG bytes). Does not look at the nonce beyond the parser's syntax (the store
 * consumes it). PHEME_SYS_IO when a contract wallet's chain could not be asked.
 * Returns 0 with *m filled (strings in a), PHEME_API_BAD_REQUEST for a malformed message or
 * signature, PHEME_AUTH_INVALID for one that does not verify; err quotes the subject. */
pheme_err signin_check(const signin_config *c, arena *a, const char *message, size_t n,
                       const char *signature, int64_t now_ms, siwe_message *m, char *err,
                       size_t errlen) PHEME_MUST_CHECK;

#endif
