/* Streaming JSON writer; see jsonw.h. */
#include "core/jsonw.h"
#include "core/util.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/banned.h"

void jw_init(jw *w, buf *b) {
  memset(w, 0, sizeof *w);
  w->b = b;
}

/* Before any value or key: the comma that separates it from the previous one. */
static void sep(jw *w) {
  if (w->after_key) {
    w->after_key = 0;
    return;
  }
  if (w->count[w->depth] && buf_addc(w->b, ',')) w->err = 1;
  if (w->count[w->depth] < 255) w->count[w->depth]++;
}

static inline void put(jw *w, const char *s, size_t n) {
  if (!w->err && buf_add(w->b, s, n)) w->err = 1;
}

static void open(jw *w, char c) {
  if (w->err) return;
  sep(w);
  if (w->depth + 1 >= JW_DEPTH) {
    w->err = 1;
    return;
  }
  put(w, &c, 1);
  w->count[++w->depth] = 0;
  w->kind[w->depth] = c;
}

void jw_obj(jw *w) { open(w, '{'); }
void jw_arr(jw *w) { open(w, '['); }

void jw_end(jw *w) {
  if (w->err) return;
  if (w->depth == 0) {
    w->err = 1;
    return;
  }
  put(w, w->kind[w->depth] == '{' ? "}" : "]", 1);
  w->depth--;
  w->after_key = 0;
}

static void put_str(jw *w, const char *s, size_t n) {
  put(w, "\"", 1);
  if (!w->err && buf_add_json_str(w->b, s, n)) w->err = 1;
  put(w, "\"", 1);
}

void jw_key(jw *w, const char *key) {
  if (w->err) return;
  sep(w);
  put_str(w, key, strlen(key));
  put(w, ":", 1);
  w->after_key = 1;
}

void jw_strn(jw *w, const char *s, size_t n) {
  if (w->err) return;
  sep(w);
  put_str(w, s, n);
}

void jw_str(jw *w, const char *s) {
  if (!s) {
    jw_null(w);
    return;
  }
  jw_strn(w, s, strlen(s));
}

static void put_int(jw *w, long long v) {
  char tmp[24];
  int i = sizeof tmp;
  unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
  do {
    tmp[--i] = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  if (v < 0) tmp[--i] = '-';
  put(w, tmp + i, sizeof tmp - (size_t)i);
}

void jw_int(jw *w, long long v) {
  if (w->err) return;
  sep(w);
  put_int(w, v);
}

void jw_bool(jw *w, int v) {
  if (w->err) return;
  sep(w);
  put(w, v ? "true" : "false", v ? 4 : 5);
}

void jw_null(jw *w) {
  if (w->err) return;
  sep(w);
  put(w, "null", 4);
}

/* jansson's real format: "%.17g" (PHEME never calls setlocale, so the decimal point is '.'), then
 * ".0" when that reads as an integer, and the exponent without '+' or leading zeros ("1e+300" is
 * "1e300", "5e-07" is "5e-7"). */
static void put_real(jw *w, double d) {
  char t[40];
  int n = snprintf(t, sizeof t - 2, "%.17g", d);
  if (n < 0 || (size_t)n >= sizeof t - 2) {
    w->err = 1;
    return;
  }
  if (!strpbrk(t, ".e")) {
    memcpy(t + n, ".0", 3);
    n += 2;
  }
  char *x = strchr(t, 'e');
  if (x) {
    char *to = x + 1 + (x[1] == '-'); /* a minus stays */
    char *from = x + 1 + (x[1] == '-' || x[1] == '+');
    while (from[0] == '0' && from[1]) from++;
    memmove(to, from, strlen(from) + 1);
    n = (int)strlen(t);
  }
  put(w, t, (size_t)n);
}

/* The tree below v, written as it is: no separators or nesting of the writer's own to track. */
static void tree(jw *w, const json_t *v, int depth) {
  if (w->err) return;
  if (depth > JW_TREE_DEPTH) {
    w->err = 1;
    return;
  }
  switch (json_typeof(v)) {
    case JSON_OBJECT: {
      put(w, "{", 1);
      int first = 1;
      for (void *it = json_object_iter((json_t *)v); it && !w->err;
           it = json_object_iter_next((json_t *)v, it)) {
        if (!first) put(w, ",", 1);
        first = 0;
        put_str(w, json_object_iter_key(it), json_object_iter_key_len(it));
        put(w, ":", 1);
        tree(w, json_object_iter_value(it), depth + 1);
      }
      put(w, "}", 1);
      return;
    }
    case JSON_ARRAY: {
      put(w, "[", 1);
      size_t n = json_array_size(v);
      for (size_t i = 0; i < n && !w->err; i++) {
        if (i) put(w, ",", 1);
        tree(w, json_array_get(v, i), depth + 1);
      }
      put(w, "]", 1);
      return;
    }
    case JSON_STRING: put_str(w, json_string_value(v), json_string_length(v)); return;
    case JSON_INTEGER: put_int(w, json_integer_value(v)); return;
    case JSON_REAL: put_real(w, json_real_value(v)); return;
    case JSON_TRUE: put(w, "true", 4); return;
    case JSON_FALSE: put(w, "false", 5); return;
    case JSON_NULL: put(w, "null", 4); return;
  }
  w->err = 1;
}

void jw_value(jw *w, const json_t *v) {
  if (w->err) return;
  if (!v) {
    w->err = 1;
    return;
  }
  sep(w);
  tree(w, v, 0);
}

void jw_raw(jw *w, const char *json, const char *fallback) {
  if (w->err) return;
  sep(w);
  const char *t = json && *json ? json : fallback;
  put(w, t, strlen(t));
}

void jw_time(jw *w, int64_t ms) {
  if (ms <= 0) {
    jw_null(w);
    return;
  }
  char t[TIME_RFC3339_TEXT];
  if (time_format_rfc3339(t, ms)) jw_null(w); /* a year past 9999 */
  else jw_strn(w, t, TIME_RFC3339_TEXT - 1);
}
