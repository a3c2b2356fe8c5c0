/* pheme-ethtool: the C side of the viem cross-checks (tests/interop/interop.mjs).
 *
 * Reads one JSON request per line on stdin and writes one JSON answer per line on stdout:
 *   {"id": 7, "op": "keccak", "data": "0x616263"}  ->  {"id": 7, "ok": true, "hash": "0x4e03..."}
 * or {"id": 7, "ok": false, "error": "..."}. Each op is a thin shell over src/eth: the point is
 * to compare its bytes with viem's, so nothing here computes anything itself. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/arena.h"
#include "core/buf.h"
#include "eth/abi.h"
#include "eth/address.h"
#include "eth/eip191.h"
#include "eth/eip712.h"
#include "eth/hex.h"
#include "eth/keccak.h"
#include "eth/rlp.h"
#include "eth/secp.h"
#include "eth/siwe.h"
#include "eth/tx.h"
#include "eth/u256.h"

#include "core/banned.h"

#define CAP ((size_t)64 << 20)

typedef struct {
  json_t *req, *res;
  arena a;
  pheme_error err;
} call;

static int fail(call *c, const char *msg) {
  json_object_set_new(c->res, "ok", json_false());
  json_object_set_new(c->res, "error", json_string(msg));
  return -1;
}

static int fail_err(call *c) { return fail(c, c->err.msg[0] ? c->err.msg : "failed"); }

static json_t *hexj(const uint8_t *p, size_t n) {
  char *s = malloc(HEX_LEN(n) + 1);
  hex_encode(s, p, n);
  json_t *j = json_string(s);
  free(s);
  return j;
}

/* The hex string member name of the request, decoded into the call's arena. */
static int get_hex(call *c, const char *name, uint8_t **out, size_t *n) {
  const json_t *v = json_object_get(c->req, name);
  if (!json_is_string(v)) return fail(c, "missing hex member");
  size_t sl = json_string_length(v);
  *out = arena_alloc(&c->a, sl / 2 + 1);
  if (!*out || hex_decode(*out, sl / 2 + 1, n, json_string_value(v), sl, 0, &c->err)) return fail_err(c);
  return 0;
}

static int get_fixed(call *c, const char *name, uint8_t *out, size_t n) {
  const json_t *v = json_object_get(c->req, name);
  if (!json_is_string(v)) return fail(c, "missing hex member");
  if (hex_decode(out, n, NULL, json_string_value(v), json_string_length(v), HEX_EXACT, &c->err)) return fail_err(c);
  return 0;
}

static void put_address(call *c, const char *name, const uint8_t a[20]) {
  char t[ADDRESS_TEXT];
  json_object_set_new(c->res, name, json_string(address_to_checksum(t, a)));
}

static int op_keccak(call *c) {
  uint8_t *d, h[32];
  size_t n;
  if (get_hex(c, "data", &d, &n)) return -1;
  keccak_256(h, d, n);
  json_object_set_new(c->res, "hash", hexj(h, 32));
  return 0;
}

static int op_address(call *c) {
  const json_t *t = json_object_get(c->req, "text");
  uint8_t a[20];
  if (!json_is_string(t)) return fail(c, "missing text");
  unsigned flags = json_is_true(json_object_get(c->req, "strict")) ? ADDRESS_CHECKSUM_REQUIRED : 0;
  if (address_parse(a, json_string_value(t), json_string_length(t), flags, &c->err)) return fail_err(c);
  put_address(c, "checksum", a);
  return 0;
}

static int op_address_of(call *c) {
  uint8_t key[32], a[20];
  if (get_fixed(c, "key", key, 32)) return -1;
  if (secp_address(a, key, &c->err)) return fail_err(c);
  put_address(c, "address", a);
  return 0;
}

static int op_rlp_encode(call *c) {
  buf b;
  buf_init(&b, CAP);
  int r = rlp_encode_json(&b, json_object_get(c->req, "tree"), &c->err) ? fail_err(c) : 0;
  if (!r) json_object_set_new(c->res, "hex", hexj((uint8_t *)b.data, b.len));
  buf_release(&b);
  return r;
}

static int op_rlp_decode(call *c) {
  uint8_t *d;
  size_t n;
  json_t *tree;
  if (get_hex(c, "hex", &d, &n)) return -1;
  if (rlp_decode_json(d, n, &tree, &c->err)) return fail_err(c);
  json_object_set_new(c->res, "tree", tree);
  return 0;
}

static int parse_types(call *c, const abi_type **t) {
  const json_t *ts = json_object_get(c->req, "types");
  if (!json_is_string(ts)) return fail(c, "missing types");
  if (abi_type_parse(&c->a, json_string_value(ts), json_string_length(ts), t, &c->err)) return fail_err(c);
  if ((*t)->kind != ABI_TUPLE) return fail(c, "types must be a tuple");
  return 0;
}

static int op_abi_encode(call *c) {
  const abi_type *t;
  if (parse_types(c, &t)) return -1;
  buf b;
  buf_init(&b, CAP);
  int r = abi_encode(&b, t, json_object_get(c->req, "values"), &c->err) ? fail_err(c) : 0;
  if (!r) json_object_set_new(c->res, "hex", hexj((uint8_t *)b.data, b.len));
  buf_release(&b);
  return r;
}

static int op_abi_decode(call *c) {
  const abi_type *t;
  uint8_t *d;
  size_t n;
  json_t *v;
  if (parse_types(c, &t) || get_hex(c, "hex", &d, &n)) return -1;
  if (abi_decode(t, d, n, &v, &c->err)) return fail_err(c);
  json_object_set_new(c->res, "values", v);
  return 0;
}

static int put_sig(call *c, const uint8_t hash[32], const char *key_member) {
  uint8_t key[32], sig[65];
  if (get_fixed(c, key_member, key, 32)) return -1;
  if (secp_sign(sig, hash, key, &c->err)) return fail_err(c);
  secp_v_to_27(sig);
  json_object_set_new(c->res, "signature", hexj(sig, 65));
  return 0;
}

static int put_recovered(call *c, const uint8_t hash[32]) {
  uint8_t sig[65], a[20];
  if (get_fixed(c, "signature", sig, 65)) return -1;
  if (secp_recover_address(a, hash, sig, SECP_LOW_S, &c->err)) return fail_err(c);
  put_address(c, "address", a);
  return 0;
}

static int op_sign_hash(call *c) {
  uint8_t h[32];
  return get_fixed(c, "hash", h, 32) ? -1 : put_sig(c, h, "key");
}

static int op_recover_hash(call *c) {
  uint8_t h[32];
  return get_fixed(c, "hash", h, 32) ? -1 : put_recovered(c, h);
}

static int eip191(call *c, uint8_t h[32]) {
  uint8_t *m;
  size_t n;
  if (get_hex(c, "message", &m, &n)) return -1;
  eip191_hash(h, m, n);
  json_object_set_new(c->res, "hash", hexj(h, 32));
  return 0;
}

static int op_eip191_sign(call *c) {
  uint8_t h[32];
  return eip191(c, h) ? -1 : put_sig(c, h, "key");
}

static int op_eip191_recover(call *c) {
  uint8_t h[32];
  return eip191(c, h) ? -1 : put_recovered(c, h);
}

static int eip712(call *c, uint8_t h[32]) {
  if (eip712_hash(h, json_object_get(c->req, "typed"), &c->err)) return fail_err(c);
  json_object_set_new(c->res, "digest", hexj(h, 32));
  return 0;
}

static int op_eip712_sign(call *c) {
  uint8_t h[32];
  if (eip712(c, h)) return -1;
  return json_object_get(c->req, "key") ? put_sig(c, h, "key") : 0;
}

static int op_eip712_recover(call *c) {
  uint8_t h[32];
  return eip712(c, h) ? -1 : put_recovered(c, h);
}

/* ---- transactions: {type, chainId, nonce, gas, gasPrice | maxFeePerGas +
 * maxPriorityFeePerGas, to, value, data, accessList} with integers as decimal strings */

static int u256_member(call *c, const json_t *o, const char *name, uint8_t out[32]) {
  const json_t *v = json_object_get(o, name);
  if (!json_is_string(v)) return fail(c, "missing decimal member");
  if (u256_parse(out, json_string_value(v), json_string_length(v), 0, &c->err)) return fail_err(c);
  return 0;
}

static int u64_member(call *c, const json_t *o, const char *name, uint64_t *out) {
  uint8_t v[32];
  if (u256_member(c, o, name, v)) return -1;
  if (!u256_to_u64(v, out)) return fail(c, "value exceeds 64 bits");
  return 0;
}

static int tx_from_json(call *c, const json_t *o, tx *t) {
  memset(t, 0, sizeof *t);
  const char *type = json_string_value(json_object_get(o, "type"));
  t->type = type && !strcmp(type, "legacy") ? TX_LEGACY : TX_EIP1559;
  if (u64_member(c, o, "chainId", &t->chain_id) || u64_member(c, o, "nonce", &t->nonce) ||
      u64_member(c, o, "gas", &t->gas) || u256_member(c, o, "value", t->value))
    return -1;
  if (t->type == TX_LEGACY ? u256_member(c, o, "gasPrice", t->gas_price)
                           : (u256_member(c, o, "maxFeePerGas", t->max_fee) ||
                              u256_member(c, o, "maxPriorityFeePerGas", t->max_priority_fee)))
    return -1;
  const json_t *to = json_object_get(o, "to");
  if (json_is_string(to)) {
    if (address_parse(t->to, json_string_value(to), json_string_length(to), 0, &c->err)) return fail_err(c);
    t->has_to = 1;
  }
  const json_t *data = json_object_get(o, "data");
  if (json_is_string(data)) {
    size_t sl = json_string_length(data);
    uint8_t *d = arena_alloc(&c->a, sl / 2 + 1);
    if (!d || hex_decode(d, sl / 2 + 1, &t->data_len, json_string_value(data), sl, 0, &c->err)) return fail_err(c);
    t->data = d;
  }
  const json_t *al = json_object_get(o, "accessList");
  size_t n = json_array_size(al);
  tx_access *acc = arena_zalloc(&c->a, (n ? n : 1) * sizeof *acc);
  for (size_t i = 0; i < n; i++) {
    const json_t *e = json_array_get(al, i), *addr = json_object_get(e, "address"),
                 *keys = json_object_get(e, "storageKeys");
    if (!json_is_string(addr) ||
        address_parse(acc[i].address, json_string_value(addr), json_string_length(addr), 0, &c->err))
      return fail(c, "bad access list address");
    size_t nk = json_array_size(keys);
    uint8_t(*k)[32] = arena_alloc(&c->a, (nk ? nk : 1) * 32);
    for (size_t j = 0; j < nk; j++) {
      const json_t *kj = json_array_get(keys, j);
      if (!json_is_string(kj) ||
          hex_decode(k[j], 32, NULL, json_string_value(kj), json_string_length(kj), HEX_EXACT, &c->err))
        return fail(c, "bad storage key");
    }
    acc[i].keys = (const uint8_t(*)[32])k;
    acc[i].n_keys = nk;
  }
  t->access = acc;
  t->n_access = n;
  return 0;
}

static json_t *dec_json(const uint8_t v[32]) {
  char s[U256_DEC_MAX];
  return json_string(u256_to_dec(s, v));
}

static json_t *u64_json(uint64_t x) {
  uint8_t v[32];
  u256_from_u64(v, x);
  return dec_json(v);
}

static json_t *tx_to_json(const tx *t) {
  json_t *o = json_object();
  char a[ADDRESS_TEXT];
  json_object_set_new(o, "type", json_string(t->type == TX_LEGACY ? "legacy" : "eip1559"));
  json_object_set_new(o, "chainId", u64_json(t->chain_id));
  json_object_set_new(o, "nonce", u64_json(t->nonce));
  json_object_set_new(o, "gas", u64_json(t->gas));
  json_object_set_new(o, "value", dec_json(t->value));
  if (t->type == TX_LEGACY) {
    json_object_set_new(o, "gasPrice", dec_json(t->gas_price));
  } else {
    json_object_set_new(o, "maxFeePerGas", dec_json(t->max_fee));
    json_object_set_new(o, "maxPriorityFeePerGas", dec_json(t->max_priority_fee));
    json_t *al = json_array();
    for (size_t i = 0; i < t->n_access; i++) {
      json_t *keys = json_array();
      for (size_t k = 0; k < t->access[i].n_keys; k++) json_array_append_new(keys, hexj(t->access[i].keys[k], 32));
      json_array_append_new(al, json_pack("{s:s,s:o}", "address", address_to_checksum(a, t->access[i].address),
                                          "storageKeys", keys));
    }
    json_object_set_new(o, "accessList", al);
  }
  json_object_set_new(o, "to", t->has_to ? json_string(address_to_checksum(a, t->to)) : json_null());
  json_object_set_new(o, "data", hexj(t->data, t->data_len));
  if (t->is_signed) {
    json_object_set_new(o, "r", hexj(t->r, 32));
    json_object_set_new(o, "s", hexj(t->s, 32));
    json_object_set_new(o, "yParity", json_integer(t->y_parity));
  }
  return o;
}

static int op_tx_sign(call *c) {
  tx t;
  uint8_t key[32], h[32], from[20];
  if (tx_from_json(c, json_object_get(c->req, "tx"), &t) || get_fixed(c, "key", key, 32)) return -1;
  if (tx_sign(&t, key, &c->err) || tx_hash(h, &t, &c->err) || secp_address(from, key, &c->err)) return fail_err(c);
  buf b;
  buf_init(&b, CAP);
  if (tx_encode_signed(&b, &t, &c->err)) {
    buf_release(&b);
    return fail_err(c);
  }
  json_object_set_new(c->res, "raw", hexj((uint8_t *)b.data, b.len));
  json_object_set_new(c->res, "hash", hexj(h, 32));
  put_address(c, "from", from);
  buf_release(&b);
  return 0;
}

static int op_tx_decode(call *c) {
  tx t;
  uint8_t *raw, h[32], from[20];
  size_t n;
  if (get_hex(c, "raw", &raw, &n)) return -1;
  if (tx_decode(&t, raw, n, &c->a, &c->err) || tx_hash(h, &t, &c->err) || tx_sender(from, &t, &c->err))
    return fail_err(c);
  json_object_set_new(c->res, "tx", tx_to_json(&t));
  json_object_set_new(c->res, "hash", hexj(h, 32));
  put_address(c, "from", from);
  return 0;
}

/* ---- SIWE: fields as in viem's SiweMessage, times as RFC 3339 text */

static const char *opt_str(const json_t *o, const char *name) {
  return json_string_value(json_object_get(o, name));
}

static int op_siwe_render(call *c) {
  const json_t *f = json_object_get(c->req, "fields");
  siwe_message m = {0};
  m.scheme = opt_str(f, "scheme");
  m.domain = opt_str(f, "domain");
  const char *addr = opt_str(f, "address");
  snprintf(m.address, sizeof m.address, "%s", addr ? addr : "");
  m.statement = opt_str(f, "statement");
  m.uri = opt_str(f, "uri");
  m.version = opt_str(f, "version");
  m.chain_id = (uint64_t)json_integer_value(json_object_get(f, "chainId"));
  m.nonce = opt_str(f, "nonce");
  m.issued_at = opt_str(f, "issuedAt");
  m.expiration_time = opt_str(f, "expirationTime");
  m.not_before = opt_str(f, "notBefore");
  m.request_id = opt_str(f, "requestId");
  const json_t *res = json_object_get(f, "resources");
  const char **list = NULL;
  if (json_is_array(res)) {
    m.has_resources = 1;
    m.n_resources = json_array_size(res);
    list = arena_alloc(&c->a, (m.n_resources + 1) * sizeof *list);
    for (size_t i = 0; i < m.n_resources; i++) list[i] = json_string_value(json_array_get(res, i));
    m.resources = list;
  }
  buf b;
  buf_init(&b, CAP);
  int r = siwe_render(&b, &m, &c->err) ? fail_err(c) : 0;
  if (!r) json_object_set_new(c->res, "message", json_stringn(b.data, b.len));
  buf_release(&b);
  return r;
}

static json_t *ms(siwe_time t) { return json_integer((json_int_t)(t.sec * 1000 + t.nsec / 1000000)); }

static int op_siwe_parse(call *c) {
  const json_t *mj = json_object_get(c->req, "message");
  siwe_message m;
  if (!json_is_string(mj)) return fail(c, "missing message");
  if (siwe_parse(&c->a, json_string_value(mj), json_string_length(mj), &m, &c->err)) return fail_err(c);
  json_t *f = json_object();
  if (m.scheme) json_object_set_new(f, "scheme", json_string(m.scheme));
  json_object_set_new(f, "domain", json_string(m.domain));
  json_object_set_new(f, "address", json_string(m.address));
  if (m.statement) json_object_set_new(f, "statement", json_string(m.statement));
  json_object_set_new(f, "uri", json_string(m.uri));
  json_object_set_new(f, "version", json_string(m.version));
  json_object_set_new(f, "chainId", json_integer((json_int_t)m.chain_id));
  json_object_set_new(f, "nonce", json_string(m.nonce));
  json_object_set_new(f, "issuedAt", json_string(m.issued_at));
  json_object_set_new(f, "issuedAtMs", ms(m.issued_at_time));
  if (m.expiration_time) {
    json_object_set_new(f, "expirationTime", json_string(m.expiration_time));
    json_object_set_new(f, "expirationTimeMs", ms(m.expiration));
  }
  if (m.not_before) {
    json_object_set_new(f, "notBefore", json_string(m.not_before));
    json_object_set_new(f, "notBeforeMs", ms(m.not_before_time));
  }
  if (m.request_id) json_object_set_new(f, "requestId", json_string(m.request_id));
  if (m.has_resources) {
    json_t *res = json_array();
    for (size_t i = 0; i < m.n_resources; i++) json_array_append_new(res, json_string(m.resources[i]));
    json_object_set_new(f, "resources", res);
  }
  json_object_set_new(c->res, "fields", f);
  buf b;
  buf_init(&b, CAP);
  if (siwe_render(&b, &m, &c->err)) {
    buf_release(&b);
    return fail_err(c);
  }
  json_object_set_new(c->res, "rendered", json_stringn(b.data, b.len));
  buf_release(&b);
  return 0;
}

static const struct {
  const char *name;
  int (*fn)(call *);
} ops[] = {
    {"keccak", op_keccak},           {"address", op_address},         {"address_of", op_address_of},
    {"rlp_encode", op_rlp_encode},   {"rlp_decode", op_rlp_decode},   {"abi_encode", op_abi_encode},
    {"abi_decode", op_abi_decode},   {"sign_hash", op_sign_hash},     {"recover_hash", op_recover_hash},
    {"eip191_sign", op_eip191_sign}, {"eip191_recover", op_eip191_recover},
    {"eip712_sign", op_eip712_sign}, {"eip712_recover", op_eip712_recover},
    {"tx_sign", op_tx_sign},         {"tx_decode", op_tx_decode},     {"siwe_render", op_siwe_render},
    {"siwe_parse", op_siwe_parse},
};

int main(void) {
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  while ((len = getline(&line, &cap, stdin)) > 0) {
    call c;
    json_error_t jerr;
    memset(&c.err, 0, sizeof c.err);
    c.res = json_object();
    c.req = json_loadb(line, (size_t)len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    arena_init(&c.a, 0);
    if (!c.req) {
      fail(&c, jerr.text);
    } else {
      json_object_set(c.res, "id", json_object_get(c.req, "id"));
      const char *op = json_string_value(json_object_get(c.req, "op"));
      size_t i = 0;
      while (i < sizeof ops / sizeof *ops && (!op || strcmp(op, ops[i].name))) i++;
      if (i == sizeof ops / sizeof *ops) {
        fail(&c, "unknown op");
      } else if (ops[i].fn(&c) == 0) {
        json_object_set_new(c.res, "ok", json_true());
      }
    }
    json_dumpf(c.res, stdout, JSON_COMPACT);
    fputc('\n', stdout);
    json_decref(c.res);
    json_decref(c.req);
    arena_release(&c.a);
  }
  free(line);
  return ferror(stdout) ? 1 : 0;
}
