/* EIP-712 typed-data hashing; see eip712.h.
 *
 * The types object is validated once per call; type hashes are cached per call so an array of
 * a thousand structs hashes its encodeType string once. */
#include "eth/eip712.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eth/address.h"
#include "eth/hex.h"
#include "eth/keccak.h"
#include "eth/u256.h"

#include "core/banned.h"

typedef struct {
  const char *name;
  uint8_t hash[32];
} type_hash;

typedef struct {
  const json_t *types;
  pheme_error *err;
  type_hash cache[EIP712_MAX_TYPES];
  size_t n_cache;
} ctx;

static int is_ident(const char *s) {
  if (!*s) return 0;
  for (size_t i = 0; s[i]; i++) {
    char c = s[i];
    int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$' ||
             (i > 0 && c >= '0' && c <= '9');
    if (!ok) return 0;
  }
  return 1;
}

/* Parses a decimal without leading zero in s[0..n) bounded by max; -1 if invalid. */
static long small_num(const char *s, size_t n, long max) {
  if (n == 0 || n > 6 || (n > 1 && s[0] == '0')) return -1;
  long v = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v <= max ? v : -1;
}

/* Atomic type names: 0 if not atomic, else 1 and the kind and size. kind: 'u' uint, 'i' int,
 * 'a' address, 'b' bool, 'n' bytesN, 'y' bytes, 's' string */
static int atomic(const char *s, size_t n, char *kind, unsigned *size) {
  if (n == 7 && !memcmp(s, "address", 7)) return *kind = 'a', 1;
  if (n == 4 && !memcmp(s, "bool", 4)) return *kind = 'b', 1;
  if (n == 6 && !memcmp(s, "string", 6)) return *kind = 's', 1;
  if (n == 5 && !memcmp(s, "bytes", 5)) return *kind = 'y', 1;
  if (n > 5 && !memcmp(s, "bytes", 5)) {
    long k = small_num(s + 5, n - 5, 32);
    if (k < 1) return 0;
    *kind = 'n';
    *size = (unsigned)k;
    return 1;
  }
  int u = n >= 4 && !memcmp(s, "uint", 4);
  if (u || (n >= 3 && !memcmp(s, "int", 3))) {
    size_t pre = u ? 4 : 3;
    long bits = n == pre ? 256 : small_num(s + pre, n - pre, 256);
    if (bits < 8 || bits % 8) return 0;
    *kind = u ? 'u' : 'i';
    *size = (unsigned)bits;
    return 1;
  }
  return 0;
}

/* Length of the base name in a type string ("Person[2][]" -> 6). */
static size_t base_len(const char *t) {
  const char *b = strchr(t, '[');
  return b ? (size_t)(b - t) : strlen(t);
}

static const json_t *struct_fields(const ctx *c, const char *name, size_t n) {
  const char *k;
  const json_t *v;
  json_object_foreach((json_t *)c->types, k, v) {
    if (strlen(k) == n && !memcmp(k, name, n)) return v;
  }
  return NULL;
}

static pheme_err bad(ctx *c, const char *fmt, const char *a, const char *b) {
  char qa[PHEME_QUOTE], qb[PHEME_QUOTE];
  pheme_set(c->err, PHEME_DATA_INVALID, fmt, pheme_quote(qa, sizeof qa, a, strlen(a)),
              b ? pheme_quote(qb, sizeof qb, b, strlen(b)) : "");
  return PHEME_DATA_INVALID;
}

/* Checks the suffixes of a type string: [] or [k] repeated. */
static int dims_valid(const char *s) {
  while (*s) {
    if (*s != '[') return 0;
    const char *e = strchr(s, ']');
    if (!e) return 0;
    if (e > s + 1 && small_num(s + 1, (size_t)(e - s - 1), 1000000) < 1) return 0;
    s = e + 1;
  }
  return 1;
}

static pheme_err validate_types(ctx *c) {
  if (!json_is_object(c->types)) return pheme_set(c->err, PHEME_DATA_INVALID, "eip712: 'types' must be an object");
  if (json_object_size(c->types) > EIP712_MAX_TYPES)
    return pheme_set(c->err, PHEME_DATA_INVALID, "eip712: more than %d types", EIP712_MAX_TYPES);
  const char *name;
  const json_t *fields;
  json_object_foreach((json_t *)c->types, name, fields) {
    char kind;
    unsigned size;
    if (!is_ident(name)) return bad(c, "eip712: invalid type name '%s'%s", name, NULL);
    if (atomic(name, strlen(name), &kind, &size)) return bad(c, "eip712: type name '%s' is an atomic type%s", name, NULL);
    if (!json_is_array(fields)) return bad(c, "eip712: fields of '%s' must be an array%s", name, NULL);
    size_t i;
    const json_t *f;
    json_array_foreach(fields, i, f) {
      const json_t *fn = json_object_get(f, "name"), *ft = json_object_get(f, "type");
      if (!json_is_object(f) || !json_is_string(fn) || !json_is_string(ft) || json_object_size(f) != 2 ||
          !*json_string_value(fn))
        return bad(c, "eip712: a field of '%s' is not {name, type}%s", name, NULL);
      const char *t = json_string_value(ft);
      if (strlen(t) != json_string_length(ft) || strlen(json_string_value(fn)) != json_string_length(fn))
        return bad(c, "eip712: a field of '%s' has a NUL in its name or type%s", name, NULL);
      size_t bl = base_len(t);
      if (!dims_valid(t + bl)) return bad(c, "eip712: invalid array type '%s' in '%s'", t, name);
      if (!atomic(t, bl, &kind, &size) && !struct_fields(c, t, bl))
        return bad(c, "eip712: unknown type '%s' in '%s'", t, name);
      for (size_t j = 0; j < i; j++)
        if (!strcmp(json_string_value(json_object_get(json_array_get(fields, j), "name")), json_string_value(fn)))
          return bad(c, "eip712: field '%s' appears twice in '%s'", json_string_value(fn), name);
    }
  }
  return PHEME_OK;
}

/* Collects the struct names reachable from name (name included) into deps. */
static pheme_err find_deps(ctx *c, const char *name, size_t n, const char **deps, size_t *count) {
  for (size_t i = 0; i < *count; i++)
    if (strlen(deps[i]) == n && !memcmp(deps[i], name, n)) return PHEME_OK;
  const char *key;
  const json_t *fields = NULL;
  json_object_foreach((json_t *)c->types, key, fields) {
    if (strlen(key) == n && !memcmp(key, name, n)) break;
  }
  if (!key) return PHEME_OK;
  if (*count == EIP712_MAX_TYPES) PHEME_BUG("eip712: more dependencies than types");
  deps[(*count)++] = key;
  size_t i;
  const json_t *f;
  json_array_foreach(fields, i, f) {
    const char *t = json_string_value(json_object_get(f, "type"));
    char kind;
    unsigned size;
    size_t bl = base_len(t);
    if (atomic(t, bl, &kind, &size)) continue;
    pheme_err e = find_deps(c, t, bl, deps, count);
    if (e) return e;
  }
  return PHEME_OK;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static pheme_err encode_type(ctx *c, buf *out, const char *type) {
  const char *deps[EIP712_MAX_TYPES];
  size_t count = 0;
  if (!struct_fields(c, type, strlen(type))) return bad(c, "eip712: unknown struct type '%s'%s", type, NULL);
  pheme_err e = find_deps(c, type, strlen(type), deps, &count);
  if (e) return e;
  qsort(deps + 1, count - 1, sizeof *deps, cmp_str);
  for (size_t d = 0; d < count; d++) {
    const json_t *fields = json_object_get(c->types, deps[d]);
    if (buf_adds(out, deps[d]) || buf_addc(out, '(')) goto nomem;
    size_t i;
    const json_t *f;
    json_array_foreach(fields, i, f) {
      if ((i && buf_addc(out, ',')) || buf_adds(out, json_string_value(json_object_get(f, "type"))) ||
          buf_addc(out, ' ') || buf_adds(out, json_string_value(json_object_get(f, "name"))))
        goto nomem;
    }
    if (buf_addc(out, ')')) goto nomem;
  }
  return PHEME_OK;
nomem:
  return pheme_set(c->err, PHEME_SYS_NOMEM, "eip712: encodeType longer than its cap");
}

static pheme_err type_hash_of(ctx *c, const char *type, uint8_t out[32]) {
  for (size_t i = 0; i < c->n_cache; i++)
    if (!strcmp(c->cache[i].name, type)) {
      memcpy(out, c->cache[i].hash, 32);
      return PHEME_OK;
    }
  buf b;
  buf_init(&b, (size_t)1 << 20);
  pheme_err e = encode_type(c, &b, type);
  if (!e) keccak_256(out, b.data, b.len);
  buf_release(&b);
  if (!e && c->n_cache < EIP712_MAX_TYPES) {
    c->cache[c->n_cache].name = type;
    memcpy(c->cache[c->n_cache++].hash, out, 32);
  }
  return e;
}

static pheme_err hash_struct(ctx *c, const char *type, const json_t *value, int depth, uint8_t out[32]);

static pheme_err value_bad(ctx *c, const char *type, const char *field, const char *what) {
  char qt[PHEME_QUOTE], qf[PHEME_QUOTE];
  return pheme_set(c->err, PHEME_DATA_INVALID, "eip712: invalid %s value for '%s': %s",
                     pheme_quote(qt, sizeof qt, type, strlen(type)),
                     pheme_quote(qf, sizeof qf, field, strlen(field)), what);
}

/* The 32-byte encodeData word of a value of type t[0..tl) (t may carry array suffixes). */
static pheme_err encode_field(ctx *c, const char *t, size_t tl, const json_t *v, const char *field,
                              int depth, uint8_t out[32]) {
  char tname[256];
  snprintf(tname, sizeof tname, "%.*s", (int)(tl < 255 ? tl : 255), t);
  if (depth > EIP712_MAX_DEPTH) return value_bad(c, tname, field, "nested too deeply");
  memset(out, 0, 32);
  if (tl > 0 && t[tl - 1] == ']') {
    size_t open = tl - 1;
    while (t[open] != '[') open--;
    if (!json_is_array(v)) return value_bad(c, tname, field, "expected an array");
    if (open + 2 < tl) {
      long k = small_num(t + open + 1, tl - open - 2, 1000000);
      if ((size_t)k != json_array_size(v)) return value_bad(c, tname, field, "wrong number of elements");
    }
    keccak_ctx k;
    keccak_init(&k);
    size_t i;
    const json_t *x;
    json_array_foreach(v, i, x) {
      uint8_t w[32];
      pheme_err e = encode_field(c, t, open, x, field, depth + 1, w);
      if (e) return e;
      keccak_update(&k, w, 32);
    }
    keccak_final(&k, out);
    return PHEME_OK;
  }
  char kind;
  unsigned size;
  if (!atomic(t, tl, &kind, &size)) {
    if (!json_is_object(v)) return value_bad(c, tname, field, "expected an object");
    const char *key;
    const json_t *ignored;
    json_object_foreach((json_t *)c->types, key, ignored) {
      if (strlen(key) == tl && !memcmp(key, t, tl)) break;
    }
    return hash_struct(c, key, v, depth + 1, out);
  }
  pheme_error tmp;
  switch (kind) {
    case 'a':
      if (!json_is_string(v)) return value_bad(c, tname, field, "expected an address string");
      if (address_parse(out + 12, json_string_value(v), json_string_length(v), 0, &tmp))
        return value_bad(c, tname, field, tmp.msg);
      return PHEME_OK;
    case 'b':
      if (!json_is_boolean(v)) return value_bad(c, tname, field, "expected true or false");
      out[31] = json_is_true(v);
      return PHEME_OK;
    case 's':
      if (!json_is_string(v)) return value_bad(c, tname, field, "expected a string");
      keccak_256(out, json_string_value(v), json_string_length(v));
      return PHEME_OK;
    case 'y':
    case 'n': {
      if (!json_is_string(v)) return value_bad(c, tname, field, "expected a 0x hex string");
      size_t sl = json_string_length(v), n;
      uint8_t *p = malloc(sl / 2 + 1);
      if (!p) return pheme_set(c->err, PHEME_SYS_NOMEM, "eip712: out of memory");
      if (hex_decode(p, sl / 2 + 1, &n, json_string_value(v), sl, 0, &tmp)) {
        free(p);
        return value_bad(c, tname, field, tmp.msg);
      }
      if (kind == 'y') {
        keccak_256(out, p, n);
      } else if (n != size) {
        free(p);
        return value_bad(c, tname, field, "wrong number of bytes");
      } else {
        memcpy(out, p, n);
      }
      free(p);
      return PHEME_OK;
    }
    default: { /* 'u', 'i' */
      if (json_is_integer(v)) {
        json_int_t x = json_integer_value(v);
        u256_from_u64(out, x < 0 ? -(uint64_t)x : (uint64_t)x);
        if (x < 0) u256_negate(out);
        if (kind == 'u' && x < 0) return value_bad(c, tname, field, "negative");
      } else if (json_is_string(v)) {
        const char *s = json_string_value(v);
        size_t sl = json_string_length(v);
        int neg = 0;
        if (kind == 'u' ? u256_parse(out, s, sl, 1, &tmp) : u256_parse_signed(out, &neg, s, sl, 1, &tmp))
          return value_bad(c, tname, field, tmp.msg);
        if (kind == 'i' && !neg && (out[0] & 0x80)) return value_bad(c, tname, field, "out of range");
      } else {
        return value_bad(c, tname, field, "expected an integer or a decimal string");
      }
      int ok = kind == 'u' ? u256_fits_uint(out, size) : u256_fits_int(out, size);
      return ok ? PHEME_OK : value_bad(c, tname, field, "out of range");
    }
  }
}

static pheme_err hash_struct(ctx *c, const char *type, const json_t *value, int depth, uint8_t out[32]) {
  const json_t *fields = json_object_get(c->types, type);
  if (!fields) return bad(c, "eip712: unknown struct type '%s'%s", type, NULL);
  if (!json_is_object(value)) return bad(c, "eip712: value of '%s' is not an object%s", type, NULL);
  uint8_t th[32];
  pheme_err e = type_hash_of(c, type, th);
  if (e) return e;
  keccak_ctx k;
  keccak_init(&k);
  keccak_update(&k, th, 32);
  size_t i;
  const json_t *f;
  json_array_foreach(fields, i, f) {
    const char *fname = json_string_value(json_object_get(f, "name"));
    const char *ftype = json_string_value(json_object_get(f, "type"));
    const json_t *v = json_object_get(value, fname);
    if (!v) return bad(c, "eip712: field '%s' of '%s' is missing", fname, type);
    uint8_t w[32];
    if ((e = encode_field(c, ftype, strlen(ftype), v, fname, depth, w))) return e;
    keccak_update(&k, w, 32);
  }
  if (json_object_size(value) != json_array_size(fields)) {
    const char *key;
    const json_t *ignored;
    json_object_foreach((json_t *)value, key, ignored) {
      int found = 0;
      json_array_foreach(fields, i, f) found |= !strcmp(key, json_string_value(json_object_get(f, "name")));
      if (!found) return bad(c, "eip712: '%s' is not a field of '%s'", key, type);
    }
  }
  keccak_final(&k, out);
  return PHEME_OK;
}

/* ctx over typed.types, with EIP712Domain derived from the domain when not declared; *owned
 * gets a types object to json_decref() afterwards (or NULL). */
static pheme_err ctx_open(ctx *c, const json_t *typed, json_t **owned, pheme_error *err) {
  static const char *const domain_fields[][2] = {{"name", "string"},
                                                 {"version", "string"},
                                                 {"chainId", "uint256"},
                                                 {"verifyingContract", "address"},
                                                 {"salt", "bytes32"}};
  memset(c, 0, sizeof *c);
  c->err = err;
  *owned = NULL;
  if (!json_is_object(typed)) return pheme_set(err, PHEME_DATA_INVALID, "eip712: typed data must be an object");
  const json_t *types = json_object_get(typed, "types"), *domain = json_object_get(typed, "domain");
  if (!json_is_object(types)) return pheme_set(err, PHEME_DATA_INVALID, "eip712: 'types' must be an object");
  if (!json_is_object(domain)) return pheme_set(err, PHEME_DATA_INVALID, "eip712: 'domain' must be an object");
  c->types = types;
  if (!json_object_get(types, "EIP712Domain")) {
    json_t *copy = json_copy((json_t *)types), *fields = json_array();
    if (!copy || !fields) {
      json_decref(copy);
      json_decref(fields);
      return pheme_set(err, PHEME_SYS_NOMEM, "eip712: out of memory");
    }
    for (size_t i = 0; i < 5; i++)
      if (json_object_get(domain, domain_fields[i][0]))
        json_array_append_new(fields, json_pack("{s:s,s:s}", "name", domain_fields[i][0], "type",
                                                domain_fields[i][1]));
    json_object_set_new(copy, "EIP712Domain", fields);
    c->types = *owned = copy;
  }
  return validate_types(c);
}

pheme_err eip712_domain_separator(uint8_t out[32], const json_t *typed, pheme_error *err) {
  ctx *c = malloc(sizeof *c);
  json_t *owned;
  if (!c) return pheme_set(err, PHEME_SYS_NOMEM, "eip712: out of memory");
  pheme_err e = ctx_open(c, typed, &owned, err);
  if (!e) e = hash_struct(c, "EIP712Domain", json_object_get(typed, "domain"), 0, out);
  json_decref(owned);
  free(c);
  return e;
}

pheme_err eip712_hash(uint8_t out[32], const json_t *typed, pheme_error *err) {
  ctx *c = malloc(sizeof *c);
  json_t *owned;
  uint8_t dom[32], msg[32];
  if (!c) return pheme_set(err, PHEME_SYS_NOMEM, "eip712: out of memory");
  pheme_err e = ctx_open(c, typed, &owned, err);
  const json_t *primary = json_object_get(typed, "primaryType");
  if (!e && !json_is_string(primary))
    e = pheme_set(err, PHEME_DATA_INVALID, "eip712: 'primaryType' must be a string");
  if (!e) e = hash_struct(c, "EIP712Domain", json_object_get(typed, "domain"), 0, dom);
  int domain_only = !e && !strcmp(json_string_value(primary), "EIP712Domain");
  if (!e && !domain_only) {
    const json_t *message = json_object_get(typed, "message");
    if (!message) e = pheme_set(err, PHEME_DATA_INVALID, "eip712: 'message' is missing");
    else e = hash_struct(c, json_string_value(primary), message, 0, msg);
  }
  if (!e) {
    keccak_ctx k;
    keccak_init(&k);
    keccak_update(&k, "\x19\x01", 2);
    keccak_update(&k, dom, 32);
    if (!domain_only) keccak_update(&k, msg, 32);
    keccak_final(&k, out);
  }
  json_decref(owned);
  free(c);
  return e;
}

pheme_err eip712_hash_struct(uint8_t out[32], const json_t *types, const char *type,
                             const json_t *value, pheme_error *err) {
  ctx *c = calloc(1, sizeof *c);
  if (!c) return pheme_set(err, PHEME_SYS_NOMEM, "eip712: out of memory");
  c->types = types;
  c->err = err;
  pheme_err e = validate_types(c);
  if (!e) e = hash_struct(c, type, value, 0, out);
  free(c);
  return e;
}

pheme_err eip712_encode_type(buf *out, const json_t *types, const char *type, pheme_error *err) {
  ctx *c = calloc(1, sizeof *c);
  if (!c) return pheme_set(err, PHEME_SYS_NOMEM, "eip712: out of memory");
  c->types = types;
  c->err = err;
  pheme_err e = validate_types(c);
  if (!e) e = encode_type(c, out, type);
  free(c);
  return e;
}
