/* A streaming JSON writer into a capped buffer: answers are written as they are read from
 * storage, with no tree built, no second pass and no allocation per value (jansson's trees cost
 * about half of a GET's CPU; see bench/http/RESULTS.md). Commas and nesting are tracked here, so
 * callers write keys and values in order:
 *
 *   jw_obj(w); jw_key(w, "id"); jw_int(w, 12); jw_key(w, "skills"); jw_arr(w); … jw_end(w); jw_end(w);
 *
 * Errors (buffer cap, nesting deeper than JW_DEPTH) are sticky: w->err is set and later calls do
 * nothing, so a caller checks once at the end. */
#ifndef PHEME_CORE_JSONW_H
#define PHEME_CORE_JSONW_H

#include <jansson.h>
#include <stdint.h>

#include "core/buf.h"

#define JW_DEPTH 32
/* The deepest tree jw_value writes: jansson's parser refuses deeper documents. */
#define JW_TREE_DEPTH 2048

typedef struct {
  buf *b;
  int err;
  int depth;
  unsigned char count[JW_DEPTH]; /* values written at each depth (saturating) */
  char kind[JW_DEPTH];           /* '{' or '[' that opened each depth */
  int after_key;
} jw;

void jw_init(jw *w, buf *b);
void jw_obj(jw *w);
void jw_arr(jw *w);
/* Ends the innermost object or array. */
void jw_end(jw *w);
void jw_key(jw *w, const char *key);
void jw_str(jw *w, const char *s);  /* NULL writes null */
void jw_strn(jw *w, const char *s, size_t n);
void jw_int(jw *w, long long v);
void jw_bool(jw *w, int v);
void jw_null(jw *w);
/* Writes a jansson tree as a value, with the bytes json_dumps(v, JSON_COMPACT | JSON_ENSURE_ASCII)
 * writes: object keys in the tree's (insertion) order, strings escaped as buf_add_json_str says,
 * integers as %lld, reals as jansson prints them (%.17g, ".0" added to an integral value, no '+'
 * or leading zeros in the exponent). Errors: v NULL (a json_pack that failed), nesting deeper than
 * JW_TREE_DEPTH (which a tree that contains itself also reaches), or the buffer's cap. */
void jw_value(jw *w, const json_t *v);
/* Writes JSON text as a value, unchecked: only for documents PHEME wrote and normalised itself
 * (stored task requirements, evidence). NULL or "" writes fallback, itself JSON text. */
void jw_raw(jw *w, const char *json, const char *fallback);
/* A time as RFC 3339 UTC with milliseconds ("2026-11-25T21:16:38.398Z"), or null for ms <= 0. */
void jw_time(jw *w, int64_t ms);


#endif
