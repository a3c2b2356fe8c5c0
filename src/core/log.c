/* JSON log lines; see log.h. */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/jsonw.h"
#include "core/banned.h"

log_level log__min = LOG_INFO;
static int log_fd = 2;
static const char *names[] = {"debug", "info", "warn", "error", "off"};

void log_init(log_level min, int fd) {
  log__min = min;
  log_fd = fd;
}

int log_level_parse(const char *s) {
  for (int i = 0; i <= LOG_OFF; i++)
    if (strcmp(s, names[i]) == 0) return i;
  return -1;
}

/* Formats the start of a line into a stack buffer: {"level":"x","time":"…" (no printf: this runs
 * once per request). */
static size_t line_start(char *out, size_t cap, log_level level) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  char t[25];
  time_format_rfc3339(t, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
  size_t n = 0;
  const char *parts[] = {"{\"level\":\"", names[level], "\",\"time\":\"", t, "\""};
  for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
    size_t l = strlen(parts[i]);
    if (n + l >= cap) return 0;
    memcpy(out + n, parts[i], l);
    n += l;
  }
  return n;
}

static void emit(buf *b) {
  const char *p = b->data;
  size_t n = b->len;
  while (n > 0) {
    ssize_t w = write(log_fd, p, n);
    if (w <= 0) return; /* nowhere to report a failing log */
    p += w;
    n -= (size_t)w;
  }
}

void log__write(log_level level, const char *fmt, ...) {
  char stack[256];
  char msg[2048];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  buf b;
  buf_init(&b, 8192);
  size_t s = line_start(stack, sizeof stack, level);
  int err = buf_add(&b, stack, s) || buf_adds(&b, ",\"msg\":\"") ||
            buf_add_json_str(&b, msg, strlen(msg)) || buf_adds(&b, "\"}\n");
  if (!err) emit(&b);
  buf_release(&b);
}

void log_request(const char *request_id, const char *method, const char *route, const char *path,
                 int status, uint64_t latency_us, const char *error_code) {
  if (LOG_INFO < log__min) return;
  char stack[256];
  buf b;
  buf_init(&b, 8192);
  size_t s = line_start(stack, sizeof stack, LOG_INFO);
  int err = buf_add(&b, stack, s) || buf_adds(&b, ",\"msg\":\"request\",\"request_id\":\"") ||
            buf_add_json_str(&b, request_id, strlen(request_id)) ||
            buf_adds(&b, "\",\"method\":\"") || buf_add_json_str(&b, method, strlen(method)) ||
            buf_adds(&b, "\",\"route\":\"") || buf_add_json_str(&b, route, strlen(route)) ||
            buf_adds(&b, "\",\"path\":\"") ||
            buf_add_json_str(&b, path, strlen(path) > 512 ? 512 : strlen(path)) ||
            buf_printf(&b, "\",\"status\":%d,\"latency_us\":%llu", status,
                       (unsigned long long)latency_us);
  if (!err && error_code) err = buf_printf(&b, ",\"error\":\"%s\"", error_code);
  if (!err && !buf_adds(&b, "}\n")) emit(&b);
  buf_release(&b);
}
