/* JSON over jansson: strict parsing of request bodies and table-driven checks of their fields.
 *
 * A body is one JSON object; duplicate keys, NUL characters in strings and trailing data are
 * rejected. A body's fields are checked against a table of json_field rows: unknown fields,
 * missing required fields, wrong types and out-of-range values are all errors that name the
 * field, so a handler only reads values that are already known to be good. */
#ifndef PHEME_CORE_JSON_H
#define PHEME_CORE_JSON_H

#include <jansson.h>
#include <stddef.h>

#include "core/err.h"

typedef enum {
  JF_STRING,  /* min/max: length in bytes (UTF-8 is checked by jansson) */
  JF_INT,     /* min/max: value */
  JF_BOOL,
  JF_NUMBER,  /* integer or real; min/max: value */
  JF_AMOUNT,  /* a uint256 as a decimal string ("1000000000000000000") */
  JF_ADDRESS, /* "0x" + 40 hex digits */
  JF_ENUM,    /* a string, one of choices "A|B|C" */
  JF_ARRAY,   /* min/max: number of elements */
  JF_OBJECT,
  JF_NULLABLE_INT, /* an integer or null */
  /* Text that is shown, checked so it cannot lie about itself (see json_text_check):
   * JF_NAME: one line shown as a name, title or slug: no control character (C0, DEL, C1), no
   *   format character (Unicode Cf: bidi overrides, embeddings, isolates and marks, zero-width
   *   space, BOM, soft hyphen...) except ZWNJ and ZWJ (U+200C, U+200D: needed in Persian, Indic
   *   scripts and emoji sequences), no line or paragraph separator (U+2028, U+2029); normalised to
   *   NFC in the tree; min/max: length in bytes after normalisation.
   * JF_TEXT: long text (descriptions, bios, submissions): no control character except newline and
   *   tab; min/max: length in bytes. */
  JF_NAME,
  JF_TEXT,
} json_ftype;

typedef struct {
  const char *name;
  json_ftype type;
  int required;
  long long min, max;
  const char *choices;
} json_field;

/* Parses a request body (RFC 8259, UTF-8; what json_loadb accepts with JSON_REJECT_DUPLICATES |
 * JSON_DECODE_ANY, without its NUL-byte quirk; see json.c). Returns 0 with *out set (caller
 * json_decref()s it), or PHEME_API_BAD_JSON with msg set to "invalid JSON at line L column C:
 * <reason>" (C counts characters), or PHEME_SYS_NOMEM. Any JSON value is accepted at the top;
 * callers that need an object check json_is_object. */
pheme_err json_parse_body(const char *data, size_t len, json_t **out, char *msg, size_t msglen)
    PHEME_MUST_CHECK;

/* Checks obj against the field table. Returns 0, or PHEME_API_BAD_REQUEST with msg naming the
 * field and what is wrong ("field 'difficulty' must be an integer from 1 to 10"). JF_NAME values
 * are replaced in obj by their NFC form (the one change a check makes). */
pheme_err json_check(const json_t *obj, const json_field *fields, size_t n, char *msg, size_t msglen)
    PHEME_MUST_CHECK;

/* What JF_NAME (name = 1) or JF_TEXT (name = 0) refuses in s (valid UTF-8 of len bytes): returns
 * 0, or -1 with *cp set to the first code point refused. */
int json_text_check(const char *s, size_t len, int name, unsigned *cp);
/* s in Unicode NFC as a malloc'ed string (*outlen bytes), or NULL when out of memory. */
char *json_text_nfc(const char *s, size_t len, size_t *outlen);

/* The string value of a key, or def when absent or not a string. */
const char *json_str(const json_t *obj, const char *key, const char *def);
long long json_int(const json_t *obj, const char *key, long long def);

#endif
