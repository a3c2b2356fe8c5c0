/* Webhook delivery: the "webhook.deliver" job, the target check and the signature (webhooks.h). */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <jansson.h>
#include <netdb.h>
#include <netinet/in.h>
#include <nettle/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/log.h"
#include "core/util.h"
#include "jobs/fanout.h"
#include "jobs/jobs.h"
#include "jobs/webhooks.h"
#include "store/events.h"
#include "core/banned.h"

#define RESPONSE_KEEP 512 /* bytes of a receiver's answer kept for the delivery log */

static int v4_public(uint32_t a) {
  uint8_t b0 = (uint8_t)(a >> 24), b1 = (uint8_t)(a >> 16), b2 = (uint8_t)(a >> 8);
  if (b0 == 0 || b0 == 10 || b0 == 127) return 0;               /* this network, private, loopback */
  if (b0 == 169 && b1 == 254) return 0;                         /* link-local (metadata) */
  if (b0 == 172 && (b1 & 0xf0) == 16) return 0;                 /* private */
  if (b0 == 192 && b1 == 168) return 0;                         /* private */
  if (b0 == 100 && (b1 & 0xc0) == 64) return 0;                 /* carrier-grade NAT */
  if (b0 == 192 && b1 == 0 && (b2 == 0 || b2 == 2)) return 0;   /* IETF, TEST-NET-1 */
  if (b0 == 198 && (b1 == 18 || b1 == 19)) return 0;            /* benchmarking */
  if (b0 == 198 && b1 == 51 && b2 == 100) return 0;             /* TEST-NET-2 */
  if (b0 == 203 && b1 == 0 && b2 == 113) return 0;              /* TEST-NET-3 */
  if (b0 >= 224) return 0;                                      /* multicast, reserved, broadcast */
  return 1;
}

int webhook_addr_public(const struct sockaddr *sa) {
  if (sa->sa_family == AF_INET)
    return v4_public(ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr));
  if (sa->sa_family != AF_INET6) return 0;
  const uint8_t *b = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
  static const uint8_t zero[16];
  if (memcmp(b, zero, 15) == 0 && (b[15] == 0 || b[15] == 1)) return 0; /* :: and ::1 */
  if (memcmp(b, zero, 10) == 0 && b[10] == 0xff && b[11] == 0xff) return 0; /* IPv4-mapped */
  if (memcmp(b, zero, 12) == 0) return 0;                  /* IPv4-compatible (deprecated) */
  if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b) return 0; /* NAT64 */
  if ((b[0] & 0xfe) == 0xfc) return 0;                     /* unique local */
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return 0;     /* link-local */
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return 0;     /* site-local (deprecated) */
  if (b[0] == 0xff) return 0;                              /* multicast */
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return 0; /* documentation */
  if (b[0] == 0x20 && b[1] == 0x02) return 0;              /* 6to4 (embeds any IPv4) */
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0) return 0; /* Teredo */
  return 1;
}

pheme_err webhook_url_split(const char *url, webhook_target *out, char *msg, size_t msglen) {
  memset(out, 0, sizeof *out);
  if (strlen(url) > WEBHOOK_URL_MAX) {
    snprintf(msg, msglen, "webhook url is over %d bytes", WEBHOOK_URL_MAX);
    return PHEME_API_BAD_REQUEST;
  }
  CURLU *u = curl_url();
  char *scheme = NULL, *host = NULL, *port = NULL, *usr = NULL, *pass = NULL;
  pheme_err e = PHEME_API_BAD_REQUEST;
  if (!u) return pheme_fail(PHEME_SYS_NOMEM, msg, msglen, "out of memory");
  if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
    snprintf(msg, msglen, "webhook url '%.200s' is not a URL", url);
    goto out;
  }
  if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
      (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0)) {
    snprintf(msg, msglen, "webhook url '%.200s' must be http or https", url);
    goto out;
  }
  if (curl_url_get(u, CURLUPART_USER, &usr, 0) == CURLUE_OK ||
      curl_url_get(u, CURLUPART_PASSWORD, &pass, 0) == CURLUE_OK) {
    snprintf(msg, msglen, "webhook url '%.200s' may not hold a user name or password", url);
    goto out;
  }
  if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host[0] ||
      curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK) {
    snprintf(msg, msglen, "webhook url '%.200s' has no host", url);
    goto out;
  }
  /* the host as it is looked up: IPv6 literals come in brackets */
  size_t hl = strlen(host);
  if (host[0] == '[' && hl >= 2 && host[hl - 1] == ']') {
    memmove(host, host + 1, hl - 2);
    host[hl - 2] = 0;
  }
  long p = strtol(port, NULL, 10);
  /* an IPv6 zone is never a public address; a host too long to be one is refused too */
  if (strchr(host, '%') || !host[0] || strlen(host) >= sizeof out->host || p < 1 || p > 65535) {
    snprintf(msg, msglen, "webhook url '%.200s' names a host that cannot be reached from here", url);
    goto out;
  }
  snprintf(out->host, sizeof out->host, "%s", host);
  out->port = (int)p;
  e = PHEME_OK;
out:
  curl_free(scheme);
  curl_free(host);
  curl_free(port);
  curl_free(usr);
  curl_free(pass);
  curl_url_cleanup(u);
  return e;
}

pheme_err webhook_target_check(const char *url, int allow_private, webhook_target *out, char *msg,
                               size_t msglen) {
  pheme_err e = webhook_url_split(url, out, msg, msglen);
  if (e) return e;
  char port[8];
  snprintf(port, sizeof port, "%d", out->port);
  struct addrinfo hints, *res = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_socktype = SOCK_STREAM;
  int rc = getaddrinfo(out->host, port, &hints, &res);
  if (rc || !res) {
    snprintf(msg, msglen, "webhook host '%.200s' does not resolve (%s)", out->host, gai_strerror(rc));
    return PHEME_API_BAD_REQUEST;
  }
  for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
    char text[64] = "?";
    if (ai->ai_family == AF_INET)
      inet_ntop(AF_INET, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, text, sizeof text);
    else if (ai->ai_family == AF_INET6)
      inet_ntop(AF_INET6, &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr, text, sizeof text);
    else
      continue;
    /* every address must pass: one good address beside a bad one could be swapped for it by
     * whoever answers the name (DNS rebinding) */
    if (!allow_private && !webhook_addr_public(ai->ai_addr)) {
      snprintf(msg, msglen,
               "webhook host '%.200s' resolves to %s, which is not a public address (loopback, "
               "private, link-local or reserved)",
               out->host, text);
      e = PHEME_API_BAD_REQUEST;
      break;
    }
    if (!out->addr[0]) snprintf(out->addr, sizeof out->addr, "%s", text);
  }
  freeaddrinfo(res);
  if (!e && !out->addr[0]) {
    snprintf(msg, msglen, "webhook host '%.200s' has no IPv4 or IPv6 address", out->host);
    e = PHEME_API_BAD_REQUEST;
  }
  return e;
}

void webhook_sign(const char *secret, int64_t t, const char *body, size_t len, char out[65]) {
  struct hmac_sha256_ctx c;
  hmac_sha256_set_key(&c, strlen(secret), (const uint8_t *)secret);
  char ts[32];
  int n = snprintf(ts, sizeof ts, "%lld.", (long long)t);
  hmac_sha256_update(&c, (size_t)n, (const uint8_t *)ts);
  hmac_sha256_update(&c, len, (const uint8_t *)body);
  uint8_t mac[SHA256_DIGEST_SIZE];
  hmac_sha256_digest(&c, sizeof mac, mac);
  bytes_to_hex(out, mac, sizeof mac);
}

/* ---- the job ---- */

typedef struct {
  int allow_private;
  long timeout_ms;
} deliver_cfg;

static deliver_cfg dcfg;

typedef struct {
  char text[RESPONSE_KEEP + 1];
  size_t len;
} answer;

static size_t keep_answer(char *p, size_t size, size_t n, void *ctx) {
  answer *a = ctx;
  size_t got = size * n, room = RESPONSE_KEEP - a->len;
  if (room > got) room = got;
  memcpy(a->text + a->len, p, room);
  a->len += room;
  a->text[a->len] = 0;
  return got;
}

/* Every socket the delivery opens is checked again: whatever curl was told, it connects only to
 * a public address. */
static curl_socket_t open_checked(void *ctx, curlsocktype purpose, struct curl_sockaddr *a) {
  const deliver_cfg *c = ctx;
  (void)purpose;
  if (!c->allow_private && !webhook_addr_public(&a->addr)) return CURL_SOCKET_BAD;
  return socket(a->family, a->socktype, a->protocol);
}

static void log_delivery(jobs_run *run, int64_t hook, int64_t event, const char *outcome, int status,
                         const char *error, int64_t started) {
  webhook_delivery d = {0, hook, event, run->claim->attempt, outcome, status, error,
                        time_now_ms() - started, time_now_ms()};
  if (store_webhook_delivery_add(run->store, &d))
    log_warn("webhook %lld: the delivery log row of event %lld was not written", (long long)hook,
             (long long)event);
}

static pheme_err deliver(jobs_run *run, void *ctx) {
  const deliver_cfg *c = ctx;
  json_t *p = json_loads(run->claim->payload, 0, NULL);
  json_int_t hook = p ? json_integer_value(json_object_get(p, "webhook")) : 0;
  json_int_t event = p ? json_integer_value(json_object_get(p, "event")) : 0;
  json_decref(p);
  if (hook <= 0 || event <= 0) {
    snprintf(run->error, sizeof run->error, "payload '%.100s' names no webhook and event", run->claim->payload);
    run->permanent = 1;
    return PHEME_API_BAD_REQUEST;
  }
  webhook w;
  event_row ev;
  pheme_err e = store_webhook_get(run->store, run->a, hook, &w);
  if (e == PHEME_DATA_NOT_FOUND) return PHEME_OK; /* deleted meanwhile: nothing to deliver */
  if (!e && !w.active) return PHEME_OK;
  if (!e) e = store_event_get(run->store, run->a, event, &ev);
  if (e == PHEME_DATA_NOT_FOUND) return PHEME_OK;
  if (e) {
    snprintf(run->error, sizeof run->error, "storage: %s", pheme_err_message(e));
    return e;
  }
  int64_t started = time_now_ms();
  webhook_target t;
  char why[400];
  if (webhook_target_check(w.url, c->allow_private, &t, why, sizeof why)) {
    log_delivery(run, hook, event, "refused", 0, why, started);
    snprintf(run->error, sizeof run->error, "%s", why);
    run->permanent = 1;
    return PHEME_API_BAD_REQUEST;
  }
  events_msg *m = events_msg_make(&ev);
  CURL *h = curl_easy_init();
  if (!m || !h) {
    events_msg_release(m);
    if (h) curl_easy_cleanup(h);
    snprintf(run->error, sizeof run->error, "out of memory");
    return PHEME_SYS_NOMEM;
  }
  int64_t ts = started / 1000;
  char sig[65], hdr_sig[128], hdr_kind[96], hdr_id[64], hdr_delivery[96], resolve[400];
  webhook_sign(w.secret, ts, m->json, m->json_len, sig);
  snprintf(hdr_sig, sizeof hdr_sig, WEBHOOK_SIGNATURE_HEADER ": t=%lld,v1=%s", (long long)ts, sig);
  snprintf(hdr_kind, sizeof hdr_kind, "Pheme-Event: %s", m->kind);
  snprintf(hdr_id, sizeof hdr_id, "Pheme-Event-Id: %lld", (long long)m->id);
  snprintf(hdr_delivery, sizeof hdr_delivery, "Pheme-Delivery: %lld-%lld-%d", (long long)hook,
           (long long)event, run->claim->attempt);
  int v6 = strchr(t.addr, ':') != NULL;
  snprintf(resolve, sizeof resolve, "%s:%d:%s%s%s", t.host, t.port, v6 ? "[" : "", t.addr, v6 ? "]" : "");
  struct curl_slist *hdrs = NULL, *res = curl_slist_append(NULL, resolve);
  const char *lines[] = {"Content-Type: application/json", "User-Agent: PHEME-Webhooks/1", "Expect:",
                         hdr_sig, hdr_kind, hdr_id, hdr_delivery};
  for (size_t i = 0; i < ARRAY_SIZE(lines); i++) hdrs = curl_slist_append(hdrs, lines[i]);
  answer ans = {"", 0};
  curl_easy_setopt(h, CURLOPT_URL, w.url);
  curl_easy_setopt(h, CURLOPT_RESOLVE, res);
  curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_checked);
  curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, (void *)c);
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_PROXY, "");
  curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->timeout_ms);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->timeout_ms);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, (const char *)m->json);
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)m->json_len);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, keep_answer);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &ans);
  CURLcode cc = curl_easy_perform(h);
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(h);
  curl_slist_free_all(hdrs);
  curl_slist_free_all(res);
  events_msg_release(m);
  if (cc == CURLE_OK && status >= 200 && status < 300) {
    log_delivery(run, hook, event, "delivered", (int)status, "", started);
    return PHEME_OK;
  }
  if (cc != CURLE_OK)
    snprintf(why, sizeof why, "%s", curl_easy_strerror(cc));
  else if (status >= 300 && status < 400)
    snprintf(why, sizeof why, "status %ld: redirects are not followed", status);
  else
    snprintf(why, sizeof why, "status %ld: %.200s", status, ans.text);
  log_delivery(run, hook, event, "failed", (int)status, why, started);
  snprintf(run->error, sizeof run->error, "webhook %lld: %s", (long long)hook, why);
  return PHEME_SYS_IO;
}

int webhooks_register(const pheme_config *cfg) {
  dcfg.allow_private = cfg->webhooks_allow_private;
  dcfg.timeout_ms = (long)cfg->webhooks_timeout_ms;
  jobs_kind k = {WEBHOOK_JOB_KIND, deliver, &dcfg, (int)cfg->webhooks_max_attempts,
                 cfg->webhooks_timeout_ms * 2 + 5000, 0, 0};
  return jobs_register(&k);
}
