/* The primitives of the generated event decoders, and the JSON form of a decoded event; see
 * evdec.h. Every read is bounds-checked against the log's data before it happens. */
#include "chain/evdec.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonchar.h"
#include "core/util.h"
#include "eth/address.h"
#include "eth/hex.h"
#include "eth/u256.h"
#include "core/banned.h"

static int bad(evd *c, const char *field, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(evd *c, const char *field, const char *fmt, ...) {
  char msg[200];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (field)
    snprintf(c->why, c->whylen, "log does not decode as '%s': field '%s': %s", c->d->name, field, msg);
  else
    snprintf(c->why, c->whylen, "log does not decode as '%s': %s", c->d->name, msg);
  return -1;
}

static int all_zero(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i]) return 0;
  return 1;
}

static int utf8_ok(const uint8_t *p, size_t n) {
  size_t i = 0;
  while (i < n) {
    if (p[i] < 0x80) {
      i++;
      continue;
    }
    uint32_t cp;
    size_t k = jsonchar_utf8(p + i, n - i, &cp);
    if (!k) return 0;
    i += k;
  }
  return 1;
}

int evd_begin(evd *c, const ev_desc *d, const uint8_t (*topics)[32], size_t ntopics,
              size_t nindexed, const uint8_t *data, size_t n, size_t head, bool dynamic,
              char *why, size_t whylen) {
  *c = (evd){d, data, n, head, why, whylen};
  if (ntopics == 0 || memcmp(topics[0], d->topic, 32) != 0) return bad(c, NULL, "topic 0 is not the event's");
  if (ntopics != nindexed + 1)
    return bad(c, NULL, "%zu indexed parameters need %zu topics, found %zu", nindexed, nindexed + 1, ntopics);
  if (n < head || (!dynamic && n != head))
    return bad(c, NULL, "expected %s%zu bytes of data, found %zu", dynamic ? "at least " : "", head, n);
  if (n && !data) return bad(c, NULL, "no data");
  return 0;
}

int evd_address(evd *c, const char *field, const uint8_t *w, uint8_t out[20]) {
  if (!all_zero(w, 12)) return bad(c, field, "address has nonzero padding");
  memcpy(out, w + 12, 20);
  return 0;
}

int evd_uint(evd *c, const char *field, const uint8_t *w, unsigned bits, uint64_t *out) {
  if (!all_zero(w, 32 - bits / 8)) return bad(c, field, "uint%u value has nonzero high bits", bits);
  uint64_t x = 0;
  for (int i = 24; i < 32; i++) x = x << 8 | w[i];
  *out = x;
  return 0;
}

int evd_int(evd *c, const char *field, const uint8_t *w, unsigned bits, int64_t *out) {
  size_t hi = 32 - bits / 8;
  uint8_t ext = (w[hi] & 0x80) ? 0xff : 0x00;
  for (size_t i = 0; i < hi; i++)
    if (w[i] != ext) return bad(c, field, "int%u value is not sign-extended", bits);
  uint64_t x = 0;
  for (int i = 24; i < 32; i++) x = x << 8 | w[i];
  memcpy(out, &x, sizeof x); /* two's complement, as the word is */
  return 0;
}

int evd_u256(evd *c, const char *field, const uint8_t *w, unsigned bits, uint8_t out[32]) {
  if (!all_zero(w, 32 - bits / 8)) return bad(c, field, "uint%u value has nonzero high bits", bits);
  memcpy(out, w, 32);
  return 0;
}

int evd_i256(evd *c, const char *field, const uint8_t *w, unsigned bits, uint8_t out[32]) {
  size_t hi = 32 - bits / 8;
  uint8_t ext = (w[hi] & 0x80) ? 0xff : 0x00;
  for (size_t i = 0; i < hi; i++)
    if (w[i] != ext) return bad(c, field, "int%u value is not sign-extended", bits);
  memcpy(out, w, 32);
  return 0;
}

int evd_bool(evd *c, const char *field, const uint8_t *w, bool *out) {
  if (!all_zero(w, 31) || w[31] > 1) return bad(c, field, "bool is not 0 or 1");
  *out = w[31] != 0;
  return 0;
}

int evd_bytes_n(evd *c, const char *field, const uint8_t *w, unsigned size, uint8_t *out) {
  if (!all_zero(w + size, 32 - size)) return bad(c, field, "bytes%u has nonzero padding", size);
  memcpy(out, w, size);
  return 0;
}

/* A size word at pos (an offset or a length), as size_t; -1 past 2^63 or past the data. */
static int size_at(evd *c, const char *field, const uint8_t *base, size_t avail, size_t pos,
                   size_t *out) {
  if (pos > avail || avail - pos < 32) return bad(c, field, "data too short");
  uint64_t x;
  if (!u256_to_u64(base + pos, &x) || x > SIZE_MAX / 2) return bad(c, field, "offset or length too large");
  *out = (size_t)x;
  return 0;
}

/* The bytes or string at offset off of region (base, avail): length word, content, zero padding. */
static int dyn_at(evd *c, const char *field, const uint8_t *base, size_t avail, size_t off,
                  bool string, ev_bytes *out) {
  size_t len;
  if (size_at(c, field, base, avail, off, &len)) return -1;
  size_t at = off + 32, padded = len + (32 - len % 32) % 32;
  if (padded < len || padded > avail - at) return bad(c, field, "bytes or string runs past the data");
  if (!all_zero(base + at + len, padded - len)) return bad(c, field, "nonzero padding after bytes or string");
  if (string && !utf8_ok(base + at, len)) return bad(c, field, "string is not valid utf-8");
  size_t end = (size_t)(base - c->data) + at + padded;
  if (end > c->end) c->end = end;
  out->p = base + at;
  out->len = len;
  return 0;
}

int evd_bytes(evd *c, const char *field, size_t slot, bool string, ev_bytes *out) {
  size_t off;
  if (size_at(c, field, c->data, c->n, 32 * slot, &off)) return -1;
  return dyn_at(c, field, c->data, c->n, off, string, out);
}

static int elem_ok(evd *c, const char *field, const uint8_t *w, ev_kind k, unsigned size) {
  uint8_t tmp[32];
  uint64_t u;
  int64_t i;
  bool b;
  switch (k) {
    case EVK_ADDRESS: return evd_address(c, field, w, tmp);
    case EVK_UINT: return evd_uint(c, field, w, size, &u);
    case EVK_INT: return evd_int(c, field, w, size, &i);
    case EVK_U256: return evd_u256(c, field, w, size, tmp);
    case EVK_I256: return evd_i256(c, field, w, size, tmp);
    case EVK_BOOL: return evd_bool(c, field, w, &b);
    case EVK_BYTES_N: return evd_bytes_n(c, field, w, size, tmp);
    default: return bad(c, field, "unsupported element kind");
  }
}

int evd_array(evd *c, const char *field, size_t slot, ev_kind elem, unsigned elem_size,
              ev_array *out) {
  size_t off, count;
  if (size_at(c, field, c->data, c->n, 32 * slot, &off) ||
      size_at(c, field, c->data, c->n, off, &count))
    return -1;
  size_t start = off + 32, avail = c->n - start;
  if (count > avail / 32) return bad(c, field, "array length exceeds the data");
  const uint8_t *base = c->data + start;
  *out = (ev_array){base, count, avail, elem};
  if (elem == EVK_BYTES || elem == EVK_STRING) {
    /* Work is capped like abi_decode's: offsets pointing many times at one large value are
     * refused once the checks did a few times what an honest encoding of this size needs. */
    size_t budget = 65536 + 4 * c->n;
    for (size_t i = 0; i < count; i++) {
      size_t eo;
      ev_bytes b;
      if (size_at(c, field, base, avail, 32 * i, &eo) ||
          dyn_at(c, field, base, avail, eo, elem == EVK_STRING, &b))
        return -1;
      if (b.len + 32 > budget) return bad(c, field, "the encoding takes too much work to check");
      budget -= b.len + 32;
    }
  } else {
    for (size_t i = 0; i < count; i++)
      if (elem_ok(c, field, base + 32 * i, elem, elem_size)) return -1;
  }
  size_t end = start + 32 * count;
  if (end > c->end) c->end = end;
  return 0;
}

pheme_err evd_end(evd *c) {
  if (c->end == c->n) return PHEME_OK;
  bad(c, NULL, "%zu bytes after the end of the encoding", c->n - c->end);
  return PHEME_DATA_INVALID;
}

ev_bytes ev_array_bytes(const ev_array *a, size_t i) {
  uint64_t off = 0, len = 0;
  for (int k = 24; k < 32; k++) off = off << 8 | a->base[32 * i + k];
  for (int k = 24; k < 32; k++) len = len << 8 | a->base[off + k];
  return (ev_bytes){a->base + off + 32, (size_t)len};
}

/* ---- JSON, as abi_decode_log writes it ---- */

static json_t *hex_json(const uint8_t *p, size_t n) {
  char *s = malloc(2 * n + 3);
  if (!s) return NULL;
  s[0] = '0';
  s[1] = 'x';
  bytes_to_hex(s + 2, p, n);
  json_t *j = json_stringn(s, 2 * n + 2);
  free(s);
  return j;
}

static json_t *word_json(const uint8_t *w, ev_kind k, unsigned size) {
  char s[U256_DEC_MAX];
  switch (k) {
    case EVK_ADDRESS: return json_string(address_to_checksum(s, w + 12));
    case EVK_UINT:
    case EVK_U256: return json_string(u256_to_dec(s, w));
    case EVK_INT:
    case EVK_I256: return json_string(u256_to_sdec(s, w));
    case EVK_BOOL: return json_boolean(w[31]);
    case EVK_BYTES_N: return hex_json(w, size);
    default: return NULL;
  }
}

json_t *ev_field_json(const ev_field *f, const void *ev) {
  const uint8_t *p = (const uint8_t *)ev + f->offset;
  uint8_t w[32] = {0};
  switch (f->kind) {
    case EVK_ADDRESS:
      memcpy(w + 12, p, 20);
      return word_json(w, f->kind, f->size);
    case EVK_UINT:
    case EVK_INT: {
      uint64_t x;
      memcpy(&x, p, sizeof x);
      u256_from_u64(w, x);
      if (f->kind == EVK_INT && (int64_t)x < 0) memset(w, 0xff, 24);
      return word_json(w, f->kind, f->size);
    }
    case EVK_U256:
    case EVK_I256: return word_json(p, f->kind, f->size);
    case EVK_BOOL: return json_boolean(*(const bool *)p);
    case EVK_BYTES_N: return hex_json(p, f->size);
    case EVK_BYTES: {
      const ev_bytes *b = (const ev_bytes *)p;
      return hex_json(b->p, b->len);
    }
    case EVK_STRING: {
      const ev_bytes *b = (const ev_bytes *)p;
      return json_stringn(b->len ? (const char *)b->p : "", b->len);
    }
    case EVK_ARRAY: {
      const ev_array *a = (const ev_array *)p;
      json_t *arr = json_array();
      for (size_t i = 0; arr && i < a->n; i++) {
        json_t *v;
        if (a->elem == EVK_BYTES || a->elem == EVK_STRING) {
          ev_bytes b = ev_array_bytes(a, i);
          v = a->elem == EVK_BYTES ? hex_json(b.p, b.len)
                                   : json_stringn(b.len ? (const char *)b.p : "", b.len);
        } else {
          v = word_json(ev_array_word(a, i), a->elem, f->elem_size);
        }
        if (!v || json_array_append_new(arr, v)) {
          json_decref(arr);
          return NULL;
        }
      }
      return arr;
    }
  }
  return NULL;
}

json_t *ev_args_json(const ev_desc *d, const void *ev) {
  json_t *arr = json_array();
  for (size_t i = 0; arr && i < d->nfields; i++) {
    json_t *v = ev_field_json(&d->fields[i], ev);
    if (!v || json_array_append_new(arr, v)) {
      json_decref(arr);
      return NULL;
    }
  }
  return arr;
}
