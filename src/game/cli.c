/* `pheme game …`: rebuild the totals from the ledger, award or sweep by hand, and run seasons
 * (create with a fresh secret seed, list, reveal); see game.h. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/util.h"
#include "eth/keccak.h"
#include "game/game.h"
#include "core/banned.h"

/* Unix ms, or YYYY-MM-DDTHH:MM:SSZ (UTC). */
static int parse_when(const char *s, int64_t *ms) {
  long long v;
  if (!parse_int(s, 0, INT64_MAX, &v)) {
    *ms = v;
    return 0;
  }
  struct tm tm;
  memset(&tm, 0, sizeof tm);
  char z = 0;
  if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
             &tm.tm_sec, &z) != 7 || z != 'Z')
    return -1;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  time_t t = timegm(&tm);
  if (t < 0) return -1;
  *ms = (int64_t)t * 1000;
  return 0;
}

static void print_season(const game_season *g) {
  char h[65], sd[65], a[TIME_RFC3339_TEXT], b[TIME_RFC3339_TEXT];
  bytes_to_hex(h, g->seed_hash, 32);
  bytes_to_hex(sd, g->seed, 32);
  time_format_rfc3339(a, g->starts_at);
  time_format_rfc3339(b, g->ends_at);
  printf("%-6lld %-20s %s .. %s seed_hash 0x%s seed %s%s\n", (long long)g->id, g->slug, a, b, h,
         g->revealed ? "0x" : "(secret)", g->revealed ? sd : "");
}

static int season(store *s, char **args, int nargs) {
  arena a;
  arena_init(&a, 1 << 16);
  store_actor sys = {0, ""};
  int rc = 2;
  if (nargs >= 1 && strcmp(args[0], "list") == 0) {
    game_season *list;
    int n;
    pheme_err e = store_seasons_list(s, &a, &list, &n);
    if (e) {
      fprintf(stderr, "pheme game season list: %s\n", pheme_err_message(e));
      rc = 1;
    } else {
      for (int i = 0; i < n; i++) print_season(&list[i]);
      rc = 0;
    }
  } else if (nargs == 5 && strcmp(args[0], "create") == 0) {
    game_season g = {.slug = args[1], .name = args[2]};
    if (parse_when(args[3], &g.starts_at) || parse_when(args[4], &g.ends_at)) {
      fprintf(stderr, "pheme game season create: START and END are Unix ms or YYYY-MM-DDTHH:MM:SSZ\n");
    } else {
      uint8_t seed[32];
      if (random_bytes(seed, sizeof seed)) {
        fprintf(stderr, "pheme game season create: no randomness for the seed\n");
        rc = 1;
      } else {
        keccak_256(g.seed_hash, seed, sizeof seed);
        pheme_err e = store_season_create(s, &a, &sys, &g, seed);
        if (e == PHEME_DATA_CONFLICT)
          fprintf(stderr, "pheme game season create: slug '%s' is taken or the time overlaps another season\n", g.slug);
        else if (e == PHEME_DATA_INVALID)
          fprintf(stderr, "pheme game season create: END must come after START\n");
        else if (e)
          fprintf(stderr, "pheme game season create: %s\n", pheme_err_message(e));
        else
          print_season(&g);
        rc = e ? 1 : 0;
      }
    }
  } else if (nargs >= 2 && strcmp(args[0], "reveal") == 0) {
    long long id;
    int force = nargs >= 3 && (strcmp(args[2], "--force") == 0 || strcmp(args[2], "force") == 0);
    if (parse_int(args[1], 1, INT64_MAX, &id)) {
      fprintf(stderr, "pheme game season reveal: give the season's id (pheme game season list)\n");
    } else {
      pheme_err e = store_season_reveal(s, &sys, id, force, time_now_ms());
      if (e == PHEME_DATA_STATE)
        fprintf(stderr, "pheme game season reveal: season %lld is revealed already or has not ended (--force)\n", id);
      else if (e == PHEME_DATA_NOT_FOUND)
        fprintf(stderr, "pheme game season reveal: no season %lld\n", id);
      else if (e)
        fprintf(stderr, "pheme game season reveal: %s\n", pheme_err_message(e));
      game_season g;
      if (!e && !store_season_get(s, &a, id, &g)) print_season(&g);
      rc = e ? 1 : 0;
    }
  } else {
    fprintf(stderr, "usage: pheme " GAME_CLI_USAGE "\n");
  }
  arena_release(&a);
  return rc;
}

int game_cli(const pheme_config *cfg, store *s, char **args, int nargs) {
  game_rules rules;
  game_rules_from_config(&rules, cfg);
  game g;
  game_init(&g, s, &rules);
  if (nargs >= 1 && strcmp(args[0], "season") == 0) return season(s, args + 1, nargs - 1);
  if (nargs == 1 && strcmp(args[0], "rebuild") == 0) {
    int64_t people = 0;
    pheme_err e = game_rebuild(&g, time_now_ms(), &people);
    if (e) {
      fprintf(stderr, "pheme game rebuild: %s\n", pheme_err_message(e));
      return 1;
    }
    printf("rebuilt the totals of %lld people from the ledger\n", (long long)people);
    return 0;
  }
  if (nargs == 1 && strcmp(args[0], "sweep") == 0) {
    int n = 0;
    pheme_err e = game_sweep(&g, time_now_ms(), &n);
    if (e) {
      fprintf(stderr, "pheme game sweep: %s\n", pheme_err_message(e));
      return 1;
    }
    printf("awarded %d outcome(s)\n", n);
    return 0;
  }
  if (nargs == 1 && strcmp(args[0], "totals") == 0) {
    arena a;
    arena_init(&a, (size_t)1 << 30); /* every total of everyone: 1 MiB held 14,000 skill rows no more */
    const char *t;
    pheme_err e = store_game_totals_text(s, &a, &t);
    if (!e) fputs(t, stdout);
    else fprintf(stderr, "pheme game totals: %s\n", pheme_err_message(e));
    arena_release(&a);
    return e ? 1 : 0;
  }
  if (nargs == 2 && strcmp(args[0], "award") == 0) {
    long long id;
    if (parse_int(args[1], 1, INT64_MAX, &id)) {
      fprintf(stderr, "pheme game award: give a submission id\n");
      return 2;
    }
    arena a;
    arena_init(&a, 1 << 16);
    game_award_plan p;
    pheme_err e = game_award(&g, &a, id, NULL, time_now_ms(), &p);
    if (e == PHEME_DATA_NOT_FOUND)
      fprintf(stderr, "pheme game award: submission %lld has no approved outcome\n", id);
    else if (e)
      fprintf(stderr, "pheme game award: %s\n", pheme_err_message(e));
    else if (!p.write)
      printf("submission %lld was awarded already\n", id);
    else
      printf("submission %lld: total %lld XP, level %s\n", id, (long long)p.total_xp, p.level);
    arena_release(&a);
    return e ? 1 : 0;
  }
  fprintf(stderr, "usage: pheme " GAME_CLI_USAGE "\n");
  return 2;
}
