/* RLP, Ethereum's Recursive Length Prefix serialization (yellow paper, appendix B).
 *
 * Encoding appends to a capped buf: rlp_put_* for strings, rlp_list_begin/rlp_list_end around
 * the items of a list (lists nest).
 *
 * Decoding is strict and zero-copy: an rlp_item points into the caller's input. Every
 * non-canonical form is rejected: a single byte below 0x80 wrapped as a string, the long form
 * used for a payload under 56 bytes, length bytes with a leading zero, lengths running past the
 * input, and (rlp_decode) bytes after the item. */
#ifndef PHEME_ETH_RLP_H
#define PHEME_ETH_RLP_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/buf.h"
#include "core/err.h"

/* Deepest list nesting rlp_decode_json and rlp_encode_json accept. */
#define RLP_MAX_DEPTH 64

/* Each append returns 0, or PHEME_SYS_NOMEM when the buffer's cap or memory runs out (the
 * buffer may then hold a partial encoding; discard it). */
pheme_err rlp_put_bytes(buf *b, const uint8_t *p, size_t n) PHEME_MUST_CHECK;
/* An unsigned integer: big-endian without leading zeros (0 is the empty string). */
pheme_err rlp_put_uint(buf *b, const uint8_t be[32]) PHEME_MUST_CHECK;
pheme_err rlp_put_u64(buf *b, uint64_t x) PHEME_MUST_CHECK;
/* Bytes that are already an RLP encoding (an item inside a list being built). */
pheme_err rlp_put_raw(buf *b, const uint8_t *p, size_t n) PHEME_MUST_CHECK;

/* rlp_list_begin returns the mark to hand to rlp_list_end, which prefixes everything appended
 * since with the list header. */
size_t rlp_list_begin(const buf *b);
pheme_err rlp_list_end(buf *b, size_t mark) PHEME_MUST_CHECK;

typedef struct {
  int is_list;
  const uint8_t *payload; /* inside the input; for a list, the encodings of its items */
  size_t len;
  const uint8_t *raw; /* the whole encoding, header included */
  size_t raw_len;
} rlp_item;

/* Decodes the item at the start of in[0..n) and stores the bytes it takes in *used.
 * Returns 0, or PHEME_DATA_INVALID with *err set. */
pheme_err rlp_decode_next(const uint8_t *in, size_t n, rlp_item *out, size_t *used, pheme_error *err)
    PHEME_MUST_CHECK;
/* Decodes exactly one item filling in[0..n); trailing bytes are an error. */
pheme_err rlp_decode(const uint8_t *in, size_t n, rlp_item *out, pheme_error *err) PHEME_MUST_CHECK;

/* Walks the items of a list: rlp_iter_init then rlp_iter_next until *done. */
typedef struct {
  const uint8_t *p;
  size_t left;
} rlp_iter;
void rlp_iter_init(rlp_iter *it, const rlp_item *list);
pheme_err rlp_iter_next(rlp_iter *it, rlp_item *out, int *done, pheme_error *err) PHEME_MUST_CHECK;
/* Decodes all items of a list into items[0..max); *count gets the number. More than max items,
 * or a non-list, is an error. */
pheme_err rlp_list_items(const rlp_item *list, rlp_item *items, size_t max, size_t *count,
                         pheme_error *err) PHEME_MUST_CHECK;

/* Reads a string item as a canonical unsigned integer (no leading zero byte, at most 32
 * bytes) into a 32-byte big-endian value, or (u64) a uint64. */
pheme_err rlp_item_uint(const rlp_item *it, uint8_t out[32], pheme_error *err) PHEME_MUST_CHECK;
pheme_err rlp_item_u64(const rlp_item *it, uint64_t *out, pheme_error *err) PHEME_MUST_CHECK;

/* The tree form used by tests and tools: a string is a "0x..." JSON string, a list a JSON
 * array. rlp_decode_json returns a new reference in *out (caller json_decref()s) and rejects
 * nesting deeper than RLP_MAX_DEPTH. rlp_encode_json appends the encoding of such a tree. */
pheme_err rlp_decode_json(const uint8_t *in, size_t n, json_t **out, pheme_error *err)
    PHEME_MUST_CHECK;
pheme_err rlp_encode_json(buf *b, const json_t *tree, pheme_error *err) PHEME_MUST_CHECK;

#endif
