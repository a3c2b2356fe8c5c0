/* What the events-out handlers (api/events.c: SSE; api/ws_events.c: WebSocket; api/webhooks.c)
 * share. docs/internals/events.md. */
#ifndef PHEME_API_EVENTS_OUT_H
#define PHEME_API_EVENTS_OUT_H

#include <stddef.h>

#include "api/api.h"
#include "jobs/fanout.h"

#define EVENTS_KINDS_LIST_MAX 32 /* kinds in one list */

/* Checks a comma-separated list of event kinds as clients give it: 1..EVENTS_KINDS_LIST_MAX
 * entries of 3..64 characters [a-z0-9_.], or "x.*" prefixes, or "*"; at most EVENTS_KINDS_MAX
 * bytes. Returns 0, or -1 with msg saying what is wrong. */
pheme_err events_kinds_check(const char *list, char *msg, size_t msglen);
/* The subscriber options of a request's caller (who sees what). */
void events_viewer(const principal *who, int64_t *viewer, int *admin);

/* Handlers. */
void events_stream(http_req *r);   /* GET /api/v1/events (SSE) */
void events_ws(http_req *r);       /* GET /ws (WebSocket upgrade) */
void webhooks_create(http_req *r);
void webhooks_list(http_req *r);
void webhooks_get(http_req *r);
void webhooks_update(http_req *r);
void webhooks_delete(http_req *r);
void webhooks_deliveries(http_req *r);

#endif
