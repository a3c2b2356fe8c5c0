/* PHEME's own small JSON Web Token module: HS256 only (RFC 7515 / 7519), keys chosen by id.
 *
 * Why not a library: Debian's libjwt 1.10 accepts whichever HMAC algorithm a token's header
 * names and cannot choose a key by id (DESIGN §3). Here the header is parsed first and must be
 * exactly {"alg":"HS256","kid":…} (with an optional "typ":"JWT", nothing else); the key is
 * looked up by kid in a keyring from configuration; the signature is compared in constant time;
 * only then is the payload read, strictly (one JSON object, duplicate keys rejected, exactly the
 * claims PHEME issues, each of the right type), and checked: iss, aud, exp, nbf, iat.
 *
 * Keys rotate: the first key of the ring signs; every key still listed verifies, so tokens made
 * with a retired key keep working until they expire or the key is removed from the list.
 *
 * Secrets never appear in error messages or logs. Every function is thread-safe; a keyring is
 * read-only after jwt_keyring_parse. */
#ifndef PHEME_AUTH_JWT_H
#define PHEME_AUTH_JWT_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define JWT_MAX_KEYS 8
#define JWT_KID_MAX 32         /* characters of a key id: letters, digits, '-', '_', '.' */
#define JWT_SECRET_MIN 32      /* bytes: HS256 wants a key at least as long as its output */
#define JWT_SECRET_MAX 128
#define JWT_MAX_LEN 2048       /* longest token jwt_verify looks at */
#define JWT_TEXT_MAX 1024      /* room jwt_sign needs for PHEME's claims */

typedef struct {
  char kid[JWT_KID_MAX + 1];
  uint8_t secret[JWT_SECRET_MAX];
  size_t len;
} jwt_key;

typedef struct {
  jwt_key keys[JWT_MAX_KEYS]; /* keys[0] signs */
  int n;
} jwt_keyring;

/* The claims of a PHEME access token. sub and sid travel as decimal strings. */
typedef struct {
  const char *iss;  /* the public URL */
  const char *aud;  /* "pheme-api" */
  int64_t sub;      /* user id, > 0 */
  int64_t sid;      /* session id, > 0 */
  int64_t rv;       /* the user's roles version when the token was made */
  int64_t iat, nbf, exp; /* Unix seconds */
} jwt_claims;

/* Reads "kid1:hexsecret,kid2:hexsecret" (spaces around items allowed). Kids are unique; each
 * secret is 32 to 128 bytes of hex. Returns 0, or PHEME_SYS_CONFIG with err naming the item by position or kid
 * (never the secret). */
pheme_err jwt_keyring_parse(jwt_keyring *ring, const char *spec, char *err, size_t errlen)
    PHEME_MUST_CHECK;
/* A ring of one random key (for a server started without configured keys). PHEME_SYS_IO when the kernel
 * gives no random bytes. */
pheme_err jwt_keyring_random(jwt_keyring *ring, const char *kid) PHEME_MUST_CHECK;
/* Wipes the secrets. */
void jwt_keyring_clear(jwt_keyring *ring);

/* Writes the signed token for c with the ring's first key into out (cap bytes, NUL-terminated).
 * Returns the length, or -1 when the ring is empty, a claim is missing or out does not fit. */
long jwt_sign(const jwt_keyring *ring, const jwt_claims *c, char *out, size_t cap) PHEME_MUST_CHECK;

/* Verifies token[0..n) at time now (Unix seconds) with leeway seconds of clock skew for nbf and
 * iat, for issuer iss and audience aud. Returns 0 with *out filled (out->iss and out->aud point
 * at the arguments), or PHEME_AUTH_INVALID with err saying why ("unknown key id 'k9'",
 * "token expired at 1700000000"). */
pheme_err jwt_verify(const jwt_keyring *ring, const char *token, size_t n, const char *iss,
                     const char *aud, int64_t now, int64_t leeway, jwt_claims *out, char *err,
                     size_t errlen) PHEME_MUST_CHECK;

#endif
