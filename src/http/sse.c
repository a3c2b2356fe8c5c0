/* SSE streams on suspended libmicrohttpd connections (sse.h).
 *
 * The answer is sent without chunked encoding (MHD_RF_HTTP_1_0_COMPATIBLE_STRICT: the body ends
 * when the connection closes, as an event stream does anyway), so its body is plain bytes on the
 * socket. libmicrohttpd calls the callback only once everything produced before was sent; when
 * the callback suspends the connection, the socket is idle and nothing of the answer is pending.
 * A wake then writes the new frames straight to the socket from the waking thread (one `send`,
 * the connection stays suspended: no epoll change, no libmicrohttpd thread). Only when the socket
 * does not take everything (or fails, or the source ends) is the connection resumed, and the
 * callback sends the rest (or ends the answer) as usual.
 *
 * The callback never holds the stream's lock while its source produces (a source takes locks of
 * its own, which the thread that wakes it may hold); a wake that lands while the source was
 * producing is seen through the wake counter, and the callback tries once more instead of
 * suspending, so no wake is lost between "nothing to send" and the suspension. The direct write
 * runs under the stream's lock and only while the connection is suspended, so the source never
 * runs twice at once. */
#include <errno.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

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
  int fd;         /* the connection's socket (known once suspended), or -1 */
  int broken;     /* under mu: a direct write failed, or the source ended: end the answer */
  char *unsent;   /* under mu: bytes a direct write could not send, for the callback */
  size_t unsent_len, unsent_off;
};

static int open_now, sleeping_now;
static uint64_t opened_total, bytes_total, direct_total, resumed_total;

static ssize_t sse_read(void *cls, uint64_t pos, char *out, size_t max) {
  sse_stream *s = cls;
  (void)pos;
  pthread_mutex_lock(&s->mu);
  if (s->unsent_off < s->unsent_len) {
    size_t n = s->unsent_len - s->unsent_off;
    if (n > max) n = max;
    memcpy(out, s->unsent + s->unsent_off, n);
    s->unsent_off += n;
    pthread_mutex_unlock(&s->mu);
    return (ssize_t)n;
  }
  int broken = s->broken;
  pthread_mutex_unlock(&s->mu);
  if (broken) return MHD_CONTENT_READER_END_OF_STREAM;
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
    if (s->fd < 0) {
      const union MHD_ConnectionInfo *ci = MHD_get_connection_info(s->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
      s->fd = ci ? ci->connect_fd : -1;
    }
    /* libmicrohttpd may leave the socket corked for more of the answer: direct writes must go
     * out at once */
    if (s->fd >= 0) {
      int off = 0, on = 1;
      (void)setsockopt(s->fd, IPPROTO_TCP, TCP_CORK, &off, sizeof off);
      (void)setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    }
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
  free(s->unsent);
  free(s);
}

/* Writes what the source has straight to the sleeping connection's socket (under s->mu).
 * Returns 1 when all of it went out (the connection stays asleep), 0 when the connection must
 * be resumed (a partial write, whose rest is kept in s->unsent; a failed socket; the source's
 * end). */
static int write_direct(sse_stream *s) {
  char chunk[SSE_BLOCK];
  for (;;) {
    ssize_t n = s->src.produce(s->src.ctx, chunk, sizeof chunk);
    if (n == 0) return 1;
    if (n < 0) {
      s->broken = 1;
      return 0;
    }
    ssize_t w;
    do w = send(s->fd, chunk, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
    while (w < 0 && errno == EINTR);
    if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
      s->broken = 1; /* the client is gone: the callback ends the answer, libmicrohttpd closes */
      return 0;
    }
    if (w < 0) w = 0;
    __atomic_add_fetch(&bytes_total, (uint64_t)w, __ATOMIC_RELAXED);
    if (w < n) {
      char *keep = realloc(s->unsent, (size_t)(n - w));
      if (!keep) {
        s->broken = 1;
        return 0;
      }
      memcpy(keep, chunk + w, (size_t)(n - w));
      s->unsent = keep;
      s->unsent_len = (size_t)(n - w);
      s->unsent_off = 0;
      return 0;
    }
  }
}

void sse_wake(sse_stream *s) {
  __atomic_add_fetch(&s->wakes, 1, __ATOMIC_ACQ_REL);
  pthread_mutex_lock(&s->mu);
  if (s->sleeping && !s->gone) {
    if (s->fd >= 0 && !s->broken && write_direct(s)) {
      __atomic_add_fetch(&direct_total, 1, __ATOMIC_RELAXED);
    } else {
      s->sleeping = 0;
      __atomic_sub_fetch(&sleeping_now, 1, __ATOMIC_RELAXED);
      __atomic_add_fetch(&resumed_total, 1, __ATOMIC_RELAXED);
      MHD_resume_connection(s->conn);
    }
  }
  pthread_mutex_unlock(&s->mu);
}

sse_stream *sse_start(http_req *r, const sse_source *src) {
  sse_stream *s = calloc(1, sizeof *s);
  struct MHD_Response *resp = NULL;
  if (s) {
    pthread_mutex_init(&s->mu, NULL);
    s->fd = -1;
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
  /* no chunked encoding: the body is the bytes on the socket, so a wake may write them itself */
  if (MHD_set_response_options(resp, MHD_RF_HTTP_1_0_COMPATIBLE_STRICT, MHD_RO_END) != MHD_YES) {
    s->src.closed = NULL; /* the caller still owns the source */
    __atomic_add_fetch(&open_now, 1, __ATOMIC_RELAXED); /* sse_free counts it down */
    MHD_destroy_response(resp); /* frees s through sse_free */
    http_error(r, PHEME_API_BUSY, "an event stream could not be set up");
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
  out->direct = __atomic_load_n(&direct_total, __ATOMIC_RELAXED);
  out->resumed = __atomic_load_n(&resumed_total, __ATOMIC_RELAXED);
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
  mw_family(w, "pheme_sse_wakes_total", METRIC_COUNTER,
            "Wakes of sleeping streams: written straight to the socket, or the connection resumed.");
  mw_u64(w, (const char *[]){"path", "direct", NULL}, st.direct);
  mw_u64(w, (const char *[]){"path", "resumed", NULL}, st.resumed);
}
