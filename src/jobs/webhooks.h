/* Webhook delivery (docs/internals/events.md): the job kind "webhook.deliver" that POSTs one
 * event to one webhook, signed, through libcurl; the check of a webhook's target against
 * server-side request forgery; the signature.
 *
 * Signature (like Stripe's): the header
 *   Pheme-Signature: t=<Unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 * where secret is the whole "whsec_…" text shown when the webhook was made. A receiver
 * recomputes v1 over the bytes it received and refuses a t too far from its clock.
 *
 * Targets: http or https, no user name or password in the URL, a host whose every address (as
 * resolved now) is public: not loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7),
 * link-local (169.254/16 — the cloud metadata address —, fe80::/10), carrier-grade NAT
 * (100.64/10), unspecified, multicast, broadcast, reserved or documentation ranges, nor an IPv4
 * address mapped into IPv6. The delivery connects to the address it checked (CURLOPT_RESOLVE), and
 * checks again each socket it opens; redirects are never followed (a 3xx is a failed attempt);
 * no proxy is used. webhooks_allow_private lifts the address rule (tests, development). */
#ifndef PHEME_JOBS_WEBHOOKS_H
#define PHEME_JOBS_WEBHOOKS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/config.h"
#include "core/err.h"

#define WEBHOOK_JOB_KIND "webhook.deliver"
#define WEBHOOK_SIGNATURE_HEADER "Pheme-Signature"

/* Whether a socket address is one a webhook may reach (see above). */
int webhook_addr_public(const struct sockaddr *sa);

/* A checked target: the URL's host and port, and the address to connect to. */
typedef struct {
  char host[256];
  int port;
  char addr[64]; /* numeric, IPv6 without brackets */
} webhook_target;

#define WEBHOOK_URL_MAX 2048

/* The parse alone (no resolution): scheme http(s), no credentials, a host (IPv6 without
 * brackets) and port 1..65535 (the scheme's default when absent). Returns 0, or
 * PHEME_API_BAD_REQUEST with msg saying why. */
pheme_err webhook_url_split(const char *url, webhook_target *out, char *msg, size_t msglen)
    PHEME_MUST_CHECK;
/* Parses url (webhook_url_split) and resolves its host; refuses (PHEME_API_BAD_REQUEST, msg saying why and naming
 * the address) a URL of another scheme, with credentials, without a host, or whose host has an
 * address that is not public (unless allow_private). */
pheme_err webhook_target_check(const char *url, int allow_private, webhook_target *out, char *msg,
                               size_t msglen) PHEME_MUST_CHECK;

/* out (65 bytes) = hex HMAC-SHA256(secret, "<t>.<body>"). */
void webhook_sign(const char *secret, int64_t t, const char *body, size_t len, char out[65]);

/* Registers "webhook.deliver" with the settings of cfg (attempts, timeout, allow_private).
 * Returns 0, or -1 when the table of kinds is full. */
int webhooks_register(const pheme_config *cfg) PHEME_MUST_CHECK;

#endif
