/* The event hub (docs/internals/events.md): one dispatcher thread per process that reads new rows
 * of the event outbox in commit order (store/events.h), woken after this process's commits that
 * wrote an event (store_events_listen) and polling for rows other processes write, and hands each
 * to the subscribers whose filter it passes: SSE streams, WebSocket clients, GraphQL
 * subscriptions. It also fans events out to webhook delivery jobs (store_webhooks_fanout) and
 * ticks the subscribers' heartbeats.
 *
 * A subscriber owns a bounded queue. The hub never waits for one: a subscriber whose queue is
 * full is dropped (events_sub_take reports why) and the others go on. Messages are shared by all
 * subscribers (reference counted) and rendered as JSON once.
 *
 * Threads: the hub calls a subscriber's notify on its own thread, under its lock; notify must
 * not block, and of the hub's functions it may call only events_sub_take (an SSE stream writes
 * straight to its socket from there; a WebSocket flags its connection and wakes its loop).
 * Everything else may be called from any thread. */
#ifndef PHEME_JOBS_FANOUT_H
#define PHEME_JOBS_FANOUT_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/metrics.h"
#include "store/events.h"
#include "store/store.h"

/* One event as subscribers get it: read-only and shared; release it with events_msg_release. */
typedef struct events_msg {
  int refs; /* atomic */
  int64_t id, txid, user_id;
  int is_public;
  char kind[65];
  size_t json_len;
  char json[]; /* {"id":…,"kind":…,"public":…,"userId":…,"subject":{…},"data":{…},"at":"…"} */
} events_msg;

void events_msg_release(events_msg *m);
/* Renders a row as a message (one reference), or NULL when memory is short. */
events_msg *events_msg_make(const event_row *e);

typedef struct events_hub events_hub;
typedef struct events_sub events_sub;

typedef struct {
  int64_t poll_ms;           /* look for other processes' rows at least this often (10..60000) */
  int64_t heartbeat_ms;      /* subscribers' heartbeat period; 0 = none */
  const char *webhook_job;   /* job kind of webhook deliveries; NULL = no webhook fan-out */
  int webhook_attempts;      /* their max attempts (0 = the queue's default) */
  metrics_registry *metrics; /* registers its collector there; NULL = none */
  int notify_threads;        /* threads that share long wake-up rounds with the hub's
                              * (0..EVENTS_NOTIFY_THREADS_MAX; 0 = the hub's thread alone) */
} events_hub_options;

#define EVENTS_NOTIFY_THREADS_MAX 8

/* Starts the dispatcher on s, reading from the current head (rows already committed are only
 * replayed to subscribers that ask, events_hub_subscribe's from). Returns NULL with err set. */
events_hub *events_hub_start(store *s, const events_hub_options *o, char *err, size_t errlen);
/* Drops every subscriber ("the server is stopping": their transports end their streams) and
 * stops the thread. Subscribers may still be closed afterwards, until events_hub_free. */
void events_hub_stop(events_hub *h);
/* Frees the hub (stopped or not); every subscriber must be closed. NULL is fine. */
void events_hub_free(events_hub *h);
/* Makes the dispatcher look for new rows now (any thread; cheap). */
void events_hub_wake(events_hub *h);

#define EVENTS_QUEUE_MAX 100000
#define EVENTS_KINDS_MAX 512 /* bytes of a comma-separated kind list */

typedef struct {
  int64_t viewer; /* the person subscribing (0 = anonymous) */
  int admin;      /* sees every event */
  int64_t person; /* only events about this person (user id; 0 = about anyone) */
  const char *kinds; /* comma-separated, "x.*" prefixes; NULL or "" = every kind; copied */
  int queue_max;  /* 1..EVENTS_QUEUE_MAX events held for it before it is dropped */
  void (*notify)(void *ctx); /* new events, a heartbeat or a drop; see threads above */
  void *ctx;
} events_sub_options;

/* Adds a subscriber. from NULL: events committed from now on. from set: first the rows after
 * *from (replayed from the table at the pace the subscriber takes them), then live ones; no row
 * is given twice or skipped. Returns NULL when memory is short, the kind list is too long, or
 * the hub is stopping. The caller ends it with events_sub_close. */
events_sub *events_hub_subscribe(events_hub *h, const events_sub_options *o, const event_cursor *from);
/* Changes what it wants (kinds as in the options; WebSocket subscribe messages). Returns 0, or
 * -1 when the list is too long. */
int events_sub_set_kinds(events_sub *s, const char *kinds);
/* What a subscriber is given. */
typedef struct {
  int n;             /* messages put in out[] (the caller releases each) */
  int heartbeat;     /* a heartbeat is due */
  const char *dropped; /* not NULL: the subscriber was dropped, and why; nothing more comes */
} events_take;
/* Takes up to max queued messages, oldest first. Never blocks. */
events_take events_sub_take(events_sub *s, events_msg **out, int max);
/* Removes the subscriber: after it returns its notify is not called again. NULL is fine. */
void events_sub_close(events_sub *s);

typedef struct {
  int subscribers;
  uint64_t events_read, delivered, dropped, wakes, polls, replayed, webhook_jobs;
  int64_t lag_ms; /* now - the newest dispatched event's time, at its dispatch */
} events_hub_stats;
void events_hub_stats_get(events_hub *h, events_hub_stats *out);
/* The hub's collector (ctx: the hub), registered by events_hub_start when options name a
 * registry. */
void events_hub_metrics_collect(metrics_writer *w, void *hub);

#endif
