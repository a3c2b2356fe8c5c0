/* Named leases; see lease.h. One upsert takes a lease that is free, expired or the owner's own;
 * the row read back in the same transaction says who holds it. */
#include "store/lease.h"

#include <string.h>

#include "store/internal.h"

static int bounded(const char *s, size_t max) { return s && s[0] && strlen(s) <= max; }

pheme_err store_lease_take(store *s, arena *a, const char *name, const char *owner, int64_t now_ms,
                           int64_t ttl_ms, int *won, const char **holder) {
  *won = 0;
  if (holder) *holder = NULL;
  if (!bounded(name, LEASE_NAME_MAX) || !bounded(owner, LEASE_OWNER_MAX) || ttl_ms < 1) return PHEME_DATA_INVALID;
  sx x;
  pheme_err e = sx_write(s, a, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, NULL,
        "INSERT INTO leases (name, owner, lease_until, taken_at) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until, "
        "taken_at = CASE WHEN leases.owner = excluded.owner THEN leases.taken_at ELSE excluded.taken_at END "
        "WHERE leases.owner = excluded.owner OR leases.lease_until <= excluded.taken_at",
        dbv_text(name), dbv_text(owner), dbv_int(now_ms + ttl_ms), dbv_int(now_ms));
  if (!e) e = Q(&x, &r, "SELECT owner FROM leases WHERE name = $1", dbv_text(name));
  if (!e && r.rows != 1) e = PHEME_SYS_STORAGE;
  if (!e) e = sx_commit(&x);
  if (!e) {
    const char *who = db_text(&r, 0, 0);
    *won = strcmp(who, owner) == 0;
    if (!*won && holder && a) *holder = arena_strdup(a, who);
  }
  sx_end(&x);
  return e;
}

pheme_err store_lease_release(store *s, const char *name, const char *owner) {
  if (!bounded(name, LEASE_NAME_MAX) || !bounded(owner, LEASE_OWNER_MAX)) return PHEME_DATA_INVALID;
  sx x;
  pheme_err e = sx_write(s, NULL, &x);
  if (e) return e;
  e = Q(&x, NULL, "DELETE FROM leases WHERE name = $1 AND owner = $2", dbv_text(name), dbv_text(owner));
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  return e;
}

pheme_err sx_lease_fence(sx *x, const char *name, const char *owner) {
#define HELD "SELECT 1 FROM leases WHERE name = $1 AND owner = $2"
  db_result r;
  pheme_err e = Q(x, &r, sx_is_pg(x) ? HELD " FOR SHARE" : HELD, dbv_text(name), dbv_text(owner));
#undef HELD
  if (!e && !r.rows) e = PHEME_DATA_CONFLICT;
  return e;
}
