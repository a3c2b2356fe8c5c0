/* What joins the game's parts (wiring.h): the award engine's committed XP feeds the in-memory
 * leaderboards, and the badge rules learn the facts the game engine owns. */
#include "game/wiring.h"

#include <string.h>

#include "core/log.h"
#include "game/rank.h"
#include "store/game.h"
#include "core/banned.h"

void game_boards_on_award(void *ctx, const game_xp_row *rows, int n) {
  /* the rows just committed are in the ledger: the follow takes them from there, with any other
   * process's committed meanwhile, each once (leaderboard.h) */
  (void)rows;
  (void)n;
  pheme_err e = leaderboards_follow(ctx);
  if (e) log_warn("leaderboards: following the XP ledger after an award failed: %s", pheme_err_message(e));
}

pheme_err game_badge_facts(void *ctx, store *s, arena *a, int64_t user_id, badge_facts *f) {
  leaderboards *lb = ctx;
  game_progress p;
  pheme_err e = store_game_progress(s, a, user_id, &p);
  if (e == PHEME_DATA_NOT_FOUND) return PHEME_OK;
  if (e) return e;
  f->streak = p.streak_current;
  f->best_streak = p.streak_longest;
  /* quest chains completed */
  game_quest *q;
  int nq = 0;
  if ((e = store_quests_list(s, a, user_id, &q, &nq))) return e;
  f->quests = arena_zalloc(a, sizeof *f->quests * (size_t)(nq ? nq : 1));
  if (!f->quests) return PHEME_SYS_NOMEM;
  f->nquests = 0;
  for (int i = 0; i < nq; i++)
    if (q[i].completed_at) f->quests[f->nquests++] = q[i].slug;
  /* the achievements of the person's guilds */
  const char **ach;
  int nach = 0;
  if ((e = store_game_guild_achievements(s, a, user_id, &ach, &nach))) return e;
  f->guild_achievements = ach;
  f->nguild_achievements = nach;
  /* the person's rank on every season board they are on */
  game_season *seasons;
  int ns = 0;
  if ((e = store_seasons_list(s, a, &seasons, &ns))) return e;
  f->season_ranks = arena_zalloc(a, sizeof *f->season_ranks * (size_t)(ns ? ns : 1));
  if (!f->season_ranks) return PHEME_SYS_NOMEM;
  f->nseason_ranks = 0;
  for (int i = 0; lb && i < ns; i++) {
    rank_set *board = leaderboards_board(lb, LB_SEASON, seasons[i].id);
    rank_entry re;
    if (board && rank_set_get(board, user_id, &re))
      f->season_ranks[f->nseason_ranks++] = (badge_fact_rank){seasons[i].id, re.rank};
  }
  return PHEME_OK;
}
