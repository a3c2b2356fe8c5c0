/* The tokens of a PHEME session: the short-lived access JWT (claims of DESIGN §5), the refresh
 * token and the CSRF token of cookie mode.
 *
 * A refresh token is "phr_" + base64url of 32 bytes: its session's id (8 bytes, big-endian) and
 * 24 random bytes (192 bits), the secret. It is shown once; the server keeps only its key, the
 * SHA-256 of the secret, in the session's row (store/auth_store.h). The id lets a refresh find
 * its session by primary key, so a sign-in writes no row of its own for its token. Tokens of the
 * earlier formats name no session and are refused as unknown: their holders sign in again.
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

#define SESSION_REFRESH_SECRET 24
/* A new secret for a refresh token and its key. -1 when the kernel gives no random bytes. */
int session_refresh_secret(uint8_t secret[SESSION_REFRESH_SECRET], uint8_t key[32]) PHEME_MUST_CHECK;
/* The text of session sid's refresh token with secret. */
void session_refresh_text(char out[SESSION_REFRESH_TEXT], int64_t sid,
                          const uint8_t secret[SESSION_REFRESH_SECRET]);
/* The session id and key of a refresh token's text; -1 when the text is not shaped like one (so
 * nothing is looked up). */
int session_refresh_parse(const char *text, int64_t *sid, uint8_t key[32]) PHEME_MUST_CHECK;
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
