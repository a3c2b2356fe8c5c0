/* Sign-In with Ethereum settings, nonces, messages and checks; see signin.h. */
#include "auth/signin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/hmac.h>
#include <nettle/memops.h>

#include "core/log.h"
#include "core/util.h"
#include "eth/address.h"
#include "eth/eip191.h"
#include "eth/hex.h"
#include "eth/secp.h"
#include "store/auth_store.h"
#include "core/banned.h"

static pheme_err parse_chains(signin_config *c, const char *list, char *err, size_t errlen) {
  c->nchains = 0;
  for (const char *p = list; *p;) {
    size_t n = strcspn(p, ",");
    char item[32];
    const char *a = p, *b = p + n;
    p += n + (p[n] == ',');
    while (a < b && *a == ' ') a++;
    while (b > a && b[-1] == ' ') b--;
    long long v;
    snprintf(item, sizeof item, "%.*s", (int)(b - a > 30 ? 30 : b - a), a);
    if (b - a > 19 || parse_int(item, 1, INT64_MAX, &v) || item[0] == '0')
      return pheme_fail(PHEME_SYS_CONFIG, err, errlen, "invalid chain id '%s' in auth_chain_ids", item);
    if (c->nchains >= SIGNIN_MAX_CHAINS)
      return pheme_fail(PHEME_SYS_CONFIG, err, errlen, "auth_chain_ids lists more than %d chains", SIGNIN_MAX_CHAINS);
    c->chains[c->nchains++] = (uint64_t)v;
  }
  if (c->nchains == 0) return pheme_fail(PHEME_SYS_CONFIG, err, errlen, "auth_chain_ids lists no chain");
  return 0;
}

/* scheme://authority[/path] -> scheme, authority, and the URL without a trailing '/'. */
static pheme_err parse_public_url(signin_config *c, const char *url, char *err, size_t errlen) {
  const char *sep = strstr(url, "://");
  size_t sl = sep ? (size_t)(sep - url) : 0;
  if (!sep || sl == 0 || sl >= sizeof c->scheme)
    return pheme_fail(PHEME_SYS_CONFIG, err, errlen, "public_url '%.200s' has no scheme://", url);
  memcpy(c->scheme, url, sl);
  c->scheme[sl] = 0;
  const char *auth = sep + 3;
  size_t al = strcspn(auth, "/?#");
  if (al == 0 || al >= sizeof c->domain || !siwe_authority_valid(auth, al))
    return pheme_fail(PHEME_SYS_CONFIG, err, errlen, "public_url '%.200s' has no valid host[:port]", url);
  memcpy(c->domain, auth, al);
  c->domain[al] = 0;
  size_t ul = strlen(url);
  while (ul > (size_t)(auth - url) + al && url[ul - 1] == '/') ul--;
  if (ul >= sizeof c->uri || !siwe_uri_valid(url, ul))
    return pheme_fail(PHEME_SYS_CONFIG, err, errlen, "public_url '%.200s' is not a URI a sign-in message can carry", url);
  memcpy(c->uri, url, ul);
  c->uri[ul] = 0;
  if (strlen(url) >= sizeof c->issuer) return pheme_fail(PHEME_SYS_CONFIG, err, errlen, "public_url is too long");
  snprintf(c->issuer, sizeof c->issuer, "%s", url);
  return 0;
}

/* jwt_keys as @PATH: the keys are read from that file (the form a command-line flag must take). */
static pheme_err read_key_file(const char *path, char *out, size_t n, char *err, size_t errlen) {
  FILE *f = fopen(path, "rb");
  if (!f) return pheme_fail(PHEME_SYS_IO, err, errlen, "cannot open the jwt_keys file '%.200s'", path);
  size_t got = fread(out, 1, n - 1, f);
  int more = fgetc(f) != EOF;
  fclose(f);
  out[got] = 0;
  if (more) return pheme_fail(PHEME_SYS_CONFIG, err, errlen, "the jwt_keys file '%.200s' is over %zu bytes", path, n - 1);
  while (got && (out[got - 1] == '\n' || out[got - 1] == '\r' || out[got - 1] == ' ')) out[--got] = 0;
  return 0;
}

pheme_err signin_config_load(signin_config *c, const pheme_config *cfg, char *err, size_t errlen) {
  memset(c, 0, sizeof *c);
  PHEME_TRY(parse_public_url(c, cfg->public_url, err, errlen));
  PHEME_TRY(parse_chains(c, cfg->auth_chain_ids, err, errlen));
  if (cfg->jwt_keys && cfg->jwt_keys[0] == '@') {
    char text[4200];
    pheme_err bad = read_key_file(cfg->jwt_keys + 1, text, sizeof text, err, errlen);
    if (!bad) bad = jwt_keyring_parse(&c->keys, text, err, errlen);
    volatile char *t = text;
    for (size_t i = 0; i < sizeof text; i++) t[i] = 0;
    if (bad) return bad;
  } else if (cfg->jwt_keys && *cfg->jwt_keys) {
    PHEME_TRY(jwt_keyring_parse(&c->keys, cfg->jwt_keys, err, errlen));
  } else {
    if (jwt_keyring_random(&c->keys, "run")) return pheme_fail(PHEME_SYS_IO, err, errlen, "no random bytes for a JWT key");
    c->random_keys = 1;
  }
  c->access_ttl_s = cfg->auth_access_ttl;
  c->refresh_ttl_s = cfg->auth_refresh_ttl;
  c->nonce_ttl_s = cfg->auth_nonce_ttl;
  c->cookies = cfg->auth_cookies;
  return 0;
}

void signin_config_release(signin_config *c) { jwt_keyring_clear(&c->keys); }

int signin_chain_allowed(const signin_config *c, uint64_t chain_id) {
  for (int i = 0; i < c->nchains; i++)
    if (c->chains[i] == chain_id) return 1;
  return 0;
}

void signin_chains_text(const signin_config *c, char *out, size_t n) {
  size_t o = 0;
  out[0] = 0;
  for (int i = 0; i < c->nchains && o < n; i++) {
    int w = snprintf(out + o, n - o, "%s%llu", i ? ", " : "", (unsigned long long)c->chains[i]);
    if (w < 0) break;
    o += (size_t)w;
  }
}

int64_t signin_now_ms(void) {
#ifdef PHEME_TEST_CLOCK
  const char *t = getenv("PHEME_TEST_NOW");
  long long v;
  if (t && parse_int(t, 0, INT64_MAX, &v) == 0) return v;
#endif
  return time_now_ms();
}

/* ---------- stateless nonces (see signin.h) ---------- */

#define TAG1_LEN 8
#define TAG2_LEN 9
#define CORE_LEN (1 + SIGNIN_NONCE_ID - 1) /* purpose, issued-at, random */

static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";

static void base32_encode(char *out, const uint8_t *p, size_t n) {
  unsigned acc = 0;
  int bits = 0;
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    acc = (acc << 8) | p[i];
    bits += 8;
    while (bits >= 5) {
      out[o++] = b32[(acc >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits) out[o++] = b32[(acc << (5 - bits)) & 31];
  out[o] = 0;
}

/* Decodes exactly SIGNIN_NONCE_LEN characters into SIGNIN_NONCE_BYTES; -1 for anything else
 * (another length, a character outside the alphabet, non-zero padding bits). */
static int base32_decode(uint8_t out[SIGNIN_NONCE_BYTES], const char *s) {
  if (strlen(s) != SIGNIN_NONCE_LEN) return -1;
  unsigned acc = 0;
  int bits = 0;
  size_t o = 0;
  for (size_t i = 0; i < SIGNIN_NONCE_LEN; i++) {
    const char *k = strchr(b32, s[i]);
    if (!k || !s[i]) return -1;
    acc = (acc << 5) | (unsigned)(k - b32);
    bits += 5;
    if (bits >= 8) {
      out[o++] = (uint8_t)(acc >> (bits - 8));
      bits -= 8;
    }
  }
  return o == SIGNIN_NONCE_BYTES && (acc & ((1u << bits) - 1)) == 0 ? 0 : -1;
}

static void nonce_tags(const jwt_key *k, const uint8_t core[CORE_LEN], const uint8_t address[20],
                       uint64_t chain_id, uint8_t tag1[TAG1_LEN], uint8_t tag2[TAG2_LEN]) {
  uint8_t mac[SHA256_DIGEST_SIZE], chain[8];
  struct hmac_sha256_ctx h;
  hmac_sha256_set_key(&h, k->len, k->secret);
  hmac_sha256_update(&h, 18, (const uint8_t *)"pheme-siwe-nonce-1");
  hmac_sha256_update(&h, CORE_LEN, core);
  hmac_sha256_digest(&h, sizeof mac, mac);
  memcpy(tag1, mac, TAG1_LEN);
  for (int i = 0; i < 8; i++) chain[i] = (uint8_t)(chain_id >> (56 - 8 * i));
  hmac_sha256_update(&h, 18, (const uint8_t *)"pheme-siwe-nonce-2");
  hmac_sha256_update(&h, CORE_LEN, core);
  hmac_sha256_update(&h, 20, address);
  hmac_sha256_update(&h, 8, chain);
  hmac_sha256_digest(&h, sizeof mac, mac);
  memcpy(tag2, mac, TAG2_LEN);
}

int signin_nonce_mint(const signin_config *c, char out[SIGNIN_NONCE_LEN + 1],
                      const uint8_t address[20], uint64_t chain_id, signin_purpose purpose,
                      int64_t now_ms) {
  uint8_t n[SIGNIN_NONCE_BYTES];
  n[0] = (uint8_t)purpose;
  for (int i = 0; i < 6; i++) n[1 + i] = (uint8_t)((uint64_t)now_ms >> (40 - 8 * i));
  if (random_bytes(n + 7, 7)) return -1;
  nonce_tags(&c->keys.keys[0], n, address, chain_id, n + CORE_LEN, n + CORE_LEN + TAG1_LEN);
  base32_encode(out, n, sizeof n);
  return 0;
}

int signin_nonce_open(const signin_config *c, const char *nonce, const uint8_t address[20],
                      uint64_t chain_id, signin_purpose purpose, int64_t now_ms,
                      signin_nonce_info *out) {
  uint8_t n[SIGNIN_NONCE_BYTES], t1[TAG1_LEN], t2[TAG2_LEN];
  if (base32_decode(n, nonce)) return AUTH_FAULT_UNKNOWN;
  int made = 0, bound = 0;
  for (int k = 0; k < c->keys.n && !made; k++) {
    nonce_tags(&c->keys.keys[k], n, address, chain_id, t1, t2);
    made = memeql_sec(t1, n + CORE_LEN, TAG1_LEN);
    bound = made && memeql_sec(t2, n + CORE_LEN + TAG1_LEN, TAG2_LEN);
  }
  if (!made) return AUTH_FAULT_UNKNOWN;
  if (!bound) return AUTH_FAULT_OTHER_ADDRESS;
  if (n[0] != (uint8_t)purpose) return AUTH_FAULT_OTHER_PURPOSE;
  int64_t issued = 0;
  for (int i = 0; i < 6; i++) issued = (issued << 8) | n[1 + i];
  out->issued_ms = issued;
  out->expires_ms = issued + c->nonce_ttl_s * 1000;
  if (now_ms >= out->expires_ms) return AUTH_FAULT_EXPIRED;
  memcpy(out->id, n + 1, 13); /* time first, so the records of uses sort by age */
  out->id[13] = n[0];
  return AUTH_FAULT_NONE;
}

static siwe_time time_of_ms(int64_t ms) {
  return (siwe_time){ms / 1000, (uint32_t)(ms % 1000) * 1000000u};
}

pheme_err signin_message(buf *out, signin_fields *f, const signin_config *c, const uint8_t address[20],
                         uint64_t chain_id, const char *nonce, signin_purpose purpose,
                         int64_t now_ms) {
  siwe_message m;
  memset(&m, 0, sizeof m);
  signin_fields own;
  if (!f) f = &own;
  char *issued = f->issued_at, *expires = f->expiration_time;
  if (siwe_time_format(issued, time_of_ms(now_ms)) ||
      siwe_time_format(expires, time_of_ms(now_ms + c->nonce_ttl_s * 1000)))
    return PHEME_DATA_INVALID;
  m.domain = c->domain;
  address_to_checksum(m.address, address);
  memcpy(f->address, m.address, sizeof f->address);
  memcpy(m.address_bytes, address, 20);
  m.statement = purpose == SIGNIN_PURPOSE_LINK ? SIGNIN_LINK_STATEMENT : SIGNIN_STATEMENT;
  m.uri = c->uri;
  m.version = "1";
  m.chain_id = chain_id;
  m.nonce = nonce;
  m.issued_at = issued;
  m.expiration_time = expires;
  pheme_error e;
  return siwe_render(out, &m, &e);
}

pheme_err signin_check(const signin_config *c, arena *a, const char *message, size_t n,
                       const char *signature, int64_t now_ms, siwe_message *m, char *err,
                       size_t errlen) {
  pheme_error ee = {0};
  if (n > SIWE_MAX_LEN) {
    return pheme_fail(PHEME_API_BAD_REQUEST, err, errlen, "message of %zu bytes is longer than %d", n, SIWE_MAX_LEN);
  }
  pheme_err e = siwe_parse(a, message, n, m, &ee);
  if (e == PHEME_SYS_NOMEM) return e;
  if (e) {
    return pheme_fail(PHEME_API_BAD_REQUEST, err, errlen, "malformed sign-in message: %s", ee.msg);
  }
  /* 65 bytes for a wallet key; a contract wallet's signature may be longer (or shorter) */
  size_t sig_len = 0, hex_len = strlen(signature);
  uint8_t key_sig[SECP_SIG_LEN], *sig = key_sig;
  if (!c->contract_check || hex_len == 2 + 2 * SECP_SIG_LEN) {
    if (hex_decode(sig, SECP_SIG_LEN, NULL, signature, hex_len, HEX_EXACT, &ee)) {
      return pheme_fail(PHEME_API_BAD_REQUEST, err, errlen, "signature must be 0x and 130 hex digits: %s", ee.msg);
    }
    sig_len = SECP_SIG_LEN;
  } else if (!(sig = arena_alloc(a, hex_len / 2 < SIGNIN_MAX_SIG ? hex_len / 2 + 1 : SIGNIN_MAX_SIG))) {
    return PHEME_SYS_NOMEM;
  } else if (hex_decode(sig, hex_len / 2 < SIGNIN_MAX_SIG ? hex_len / 2 + 1 : SIGNIN_MAX_SIG, &sig_len,
                        signature, hex_len, 0, &ee)) {
    return pheme_fail(PHEME_API_BAD_REQUEST, err, errlen, "signature must be 0x and an even number of hex digits (at most %d bytes): %s",
               SIGNIN_MAX_SIG, ee.msg);
  }
  if (m->scheme && strcmp(m->scheme, c->scheme) != 0) {
    return pheme_fail(PHEME_AUTH_INVALID, err, errlen, "message scheme '%.16s' is not this server's '%s'", m->scheme, c->scheme);
  }
  if (strcmp(m->domain, c->domain) != 0) {
    return pheme_fail(PHEME_AUTH_INVALID, err, errlen, "message domain '%.200s' is not this server's '%s'", m->domain, c->domain);
  }
  if (strcmp(m->uri, c->uri) != 0) {
    return pheme_fail(PHEME_AUTH_INVALID, err, errlen, "message URI '%.200s' is not this server's '%.200s'", m->uri, c->uri);
  }
  if (!signin_chain_allowed(c, m->chain_id)) {
    char allowed[256];
    signin_chains_text(c, allowed, sizeof allowed);
    return pheme_fail(PHEME_AUTH_INVALID, err, errlen, "chain id '%llu' is not allowed (allowed: %s)", (unsigned long long)m->chain_id,
               allowed);
  }
  if ((e = siwe_check_time(m, time_of_ms(now_ms), SIGNIN_SKEW_S, &ee))) {
    return pheme_fail(PHEME_AUTH_INVALID, err, errlen, "%s", ee.msg);
  }
  uint8_t hash[32], signer[20];
  eip191_hash(hash, message, n);
  if (sig_len == SECP_SIG_LEN) {
    if (secp_recover_address(signer, hash, sig, SECP_LOW_S, &ee)) {
      pheme_fail(PHEME_AUTH_INVALID, err, errlen, "signature does not verify: %s", ee.msg);
    } else if (memcmp(signer, m->address_bytes, 20) != 0) {
      char who[ADDRESS_TEXT];
      address_to_checksum(who, signer);
      pheme_fail(PHEME_AUTH_INVALID, err, errlen, "message for '%s' was signed by '%s'", m->address, who);
    } else {
      return PHEME_OK;
    }
  } else {
    pheme_fail(PHEME_AUTH_INVALID, err, errlen, "signature of %zu bytes is no wallet key's (65 bytes)", sig_len);
  }
  if (!c->contract_check) return PHEME_AUTH_INVALID;
  /* Not the key's: the address may be a contract wallet (EIP-1271) or one to be deployed
   * (ERC-6492). When it is neither, the key's reason above stands. */
  char why[320];
  e = c->contract_check(c->contract_ctx, m->address_bytes, m->chain_id, hash, sig, sig_len, why,
                        sizeof why);
  if (e == PHEME_OK) return PHEME_OK;
  if (e == PHEME_DATA_NOT_FOUND) return PHEME_AUTH_INVALID;
  return pheme_fail(e, err, errlen, "%s", why);
}
