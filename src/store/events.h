/* Reading the domain event outbox (migration 0015, commit order from 0019) and the webhooks that
 * deliver it (docs/internals/events.md). Rows are read in commit order: a reader that has seen
 * the row at cursor C never later meets a row that belongs before C, on SQLite (one writer,
 * ids in commit order) and on PostgreSQL (rows in (txid, id) order, only those written by
 * transactions older than every one still running). Filtering by kind and by who may see an
 * event is done by the caller with events_visible / events_kinds_match, so one read serves many
 * subscribers. Records are allocated in the caller's arena. */
#ifndef PHEME_STORE_EVENTS_H
#define PHEME_STORE_EVENTS_H

#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "store/store.h"

typedef struct {
  int64_t id;
  int64_t txid;          /* commit order key (0 on SQLite) */
  const char *kind;
  int64_t user_id;       /* 0: nobody in particular */
  int is_public;
  const char *subject_type;
  int64_t subject_id;    /* 0: none */
  const char *data;      /* a JSON object */
  int64_t at;            /* Unix ms */
} event_row;

/* A position in commit order: the last row seen. {0, 0} is before every row. */
typedef struct {
  int64_t txid, id;
} event_cursor;

#define EVENTS_READ_MAX 1000

/* Reads up to limit (1..EVENTS_READ_MAX) final rows after *after, in commit order. *n may be 0
 * (nothing new). Returns 0 or PHEME_SYS_STORAGE. */
pheme_err store_events_after(store *s, arena *a, const event_cursor *after, int limit,
                             event_row **out, int *n) PHEME_MUST_CHECK;
/* The cursor of the newest final row ({0, 0} when there is none): a reader starting there sees
 * exactly the rows committed from now on. */
pheme_err store_events_head(store *s, event_cursor *out) PHEME_MUST_CHECK;
/* The cursor of row id (to resume after a client's Last-Event-ID). PHEME_DATA_NOT_FOUND when
 * the row is not there (never written, or deleted with its person). */
pheme_err store_events_cursor_of(store *s, int64_t id, event_cursor *out) PHEME_MUST_CHECK;
/* One row by id. PHEME_DATA_NOT_FOUND when absent. */
pheme_err store_event_get(store *s, arena *a, int64_t id, event_row *out) PHEME_MUST_CHECK;

/* Whether a viewer (user id, 0 = anonymous; admin = 1 sees everything) may see the event:
 * public ones, and private ones about the viewer. */
static inline int events_visible(const event_row *e, int64_t viewer, int admin) {
  return admin || e->is_public || (viewer != 0 && e->user_id == viewer);
}
/* Whether kind is in the comma-separated list (NULL or "" = every kind). An entry "x.*" matches
 * every kind starting with "x."; "*" matches all. */
int events_kinds_match(const char *list, const char *kind);

/* Calls fn(ctx) after every commit of this process that wrote an event row (the hub's wake;
 * rows of other processes are found by polling). One listener per store; fn NULL removes it.
 * fn runs on the committing thread and must not block. */
void store_events_listen(store *s, void (*fn)(void *ctx), void *ctx);

/* ---- webhooks (store/webhooks.c) ---- */

typedef struct {
  int64_t id, user_id;
  const char *url;
  const char *events; /* comma-separated kinds */
  const char *secret;
  int active;
  int64_t created_at, updated_at;
} webhook;

typedef struct {
  int64_t id, webhook_id, event_id;
  int attempt;
  const char *outcome; /* delivered, failed, refused */
  int status;
  const char *error;
  int64_t duration_ms, at;
} webhook_delivery;

#define WEBHOOKS_PER_PERSON_MAX 20

/* Creates a webhook (writes its audit row and a webhook.created event). PHEME_DATA_CONFLICT when
 * the person has WEBHOOKS_PER_PERSON_MAX already. out->id is set. */
pheme_err store_webhook_create(store *s, const store_actor *who, webhook *w) PHEME_MUST_CHECK;
pheme_err store_webhook_get(store *s, arena *a, int64_t id, webhook *out) PHEME_MUST_CHECK;
/* The person's webhooks, newest first (keyset page). */
pheme_err store_webhooks_list(store *s, arena *a, int64_t user_id, const store_page *p,
                              webhook **out, int *n) PHEME_MUST_CHECK;
/* Changes url (NULL: kept), events (NULL: kept) and active (-1: kept). */
pheme_err store_webhook_update(store *s, const store_actor *who, int64_t id, const char *url,
                               const char *events, int active) PHEME_MUST_CHECK;
pheme_err store_webhook_delete(store *s, const store_actor *who, int64_t id) PHEME_MUST_CHECK;
/* Appends one row to the delivery log. */
pheme_err store_webhook_delivery_add(store *s, const webhook_delivery *d) PHEME_MUST_CHECK;
/* The webhook's delivery log, newest first. */
pheme_err store_webhook_deliveries(store *s, arena *a, int64_t webhook_id, const store_page *p,
                                   webhook_delivery **out, int *n) PHEME_MUST_CHECK;
/* The durable fan-out: reads up to limit final events after the cursor named cursor_name, and
 * in the same transaction enqueues one job of job_kind (with max_attempts; 0 = the default) ({"webhook":W,"event":E}, idempotency key
 * "webhook:W:E") per event and active webhook that wants it (its kinds, what its owner may see,
 * written after the webhook was created), then moves the cursor. *scanned gets the events read,
 * *enqueued the jobs made (either may be NULL). */
pheme_err store_webhooks_fanout(store *s, const char *cursor_name, const char *job_kind,
                                int max_attempts, int limit, int *scanned, int *enqueued)
    PHEME_MUST_CHECK;

#endif
