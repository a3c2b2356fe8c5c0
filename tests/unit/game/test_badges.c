/* Badge rules (src/game/badges.c): parsing of every kind and every refusal, and evaluation of
 * every kind at its boundaries (one below, at, one above), against hand-made facts. */
#include <string.h>

#include <jansson.h>

#include "core/arena.h"
#include "eth/address.h"
#include "eth/eip712.h"
#include "eth/hex.h"
#include "eth/secp.h"
#include "game/badges.h"
#include "game/issuance.h"
#include "test.h"

static int parse(badge_rule *r, const char *text) {
  char err[200] = "";
  int rc = badge_rule_parse(r, text, strlen(text), err, sizeof err);
  if (rc && getenv("TEST_VERBOSE")) fprintf(stderr, "  %s -> %s\n", text, err);
  return rc;
}

static int eval(const char *text, const badge_facts *f) {
  badge_rule r;
  if (parse(&r, text)) return -1;
  return badge_rule_eval(&r, f);
}

TEST(every_kind_parses_and_formats_back) {
  static const char *const rules[] = {
      "{\"kind\":\"xp\",\"min\":1000}",
      "{\"kind\":\"xp\",\"min\":500,\"skill\":\"solidity\"}",
      "{\"kind\":\"approved\",\"min\":10}",
      "{\"kind\":\"approved\",\"min\":3,\"skill\":\"rust\"}",
      "{\"kind\":\"streak\",\"min\":7}",
      "{\"kind\":\"first\",\"skill\":\"solidity\"}",
      "{\"kind\":\"first\",\"task\":42}",
      "{\"kind\":\"quest\",\"quest\":\"intro-to-defi\"}",
      "{\"kind\":\"quest\",\"min\":3}",
      "{\"kind\":\"guild\",\"achievement\":\"first-100-tasks\"}",
      "{\"kind\":\"season_rank\",\"max_rank\":10}",
      "{\"kind\":\"season_rank\",\"max_rank\":1,\"season\":3}",
  };
  arena a;
  arena_init(&a, 0);
  for (size_t i = 0; i < sizeof rules / sizeof *rules; i++) {
    badge_rule r, again;
    CHECK_INT(parse(&r, rules[i]), 0);
    const char *back = badge_rule_format(&a, &r);
    REQUIRE(back != NULL);
    CHECK_STR(back, rules[i]); /* canonical key order is the one written above */
    CHECK_INT(parse(&again, back), 0);
    CHECK(memcmp(&r, &again, sizeof r) == 0);
  }
  arena_release(&a);
}

TEST(bad_rules_are_refused_with_a_reason) {
  static const char *const bad[] = {
      "", "[]", "42", "{}", "{\"kind\":7}", "{\"kind\":\"karma\",\"min\":1}",
      "{\"kind\":\"xp\"}",                                   /* min required */
      "{\"kind\":\"xp\",\"min\":0}",                         /* 1.. */
      "{\"kind\":\"xp\",\"min\":-5}",
      "{\"kind\":\"xp\",\"min\":1000000000001}",             /* above the cap */
      "{\"kind\":\"xp\",\"min\":1.5}",
      "{\"kind\":\"xp\",\"min\":\"10\"}",
      "{\"kind\":\"xp\",\"min\":10,\"skill\":\"Sol idity\"}", /* not a slug */
      "{\"kind\":\"xp\",\"min\":10,\"skill\":\"\"}",
      "{\"kind\":\"xp\",\"min\":10,\"task\":3}",             /* key of another kind */
      "{\"kind\":\"xp\",\"min\":10,\"min\":20}",             /* duplicate key */
      "{\"kind\":\"first\"}",                                /* one of skill / task */
      "{\"kind\":\"first\",\"skill\":\"rust\",\"task\":4}",  /* not both */
      "{\"kind\":\"quest\"}",
      "{\"kind\":\"quest\",\"quest\":\"a\",\"min\":2}",
      "{\"kind\":\"guild\"}",
      "{\"kind\":\"season_rank\",\"season\":2}",             /* max_rank required */
      "{\"kind\":\"streak\",\"min\":3} trailing",
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    badge_rule r;
    char err[200] = "";
    CHECK_INT(badge_rule_parse(&r, bad[i], strlen(bad[i]), err, sizeof err), PHEME_DATA_INVALID);
    CHECK(err[0] != 0);
  }
  /* the size cap */
  char big[BADGE_RULE_MAX + 40];
  memset(big, ' ', sizeof big);
  memcpy(big, "{\"kind\":\"streak\",\"min\":3}", 25);
  badge_rule r;
  char err[200];
  CHECK_INT(badge_rule_parse(&r, big, BADGE_RULE_MAX + 1, err, sizeof err), PHEME_DATA_INVALID);
  CHECK_INT(badge_rule_parse(&r, big, BADGE_RULE_MAX, err, sizeof err), 0);
}

static badge_fact_skill skills[] = {
    {.skill_id = 1, .slug = "solidity", .xp = 500, .level = 12, .approved = 3, .first = 1},
    {.skill_id = 2, .slug = "rust", .xp = 0, .level = 0, .approved = 1, .first = 0},
};
static int64_t first_tasks[] = {7, 42};
static const char *quests[] = {"intro-to-defi", "zk-basics"};
static const char *achievements[] = {"first-100-tasks"};
static badge_fact_rank ranks[] = {{.season_id = 2, .rank = 10}, {.season_id = 3, .rank = 1}};

static badge_facts facts(void) {
  return (badge_facts){.user_id = 9, .total_xp = 1000, .level = "NOVICE", .approved = 4,
                       .skills = skills, .nskills = 2, .first_tasks = first_tasks, .nfirst_tasks = 2,
                       .streak = 6, .best_streak = 7, .quests = quests, .nquests = 2,
                       .guild_achievements = achievements, .nguild_achievements = 1,
                       .season_ranks = ranks, .nseason_ranks = 2};
}

TEST(xp_thresholds_at_their_boundary) {
  badge_facts f = facts();
  CHECK_INT(eval("{\"kind\":\"xp\",\"min\":999}", &f), 1);
  CHECK_INT(eval("{\"kind\":\"xp\",\"min\":1000}", &f), 1);
  CHECK_INT(eval("{\"kind\":\"xp\",\"min\":1001}", &f), 0);
  CHECK_INT(eval("{\"kind\":\"xp\",\"min\":500,\"skill\":\"solidity\"}", &f), 1);
  CHECK_INT(eval("{\"kind\":\"xp\",\"min\":501,\"skill\":\"solidity\"}", &f), 0);
  CHECK_INT(eval("{\"kind\":\"xp\",\"min\":1,\"skill\":\"rust\"}", &f), 0);     /* 0 XP */
  CHECK_INT(eval("{\"kind\":\"xp\",\"min\":1,\"skill\":\"python\"}", &f), 0);   /* no such skill */
  f.total_xp = 0;
  CHECK_INT(eval("{\"kind\":\"xp\",\"min\":1}", &f), 0);
}

TEST(approved_counts_at_their_boundary) {
  badge_facts f = facts();
  CHECK_INT(eval("{\"kind\":\"approved\",\"min\":3}", &f), 1);
  CHECK_INT(eval("{\"kind\":\"approved\",\"min\":4}", &f), 1);
  CHECK_INT(eval("{\"kind\":\"approved\",\"min\":5}", &f), 0);
  CHECK_INT(eval("{\"kind\":\"approved\",\"min\":3,\"skill\":\"solidity\"}", &f), 1);
  CHECK_INT(eval("{\"kind\":\"approved\",\"min\":4,\"skill\":\"solidity\"}", &f), 0);
  CHECK_INT(eval("{\"kind\":\"approved\",\"min\":1,\"skill\":\"rust\"}", &f), 1);
  CHECK_INT(eval("{\"kind\":\"approved\",\"min\":1,\"skill\":\"python\"}", &f), 0);
}

TEST(streaks_count_the_current_or_the_best) {
  badge_facts f = facts(); /* current 6, best 7 */
  CHECK_INT(eval("{\"kind\":\"streak\",\"min\":6}", &f), 1);
  CHECK_INT(eval("{\"kind\":\"streak\",\"min\":7}", &f), 1);
  CHECK_INT(eval("{\"kind\":\"streak\",\"min\":8}", &f), 0);
  f.best_streak = 0;
  CHECK_INT(eval("{\"kind\":\"streak\",\"min\":7}", &f), 0);
  CHECK_INT(eval("{\"kind\":\"streak\",\"min\":6}", &f), 1);
  f.streak = 0; /* without the streak engine's hook: never */
  CHECK_INT(eval("{\"kind\":\"streak\",\"min\":1}", &f), 0);
}

TEST(first_of_kind_in_a_skill_or_a_task) {
  badge_facts f = facts();
  CHECK_INT(eval("{\"kind\":\"first\",\"skill\":\"solidity\"}", &f), 1);
  CHECK_INT(eval("{\"kind\":\"first\",\"skill\":\"rust\"}", &f), 0);     /* approved, not first */
  CHECK_INT(eval("{\"kind\":\"first\",\"skill\":\"python\"}", &f), 0);
  CHECK_INT(eval("{\"kind\":\"first\",\"task\":42}", &f), 1);
  CHECK_INT(eval("{\"kind\":\"first\",\"task\":7}", &f), 1);
  CHECK_INT(eval("{\"kind\":\"first\",\"task\":8}", &f), 0);
  f.nfirst_tasks = 0;
  CHECK_INT(eval("{\"kind\":\"first\",\"task\":42}", &f), 0);
}

TEST(quest_chains_by_name_or_count) {
  badge_facts f = facts();
  CHECK_INT(eval("{\"kind\":\"quest\",\"quest\":\"zk-basics\"}", &f), 1);
  CHECK_INT(eval("{\"kind\":\"quest\",\"quest\":\"zk-advanced\"}", &f), 0);
  CHECK_INT(eval("{\"kind\":\"quest\",\"min\":2}", &f), 1);
  CHECK_INT(eval("{\"kind\":\"quest\",\"min\":3}", &f), 0);
  f.nquests = 0;
  CHECK_INT(eval("{\"kind\":\"quest\",\"quest\":\"zk-basics\"}", &f), 0);
}

TEST(guild_achievements) {
  badge_facts f = facts();
  CHECK_INT(eval("{\"kind\":\"guild\",\"achievement\":\"first-100-tasks\"}", &f), 1);
  CHECK_INT(eval("{\"kind\":\"guild\",\"achievement\":\"first-1000-tasks\"}", &f), 0);
  f.nguild_achievements = 0;
  CHECK_INT(eval("{\"kind\":\"guild\",\"achievement\":\"first-100-tasks\"}", &f), 0);
}

TEST(season_ranks_at_their_boundary) {
  badge_facts f = facts(); /* season 2: rank 10; season 3: rank 1 */
  CHECK_INT(eval("{\"kind\":\"season_rank\",\"max_rank\":10,\"season\":2}", &f), 1);
  CHECK_INT(eval("{\"kind\":\"season_rank\",\"max_rank\":9,\"season\":2}", &f), 0);
  CHECK_INT(eval("{\"kind\":\"season_rank\",\"max_rank\":1,\"season\":3}", &f), 1);
  CHECK_INT(eval("{\"kind\":\"season_rank\",\"max_rank\":1,\"season\":4}", &f), 0);
  CHECK_INT(eval("{\"kind\":\"season_rank\",\"max_rank\":1}", &f), 1);  /* any season */
  ranks[1].rank = 0; /* unranked is no rank at all */
  CHECK_INT(eval("{\"kind\":\"season_rank\",\"max_rank\":5}", &f), 0);
  ranks[1].rank = 1;
}

/* The served voucher is contracts/signing.json's badgeVoucher: the same fields in the same order,
 * the same domain name and version; its digest is the EIP-712 hash of the object as served, and
 * its signature recovers to the issuer with a low s and v 27/28. */
TEST(vouchers_follow_signing_json_and_recover_to_the_issuer) {
  json_error_t je;
  json_t *spec = json_load_file(TEST_DATA_DIR "/../../contracts/signing.json", JSON_REJECT_DUPLICATES, &je);
  REQUIRE(spec != NULL);
  const json_t *fmt = json_object_get(json_object_get(spec, "formats"), "badgeVoucher");
  REQUIRE(fmt != NULL);
  issuance iss = {.chain_on = 1, .chain_id = 31337, .voucher_ttl_s = 3600};
  memset(iss.badges, 0x42, 20);
  uint8_t key[32];
  memset(key, 0x11, 32);
  REQUIRE(issuance_set_issuer(&iss, key) == 0);
  uint8_t to[20];
  memset(to, 0xab, 20);
  json_t *v = NULL;
  REQUIRE(issuance_voucher(&iss, to, 7, "340282366920938463463374607431768211455", 1900000000, &v) == 0);
  CHECK_STR(json_string_value(json_object_get(v, "primaryType")), json_string_value(json_object_get(fmt, "primaryType")));
  CHECK(json_equal(json_object_get(json_object_get(v, "types"), "Voucher"), json_object_get(fmt, "fields")));
  const json_t *dom = json_object_get(v, "domain"), *want = json_object_get(fmt, "domain");
  CHECK_STR(json_string_value(json_object_get(dom, "name")), json_string_value(json_object_get(want, "name")));
  CHECK_STR(json_string_value(json_object_get(dom, "version")), json_string_value(json_object_get(want, "version")));
  CHECK_INT(json_integer_value(json_object_get(dom, "chainId")), 31337);
  const json_t *m = json_object_get(v, "message");
  CHECK_STR(json_string_value(json_object_get(m, "amount")), "1");
  CHECK_STR(json_string_value(json_object_get(m, "id")), "7");
  CHECK_STR(json_string_value(json_object_get(m, "deadline")), "1900000000");
  char want_to[ADDRESS_TEXT];
  address_to_checksum(want_to, to);
  CHECK_STR(json_string_value(json_object_get(m, "recipient")), want_to);
  /* the digest of the served object, without the extra members */
  json_t *typed = json_deep_copy(v);
  json_object_del(typed, "digest");
  json_object_del(typed, "signature");
  json_object_del(typed, "signer");
  uint8_t digest[32], again[32], sig[65], who[20];
  pheme_error ee;
  REQUIRE(eip712_hash(digest, typed, &ee) == 0);
  char hd[HEX_LEN(32) + 1];
  hex_encode(hd, digest, 32);
  CHECK_STR(json_string_value(json_object_get(v, "digest")), hd);
  CHECK_INT(issuance_voucher_digest(&iss, to, 7, "340282366920938463463374607431768211455", 1900000000, again), 0);
  CHECK(memcmp(digest, again, 32) == 0);
  size_t n = 0;
  const char *hs = json_string_value(json_object_get(v, "signature"));
  REQUIRE(hs && strlen(hs) == HEX_LEN(65));
  REQUIRE(hex_decode(sig, sizeof sig, &n, hs, strlen(hs), 0, &ee) == 0 && n == 65);
  CHECK(sig[64] == 27 || sig[64] == 28);
  CHECK(secp_is_low_s(sig));
  CHECK_INT(secp_recover_address(who, digest, sig, SECP_LOW_S, &ee), 0);
  CHECK(memcmp(who, iss.issuer, 20) == 0);
  /* another deadline, another digest: the voucher binds every field */
  CHECK_INT(issuance_voucher_digest(&iss, to, 7, "340282366920938463463374607431768211455", 1900000001, again), 0);
  CHECK(memcmp(digest, again, 32) != 0);
  /* no chain or no issuer: no voucher */
  issuance off = {0};
  CHECK_INT(issuance_voucher(&off, to, 7, "1", 1, &v), PHEME_DATA_STATE);
  json_decref(typed);
  json_decref(v);
  json_decref(spec);
  issuance_release(&iss);
}

TEST_MAIN(RUN(every_kind_parses_and_formats_back); RUN(bad_rules_are_refused_with_a_reason);
          RUN(xp_thresholds_at_their_boundary); RUN(approved_counts_at_their_boundary);
          RUN(streaks_count_the_current_or_the_best); RUN(first_of_kind_in_a_skill_or_a_task);
          RUN(quest_chains_by_name_or_count); RUN(guild_achievements);
          RUN(season_ranks_at_their_boundary); RUN(vouchers_follow_signing_json_and_recover_to_the_issuer))
