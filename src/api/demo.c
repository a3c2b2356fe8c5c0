/* Demo data for a newcomer's first run (`make run`): a creator, a few people, a guild and tasks of
 * every type across the three domains. Seeded only into a database with no tasks yet. */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "chain/dev.h"
#include "core/log.h"
#include "core/util.h"
#include "eth/address.h"
#include "eth/secp.h"
#include "store/badges.h"
#include "store/game.h"
#include "validation/pipeline.h"
#include "validation/review.h"
#include "core/banned.h"

/* The first accounts of the local dev chain's default mnemonic, so demo people can sign in with
 * keys every Ethereum developer already has. */
static const char *people[] = {
    "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266", /* creator */
    "0x70997970c51812dc3a010c7d01b50e0d17dc79c8",
    "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc",
};

static const struct {
  const char *type, *title, *description, *skill;
  int difficulty, xp;
  const char *reward;
} tasks[] = {
    {"LESSON", "Write your first Solidity test",
     "Write a unit test for an ERC-20 transfer that checks balances and the Transfer event. Submit a "
     "link to the repository and a short note on what the test proves.", "solidity", 2, 100, "0"},
    {"BOUNTY", "Find the reentrancy in a vault",
     "The attached vault contract loses funds under a reentrant call. Describe the attack, write a "
     "proof of concept and a fix with a test.", "contract-security", 7, 800, "250000000000000000000"},
    {"QUEST", "Ship a dashboard for your guild",
     "Build a small React page that shows your guild's members and their levels from the PHEME API. "
     "Link the repository and a screenshot.", "react", 5, 500, "100000000000000000000"},
    {"BOUNTY", "Translate the onboarding guide to Spanish",
     "Translate the PHEME onboarding guide (about 1,500 words), keeping terms consistent with the "
     "glossary. Submit a link to the document.", "translation", 3, 300, "50000000000000000000"},
    {"LESSON", "Explain vesting cliffs in 300 words",
     "Write a clear explanation of a token vesting schedule with a cliff for a non-technical reader, "
     "with one worked example.", "technical-writing", 2, 120, "0"},
    {"BOUNTY", "Design a badge for LEGENDARY contributors",
     "Design an SVG badge for the LEGENDARY rarity that reads well at 64 px and 512 px. Submit the "
     "file and a short rationale.", "brand-design", 4, 350, "75000000000000000000"},
    {"QUEST", "Run a governance proposal end to end",
     "Draft a proposal, gather feedback in the forum, and write a post-mortem of the vote with "
     "turnout and what you would change.", "dao-governance", 6, 600, "0"},
    {"BOUNTY", "Analyse a month of task completions",
     "Using the public API, analyse task completions by domain and difficulty over a month and "
     "present three findings with charts.", "data-analysis", 5, 450, "120000000000000000000"},
};

pheme_err demo_seed(store *s, char *err, size_t errlen) {
  int64_t count = 0;
  pheme_err rc = store_count(s, "tasks", &count);
  if (rc) return pheme_fail(rc, err, errlen, "cannot count tasks");
  if (count > 0) return 0;
  arena a;
  arena_init(&a, 0);
  store_actor sys = {0, "demo-seed"};
  user u[ARRAY_SIZE(people)];
  int created;
  for (size_t i = 0; i < ARRAY_SIZE(people); i++) {
    uint8_t addr[20];
    if (address_parse_hex(addr, people[i])) PHEME_BUG("demo address '%s'", people[i]);
    if ((rc = store_user_ensure(s, &a, &sys, addr, &u[i], &created))) goto out;
  }
  user tmp;
  if ((rc = store_user_update_profile(s, &a, &sys, u[0].id, "PHEME Demo Creator",
                                "Posts the demo tasks of a fresh install.", &tmp)) ||
      (rc = store_user_update_profile(s, &a, &sys, u[1].id, "Ada", "Smart contracts and tests.", &tmp)) ||
      (rc = store_user_update_profile(s, &a, &sys, u[2].id, "Grace", "Design and writing.", &tmp)))
    goto out;
  /* What the demo people have earned so far (the rewards engine awards levels later): each can
   * take the demo tasks of their field, and a task's requirements show at work on the others. */
  static const struct {
    int who;
    const char *skill;
    int level;
  } earned[] = {{1, "solidity", 30}, {1, "react", 25}, {1, "contract-security", 20},
                {2, "brand-design", 25}, {2, "technical-writing", 20}, {2, "translation", 15}};
  for (size_t i = 0; i < ARRAY_SIZE(earned); i++)
    if ((rc = store_seed_skill_level(s, &sys, u[earned[i].who].id, earned[i].skill,
                               (int64_t)earned[i].level * 100, earned[i].level)))
      goto out;
  guild g = {.slug = "solidity-builders", .name = "Solidity Builders", .type = "SKILL",
             .description = "People who write, test and audit smart contracts.", .owner_id = u[0].id};
  if ((rc = store_guild_create(s, &a, &sys, &g)) || (rc = store_guild_join(s, &sys, g.id, u[1].id))) goto out;
  int64_t task_id[ARRAY_SIZE(tasks)];
  for (size_t i = 0; i < ARRAY_SIZE(tasks); i++) {
    task_skill ts = {tasks[i].skill, tasks[i].difficulty * 5};
    task t = {.type = tasks[i].type, .title = tasks[i].title, .description = tasks[i].description,
              .difficulty = tasks[i].difficulty, .xp_reward = tasks[i].xp,
              .token_reward = tasks[i].reward, .status = "OPEN", .creator_id = u[0].id,
              .guild_id = strcmp(tasks[i].skill, "solidity") == 0 ? g.id : 0,
              .requirements = "{\"minLevel\":0,\"minReputation\":0}",
              .validation = "{\"aiReview\":true,\"consensusThreshold\":66,\"evidenceTypes\":[\"link\"],"
                            "\"minScore\":70,\"minValidators\":3,\"peerReview\":true,\"rubric\":"
                            "[{\"criterion\":\"Meets the task description\",\"weight\":60},"
                            "{\"criterion\":\"Quality of evidence\",\"weight\":40}]}",
              .skills = &ts, .nskills = 1};
    if ((rc = store_task_create(s, &a, &sys, &t))) goto out;
    task_id[i] = t.id;
  }
  /* a quest chain whose first step is the task of the demo submission (demo_pipeline_seed takes
   * the newest LESSON: the vesting explainer), so its submitter shows one step done and the next
   * open, and everyone else the next step locked */
  game_quest_step steps[] = {{.task_id = task_id[4]}, {.task_id = task_id[3]}};
  game_quest quest = {.slug = "writers-path", .name = "The writer's path",
                      .description = "Explain a token mechanism plainly, then carry the onboarding guide "
                                     "into another language.",
                      .xp_reward = 250, .steps = steps, .nsteps = (int)ARRAY_SIZE(steps)};
  if ((rc = store_quest_create(s, &a, &sys, &quest))) goto out;
  /* the game's demo: badge types whose rules the demo submission meets once it is awarded (the
   * badges job awards them; the reconciler defines them on the dev chain), and a season running
   * now whose seed's hash is published */
  static const struct {
    const char *slug, *name, *rarity, *rule, *description;
  } badges[] = {
      {"first-approval", "First approval", "COMMON", "{\"kind\":\"approved\",\"min\":1}",
       "Your first piece of work approved by consensus."},
      {"technical-writer", "Technical writer", "RARE", "{\"kind\":\"xp\",\"min\":100,\"skill\":\"technical-writing\"}",
       "100 XP earned in technical writing."},
      {"three-day-streak", "Three-day streak", "EPIC", "{\"kind\":\"streak\",\"min\":3}",
       "Approved work on three days in a row."},
  };
  for (size_t i = 0; i < ARRAY_SIZE(badges); i++) {
    badge_type bt = {.slug = badges[i].slug, .name = badges[i].name, .description = badges[i].description,
                     .rarity = badges[i].rarity, .soulbound = 1, .issuance = "voucher", .rule = badges[i].rule,
                     .asset_cid = "", .active = 1};
    if ((rc = store_badge_type_create(s, &a, &sys, &bt, NULL, NULL))) goto out;
  }
  int64_t now = time_now_ms();
  game_season season = {.slug = "season-1", .name = "Season 1", .starts_at = now - 7 * 86400000LL,
                        .ends_at = now + 83 * 86400000LL};
  uint8_t seed[32];
  if (random_bytes(seed, sizeof seed)) {
    rc = PHEME_SYS_IO;
    goto out;
  }
  if ((rc = store_season_create(s, &a, &sys, &season, seed))) goto out;
  log_info("seeded demo data: %zu people, 1 guild, %zu tasks, 1 quest, %zu badge types, 1 season", ARRAY_SIZE(people),
           ARRAY_SIZE(tasks), ARRAY_SIZE(badges));
  rc = PHEME_OK;
out:
  if (rc) pheme_fail(rc, err, errlen, "seeding demo data failed: %s", pheme_err_message(rc));
  arena_release(&a);
  return rc;
}

/* ---- one submission through the whole validation loop ---- */

/* The dev chain's accounts 1..3 are its validators (chain/dev.c stakes 20,000 PHEME each); account
 * 4 submits. Their keys are the local chain's well-known test keys. */
#define DEMO_STAKE "20000000000000000000000"
#define DEMO_SUBMITTER 4

static pheme_err demo_allow(const task *t, const char *const *earlier, int n, void *ctx) {
  (void)t, (void)earlier, (void)n, (void)ctx;
  return PHEME_OK; /* demo data: the person's skill levels are not seeded */
}

static void demo_key(int account, uint8_t key[32], uint8_t addr[20]) {
  pheme_error ee;
  const char *hex = dev_account_keys[account];
  if (hex_to_bytes(key, hex + 2, 32) != 0 || secp_address(addr, key, &ee) != PHEME_OK)
    PHEME_BUG("demo account %d has no valid key", account);
}

/* The body validator account posts: its signed review of submission id, round 0. */
static char *demo_review(arena *a, const pipeline *p, int account, int64_t id, int score) {
  uint8_t key[32], addr[20];
  demo_key(account, key, addr);
  review r;
  memset(&r, 0, sizeof r);
  r.submission_id = id;
  memcpy(r.validator, addr, 20);
  r.score = (uint8_t)score;
  r.n_criteria = 2;
  r.criterion_ids[0] = 1;
  r.criterion_scores[0] = (uint8_t)score;
  r.criterion_ids[1] = 2;
  r.criterion_scores[1] = (uint8_t)(score - 4);
  r.feedback = (char *)"The test checks balances and the Transfer event; the note explains it.";
  r.feedback_len = strlen(r.feedback);
  char err[200], sig[131], text[ADDRESS_TEXT];
  if (review_sign(&r, &p->domain, key, err, sizeof err)) return NULL;
  bytes_to_hex(sig, r.signature, 65);
  return arena_printf(a,
                      "{\"submissionId\":%lld,\"round\":0,\"validator\":\"%s\",\"score\":%d,\"criteria\":"
                      "[{\"id\":1,\"score\":%d},{\"id\":2,\"score\":%d}],\"feedback\":\"%s\","
                      "\"signature\":\"0x%s\"}",
                      (long long)id, address_to_checksum(text, addr), score, score, score - 4, r.feedback, sig);
}

pheme_err demo_pipeline_seed(store *s, pipeline *p, char *err, size_t errlen) {
  int64_t count = 0;
  pheme_err rc = store_count(s, "submissions", &count);
  if (rc) return pheme_fail(rc, err, errlen, "cannot count submissions");
  if (count > 0) return 0;
  arena a;
  arena_init(&a, 0);
  store_actor sys = {0, "demo-seed"};
  int created;
  char why[512] = "", payload[64];
  uint8_t key[32], addr[20];
  user u, sub_user;
  validator_row v;
  int64_t user_of[DEV_ACCOUNTS] = {0};
  for (int i = 1; i <= 3; i++)
    if ((demo_key(i, key, addr), (rc = store_user_ensure(s, &a, &sys, addr, &u, &created))) ||
        (rc = store_validator_put(s, &a, &sys, u.id, addr, DEMO_STAKE, "[\"technical\"]", &v)))
      goto out;
    else
      user_of[i] = u.id;
  demo_key(DEMO_SUBMITTER, key, addr);
  if ((rc = store_user_ensure(s, &a, &sys, addr, &sub_user, &created))) goto out;
  task_filter f = {.type = "LESSON"};
  store_page pg = {0, 1};
  task *t;
  int n = 0;
  if ((rc = store_tasks_list(s, &a, &f, &pg, &t, &n)) || (n != 1 && (rc = PHEME_DATA_NOT_FOUND))) goto out;
  submission sub = {.task_id = t[0].id, .user_id = sub_user.id, .state = "SUBMITTED",
                    .text = "My first Solidity test: it transfers 100 tokens between two accounts and "
                            "checks both balances, the total supply and the Transfer event's fields.",
                    .evidence = "[{\"type\":\"link\",\"url\":\"https://github.com/pheme-demo/erc20-test\"}]"};
  if ((rc = store_submission_create(s, &a, &sys, &sub, demo_allow, NULL))) goto out;
  snprintf(payload, sizeof payload, "{\"submission\":%lld}", (long long)sub.id);
  /* the steps the workers would take; their queued jobs then find nothing left to do */
  static const char *const steps[] = {PIPE_JOB_CHECK, PIPE_JOB_ASSESS, PIPE_JOB_PANEL};
  for (size_t i = 0; i < ARRAY_SIZE(steps); i++)
    if ((rc = pipeline_run(p, steps[i], payload, NULL, &a, why, sizeof why))) goto out;
  sub_view sv;
  if ((rc = store_submission_view(s, &a, sub.id, SUBV_PANEL, &sv)) || (sv.nseats != 3 && (rc = PHEME_DATA_STATE)))
    goto out;
  static const int scores[] = {84, 80, 88};
  for (int i = 0; i < sv.nseats; i++) {
    int account = 0;
    for (int k = 1; k <= 3; k++)
      if (user_of[k] == sv.seats[i].v.user_id) account = k;
    char *body = account ? demo_review(&a, p, account, sub.id, scores[i]) : NULL;
    if ((!body && (rc = PHEME_SYS_NOMEM)) || (rc = pipeline_review_post(p, &a, &sys, user_of[account], sub.id, body, strlen(body), NULL, why, sizeof why)) ||
        (rc = pipeline_run(p, PIPE_JOB_DECIDE, payload, NULL, &a, why, sizeof why)))
      goto out;
  }
  if ((rc = store_submission_view(s, &a, sub.id, 0, &sv))) goto out;
  log_info("seeded submission %lld through the validation pipeline: %s at %d", (long long)sub.id, sv.sub.state,
           sv.sub.final_score);
  rc = PHEME_OK;
out:
  if (rc) pheme_fail(rc, err, errlen, "seeding the demo submission failed: %s", why[0] ? why : pheme_err_message(rc));
  arena_release(&a);
  return rc;
}

pheme_err bench_seed(store *s, int64_t users, int64_t ntasks, char *err, size_t errlen) {
  int64_t first = 0;
  pheme_err e = users > 0 ? store_seed_users(s, users, &first) : PHEME_OK;
  if (e) return pheme_fail(e, err, errlen, "seeding %lld users failed", (long long)users);
  if (ntasks <= 0) return 0;
  if (!first) {
    user u;
    uint8_t addr[20];
    int created;
    arena a;
    arena_init(&a, 0);
    store_actor sys = {0, "bench-seed"};
    if (address_parse_hex(addr, people[0])) PHEME_BUG("demo address '%s'", people[0]);
    e = store_user_ensure(s, &a, &sys, addr, &u, &created);
    first = u.id;
    arena_release(&a);
    if (e) return pheme_fail(e, err, errlen, "seeding the tasks' creator failed");
  }
  arena a;
  arena_init(&a, 0);
  store_actor sys = {0, "bench-seed"};
  static const char *types[] = {"LESSON", "BOUNTY", "QUEST"};
  static const char *skills[] = {"solidity", "react", "c", "translation", "data-analysis"};
  for (int64_t i = 0; i < ntasks; i++) {
    char title[64];
    snprintf(title, sizeof title, "Benchmark task %lld", (long long)i + 1);
    task_skill ts = {skills[i % 5], (int)(i % 50)};
    task t = {.type = types[i % 3], .title = title,
              .description = "A seeded task for benchmarks: realistic size, with one skill, a rubric "
                             "and requirements, like the tasks people post.",
              .difficulty = (int)(i % 10) + 1, .xp_reward = 100 + i % 900, .token_reward = "1000000000000000000",
              .status = "OPEN", .creator_id = first + i % (users > 0 ? users : 1),
              .requirements = "{\"minLevel\":0,\"minReputation\":0}",
              .validation = "{\"aiReview\":true,\"consensusThreshold\":66,\"evidenceTypes\":[\"link\"],"
                            "\"minScore\":70,\"minValidators\":3,\"peerReview\":true,\"rubric\":"
                            "[{\"criterion\":\"Meets the task description\",\"weight\":100}]}",
              .skills = &ts, .nskills = 1};
    if ((e = store_task_create(s, &a, &sys, &t))) {
      arena_release(&a);
      return pheme_fail(e, err, errlen, "seeding task %lld failed", (long long)i + 1);
    }
    arena_clear(&a);
  }
  arena_release(&a);
  return 0;
}
