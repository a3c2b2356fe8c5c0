/* Typed event logs: what tools/abigen generates per event of the suite (chain/events_gen.h: a
 * struct, a decoder, a field table) and the small, strict primitives those decoders are made of.
 *
 * A generated decoder reads one log straight from its binary form (topics and data as the
 * indexer parsed them) into the event's struct: addresses as uint8_t[20], uint256 as 32 bytes
 * big-endian (the u256 of eth/u256.h), small unsigned and signed integers as uint64_t / int64_t,
 * bool as bool, bytesN as uint8_t[N], bytes and string as (pointer, length) into the log's data,
 * arrays as a view into the data whose every element was checked. Nothing is copied or
 * allocated; the struct is valid while the log's data is.
 *
 * Decoding is as strict as eth/abi.h's abi_decode_log (which it replaces on the indexer's path;
 * tests/unit/chain/test_evdec.c holds the two together on every event of the suite): topic 0
 * must be the event's, one further topic per indexed parameter, every offset and length inside
 * the data, padding and unused high bits zero, bool 0 or 1, strings valid UTF-8, nothing after
 * the encoding. A refused log gets a message naming the event and the field. */
#ifndef PHEME_CHAIN_EVDEC_H
#define PHEME_CHAIN_EVDEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/err.h"

/* The kind of a field (or of an array's elements). */
typedef enum {
  EVK_ADDRESS, /* uint8_t[20] */
  EVK_UINT,    /* uintN, N <= 64: uint64_t */
  EVK_INT,     /* intN, N <= 64: int64_t */
  EVK_U256,    /* uintN, N > 64: uint8_t[32] big-endian */
  EVK_I256,    /* intN, N > 64: uint8_t[32] two's complement */
  EVK_BOOL,    /* bool */
  EVK_BYTES_N, /* uint8_t[N]; also an indexed dynamic value, which the log holds as its hash */
  EVK_BYTES,   /* ev_bytes */
  EVK_STRING,  /* ev_bytes, valid UTF-8, not NUL-terminated */
  EVK_ARRAY,   /* ev_array */
} ev_kind;

/* bytes or string: a view into the log's data. */
typedef struct {
  const uint8_t *p;
  size_t len;
} ev_bytes;

/* T[]: n elements of kind elem; base is where the elements' heads start (after the length word).
 * Read elements with ev_array_word / ev_array_bytes. */
typedef struct {
  const uint8_t *base;
  size_t n;
  size_t avail; /* bytes from base to the end of the data */
  ev_kind elem;
} ev_array;

/* The 32-byte word of element i of an array of static elements (an address sits in its last 20
 * bytes, a uintN in its last N/8). i < a->n. */
static inline const uint8_t *ev_array_word(const ev_array *a, size_t i) { return a->base + 32 * i; }
/* Element i of a bytes[] or string[] (checked by the decoder). */
ev_bytes ev_array_bytes(const ev_array *a, size_t i);

/* One field of an event, for code that walks fields (projections' generic parts, JSON). */
typedef struct {
  const char *name;
  ev_kind kind;
  unsigned size;  /* bits of uintN/intN, N of bytesN */
  ev_kind elem;   /* EVK_ARRAY: the elements' kind */
  unsigned elem_size;
  bool indexed;
  size_t offset;  /* offsetof the field in the event's struct */
} ev_field;

/* An event as abigen generated it. */
typedef struct ev_desc ev_desc;
typedef pheme_err (*ev_decode_fn)(const uint8_t (*topics)[32], size_t ntopics, const uint8_t *data,
                                  size_t n, void *out, char *why, size_t whylen);
struct ev_desc {
  const char *name;      /* "Transfer" */
  const char *cname;     /* "Transfer_PhemeToken": the struct is ev_<cname> */
  const char *signature; /* "Transfer(address indexed from,address indexed to,uint256 value)" */
  uint8_t topic[32];
  size_t nfields;
  const ev_field *fields;
  size_t size; /* sizeof the struct */
  ev_decode_fn decode;
};

/* Largest struct of any generated event, for callers that decode into a union-sized buffer. */
#define EV_MAX_SIZE 1024

/* The arguments of a decoded event as a JSON array in declaration order, exactly as
 * abi_decode_log gives them (numbers as decimal text, addresses EIP-55, bytes 0x hex). NULL on no
 * memory. */
json_t *ev_args_json(const ev_desc *d, const void *ev);
/* One field of a decoded event as JSON (same forms); NULL on no memory. */
json_t *ev_field_json(const ev_field *f, const void *ev);

/* ---- primitives of the generated decoders ---- */

/* A decoding in progress: the log's data and the furthest byte a dynamic value reached. */
typedef struct {
  const ev_desc *d;
  const uint8_t *data;
  size_t n, end;
  char *why;
  size_t whylen;
} evd;

/* Checks topic 0 and the topic count, and that the data holds at least head bytes (exactly head
 * when the event has no dynamic data). Returns 0 or -1 with the message written. */
int evd_begin(evd *c, const ev_desc *d, const uint8_t (*topics)[32], size_t ntopics,
              size_t nindexed, const uint8_t *data, size_t n, size_t head, bool dynamic,
              char *why, size_t whylen);
/* Each reads one value from a 32-byte word w (a topic or data + 32 * slot) into out; 0 or -1. */
int evd_address(evd *c, const char *field, const uint8_t *w, uint8_t out[20]);
int evd_uint(evd *c, const char *field, const uint8_t *w, unsigned bits, uint64_t *out);
int evd_int(evd *c, const char *field, const uint8_t *w, unsigned bits, int64_t *out);
int evd_u256(evd *c, const char *field, const uint8_t *w, unsigned bits, uint8_t out[32]);
int evd_i256(evd *c, const char *field, const uint8_t *w, unsigned bits, uint8_t out[32]);
int evd_bool(evd *c, const char *field, const uint8_t *w, bool *out);
int evd_bytes_n(evd *c, const char *field, const uint8_t *w, unsigned size, uint8_t *out);
/* A dynamic value whose offset (from the start of the data) is in head slot `slot`. */
int evd_bytes(evd *c, const char *field, size_t slot, bool string, ev_bytes *out);
int evd_array(evd *c, const char *field, size_t slot, ev_kind elem, unsigned elem_size,
              ev_array *out);
/* Checks that nothing follows the encoding. Returns PHEME_OK or PHEME_DATA_INVALID. */
pheme_err evd_end(evd *c);

#endif
