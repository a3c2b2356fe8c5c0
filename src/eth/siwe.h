/* Sign-In with Ethereum (EIP-4361) messages: a strict parser and a renderer for the whole ABNF.
 *
 *   [scheme "://"] domain " wants you to sign in with your Ethereum account:" LF
 *   address LF LF [statement LF] LF
 *   "URI: " uri LF "Version: 1" LF "Chain ID: " chain-id LF "Nonce: " nonce LF
 *   "Issued At: " date-time [LF "Expiration Time: " date-time] [LF "Not Before: " date-time]
 *   [LF "Request ID: " *pchar] [LF "Resources:" *(LF "- " uri)]
 *
 * Strict means: fields in this order and no other lines, no trailing newline, no CR; the domain
 * an RFC 3986 authority (IPv6 literals and ports included) with a non-empty host and a port of
 * at most 65535; the address in its exact EIP-55 form; the statement one line of the EIP's
 * characters (RFC 3986 reserved / unreserved and space); URIs per RFC 3986; version 1; a chain
 * id without leading zeros that fits 64 bits; a nonce of at least 8 letters and digits; times
 * in RFC 3339 with real calendar dates (no Feb 30, month 13, hour 24, second 60, offset +24:00).
 * Errors quote the offending line or value.
 *
 * siwe_render(siwe_parse(m)) reproduces m byte for byte: times are kept as their text.
 * Checking the times against a clock is siwe_check_time; nonces and domains are the caller's. */
#ifndef PHEME_ETH_SIWE_H
#define PHEME_ETH_SIWE_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "eth/address.h"

#define SIWE_MAX_LEN 65536    /* longest message siwe_parse accepts */
#define SIWE_MAX_RESOURCES 256
#define SIWE_TIME_TEXT 32     /* room for siwe_time_format's output */

typedef struct {
  int64_t sec;   /* unix seconds, UTC */
  uint32_t nsec; /* fraction, nanoseconds (digits past the ninth are dropped) */
} siwe_time;

typedef struct {
  const char *scheme;     /* NULL when absent */
  const char *domain;
  char address[ADDRESS_TEXT];
  uint8_t address_bytes[ADDRESS_LEN];
  const char *statement;  /* NULL when absent; never "" */
  const char *uri;
  const char *version;    /* "1" */
  uint64_t chain_id;
  const char *nonce;
  const char *issued_at;  /* RFC 3339 text, as written */
  siwe_time issued_at_time;
  const char *expiration_time; /* NULL when absent */
  siwe_time expiration;
  const char *not_before;      /* NULL when absent */
  siwe_time not_before_time;
  const char *request_id;      /* NULL when absent; may be "" */
  int has_resources;           /* the "Resources:" line is present (possibly with no items) */
  const char *const *resources;
  size_t n_resources;
} siwe_message;

/* Parses msg[0..n) into *out; strings are copied into a. Returns 0, or PHEME_DATA_INVALID with
 * *err saying what is wrong and where ("line 6: expected 'Version: 1', found 'Version: 2'");
 * PHEME_SYS_NOMEM when the arena is exhausted. */
pheme_err siwe_parse(arena *a, const char *msg, size_t n, siwe_message *out, pheme_error *err)
    PHEME_MUST_CHECK;

/* Validates the fields of m as siwe_parse would (address_bytes and the parsed times are not
 * read: the text fields are) and appends the message text. Returns 0, or PHEME_DATA_INVALID with
 * *err set (PHEME_SYS_NOMEM when the buffer's cap is reached). */
pheme_err siwe_render(buf *out, const siwe_message *m, pheme_error *err) PHEME_MUST_CHECK;

/* Parses an RFC 3339 date-time (s[0..n)) to UTC. PHEME_DATA_INVALID with *err set. */
pheme_err siwe_time_parse(siwe_time *out, const char *s, size_t n, pheme_error *err) PHEME_MUST_CHECK;
/* Writes t as "YYYY-MM-DDTHH:MM:SS.mmmZ" (milliseconds, as JavaScript's toISOString) into out
 * (SIWE_TIME_TEXT bytes); years 0..9999 only, else "" is written and -1 returned. */
int siwe_time_format(char out[SIWE_TIME_TEXT], siwe_time t);

/* Checks the message's times against now: expired when now >= Expiration Time, not yet valid
 * when now < Not Before, and issued in the future when Issued At > now + skew_sec. Returns 0,
 * or PHEME_AUTH_INVALID with *err naming the failing field and its time. */
pheme_err siwe_check_time(const siwe_message *m, siwe_time now, int64_t skew_sec, pheme_error *err)
    PHEME_MUST_CHECK;

/* RFC 3986 checks used by the parser, exposed for the server's configuration checks:
 * 1 when s[0..n) is a URI (absolute, with scheme), or an authority with a non-empty host. */
int siwe_uri_valid(const char *s, size_t n);
int siwe_authority_valid(const char *s, size_t n);

#endif
