/* The leaderboards' reads: see leaderboard.h. */
#include "store/leaderboard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/game.h"
#include "store/internal.h"
#include "core/banned.h"

/* PostgreSQL: the highest ledger id M such that every id up to M is final, committed or rolled
 * back (x: a transaction on the primary, ended here). A transaction takes its ids when it
 * inserts and may commit after a later one, so the highest committed id alone can sit above ids
 * still in flight: a scan up to it would miss them, and the follower, which starts above it,
 * too (until the next restart). SHARE mode waits for every transaction that has inserted into
 * the ledger (they hold ROW EXCLUSIVE from their INSERT on) and holds off new inserts until the
 * COMMIT right after the max is read: a moment, however long the scan. */
static pheme_err final_max_id(sx *x, int64_t *max) {
  db_result r;
  pheme_err e = Q0(x, NULL, "LOCK TABLE xp_ledger IN SHARE MODE");
  if (!e) e = Q0(x, &r, "SELECT coalesce(max(id), 0) FROM xp_ledger");
  if (!e) *max = db_int(&r, 0, 0);
  if (!e) e = sx_commit(x);
  sx_end(x);
  return e;
}

pheme_err store_leaderboard_scan(store *s, int64_t page_rows, store_lb_each fn, void *ctx, int64_t *last_id) {
  if (page_rows < 1) page_rows = 1;
  arena a;
  arena_init(&a, 0);
  sx x;
  int64_t max = 0, after = 0;
  *last_id = 0;
  int pg = strcmp(store_driver_name(s), "postgresql") == 0;
  pheme_err e;
  if (pg) {
    /* on the primary: the lock above, then the pages (every row up to max is there already: a
     * replica could still lag behind it) in one transaction that writes nothing */
    e = sx_write(s, &a, &x);
    if (!e) e = final_max_id(&x, &max);
    if (!e) e = sx_write(s, &a, &x);
  } else {
    e = sx_read(s, &a, &x);
  }
  if (e) {
    arena_release(&a);
    return e;
  }
  db_result r;
  if (!pg) {
    /* SQLite: one snapshot; its one writer gives ids in commit order, so the highest id seen
     * has none in flight below it */
    e = sx_snapshot(&x);
    if (!e) e = Q0(&x, &r, "SELECT coalesce(max(id), 0) FROM xp_ledger");
    if (!e) max = db_int(&r, 0, 0);
  }
  if (!e) *last_id = max;
  store_lb_group *rows = NULL;
  size_t cap = 0;
  while (!e && after < max) {
    /* the ledger's rows as they are, in id order: the primary key's order, which is the order
     * they were written in, so a page is a stretch of the table read once. The boards add the
     * rows up themselves (adding per row is what they do for every new award anyway); a GROUP BY
     * here cost PostgreSQL a hash aggregate over every row, spilled to disk past work_mem, and
     * pages by user range read most of the table again for each range (docs/operations.md,
     * "Query plans at scale"). */
    e = Q(&x, &r,
          "SELECT id, user_id, coalesce(skill_id, 0), coalesce(guild_id, 0), coalesce(season_id, 0), amount "
          "FROM xp_ledger WHERE id > $1 AND id <= $2 AND " GAME_REASON_COUNTS_TO_TOTAL " ORDER BY id LIMIT $3",
          dbv_int(after), dbv_int(max), dbv_int(page_rows));
    if (e || r.rows == 0) break;
    if ((size_t)r.rows > cap) {
      cap = (size_t)r.rows;
      store_lb_group *more = realloc(rows, cap * sizeof *more);
      if (!more) {
        e = PHEME_SYS_NOMEM;
        break;
      }
      rows = more;
    }
    for (int i = 0; i < r.rows; i++)
      rows[i] = (store_lb_group){db_int(&r, i, 1), db_int(&r, i, 2), db_int(&r, i, 3), db_int(&r, i, 4), db_int(&r, i, 5)};
    after = db_int(&r, r.rows - 1, 0);
    if (fn(ctx, rows, r.rows, after < max ? after : max, max)) e = PHEME_SYS_INTERNAL;
    /* the page's cells are copied out: the arena starts again for the next page */
    arena_clear(&a);
  }
  sx_end(&x);
  free(rows);
  arena_release(&a);
  return e;
}

pheme_err store_leaderboard_rows(store *s, arena *a, int64_t after, int64_t upto, int limit, store_lb_row **rows,
                                 int *n) {
  *rows = NULL;
  *n = 0;
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r,
        "SELECT id, user_id, coalesce(skill_id, 0), coalesce(guild_id, 0), coalesce(season_id, 0), amount, "
        "CASE WHEN " GAME_REASON_COUNTS_TO_TOTAL " THEN 1 ELSE 0 END FROM xp_ledger "
        "WHERE id > $1 AND ($2 = 0 OR id <= $2) ORDER BY id LIMIT $3",
        dbv_int(after), dbv_int(upto), dbv_int(limit));
  if (!e && r.rows && !(*rows = arena_alloc(a, sizeof **rows * (size_t)r.rows))) e = PHEME_SYS_NOMEM;
  for (int i = 0; !e && i < r.rows; i++)
    (*rows)[i] = (store_lb_row){db_int(&r, i, 0), db_int(&r, i, 1), db_int(&r, i, 2), db_int(&r, i, 3),
                                db_int(&r, i, 4), db_int(&r, i, 5), (int)db_int(&r, i, 6)};
  if (!e) *n = r.rows;
  sx_end(&x);
  return e;
}

/* Runs "<select> WHERE id IN (…)" for ids[0..n) in one of a few statement shapes (8, 32, 128,
 * 256 ids, the last repeated) instead of one statement per count. */
static pheme_err by_ids(store *s, arena *a, const char *select, const int64_t *ids, int n,
                        db_result *r) {
  int slots = n <= 8 ? 8 : n <= 32 ? 32 : n <= 128 ? 128 : STORE_LB_PEOPLE_MAX;
  char sql[128 + STORE_LB_PEOPLE_MAX * 6];
  int len = snprintf(sql, sizeof sql, "%s WHERE id IN (", select);
  dbv args[STORE_LB_PEOPLE_MAX];
  for (int i = 0; i < slots; i++) {
    len += snprintf(sql + len, sizeof sql - (size_t)len, "%s$%d", i ? "," : "", i + 1);
    args[i] = dbv_int(ids[i < n ? i : n - 1]);
  }
  snprintf(sql + len, sizeof sql - (size_t)len, ")");
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  e = sx_query(&x, sql, args, slots, r);
  sx_end(&x);
  return e;
}

pheme_err store_leaderboard_people(store *s, arena *a, const int64_t *ids, int n,
                                   store_lb_person *out) {
  if (n < 0 || n > STORE_LB_PEOPLE_MAX) return PHEME_SYS_INTERNAL;
  for (int i = 0; i < n; i++) out[i] = (store_lb_person){.display_name = ""};
  if (n == 0) return PHEME_OK;
  db_result r;
  pheme_err e = by_ids(s, a, "SELECT id, address, display_name FROM users", ids, n, &r);
  if (e) return e;
  for (int j = 0; j < r.rows; j++) {
    int64_t id = db_int(&r, j, 0);
    for (int i = 0; i < n; i++) {
      if (ids[i] != id) continue;
      out[i].id = id;
      sx_addr(&r, j, 1, out[i].address);
      out[i].display_name = db_text(&r, j, 2);
    }
  }
  return PHEME_OK;
}

pheme_err store_leaderboard_guilds(store *s, arena *a, const int64_t *ids, int n,
                                   store_lb_guild *out) {
  if (n < 0 || n > STORE_LB_PEOPLE_MAX) return PHEME_SYS_INTERNAL;
  for (int i = 0; i < n; i++) out[i] = (store_lb_guild){.slug = "", .name = ""};
  if (n == 0) return PHEME_OK;
  db_result r;
  pheme_err e = by_ids(s, a, "SELECT id, slug, name FROM guilds", ids, n, &r);
  if (e) return e;
  for (int j = 0; j < r.rows; j++) {
    int64_t id = db_int(&r, j, 0);
    for (int i = 0; i < n; i++) {
      if (ids[i] != id) continue;
      out[i] = (store_lb_guild){id, db_text(&r, j, 1), db_text(&r, j, 2)};
    }
  }
  return PHEME_OK;
}

