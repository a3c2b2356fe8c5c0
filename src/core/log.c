/* JSON log lines; see log.h. */
#include "core/log.h"
#include "core/trace.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/jsonw.h"
#include "core/util.h"
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
  char t[TIME_RFC3339_TEXT];
  if (time_format_rfc3339(t, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000)) t[0] = 0;
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

static void write_all(const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(log_fd, p, n);
    if (w <= 0) return; /* nowhere to report a failing log */
    p += w;
    n -= (size_t)w;
  }
}

static void emit(buf *b) { write_all(b->data, b->len); }

/* ,"trace_id":"…","span_id":"…" of the thread's current span (core/trace.h), if any. */
static int trace_fields(buf *b) {
  const trace_ctx *t = trace_current();
  if (!t) return 0;
  static const char d[] = "0123456789abcdef";
  char f[80];
  size_t n = 0;
  memcpy(f, ",\"trace_id\":\"", 13), n = 13;
  for (int i = 0; i < 16; i++) f[n++] = d[t->trace_id[i] >> 4], f[n++] = d[t->trace_id[i] & 15];
  memcpy(f + n, "\",\"span_id\":\"", 13), n += 13;
  for (int i = 0; i < 8; i++) f[n++] = d[t->span_id[i] >> 4], f[n++] = d[t->span_id[i] & 15];
  f[n++] = '"';
  return buf_add(b, f, n);
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
  int err = buf_add(&b, stack, s) || trace_fields(&b) || buf_adds(&b, ",\"msg\":\"") ||
            buf_add_json_str(&b, msg, strlen(msg)) || buf_adds(&b, "\"}\n");
  if (!err) emit(&b);
  buf_release(&b);
}

/* ---- batches of access lines ---- */

#define BATCH_CAP 16384
#define BATCH_WRITE_AT 8192

typedef struct log_batch {
  pthread_mutex_t mu;
  struct log_batch *next;
  size_t len;
  char data[BATCH_CAP];
} log_batch;

static __thread log_batch *my_batch;
static __thread int my_epoch; /* the batching run my_batch belongs to */
static int epoch;             /* moves on at every start, so no thread reuses a freed batch */
static log_batch *batches;
static pthread_mutex_t batches_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t flusher_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t flusher_cv = PTHREAD_COND_INITIALIZER;
static pthread_t flusher;
static int batching, stopping, interval;

/* Writes a batch's lines; its lock is held. */
static void batch_write(log_batch *b) {
  write_all(b->data, b->len);
  b->len = 0;
}

static void flush_all(void) {
  pthread_mutex_lock(&batches_mu);
  for (log_batch *b = batches; b; b = b->next) {
    pthread_mutex_lock(&b->mu);
    batch_write(b);
    pthread_mutex_unlock(&b->mu);
  }
  pthread_mutex_unlock(&batches_mu);
}

static void *flush_loop(void *arg) {
  (void)arg;
  pthread_mutex_lock(&flusher_mu);
  while (!stopping) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_nsec += (long)interval * 1000000L;
    t.tv_sec += t.tv_nsec / 1000000000L;
    t.tv_nsec %= 1000000000L;
    pthread_cond_timedwait(&flusher_cv, &flusher_mu, &t);
    pthread_mutex_unlock(&flusher_mu);
    flush_all();
    pthread_mutex_lock(&flusher_mu);
  }
  pthread_mutex_unlock(&flusher_mu);
  return NULL;
}

int log_batching_start(int interval_ms) {
  if (interval_ms <= 0 || batching) return 0;
  interval = interval_ms;
  stopping = 0;
  epoch++;
  if (pthread_create(&flusher, NULL, flush_loop, NULL)) return -1;
  __atomic_store_n(&batching, 1, __ATOMIC_RELEASE);
  return 0;
}

void log_batching_stop(void) {
  if (!__atomic_load_n(&batching, __ATOMIC_ACQUIRE)) return;
  pthread_mutex_lock(&flusher_mu);
  stopping = 1;
  pthread_cond_signal(&flusher_cv);
  pthread_mutex_unlock(&flusher_mu);
  pthread_join(flusher, NULL);
  __atomic_store_n(&batching, 0, __ATOMIC_RELEASE);
  flush_all();
  pthread_mutex_lock(&batches_mu);
  while (batches) {
    log_batch *b = batches;
    batches = b->next;
    pthread_mutex_destroy(&b->mu);
    free(b);
  }
  pthread_mutex_unlock(&batches_mu);
  /* a thread's my_batch now dangles; my_epoch tells it so if batching starts again */
}

/* Queues a line in this thread's batch; 0, or -1 when it must be written directly. */
static int batch_add(const char *line, size_t n) {
  if (!__atomic_load_n(&batching, __ATOMIC_ACQUIRE) || n > BATCH_CAP) return -1;
  if (!my_batch || my_epoch != epoch) {
    log_batch *b = calloc(1, sizeof *b);
    if (!b) return -1;
    pthread_mutex_init(&b->mu, NULL);
    pthread_mutex_lock(&batches_mu);
    b->next = batches;
    batches = b;
    pthread_mutex_unlock(&batches_mu);
    my_batch = b;
    my_epoch = epoch;
  }
  log_batch *b = my_batch;
  pthread_mutex_lock(&b->mu);
  if (b->len + n > BATCH_CAP) batch_write(b);
  memcpy(b->data + b->len, line, n);
  b->len += n;
  if (b->len >= BATCH_WRITE_AT) batch_write(b);
  pthread_mutex_unlock(&b->mu);
  return 0;
}

void log_request(const char *request_id, const char *method, const char *route, const char *path,
                 int status, uint64_t latency_us, const char *error_code) {
  if (LOG_INFO < log__min) return;
  char stack[256];
  buf b;
  buf_init(&b, 8192);
  if (buf_reserve(&b, 512)) return; /* one allocation for a typical line */
  size_t s = line_start(stack, sizeof stack, LOG_INFO);
  int err = buf_add(&b, stack, s) || trace_fields(&b) || buf_adds(&b, ",\"msg\":\"request\",\"request_id\":\"") ||
            buf_add_json_str(&b, request_id, strlen(request_id)) ||
            buf_adds(&b, "\",\"method\":\"") || buf_add_json_str(&b, method, strlen(method)) ||
            buf_adds(&b, "\",\"route\":\"") || buf_add_json_str(&b, route, strlen(route)) ||
            buf_adds(&b, "\",\"path\":\"") ||
            buf_add_json_str(&b, path, strlen(path) > 512 ? 512 : strlen(path)) ||
            buf_printf(&b, "\",\"status\":%d,\"latency_us\":%llu", status,
                       (unsigned long long)latency_us);
  if (!err && error_code) err = buf_printf(&b, ",\"error\":\"%s\"", error_code);
  if (!err && !buf_adds(&b, "}\n") && batch_add(b.data, b.len)) emit(&b);
  buf_release(&b);
}
