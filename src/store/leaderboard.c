/* The leaderboards' reads: see leaderboard.h. */
#include "store/leaderboard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/game.h"
#include "store/internal.h"
#include "core/banned.h"

pheme_err store_leaderboard_scan(store *s, int64_t page_users, store_lb_each fn, void *ctx, int64_t *last_id) {
  if (page_users < 1) page_users = 1;
  arena a;
  arena_init(&a, 0);
  sx x;
  pheme_err e = sx_read(s, &a, &x);
  if (e) {
    arena_release(&a);
    return e;
  }
  e = sx_snapshot(&x);
  db_result r;
  int64_t max = 0;
  *last_id = 0;
  if (!e) e = Q0(&x, &r, "SELECT coalesce(max(user_id), 0), coalesce(max(id), 0) FROM xp_ledger");
  if (!e) max = db_int(&r, 0, 0), *last_id = db_int(&r, 0, 1);
  store_lb_group *rows = NULL;
  size_t cap = 0;
  for (int64_t from = 0; !e && from < max; from += page_users) {
    int64_t upto = from + page_users > max ? max : from + page_users;
    e = Q(&x, &r,
          "SELECT user_id, coalesce(skill_id, 0), coalesce(guild_id, 0), coalesce(season_id, 0), "
          "CAST(sum(amount) AS BIGINT) FROM xp_ledger WHERE user_id > $1 AND user_id <= $2 AND id <= $3 AND "
          GAME_REASON_COUNTS_TO_TOTAL " GROUP BY user_id, skill_id, guild_id, season_id",
          dbv_int(from), dbv_int(upto), dbv_int(*last_id));
    if (e) break;
    if ((size_t)r.rows > cap) {
      cap = (size_t)r.rows;
      store_lb_group *more = realloc(rows, cap * sizeof *rows);
      if (!more) {
        e = PHEME_SYS_NOMEM;
        break;
      }
      rows = more;
    }
    for (int i = 0; i < r.rows; i++)
      rows[i] = (store_lb_group){db_int(&r, i, 0), db_int(&r, i, 1), db_int(&r, i, 2),
                                 db_int(&r, i, 3), db_int(&r, i, 4)};
    if (fn(ctx, rows, r.rows, upto, max)) e = PHEME_SYS_INTERNAL;
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

