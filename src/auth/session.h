/* The tokens of a PHEME session: the short-lived access JWT (claims of DESIGN §5), the refresh
 * token and the CSRF token of cookie mode.
 *
 * A refresh token is "phr_" + base64url of 32 bytes: its issue time (6 bytes, Unix ms, big-endian)
 * and 26 random bytes (208 bits). It is shown once and stored only as its key: the same 6 time
 * bytes, then the first 26 bytes of SHA-256 of the token's text. Time first makes the table of
 * tokens (keyed by that) grow at its end like a log, so a sign-in writes its last page — shared
 * with the sign-ins committed with it — instead of a random page of a large b-tree; the hash
 * part keeps a stolen table useless. Tokens from before this format (random throughout) look up
 * under another key and are refused as unknown: their holders sign in again.
 * Storage of sessions is store/auth_store.h; the checks on each request are api/auth.c. */
#ifndef PHEME_AUTH_SESSION_H
#define PHEME_AUTH_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "auth/signin.h"
#include "core/err.h"

#define SESSION_REFRESH_PREFIX "phr_"
#define SESSION_REFRESH_TEXT 48 /* "phr_" + 43 base64url characters + NUL */
#define SESSION_CSRF_TEXT 44    /* 43 base64url characters + NUL */

/* A new refresh token issued at now_ms (text shown once) and its stored key. -1 when the kernel
 * gives no random bytes. */
int session_refresh_new(char out[SESSION_REFRESH_TEXT], uint8_t hash[32], int64_t now_ms) PHEME_MUST_CHECK;
/* The stored key of a refresh token's text; -1 when the text is not shaped like one (so it is
 * never looked up). */
int session_refresh_hash(const char *text, uint8_t hash[32]) PHEME_MUST_CHECK;
/* A new CSRF token. -1 when the kernel gives no random bytes. */
int session_csrf_new(char out[SESSION_CSRF_TEXT]) PHEME_MUST_CHECK;
/* The access token of session sid for user_id under roles version rv, made at now_ms and valid
 * for the configured access TTL. Returns its length, or -1 when out (cap bytes) is too small. */
long session_access_token(const signin_config *c, int64_t user_id, int64_t sid, int64_t rv,
                          int64_t now_ms, char *out, size_t cap) PHEME_MUST_CHECK;
/* Verifies an access token at now_ms against c (issuer, audience, keys). */
pheme_err session_access_verify(const signin_config *c, const char *token, int64_t now_ms,
                                jwt_claims *out, char *err, size_t errlen) PHEME_MUST_CHECK;

#endif
