/* HS256 JSON Web Tokens with key ids; see jwt.h. The order of the checks in jwt_verify is the
 * point of this file: shape, header, key, signature (constant time), and only then the payload. */
#include "auth/jwt.h"

#include <jansson.h>
#include <nettle/hmac.h>
#include <nettle/memops.h>
#include <stdio.h>
#include <string.h>

#include "core/jsonw.h"
#include "core/util.h"
#include "core/banned.h"

#define HEADER_MAX 256   /* decoded header bytes */
#define PAYLOAD_MAX 1024 /* decoded payload bytes */

static int kid_valid(const char *s, size_t n) {
  if (n == 0 || n > JWT_KID_MAX) return 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '_' || c == '.'))
      return 0;
  }
  return 1;
}

static const jwt_key *find_key(const jwt_keyring *ring, const char *kid) {
  for (int i = 0; i < ring->n; i++)
    if (strcmp(ring->keys[i].kid, kid) == 0) return &ring->keys[i];
  return NULL;
}

pheme_err jwt_keyring_parse(jwt_keyring *ring, const char *spec, char *err, size_t errlen) {
  memset(ring, 0, sizeof *ring);
  int item = 0;
  for (const char *p = spec; *p;) {
    size_t n = strcspn(p, ",");
    const char *a = p, *b = p + n;
    p += n + (p[n] == ',');
    item++;
    while (a < b && *a == ' ') a++;
    while (b > a && b[-1] == ' ') b--;
    if (a == b) continue;
    const char *colon = memchr(a, ':', (size_t)(b - a));
    if (!colon || !kid_valid(a, (size_t)(colon - a))) {
      pheme_fail(PHEME_SYS_CONFIG, err, errlen, "jwt_keys item %d: expected KID:HEXSECRET with a key id of 1 to %d letters, "
                 "digits, '-', '_' or '.'", item, JWT_KID_MAX);
      goto bad;
    }
    if (ring->n >= JWT_MAX_KEYS) {
      pheme_fail(PHEME_SYS_CONFIG, err, errlen, "jwt_keys: more than %d keys", JWT_MAX_KEYS);
      goto bad;
    }
    jwt_key *k = &ring->keys[ring->n];
    memcpy(k->kid, a, (size_t)(colon - a));
    k->kid[colon - a] = 0;
    size_t hexlen = (size_t)(b - colon - 1);
    if (hexlen % 2 || hexlen / 2 < JWT_SECRET_MIN || hexlen / 2 > JWT_SECRET_MAX ||
        hex_to_bytes(k->secret, colon + 1, hexlen / 2)) {
      pheme_fail(PHEME_SYS_CONFIG, err, errlen, "jwt_keys key '%s': the secret must be %d to %d bytes written as hex "
                 "digits", k->kid, JWT_SECRET_MIN, JWT_SECRET_MAX);
      goto bad;
    }
    k->len = hexlen / 2;
    for (int i = 0; i < ring->n; i++)
      if (strcmp(ring->keys[i].kid, k->kid) == 0) {
        pheme_fail(PHEME_SYS_CONFIG, err, errlen, "jwt_keys: key id '%s' is listed twice", k->kid);
        goto bad;
      }
    ring->n++;
  }
  if (ring->n == 0) {
    pheme_fail(PHEME_SYS_CONFIG, err, errlen, "jwt_keys: no keys");
    goto bad;
  }
  return 0;
bad:
  jwt_keyring_clear(ring);
  return PHEME_SYS_CONFIG;
}

pheme_err jwt_keyring_random(jwt_keyring *ring, const char *kid) {
  memset(ring, 0, sizeof *ring);
  if (!kid_valid(kid, strlen(kid))) PHEME_BUG("invalid key id '%s'", kid);
  if (random_bytes(ring->keys[0].secret, 32)) return PHEME_SYS_IO;
  snprintf(ring->keys[0].kid, sizeof ring->keys[0].kid, "%s", kid);
  ring->keys[0].len = 32;
  ring->n = 1;
  return 0;
}

void jwt_keyring_clear(jwt_keyring *ring) {
  volatile uint8_t *p = (volatile uint8_t *)ring;
  for (size_t i = 0; i < sizeof *ring; i++) p[i] = 0;
}

static void mac(uint8_t out[SHA256_DIGEST_SIZE], const jwt_key *k, const char *data, size_t n) {
  struct hmac_sha256_ctx c;
  hmac_sha256_set_key(&c, k->len, k->secret);
  hmac_sha256_update(&c, n, (const uint8_t *)data);
  hmac_sha256_digest(&c, SHA256_DIGEST_SIZE, out);
}

/* Appends base64url(p[0..n)) at out+*o; -1 when it does not fit. */
static int put_b64(char *out, size_t cap, size_t *o, const void *p, size_t n) {
  size_t len = base64url_len(n);
  if (*o + len + 1 > cap) return -1;
  base64url_encode(out + *o, p, n);
  *o += len;
  return 0;
}

long jwt_sign(const jwt_keyring *ring, const jwt_claims *c, char *out, size_t cap) {
  if (ring->n < 1 || !c->iss || !c->aud || c->sub <= 0 || c->sid <= 0) return -1;
  const jwt_key *k = &ring->keys[0];
  char header[96], sub[24], sid[24];
  int hn = snprintf(header, sizeof header, "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"%s\"}", k->kid);
  snprintf(sub, sizeof sub, "%lld", (long long)c->sub);
  snprintf(sid, sizeof sid, "%lld", (long long)c->sid);
  /* the claims, in this order, through the streaming writer (no tree to build and dump) */
  buf payload;
  buf_init(&payload, PAYLOAD_MAX);
  jw w;
  jw_init(&w, &payload);
  jw_obj(&w);
  jw_key(&w, "iss");
  jw_str(&w, c->iss);
  jw_key(&w, "aud");
  jw_str(&w, c->aud);
  jw_key(&w, "sub");
  jw_str(&w, sub);
  jw_key(&w, "sid");
  jw_str(&w, sid);
  jw_key(&w, "rv");
  jw_int(&w, c->rv);
  jw_key(&w, "iat");
  jw_int(&w, c->iat);
  jw_key(&w, "nbf");
  jw_int(&w, c->nbf);
  jw_key(&w, "exp");
  jw_int(&w, c->exp);
  jw_end(&w);
  size_t o = 0;
  int bad = w.err || put_b64(out, cap, &o, header, (size_t)hn) || o + 1 >= cap;
  if (!bad) out[o++] = '.';
  bad = bad || put_b64(out, cap, &o, payload.data, payload.len) || o + 1 >= cap;
  buf_release(&payload);
  if (bad) return -1;
  uint8_t sig[SHA256_DIGEST_SIZE];
  mac(sig, k, out, o);
  out[o++] = '.';
  if (put_b64(out, cap, &o, sig, sizeof sig)) return -1;
  out[o] = 0;
  return (long)o;
}

/* Decodes one base64url segment (strict: no padding, canonical trailing bits) into a
 * NUL-terminated buffer. Returns the length or -1. */
static long segment(uint8_t *out, size_t cap, const char *s, size_t n) {
  if (n == 0 || cap == 0) return -1;
  long len = base64url_decode(out, cap - 1, s, n);
  if (len < 0) return -1;
  out[len] = 0;
  return len;
}

static json_t *strict_object(const uint8_t *p, size_t n) {
  json_error_t e;
  json_t *v = json_loadb((const char *)p, n, JSON_REJECT_DUPLICATES, &e);
  if (v && !json_is_object(v)) {
    json_decref(v);
    return NULL;
  }
  return v;
}

static pheme_err check_header(const jwt_keyring *ring, const uint8_t *p, size_t n,
                              const jwt_key **key, char *err, size_t errlen) {
  json_t *h = strict_object(p, n);
  if (!h) return pheme_fail(PHEME_AUTH_INVALID, err, errlen, "token header is not one JSON object with unique keys");
  pheme_err e = PHEME_OK;
  const char *name;
  json_t *v;
  const char *alg = NULL, *kid = NULL;
  json_object_foreach(h, name, v) {
    if (strcmp(name, "alg") == 0 && json_is_string(v)) {
      alg = json_string_value(v);
    } else if (strcmp(name, "kid") == 0 && json_is_string(v)) {
      kid = json_string_value(v);
    } else if (strcmp(name, "typ") == 0 && json_is_string(v) && strcmp(json_string_value(v), "JWT") == 0) {
      /* allowed */
    } else {
      char q[40];
      snprintf(q, sizeof q, "%.32s", name);
      e = pheme_fail(PHEME_AUTH_INVALID, err, errlen, "token header field '%s' is not allowed here", q);
      break;
    }
  }
  if (!e && (!alg || strcmp(alg, "HS256") != 0)) {
    char q[24];
    snprintf(q, sizeof q, "%.16s", alg ? alg : "(none)");
    e = pheme_fail(PHEME_AUTH_INVALID, err, errlen, "token algorithm '%s' is not accepted: only HS256", q);
  }
  if (!e && !kid) e = pheme_fail(PHEME_AUTH_INVALID, err, errlen, "token header has no key id (kid)");
  if (!e && (!kid_valid(kid, strlen(kid)) || !(*key = find_key(ring, kid)))) {
    char q[JWT_KID_MAX + 8];
    snprintf(q, sizeof q, "%.*s", JWT_KID_MAX, kid);
    for (char *c = q; *c; c++)
      if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f) *c = '?';
    e = pheme_fail(PHEME_AUTH_INVALID, err, errlen, "unknown key id '%s'", q);
  }
  json_decref(h);
  return e;
}

static int decimal_id(const json_t *v, int64_t *out) {
  long long x;
  if (!json_is_string(v) || parse_int(json_string_value(v), 1, INT64_MAX, &x)) return -1;
  const char *s = json_string_value(v);
  if (s[0] == '0' || s[0] == '-') return -1; /* one spelling per number */
  *out = x;
  return 0;
}

static pheme_err check_payload(const uint8_t *p, size_t n, const char *iss, const char *aud,
                               int64_t now, int64_t leeway, jwt_claims *out, char *err,
                               size_t errlen) {
  json_t *c = strict_object(p, n);
  if (!c) return pheme_fail(PHEME_AUTH_INVALID, err, errlen, "token payload is not one JSON object with unique keys");
  static const char *const names[] = {"iss", "aud", "sub", "sid", "rv", "iat", "nbf", "exp"};
  pheme_err e = PHEME_OK;
  if (json_object_size(c) != ARRAY_SIZE(names)) e = pheme_fail(PHEME_AUTH_INVALID, err, errlen, "token claims are not the ones PHEME issues");
  for (size_t i = 0; !e && i < ARRAY_SIZE(names); i++)
    if (!json_object_get(c, names[i])) e = pheme_fail(PHEME_AUTH_INVALID, err, errlen, "token has no '%s' claim", names[i]);
  const json_t *v_iss = json_object_get(c, "iss"), *v_aud = json_object_get(c, "aud");
  if (!e && (!json_is_string(v_iss) || strcmp(json_string_value(v_iss), iss) != 0))
    e = pheme_fail(PHEME_AUTH_INVALID, err, errlen, "token issuer is not '%.200s'", iss);
  if (!e && (!json_is_string(v_aud) || strcmp(json_string_value(v_aud), aud) != 0))
    e = pheme_fail(PHEME_AUTH_INVALID, err, errlen, "token audience is not '%.64s'", aud);
  if (!e && (decimal_id(json_object_get(c, "sub"), &out->sub) ||
             decimal_id(json_object_get(c, "sid"), &out->sid)))
    e = pheme_fail(PHEME_AUTH_INVALID, err, errlen, "token sub and sid must be positive decimal strings");
  const char *times[] = {"rv", "iat", "nbf", "exp"};
  int64_t t[4] = {0};
  for (int i = 0; !e && i < 4; i++) {
    const json_t *v = json_object_get(c, times[i]);
    if (!json_is_integer(v) || json_integer_value(v) < 0)
      e = pheme_fail(PHEME_AUTH_INVALID, err, errlen, "token claim '%s' must be a non-negative integer", times[i]);
    else
      t[i] = json_integer_value(v);
  }
  json_decref(c);
  if (e) return e;
  out->iss = iss;
  out->aud = aud;
  out->rv = t[0];
  out->iat = t[1];
  out->nbf = t[2];
  out->exp = t[3];
  if (now >= out->exp) return pheme_fail(PHEME_AUTH_INVALID, err, errlen, "token expired at %lld", (long long)out->exp);
  if (now + leeway < out->nbf) return pheme_fail(PHEME_AUTH_INVALID, err, errlen, "token is not valid before %lld", (long long)out->nbf);
  if (now + leeway < out->iat) return pheme_fail(PHEME_AUTH_INVALID, err, errlen, "token was issued in the future (%lld)", (long long)out->iat);
  if (out->exp <= out->nbf) return pheme_fail(PHEME_AUTH_INVALID, err, errlen, "token expires before it becomes valid");
  return PHEME_OK;
}

pheme_err jwt_verify(const jwt_keyring *ring, const char *token, size_t n, const char *iss,
                     const char *aud, int64_t now, int64_t leeway, jwt_claims *out, char *err,
                     size_t errlen) {
  memset(out, 0, sizeof *out);
  if (n == 0 || n > JWT_MAX_LEN) return pheme_fail(PHEME_AUTH_INVALID, err, errlen, "token length %zu is not 1 to %d", n, JWT_MAX_LEN);
  const char *d1 = memchr(token, '.', n);
  const char *d2 = d1 ? memchr(d1 + 1, '.', (size_t)(token + n - d1 - 1)) : NULL;
  if (!d1 || !d2 || memchr(d2 + 1, '.', (size_t)(token + n - d2 - 1)))
    return pheme_fail(PHEME_AUTH_INVALID, err, errlen, "token is not three base64url parts joined by '.'");
  uint8_t header[HEADER_MAX], payload[PAYLOAD_MAX], sig[SHA256_DIGEST_SIZE + 1];
  long hn = segment(header, sizeof header, token, (size_t)(d1 - token));
  if (hn < 0) return pheme_fail(PHEME_AUTH_INVALID, err, errlen, "token header is not base64url of at most %d bytes", HEADER_MAX - 1);
  const jwt_key *k = NULL;
  pheme_err e = check_header(ring, header, (size_t)hn, &k, err, errlen);
  if (e) return e;
  long sn = segment(sig, sizeof sig, d2 + 1, (size_t)(token + n - d2 - 1));
  if (sn != SHA256_DIGEST_SIZE) return pheme_fail(PHEME_AUTH_INVALID, err, errlen, "token signature is not 32 bytes of base64url");
  uint8_t want[SHA256_DIGEST_SIZE];
  mac(want, k, token, (size_t)(d2 - token));
  if (!memeql_sec(want, sig, sizeof want)) return pheme_fail(PHEME_AUTH_INVALID, err, errlen, "token signature does not verify");
  long pn = segment(payload, sizeof payload, d1 + 1, (size_t)(d2 - d1 - 1));
  if (pn < 0) return pheme_fail(PHEME_AUTH_INVALID, err, errlen, "token payload is not base64url of at most %d bytes", PAYLOAD_MAX - 1);
  return check_payload(payload, (size_t)pn, iss, aud, now, leeway, out, err, errlen);
}
