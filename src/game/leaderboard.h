/* The leaderboards (issue 11 §8, docs/internals/leaderboards.md): in-memory ranked sets of people
 * by XP, kept current from the XP ledger.
 *
 * Boards: one global (all of a person's XP), one per skill (ledger rows with that skill), one per
 * guild (the XP a member earned for that guild: ledger rows with its guild_id), one per season
 * (ledger rows of that season), and the guilds themselves ranked by guild XP (the sum of their
 * members' guild XP). A board exists once a ledger row names it; an unknown skill, guild or
 * season has an empty board.
 *
 * Life: leaderboards_new, leaderboards_load (one scan of the ledger in id order through
 * store/leaderboard.h), then leaderboards_follow (the award engine's listener, after every award
 * this process commits, and a poll for the other processes' awards); reads from any thread. */
#ifndef PHEME_GAME_LEADERBOARD_H
#define PHEME_GAME_LEADERBOARD_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/metrics.h"
#include "game/rank.h"
#include "store/store.h"

/* One committed ledger row, as the award engine reports it (0: no skill, guild or season). */
typedef struct {
  int64_t user_id, skill_id, guild_id, season_id;
  int64_t amount;
  int64_t at; /* Unix ms */
} lb_xp_row;

typedef enum {
  LB_GLOBAL,      /* id 0 */
  LB_SKILL,       /* id: skill id */
  LB_GUILD,       /* id: guild id; members by the XP they earned for it */
  LB_SEASON,      /* id: season id */
  LB_GUILDS,      /* id 0; members are guild ids, by guild XP */
  LB__KINDS
} lb_kind;

typedef struct leaderboards leaderboards;

/* Empty boards, or NULL when memory is short. */
leaderboards *leaderboards_new(void);
/* Frees every board; NULL is a no-op. */
void leaderboards_free(leaderboards *lb);

/* Fills empty boards from the ledger (store_leaderboard_scan, page_rows ledger rows per page
 * read), logging progress when the ledger is large. Call before any leaderboard_apply. Returns 0,
 * or -1 with err set (storage error, out of memory). */
pheme_err leaderboards_load(leaderboards *lb, store *s, int64_t page_rows, char *err, size_t errlen)
    PHEME_MUST_CHECK;

/* Adds committed ledger rows to every board they count for. Safe from any thread: each board
 * takes its own write lock per row, readers run meanwhile (two award workers applying at once
 * serialize per board; the sums are the same in any order). Out of memory drops the row from the
 * boards it could not reach and counts it (pheme_leaderboard_apply_failures_total): a restart
 * rebuilds them. */
void leaderboard_apply(leaderboards *lb, const lb_xp_row *rows, int n);

/* Following the ledger (docs/internals/leaderboards.md "Following other processes"): after
 * leaderboards_load, the boards take every ledger row committed since, by any process on the
 * database, in ledger id order. leaderboards_follow reads the rows above what it has taken and
 * applies those that count (the shares do not), once each; a missing id (a transaction that took
 * it and has not committed, on PostgreSQL) holds the follow back for up to
 * LB_FOLLOW_GAP_WAIT_MS, then is taken as rolled back. Safe from any thread (one follow at a
 * time). Returns 0 or a storage error (the boards keep what they took). */
#define LB_FOLLOW_GAP_WAIT_MS 10000
#define LB_FOLLOW_PAGE 4096
#define LB_FOLLOW_HOLES 16 /* missing ids looked for per follow: the lowest runs */
pheme_err leaderboards_follow(leaderboards *lb) PHEME_MUST_CHECK;
/* Follows on a thread of its own, every poll_ms (the awards of other processes; this process's
 * own awards are followed at once by the award listener, game/wiring.h); returns 0, or -1 when
 * the thread could not start. Stopped by leaderboards_follow_stop (also
 * from leaderboards_free). */
int leaderboards_follow_start(leaderboards *lb, int poll_ms) PHEME_MUST_CHECK;
void leaderboards_follow_stop(leaderboards *lb);
/* The highest ledger id below which every row is taken (for tests and metrics). */
int64_t leaderboards_followed(leaderboards *lb);

/* The board of kind and id, or NULL when no ledger row has named it yet (an empty board). The set
 * lives as long as lb. */
rank_set *leaderboards_board(leaderboards *lb, lb_kind kind, int64_t id);

/* The metrics collector (core/metrics.h; ctx is the leaderboards): boards and members per kind,
 * bytes held, the last load's duration, rows applied and failures. */
void leaderboards_metrics_collect(metrics_writer *w, void *ctx);

/* Page cursors: a place in a board's order as 32 lower-case hex digits (opaque to clients). */
#define LB_CURSOR_LEN 32
void lb_cursor_format(rank_key k, char out[LB_CURSOR_LEN + 1]);
/* Parses a cursor made by lb_cursor_format; returns 0, or -1 when s is not one. */
int lb_cursor_parse(const char *s, rank_key *out) PHEME_MUST_CHECK;

#endif
