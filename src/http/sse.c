/* SSE streams on suspended libmicrohttpd connections (sse.h).
 *
 * The callback never holds the stream's lock while its source produces (a source takes locks of
 * its own, which the thread that wakes it may hold); a wake that lands while the source was
 * producing is seen through the wake counter, and the callback tries once more instead of
 * suspending, so no wake is lost between "nothing to send" and the suspension. */
#include <microhttpd.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "http/sse.h"
#include "core/banned.h"

#define SSE_BLOCK 4096 /* the write buffer libmicrohttpd takes from the connection's pool: 4 KiB keeps an idle stream small */

struct sse_stream {
  pthread_mutex_t mu;
  struct MHD_Connection *conn;
  sse_source src;
  unsigned wakes; /* atomic */
  int sleeping;   /* under mu: the connection is suspended by the callback */
  int gone;       /* under mu: the response was freed: wakes are ignored */
};

static int open_now, sleeping_now;
static uint64_t opened_total, bytes_total;

static ssize_t sse_read(void *cls, uint64_t pos, char *out, size_t max) {
  sse_stream *s = cls;
  (void)pos;
  for (;;) {
    unsigned seen = __atomic_load_n(&s->wakes, __ATOMIC_ACQUIRE);
    ssize_t n = s->src.produce(s->src.ctx, out, max);
    if (n < 0) return MHD_CONTENT_READER_END_OF_STREAM;
    if (n > 0) {
      __atomic_add_fetch(&bytes_total, (uint64_t)n, __ATOMIC_RELAXED);
      return n;
    }
    pthread_mutex_lock(&s->mu);
    if (__atomic_load_n(&s->wakes, __ATOMIC_ACQUIRE) != seen) {
      pthread_mutex_unlock(&s->mu);
      continue;
    }
    s->sleeping = 1;
    __atomic_add_fetch(&sleeping_now, 1, __ATOMIC_RELAXED);
    MHD_suspend_connection(s->conn);
    pthread_mutex_unlock(&s->mu);
    return 0;
  }
}

static void sse_free(void *cls) {
  sse_stream *s = cls;
  pthread_mutex_lock(&s->mu);
  s->gone = 1;
  if (s->sleeping) __atomic_sub_fetch(&sleeping_now, 1, __ATOMIC_RELAXED);
  s->sleeping = 0;
  pthread_mutex_unlock(&s->mu);
  if (s->src.closed) s->src.closed(s->src.ctx);
  __atomic_sub_fetch(&open_now, 1, __ATOMIC_RELAXED);
  pthread_mutex_destroy(&s->mu);
  free(s);
}

void sse_wake(sse_stream *s) {
  __atomic_add_fetch(&s->wakes, 1, __ATOMIC_ACQ_REL);
  pthread_mutex_lock(&s->mu);
  if (s->sleeping && !s->gone) {
    s->sleeping = 0;
    __atomic_sub_fetch(&sleeping_now, 1, __ATOMIC_RELAXED);
    MHD_resume_connection(s->conn);
  }
  pthread_mutex_unlock(&s->mu);
}

sse_stream *sse_start(http_req *r, const sse_source *src) {
  sse_stream *s = calloc(1, sizeof *s);
  struct MHD_Response *resp = NULL;
  if (s) {
    pthread_mutex_init(&s->mu, NULL);
    s->conn = r->conn;
    s->src = *src;
    resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, SSE_BLOCK, sse_read, s, sse_free);
  }
  if (!resp) {
    if (s) pthread_mutex_destroy(&s->mu);
    free(s);
    http_error(r, PHEME_API_BUSY, "out of memory for an event stream");
    return NULL;
  }
  MHD_add_response_header(resp, "Content-Type", "text/event-stream; charset=utf-8");
  MHD_add_response_header(resp, "X-Accel-Buffering", "no");
  __atomic_add_fetch(&open_now, 1, __ATOMIC_RELAXED);
  __atomic_add_fetch(&opened_total, 1, __ATOMIC_RELAXED);
  http_response(r, 200, resp);
  return s;
}

void sse_stats_get(sse_stats *out) {
  out->open = __atomic_load_n(&open_now, __ATOMIC_RELAXED);
  out->sleeping = __atomic_load_n(&sleeping_now, __ATOMIC_RELAXED);
  out->opened = __atomic_load_n(&opened_total, __ATOMIC_RELAXED);
  out->bytes = __atomic_load_n(&bytes_total, __ATOMIC_RELAXED);
}

void sse_metrics_collect(metrics_writer *w, void *ctx) {
  (void)ctx;
  sse_stats st;
  sse_stats_get(&st);
  mw_family(w, "pheme_sse_streams", METRIC_GAUGE, "Server-sent event streams open now, by state.");
  mw_i64(w, (const char *[]){"state", "sleeping", NULL}, st.sleeping);
  mw_i64(w, (const char *[]){"state", "awake", NULL}, st.open - st.sleeping);
  mw_family(w, "pheme_sse_streams_total", METRIC_COUNTER, "Server-sent event streams opened.");
  mw_u64(w, NULL, st.opened);
  mw_family(w, "pheme_sse_bytes_total", METRIC_COUNTER, "Bytes written to server-sent event streams.");
  mw_u64(w, NULL, st.bytes);
}
