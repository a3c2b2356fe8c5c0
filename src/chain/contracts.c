/* The run-time half of the contract bindings: lookups in the generated tables, encoding and
 * decoding through src/eth/abi, and the C <-> JSON value helpers the generated typed calls use.
 * Signatures are parsed on each call into a small arena: calls to the chain are rare next to the
 * microseconds this costs, and it keeps the generated code free of parsed-type caches. */
#include "chain/contracts.h"

#include <inttypes.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "eth/abi.h"
#include "eth/address.h"
#include "eth/hex.h"
#include "eth/u256.h"

#include "core/banned.h"

#define SIG_ARENA (1u << 20)

const contract_info *contracts_find(const char *name) {
  for (size_t i = 0; i < CONTRACTS_SUITE_COUNT; i++)
    if (strcmp(contracts_suite[i]->name, name) == 0) return contracts_suite[i];
  return NULL;
}

const contract_function *contracts_function(const contract_info *c, const char *name) {
  int by_sig = strchr(name, '(') != NULL;
  for (size_t i = 0; i < c->n_functions; i++)
    if (strcmp(by_sig ? c->functions[i].canonical : c->functions[i].name, name) == 0)
      return &c->functions[i];
  return NULL;
}

const contract_event *contracts_event_by_topic(const uint8_t topic0[32], const contract_info **owner) {
  for (size_t i = 0; i < CONTRACTS_SUITE_COUNT; i++)
    for (size_t k = 0; k < contracts_suite[i]->n_events; k++)
      if (memcmp(contracts_suite[i]->events[k].topic0, topic0, 32) == 0) {
        if (owner) *owner = contracts_suite[i];
        return &contracts_suite[i]->events[k];
      }
  return NULL;
}

const contract_error *contracts_error_by_selector(const uint8_t selector[4],
                                                  const contract_info **owner) {
  for (size_t i = 0; i < CONTRACTS_SUITE_COUNT; i++)
    for (size_t k = 0; k < contracts_suite[i]->n_errors; k++)
      if (memcmp(contracts_suite[i]->errors[k].selector, selector, 4) == 0) {
        if (owner) *owner = contracts_suite[i];
        return &contracts_suite[i]->errors[k];
      }
  return NULL;
}

static pheme_err parse_sig(arena *a, const char *text, abi_sig *s, pheme_error *err) {
  pheme_err e = abi_sig_parse(a, text, strlen(text), s, err);
  /* the tables come from abigen, which parsed the same text: failing here is a bug */
  if (e == PHEME_DATA_INVALID) PHEME_BUG("generated signature '%s' does not parse", text);
  return e;
}

pheme_err contracts_encode_call(buf *out, const contract_function *f, json_t *args, pheme_error *err) {
  if (!args) return pheme_set(err, PHEME_SYS_NOMEM, "%s: out of memory", f->name);
  arena a;
  arena_init(&a, SIG_ARENA);
  abi_sig s;
  size_t before = out->len;
  pheme_err e = parse_sig(&a, f->signature, &s, err);
  if (!e) e = abi_encode_call(out, &s, args, err);
  if (e) out->len = before, out->data[before] = 0; /* append nothing on failure */
  arena_release(&a);
  json_decref(args);
  return e;
}

pheme_err contracts_encode_deploy(buf *out, const contract_info *c, json_t *args, pheme_error *err) {
  if (!args) return pheme_set(err, PHEME_SYS_NOMEM, "%s: out of memory", c->name);
  arena a;
  arena_init(&a, SIG_ARENA);
  abi_sig s;
  size_t before = out->len;
  pheme_err e = parse_sig(&a, c->constructor, &s, err);
  if (!e && buf_add(out, c->bytecode, c->bytecode_len))
    e = pheme_set(err, PHEME_SYS_NOMEM, "%s: creation code too large", c->name);
  if (!e) e = abi_encode(out, s.params, args, err);
  if (e && out->len > before) out->len = before, out->data[before] = 0;
  arena_release(&a);
  json_decref(args);
  return e;
}

pheme_err contracts_decode_return(const contract_function *f, const uint8_t *data, size_t n,
                                  json_t **out, pheme_error *err) {
  *out = NULL;
  arena a;
  arena_init(&a, SIG_ARENA);
  const abi_type *t;
  pheme_err e = abi_type_parse(&a, f->outputs, strlen(f->outputs), &t, err);
  if (e == PHEME_DATA_INVALID) PHEME_BUG("generated outputs '%s' do not parse", f->outputs);
  if (!e) {
    e = abi_decode(t, data, n, out, err);
    if (e && err) {
      char keep[sizeof err->msg];
      snprintf(keep, sizeof keep, "%s", err->msg);
      pheme_set(err, e, "return of %s: %s", f->canonical, keep);
    }
  }
  arena_release(&a);
  return e;
}

pheme_err contracts_decode_event(const contract_event *ev, const uint8_t (*topics)[32],
                                 size_t n_topics, const uint8_t *data, size_t n, json_t **out,
                                 pheme_error *err) {
  *out = NULL;
  arena a;
  arena_init(&a, SIG_ARENA);
  abi_sig s;
  json_t *list = NULL;
  pheme_err e = parse_sig(&a, ev->signature, &s, err);
  if (!e) e = abi_decode_log(&s, topics, n_topics, data, n, &list, err);
  if (!e) {
    json_t *o = json_object();
    for (size_t i = 0; o && i < s.params->n_fields; i++) {
      char key[32];
      const char *name = s.params->names[i];
      if (!*name) snprintf(key, sizeof key, "%zu", i), name = key;
      if (json_object_set(o, name, json_array_get(list, i))) json_decref(o), o = NULL;
    }
    if (!o) e = pheme_set(err, PHEME_SYS_NOMEM, "%s: out of memory", ev->name);
    *out = o;
  }
  json_decref(list);
  arena_release(&a);
  return e;
}



/* ---- C <-> JSON ---- */

json_t *contracts_json_address(const uint8_t a[20]) {
  char t[ADDRESS_TEXT];
  return json_string(address_to_checksum(t, a));
}

json_t *contracts_json_u64(uint64_t x) {
  char t[32];
  snprintf(t, sizeof t, "%" PRIu64, x);
  return json_string(t);
}

json_t *contracts_json_i64(int64_t x) {
  char t[32];
  snprintf(t, sizeof t, "%" PRId64, x);
  return json_string(t);
}

json_t *contracts_json_uint(const uint8_t v[32]) {
  char t[U256_DEC_MAX];
  return json_string(u256_to_dec(t, v));
}

json_t *contracts_json_int(const uint8_t v[32]) {
  char t[U256_DEC_MAX];
  return json_string(u256_to_sdec(t, v));
}

json_t *contracts_json_bytes(const uint8_t *p, size_t n) {
  if (n > (SIZE_MAX - 3) / 2) return NULL;
  char *t = malloc(HEX_LEN(n) + 1);
  if (!t) return NULL;
  json_t *j = json_string(hex_encode(t, p, n));
  free(t);
  return j;
}

json_t *contracts_json_string(const char *s) { return s ? json_string(s) : NULL; }

json_t *contracts_pack(json_t **v, size_t n) {
  json_t *arr = json_array();
  int ok = arr != NULL;
  for (size_t i = 0; i < n; i++) {
    if (!v[i]) ok = 0;
    if (ok && json_array_append(arr, v[i])) ok = 0;
    json_decref(v[i]);
  }
  if (!ok) {
    json_decref(arr);
    return NULL;
  }
  return arr;
}

static pheme_err not_a(pheme_error *err, const char *what) {
  return pheme_set(err, PHEME_DATA_INVALID, "decoded value is not %s", what);
}

pheme_err contracts_take_address(const json_t *v, uint8_t out[20], pheme_error *err) {
  const char *s = json_string_value(v);
  if (!s) return not_a(err, "an address");
  return address_parse(out, s, strlen(s), 0, err);
}

pheme_err contracts_take_bool(const json_t *v, int *out, pheme_error *err) {
  if (!json_is_boolean(v)) return not_a(err, "a bool");
  *out = json_is_true(v);
  return PHEME_OK;
}

pheme_err contracts_take_uint(const json_t *v, uint8_t out[32], pheme_error *err) {
  const char *s = json_string_value(v);
  if (!s) return not_a(err, "an unsigned integer");
  return u256_parse(out, s, strlen(s), 0, err);
}

pheme_err contracts_take_int(const json_t *v, uint8_t out[32], pheme_error *err) {
  const char *s = json_string_value(v);
  if (!s) return not_a(err, "an integer");
  return u256_parse_signed(out, NULL, s, strlen(s), 0, err);
}

pheme_err contracts_take_u64(const json_t *v, uint64_t *out, pheme_error *err) {
  uint8_t w[32];
  pheme_err e = contracts_take_uint(v, w, err);
  if (e) return e;
  if (!u256_to_u64(w, out)) return not_a(err, "a 64-bit unsigned integer");
  return PHEME_OK;
}

pheme_err contracts_take_i64(const json_t *v, int64_t *out, pheme_error *err) {
  uint8_t w[32];
  pheme_err e = contracts_take_int(v, w, err);
  if (e) return e;
  if (!u256_fits_int(w, 64)) return not_a(err, "a 64-bit integer");
  uint64_t u = 0;
  for (int i = 24; i < 32; i++) u = u << 8 | w[i];
  *out = (int64_t)u;
  return PHEME_OK;
}

pheme_err contracts_take_bytes(const json_t *v, uint8_t *out, size_t n, pheme_error *err) {
  const char *s = json_string_value(v);
  if (!s) return not_a(err, "bytes");
  return hex_decode(out, n, NULL, s, strlen(s), HEX_EXACT, err);
}
