/* Solidity ABI; see abi.h.
 *
 * Encoding writes a sequence's heads in order: static values in place, a 32-byte placeholder
 * for each dynamic one, whose offset is filled in when its tail is appended after the heads.
 *
 * Decoding walks the type: dec_at() decodes the value whose encoding starts at an absolute
 * position; dec_seq() decodes the heads of a tuple or array and follows each dynamic member's
 * offset relative to the start of that sequence. A budget of "work units" (one per value and
 * one per 32 bytes copied) bounds the total, since offsets may point at the same bytes many
 * times. */
#include "eth/abi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eth/address.h"
#include "eth/hex.h"
#include "eth/keccak.h"
#include "eth/u256.h"

#include "core/banned.h"

/* ---- type parsing ---------------------------------------------------------------------- */

typedef struct {
  arena *a;
  const char *s;
  size_t n, i;
  pheme_error *err;
  int events; /* accept "indexed" */
} parser;

static pheme_err p_fail(parser *p, const char *what) {
  char q[PHEME_QUOTE];
  return pheme_set(p->err, PHEME_DATA_INVALID, "invalid abi type '%s': %s at offset %zu",
                     pheme_quote(q, sizeof q, p->s, p->n), what, p->i);
}

static pheme_err p_nomem(parser *p) {
  return pheme_set(p->err, PHEME_SYS_NOMEM, "abi: out of memory parsing a type");
}

static void p_ws(parser *p) {
  while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n')) p->i++;
}

static int is_ident(int c, int first) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$' ||
         (!first && c >= '0' && c <= '9');
}

/* Reads an identifier at p->i; returns its length (0 if none). */
static size_t p_ident(parser *p) {
  size_t st = p->i;
  if (p->i < p->n && is_ident((unsigned char)p->s[p->i], 1)) p->i++;
  else return 0;
  while (p->i < p->n && is_ident((unsigned char)p->s[p->i], 0)) p->i++;
  return p->i - st;
}

/* Parses a decimal without leading zero; -1 if none or over max. */
static long p_number(const char *s, size_t n, long max) {
  if (n == 0 || n > 7 || (n > 1 && s[0] == '0')) return -1;
  long v = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v <= max ? v : -1;
}

static abi_type *new_type(parser *p, abi_kind k) {
  abi_type *t = arena_zalloc(p->a, sizeof *t);
  if (t) {
    t->kind = k;
    t->head = 32;
  }
  return t;
}

static pheme_err p_base(parser *p, const char *w, size_t n, abi_type **out) {
  abi_type *t = NULL;
  long bits;
  if ((n >= 4 && !memcmp(w, "uint", 4)) || (n >= 3 && !memcmp(w, "int", 3))) {
    int u = w[0] == 'u';
    size_t pre = u ? 4 : 3;
    bits = n == pre ? 256 : p_number(w + pre, n - pre, 256);
    if (bits < 8 || bits % 8) return p_fail(p, "integer width must be 8..256 in steps of 8");
    t = new_type(p, u ? ABI_UINT : ABI_INT);
    if (t) t->size = (unsigned)bits;
  } else if (n == 7 && !memcmp(w, "address", 7)) {
    t = new_type(p, ABI_ADDRESS);
  } else if (n == 4 && !memcmp(w, "bool", 4)) {
    t = new_type(p, ABI_BOOL);
  } else if (n == 6 && !memcmp(w, "string", 6)) {
    t = new_type(p, ABI_STRING);
    if (t) t->dynamic = 1;
  } else if (n == 5 && !memcmp(w, "bytes", 5)) {
    t = new_type(p, ABI_BYTES);
    if (t) t->dynamic = 1;
  } else if (n > 5 && !memcmp(w, "bytes", 5)) {
    long k = p_number(w + 5, n - 5, 32);
    if (k < 1) return p_fail(p, "bytesN needs N in 1..32");
    t = new_type(p, ABI_BYTES_N);
    if (t) t->size = (unsigned)k;
  } else {
    return p_fail(p, "unknown type name");
  }
  if (!t) return p_nomem(p);
  *out = t;
  return PHEME_OK;
}

static pheme_err p_type(parser *p, int depth, abi_type **out);

/* '(' [component {',' component}] ')' where component = type [indexed] [name] */
static pheme_err p_tuple(parser *p, int depth, abi_type **out) {
  enum { MAX_FIELDS = 128 };
  const abi_type *fields[MAX_FIELDS];
  const char *names[MAX_FIELDS];
  unsigned char indexed[MAX_FIELDS];
  size_t k = 0;
  p->i++; /* '(' */
  p_ws(p);
  if (p->i < p->n && p->s[p->i] == ')') {
    p->i++;
  } else {
    for (;;) {
      abi_type *f;
      if (k == MAX_FIELDS) return p_fail(p, "too many tuple components");
      pheme_err e = p_type(p, depth + 1, &f);
      if (e) return e;
      fields[k] = f;
      names[k] = "";
      indexed[k] = 0;
      p_ws(p);
      size_t st = p->i, wl = p_ident(p);
      if (wl == 7 && !memcmp(p->s + st, "indexed", 7) && p->events) {
        indexed[k] = 1;
        p_ws(p);
        st = p->i;
        wl = p_ident(p);
      }
      if (wl) {
        if (!(names[k] = arena_strndup(p->a, p->s + st, wl))) return p_nomem(p);
        p_ws(p);
      }
      k++;
      if (p->i < p->n && p->s[p->i] == ',') {
        p->i++;
        p_ws(p);
        continue;
      }
      if (p->i < p->n && p->s[p->i] == ')') {
        p->i++;
        break;
      }
      return p_fail(p, "expected ',' or ')'");
    }
  }
  abi_type *t = new_type(p, ABI_TUPLE);
  if (!t) return p_nomem(p);
  t->n_fields = k;
  t->fields = arena_alloc(p->a, (k ? k : 1) * sizeof *t->fields);
  t->names = arena_alloc(p->a, (k ? k : 1) * sizeof *t->names);
  unsigned char *ix = arena_alloc(p->a, k ? k : 1);
  if (!t->fields || !t->names || !ix) return p_nomem(p);
  memcpy((void *)t->fields, fields, k * sizeof *fields);
  memcpy((void *)t->names, names, k * sizeof *names);
  memcpy(ix, indexed, k);
  t->indexed = ix;
  size_t head = 0;
  for (size_t i = 0; i < k; i++) {
    t->dynamic |= fields[i]->dynamic;
    head += fields[i]->head;
  }
  t->head = t->dynamic ? 32 : head;
  *out = t;
  return PHEME_OK;
}

/* The largest static size a type may have, so size arithmetic never overflows. */
#define ABI_MAX_STATIC ((size_t)1 << 32)

static pheme_err p_type(parser *p, int depth, abi_type **out) {
  abi_type *t;
  pheme_err e;
  if (depth > ABI_MAX_DEPTH) return p_fail(p, "nested too deeply");
  p_ws(p);
  if (p->i < p->n && p->s[p->i] == '(') {
    e = p_tuple(p, depth, &t);
  } else {
    size_t st = p->i;
    while (p->i < p->n && ((p->s[p->i] >= 'a' && p->s[p->i] <= 'z') ||
                           (p->s[p->i] >= '0' && p->s[p->i] <= '9')))
      p->i++;
    if (p->i == st) return p_fail(p, "expected a type");
    e = p_base(p, p->s + st, p->i - st, &t);
  }
  if (e) return e;
  int arrays = 0;
  while (p->i < p->n && p->s[p->i] == '[') {
    size_t st = ++p->i;
    while (p->i < p->n && p->s[p->i] != ']') p->i++;
    if (p->i == p->n) return p_fail(p, "unterminated '['");
    if (++arrays + depth > ABI_MAX_DEPTH) return p_fail(p, "nested too deeply");
    abi_type *arr = new_type(p, ABI_ARRAY);
    if (!arr) return p_nomem(p);
    arr->elem = t;
    if (p->i == st) {
      arr->length = ABI_DYNAMIC;
      arr->dynamic = 1;
    } else {
      long k = p_number(p->s + st, p->i - st, ABI_MAX_FIXED_LEN);
      if (k < 1) return p_fail(p, "array length must be 1..65536");
      arr->length = (size_t)k;
      arr->dynamic = t->dynamic;
      arr->head = t->dynamic ? 32 : t->head * (size_t)k;
      if (arr->head > ABI_MAX_STATIC) return p_fail(p, "static size too large");
    }
    p->i++; /* ']' */
    t = arr;
  }
  if (t->head > ABI_MAX_STATIC) return p_fail(p, "static size too large");
  *out = t;
  return PHEME_OK;
}

pheme_err abi_type_parse(arena *a, const char *s, size_t n, const abi_type **out, pheme_error *err) {
  parser p = {a, s, n, 0, err, 0};
  abi_type *t;
  pheme_err e = p_type(&p, 0, &t);
  if (e) return e;
  p_ws(&p);
  if (p.i != n) return p_fail(&p, "unexpected text after the type");
  *out = t;
  return PHEME_OK;
}

pheme_err abi_sig_parse(arena *a, const char *s, size_t n, abi_sig *out, pheme_error *err) {
  parser p = {a, s, n, 0, err, 1};
  p_ws(&p);
  size_t st = p.i, wl = p_ident(&p);
  if (!wl) return p_fail(&p, "expected a name");
  if (p.i >= n || s[p.i] != '(') return p_fail(&p, "expected '(' after the name");
  abi_type *t;
  pheme_err e = p_tuple(&p, 0, &t);
  if (e) return e;
  p_ws(&p);
  if (p.i != n) return p_fail(&p, "unexpected text after the signature");
  if (!(out->name = arena_strndup(a, s + st, wl))) return p_nomem(&p);
  out->params = t;
  return PHEME_OK;
}

pheme_err abi_type_canonical(buf *b, const abi_type *t) {
  int r = 0;
  switch (t->kind) {
    case ABI_UINT: r = buf_printf(b, "uint%u", t->size); break;
    case ABI_INT: r = buf_printf(b, "int%u", t->size); break;
    case ABI_ADDRESS: r = buf_adds(b, "address"); break;
    case ABI_BOOL: r = buf_adds(b, "bool"); break;
    case ABI_BYTES_N: r = buf_printf(b, "bytes%u", t->size); break;
    case ABI_BYTES: r = buf_adds(b, "bytes"); break;
    case ABI_STRING: r = buf_adds(b, "string"); break;
    case ABI_ARRAY:
      if (abi_type_canonical(b, t->elem)) return PHEME_SYS_NOMEM;
      r = t->length == ABI_DYNAMIC ? buf_adds(b, "[]") : buf_printf(b, "[%zu]", t->length);
      break;
    case ABI_TUPLE:
      r = buf_addc(b, '(');
      for (size_t i = 0; i < t->n_fields && !r; i++) {
        if (i) r = buf_addc(b, ',');
        if (!r && abi_type_canonical(b, t->fields[i])) return PHEME_SYS_NOMEM;
      }
      if (!r) r = buf_addc(b, ')');
      break;
  }
  return r ? PHEME_SYS_NOMEM : PHEME_OK;
}

pheme_err abi_sig_canonical(buf *b, const abi_sig *s) {
  if (buf_adds(b, s->name)) return PHEME_SYS_NOMEM;
  return abi_type_canonical(b, s->params);
}

static void sig_hash(uint8_t out[32], const abi_sig *s) {
  buf b;
  buf_init(&b, (size_t)1 << 20);
  if (abi_sig_canonical(&b, s)) PHEME_BUG("abi: signature of '%s' over 1 MiB", s->name);
  keccak_256(out, b.data, b.len);
  buf_release(&b);
}

void abi_sig_selector(uint8_t out[4], const abi_sig *s) {
  uint8_t h[32];
  sig_hash(h, s);
  memcpy(out, h, 4);
}

void abi_sig_topic(uint8_t out[32], const abi_sig *s) { sig_hash(out, s); }

/* ---- encoding -------------------------------------------------------------------------- */

typedef struct {
  buf *b;
  pheme_error *err;
} enc;

static pheme_err e_nomem(enc *e) {
  return pheme_set(e->err, PHEME_SYS_NOMEM, "abi: encoding larger than its buffer's cap");
}

static pheme_err e_bad(enc *e, const abi_type *t, const char *what, const json_t *v) {
  char ty[96], val[PHEME_QUOTE];
  buf tb;
  buf_init(&tb, sizeof ty - 1);
  if (abi_type_canonical(&tb, t)) {
    tb.len = 0;
  }
  snprintf(ty, sizeof ty, "%s", tb.len ? tb.data : "(type)");
  buf_release(&tb);
  char *dump = v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
  pheme_set(e->err, PHEME_DATA_INVALID, "abi: invalid %s value '%s': %s", ty,
              dump ? pheme_quote(val, sizeof val, dump, strlen(dump)) : "?", what);
  free(dump);
  return PHEME_DATA_INVALID;
}

/* A JSON integer, decimal string or (hex_ok) 0x quantity into 32 bytes two's complement. */
static pheme_err int_value(enc *e, const abi_type *t, const json_t *v, uint8_t w[32]) {
  pheme_error tmp;
  if (json_is_integer(v)) {
    json_int_t x = json_integer_value(v);
    u256_from_u64(w, (uint64_t)(x < 0 ? -(uint64_t)x : (uint64_t)x));
    if (x < 0) u256_negate(w);
    if (t->kind == ABI_UINT && x < 0) return e_bad(e, t, "negative", v);
  } else if (json_is_string(v)) {
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    int neg = 0;
    if (t->kind == ABI_UINT && n > 0 && s[0] == '-') return e_bad(e, t, "negative", v);
    pheme_err r = t->kind == ABI_UINT ? u256_parse(w, s, n, 1, &tmp)
                                       : u256_parse_signed(w, &neg, s, n, 0, &tmp);
    if (r) return e_bad(e, t, tmp.msg, v);
    if (t->kind == ABI_INT && !neg && (w[0] & 0x80)) return e_bad(e, t, "out of range", v);
  } else {
    return e_bad(e, t, "expected an integer or a decimal string", v);
  }
  int ok = t->kind == ABI_UINT ? u256_fits_uint(w, t->size) : u256_fits_int(w, t->size);
  return ok ? PHEME_OK : e_bad(e, t, "out of range", v);
}

/* Decodes a hex string value into a malloc'ed buffer. */
static pheme_err hex_value(enc *e, const abi_type *t, const json_t *v, uint8_t **out, size_t *n) {
  pheme_error tmp;
  if (!json_is_string(v)) return e_bad(e, t, "expected a 0x hex string", v);
  size_t sl = json_string_length(v);
  uint8_t *p = malloc(sl / 2 + 1);
  if (!p) return e_nomem(e);
  if (hex_decode(p, sl / 2 + 1, n, json_string_value(v), sl, 0, &tmp)) {
    free(p);
    return e_bad(e, t, tmp.msg, v);
  }
  *out = p;
  return PHEME_OK;
}

/* Appends data padded with zeros to a multiple of 32. */
static pheme_err put_padded(enc *e, const uint8_t *p, size_t n) {
  static const uint8_t zero[32];
  if (buf_add(e->b, p, n) || buf_add(e->b, zero, (32 - n % 32) % 32)) return e_nomem(e);
  return PHEME_OK;
}

static pheme_err put_word_size(enc *e, size_t x) {
  uint8_t w[32];
  u256_from_u64(w, (uint64_t)x);
  return buf_add(e->b, w, 32) ? e_nomem(e) : PHEME_OK;
}

/* The 32-byte word of a static atomic value. */
static pheme_err atom_word(enc *e, const abi_type *t, const json_t *v, uint8_t w[32]) {
  pheme_error tmp;
  memset(w, 0, 32);
  switch (t->kind) {
    case ABI_UINT:
    case ABI_INT:
      return int_value(e, t, v, w);
    case ABI_ADDRESS:
      if (!json_is_string(v)) return e_bad(e, t, "expected an address string", v);
      if (address_parse(w + 12, json_string_value(v), json_string_length(v), 0, &tmp))
        return e_bad(e, t, tmp.msg, v);
      return PHEME_OK;
    case ABI_BOOL:
      if (!json_is_boolean(v)) return e_bad(e, t, "expected true or false", v);
      w[31] = json_is_true(v);
      return PHEME_OK;
    case ABI_BYTES_N: {
      uint8_t *p;
      size_t n;
      pheme_err r = hex_value(e, t, v, &p, &n);
      if (r) return r;
      if (n != t->size) {
        free(p);
        return e_bad(e, t, "wrong number of bytes", v);
      }
      memcpy(w, p, n);
      free(p);
      return PHEME_OK;
    }
    default:
      PHEME_BUG("abi: atom_word on a non-atomic type");
  }
}

static pheme_err enc_at(enc *e, const abi_type *t, const json_t *v);

/* Encodes count values of types (types[i], or elem when types is NULL) as one sequence. */
static pheme_err enc_seq(enc *e, const abi_type *const *types, const abi_type *elem,
                         const json_t *arr, size_t count) {
  size_t start = e->b->len;
  for (size_t i = 0; i < count; i++) {
    const abi_type *t = types ? types[i] : elem;
    pheme_err r = t->dynamic ? put_word_size(e, 0) : enc_at(e, t, json_array_get(arr, i));
    if (r) return r;
  }
  size_t head_pos = start;
  for (size_t i = 0; i < count; i++) {
    const abi_type *t = types ? types[i] : elem;
    if (!t->dynamic) {
      head_pos += t->head;
      continue;
    }
    uint8_t w[32];
    u256_from_u64(w, (uint64_t)(e->b->len - start));
    memcpy(e->b->data + head_pos, w, 32);
    head_pos += 32;
    pheme_err r = enc_at(e, t, json_array_get(arr, i));
    if (r) return r;
  }
  return PHEME_OK;
}

static pheme_err enc_at(enc *e, const abi_type *t, const json_t *v) {
  switch (t->kind) {
    case ABI_BYTES:
    case ABI_STRING: {
      if (t->kind == ABI_STRING) {
        if (!json_is_string(v)) return e_bad(e, t, "expected a string", v);
        size_t n = json_string_length(v);
        pheme_err r = put_word_size(e, n);
        return r ? r : put_padded(e, (const uint8_t *)json_string_value(v), n);
      }
      uint8_t *p;
      size_t n;
      pheme_err r = hex_value(e, t, v, &p, &n);
      if (r) return r;
      r = put_word_size(e, n);
      if (!r) r = put_padded(e, p, n);
      free(p);
      return r;
    }
    case ABI_ARRAY: {
      if (!json_is_array(v)) return e_bad(e, t, "expected an array", v);
      size_t n = json_array_size(v);
      if (t->length == ABI_DYNAMIC) {
        pheme_err r = put_word_size(e, n);
        if (r) return r;
      } else if (n != t->length) {
        return e_bad(e, t, "wrong number of elements", v);
      }
      return enc_seq(e, NULL, t->elem, v, n);
    }
    case ABI_TUPLE:
      if (!json_is_array(v)) return e_bad(e, t, "expected an array of the tuple's components", v);
      if (json_array_size(v) != t->n_fields) return e_bad(e, t, "wrong number of components", v);
      return enc_seq(e, t->fields, NULL, v, t->n_fields);
    default: {
      uint8_t w[32];
      pheme_err r = atom_word(e, t, v, w);
      if (r) return r;
      return buf_add(e->b, w, 32) ? e_nomem(e) : PHEME_OK;
    }
  }
}

pheme_err abi_encode(buf *out, const abi_type *params, const json_t *v, pheme_error *err) {
  enc e = {out, err};
  if (params->kind != ABI_TUPLE) PHEME_BUG("abi_encode: parameters must be a tuple");
  return enc_at(&e, params, v);
}

pheme_err abi_encode_call(buf *out, const abi_sig *fn, const json_t *args, pheme_error *err) {
  uint8_t sel[4];
  abi_sig_selector(sel, fn);
  if (buf_add(out, sel, 4)) return pheme_set(err, PHEME_SYS_NOMEM, "abi: encoding too large");
  return abi_encode(out, fn->params, args, err);
}

/* ---- decoding -------------------------------------------------------------------------- */

typedef struct {
  const uint8_t *d;
  size_t n;
  size_t budget;
  pheme_error *err;
  size_t end; /* one past the last byte read */
} dec;

static pheme_err d_bad(dec *d, size_t pos, const char *what) {
  return pheme_set(d->err, PHEME_DATA_INVALID, "abi: %s at byte %zu", what, pos);
}

static pheme_err d_nomem(dec *d) {
  return pheme_set(d->err, PHEME_SYS_NOMEM, "abi: out of memory decoding");
}

static pheme_err d_charge(dec *d, size_t units, size_t pos) {
  if (units > d->budget) return d_bad(d, pos, "too much work for the input size (hostile offsets?)");
  d->budget -= units;
  return PHEME_OK;
}

static const uint8_t *d_word(dec *d, size_t pos) {
  if (pos > d->n || d->n - pos < 32) return NULL;
  if (pos + 32 > d->end) d->end = pos + 32;
  return d->d + pos;
}

/* A word holding a size or offset: must be below 2^64 and fit size_t. */
static pheme_err d_size(dec *d, size_t pos, size_t *out) {
  const uint8_t *w = d_word(d, pos);
  if (!w) return d_bad(d, pos, "data too short");
  uint64_t x;
  if (!u256_to_u64(w, &x) || x > SIZE_MAX) return d_bad(d, pos, "offset or length too large");
  *out = (size_t)x;
  return PHEME_OK;
}

static int all_zero(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i]) return 0;
  return 1;
}

static json_t *hex_json(const uint8_t *p, size_t n) {
  char *s = malloc(HEX_LEN(n) + 1);
  if (!s) return NULL;
  hex_encode(s, p, n);
  json_t *j = json_stringn(s, HEX_LEN(n));
  free(s);
  return j;
}

static pheme_err d_atom(dec *d, const abi_type *t, const uint8_t *w, size_t pos, json_t **out) {
  char s[U256_DEC_MAX];
  switch (t->kind) {
    case ABI_UINT:
      if (!all_zero(w, 32 - t->size / 8)) return d_bad(d, pos, "uint value has nonzero high bits");
      *out = json_string(u256_to_dec(s, w));
      break;
    case ABI_INT: {
      size_t hi = 32 - t->size / 8;
      uint8_t ext = (w[hi] & 0x80) ? 0xff : 0x00;
      for (size_t i = 0; i < hi; i++)
        if (w[i] != ext) return d_bad(d, pos, "int value is not sign-extended");
      *out = json_string(u256_to_sdec(s, w));
      break;
    }
    case ABI_ADDRESS: {
      char a[ADDRESS_TEXT];
      if (!all_zero(w, 12)) return d_bad(d, pos, "address has nonzero padding");
      *out = json_string(address_to_checksum(a, w + 12));
      break;
    }
    case ABI_BOOL:
      if (!all_zero(w, 31) || w[31] > 1) return d_bad(d, pos, "bool is not 0 or 1");
      *out = json_boolean(w[31]);
      break;
    case ABI_BYTES_N:
      if (!all_zero(w + t->size, 32 - t->size)) return d_bad(d, pos, "bytesN has nonzero padding");
      *out = hex_json(w, t->size);
      break;
    default:
      PHEME_BUG("abi: d_atom on a non-atomic type");
  }
  return *out ? PHEME_OK : d_nomem(d);
}

static pheme_err dec_at(dec *d, const abi_type *t, size_t pos, json_t **out);

static pheme_err dec_seq(dec *d, const abi_type *const *types, const abi_type *elem, size_t count,
                         size_t start, json_t **out) {
  json_t *arr = json_array();
  if (!arr) return d_nomem(d);
  size_t head = start;
  for (size_t i = 0; i < count; i++) {
    const abi_type *t = types ? types[i] : elem;
    json_t *v = NULL;
    pheme_err r;
    if (t->dynamic) {
      size_t off;
      r = d_size(d, head, &off);
      if (!r && (off > d->n || start > d->n - off)) r = d_bad(d, head, "offset points past the data");
      if (!r) r = dec_at(d, t, start + off, &v);
    } else {
      r = dec_at(d, t, head, &v);
    }
    if (!r && json_array_append_new(arr, v)) r = d_nomem(d);
    if (r) {
      json_decref(arr);
      return r;
    }
    head += t->head;
  }
  *out = arr;
  return PHEME_OK;
}

static int utf8_valid(const uint8_t *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint8_t c = s[i];
    size_t k;
    uint32_t cp;
    if (c < 0x80) {
      i++;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      k = 1;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      k = 2;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      k = 3;
      cp = c & 0x07;
    } else {
      return 0;
    }
    if (n - i <= k) return 0;
    for (size_t j = 1; j <= k; j++) {
      if ((s[i + j] & 0xc0) != 0x80) return 0;
      cp = cp << 6 | (s[i + j] & 0x3f);
    }
    if ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
        cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      return 0;
    i += k + 1;
  }
  return 1;
}

static pheme_err dec_at(dec *d, const abi_type *t, size_t pos, json_t **out) {
  pheme_err r = d_charge(d, 1, pos);
  if (r) return r;
  switch (t->kind) {
    case ABI_BYTES:
    case ABI_STRING: {
      size_t len;
      if ((r = d_size(d, pos, &len))) return r;
      size_t at = pos + 32, padded = len + (32 - len % 32) % 32;
      if (len > d->n - at || padded > d->n - at) return d_bad(d, pos, "bytes or string runs past the data");
      if (!all_zero(d->d + at + len, padded - len)) return d_bad(d, at + len, "nonzero padding after bytes or string");
      if ((r = d_charge(d, padded / 32, pos))) return r;
      if (at + padded > d->end) d->end = at + padded;
      if (t->kind == ABI_BYTES) {
        *out = hex_json(d->d + at, len);
      } else {
        if (!utf8_valid(d->d + at, len)) return d_bad(d, at, "string is not valid utf-8");
        *out = json_stringn((const char *)d->d + at, len);
      }
      return *out ? PHEME_OK : d_nomem(d);
    }
    case ABI_ARRAY: {
      size_t count = t->length, start = pos;
      if (t->length == ABI_DYNAMIC) {
        if ((r = d_size(d, pos, &count))) return r;
        start = pos + 32;
        /* every element takes at least its head in the data */
        if (t->elem->head && count > (d->n - start) / t->elem->head)
          return d_bad(d, pos, "array length exceeds the data");
        if ((r = d_charge(d, count, pos))) return r;
      }
      return dec_seq(d, NULL, t->elem, count, start, out);
    }
    case ABI_TUPLE:
      return dec_seq(d, t->fields, NULL, t->n_fields, pos, out);
    default: {
      const uint8_t *w = d_word(d, pos);
      if (!w) return d_bad(d, pos, "data too short");
      return d_atom(d, t, w, pos, out);
    }
  }
}

/* An honest encoding of n bytes needs at most about n/32 units; allow a margin. */
static size_t budget_for(size_t n) { return 4096 + n / 4; }

pheme_err abi_decode(const abi_type *params, const uint8_t *data, size_t n, json_t **out,
                     pheme_error *err) {
  dec d = {data, n, budget_for(n), err, 0};
  if (params->kind != ABI_TUPLE) PHEME_BUG("abi_decode: parameters must be a tuple");
  if (!params->dynamic && n != params->head)
    return pheme_set(err, PHEME_DATA_INVALID, "abi: expected %zu bytes of static data, found %zu",
                       params->head, n);
  pheme_err r = dec_at(&d, params, 0, out);
  if (r || d.end == n) return r;
  json_decref(*out);
  *out = NULL;
  return pheme_set(err, PHEME_DATA_INVALID, "abi: %zu bytes after the end of the encoding", n - d.end);
}

pheme_err abi_decode_call(const abi_sig *fn, const uint8_t *data, size_t n, json_t **out,
                          pheme_error *err) {
  uint8_t sel[4];
  char have[16] = "", want[16];
  abi_sig_selector(sel, fn);
  if (n < 4 || memcmp(sel, data, 4) != 0) {
    if (n >= 4) hex_encode(have, data, 4);
    return pheme_set(err, PHEME_DATA_INVALID, "abi: selector '%s' is not %s's (%s)",
                       n >= 4 ? have : "(short)", fn->name, hex_encode(want, sel, 4));
  }
  return abi_decode(fn->params, data + 4, n - 4, out, err);
}

pheme_err abi_decode_error(const abi_sig *sigs, size_t n, const uint8_t *data, size_t len,
                           size_t *which, json_t **out, pheme_error *err) {
  char have[16];
  if (len < 4) return pheme_set(err, PHEME_DATA_INVALID, "abi: revert data shorter than a selector");
  for (size_t i = 0; i < n; i++) {
    uint8_t sel[4];
    abi_sig_selector(sel, &sigs[i]);
    if (memcmp(sel, data, 4) != 0) continue;
    *which = i;
    return abi_decode(sigs[i].params, data + 4, len - 4, out, err);
  }
  return pheme_set(err, PHEME_DATA_INVALID, "abi: unknown error selector '%s'", hex_encode(have, data, 4));
}

pheme_err abi_decode_log(const abi_sig *event, const uint8_t (*topics)[32], size_t n_topics,
                         const uint8_t *data, size_t n, json_t **out, pheme_error *err) {
  const abi_type *p = event->params;
  uint8_t topic0[32];
  abi_sig_topic(topic0, event);
  if (n_topics == 0 || memcmp(topics[0], topic0, 32) != 0)
    return pheme_set(err, PHEME_DATA_INVALID, "abi: log topic 0 is not event %s's", event->name);
  size_t n_indexed = 0;
  for (size_t i = 0; i < p->n_fields; i++) n_indexed += p->indexed[i];
  if (n_topics != n_indexed + 1)
    return pheme_set(err, PHEME_DATA_INVALID, "abi: event %s has %zu indexed parameters but the log %zu topics",
                       event->name, n_indexed, n_topics);
  /* the non-indexed parameters, as one tuple, are the data */
  const abi_type *fields[128];
  abi_type data_t = {.kind = ABI_TUPLE, .fields = fields};
  size_t head = 0;
  for (size_t i = 0; i < p->n_fields; i++) {
    if (p->indexed[i]) continue;
    fields[data_t.n_fields++] = p->fields[i];
    data_t.dynamic |= p->fields[i]->dynamic;
    head += p->fields[i]->head;
  }
  data_t.head = data_t.dynamic ? 32 : head;
  json_t *plain;
  pheme_err r = abi_decode(&data_t, data, n, &plain, err);
  if (r) return r;
  json_t *res = json_array();
  size_t ti = 1, di = 0;
  for (size_t i = 0; i < p->n_fields && res; i++) {
    json_t *v = NULL;
    const abi_type *t = p->fields[i];
    if (!p->indexed[i]) {
      v = json_incref(json_array_get(plain, di++));
    } else if (t->dynamic || t->kind == ABI_ARRAY || t->kind == ABI_TUPLE) {
      v = hex_json(topics[ti++], 32);
    } else {
      dec d = {topics[ti++], 32, 16, err, 0};
      if ((r = dec_at(&d, t, 0, &v))) break;
    }
    if (!v || json_array_append_new(res, v)) r = pheme_set(err, PHEME_SYS_NOMEM, "abi: out of memory");
    if (r) break;
  }
  json_decref(plain);
  if (!res) r = pheme_set(err, PHEME_SYS_NOMEM, "abi: out of memory");
  if (r) {
    json_decref(res);
    return r;
  }
  *out = res;
  return PHEME_OK;
}

/* The "in place" encoding hashed for an indexed dynamic value: no lengths, no offsets, every
 * element padded to 32 bytes (the Solidity documentation, "Encoding of Indexed Event
 * Parameters"). */
static pheme_err enc_topic(enc *e, const abi_type *t, const json_t *v) {
  switch (t->kind) {
    case ABI_STRING:
      if (!json_is_string(v)) return e_bad(e, t, "expected a string", v);
      return put_padded(e, (const uint8_t *)json_string_value(v), json_string_length(v));
    case ABI_BYTES: {
      uint8_t *p;
      size_t n;
      pheme_err r = hex_value(e, t, v, &p, &n);
      if (!r) r = put_padded(e, p, n);
      free(p);
      return r;
    }
    case ABI_ARRAY:
    case ABI_TUPLE: {
      size_t want = t->kind == ABI_TUPLE ? t->n_fields : t->length;
      if (!json_is_array(v) || (want != ABI_DYNAMIC && json_array_size(v) != want))
        return e_bad(e, t, "wrong shape", v);
      for (size_t i = 0; i < json_array_size(v); i++) {
        pheme_err r = enc_topic(e, t->kind == ABI_TUPLE ? t->fields[i] : t->elem, json_array_get(v, i));
        if (r) return r;
      }
      return PHEME_OK;
    }
    default:
      return enc_at(e, t, v);
  }
}

pheme_err abi_encode_topics(const abi_sig *event, const json_t *values, uint8_t topics[4][32],
                            size_t *n_topics, pheme_error *err) {
  const abi_type *p = event->params;
  if (!json_is_array(values) || json_array_size(values) != p->n_fields)
    return pheme_set(err, PHEME_DATA_INVALID, "abi: event %s needs %zu values", event->name, p->n_fields);
  abi_sig_topic(topics[0], event);
  size_t k = 1;
  for (size_t i = 0; i < p->n_fields; i++) {
    if (!p->indexed[i]) continue;
    if (k == 4) return pheme_set(err, PHEME_DATA_INVALID, "abi: more than 3 indexed parameters");
    buf b;
    buf_init(&b, (size_t)1 << 24);
    enc e = {&b, err};
    const abi_type *t = p->fields[i];
    const json_t *v = json_array_get(values, i);
    /* a top-level string or bytes is hashed as it is; inside arrays and tuples it is padded */
    pheme_err r = t->kind == ABI_STRING || t->kind == ABI_BYTES ? enc_at(&e, t, v) : enc_topic(&e, t, v);
    if (!r && (t->kind == ABI_STRING || t->kind == ABI_BYTES)) {
      /* enc_at wrote length || data || padding: hash just the data */
      size_t len = t->kind == ABI_STRING ? json_string_length(v) : (b.len - 32);
      if (t->kind == ABI_BYTES) {
        uint64_t l;
        u256_to_u64((const uint8_t *)b.data, &l);
        len = (size_t)l;
      }
      keccak_256(topics[k], b.data + 32, len);
      buf_release(&b);
      k++;
      continue;
    }
    if (!r) {
      if (t->dynamic || t->kind == ABI_ARRAY || t->kind == ABI_TUPLE)
        keccak_256(topics[k], b.data, b.len);
      else
        memcpy(topics[k], b.data, 32);
    }
    buf_release(&b);
    if (r) return r;
    k++;
  }
  *n_topics = k;
  return PHEME_OK;
}
