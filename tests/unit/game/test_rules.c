/* The rewards engine's pure rules (src/game/game.c): levels and every multiplier at each of their
 * boundaries (property tests over the whole range, not only the documented points), skill and
 * guild level curves, critical hits against an independent recomputation of the roll, streak
 * steps with the grace rule, and day numbering in a person's offset. */
#include <string.h>

#include "test.h"
#include "eth/keccak.h"
#include "game/game.h"

static game_rules R;

TEST(levels_at_every_boundary) {
  static const struct { int64_t xp; const char *level; } b[] = {
      {-1, "NOVICE"},    {0, "NOVICE"},     {1000, "NOVICE"},  {1001, "ADVANCED"}, {5000, "ADVANCED"},
      {5001, "EXPERT"},  {10000, "EXPERT"}, {10001, "MASTER"}, {INT64_MAX / 2, "MASTER"},
  };
  for (size_t i = 0; i < sizeof b / sizeof b[0]; i++) CHECK_STR(game_level_name(b[i].xp), b[i].level);
  /* property: the level never goes down as XP grows, and XP to next reaches 0 only at MASTER */
  static const char *const order[] = {"NOVICE", "ADVANCED", "EXPERT", "MASTER"};
  int prev = 0;
  for (int64_t xp = 0; xp <= 12000; xp++) {
    const char *l = game_level_name(xp);
    int k = 0;
    while (k < 4 && strcmp(order[k], l) != 0) k++;
    REQUIRE(k < 4);
    CHECK(k >= prev);
    prev = k;
    int64_t next = game_xp_to_next(xp);
    if (k == 3) CHECK_INT(next, 0);
    else {
      CHECK(next >= 1);
      /* one XP short of the next level is still this level; exactly there is the next */
      CHECK_STR(game_level_name(xp + next - 1), l);
      CHECK(strcmp(game_level_name(xp + next), l) != 0);
    }
  }
}

TEST(skill_level_curve_boundaries) {
  for (int l = 0; l <= 100; l++) {
    int64_t need = game_skill_level_xp(l, R.skill_curve_xp);
    CHECK_INT(need, 10LL * l * l);
    CHECK_INT(game_skill_level(need, R.skill_curve_xp), l);
    if (l > 0) CHECK_INT(game_skill_level(need - 1, R.skill_curve_xp), l - 1);
  }
  CHECK_INT(game_skill_level(0, 10), 0);
  CHECK_INT(game_skill_level(-5, 10), 0);
  CHECK_INT(game_skill_level(100000, 10), 100);
  CHECK_INT(game_skill_level(INT64_MAX / 4, 10), 100); /* capped */
  /* other curves: the same property */
  for (int64_t c = 1; c <= 1000; c *= 7)
    for (int l = 1; l <= 100; l += 9) {
      CHECK_INT(game_skill_level(c * l * l, c), l);
      CHECK_INT(game_skill_level(c * l * l - 1, c), l - 1);
    }
}

TEST(guild_level_curve_boundaries) {
  for (int l = 0; l <= 200; l++) {
    int64_t need = 1000LL * l * l;
    CHECK_INT(game_guild_level(need, 1000), l);
    if (l > 0) CHECK_INT(game_guild_level(need - 1, 1000), l - 1);
  }
}

TEST(multipliers_at_every_boundary) {
  /* difficulty: 1 → 100 %, each step +10, clamped to 1..10 */
  for (int d = -3; d <= 13; d++) {
    int c = d < 1 ? 1 : d > 10 ? 10 : d;
    CHECK_INT(game_difficulty_pct(&R, d), 100 + (c - 1) * 10);
  }
  CHECK_INT(game_difficulty_pct(&R, 1), 100);
  CHECK_INT(game_difficulty_pct(&R, 10), 190);
  /* quality: 0 → 50 %, 100 → 150 %, monotone, clamped */
  CHECK_INT(game_quality_pct(&R, 0), 50);
  CHECK_INT(game_quality_pct(&R, 100), 150);
  CHECK_INT(game_quality_pct(&R, -1), 50);
  CHECK_INT(game_quality_pct(&R, 101), 150);
  for (int s = 1; s <= 100; s++) CHECK(game_quality_pct(&R, s) >= game_quality_pct(&R, s - 1));
  /* streak: 1 day → 100 %, +5 per day, capped at 150 % from day 11 on */
  CHECK_INT(game_streak_pct(&R, 0), 100);
  CHECK_INT(game_streak_pct(&R, 1), 100);
  CHECK_INT(game_streak_pct(&R, 2), 105);
  CHECK_INT(game_streak_pct(&R, 10), 145);
  CHECK_INT(game_streak_pct(&R, 11), 150);
  CHECK_INT(game_streak_pct(&R, 12), 150);
  CHECK_INT(game_streak_pct(&R, 1000000), 150);
  for (int n = 2; n < 40; n++) CHECK(game_streak_pct(&R, n) >= game_streak_pct(&R, n - 1));
  /* guild: none or level 0 → 100 %, +2 per level, capped at 120 % from level 10 on */
  CHECK_INT(game_guild_pct(&R, 0, 50), 100);
  CHECK_INT(game_guild_pct(&R, 1, 0), 100);
  CHECK_INT(game_guild_pct(&R, 1, 1), 102);
  CHECK_INT(game_guild_pct(&R, 1, 9), 118);
  CHECK_INT(game_guild_pct(&R, 1, 10), 120);
  CHECK_INT(game_guild_pct(&R, 1, 11), 120);
  /* rounding: down, at every step */
  CHECK_INT(game_apply_pct(351, 110), 386);
  CHECK_INT(game_apply_pct(99, 101), 99);
  CHECK_INT(game_apply_pct(100, 101), 101);
}

TEST(critical_hit_matches_an_independent_roll) {
  uint8_t seed[32];
  for (int i = 0; i < 32; i++) seed[i] = (uint8_t)(i * 7 + 3);
  int hits = 0;
  for (int64_t sid = 1; sid <= 20000; sid++) {
    /* the roll recomputed here from its definition: keccak256(be64(id) ‖ seed) */
    uint8_t in[40], h[32];
    for (int i = 0; i < 8; i++) in[i] = (uint8_t)((uint64_t)sid >> (56 - 8 * i));
    memcpy(in + 8, seed, 32);
    keccak_ctx c;
    keccak_init(&c);
    keccak_update(&c, in, 8);
    keccak_update(&c, in + 8, 32);
    keccak_final(&c, h);
    unsigned long long v = 0;
    for (int i = 0; i < 8; i++) v = v << 8 | h[i];
    int64_t want = (int64_t)(v % 1000000ull), roll = -1;
    int crit = game_critical(seed, sid, 50000, &roll);
    CHECK_INT(roll, want);
    CHECK_INT(crit, want < 50000);
    /* the rate's boundaries: 0 never, 1 000 000 always, roll itself is the threshold */
    CHECK_INT(game_critical(seed, sid, 0, NULL), 0);
    CHECK_INT(game_critical(seed, sid, 1000000, NULL), 1);
    CHECK_INT(game_critical(seed, sid, (int)want, NULL), 0);
    CHECK_INT(game_critical(seed, sid, (int)want + 1, NULL), 1);
    hits += crit;
  }
  /* 5 % of 20 000 is 1 000; a fair hash lands well within ±300 */
  CHECK(hits > 700 && hits < 1300);
}

TEST(days_in_the_persons_offset) {
  CHECK_INT(game_day(0, 0), 0);
  CHECK_INT(game_day(GAME_DAY_MS - 1, 0), 0);
  CHECK_INT(game_day(GAME_DAY_MS, 0), 1);
  CHECK_INT(game_day(-1, 0), -1);
  /* 23:30 UTC is the next day at UTC+1 and the same day at UTC-1 */
  int64_t t = 20000 * GAME_DAY_MS + 23 * 3600000LL + 30 * 60000LL;
  CHECK_INT(game_day(t, 0), 20000);
  CHECK_INT(game_day(t, 60), 20001);
  CHECK_INT(game_day(t, -60), 20000);
  CHECK_INT(game_day(20000 * GAME_DAY_MS + 30 * 60000LL, -60), 19999);
  CHECK_INT(game_day(20000 * GAME_DAY_MS, 840), 20000);
  CHECK_INT(game_day(20000 * GAME_DAY_MS - 1, 840), 20000);
}

TEST(streak_steps_grace_and_deadline) {
  game_streak s = {0, 0, 0, 0};
  CHECK_INT(game_streak_step(&R, &s, 100), 1);
  CHECK_INT(s.current, 1);
  CHECK_INT(game_streak_step(&R, &s, 100), 0); /* same day */
  CHECK_INT(s.current, 1);
  CHECK_INT(game_streak_step(&R, &s, 101), 1);
  CHECK_INT(s.current, 2);
  /* deadline: the end of day 102, plus one grace day (available): the end of day 103 */
  CHECK_INT(game_streak_deadline(&R, &s, 0), 104 * GAME_DAY_MS);
  CHECK_INT(game_streak_deadline(&R, &s, 60), 104 * GAME_DAY_MS - 3600000LL);
  /* one missed day (102) is forgiven once */
  CHECK_INT(game_streak_step(&R, &s, 103), 1);
  CHECK_INT(s.current, 3);
  CHECK_INT(s.grace_day, 103);
  /* grace used: the deadline is the next day only */
  CHECK_INT(game_streak_deadline(&R, &s, 0), 105 * GAME_DAY_MS);
  /* another miss within 7 days breaks it */
  CHECK_INT(game_streak_step(&R, &s, 105), 1);
  CHECK_INT(s.current, 1);
  CHECK_INT(s.longest, 3);
  /* an earlier day (an old approval swept late) changes nothing */
  CHECK_INT(game_streak_step(&R, &s, 90), 0);
  CHECK_INT(s.current, 1);
  CHECK_INT(s.last_day, 105);
  /* grace again after 7 days: days 106..110 in a row, miss 111, 112 continues */
  for (int64_t d = 106; d <= 110; d++) CHECK_INT(game_streak_step(&R, &s, d), 1);
  CHECK_INT(s.current, 6);
  CHECK_INT(game_streak_step(&R, &s, 112), 1);
  CHECK_INT(s.current, 7);
  CHECK_INT(s.grace_day, 112);
  /* a gap of two missed days is past the grace of one */
  game_streak t = {5, 5, 200, 0};
  CHECK_INT(game_streak_step(&R, &t, 203), 1);
  CHECK_INT(t.current, 1);
  CHECK_INT(t.longest, 5);
  /* no grace configured: one miss breaks it */
  game_rules nog = R;
  nog.streak_grace_days = 0;
  game_streak u = {4, 4, 300, 0};
  CHECK_INT(game_streak_step(&nog, &u, 302), 1);
  CHECK_INT(u.current, 1);
  game_streak none = {0, 0, 0, 0};
  CHECK_INT(game_streak_deadline(&R, &none, 0), 0);
}

TEST_MAIN(game_rules_default(&R); RUN(levels_at_every_boundary); RUN(skill_level_curve_boundaries);
          RUN(guild_level_curve_boundaries); RUN(multipliers_at_every_boundary);
          RUN(critical_hit_matches_an_independent_roll); RUN(days_in_the_persons_offset);
          RUN(streak_steps_grace_and_deadline))
