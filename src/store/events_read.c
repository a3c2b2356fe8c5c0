/* Reading the event outbox in commit order (store/events.h).
 *
 * SQLite has one writer, and a row's id is taken inside the writer's transaction, so ids are in
 * commit order and every row has txid 0. PostgreSQL takes identity values at INSERT: transaction
 * A may take id 10, B id 11, and B commit first; a reader that saw 11 and moved its cursor past
 * it would never see 10. There each row carries the id of its transaction (events.txid, migration
 * 0019), and a reader takes only rows whose transaction is older than the oldest one still
 * running (pg_snapshot_xmin of its snapshot): no such row can appear later, and every row a
 * running transaction adds will have a txid at or above that bound, so after the cursor. Rows
 * go in (txid, id) order. The price: an event waits for every older transaction to end, so a
 * session idle in a transaction holds delivery back (docs/internals/events.md). */
#include <string.h>

#include "core/util.h"
#include "store/events.h"
#include "store/internal.h"
#include "core/banned.h"

#define EVENT_COLS "id, txid, kind, user_id, public, subject_type, subject_id, data, at"
#define PG_FINAL "txid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint"

static void read_event(const db_result *r, int i, event_row *e) {
  e->id = db_int(r, i, 0);
  e->txid = db_int(r, i, 1);
  e->kind = db_text(r, i, 2);
  e->user_id = db_int(r, i, 3);
  e->is_public = db_int(r, i, 4) != 0;
  e->subject_type = db_text(r, i, 5);
  e->subject_id = db_int(r, i, 6);
  e->data = db_text(r, i, 7);
  e->at = db_int(r, i, 8);
}

pheme_err store_events_after(store *s, arena *a, const event_cursor *after, int limit,
                             event_row **out, int *n) {
  if (limit < 1) limit = 1;
  if (limit > EVENTS_READ_MAX) limit = EVENTS_READ_MAX;
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  if (sx_is_pg(&x))
    e = Q(&x, &r,
          "SELECT " EVENT_COLS " FROM events WHERE (txid, id) > ($1, $2) AND " PG_FINAL
          " ORDER BY txid, id LIMIT $3",
          dbv_int(after->txid), dbv_int(after->id), dbv_int(limit));
  else
    e = Q(&x, &r, "SELECT " EVENT_COLS " FROM events WHERE id > $1 ORDER BY id LIMIT $2",
          dbv_int(after->id), dbv_int(limit));
  sx_end(&x);
  if (e) return e;
  *out = arena_zalloc(a, sizeof **out * (size_t)(r.rows ? r.rows : 1));
  if (!*out) return PHEME_SYS_NOMEM;
  for (int i = 0; i < r.rows; i++) read_event(&r, i, &(*out)[i]);
  *n = r.rows;
  return PHEME_OK;
}

pheme_err store_events_head(store *s, event_cursor *out) {
  arena a;
  arena_init(&a, 0);
  sx x;
  pheme_err e = sx_read(s, &a, &x);
  if (e) {
    arena_release(&a);
    return e;
  }
  db_result r;
  if (sx_is_pg(&x))
    e = Q0(&x, &r, "SELECT txid, id FROM events WHERE " PG_FINAL " ORDER BY txid DESC, id DESC LIMIT 1");
  else
    e = Q0(&x, &r, "SELECT 0, id FROM events ORDER BY id DESC LIMIT 1");
  sx_end(&x);
  out->txid = 0;
  out->id = 0;
  if (!e && r.rows == 1) {
    out->txid = db_int(&r, 0, 0);
    out->id = db_int(&r, 0, 1);
  }
  arena_release(&a);
  return e;
}

pheme_err store_events_cursor_of(store *s, int64_t id, event_cursor *out) {
  arena a;
  arena_init(&a, 0);
  sx x;
  pheme_err e = sx_read(s, &a, &x);
  if (e) {
    arena_release(&a);
    return e;
  }
  db_result r;
  e = Q(&x, &r, "SELECT txid, id FROM events WHERE id = $1", dbv_int(id));
  sx_end(&x);
  if (!e && r.rows == 0) e = PHEME_DATA_NOT_FOUND;
  if (!e) {
    out->txid = db_int(&r, 0, 0);
    out->id = db_int(&r, 0, 1);
  }
  arena_release(&a);
  return e;
}

pheme_err store_event_get(store *s, arena *a, int64_t id, event_row *out) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r, "SELECT " EVENT_COLS " FROM events WHERE id = $1", dbv_int(id));
  sx_end(&x);
  if (e) return e;
  if (r.rows == 0) return PHEME_DATA_NOT_FOUND;
  read_event(&r, 0, out);
  return PHEME_OK;
}

int events_kinds_match(const char *list, const char *kind) {
  if (!list || !list[0]) return 1;
  size_t klen = strlen(kind);
  for (const char *p = list; *p;) {
    size_t n = strcspn(p, ",");
    if (n == 1 && p[0] == '*') return 1;
    if (n >= 2 && p[n - 1] == '*' && p[n - 2] == '.') {
      if (klen > n - 1 && strncmp(kind, p, n - 1) == 0) return 1;
    } else if (n == klen && strncmp(kind, p, n) == 0) {
      return 1;
    }
    p += n;
    if (*p == ',') p++;
  }
  return 0;
}

void store_events_listen(store *s, void (*fn)(void *ctx), void *ctx) {
  __atomic_store_n(&s->events_hook, NULL, __ATOMIC_RELEASE);
  __atomic_store_n(&s->events_ctx, ctx, __ATOMIC_RELEASE);
  __atomic_store_n(&s->events_hook, fn, __ATOMIC_RELEASE);
}
