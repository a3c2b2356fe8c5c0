/* Streaming JSON writer; see jsonw.h. */
#include "core/jsonw.h"

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

static void put(jw *w, const char *s, size_t n) {
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

static void quoted(jw *w, const char *s, size_t n) {
  put(w, "\"", 1);
  if (!w->err && buf_add_json_str(w->b, s, n)) w->err = 1;
  put(w, "\"", 1);
}

void jw_key(jw *w, const char *key) {
  if (w->err) return;
  sep(w);
  quoted(w, key, strlen(key));
  put(w, ":", 1);
  w->after_key = 1;
}

void jw_strn(jw *w, const char *s, size_t n) {
  if (w->err) return;
  sep(w);
  quoted(w, s, n);
}

void jw_str(jw *w, const char *s) {
  if (!s) {
    jw_null(w);
    return;
  }
  jw_strn(w, s, strlen(s));
}

void jw_int(jw *w, long long v) {
  if (w->err) return;
  sep(w);
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

void jw_raw(jw *w, const char *json, const char *fallback) {
  if (w->err) return;
  sep(w);
  const char *t = json && *json ? json : fallback;
  put(w, t, strlen(t));
}

static void two(char *p, int v) {
  p[0] = (char)('0' + v / 10 % 10);
  p[1] = (char)('0' + v % 10);
}

void time_format_rfc3339(char out[25], int64_t ms) {
  time_t s = (time_t)(ms / 1000);
  struct tm tm;
  gmtime_r(&s, &tm);
  int y = tm.tm_year + 1900, f = (int)(ms % 1000);
  if (y < 0 || y > 9999) y = 9999;
  memcpy(out, "0000-00-00T00:00:00.000Z", 25);
  two(out, y / 100);
  two(out + 2, y % 100);
  two(out + 5, tm.tm_mon + 1);
  two(out + 8, tm.tm_mday);
  two(out + 11, tm.tm_hour);
  two(out + 14, tm.tm_min);
  two(out + 17, tm.tm_sec);
  out[20] = (char)('0' + f / 100);
  two(out + 21, f % 100);
}

void jw_time(jw *w, int64_t ms) {
  if (ms <= 0) {
    jw_null(w);
    return;
  }
  char t[25];
  time_format_rfc3339(t, ms);
  jw_strn(w, t, 24);
}
