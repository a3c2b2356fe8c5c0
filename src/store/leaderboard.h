/* What the leaderboards (src/game/leaderboard.c) read from storage: the XP ledger row by row, the
 * people a page of a board names, and seasons. All SQL of the leaderboards
 * is here. */
#ifndef PHEME_STORE_LEADERBOARD_H
#define PHEME_STORE_LEADERBOARD_H

#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "store/store.h"

/* XP of one person on one combination of boards (skill, guild, season; 0: none): one ledger row.
 * Adding these up per board gives every board. */
typedef struct {
  int64_t user_id, skill_id, guild_id, season_id;
  int64_t xp;
} store_lb_group;

/* Called with each page of rows; returns 0 to go on, anything else to stop the scan (which then
 * returns PHEME_SYS_INTERNAL). */
typedef int (*store_lb_each)(void *ctx, const store_lb_group *rows, int n, int64_t id_upto, int64_t id_max);

/* Reads the ledger rows that count to a person's total (GAME_REASON_COUNTS_TO_TOTAL: not the
 * parent and domain shares, as the award reports them), page_rows rows at a time in id order (a
 * keyset walk of the primary key: each page a stretch of the table, the whole read once; memory
 * bounded by a page). fn learns how far the scan has come (ledger id id_upto of id_max) for
 * progress reports. *last_id is set to the highest ledger id when the scan began (read first);
 * every row up to it is read, rows above it are not (they are the follower's). SQLite: one
 * snapshot. PostgreSQL: *last_id is read while no transaction is inserting into the ledger (a
 * SHARE lock, waited for and held for that one read), so no id up to it is still in flight; the
 * pages are read from the primary. Returns 0 or a storage error. */
pheme_err store_leaderboard_scan(store *s, int64_t page_rows, store_lb_each fn, void *ctx, int64_t *last_id)
    PHEME_MUST_CHECK;

/* One ledger row as the boards follow it (leaderboards_follow). */
typedef struct {
  int64_t id, user_id, skill_id, guild_id, season_id; /* 0: none */
  int64_t amount;
  int counts; /* counts to the person's total (GAME_REASON_COUNTS_TO_TOTAL); the others are shares */
} store_lb_row;

/* Ledger rows with after < id (and id <= upto when upto > 0), in id order, at most limit, into
 * *rows (from a; *n of them). Returns 0 or a storage error. */
pheme_err store_leaderboard_rows(store *s, arena *a, int64_t after, int64_t upto, int limit, store_lb_row **rows,
                                 int *n) PHEME_MUST_CHECK;

/* A person named on a board. */
typedef struct {
  int64_t id; /* 0: no such user (deleted since) */
  uint8_t address[20];
  const char *display_name;
} store_lb_person;

#define STORE_LB_PEOPLE_MAX 256
/* The address and display name of users ids[0..n) (n ≤ STORE_LB_PEOPLE_MAX), into out[i] in the
 * same order; strings in a. Returns 0 or a storage error. */
pheme_err store_leaderboard_people(store *s, arena *a, const int64_t *ids, int n,
                                   store_lb_person *out) PHEME_MUST_CHECK;

/* A guild named on the board of guilds. */
typedef struct {
  int64_t id; /* 0: no such guild (deleted since) */
  const char *slug, *name;
} store_lb_guild;

/* The slug and name of guilds ids[0..n) (n ≤ STORE_LB_PEOPLE_MAX), into out[i] in the same order;
 * strings in a. Returns 0 or a storage error. */
pheme_err store_leaderboard_guilds(store *s, arena *a, const int64_t *ids, int n,
                                   store_lb_guild *out) PHEME_MUST_CHECK;

/* A season is read with store_season_get (store/game.h). */

#endif
