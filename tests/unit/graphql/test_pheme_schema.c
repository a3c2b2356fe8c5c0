/* PHEME's GraphQL schema against real storage, on SQLite and PostgreSQL: answers, the same
 * authorization as REST, The Graph's filters, mutations through the engines, and batched loading
 * — a nested query costs one store call per level, however many rows each level has. Also: the
 * committed docs/schema.graphql is what `pheme graphql schema` writes. */
#include <string.h>

#include "test.h"
#include "backends.h"
#include "core/util.h"
#include "graphql/pheme_schema.h"
#include "store/chain_index.h"
#include "store/internal.h"
#include "work/tasks.h"

static const store_actor sys = {0, ""};
static gql_service SVC;

static work_principal person_at(int n, unsigned roles) {
  arena a;
  arena_init(&a, 0);
  uint8_t addr[20];
  memset(addr, 0, sizeof addr);
  addr[0] = 0x9a;
  addr[19] = (uint8_t)n;
  user u;
  int created;
  work_principal p;
  memset(&p, 0, sizeof p);
  if (store_user_ensure(S, &a, &sys, addr, &u, &created) == 0) p.user_id = u.id;
  p.roles = roles;
  memcpy(p.address, addr, 20);
  arena_release(&a);
  return p;
}

/* Runs src as who; returns the response text and the store calls it made. */
static const char *run_as(arena *a, const work_principal *who, const char *src, const char *vars, int *calls) {
  gqlp_ctx ctx;
  memset(&ctx, 0, sizeof ctx);
  ctx.store = S;
  if (who) ctx.who = *who;
  ctx.actor = sys;
  gql_request rq = {0};
  rq.query = src;
  rq.query_len = strlen(src);
  json_t *v = vars ? json_loads(vars, 0, NULL) : NULL;
  rq.variables = v;
  gql_exec_options opt = {.app = &ctx, .query_begin = gqlp_query_begin, .query_end = gqlp_query_end};
  buf out;
  buf_init(&out, 1 << 22);
  gql_result res;
  const char *txt = gql_service_run(&SVC, &rq, &opt, a, &out, &res) == 0 ? arena_strdup(a, out.data) : "(cap)";
  buf_release(&out);
  json_decref(v);
  if (calls) *calls = ctx.store_calls;
  return txt;
}

static work_principal creator, admin, people[6];
static int64_t task_ids[8];

static void seed(void) {
  arena a;
  arena_init(&a, 0);
  char why[256];
  creator = person_at(1, ROLE_USER | ROLE_CREATOR);
  admin = person_at(2, ROLE_USER | ROLE_ADMIN);
  for (int i = 0; i < 6; i++) people[i] = person_at(10 + i, ROLE_USER);
  static const char *titles[] = {"Audit the vault", "Write docs", "Fix the bug", "Design a logo",
                                 "Audit the bridge", "Translate", "Draft plan", "Review PR"};
  for (int i = 0; i < 8; i++) {
    work_task_input in;
    memset(&in, 0, sizeof in);
    in.fields = (task){.type = i % 2 ? "LESSON" : "BOUNTY", .title = titles[i], .description = "d",
                       .difficulty = 1 + i, .xp_reward = 10 * (i + 1)};
    task_skill sk[] = {{"solidity", 0}, {"rust", 0}};
    if (i < 4) {
      in.fields.skills = sk;
      in.fields.nskills = 1 + i % 2;
      in.has_skills = 1;
    }
    task t;
    if (work_task_create(S, &a, &sys, &creator, &in, &t, why, sizeof why)) fprintf(stderr, "seed: %s\n", why);
    task_ids[i] = t.id;
  }
  /* each person submits to the first three tasks */
  for (int p = 0; p < 6; p++)
    for (int i = 0; i < 3; i++) {
      submission s;
      if (work_submit(S, &a, &sys, &people[p], task_ids[i], "my work", NULL, &s, why, sizeof why))
        fprintf(stderr, "seed submit: %s\n", why);
    }
  guild g = {.slug = "builders", .name = "Builders", .type = "SKILL", .description = "", .owner_id = people[0].user_id};
  if (store_guild_create(S, &a, &sys, &g)) fprintf(stderr, "seed: guild\n");
  for (int p = 1; p < 6; p++)
    if (store_guild_join(S, &sys, g.id, people[p].user_id)) fprintf(stderr, "seed: join\n");
  for (int p = 0; p < 6; p++)
    if (store_seed_skill_level(S, &sys, people[p].user_id, "solidity", 100 * (p + 1), p + 1)) fprintf(stderr, "seed: level\n");
  arena_release(&a);
}

TEST(answers_from_storage) {
  arena a;
  arena_init(&a, 1 << 24);
  const char *r = run_as(&a, NULL, "{ skill(slug: \"solidity\") { slug domain } task(id: 1) { id title creator { displayName } } }", NULL, NULL);
  CHECK(strstr(r, "\"skill\":{\"slug\":\"solidity\",\"domain\":\"technical\"}") != NULL);
  CHECK(strstr(r, "\"title\":\"Audit the vault\"") != NULL);
  r = run_as(&a, &people[0], "{ me { id roles skills { slug level } guilds { role guild { slug memberCount } } } }", NULL, NULL);
  CHECK(strstr(r, "\"roles\":[\"user\"]") != NULL);
  CHECK(strstr(r, "{\"slug\":\"solidity\",\"level\":1}") != NULL);
  CHECK(strstr(r, "\"guilds\":[{\"role\":\"OWNER\",\"guild\":{\"slug\":\"builders\",\"memberCount\":6}}]") != NULL);
  r = run_as(&a, NULL, "{ me { id } task(id: 999999) { id } }", NULL, NULL);
  CHECK_STR(r, "{\"data\":{\"me\":null,\"task\":null}}");
  /* no chain indexed: the projections are empty, not errors */
  r = run_as(&a, NULL, "{ chainValidators { address } proposals { id } proposal(id: \"1\") { id } }", NULL, NULL);
  CHECK_STR(r, "{\"data\":{\"chainValidators\":[],\"proposals\":[],\"proposal\":null}}");
  r = run_as(&a, NULL, "{ _meta { block { number hash } hasIndexingErrors } }", NULL, NULL);
  CHECK_STR(r, "{\"data\":{\"_meta\":{\"block\":{\"number\":null,\"hash\":null},\"hasIndexingErrors\":false}}}");
  arena_release(&a);
}

TEST(one_store_call_per_level) {
  arena a;
  arena_init(&a, 1 << 24);
  const char *q =
      "query ($n: Int) { tasks(first: $n, orderBy: id, orderDirection: asc) { id title creator { address } "
      "skills { skill } submissions(first: 10) { id state author { displayName skills { slug level } "
      "guilds { guild { slug owner { id } } } } timeline { to event } reviews { score } } } }";
  int calls_small, calls_big;
  const char *r = run_as(&a, &admin, q, "{\"n\":1}", &calls_small);
  CHECK(strstr(r, "\"errors\"") == NULL);
  r = run_as(&a, &admin, q, "{\"n\":8}", &calls_big);
  CHECK(strstr(r, "\"errors\"") == NULL);
  /* tasks, creator, submissions, author, author skills, guilds, guild owner, timeline, reviews */
  CHECK_INT(calls_small, 9);
  CHECK_INT(calls_big, 9);
  /* 3 tasks × 6 submissions are in the answer, each with its author and timeline */
  int subs = 0;
  for (const char *p = r; (p = strstr(p, "\"state\":\"SUBMITTED\"")); p++) subs++;
  CHECK_INT(subs, 18);
  int events = 0;
  for (const char *p = r; (p = strstr(p, "\"to\":\"SUBMITTED\"")); p++) events++;
  CHECK(events >= 18);
  arena_release(&a);
}

TEST(the_same_authorization_as_rest) {
  arena a;
  arena_init(&a, 1 << 24);
  char *q = arena_printf(&a, "{ task(id: %lld) { submissions { id } } }", (long long)task_ids[0]);
  const char *r = run_as(&a, &people[0], q, NULL, NULL);
  CHECK(strstr(r, "\"code\":\"AUTH004\"") != NULL);
  CHECK(strstr(r, "\"submissions\":null") != NULL);
  r = run_as(&a, &creator, q, NULL, NULL);
  CHECK(strstr(r, "errors") == NULL);
  /* a person's own submissions, not another's */
  q = arena_printf(&a, "{ user(id: %lld) { submissions { id author { id } } } }", (long long)people[1].user_id);
  r = run_as(&a, &people[1], q, NULL, NULL);
  CHECK(strstr(r, "errors") == NULL);
  r = run_as(&a, &people[2], q, NULL, NULL);
  CHECK(strstr(r, "AUTH004") != NULL);
  r = run_as(&a, &people[2], "{ validators { id } }", NULL, NULL);
  CHECK(strstr(r, "AUTH003") != NULL);
  r = run_as(&a, &admin, "{ validators { id } }", NULL, NULL);
  CHECK_STR(r, "{\"data\":{\"validators\":[]}}");
  arena_release(&a);
}

TEST(the_graphs_filters) {
  arena a;
  arena_init(&a, 1 << 24);
  const char *r = run_as(&a, NULL, "{ tasks(where: {difficulty_gte: 7, type: BOUNTY}) { difficulty type } }", NULL, NULL);
  CHECK_STR(r, "{\"data\":{\"tasks\":[{\"difficulty\":7,\"type\":\"BOUNTY\"}]}}");
  r = run_as(&a, NULL, "{ tasks(where: {title_contains: \"Audit\"}, orderBy: difficulty, orderDirection: asc) { title } }", NULL, NULL);
  CHECK_STR(r, "{\"data\":{\"tasks\":[{\"title\":\"Audit the vault\"},{\"title\":\"Audit the bridge\"}]}}");
  r = run_as(&a, NULL, "{ tasks(first: 2, skip: 1, where: {skill: \"solidity\"}) { title } }", NULL, NULL);
  CHECK_STR(r, "{\"data\":{\"tasks\":[{\"title\":\"Fix the bug\"},{\"title\":\"Write docs\"}]}}");
  r = run_as(&a, NULL, "{ tasks(where: {xpReward_lt: 30, status_in: [OPEN]}, orderBy: xpReward) { xpReward } }", NULL, NULL);
  CHECK_STR(r, "{\"data\":{\"tasks\":[{\"xpReward\":\"20\"},{\"xpReward\":\"10\"}]}}");
  r = run_as(&a, NULL, "{ tasks(first: 1001) { id } }", NULL, NULL);
  CHECK(strstr(r, "first must be between 0 and 1000") != NULL);
  /* a cursor connection walks every task once */
  const char *after = NULL;
  int seen = 0;
  for (int page = 0; page < 10; page++) {
    char *q = after ? arena_printf(&a, "{ tasksConnection(first: 3, after: \"%s\") { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }", after)
                    : arena_strdup(&a, "{ tasksConnection(first: 3) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }");
    r = run_as(&a, NULL, q, NULL, NULL);
    for (const char *p = r; (p = strstr(p, "\"node\"")); p++) seen++;
    const char *ec = strstr(r, "\"endCursor\":\"");
    if (!strstr(r, "\"hasNextPage\":true") || !ec) break;
    ec += strlen("\"endCursor\":\"");
    after = arena_strndup(&a, ec, strcspn(ec, "\""));
  }
  CHECK_INT(seen, 8);
  arena_release(&a);
}

TEST(mutations_go_through_the_engines) {
  arena a;
  arena_init(&a, 1 << 24);
  const char *m = "mutation ($in: TaskInput!) { createTask(input: $in) { id title status creator { id } skills { skill minLevel } } }";
  const char *vars = "{\"in\":{\"type\":\"QUEST\",\"title\":\"From GraphQL\",\"description\":\"x\",\"difficulty\":3,\"xpReward\":50,"
                     "\"skills\":[{\"skill\":\"rust\",\"minLevel\":2}]}}";
  const char *r = run_as(&a, &people[0], m, vars, NULL);
  CHECK(strstr(r, "AUTH003") != NULL);
  r = run_as(&a, NULL, m, vars, NULL);
  CHECK(strstr(r, "AUTH001") != NULL);
  r = run_as(&a, &creator, m, vars, NULL);
  CHECK(strstr(r, "\"title\":\"From GraphQL\",\"status\":\"OPEN\"") != NULL);
  CHECK(strstr(r, "\"skills\":[{\"skill\":\"rust\",\"minLevel\":2}]") != NULL);
  /* the engine's rules answer as they do on REST */
  r = run_as(&a, &creator, m,
             "{\"in\":{\"type\":\"QUEST\",\"title\":\"x\",\"description\":\"x\",\"difficulty\":3,\"xpReward\":5,\"skills\":[{\"skill\":\"basket-weaving\"}]}}",
             NULL);
  CHECK(strstr(r, "skill 'basket-weaving' is not in the catalogue") != NULL);
  char *sub = arena_printf(&a, "mutation { submit(taskId: %lld, text: \"done\", evidence: [{type: \"link\", url: \"https://example.com/x\"}]) { id state author { id } } }",
                           (long long)task_ids[5]);
  r = run_as(&a, &people[3], sub, NULL, NULL);
  CHECK(strstr(r, "\"state\":\"SUBMITTED\"") != NULL);
  r = run_as(&a, &people[3], sub, NULL, NULL);
  CHECK(strstr(r, "already have a submission") != NULL);
  r = run_as(&a, &people[4], "mutation { joinGuild(slug: \"builders\") { memberCount } }", NULL, NULL);
  CHECK(strstr(r, "already a member") != NULL);
  arena_release(&a);
}

TEST(the_committed_schema_is_the_table) {
  buf b;
  buf_init(&b, 1 << 22);
  char err[256];
  REQUIRE(gqlp_schema_sdl(&b, err, sizeof err) == 0);
  FILE *f = fopen(TEST_DATA_DIR "/../../docs/schema.graphql", "r");
  REQUIRE(f != NULL);
  char *disk = malloc(1 << 22);
  size_t n = fread(disk, 1, (1 << 22) - 1, f);
  fclose(f);
  disk[n] = 0;
  if (strcmp(disk, b.data) != 0)
    fprintf(stderr, "docs/schema.graphql is stale: run `pheme graphql schema docs/schema.graphql`\n");
  CHECK(strcmp(disk, b.data) == 0);
  free(disk);
  buf_release(&b);
}

/* The engines of issues 11 and 12: progress, badges and reputation nested under a list cost one
 * store call each however many people the list has; the root fields answer from storage. */
TEST(progress_badges_reputation) {
  arena a;
  arena_init(&a, 1 << 24);
  const char *q = "query ($n: Int) { users(first: $n) { id progress { xp level streak longestStreak } "
                  "badges { slug } reputation { score computed asOf user { id } } } }";
  int calls_small, calls_big;
  const char *r = run_as(&a, NULL, q, "{\"n\":1}", &calls_small);
  CHECK(strstr(r, "\"errors\"") == NULL);
  r = run_as(&a, NULL, q, "{\"n\":8}", &calls_big);
  CHECK(strstr(r, "\"errors\"") == NULL);
  /* users, progress, badges, reputation, reputation's user */
  CHECK_INT(calls_small, 5);
  CHECK_INT(calls_big, 5);
  int rows = 0;
  for (const char *p = r; (p = strstr(p, "\"progress\":{\"xp\":\"0\",\"level\":\"NOVICE\",\"streak\":0,\"longestStreak\":0}")); p++) rows++;
  CHECK_INT(rows, 8);
  CHECK(strstr(r, "\"reputation\":{\"score\":0,\"computed\":false,\"asOf\":null,\"user\":{\"id\":") != NULL);
  r = run_as(&a, NULL, "{ seasons { id } quests { id stepsDone } badgeTypes { slug } "
                       "reputation(address: \"0x0000000000000000000000000000000000000001\") { score } }", NULL, NULL);
  CHECK_STR(r, "{\"data\":{\"seasons\":[],\"quests\":[],\"badgeTypes\":[],\"reputation\":null}}");
  /* a process without leaderboards says so (the server passes its boards) */
  r = run_as(&a, NULL, "{ leaderboard { rank } }", NULL, NULL);
  CHECK(strstr(r, "the leaderboards are not loaded in this process") != NULL);
  r = run_as(&a, &people[0], "mutation { endorse(address: \"0x00000000000000000000000000000000000000ff\", skill: \"solidity\") { id } }", NULL, NULL);
  CHECK(strstr(r, "\"errors\"") != NULL);
  arena_release(&a);
}

/* A subscription is checked once (GQL_SUB_CHECK gives its document) and then runs per event
 * with the event as its root (gql_service_run_checked); kinds it does not name are marked
 * skipped; without an event it is refused as a single request. */
TEST(subscriptions_run_per_event) {
  arena keep, a;
  arena_init(&keep, 1 << 20);
  arena_init(&a, 1 << 20);
  const char *src = "subscription ($k: [String!]) { events(kinds: $k) { id kind public userId subject data at } }";
  json_t *vars = json_loads("{\"k\":[\"submission.*\"]}", 0, NULL);
  gql_request rq = {0};
  rq.query = src;
  rq.query_len = strlen(src);
  rq.variables = vars;
  gqlp_ctx ctx;
  memset(&ctx, 0, sizeof ctx);
  ctx.store = S;
  gql_exec_options opt = {.app = &ctx, .subscription = GQL_SUB_CHECK};
  buf out;
  buf_init(&out, 1 << 20);
  gql_result res;
  REQUIRE(gql_service_run(&SVC, &rq, &opt, &keep, &out, &res) == 0);
  CHECK_INT(res.status, 200);
  CHECK_INT(res.subscription, 1);
  CHECK_INT((int)out.len, 0);
  REQUIRE(res.doc != NULL);
  const gql_document *doc = res.doc;
  event_row row = {41, 0, "submission.checking", 7, 0, "submission", 9, "{\"submission_id\":9,\"from\":\"SUBMITTED\"}", 1765000000000};
  events_msg *m = events_msg_make(&row);
  REQUIRE(m != NULL);
  ctx.event = m;
  opt.root = m;
  opt.subscription = GQL_SUB_RUN;
  REQUIRE(gql_service_run_checked(&SVC, doc, &rq, &opt, &a, &out, &res) == 0);
  CHECK_INT(ctx.event_skip, 0);
  CHECK(strstr(out.data, "\"events\":{\"id\":\"41\",\"kind\":\"submission.checking\",\"public\":false,\"userId\":\"7\","
                         "\"subject\":{\"type\":\"submission\",\"id\":9},\"data\":{\"submission_id\":9,\"from\":\"SUBMITTED\"},"
                         "\"at\":\"2025-12-06T05:46:40.000Z\"}") != NULL);
  events_msg_release(m);
  event_row other = {42, 0, "xp.awarded", 7, 1, "user", 7, "{}", 1765000000000};
  m = events_msg_make(&other);
  REQUIRE(m != NULL);
  ctx.event = m;
  opt.root = m;
  buf_clear(&out);
  REQUIRE(gql_service_run_checked(&SVC, doc, &rq, &opt, &a, &out, &res) == 0);
  CHECK_INT(ctx.event_skip, 1);
  events_msg_release(m);
  /* as a single request (no event): refused */
  buf_clear(&out);
  gql_exec_options plain = {.app = &ctx};
  ctx.event = NULL;
  REQUIRE(gql_service_run(&SVC, &rq, &plain, &a, &out, &res) == 0);
  CHECK_INT(res.status, 400);
  CHECK(strstr(out.data, "served over graphql-transport-ws or SSE") != NULL);
  buf_release(&out);
  json_decref(vars);
  arena_release(&a);
  arena_release(&keep);
}

/* A submission's task is read without its skills; they come in one more store call when asked,
 * and are the task's own. */
TEST(a_submissions_task_reads_its_skills_when_asked) {
  arena a;
  arena_init(&a, 0);
  int plain, with_skills;
  const char *r = run_as(&a, &people[0], "{ me { submissions(first: 3) { task { title } } } }", NULL, &plain);
  CHECK(strstr(r, "\"errors\"") == NULL);
  r = run_as(&a, &people[0], "{ me { submissions(first: 3) { task { title skills { skill minLevel } } } } }", NULL,
             &with_skills);
  CHECK_INT(with_skills, plain + 1);
  /* newest first: tasks 2 (one skill), 1 (two), 0 (one) */
  CHECK_STR(r, "{\"data\":{\"me\":{\"submissions\":[{\"task\":{\"title\":\"Fix the bug\",\"skills\":[{\"skill\":\"solidity\","
               "\"minLevel\":0}]}},{\"task\":{\"title\":\"Write docs\",\"skills\":[{\"skill\":\"rust\",\"minLevel\":0},"
               "{\"skill\":\"solidity\",\"minLevel\":0}]}},{\"task\":{\"title\":\"Audit the vault\",\"skills\":[{\"skill\":"
               "\"solidity\",\"minLevel\":0}]}}]}}}");
  arena_release(&a);
}

/* A submission, its task and its reviews are read without their long columns when the query asks
 * for none of them (gql_call_asks_only); asked for one, directly or through a fragment, whole. */
TEST(a_brief_read_when_the_query_asks_for_little) {
  arena a;
  arena_init(&a, 0);
  const char *r = run_as(&a, &people[0], "{ me { submissions(first: 2) { task { __typename title xpReward } } } }", NULL, NULL);
  CHECK_STR(r, "{\"data\":{\"me\":{\"submissions\":[{\"task\":{\"__typename\":\"Task\",\"title\":\"Fix the bug\","
               "\"xpReward\":\"30\"}},{\"task\":{\"__typename\":\"Task\",\"title\":\"Write docs\",\"xpReward\":\"20\"}}]}}}");
  r = run_as(&a, &people[0], "{ me { submissions(first: 1) { task { title ...D } } } } fragment D on Task { description }",
             NULL, NULL);
  CHECK_STR(r, "{\"data\":{\"me\":{\"submissions\":[{\"task\":{\"title\":\"Fix the bug\",\"description\":\"d\"}}]}}}");
  r = run_as(&a, &people[0], "{ me { submissions(first: 1) { task { ... on Task { creator { id } requirements } } } } }", NULL, NULL);
  CHECK(strstr(r, "\"requirements\":") != NULL && strstr(r, "\"errors\"") == NULL);
  r = run_as(&a, &people[0], "{ me { submissions(first: 1) { state ... on Submission { text } } } }", NULL, NULL);
  CHECK_STR(r, "{\"data\":{\"me\":{\"submissions\":[{\"state\":\"SUBMITTED\",\"text\":\"my work\"}]}}}");
  r = run_as(&a, &admin, "{ task(id: 1) { submissions(first: 1) { state author { id } } } }", NULL, NULL);
  CHECK(strstr(r, "{\"data\":{\"task\":{\"submissions\":[{\"state\":\"SUBMITTED\",\"author\":{\"id\":\"") == r);
  r = run_as(&a, &people[0], "{ me { submissions(first: 1) { reviews { round score } } } }", NULL, NULL);
  CHECK_STR(r, "{\"data\":{\"me\":{\"submissions\":[{\"reviews\":[]}]}}}");
  arena_release(&a);
}

/* Reviews come by submission in round then validator order, on both backends (SQLite reads them
 * through json_each, PostgreSQL through an IN list), whatever order they were written in: in the
 * brief read (round, score) and the full one (with the validator's address). */
TEST(reviews_come_in_round_and_validator_order) {
  arena a;
  arena_init(&a, 0);
  sx x;
  REQUIRE(sx_write(S, &a, &x) == 0);
  const work_principal *vs[3] = {&creator, &admin, &people[4]};
  int64_t vid[3] = {0, 0, 0}, sub[2] = {0, 0};
  db_result r;
  pheme_err e = 0;
  for (int v = 0; v < 3 && !e; v++) {
    e = Q(&x, NULL,
          "INSERT INTO validators (user_id, address, stake, domains, status, created_at, updated_at) VALUES "
          "($1, $2, '1', '[]', 'active', 1, 1)",
          dbv_int(vs[v]->user_id), dbv_blob(vs[v]->address, 20));
    if (!e) e = Q(&x, &r, "SELECT id FROM validators WHERE user_id = $1", dbv_int(vs[v]->user_id));
    if (!e && r.rows == 1) vid[v] = db_int(&r, 0, 0);
  }
  if (!e) e = Q(&x, &r, "SELECT id FROM submissions WHERE user_id = $1 ORDER BY id DESC", dbv_int(people[5].user_id));
  if (!e && r.rows >= 2) {
    sub[0] = db_int(&r, 0, 0);
    sub[1] = db_int(&r, 1, 0);
  }
  uint8_t sig[65];
  memset(sig, 0x5a, sizeof sig);
  /* written last validator first, round 1 before round 0, the older submission first */
  for (int k = 1; k >= 0 && !e; k--)
    for (int round = 1; round >= 0 && !e; round--)
      for (int v = 2; v >= 0 && !e; v--)
        e = Q(&x, NULL,
              "INSERT INTO reviews (submission_id, round, validator_id, score, criteria, feedback, signature, "
              "signer, created_at) VALUES ($1, $2, $3, $4, '[]', 'ok', $5, $6, 1)",
              dbv_int(sub[k]), dbv_int(round), dbv_int(vid[v]), dbv_int(40 + 20 * k + 10 * round + v),
              dbv_blob(sig, sizeof sig), dbv_blob(vs[v]->address, 20));
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  REQUIRE(e == 0);
  REQUIRE(vid[2] > 0 && sub[1] > 0);
  const char *got = run_as(&a, &people[5], "{ me { submissions(first: 2) { reviews { round score } } } }", NULL, NULL);
  CHECK_STR(got, "{\"data\":{\"me\":{\"submissions\":["
                 "{\"reviews\":[{\"round\":0,\"score\":40},{\"round\":0,\"score\":41},{\"round\":0,\"score\":42},"
                 "{\"round\":1,\"score\":50},{\"round\":1,\"score\":51},{\"round\":1,\"score\":52}]},"
                 "{\"reviews\":[{\"round\":0,\"score\":60},{\"round\":0,\"score\":61},{\"round\":0,\"score\":62},"
                 "{\"round\":1,\"score\":70},{\"round\":1,\"score\":71},{\"round\":1,\"score\":72}]}]}}}");
  /* the full read: the same order, each with its validator's address */
  got = run_as(&a, &people[5], "{ me { submissions(first: 2) { reviews { score validator } } } }", NULL, NULL);
  const char *at = got;
  for (int k = 0; k < 2; k++)
    for (int round = 0; round < 2; round++)
      for (int v = 0; v < 3; v++) {
        char want[32];
        snprintf(want, sizeof want, "{\"score\":%d,\"validator\":\"0x", 40 + 20 * k + 10 * round + v);
        at = at ? strstr(at, want) : NULL;
        CHECK(at != NULL);
      }
  arena_release(&a);
}

static int kept(const char *q) {
  for (int i = 0; i < SVC.nchecked; i++)
    if (SVC.checked[i].len == strlen(q) && memcmp(SVC.checked[i].query, q, SVC.checked[i].len) == 0) return 1;
  return 0;
}

/* A document that parsed and validated is kept by its text: run again (other variables, another
 * operation of it) it answers as the first time; one refused is refused every time. */
TEST(a_checked_document_is_kept) {
  arena a;
  arena_init(&a, 0);
  const char *q = "query A($s: String!) { skill(slug: $s) { slug } } query B { skill(slug: \"rust\") { domain } }";
  json_t *v = json_loads("{\"s\":\"solidity\"}", 0, NULL);
  const char *answers[2][2] = {{NULL, NULL}, {NULL, NULL}};
  for (int round = 0; round < 2; round++)
    for (int op = 0; op < 2; op++) {
      gqlp_ctx ctx;
      memset(&ctx, 0, sizeof ctx);
      ctx.store = S;
      gql_request rq = {0};
      rq.query = q;
      rq.query_len = strlen(q);
      rq.operation_name = op ? "B" : "A";
      rq.variables = v;
      gql_exec_options opt = {.app = &ctx};
      buf out;
      buf_init(&out, 1 << 16);
      gql_result res;
      CHECK_INT(gql_service_run(&SVC, &rq, &opt, &a, &out, &res), 0);
      answers[round][op] = arena_strdup(&a, out.data);
      buf_release(&out);
    }
  json_decref(v);
  CHECK_STR(answers[0][0], "{\"data\":{\"skill\":{\"slug\":\"solidity\"}}}");
  CHECK_STR(answers[0][1], "{\"data\":{\"skill\":{\"domain\":\"technical\"}}}");
  CHECK_STR(answers[1][0], answers[0][0]);
  CHECK_STR(answers[1][1], answers[0][1]);
  CHECK(kept(q));
  const char *bad = "{ skill(slug: \"rust\") { nope } }";
  for (int round = 0; round < 2; round++) {
    const char *r = run_as(&a, NULL, bad, NULL, NULL);
    CHECK(strstr(r, "Cannot query field \\\"nope\\\" on type \\\"Skill\\\".") != NULL);
  }
  CHECK(!kept(bad));
  arena_release(&a);
}

/* A query's levels read one snapshot (store_read_pin, as POST /graphql runs queries): on SQLite a
 * write committed while it is pinned is not seen until it is let go; pins nest. */
TEST(a_query_reads_one_snapshot) {
  arena a;
  arena_init(&a, 0);
  store_page p = {0, 1000};
  user *list;
  int before, during, after;
  REQUIRE(store_read_pin(S) == 0);
  REQUIRE(store_read_pin(S) == 0);
  REQUIRE(store_users_list(S, &a, 0, &p, &list, &before) == 0);
  REQUIRE(person_at(99, ROLE_USER).user_id > 0); /* a write, on the writer's connection */
  store_read_unpin(S);                           /* the inner pin: still pinned */
  REQUIRE(store_users_list(S, &a, 0, &p, &list, &during) == 0);
  store_read_unpin(S);
  REQUIRE(store_users_list(S, &a, 0, &p, &list, &after) == 0);
  if (strcmp(store_driver_name(S), "sqlite") == 0) CHECK_INT(during, before);
  CHECK_INT(after, before + 1);
  /* and a query run through the hooks answers as before */
  const char *r = run_as(&a, NULL, "{ users(first: 1) { id } }", NULL, NULL);
  CHECK(strstr(r, "\"users\":[{\"id\":") != NULL);
  arena_release(&a);
}

/* ---- time travel: `block: { number }` on the chain projections ---- */

#define TT_CHAIN 4242

/* A change of block: kind and key written with amount (or NULL) and data, or deleted. */
typedef struct {
  int64_t block;
  const char *kind, *key, *amount, *data; /* data NULL: deleted */
} tt_change;

static void tt_hash(int64_t b, uint8_t out[32]) {
  memset(out, 0, 32);
  out[0] = 0xb1;
  out[31] = (uint8_t)b;
}

/* Indexes blocks from..to of chain TT_CHAIN in one unit, journaled, with the changes ch[0..n),
 * moving the cursor to `to` and pruning below keep_from, as the indexer does. */
static int tt_index(int64_t from, int64_t to, const tt_change *ch, int n, int64_t keep_from) {
  arena a;
  arena_init(&a, 0);
  chain_unit *u;
  int rc = -1;
  if (chain_unit_begin(S, &a, TT_CHAIN, "tt", &u)) goto out;
  chain_unit_set_undo(u, 1);
  for (int64_t b = from; b <= to; b++) {
    uint8_t h[32], parent[32];
    tt_hash(b, h);
    tt_hash(b - 1, parent);
    if (chain_unit_block(u, b, h, parent)) goto abort;
    for (int i = 0; i < n; i++) {
      if (ch[i].block != b) continue;
      if (!ch[i].data) {
        if (chain_unit_delete(u, b, ch[i].kind, ch[i].key)) goto abort;
        continue;
      }
      chain_entity e = {.kind = ch[i].kind, .key = ch[i].key, .amount = ch[i].amount, .data = ch[i].data,
                        .ord = b << 20, .block_number = b};
      if (strcmp(ch[i].kind, "stake") == 0) {
        e.has_owner = 1;
        memset(e.owner, 0x5a, 20);
      }
      if (chain_unit_put(u, b, &e)) goto abort;
    }
  }
  uint8_t h[32];
  tt_hash(to, h);
  if (chain_unit_cursor(u, to, h, to, 1, keep_from, time_now_ms() + 60000)) goto abort;
  rc = chain_unit_commit(u) ? -1 : 0;
  goto out;
abort:
  chain_unit_abort(u);
out:
  arena_release(&a);
  return rc;
}

/* Runs src against chain TT_CHAIN. */
static const char *run_tt(arena *a, const char *src) {
  gqlp_ctx ctx;
  memset(&ctx, 0, sizeof ctx);
  ctx.store = S;
  ctx.actor = sys;
  ctx.chain_id = TT_CHAIN;
  gql_request rq = {0};
  rq.query = src;
  rq.query_len = strlen(src);
  gql_exec_options opt = {.app = &ctx, .query_begin = gqlp_query_begin, .query_end = gqlp_query_end};
  buf out;
  buf_init(&out, 1 << 20);
  gql_result res;
  const char *txt = gql_service_run(&SVC, &rq, &opt, a, &out, &res) == 0 ? arena_strdup(a, out.data) : "(cap)";
  buf_release(&out);
  return txt;
}

/* The projections as they were at a block, read back from the undo journal: a proposal created,
 * voted on, moved on and a vote withdrawn; a stake raised. Within the history kept every block
 * answers as it was; beyond it (not indexed yet, or pruned) a clear error; _meta agrees. */
TEST(time_travel_within_the_history_kept) {
  arena a;
  arena_init(&a, 0);
  int won = 0;
  REQUIRE(store_chain_lease(S, TT_CHAIN, "tt", 1, time_now_ms(), 60000, &won) == 0 && won);
  const char *staker = "0x5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"; /* the stake's key and owner */
  tt_change first[] = {
      {1, "proposal", "1", NULL, "{\"state\":\"pending\"}"},
      {1, "stake", staker, "100", "{}"},
      {2, "vote", "1/0xaa", "7", "{}"},
      {2, "vote", "1/0xbb", "9", "{}"},
      {3, "proposal", "1", NULL, "{\"state\":\"active\"}"},
  };
  REQUIRE(tt_index(1, 3, first, 5, 0) == 0);
  tt_change second[] = {
      {4, "proposal", "2", NULL, "{\"state\":\"pending\"}"},
      {4, "proposal", "1", NULL, "{\"state\":\"executed\"}"},
      {4, "vote", "1/0xaa", NULL, NULL},
      {4, "stake", staker, "250", "{}"},
  };
  REQUIRE(tt_index(4, 4, second, 4, 0) == 0);

  const char *r = run_tt(&a, "{ proposals { id data block votes { weight } } }");
  CHECK_STR(r, "{\"data\":{\"proposals\":[{\"id\":\"2\",\"data\":{\"state\":\"pending\"},\"block\":4,\"votes\":[]},"
               "{\"id\":\"1\",\"data\":{\"state\":\"executed\"},\"block\":4,\"votes\":[{\"weight\":\"9\"}]}]}}");
  /* at block 2: one proposal, pending, with both votes (same block: by key); the nested votes are
   * read at its block */
  r = run_tt(&a, "{ proposals(block: {number: 2}) { id data block votes { weight } } }");
  CHECK_STR(r, "{\"data\":{\"proposals\":[{\"id\":\"1\",\"data\":{\"state\":\"pending\"},\"block\":1,"
               "\"votes\":[{\"weight\":\"7\"},{\"weight\":\"9\"}]}]}}");
  r = run_tt(&a, "{ a: proposal(id: \"1\", block: {number: 3}) { data block } b: proposal(id: \"2\", block: {number: 3}) { id } "
                 "c: proposal(id: \"2\") { id } }");
  CHECK_STR(r, "{\"data\":{\"a\":{\"data\":{\"state\":\"active\"},\"block\":3},\"b\":null,\"c\":{\"id\":\"2\"}}}");
  char q[256];
  snprintf(q, sizeof q, "{ then: staking(address: \"%s\", block: {number: 3}) { stake } now: staking(address: \"%s\") { stake } }",
           staker, staker);
  r = run_tt(&a, q);
  CHECK_STR(r, "{\"data\":{\"then\":{\"stake\":\"100\"},\"now\":{\"stake\":\"250\"}}}");
  /* _meta: the block asked, with its hash; number_gte is the latest */
  r = run_tt(&a, "{ a: _meta(block: {number: 2}) { block { number hash } } b: _meta { block { number } } "
                 "c: _meta(block: {number_gte: 3}) { block { number } } }");
  CHECK_STR(r, "{\"data\":{\"a\":{\"block\":{\"number\":2,\"hash\":\"0xb1000000000000000000000000000000000000000000000000000000000000"
               "02\"}},\"b\":{\"block\":{\"number\":4}},\"c\":{\"block\":{\"number\":4}}}}");

  /* beyond the history: not indexed yet, before the first block kept, malformed */
  r = run_tt(&a, "{ proposals(block: {number: 5}) { id } }");
  CHECK(strstr(r, "block 5 is not indexed yet: the projections are at block 4") != NULL);
  r = run_tt(&a, "{ _meta(block: {number_gte: 9}) { block { number } } }");
  CHECK(strstr(r, "block 9 is not indexed yet: the projections are at block 4") != NULL);
  r = run_tt(&a, "{ chainValidators(block: {number: 0}) { block } }");
  CHECK(strstr(r, "block 0 is older than the history kept: the projections can be read at blocks 1 to 4") != NULL);
  r = run_tt(&a, "{ proposals(block: {number: 2, number_gte: 1}) { id } }");
  CHECK(strstr(r, "block takes number or number_gte, not both") != NULL);
  r = run_tt(&a, "{ proposals(block: {number: -1}) { id } }");
  CHECK(strstr(r, "a block number is 0 or more, not -1") != NULL);

  /* the indexer moves on and prunes below block 4: block 3 is gone, block 4 still answers */
  tt_change third[] = {{5, "proposal", "1", NULL, "{\"state\":\"closed\"}"}};
  REQUIRE(tt_index(5, 5, third, 1, 4) == 0);
  r = run_tt(&a, "{ proposal(id: \"1\", block: {number: 3}) { id } }");
  CHECK(strstr(r, "block 3 is older than the history kept: the projections can be read at blocks 4 to 5") != NULL);
  r = run_tt(&a, "{ a: proposal(id: \"1\", block: {number: 4}) { data } b: proposal(id: \"1\") { data } }");
  CHECK_STR(r, "{\"data\":{\"a\":{\"data\":{\"state\":\"executed\"}},\"b\":{\"data\":{\"state\":\"closed\"}}}}");
  arena_release(&a);
}

static void all_tests(void) {
  seed();
  RUN(answers_from_storage);
  RUN(one_store_call_per_level);
  RUN(the_same_authorization_as_rest);
  RUN(the_graphs_filters);
  RUN(mutations_go_through_the_engines);
  RUN(the_committed_schema_is_the_table);
  RUN(progress_badges_reputation);
  RUN(subscriptions_run_per_event);
  RUN(a_submissions_task_reads_its_skills_when_asked);
  RUN(a_brief_read_when_the_query_asks_for_little);
  RUN(a_checked_document_is_kept);
  RUN(time_travel_within_the_history_kept);
  RUN(a_query_reads_one_snapshot);
  RUN(reviews_come_in_round_and_validator_order);
}

int main(void) {
  char err[256];
  gql_limits lim = gql_limits_default();
  if (gqlp_service_init(&SVC, &lim, err, sizeof err)) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  int rc = backends_main("test_pheme_schema", all_tests);
  gql_service_release(&SVC);
  return rc;
}
