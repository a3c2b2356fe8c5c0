/* What joins the game's parts, set up by the program at start (src/main.c):
 *
 *   game_xp_listen(game_boards_on_award, boards);   committed awards move the leaderboards
 *   badge_facts_hook_set(game_badge_facts, boards); badge rules see streaks, quests, guild
 *                                                   achievements and season ranks
 *
 * Each part stays testable alone; these two functions are the only places that know both. */
#ifndef PHEME_GAME_WIRING_H
#define PHEME_GAME_WIRING_H

#include "game/badges.h"
#include "game/game.h"
#include "game/leaderboard.h"

/* A game_xp_listen listener (ctx: the leaderboards, loaded): the boards follow the ledger at once
 * (leaderboards_follow), taking the award's rows from it with any other process's committed
 * since, so the rows are read back rather than applied from the award's plan. */
void game_boards_on_award(void *ctx, const game_xp_row *rows, int n);

/* A badge_facts_hook_fn (ctx: the leaderboards, or NULL for no season ranks): the person's
 * current and longest streak, the quest chains they completed, their guilds' achievements and
 * their rank on each season's board. */
pheme_err game_badge_facts(void *ctx, store *s, arena *a, int64_t user_id, badge_facts *f);

#endif
