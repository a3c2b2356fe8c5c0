/* RLP encoding and strict decoding; see rlp.h. */
#include "eth/rlp.h"

#include <stdlib.h>
#include <string.h>

#include "eth/hex.h"

#include "core/banned.h"

/* Big-endian length without leading zeros into out (8 bytes); returns its byte count. */
static size_t be_len(uint8_t out[8], size_t len) {
  uint8_t tmp[8];
  size_t n = 0;
  for (uint64_t x = len; x; x >>= 8) tmp[n++] = (uint8_t)x;
  for (size_t i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
  return n;
}

/* The header for a payload of len bytes with base 0x80 (string) or 0xc0 (list). */
static size_t header(uint8_t out[9], uint8_t base, size_t len) {
  if (len < 56) {
    out[0] = (uint8_t)(base + len);
    return 1;
  }
  size_t ln = be_len(out + 1, len);
  out[0] = (uint8_t)(base + 55 + ln);
  return 1 + ln;
}

pheme_err rlp_put_bytes(buf *b, const uint8_t *p, size_t n) {
  if (n == 1 && p[0] < 0x80) return buf_add(b, p, 1) ? PHEME_SYS_NOMEM : PHEME_OK;
  uint8_t h[9];
  size_t hl = header(h, 0x80, n);
  if (buf_add(b, h, hl) || buf_add(b, p, n)) return PHEME_SYS_NOMEM;
  return PHEME_OK;
}

pheme_err rlp_put_uint(buf *b, const uint8_t be[32]) {
  size_t i = 0;
  while (i < 32 && be[i] == 0) i++;
  return rlp_put_bytes(b, be + i, 32 - i);
}

pheme_err rlp_put_u64(buf *b, uint64_t x) {
  uint8_t be[32] = {0};
  for (int i = 31; x; i--, x >>= 8) be[i] = (uint8_t)x;
  return rlp_put_uint(b, be);
}

pheme_err rlp_put_raw(buf *b, const uint8_t *p, size_t n) {
  return buf_add(b, p, n) ? PHEME_SYS_NOMEM : PHEME_OK;
}

size_t rlp_list_begin(const buf *b) { return b->len; }

pheme_err rlp_list_end(buf *b, size_t mark) {
  if (mark > b->len) PHEME_BUG("rlp_list_end: mark %zu past the buffer (%zu)", mark, b->len);
  uint8_t h[9];
  size_t len = b->len - mark;
  size_t hl = header(h, 0xc0, len);
  if (buf_add(b, h, hl)) return PHEME_SYS_NOMEM;
  memmove(b->data + mark + hl, b->data + mark, len);
  memcpy(b->data + mark, h, hl);
  return PHEME_OK;
}

pheme_err rlp_decode_next(const uint8_t *in, size_t n, rlp_item *out, size_t *used,
                          pheme_error *err) {
  if (n == 0) return pheme_set(err, PHEME_DATA_INVALID, "rlp: empty input where an item was expected");
  uint8_t b0 = in[0];
  size_t hl, len;
  int is_list = b0 >= 0xc0;
  if (b0 < 0x80) {
    out->is_list = 0;
    out->payload = in;
    out->len = 1;
    out->raw = in;
    out->raw_len = 1;
    *used = 1;
    return PHEME_OK;
  }
  uint8_t base = is_list ? 0xc0 : 0x80;
  if (b0 - base < 56) {
    hl = 1;
    len = (size_t)(b0 - base);
  } else {
    size_t ll = (size_t)(b0 - base - 55);
    if (n < 1 + ll)
      return pheme_set(err, PHEME_DATA_INVALID, "rlp: length of length (%zu bytes) runs past the input", ll);
    if (in[1] == 0)
      return pheme_set(err, PHEME_DATA_INVALID, "rlp: length with a leading zero byte");
    if (ll > sizeof(size_t))
      return pheme_set(err, PHEME_DATA_INVALID, "rlp: length of %zu bytes is too large", ll);
    len = 0;
    for (size_t i = 0; i < ll; i++) len = len << 8 | in[1 + i];
    if (len < 56)
      return pheme_set(err, PHEME_DATA_INVALID,
                         "rlp: long form used for a %zu-byte payload (short form required)", len);
    hl = 1 + ll;
  }
  if (len > n - hl)
    return pheme_set(err, PHEME_DATA_INVALID,
                       "rlp: %s of %zu bytes runs past the input (%zu bytes left)",
                       is_list ? "list" : "string", len, n - hl);
  if (!is_list && len == 1 && in[hl] < 0x80)
    return pheme_set(err, PHEME_DATA_INVALID,
                       "rlp: single byte 0x%02x below 0x80 encoded as a string", in[hl]);
  out->is_list = is_list;
  out->payload = in + hl;
  out->len = len;
  out->raw = in;
  out->raw_len = hl + len;
  *used = hl + len;
  return PHEME_OK;
}

pheme_err rlp_decode(const uint8_t *in, size_t n, rlp_item *out, pheme_error *err) {
  size_t used;
  pheme_err e = rlp_decode_next(in, n, out, &used, err);
  if (e) return e;
  if (used != n)
    return pheme_set(err, PHEME_DATA_INVALID, "rlp: %zu trailing bytes after the item", n - used);
  return PHEME_OK;
}

void rlp_iter_init(rlp_iter *it, const rlp_item *list) {
  it->p = list->payload;
  it->left = list->len;
}

pheme_err rlp_iter_next(rlp_iter *it, rlp_item *out, int *done, pheme_error *err) {
  if (it->left == 0) {
    *done = 1;
    return PHEME_OK;
  }
  *done = 0;
  size_t used;
  pheme_err e = rlp_decode_next(it->p, it->left, out, &used, err);
  if (e) return e;
  it->p += used;
  it->left -= used;
  return PHEME_OK;
}

pheme_err rlp_list_items(const rlp_item *list, rlp_item *items, size_t max, size_t *count,
                         pheme_error *err) {
  if (!list->is_list) return pheme_set(err, PHEME_DATA_INVALID, "rlp: expected a list, found a string");
  rlp_iter it;
  rlp_iter_init(&it, list);
  size_t k = 0;
  for (;;) {
    rlp_item x;
    int done;
    pheme_err e = rlp_iter_next(&it, &x, &done, err);
    if (e) return e;
    if (done) break;
    if (k == max) return pheme_set(err, PHEME_DATA_INVALID, "rlp: list has more than %zu items", max);
    items[k++] = x;
  }
  *count = k;
  return PHEME_OK;
}

pheme_err rlp_item_uint(const rlp_item *it, uint8_t out[32], pheme_error *err) {
  if (it->is_list) return pheme_set(err, PHEME_DATA_INVALID, "rlp: expected an integer, found a list");
  if (it->len > 32)
    return pheme_set(err, PHEME_DATA_INVALID, "rlp: integer of %zu bytes exceeds 256 bits", it->len);
  if (it->len > 0 && it->payload[0] == 0)
    return pheme_set(err, PHEME_DATA_INVALID, "rlp: integer with a leading zero byte");
  memset(out, 0, 32);
  memcpy(out + 32 - it->len, it->payload, it->len);
  return PHEME_OK;
}

pheme_err rlp_item_u64(const rlp_item *it, uint64_t *out, pheme_error *err) {
  uint8_t v[32];
  pheme_err e = rlp_item_uint(it, v, err);
  if (e) return e;
  if (it->len > 8) return pheme_set(err, PHEME_DATA_INVALID, "rlp: integer exceeds 64 bits");
  uint64_t x = 0;
  for (int i = 24; i < 32; i++) x = x << 8 | v[i];
  *out = x;
  return PHEME_OK;
}

static pheme_err to_json(const rlp_item *it, int depth, json_t **out, pheme_error *err) {
  if (!it->is_list) {
    char *s = malloc(HEX_LEN(it->len) + 1);
    if (!s) return pheme_set(err, PHEME_SYS_NOMEM, "rlp: out of memory");
    hex_encode(s, it->payload, it->len);
    *out = json_string(s);
    free(s);
    return *out ? PHEME_OK : pheme_set(err, PHEME_SYS_NOMEM, "rlp: out of memory");
  }
  if (depth >= RLP_MAX_DEPTH)
    return pheme_set(err, PHEME_DATA_INVALID, "rlp: lists nested deeper than %d", RLP_MAX_DEPTH);
  json_t *arr = json_array();
  if (!arr) return pheme_set(err, PHEME_SYS_NOMEM, "rlp: out of memory");
  rlp_iter iter;
  rlp_iter_init(&iter, it);
  for (;;) {
    rlp_item x;
    int done;
    json_t *child;
    pheme_err e = rlp_iter_next(&iter, &x, &done, err);
    if (!e && done) break;
    if (!e) e = to_json(&x, depth + 1, &child, err);
    if (!e && json_array_append_new(arr, child)) e = pheme_set(err, PHEME_SYS_NOMEM, "rlp: out of memory");
    if (e) {
      json_decref(arr);
      return e;
    }
  }
  *out = arr;
  return PHEME_OK;
}

pheme_err rlp_decode_json(const uint8_t *in, size_t n, json_t **out, pheme_error *err) {
  rlp_item it;
  pheme_err e = rlp_decode(in, n, &it, err);
  if (e) return e;
  return to_json(&it, 0, out, err);
}

static pheme_err from_json(buf *b, const json_t *t, int depth, pheme_error *err) {
  if (json_is_string(t)) {
    size_t sl = json_string_length(t), cap = sl / 2 + 1;
    uint8_t *p = malloc(cap);
    size_t n;
    if (!p) return pheme_set(err, PHEME_SYS_NOMEM, "rlp: out of memory");
    pheme_err e = hex_decode(p, cap, &n, json_string_value(t), sl, 0, err);
    if (!e) e = rlp_put_bytes(b, p, n);
    if (e == PHEME_SYS_NOMEM) pheme_set(err, e, "rlp: output larger than its cap");
    free(p);
    return e;
  }
  if (!json_is_array(t))
    return pheme_set(err, PHEME_DATA_INVALID, "rlp: tree nodes must be hex strings or arrays");
  if (depth >= RLP_MAX_DEPTH)
    return pheme_set(err, PHEME_DATA_INVALID, "rlp: lists nested deeper than %d", RLP_MAX_DEPTH);
  size_t mark = rlp_list_begin(b), i;
  json_t *v;
  json_array_foreach(t, i, v) {
    pheme_err e = from_json(b, v, depth + 1, err);
    if (e) return e;
  }
  if (rlp_list_end(b, mark)) return pheme_set(err, PHEME_SYS_NOMEM, "rlp: output larger than its cap");
  return PHEME_OK;
}

pheme_err rlp_encode_json(buf *b, const json_t *tree, pheme_error *err) {
  return from_json(b, tree, 0, err);
}
