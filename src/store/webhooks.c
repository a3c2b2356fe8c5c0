/* Webhooks, their delivery log and the durable fan-out of events to delivery jobs
 * (store/events.h, migration 0019). */
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "store/events.h"
#include "store/internal.h"
#include "store/jobs.h"
#include "core/banned.h"

#define HOOK_COLS "id, user_id, url, events, secret, active, created_at, updated_at"

static void read_hook(const db_result *r, int i, webhook *w) {
  w->id = db_int(r, i, 0);
  w->user_id = db_int(r, i, 1);
  w->url = db_text(r, i, 2);
  w->events = db_text(r, i, 3);
  w->secret = db_text(r, i, 4);
  w->active = db_int(r, i, 5) != 0;
  w->created_at = db_int(r, i, 6);
  w->updated_at = db_int(r, i, 7);
}

pheme_err store_webhook_create(store *s, const store_actor *who, webhook *w) {
  sx x;
  pheme_err e = sx_write(s, NULL, &x);
  if (e) return e;
  int64_t now = time_now_ms();
  db_result r;
  e = Q(&x, &r, "SELECT count(*) FROM webhooks WHERE user_id = $1", dbv_int(w->user_id));
  if (!e && db_int(&r, 0, 0) >= WEBHOOKS_PER_PERSON_MAX) e = PHEME_DATA_CONFLICT;
  if (!e)
    e = QID(&x, &w->id,
            "INSERT INTO webhooks (user_id, url, events, secret, active, created_at, updated_at) "
            "VALUES ($1, $2, $3, $4, 1, $5, $5)",
            dbv_int(w->user_id), dbv_text(w->url), dbv_text(w->events), dbv_text(w->secret),
            dbv_int(now));
  if (!e) e = sx_audit(&x, who, "webhook.create", "webhook", w->id, NULL);
  if (!e) e = sx_event(&x, "webhook.created", w->user_id, 0, "webhook", w->id, NULL, now);
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  if (!e) {
    w->active = 1;
    w->created_at = w->updated_at = now;
  }
  return e;
}

pheme_err store_webhook_get(store *s, arena *a, int64_t id, webhook *out) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r, "SELECT " HOOK_COLS " FROM webhooks WHERE id = $1", dbv_int(id));
  sx_end(&x);
  if (e) return e;
  if (r.rows == 0) return PHEME_DATA_NOT_FOUND;
  read_hook(&r, 0, out);
  return PHEME_OK;
}

pheme_err store_webhooks_list(store *s, arena *a, int64_t user_id, const store_page *p,
                              webhook **out, int *n) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r,
        "SELECT " HOOK_COLS " FROM webhooks WHERE user_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3",
        dbv_int(user_id), dbv_int(page_before(p)), dbv_int(p->limit));
  sx_end(&x);
  if (e) return e;
  *out = arena_zalloc(a, sizeof **out * (size_t)(r.rows ? r.rows : 1));
  if (!*out) return PHEME_SYS_NOMEM;
  for (int i = 0; i < r.rows; i++) read_hook(&r, i, &(*out)[i]);
  *n = r.rows;
  return PHEME_OK;
}

pheme_err store_webhook_update(store *s, const store_actor *who, int64_t id, const char *url,
                               const char *events, int active) {
  sx x;
  pheme_err e = sx_write(s, NULL, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r,
        "UPDATE webhooks SET url = CASE WHEN $1 = '' THEN url ELSE $1 END, "
        "events = CASE WHEN $2 = '' THEN events ELSE $2 END, "
        "active = CASE WHEN $3 < 0 THEN active ELSE $3 END, updated_at = $4 WHERE id = $5 RETURNING id",
        dbv_text(url ? url : ""), dbv_text(events ? events : ""), dbv_int(active),
        dbv_int(time_now_ms()), dbv_int(id));
  if (!e && r.rows == 0) e = PHEME_DATA_NOT_FOUND;
  if (!e) e = sx_audit(&x, who, "webhook.update", "webhook", id, NULL);
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  return e;
}

pheme_err store_webhook_delete(store *s, const store_actor *who, int64_t id) {
  sx x;
  pheme_err e = sx_write(s, NULL, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r, "DELETE FROM webhooks WHERE id = $1 RETURNING id", dbv_int(id));
  if (!e && r.rows == 0) e = PHEME_DATA_NOT_FOUND;
  if (!e) e = sx_audit(&x, who, "webhook.delete", "webhook", id, NULL);
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  return e;
}

pheme_err store_webhook_delivery_add(store *s, const webhook_delivery *d) {
  sx x;
  pheme_err e = sx_write(s, NULL, &x);
  if (e) return e;
  e = Q(&x, NULL,
        "INSERT INTO webhook_deliveries (webhook_id, event_id, attempt, outcome, status, error, "
        "duration_ms, at) SELECT $1, $2, $3, $4, $5, $6, $7, $8 WHERE EXISTS "
        "(SELECT 1 FROM webhooks WHERE id = $1)",
        dbv_int(d->webhook_id), dbv_int(d->event_id), dbv_int(d->attempt), dbv_text(d->outcome),
        dbv_int(d->status), dbv_text(d->error ? d->error : ""), dbv_int(d->duration_ms),
        dbv_int(d->at));
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  return e;
}

pheme_err store_webhook_deliveries(store *s, arena *a, int64_t webhook_id, const store_page *p,
                                   webhook_delivery **out, int *n) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r,
        "SELECT id, webhook_id, event_id, attempt, outcome, status, error, duration_ms, at "
        "FROM webhook_deliveries WHERE webhook_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3",
        dbv_int(webhook_id), dbv_int(page_before(p)), dbv_int(p->limit));
  sx_end(&x);
  if (e) return e;
  *out = arena_zalloc(a, sizeof **out * (size_t)(r.rows ? r.rows : 1));
  if (!*out) return PHEME_SYS_NOMEM;
  for (int i = 0; i < r.rows; i++) {
    webhook_delivery *d = &(*out)[i];
    d->id = db_int(&r, i, 0);
    d->webhook_id = db_int(&r, i, 1);
    d->event_id = db_int(&r, i, 2);
    d->attempt = (int)db_int(&r, i, 3);
    d->outcome = db_text(&r, i, 4);
    d->status = (int)db_int(&r, i, 5);
    d->error = db_text(&r, i, 6);
    d->duration_ms = db_int(&r, i, 7);
    d->at = db_int(&r, i, 8);
  }
  *n = r.rows;
  return PHEME_OK;
}

pheme_err store_webhooks_fanout(store *s, const char *cursor_name, const char *job_kind,
                                int max_attempts, int limit, int *scanned, int *enqueued) {
  if (scanned) *scanned = 0;
  if (enqueued) *enqueued = 0;
  arena a;
  arena_init(&a, 0);
  /* the events are read outside the write transaction: on PostgreSQL the write transaction has
   * an xid of its own, which must not hold the xmin bound below rows it is about to read */
  event_cursor cur = {0, 0};
  sx x;
  pheme_err e = sx_read(s, &a, &x);
  db_result r;
  if (!e) {
    e = Q(&x, &r, "SELECT txid, event_id FROM event_cursors WHERE name = $1", dbv_text(cursor_name));
    if (!e && r.rows == 1) {
      cur.txid = db_int(&r, 0, 0);
      cur.id = db_int(&r, 0, 1);
    }
    sx_end(&x);
  }
  event_row *ev = NULL;
  int nev = 0;
  if (!e) e = store_events_after(s, &a, &cur, limit, &ev, &nev);
  if (e || nev == 0) {
    arena_release(&a);
    return e;
  }
  e = sx_write(s, &a, &x);
  if (e) {
    arena_release(&a);
    return e;
  }
  /* the cursor is moved only forward, and only by the one that read from where it stood: two
   * processes fanning out at once enqueue the same jobs (the keys make them one) and one moves */
  e = Q(&x, &r,
        sx_is_pg(&x) ? "SELECT txid, event_id FROM event_cursors WHERE name = $1 FOR UPDATE"
                     : "SELECT txid, event_id FROM event_cursors WHERE name = $1",
        dbv_text(cursor_name));
  int have = !e && r.rows == 1;
  if (!e && have && (db_int(&r, 0, 0) != cur.txid || db_int(&r, 0, 1) != cur.id)) {
    sx_end(&x);
    arena_release(&a);
    return PHEME_OK; /* another process moved it meanwhile: its jobs are made */
  }
  db_result hooks;
  if (!e)
    e = Q0(&x, &hooks, "SELECT " HOOK_COLS " FROM webhooks WHERE active = 1 ORDER BY id");
  int64_t now = time_now_ms();
  int made = 0;
  for (int i = 0; !e && i < nev; i++) {
    for (int j = 0; !e && j < hooks.rows; j++) {
      webhook w;
      read_hook(&hooks, j, &w);
      if (ev[i].at < w.created_at || !events_visible(&ev[i], w.user_id, 0) ||
          !events_kinds_match(w.events, ev[i].kind))
        continue;
      char payload[96], key[96];
      snprintf(payload, sizeof payload, "{\"webhook\":%lld,\"event\":%lld}", (long long)w.id,
               (long long)ev[i].id);
      snprintf(key, sizeof key, "webhook:%lld:%lld", (long long)w.id, (long long)ev[i].id);
      job_request rq = {job_kind, payload, key, max_attempts, 0};
      int created = 0;
      e = jobs_enqueue_in(&x, &rq, now, NULL, &created);
      made += created;
    }
  }
  const event_row *last = &ev[nev - 1];
  if (!e && have)
    e = Q(&x, NULL, "UPDATE event_cursors SET txid = $1, event_id = $2, updated_at = $3 WHERE name = $4",
          dbv_int(last->txid), dbv_int(last->id), dbv_int(now), dbv_text(cursor_name));
  else if (!e)
    e = Q(&x, NULL, "INSERT INTO event_cursors (name, txid, event_id, updated_at) VALUES ($1, $2, $3, $4)",
          dbv_text(cursor_name), dbv_int(last->txid), dbv_int(last->id), dbv_int(now));
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  arena_release(&a);
  if (!e) {
    if (scanned) *scanned = nev;
    if (enqueued) *enqueued = made;
  }
  return e;
}
