/* Strict JSON bodies and field tables; see json.h. */
#include "core/json.h"

#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "core/banned.h"

pheme_err json_parse_body(const char *data, size_t len, json_t **out, char *msg, size_t msglen) {
  json_error_t e;
  *out = json_loadb(data, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &e);
  if (*out) return PHEME_OK;
  snprintf(msg, msglen, "invalid JSON at line %d column %d: %s", e.line, e.column, e.text);
  return PHEME_API_BAD_JSON;
}

static int choice_ok(const char *choices, const char *v) {
  size_t n = strlen(v);
  for (const char *p = choices; *p;) {
    const char *bar = strchr(p, '|');
    size_t len = bar ? (size_t)(bar - p) : strlen(p);
    if (len == n && n && memcmp(p, v, n) == 0) return 1;
    p += len + (bar ? 1 : 0);
  }
  return 0;
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
      if (!json_is_string(v) || !choice_ok(f->choices, json_string_value(v)))
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
