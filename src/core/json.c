/* Strict JSON bodies and field tables; see json.h. */
#include "core/json.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unictype.h>
#include <uninorm.h>

#include "core/buf.h"
#include "core/jsonchar.h"
#include "core/util.h"
#include "core/banned.h"

/* ---------- the body parser ----------
 *
 * json_loadb was about 8% of the server's CPU in the sign-in benchmark: it reads a byte at a time
 * through a callback and copies every token through a string buffer. This parser reads the body in
 * place (runs of plain string bytes 8 at a time, see jsonchar.h) and builds the same jansson tree.
 * It accepts exactly what json_loadb(JSON_REJECT_DUPLICATES | JSON_DECODE_ANY) accepts, which
 * tests/fuzz/fuzz_json_parse.c and tests/unit/core/test_json.c check against jansson itself:
 * RFC 8259 with any value at the top, UTF-8 only, no \u0000 and no lone surrogates in strings,
 * no duplicate keys, integers within long long, reals that do not overflow, and at most
 * BODY_MAX_DEPTH values nested (jansson counts a scalar inside the innermost array too). One
 * deliberate difference: jansson skips a NUL byte right after a number or a literal ("[1\0]" is
 * [1] to it); NUL bytes are not JSON, and this parser refuses them everywhere. */

#define BODY_MAX_DEPTH 2048

typedef struct {
  const unsigned char *start, *p, *end;
  int depth;
  pheme_err err;
  char *msg;
  size_t msglen;
  buf tmp; /* a string with escapes, decoded; the text of a real */
} parser;

/* Records the first failure, at the character at `at`. */
static void failv(parser *ps, const unsigned char *at, pheme_err e, const char *fmt, va_list ap) {
  if (ps->err) return;
  ps->err = e;
  int line = 1, column = 1;
  for (const unsigned char *q = ps->start; q < at; q++) {
    if (*q == '\n') {
      line++;
      column = 1;
    } else if ((*q & 0xc0) != 0x80) {
      column++; /* characters, not bytes */
    }
  }
  char why[160];
  vsnprintf(why, sizeof why, fmt, ap);
  snprintf(ps->msg, ps->msglen, "invalid JSON at line %d column %d: %s", line, column, why);
}

/* failv for functions that return a value (NULL) and for those that return a status (-1). */
__attribute__((format(printf, 4, 5))) static json_t *fail(parser *ps, const unsigned char *at,
                                                          pheme_err e, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  failv(ps, at, e, fmt, ap);
  va_end(ap);
  return NULL;
}

__attribute__((format(printf, 3, 4))) static int bad(parser *ps, const unsigned char *at,
                                                     const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  failv(ps, at, PHEME_API_BAD_JSON, fmt, ap);
  va_end(ap);
  return -1;
}

static json_t *nomem(parser *ps) { return fail(ps, ps->p, PHEME_SYS_NOMEM, "out of memory"); }
static int nomem_status(parser *ps) {
  nomem(ps);
  return -1;
}

static void skip_space(parser *ps) {
  while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\r' || *ps->p == '\t'))
    ps->p++;
}

/* What is at `at`, for a message: the character, or the end. */
static const char *what_is(const parser *ps, const unsigned char *at, char out[24]) {
  if (at >= ps->end) return "the end of the input";
  if (*at >= 0x20 && *at < 0x7f) snprintf(out, 24, "'%c'", *at);
  else snprintf(out, 24, "byte 0x%02x", *at);
  return out;
}

static json_t *unexpected(parser *ps, const unsigned char *at, const char *wanted) {
  char t[24];
  return fail(ps, at, PHEME_API_BAD_JSON, "%s expected, found %s", wanted, what_is(ps, at, t));
}

/* The 4 hex digits at p (at least 4 bytes available), or -1. */
static int32_t hex4_value(const unsigned char *p) {
  int32_t v = 0;
  for (int k = 0; k < 4; k++) {
    int d = hex_digit(p[k]);
    if (d < 0) return -1;
    v = v << 4 | d;
  }
  return v;
}

/* The \u escape at ps->p (just after the 'u'), with the low surrogate that must follow a high one;
 * appends the character's UTF-8 to ps->tmp. Returns 0, or -1 after bad(). */
static int unicode_escape(parser *ps) {
  const unsigned char *at = ps->p - 2;
  int32_t cp = ps->end - ps->p >= 4 ? hex4_value(ps->p) : -1;
  if (cp < 0) return bad(ps, at, "invalid \\u escape (4 hex digits expected)");
  ps->p += 4;
  if (cp >= 0xdc00 && cp <= 0xdfff)
    return bad(ps, at, "invalid Unicode '\\u%04X' (a lone low surrogate)", (unsigned)cp);
  if (cp >= 0xd800 && cp <= 0xdbff) {
    int has_next = ps->end - ps->p >= 6 && ps->p[0] == '\\' && ps->p[1] == 'u';
    int32_t low = has_next ? hex4_value(ps->p + 2) : -1;
    if (low < 0xdc00 || low > 0xdfff)
      return bad(ps, at, "invalid Unicode '\\u%04X' (a high surrogate without its low one)",
                  (unsigned)cp);
    ps->p += 6;
    cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
  }
  if (cp == 0) return bad(ps, at, "\\u0000 is not allowed in strings");
  char u[4];
  size_t n;
  if (cp < 0x80) {
    u[0] = (char)cp, n = 1;
  } else if (cp < 0x800) {
    u[0] = (char)(0xc0 | cp >> 6), u[1] = (char)(0x80 | (cp & 0x3f)), n = 2;
  } else if (cp < 0x10000) {
    u[0] = (char)(0xe0 | cp >> 12), u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
    u[2] = (char)(0x80 | (cp & 0x3f)), n = 3;
  } else {
    u[0] = (char)(0xf0 | cp >> 18), u[1] = (char)(0x80 | (cp >> 12 & 0x3f));
    u[2] = (char)(0x80 | (cp >> 6 & 0x3f)), u[3] = (char)(0x80 | (cp & 0x3f)), n = 4;
  }
  if (buf_add(&ps->tmp, u, n)) return nomem_status(ps);
  return 0;
}

/* Characters that stand for themselves in a string, from p on: plain bytes and valid UTF-8. */
static const unsigned char *literal_run(const unsigned char *p, const unsigned char *end) {
  for (;;) {
    p = jsonchar_plain_run(p, end);
    uint32_t cp;
    size_t len = p < end && *p >= 0x80 ? jsonchar_utf8(p, (size_t)(end - p), &cp) : 0;
    if (!len) return p;
    p += len;
  }
}

/* The string at ps->p (its opening quote). Returns 0 with (*s, *n) its bytes: in the input when it
 * has no escapes, else in ps->tmp (valid until the next string or number). Or -1 after bad(). */
static int string(parser *ps, const char **s, size_t *n) {
  const unsigned char *open = ps->p++, *from = ps->p;
  const unsigned char *q = literal_run(from, ps->end);
  if (q < ps->end && *q == '"') { /* no escapes: most strings */
    *s = (const char *)from;
    *n = (size_t)(q - from);
    ps->p = q + 1;
    return 0;
  }
  buf_clear(&ps->tmp);
  for (;;) {
    if (buf_add(&ps->tmp, from, (size_t)(q - from))) return nomem_status(ps);
    if (q == ps->end) return bad(ps, open, "a string is not closed");
    if (*q == '"') break;
    if (*q >= 0x80) return bad(ps, q, "byte 0x%02x is not UTF-8", *q);
    if (*q < 0x20)
      return bad(ps, q, "control character 0x%02x in a string (escape it)", *q);
    /* a backslash */
    if (ps->end - q < 2) return bad(ps, open, "a string is not closed");
    static const char from_esc[] = "\"\\/bfnrt", to_esc[] = "\"\\/\b\f\n\r\t";
    const char *e = q[1] ? strchr(from_esc, q[1]) : NULL;
    if (e) {
      if (buf_addc(&ps->tmp, to_esc[e - from_esc])) return nomem_status(ps);
      ps->p = q + 2;
    } else if (q[1] == 'u') {
      ps->p = q + 2;
      if (unicode_escape(ps)) return -1;
    } else {
      char t[24];
      return bad(ps, q, "invalid escape: %s after a backslash", what_is(ps, q + 1, t));
    }
    from = ps->p;
    q = literal_run(from, ps->end);
  }
  ps->p = q + 1;
  *s = ps->tmp.data;
  *n = ps->tmp.len;
  return 0;
}

static int is_digit(const unsigned char *p, const unsigned char *end) {
  return p < end && *p >= '0' && *p <= '9';
}

static json_t *number(parser *ps) {
  const unsigned char *start = ps->p, *q = ps->p, *end = ps->end;
  int negative = q < end && *q == '-', real = 0;
  q += negative;
  if (!is_digit(q, end)) return unexpected(ps, q, "a digit");
  if (*q == '0' && is_digit(q + 1, end))
    return fail(ps, q, PHEME_API_BAD_JSON, "a number starts with 0");
  while (is_digit(q, end)) q++;
  if (q < end && *q == '.') {
    real = 1;
    if (!is_digit(++q, end)) return unexpected(ps, q, "a digit after the decimal point");
    while (is_digit(q, end)) q++;
  }
  if (q < end && (*q == 'e' || *q == 'E')) {
    real = 1;
    q++;
    if (q < end && (*q == '+' || *q == '-')) q++;
    if (!is_digit(q, end)) return unexpected(ps, q, "a digit in the exponent");
    while (is_digit(q, end)) q++;
  }
  ps->p = q;
  if (!real) {
    unsigned long long v = 0, limit = negative ? (unsigned long long)LLONG_MAX + 1 : LLONG_MAX;
    for (const unsigned char *d = start + negative; d < q; d++) {
      unsigned digit = *d - '0';
      if (v > (limit - digit) / 10)
        return fail(ps, start, PHEME_API_BAD_JSON, "integer '%.*s' is too big",
                    (int)(q - start > 40 ? 40 : q - start), (const char *)start);
      v = v * 10 + digit;
    }
    json_t *j = json_integer(negative ? (long long)(0ull - v) : (long long)v);
    return j ? j : nomem(ps);
  }
  /* strtod needs the text NUL-terminated, which the body is not */
  buf_clear(&ps->tmp);
  if (buf_add(&ps->tmp, start, (size_t)(q - start))) return nomem(ps);
  errno = 0;
  double d = strtod(ps->tmp.data, NULL);
  if ((d == HUGE_VAL || d == -HUGE_VAL) && errno == ERANGE)
    return fail(ps, start, PHEME_API_BAD_JSON, "real number '%.40s' is too big", ps->tmp.data);
  json_t *j = json_real(d);
  return j ? j : nomem(ps);
}

static json_t *literal(parser *ps, const char *word, json_t *v) {
  size_t n = strlen(word);
  if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
    return unexpected(ps, ps->p, "a value");
  ps->p += n;
  return v;
}

static json_t *value(parser *ps);

static json_t *array(parser *ps) {
  json_t *a = json_array();
  if (!a) return nomem(ps);
  ps->p++;
  skip_space(ps);
  if (ps->p < ps->end && *ps->p == ']') {
    ps->p++;
    return a;
  }
  for (;;) {
    json_t *v = value(ps);
    if (!v || json_array_append_new(a, v)) break;
    skip_space(ps);
    if (ps->p < ps->end && *ps->p == ']') {
      ps->p++;
      return a;
    }
    if (ps->p >= ps->end || *ps->p != ',') {
      unexpected(ps, ps->p, "',' or ']'");
      break;
    }
    ps->p++;
    skip_space(ps);
  }
  if (!ps->err) nomem(ps);
  json_decref(a);
  return NULL;
}

static json_t *object(parser *ps) {
  json_t *o = json_object();
  if (!o) return nomem(ps);
  ps->p++;
  skip_space(ps);
  if (ps->p < ps->end && *ps->p == '}') {
    ps->p++;
    return o;
  }
  for (;;) {
    if (ps->p >= ps->end || *ps->p != '"') {
      unexpected(ps, ps->p, "a string key");
      break;
    }
    const unsigned char *key_at = ps->p;
    const char *key;
    size_t len;
    if (string(ps, &key, &len)) break;
    if (json_object_getn(o, key, len)) {
      fail(ps, key_at, PHEME_API_BAD_JSON, "duplicate object key '%.*s'", (int)(len > 64 ? 64 : len),
           key);
      break;
    }
    /* a key with escapes is in ps->tmp, which the value may reuse */
    char *copy = key == ps->tmp.data ? malloc(len + 1) : NULL;
    if (key == ps->tmp.data) {
      if (!copy) {
        nomem(ps);
        break;
      }
      memcpy(copy, key, len);
      key = copy;
    }
    skip_space(ps);
    json_t *v = NULL;
    if (ps->p >= ps->end || *ps->p != ':') {
      unexpected(ps, ps->p, "':'");
    } else {
      ps->p++;
      skip_space(ps);
      v = value(ps);
    }
    int failed = !v || json_object_setn_new_nocheck(o, key, len, v);
    free(copy);
    if (failed) break;
    skip_space(ps);
    if (ps->p < ps->end && *ps->p == '}') {
      ps->p++;
      return o;
    }
    if (ps->p >= ps->end || *ps->p != ',') {
      unexpected(ps, ps->p, "',' or '}'");
      break;
    }
    ps->p++;
    skip_space(ps);
  }
  if (!ps->err) nomem(ps);
  json_decref(o);
  return NULL;
}

/* The value at ps->p (no space before it). */
static json_t *value(parser *ps) {
  if (ps->p >= ps->end) return unexpected(ps, ps->p, "a value");
  if (++ps->depth > BODY_MAX_DEPTH)
    return fail(ps, ps->p, PHEME_API_BAD_JSON, "values nested more than %d deep", BODY_MAX_DEPTH);
  json_t *v;
  switch (*ps->p) {
    case '{': v = object(ps); break;
    case '[': v = array(ps); break;
    case '"': {
      const char *s;
      size_t n;
      v = string(ps, &s, &n) ? NULL : json_stringn_nocheck(s, n);
      if (!v && !ps->err) nomem(ps);
      break;
    }
    case 't': v = literal(ps, "true", json_true()); break;
    case 'f': v = literal(ps, "false", json_false()); break;
    case 'n': v = literal(ps, "null", json_null()); break;
    default:
      if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9')) v = number(ps);
      else v = unexpected(ps, ps->p, "a value");
  }
  ps->depth--;
  return v;
}

pheme_err json_parse_body(const char *data, size_t len, json_t **out, char *msg, size_t msglen) {
  parser ps = {.start = (const unsigned char *)data, .p = (const unsigned char *)data,
               .end = (const unsigned char *)data + len, .msg = msg, .msglen = msglen};
  buf_init(&ps.tmp, len + 1); /* nothing decoded is longer than the body */
  skip_space(&ps);
  json_t *v = value(&ps);
  skip_space(&ps);
  if (v && ps.p < ps.end) {
    unexpected(&ps, ps.p, "the end of the input");
    json_decref(v);
    v = NULL;
  }
  buf_release(&ps.tmp);
  *out = v;
  return v ? PHEME_OK : ps.err;
}

/* The next code point of valid UTF-8 (jansson has checked it). */
static unsigned next_cp(const unsigned char **p) {
  const unsigned char *s = *p;
  unsigned c = s[0];
  int n = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
  if (n > 1) c &= 0xffu >> (n + 1);
  for (int i = 1; i < n; i++) c = c << 6 | (s[i] & 0x3fu);
  *p = s + n;
  return c;
}

int json_text_check(const char *s, size_t len, int name, unsigned *cp) {
  const unsigned char *p = (const unsigned char *)s, *end = p + len;
  while (p < end) {
    unsigned c = next_cp(&p);
    int bad;
    if (c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f)) {
      bad = name || (c != '\n' && c != '\t');
    } else if (!name) {
      bad = 0;
    } else if (c == 0x200c || c == 0x200d) {
      bad = 0;
    } else {
      bad = c == 0x2028 || c == 0x2029 || uc_is_general_category((ucs4_t)c, UC_CATEGORY_Cf);
    }
    if (bad) {
      *cp = c;
      return -1;
    }
  }
  return 0;
}

char *json_text_nfc(const char *s, size_t len, size_t *outlen) {
  size_t n = 0;
  uint8_t *out = u8_normalize(UNINORM_NFC, (const uint8_t *)s, len, NULL, &n);
  if (!out) return NULL;
  /* as a C string too (u8_normalize does not end it) */
  char *z = realloc(out, n + 1);
  if (!z) {
    free(out);
    return NULL;
  }
  z[n] = 0;
  *outlen = n;
  return z;
}

static pheme_err check_text(const json_field *f, const json_t *v, char *msg, size_t msglen) {
  if (!json_is_string(v)) {
    snprintf(msg, msglen, "field '%s' must be a string", f->name);
    return PHEME_API_BAD_REQUEST;
  }
  size_t n = json_string_length(v);
  unsigned cp;
  if (json_text_check(json_string_value(v), n, f->type == JF_NAME, &cp)) {
    snprintf(msg, msglen, "field '%s' holds U+%04X, a %s character %s may not hold", f->name, cp,
             cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) ? "control" : "format or separator",
             f->type == JF_NAME ? "a name" : "text");
    return PHEME_API_BAD_REQUEST;
  }
  if (f->type == JF_NAME) {
    size_t m;
    char *nfc = json_text_nfc(json_string_value(v), n, &m);
    if (!nfc) {
      snprintf(msg, msglen, "out of memory");
      return PHEME_SYS_NOMEM;
    }
    /* the tree belongs to the request: its value becomes the normal form */
    int bad = (m != n || memcmp(nfc, json_string_value(v), n) != 0) && json_string_setn((json_t *)v, nfc, m);
    free(nfc);
    if (bad) {
      snprintf(msg, msglen, "out of memory");
      return PHEME_SYS_NOMEM;
    }
    n = m;
  }
  if ((long long)n < f->min || (long long)n > f->max) {
    snprintf(msg, msglen, "field '%s' must be %lld to %lld bytes long", f->name, f->min, f->max);
    return PHEME_API_BAD_REQUEST;
  }
  return PHEME_OK;
}

static pheme_err check_one(const json_field *f, const json_t *v, char *msg, size_t msglen) {
#define BAD(...) do { snprintf(msg, msglen, __VA_ARGS__); return PHEME_API_BAD_REQUEST; } while (0)
  switch (f->type) {
    case JF_STRING: {
      if (!json_is_string(v)) BAD("field '%s' must be a string", f->name);
      size_t n = json_string_length(v);
      if ((long long)n < f->min || (long long)n > f->max)
        BAD("field '%s' must be %lld to %lld bytes long", f->name, f->min, f->max);
      return PHEME_OK;
    }
    case JF_NULLABLE_INT:
      if (json_is_null(v)) return PHEME_OK;
      /* fall through */
    case JF_INT: {
      if (!json_is_integer(v)) BAD("field '%s' must be an integer", f->name);
      long long x = json_integer_value(v);
      if (x < f->min || x > f->max)
        BAD("field '%s' must be an integer from %lld to %lld", f->name, f->min, f->max);
      return PHEME_OK;
    }
    case JF_NUMBER: {
      if (!json_is_number(v)) BAD("field '%s' must be a number", f->name);
      double x = json_number_value(v);
      if (x < (double)f->min || x > (double)f->max)
        BAD("field '%s' must be a number from %lld to %lld", f->name, f->min, f->max);
      return PHEME_OK;
    }
    case JF_BOOL:
      if (!json_is_boolean(v)) BAD("field '%s' must be true or false", f->name);
      return PHEME_OK;
    case JF_AMOUNT:
      if (!json_is_string(v) || !uint256_decimal_valid(json_string_value(v)))
        BAD("field '%s' must be a decimal string of a whole number below 2^256 (e.g. \"1000\")",
            f->name);
      return PHEME_OK;
    case JF_ADDRESS: {
      uint8_t a[20];
      if (!json_is_string(v) || address_parse_hex(a, json_string_value(v)))
        BAD("field '%s' must be an address: 0x and 40 hex digits", f->name);
      return PHEME_OK;
    }
    case JF_ENUM:
      if (!json_is_string(v) || !choice_in(f->choices, json_string_value(v)))
        BAD("field '%s' must be one of %s", f->name, f->choices);
      return PHEME_OK;
    case JF_ARRAY: {
      if (!json_is_array(v)) BAD("field '%s' must be an array", f->name);
      long long n = (long long)json_array_size(v);
      if (n < f->min || n > f->max)
        BAD("field '%s' must have %lld to %lld elements", f->name, f->min, f->max);
      return PHEME_OK;
    }
    case JF_OBJECT:
      if (!json_is_object(v)) BAD("field '%s' must be an object", f->name);
      return PHEME_OK;
    case JF_NAME:
    case JF_TEXT:
      return check_text(f, v, msg, msglen);
  }
#undef BAD
  PHEME_BUG("field type %d", (int)f->type);
}

pheme_err json_check(const json_t *obj, const json_field *fields, size_t n, char *msg,
                     size_t msglen) {
  if (!json_is_object(obj)) {
    snprintf(msg, msglen, "expected a JSON object");
    return PHEME_API_BAD_REQUEST;
  }
  const char *key;
  const json_t *v;
  json_object_foreach((json_t *)obj, key, v) {
    size_t i = 0;
    while (i < n && strcmp(fields[i].name, key) != 0) i++;
    if (i == n) {
      snprintf(msg, msglen, "unknown field '%.64s'", key);
      return PHEME_API_BAD_REQUEST;
    }
    pheme_err e = check_one(&fields[i], v, msg, msglen);
    if (e) return e;
  }
  for (size_t i = 0; i < n; i++) {
    if (fields[i].required && !json_object_get(obj, fields[i].name)) {
      snprintf(msg, msglen, "missing field '%s'", fields[i].name);
      return PHEME_API_BAD_REQUEST;
    }
  }
  return PHEME_OK;
}

const char *json_str(const json_t *obj, const char *key, const char *def) {
  const json_t *v = json_object_get(obj, key);
  return json_is_string(v) ? json_string_value(v) : def;
}

long long json_int(const json_t *obj, const char *key, long long def) {
  const json_t *v = json_object_get(obj, key);
  return json_is_integer(v) ? json_integer_value(v) : def;
}
