/* W3C Trace Context (https://www.w3.org/TR/trace-context/, level 1): the `traceparent` header
 *
 *   00-<trace-id: 32 lowercase hex>-<parent-id: 16 lowercase hex>-<flags: 2 hex>
 *
 * A request that brings a valid traceparent joins its trace: the server's work is a new span of
 * it (a new span id, the caller's span as parent); one without gets a fresh trace. The current
 * span is kept per thread while a request's handler or a job runs: every log line written then
 * carries "trace_id" and "span_id", and every outgoing call (JSON-RPC, the openai assessor,
 * webhooks) sends `traceparent` naming the current trace and a new span id of its own, so one
 * trace follows a request from the client through PHEME to the chain node or the model server.
 * A job run has a trace of its own (jobs do not carry their enqueuer's trace). */
#ifndef PHEME_CORE_TRACE_H
#define PHEME_CORE_TRACE_H

#include <stddef.h>
#include <stdint.h>

#define TRACEPARENT_LEN 55 /* "00-" 32 "-" 16 "-" 2 */

typedef struct {
  uint8_t trace_id[16];
  uint8_t span_id[8];   /* this process's span */
  uint8_t parent_id[8]; /* the caller's span; zero when the trace began here */
  uint8_t flags;        /* bit 0: sampled, as the caller said (01 when the trace began here) */
} trace_ctx;

/* Parses a traceparent header value: 0 with the fields, or -1 when it is not one (wrong length or
 * version ff, uppercase or non-hex digits, an all-zero trace or parent id). A version above 00 is
 * read by the 00 layout, as the specification asks, when its first 55 characters fit it and the
 * next one (if any) is '-'. */
int trace_parse(const char *v, uint8_t trace_id[16], uint8_t parent_id[8], uint8_t *flags);

/* Begins this process's span: joining the trace of traceparent when it is valid, else a new
 * trace. */
void trace_begin(trace_ctx *t, const char *traceparent);

/* The traceparent of a call made now from span t: t's trace, a new span id, t's flags. out has
 * room for TRACEPARENT_LEN + 1 bytes. */
void trace_child(const trace_ctx *t, char out[TRACEPARENT_LEN + 1]);

/* The calling thread's current span (NULL: none): set while a request's handler or a job runs. */
void trace_set_current(const trace_ctx *t);
const trace_ctx *trace_current(void);

/* "traceparent: …" for an outgoing call from the current span, or NULL when there is none. out
 * has room for TRACE_HEADER_LEN + 1 bytes. */
#define TRACE_HEADER_LEN (13 + TRACEPARENT_LEN)
const char *trace_outgoing_header(char out[TRACE_HEADER_LEN + 1]);

#endif
