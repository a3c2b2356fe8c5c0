/* The Solidity contract ABI: types, encoding, strict decoding, selectors, event logs, errors.
 *
 * Types are parsed from their text ("uint256", "(address,bytes[])[2]", "transfer(address to,
 * uint256 amount)") into a tree allocated from an arena; nothing in it is freed on its own.
 *
 * Values are jansson trees, the same shape in and out:
 *   uintN / intN   decimal string ("-5"); on input also a JSON integer or (uintN) a 0x quantity
 *   address        "0x..." string; decoded as EIP-55, parsed per address_parse
 *   bool           true / false
 *   bytesN, bytes  "0x..." string (exactly N bytes for bytesN)
 *   string         JSON string (UTF-8)
 *   T[k], T[], (…) JSON array
 *
 * Decoding is strict: every offset and length in bounds, padding and unused high bits zero,
 * bool 0 or 1, intN sign-extended, strings valid UTF-8, nothing after the encoding. Work is
 * capped: a hostile input whose offsets point many times at one large value is refused once the
 * decoder has done a few times the work an honest encoding of that size could need. */
#ifndef PHEME_ETH_ABI_H
#define PHEME_ETH_ABI_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"

#define ABI_MAX_DEPTH 32          /* nesting of tuples and arrays in a type */
#define ABI_MAX_FIXED_LEN 65536   /* largest k in T[k] */
#define ABI_DYNAMIC ((size_t)-1)  /* abi_type.length of T[] */

typedef enum {
  ABI_UINT,
  ABI_INT,
  ABI_ADDRESS,
  ABI_BOOL,
  ABI_BYTES_N,
  ABI_BYTES,
  ABI_STRING,
  ABI_ARRAY,
  ABI_TUPLE,
} abi_kind;

typedef struct abi_type abi_type;
struct abi_type {
  abi_kind kind;
  unsigned size;          /* bits of uintN/intN; N of bytesN */
  size_t length;          /* ABI_ARRAY: k, or ABI_DYNAMIC */
  const abi_type *elem;   /* ABI_ARRAY */
  size_t n_fields;        /* ABI_TUPLE */
  const abi_type **fields;
  const char **names;     /* ABI_TUPLE: field names, "" when unnamed */
  const unsigned char *indexed; /* ABI_TUPLE parsed as event parameters: 1 = indexed */
  int dynamic;            /* 1 when the encoding has a tail (bytes, string, T[], or holds one) */
  size_t head;            /* bytes the value takes in its parent's head: 32 when dynamic */
};

/* A function, event or error: a name and its parameters as a tuple. */
typedef struct {
  const char *name;
  const abi_type *params;
} abi_sig;

/* Parses one type. Returns 0 and *out (from a), or PHEME_DATA_INVALID with *err quoting the
 * text; PHEME_SYS_NOMEM when the arena is exhausted. Whitespace and field names are allowed
 * inside tuples: "(uint256 amount, address to)". */
pheme_err abi_type_parse(arena *a, const char *s, size_t n, const abi_type **out, pheme_error *err)
    PHEME_MUST_CHECK;

/* Parses "name(type [indexed] [name], ...)". */
pheme_err abi_sig_parse(arena *a, const char *s, size_t n, abi_sig *out, pheme_error *err)
    PHEME_MUST_CHECK;

/* Appends the canonical text of a type ("uint" becomes "uint256", names dropped) or of a
 * signature ("transfer(address,uint256)"). PHEME_SYS_NOMEM when the buffer's cap is reached. */
pheme_err abi_type_canonical(buf *out, const abi_type *t) PHEME_MUST_CHECK;
pheme_err abi_sig_canonical(buf *out, const abi_sig *s) PHEME_MUST_CHECK;

/* The 4-byte function or error selector and the 32-byte event topic of a signature. */
void abi_sig_selector(uint8_t out[4], const abi_sig *s);
void abi_sig_topic(uint8_t out[32], const abi_sig *s);

/* Appends the encoding of v as the parameters of a tuple type (what encodeAbiParameters and
 * abi.encode produce). Returns 0, or PHEME_DATA_INVALID with *err naming the value and the
 * problem (PHEME_SYS_NOMEM when the buffer's cap is reached). */
pheme_err abi_encode(buf *out, const abi_type *params, const json_t *v, pheme_error *err)
    PHEME_MUST_CHECK;
/* Decodes data as the parameters of a tuple type. Returns 0 and a new reference in *out (the
 * caller json_decref()s), or PHEME_DATA_INVALID with *err set. */
pheme_err abi_decode(const abi_type *params, const uint8_t *data, size_t n, json_t **out,
                     pheme_error *err) PHEME_MUST_CHECK;

/* selector || abi_encode(args): calldata for a function call. */
pheme_err abi_encode_call(buf *out, const abi_sig *fn, const json_t *args, pheme_error *err)
    PHEME_MUST_CHECK;
/* Checks the selector of data against fn and decodes the arguments (also custom errors:
 * revert data is selector || arguments, as is Error(string) and Panic(uint256)). */
pheme_err abi_decode_call(const abi_sig *fn, const uint8_t *data, size_t n, json_t **out,
                          pheme_error *err) PHEME_MUST_CHECK;
/* Finds which of sigs[0..n) matches the selector of revert data and decodes its arguments.
 * *which gets the index. PHEME_DATA_INVALID when no selector matches or the arguments do not
 * decode. */
pheme_err abi_decode_error(const abi_sig *sigs, size_t n, const uint8_t *data, size_t len,
                           size_t *which, json_t **out, pheme_error *err) PHEME_MUST_CHECK;

/* Decodes an event log. The signature's parameters carry their indexed flags; topics[0] must be
 * the event topic and one further topic must exist per indexed parameter. Static indexed values
 * are decoded from their topic; dynamic ones (string, bytes, arrays, tuples) are only stored as
 * their Keccak-256 hash and come out as that "0x..." hash. The result lists every parameter in
 * declaration order. */
pheme_err abi_decode_log(const abi_sig *event, const uint8_t (*topics)[32], size_t n_topics,
                         const uint8_t *data, size_t n, json_t **out, pheme_error *err)
    PHEME_MUST_CHECK;

/* Encodes the indexed parameters' topics for an event (topics[0] = event topic): for tests and
 * for building log filters. values has one entry per parameter; non-indexed ones are ignored.
 * *n_topics gets the count written (at most 4). */
pheme_err abi_encode_topics(const abi_sig *event, const json_t *values, uint8_t topics[4][32],
                            size_t *n_topics, pheme_error *err) PHEME_MUST_CHECK;

#endif
