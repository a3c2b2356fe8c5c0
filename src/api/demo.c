/* Demo data for a newcomer's first run (`make run`): a creator, a few people, a guild and tasks of
 * every type across the three domains. Seeded only into a database with no tasks yet. */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "core/log.h"
#include "core/util.h"
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

int demo_seed(store *s, char *err, size_t errlen) {
  int64_t count = 0;
  if (store_count(s, "tasks", &count)) {
    snprintf(err, errlen, "cannot count tasks");
    return -1;
  }
  if (count > 0) return 0;
  arena a;
  arena_init(&a, 0);
  store_actor sys = {0, "demo-seed"};
  user u[ARRAY_SIZE(people)];
  int created, rc = -1;
  for (size_t i = 0; i < ARRAY_SIZE(people); i++) {
    uint8_t addr[20];
    if (address_parse_hex(addr, people[i]) || store_user_ensure(s, &a, &sys, addr, &u[i], &created))
      goto out;
  }
  user tmp;
  if (store_user_update_profile(s, &a, &sys, u[0].id, "PHEME Demo Creator",
                                "Posts the demo tasks of a fresh install.", &tmp) ||
      store_user_update_profile(s, &a, &sys, u[1].id, "Ada", "Smart contracts and tests.", &tmp) ||
      store_user_update_profile(s, &a, &sys, u[2].id, "Grace", "Design and writing.", &tmp))
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
    if (store_seed_skill_level(s, &sys, u[earned[i].who].id, earned[i].skill,
                               (int64_t)earned[i].level * 100, earned[i].level))
      goto out;
  guild g = {.slug = "solidity-builders", .name = "Solidity Builders", .type = "SKILL",
             .description = "People who write, test and audit smart contracts.", .owner_id = u[0].id};
  if (store_guild_create(s, &a, &sys, &g) || store_guild_join(s, &sys, g.id, u[1].id)) goto out;
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
    if (store_task_create(s, &a, &sys, &t)) goto out;
  }
  log_info("seeded demo data: %zu people, 1 guild, %zu tasks", ARRAY_SIZE(people), ARRAY_SIZE(tasks));
  rc = 0;
out:
  if (rc) snprintf(err, errlen, "seeding demo data failed");
  arena_release(&a);
  return rc;
}

int bench_seed(store *s, int64_t users, int64_t ntasks, char *err, size_t errlen) {
  int64_t first = 0;
  if (users > 0 && store_seed_users(s, users, &first)) {
    snprintf(err, errlen, "seeding %lld users failed", (long long)users);
    return -1;
  }
  if (ntasks <= 0) return 0;
  if (!first) {
    user u;
    uint8_t addr[20];
    int created;
    arena a;
    arena_init(&a, 0);
    store_actor sys = {0, "bench-seed"};
    int bad = address_parse_hex(addr, people[0]) || store_user_ensure(s, &a, &sys, addr, &u, &created);
    first = u.id;
    arena_release(&a);
    if (bad) return -1;
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
    if (store_task_create(s, &a, &sys, &t)) {
      snprintf(err, errlen, "seeding task %lld failed", (long long)i + 1);
      arena_release(&a);
      return -1;
    }
    arena_clear(&a);
  }
  arena_release(&a);
  return 0;
}
