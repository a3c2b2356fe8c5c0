/* Server-sent event streams over libmicrohttpd without a thread per stream (docs/internals/
 * events.md). The answer is a callback response of unknown length: libmicrohttpd asks the
 * source for bytes when the socket can take them; when the source has none, the connection is
 * suspended (it leaves libmicrohttpd's event loop and holds no thread, only its memory) until
 * another thread calls sse_wake, which writes what the source has straight to the socket and
 * resumes the connection only when the socket cannot take it all. The transport knows nothing
 * of what it streams: the source
 * writes whole frames ("id: …\nevent: …\ndata: …\n\n", or ": heartbeat\n\n"). */
#ifndef PHEME_HTTP_SSE_H
#define PHEME_HTTP_SSE_H

#include <stddef.h>
#include <sys/types.h>

#include "http/server.h"

typedef struct sse_stream sse_stream;

typedef struct {
  /* Writes up to max bytes into out. Returns how many (> 0), 0 when it has nothing now (the
   * stream sleeps until sse_wake), or -1 to end the stream. Runs on the server's thread, or on
   * the thread that calls sse_wake (which then writes to the socket itself); never twice at once
   * for one stream. */
  ssize_t (*produce)(void *ctx, char *out, size_t max);
  /* The stream ended (the client left, the source ended it, or the server stopped): after this
   * no callback runs and sse_wake must not be called again; free ctx here. */
  void (*closed)(void *ctx);
  void *ctx;
} sse_source;

/* Answers r with 200 text/event-stream fed by src. Returns the stream (for sse_wake), or NULL
 * when memory is short (then r is answered 503 and src->closed is not called). */
sse_stream *sse_start(http_req *r, const sse_source *src);
/* Tells a sleeping stream its source may have bytes. Any thread; cheap when it is awake. */
void sse_wake(sse_stream *s);

typedef struct {
  int open;              /* streams open now */
  int sleeping;          /* of which suspended, waiting for sse_wake */
  uint64_t opened, bytes;
  uint64_t direct, resumed; /* wakes written straight to the socket / that resumed the connection */
} sse_stats;
void sse_stats_get(sse_stats *out);
/* The streams' collector for the metrics registry (ctx unused). */
void sse_metrics_collect(metrics_writer *w, void *ctx);

#endif
