/* Fuzz target: the badge rule parser (src/game/badges.c), which reads rules an admin sends.
 * Whatever parses must format to canonical text that parses back to the same rule and formats
 * the same again, and evaluating it against empty and full facts must not crash. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "game/badges.h"

#include "core/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  badge_rule r, again;
  char err[256];
  if (badge_rule_parse(&r, (const char *)data, size, err, sizeof err) != PHEME_OK) {
    if (!err[0]) abort(); /* a refusal always says why */
    return 0;
  }
  arena a;
  arena_init(&a, 1 << 16);
  const char *text = badge_rule_format(&a, &r);
  if (!text) abort();
  if (badge_rule_parse(&again, text, strlen(text), err, sizeof err) != PHEME_OK) {
    fprintf(stderr, "formatted rule does not parse: %s: %s\n", text, err);
    abort();
  }
  if (memcmp(&r, &again, sizeof r) != 0) abort();
  const char *text2 = badge_rule_format(&a, &again);
  if (!text2 || strcmp(text, text2) != 0) abort();
  badge_fact_skill sk = {.skill_id = 1, .slug = r.slug, .xp = r.min, .level = 1, .approved = r.min, .first = 1};
  const char *names[] = {r.slug};
  badge_fact_rank rank = {.season_id = r.season_id, .rank = r.max_rank};
  int64_t first_task = r.task_id;
  badge_facts empty = {0}, full = {.total_xp = r.min, .approved = r.min, .skills = &sk, .nskills = 1,
                                   .first_tasks = &first_task, .nfirst_tasks = 1, .streak = r.min,
                                   .quests = names, .nquests = 1, .guild_achievements = names,
                                   .nguild_achievements = 1, .season_ranks = &rank, .nseason_ranks = 1};
  if (badge_rule_eval(&r, &empty) != 0) abort(); /* nothing earned: nothing matches */
  /* facts exactly at every threshold match (quest counts need N names; one is given) */
  if (!badge_rule_eval(&r, &full) && !(r.kind == BADGE_RULE_QUEST && !r.slug[0] && r.min > 1)) abort();
  arena_release(&a);
  return 0;
}
