/* Storage of the rewards engine; see game.h. The award is one store_job (batch.h) so that it runs
 * alone (store_game_award) or with others in one transaction of the group committer. */
#include "store/game.h"

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/util.h"
#include "store/internal.h"
#include "core/banned.h"

/* Zeroes every field but the arrays' elements (6 KiB: the memset of the whole plan was 3% of an
 * award's instructions); an element is read only below its count, which is zeroed. */
void game_award_plan_init(game_award_plan *p) {
#define PLAN_ZERO(from, to) memset(&p->from, 0, offsetof(game_award_plan, to) - offsetof(game_award_plan, from))
  PLAN_ZERO(nrows, skills);
  PLAN_ZERO(nskills, domains);
  PLAN_ZERO(ndomains, events);
  memset(&p->nevents, 0, sizeof *p - offsetof(game_award_plan, nevents));
#undef PLAN_ZERO
}

static int counts_to_total(const char *reason) {
  static const char *const r[] = {"task", "critical", "quest", "streak", "adjustment"};
  for (size_t i = 0; i < sizeof r / sizeof r[0]; i++)
    if (strcmp(reason, r[i]) == 0) return 1;
  return 0;
}


/* ---- the award, one job or a group of them ----
 *
 * The committer (batch.h) hands the award jobs of one batch to award_group together; a job run
 * alone is a group of one. The group reads what its awards need in one statement per table (ids
 * passed as one JSON array), decides the awards one after the other against totals kept in
 * memory — so the second award of a person in the batch starts from the first's totals, exactly
 * as if they had run one by one — and writes the ledger rows, totals, events and the outcomes'
 * consumed_at with multi-row statements. */

/* Ids travel as one text parameter (ids_list): a JSON array that SQLite's json_each reads, an
 * array literal that PostgreSQL compares with = ANY (an index scan per id, whatever plan the
 * prepared statement settles on). ids_in gives the predicate "column <ids_in>" on parameter $n. */
static const char *ids_in(sx *x, int param) {
  return sx_is_pg(x) ? arena_printf(x->a, "= ANY (CAST($%d AS BIGINT[]))", param)
                     : arena_printf(x->a, "IN (SELECT value FROM json_each($%d))", param);
}

/* PostgreSQL: the rows of table (as alias) whose column col is one of the ids of parameter $param,
 * as a FROM item: a join from the unnested list, whose generic plan looks each id up in the index.
 * With "col = ANY ($n)" (ids_in) the prepared statement's plan settled on scanning the whole
 * table and comparing every row with every id, once the table was small enough (the people's
 * read was ~8% of the award's server time at 1,000 people). SQLite keeps ids_in. */
static const char *ids_join(sx *x, const char *table, const char *alias, const char *col, int param) {
  return arena_printf(x->a, "unnest(CAST($%d AS BIGINT[])) AS ids(id) JOIN %s %s ON %s.%s = ids.id", param, table, alias,
                      alias, col);
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

/* ids sorted, without duplicates and zeros, as the list parameter of ids_in in a (NULL when
 * memory is short); *distinct (may be NULL) gets how many. Sorted, so that PostgreSQL locks rows
 * in one order. */
static const char *ids_list(sx *x, arena *a, const int64_t *ids, int n, int *distinct) {
  int64_t *s = arena_alloc(a, sizeof *s * (size_t)(n ? n : 1));
  char *o = arena_alloc(a, (size_t)n * 21 + 3);
  if (!s || !o) return NULL;
  memcpy(s, ids, sizeof *s * (size_t)n);
  qsort(s, (size_t)n, sizeof *s, cmp_i64);
  size_t k = 0;
  int m = 0, pg = sx_is_pg(x);
  o[k++] = pg ? '{' : '[';
  for (int i = 0; i < n; i++) {
    if (s[i] == 0 || (i && s[i] == s[i - 1])) continue;
    k += (size_t)snprintf(o + k, 22, "%s%lld", m ? "," : "", (long long)s[i]);
    m++;
  }
  o[k++] = pg ? '}' : ']';
  o[k] = 0;
  if (distinct) *distinct = m;
  return o;
}

/* What the group knows of one person: the totals as they stand after the group's awards so far. */
typedef struct {
  int64_t skill_id, xp;
  int level, dirty;
} grp_skill;
typedef struct {
  const char *domain;
  int64_t xp;
  int dirty;
} grp_domain;
typedef struct {
  int64_t id, xp;
  const char *level;
  int found, offset_min, awarded;
  int streak_current, streak_longest;
  int64_t streak_last_day, streak_grace_day;
  grp_skill *skills;
  int nskills, capskills;
  grp_domain *domains;
  int ndomains, capdomains;
  int64_t *guild_ids; /* memberships, oldest first */
  const char **guild_slugs;
  int nguilds;
} grp_person;

typedef struct {
  int64_t id, xp;
  int level, dirty;
} grp_guild;

typedef struct {
  int64_t guild_id, user_id, delta;
} grp_member;

typedef struct {
  int64_t task_id, id, parent_id;
  const char *slug, *domain;
} grp_task_skill;

typedef struct {
  int64_t task_id, quest_id, xp;
  const char *slug;
  int position, steps;
} grp_quest_step;

typedef struct {
  int64_t quest_id, user_id;
  int steps_done, completed, dirty;
  int64_t completed_at;
} grp_progress;

typedef struct {
  int64_t id, starts, ends;
  uint8_t seed[GAME_SEED_BYTES];
  int has_seed;
} grp_season;

typedef struct {
  int64_t guild_id;
  const char *slug;
  int64_t at;
} grp_achievement;

typedef struct {
  int64_t sid, user_id, task_id, at, task_xp, task_guild_id;
  int score, consumed, difficulty;
} grp_outcome;

/* One award of the group: its outcome and what its plan is written with. */
typedef struct {
  grp_outcome *o;
  grp_person *p;
  int64_t guild_id, season_id;
  int64_t quest_id;
  int quest_steps_before;
} grp_award;

typedef struct {
  sx *x;
  arena *a;
  grp_outcome *outcomes;
  int noutcomes;
  grp_person *people;
  int npeople;
  grp_guild *guilds;
  int nguilds;
  grp_member *members;
  int nmembers;
  grp_task_skill *task_skills;
  int ntask_skills;
  grp_quest_step *steps;
  int nsteps;
  grp_progress *progress;
  int nprogress, capprogress;
  grp_season *seasons;
  int nseasons;
  grp_achievement *achievements; /* reached by the group's awards */
  int nach, capach;
} award_group;

static grp_outcome *find_outcome(award_group *g, int64_t sid) {
  for (int i = 0; i < g->noutcomes; i++)
    if (g->outcomes[i].sid == sid) return &g->outcomes[i];
  return NULL;
}

static grp_person *find_person(award_group *g, int64_t id) {
  for (int i = 0; i < g->npeople; i++)
    if (g->people[i].id == id) return &g->people[i];
  return NULL;
}

static grp_guild *find_guild(award_group *g, int64_t id) {
  for (int i = 0; i < g->nguilds; i++)
    if (g->guilds[i].id == id) return &g->guilds[i];
  return NULL;
}

/* Grows *items (of size each, *cap of them) to hold one more; 0, or -1 when memory is short. */
static int grow(arena *a, void **items, int n, int *cap, size_t size) {
  if (n < *cap) return 0;
  int ncap = *cap ? *cap * 2 : 8;
  void *m = arena_alloc(a, size * (size_t)ncap);
  if (!m) return -1;
  if (n) memcpy(m, *items, size * (size_t)n);
  *items = m;
  *cap = ncap;
  return 0;
}

static grp_skill *person_skill(award_group *g, grp_person *p, int64_t id, int add) {
  for (int i = 0; i < p->nskills; i++)
    if (p->skills[i].skill_id == id) return &p->skills[i];
  if (!add || grow(g->a, (void **)&p->skills, p->nskills, &p->capskills, sizeof *p->skills)) return NULL;
  p->skills[p->nskills] = (grp_skill){id, 0, 0, 0};
  return &p->skills[p->nskills++];
}

static grp_domain *person_domain(award_group *g, grp_person *p, const char *d, int add) {
  for (int i = 0; i < p->ndomains; i++)
    if (strcmp(p->domains[i].domain, d) == 0) return &p->domains[i];
  if (!add || grow(g->a, (void **)&p->domains, p->ndomains, &p->capdomains, sizeof *p->domains)) return NULL;
  p->domains[p->ndomains] = (grp_domain){d, 0, 0};
  return &p->domains[p->ndomains++];
}

static grp_progress *find_progress(award_group *g, int64_t quest_id, int64_t user_id, int add) {
  for (int i = 0; i < g->nprogress; i++)
    if (g->progress[i].quest_id == quest_id && g->progress[i].user_id == user_id) return &g->progress[i];
  if (!add || grow(g->a, (void **)&g->progress, g->nprogress, &g->capprogress, sizeof *g->progress)) return NULL;
  g->progress[g->nprogress] = (grp_progress){quest_id, user_id, 0, 0, 0, 0};
  return &g->progress[g->nprogress++];
}

/* The outcomes of the group's submissions (locked on PostgreSQL: a second award of one outcome
 * waits, then sees it consumed). */
static pheme_err load_outcomes(award_group *g, game_award_job **jobs, int n) {
  int64_t *sids = arena_alloc(g->a, sizeof *sids * (size_t)n);
  if (!sids) return PHEME_SYS_NOMEM;
  for (int i = 0; i < n; i++) sids[i] = jobs[i]->submission_id;
  const char *list = ids_list(g->x, g->a, sids, n, NULL), *in = ids_in(g->x, 1);
  if (!list || !in) return PHEME_SYS_NOMEM;
  const char *sql = arena_printf(g->a,
                                 "SELECT o.submission_id, o.user_id, o.task_id, o.final_score, o.created_at, "
                                 "coalesce(o.consumed_at, 0), t.xp_reward, t.difficulty, coalesce(t.guild_id, 0) "
                                 "FROM outcomes o JOIN tasks t ON t.id = o.task_id WHERE o.submission_id %s "
                                 "ORDER BY o.submission_id%s",
                                 in, sx_is_pg(g->x) ? " FOR UPDATE OF o" : "");
  if (!sql) return PHEME_SYS_NOMEM;
  db_result r;
  pheme_err e = Q(g->x, &r, sql, dbv_text(list));
  if (e) return e;
  g->outcomes = arena_zalloc(g->a, sizeof *g->outcomes * (size_t)(r.rows ? r.rows : 1));
  if (!g->outcomes) return PHEME_SYS_NOMEM;
  for (int i = 0; i < r.rows; i++)
    g->outcomes[i] = (grp_outcome){.sid = db_int(&r, i, 0), .user_id = db_int(&r, i, 1), .task_id = db_int(&r, i, 2),
                                   .score = (int)db_int(&r, i, 3), .at = db_int(&r, i, 4),
                                   .consumed = db_int(&r, i, 5) != 0, .task_xp = db_int(&r, i, 6),
                                   .difficulty = (int)db_int(&r, i, 7), .task_guild_id = db_int(&r, i, 8)};
  g->noutcomes = r.rows;
  return PHEME_OK;
}

/* The totals an award rewrites are read, on PostgreSQL, by an upsert that returns them: ON
 * CONFLICT DO UPDATE locks the row and sees its latest committed version (READ COMMITTED), so two
 * transactions awarding one person or one guild never start from the same total; the rows read
 * in later statements (streak, skills, domains) are then read after the lock. Persons first,
 * then guilds, each in id order: every award locks in that order. SQLite has one writer: a
 * SELECT does. */
static pheme_err read_totals(award_group *g, const char *table, const char *key, const char *zero_level,
                             const char *list, int64_t now, db_result *r) {
  const char *sql;
  if (!sx_is_pg(g->x)) {
    const char *in = ids_in(g->x, 1);
    sql = in ? arena_printf(g->a, "SELECT %s, xp, level FROM %s WHERE %s %s", key, table, key, in) : NULL;
    return sql ? Q(g->x, r, sql, dbv_text(list)) : PHEME_SYS_NOMEM;
  }
  /* the rows in id order, each created when missing, and locked */
  sql = arena_printf(g->a,
                     "INSERT INTO %s (%s, xp, level, updated_at) SELECT id, 0, %s, $2 FROM unnest(CAST($1 AS "
                     "BIGINT[])) AS ids(id) ORDER BY id ON CONFLICT (%s) DO UPDATE SET updated_at = %s.updated_at "
                     "RETURNING %s, xp, level",
                     table, key, zero_level, key, table, key);
  return sql ? Q(g->x, r, sql, dbv_text(list), dbv_int(now)) : PHEME_SYS_NOMEM;
}

/* The people of the awards not yet consumed: totals, time zone, streak, skills, domains and
 * guild memberships. *missing gets a person who does not exist (0: none). */
static pheme_err load_people(award_group *g, int64_t now, int64_t *missing) {
  int64_t *ids = arena_alloc(g->a, sizeof *ids * (size_t)(g->noutcomes ? g->noutcomes : 1));
  if (!ids) return PHEME_SYS_NOMEM;
  int k = 0;
  for (int i = 0; i < g->noutcomes; i++)
    if (!g->outcomes[i].consumed) ids[k++] = g->outcomes[i].user_id;
  const char *list = ids_list(g->x, g->a, ids, k, &g->npeople), *in = ids_in(g->x, 1);
  if (!list || !in) return PHEME_SYS_NOMEM;
  if (g->npeople == 0) return PHEME_OK;
  g->people = arena_zalloc(g->a, sizeof *g->people * (size_t)g->npeople);
  int64_t *sorted = arena_alloc(g->a, sizeof *sorted * (size_t)(k ? k : 1));
  if (!g->people || !sorted) return PHEME_SYS_NOMEM;
  memcpy(sorted, ids, sizeof *sorted * (size_t)k);
  qsort(sorted, (size_t)k, sizeof *sorted, cmp_i64);
  for (int i = 0, m = 0; i < k; i++)
    if (i == 0 || sorted[i] != sorted[i - 1]) g->people[m++] = (grp_person){.id = sorted[i], .level = "NOVICE"};
  /* the totals first: on PostgreSQL their locks order the awards of a person, and everything
   * read below (streak, skills, domains) is read after them */
  db_result r;
  pheme_err e = read_totals(g, "user_xp", "user_id", "'NOVICE'", list, now, &r);
  if (e) return e;
  for (int i = 0; i < r.rows; i++) {
    grp_person *p = find_person(g, db_int(&r, i, 0));
    if (!p) continue;
    p->xp = db_int(&r, i, 1);
    p->level = db_text(&r, i, 2);
  }
  const char *users = sx_is_pg(g->x) ? ids_join(g->x, "users", "u", "id", 1) : NULL;
  e = Q(g->x, &r,
        users ? arena_printf(g->a,
                             "SELECT u.id, u.utc_offset_min, coalesce(s.current, 0), coalesce(s.longest, 0), "
                             "coalesce(s.last_day, 0), coalesce(s.grace_day, 0) FROM %s LEFT JOIN streaks s "
                             "ON s.user_id = u.id ORDER BY u.id", users)
              : arena_printf(g->a,
                     "SELECT u.id, u.utc_offset_min, coalesce(s.current, 0), coalesce(s.longest, 0), "
                     "coalesce(s.last_day, 0), coalesce(s.grace_day, 0) FROM users u LEFT JOIN streaks s "
                     "ON s.user_id = u.id WHERE u.id %s ORDER BY u.id",
                     in),
        dbv_text(list));
  if (e) return e;
  for (int i = 0; i < r.rows; i++) {
    grp_person *p = find_person(g, db_int(&r, i, 0));
    if (!p) continue;
    p->found = 1;
    p->offset_min = (int)db_int(&r, i, 1);
    p->streak_current = (int)db_int(&r, i, 2);
    p->streak_longest = (int)db_int(&r, i, 3);
    p->streak_last_day = db_int(&r, i, 4);
    p->streak_grace_day = db_int(&r, i, 5);
  }
  for (int i = 0; i < g->npeople; i++)
    if (!g->people[i].found) {
      *missing = g->people[i].id; /* the award of a person who does not exist fails */
      return PHEME_OK;
    }
  /* skills: the person's XP in every skill (and parent) of the group's tasks, and in domains */
  if (g->ntask_skills) {
    int64_t *sk = arena_alloc(g->a, sizeof *sk * (size_t)g->ntask_skills * 2);
    if (!sk) return PHEME_SYS_NOMEM;
    for (int i = 0; i < g->ntask_skills; i++) {
      sk[2 * i] = g->task_skills[i].id;
      sk[2 * i + 1] = g->task_skills[i].parent_id;
    }
    const char *skills = ids_list(g->x, g->a, sk, g->ntask_skills * 2, NULL), *in2 = ids_in(g->x, 2);
    if (!skills || !in2) return PHEME_SYS_NOMEM;
    e = Q(g->x, &r,
          arena_printf(g->a, "SELECT user_id, skill_id, xp, level FROM skill_levels WHERE user_id %s AND skill_id %s",
                       in, in2),
          dbv_text(list), dbv_text(skills));
    if (e) return e;
    for (int i = 0; i < r.rows; i++) {
      grp_person *p = find_person(g, db_int(&r, i, 0));
      grp_skill *s = p ? person_skill(g, p, db_int(&r, i, 1), 1) : NULL;
      if (!p) continue;
      if (!s) return PHEME_SYS_NOMEM;
      s->xp = db_int(&r, i, 2);
      s->level = (int)db_int(&r, i, 3);
    }
    e = Q(g->x, &r, arena_printf(g->a, "SELECT user_id, domain, xp FROM domain_xp WHERE user_id %s", in),
          dbv_text(list));
    if (e) return e;
    for (int i = 0; i < r.rows; i++) {
      grp_person *p = find_person(g, db_int(&r, i, 0));
      grp_domain *d = p ? person_domain(g, p, db_text(&r, i, 1), 1) : NULL;
      if (!p) continue;
      if (!d) return PHEME_SYS_NOMEM;
      d->xp = db_int(&r, i, 2);
    }
  }
  const char *members = sx_is_pg(g->x) ? ids_join(g->x, "guild_members", "gm", "user_id", 1) : NULL;
  e = Q(g->x, &r,
        members ? arena_printf(g->a,
                               "SELECT gm.user_id, gm.guild_id, g.slug FROM %s JOIN guilds g ON g.id = gm.guild_id "
                               "ORDER BY gm.user_id, gm.joined_at, gm.guild_id", members)
                : arena_printf(g->a,
                     "SELECT gm.user_id, gm.guild_id, g.slug FROM guild_members gm JOIN guilds g ON g.id = gm.guild_id "
                     "WHERE gm.user_id %s ORDER BY gm.user_id, gm.joined_at, gm.guild_id",
                     in),
        dbv_text(list));
  if (e) return e;
  for (int i = 0; i < r.rows;) {
    int j = i;
    while (j < r.rows && db_int(&r, j, 0) == db_int(&r, i, 0)) j++;
    grp_person *p = find_person(g, db_int(&r, i, 0));
    if (p) {
      p->guild_ids = arena_alloc(g->a, sizeof *p->guild_ids * (size_t)(j - i));
      p->guild_slugs = arena_alloc(g->a, sizeof *p->guild_slugs * (size_t)(j - i));
      if (!p->guild_ids || !p->guild_slugs) return PHEME_SYS_NOMEM;
      for (int m = i; m < j; m++) {
        p->guild_ids[m - i] = db_int(&r, m, 1);
        p->guild_slugs[m - i] = db_text(&r, m, 2);
      }
      p->nguilds = j - i;
    }
    i = j;
  }
  return PHEME_OK;
}

/* The skills and quest steps of the group's tasks (the tasks of outcomes not yet consumed). */
static pheme_err load_tasks(award_group *g) {
  int64_t *ids = arena_alloc(g->a, sizeof *ids * (size_t)(g->noutcomes ? g->noutcomes : 1));
  if (!ids) return PHEME_SYS_NOMEM;
  int k = 0, distinct = 0;
  for (int i = 0; i < g->noutcomes; i++)
    if (!g->outcomes[i].consumed) ids[k++] = g->outcomes[i].task_id;
  const char *list = ids_list(g->x, g->a, ids, k, &distinct), *in = ids_in(g->x, 1);
  if (!list || !in) return PHEME_SYS_NOMEM;
  if (!distinct) return PHEME_OK;
  db_result r;
  pheme_err e = Q(g->x, &r,
                  arena_printf(g->a,
                               "SELECT ts.task_id, k.id, coalesce(k.parent_id, 0), k.slug, k.domain FROM task_skills ts "
                               "JOIN skills k ON k.id = ts.skill_id WHERE ts.task_id %s ORDER BY ts.task_id, k.id",
                               in),
                  dbv_text(list));
  if (e) return e;
  g->task_skills = arena_alloc(g->a, sizeof *g->task_skills * (size_t)(r.rows ? r.rows : 1));
  if (!g->task_skills) return PHEME_SYS_NOMEM;
  for (int i = 0; i < r.rows; i++) {
    int64_t tid = db_int(&r, i, 0);
    /* at most GAME_MAX_SKILLS per task, the lowest ids */
    int same = 0;
    for (int j = g->ntask_skills - 1; j >= 0 && g->task_skills[j].task_id == tid; j--) same++;
    if (same >= GAME_MAX_SKILLS) continue;
    g->task_skills[g->ntask_skills++] = (grp_task_skill){tid, db_int(&r, i, 1), db_int(&r, i, 2), db_text(&r, i, 3),
                                                         db_text(&r, i, 4)};
  }
  e = Q(g->x, &r,
        arena_printf(g->a,
                     "SELECT qs.task_id, q.id, q.slug, q.xp_reward, qs.position, (SELECT count(*) FROM quest_steps c "
                     "WHERE c.quest_id = q.id) FROM quest_steps qs JOIN quests q ON q.id = qs.quest_id "
                     "WHERE qs.task_id %s",
                     in),
        dbv_text(list));
  if (e) return e;
  g->steps = arena_alloc(g->a, sizeof *g->steps * (size_t)(r.rows ? r.rows : 1));
  if (!g->steps) return PHEME_SYS_NOMEM;
  for (int i = 0; i < r.rows; i++)
    g->steps[g->nsteps++] = (grp_quest_step){db_int(&r, i, 0), db_int(&r, i, 1), db_int(&r, i, 3), db_text(&r, i, 2),
                                             (int)db_int(&r, i, 4), (int)db_int(&r, i, 5)};
  return PHEME_OK;
}

/* Quest progress of the group's people in the group's quests; the seasons of the awards' times. */
static pheme_err load_progress_seasons(award_group *g) {
  db_result r;
  pheme_err e;
  if (g->nsteps && g->npeople) {
    int64_t *uids = arena_alloc(g->a, sizeof *uids * (size_t)g->npeople),
            *qids = arena_alloc(g->a, sizeof *qids * (size_t)g->nsteps);
    if (!uids || !qids) return PHEME_SYS_NOMEM;
    for (int i = 0; i < g->npeople; i++) uids[i] = g->people[i].id;
    for (int i = 0; i < g->nsteps; i++) qids[i] = g->steps[i].quest_id;
    const char *ul = ids_list(g->x, g->a, uids, g->npeople, NULL), *ql = ids_list(g->x, g->a, qids, g->nsteps, NULL);
    const char *in1 = ids_in(g->x, 1), *in2 = ids_in(g->x, 2);
    if (!ul || !ql || !in1 || !in2) return PHEME_SYS_NOMEM;
    e = Q(g->x, &r,
          arena_printf(g->a,
                       "SELECT quest_id, user_id, steps_done, coalesce(completed_at, 0) FROM quest_progress WHERE "
                       "user_id %s AND quest_id %s",
                       in1, in2),
          dbv_text(ul), dbv_text(ql));
    if (e) return e;
    for (int i = 0; i < r.rows; i++) {
      grp_progress *p = find_progress(g, db_int(&r, i, 0), db_int(&r, i, 1), 1);
      if (!p) return PHEME_SYS_NOMEM;
      p->steps_done = (int)db_int(&r, i, 2);
      p->completed_at = db_int(&r, i, 3);
      p->completed = p->completed_at != 0;
    }
  }
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  for (int i = 0; i < g->noutcomes; i++) {
    if (g->outcomes[i].consumed) continue;
    if (g->outcomes[i].at < lo) lo = g->outcomes[i].at;
    if (g->outcomes[i].at > hi) hi = g->outcomes[i].at;
  }
  if (lo > hi) return PHEME_OK;
  e = Q(g->x, &r,
        "SELECT s.id, coalesce(ss.seed, s.seed), s.starts_at, s.ends_at FROM seasons s LEFT JOIN season_secrets ss "
        "ON ss.season_id = s.id WHERE s.starts_at <= $1 AND s.ends_at > $2 ORDER BY s.starts_at DESC",
        dbv_int(hi), dbv_int(lo));
  if (e) return e;
  g->seasons = arena_zalloc(g->a, sizeof *g->seasons * (size_t)(r.rows ? r.rows : 1));
  if (!g->seasons) return PHEME_SYS_NOMEM;
  for (int i = 0; i < r.rows; i++) {
    grp_season *s = &g->seasons[g->nseasons++];
    s->id = db_int(&r, i, 0);
    s->starts = db_int(&r, i, 2);
    s->ends = db_int(&r, i, 3);
    size_t n = 0;
    const uint8_t *seed = db_blob(&r, i, 1, &n);
    if (seed && n == GAME_SEED_BYTES) {
      memcpy(s->seed, seed, GAME_SEED_BYTES);
      s->has_seed = 1;
    }
  }
  return PHEME_OK;
}

/* The guild an award credits: the task's guild when the person is a member, else the oldest
 * membership. */
static int guild_of(const grp_person *p, int64_t task_guild_id) {
  for (int i = 0; i < p->nguilds; i++)
    if (p->guild_ids[i] == task_guild_id) return i;
  return p->nguilds ? 0 : -1;
}

/* The guilds the awards credit, with their totals (locked on PostgreSQL). */
static pheme_err load_guilds(award_group *g, int64_t now) {
  int64_t *ids = arena_alloc(g->a, sizeof *ids * (size_t)(g->noutcomes ? g->noutcomes : 1));
  if (!ids) return PHEME_SYS_NOMEM;
  int k = 0;
  for (int i = 0; i < g->noutcomes; i++) {
    grp_outcome *o = &g->outcomes[i];
    grp_person *p = o->consumed ? NULL : find_person(g, o->user_id);
    int m = p ? guild_of(p, o->task_guild_id) : -1;
    if (m >= 0) ids[k++] = p->guild_ids[m];
  }
  const char *list = ids_list(g->x, g->a, ids, k, &g->nguilds);
  if (!list) return PHEME_SYS_NOMEM;
  if (!g->nguilds) return PHEME_OK;
  g->guilds = arena_zalloc(g->a, sizeof *g->guilds * (size_t)g->nguilds);
  if (!g->guilds) return PHEME_SYS_NOMEM;
  qsort(ids, (size_t)k, sizeof *ids, cmp_i64);
  for (int i = 0, m = 0; i < k; i++)
    if (i == 0 || ids[i] != ids[i - 1]) g->guilds[m++].id = ids[i];
  db_result r;
  pheme_err e = read_totals(g, "guild_xp", "guild_id", "0", list, now, &r);
  if (e) return e;
  for (int i = 0; i < r.rows; i++) {
    grp_guild *gu = find_guild(g, db_int(&r, i, 0));
    if (!gu) continue;
    gu->xp = db_int(&r, i, 1);
    gu->level = (int)db_int(&r, i, 2);
  }
  return PHEME_OK;
}

/* The view of award aw as it stands after the group's earlier awards. */
static pheme_err make_view(award_group *g, grp_award *aw, arena *ja, game_award_view *v) {
  grp_outcome *o = aw->o;
  memset(v, 0, sizeof *v);
  v->submission_id = o->sid;
  v->user_id = o->user_id;
  v->task_id = o->task_id;
  v->final_score = o->score;
  v->approved_at = o->at;
  v->consumed = o->consumed;
  v->task_xp = o->task_xp;
  v->difficulty = o->difficulty;
  v->task_guild_id = o->task_guild_id;
  if (v->consumed) return PHEME_OK;
  grp_person *p = aw->p;
  v->utc_offset_min = p->offset_min;
  v->total_xp = p->xp;
  v->level = p->level;
  v->streak_current = p->streak_current;
  v->streak_longest = p->streak_longest;
  v->streak_last_day = p->streak_last_day;
  v->streak_grace_day = p->streak_grace_day;
  for (int i = 0; i < g->ntask_skills; i++) {
    const grp_task_skill *t = &g->task_skills[i];
    if (t->task_id != o->task_id) continue;
    game_skill_in *k = &v->skills[v->nskills++];
    grp_skill *s = person_skill(g, p, t->id, 0), *ps = t->parent_id ? person_skill(g, p, t->parent_id, 0) : NULL;
    grp_domain *d = person_domain(g, p, t->domain, 0);
    /* the plan keeps the domain's name (game_domain_total): it must outlive the group's memory */
    *k = (game_skill_in){t->id, t->parent_id, t->slug, arena_strdup(ja, t->domain), s ? s->xp : 0, s ? s->level : 0,
                         ps ? ps->xp : 0, ps ? ps->level : 0, d ? d->xp : 0};
    if (!k->domain) return PHEME_SYS_NOMEM;
  }
  int m = guild_of(p, o->task_guild_id);
  if (m >= 0) {
    grp_guild *gu = find_guild(g, p->guild_ids[m]);
    v->guild_id = p->guild_ids[m];
    v->guild_slug = p->guild_slugs[m];
    v->guild_xp = gu ? gu->xp : 0;
    v->guild_level = gu ? gu->level : 0;
  }
  for (int i = 0; i < g->nseasons; i++) {
    const grp_season *s = &g->seasons[i];
    if (s->starts > o->at || s->ends <= o->at) continue;
    v->season_id = s->id;
    memcpy(v->seed, s->seed, GAME_SEED_BYTES);
    v->has_seed = s->has_seed;
    break;
  }
  for (int i = 0; i < g->nsteps; i++) {
    const grp_quest_step *q = &g->steps[i];
    if (q->task_id != o->task_id) continue;
    grp_progress *pr = find_progress(g, q->quest_id, p->id, 0);
    v->quest_id = q->quest_id;
    v->quest_slug = q->slug;
    v->quest_xp = q->xp;
    v->quest_position = q->position;
    v->quest_steps = q->steps;
    v->quest_steps_done = pr ? pr->steps_done : 0;
    v->quest_completed = pr ? pr->completed : 0;
    break;
  }
  aw->guild_id = v->guild_id;
  aw->season_id = v->season_id;
  aw->quest_id = v->quest_id;
  aw->quest_steps_before = v->quest_steps_done;
  return PHEME_OK;
}

/* Carries a written plan into the group's memory: the next award of the person starts from it. */
static pheme_err apply_plan(award_group *g, grp_award *aw, game_award_plan *pl, int64_t now) {
  grp_person *p = aw->p;
  aw->o->consumed = 1;
  p->awarded = 1;
  p->xp = pl->total_xp;
  if (pl->level) p->level = pl->level;
  p->streak_current = pl->streak_current;
  p->streak_longest = pl->streak_longest;
  p->streak_last_day = pl->streak_last_day;
  p->streak_grace_day = pl->streak_grace_day;
  for (int i = 0; i < pl->nskills; i++) {
    grp_skill *s = person_skill(g, p, pl->skills[i].skill_id, 1);
    if (!s) return PHEME_SYS_NOMEM;
    s->xp = pl->skills[i].xp;
    s->level = pl->skills[i].level;
    s->dirty = 1;
  }
  for (int i = 0; i < pl->ndomains; i++) {
    grp_domain *d = person_domain(g, p, pl->domains[i].domain, 1);
    if (!d) return PHEME_SYS_NOMEM;
    d->xp = pl->domains[i].xp;
    d->dirty = 1;
  }
  for (int i = 0; i < pl->nrows; i++) pl->rows[i].counts = counts_to_total(pl->rows[i].reason);
  if (aw->guild_id) {
    grp_guild *gu = find_guild(g, aw->guild_id);
    if (!gu) return PHEME_SYS_INTERNAL;
    gu->xp = pl->guild_xp;
    gu->level = pl->guild_level;
    gu->dirty = 1;
    int found = 0;
    for (int i = 0; i < g->nmembers && !found; i++)
      if (g->members[i].guild_id == aw->guild_id && g->members[i].user_id == p->id) {
        g->members[i].delta += pl->guild_member_delta;
        found = 1;
      }
    if (!found) g->members[g->nmembers++] = (grp_member){aw->guild_id, p->id, pl->guild_member_delta};
    for (int i = 0; i < pl->nguild_achievements; i++) {
      if (grow(g->a, (void **)&g->achievements, g->nach, &g->capach, sizeof *g->achievements)) return PHEME_SYS_NOMEM;
      g->achievements[g->nach++] = (grp_achievement){aw->guild_id, pl->guild_achievements[i], now};
    }
  }
  if (aw->quest_id && pl->quest_steps_done != aw->quest_steps_before) {
    grp_progress *pr = find_progress(g, aw->quest_id, p->id, 1);
    if (!pr) return PHEME_SYS_NOMEM;
    pr->steps_done = pl->quest_steps_done;
    pr->completed = pl->quest_completed;
    pr->completed_at = pl->quest_completed ? now : 0;
    pr->dirty = 1;
  }
  return PHEME_OK;
}

/* Appends the dbv of one row to a row-major array. */
#define ROW(args, n, cols, ...)                                          \
  do {                                                                   \
    const dbv row_[] = {__VA_ARGS__};                                    \
    memcpy(&(args)[(size_t)(n) * (cols)], row_, sizeof row_);            \
    (n)++;                                                               \
  } while (0)

#define LEDGER_HEAD                                                                                \
  "INSERT INTO xp_ledger (user_id, skill_id, guild_id, season_id, amount, reason, submission_id, rule, " \
  "detail, at)"

/* Appends `"name":[a,b,…]` of the ids to o, which has room for end - o bytes; returns the new
 * end of the text (or end, truncated: callers size o for 21 bytes an id). */
static char *ids_json(char *o, char *end, const char *name, const int64_t *ids, int n) {
  o += snprintf(o, (size_t)(end - o), "\"%s\":[", name);
  for (int i = 0; i < n && o < end; i++) o += snprintf(o, (size_t)(end - o), i ? ",%lld" : "%lld", (long long)ids[i]);
  return o < end ? o + snprintf(o, (size_t)(end - o), "]") : end;
}

/* The follow-up jobs of the group's awards that ask for them (write_group). */
static pheme_err enqueue_followups(award_group *g, const grp_award *awards, game_award_job **jobs, int n) {
  int64_t *users = arena_alloc(g->a, sizeof *users * (size_t)n), *subs = arena_alloc(g->a, sizeof *subs * (size_t)n),
          *people = arena_alloc(g->a, sizeof *people * (size_t)n), at = 0;
  if (!users || !subs || !people) return PHEME_SYS_NOMEM;
  int m = 0, np = 0;
  for (int i = 0; i < n; i++) {
    if (!jobs[i]->plan.write || !jobs[i]->plan.enqueue_followups) continue;
    users[m] = awards[i].o->user_id;
    subs[m++] = awards[i].o->sid;
    int seen = 0;
    for (int j = 0; j < np && !seen; j++) seen = people[j] == awards[i].o->user_id;
    if (!seen) people[np++] = awards[i].o->user_id;
    if (!at) at = jobs[i]->now_ms;
  }
  if (!m) return PHEME_OK;
  const char *p1, *p2;
  if (m == 1) {
    p1 = arena_printf(g->a, "{\"user_id\":%lld,\"submission_id\":%lld}", (long long)users[0], (long long)subs[0]);
    p2 = arena_printf(g->a, "{\"user_id\":%lld}", (long long)users[0]);
  } else {
    size_t n1 = (size_t)m * 42 + 64, n2 = (size_t)np * 21 + 32;
    char *o1 = arena_alloc(g->a, n1), *o2 = arena_alloc(g->a, n2), *e1 = o1 + n1, *e2 = o2 + n2;
    if (!o1 || !o2) return PHEME_SYS_NOMEM;
    p1 = o1;
    p2 = o2;
    *o1++ = '{';
    o1 = ids_json(o1, e1, "user_ids", users, m);
    o1 += snprintf(o1, (size_t)(e1 - o1), ",");
    o1 = ids_json(o1, e1, "submission_ids", subs, m);
    snprintf(o1, (size_t)(e1 - o1), "}");
    *o2++ = '{';
    o2 = ids_json(o2, e2, "user_ids", people, np);
    snprintf(o2, (size_t)(e2 - o2), "}");
  }
  if (!p1 || !p2) return PHEME_SYS_NOMEM;
  job_request rq[2] = {{.kind = "game.badges", .payload = p1, .run_at = at},
                       {.kind = "reputation.update", .payload = p2, .run_at = at}};
  return jobs_enqueue_many_formed_in(g->x, rq, 2, jobs[n - 1]->now_ms); /* our own payloads */
}

/* Writes what the group's awards decided: ledger rows, totals, streaks, quest progress, guild
 * achievements, events, follow-up jobs, and the outcomes consumed. */
static pheme_err write_group(award_group *g, grp_award *awards, game_award_job **jobs, int n) {
  sx *x = g->x;
  int nrows = 0, nevents = 0, nawarded = 0;
  for (int i = 0; i < n; i++) {
    if (!jobs[i]->plan.write) continue;
    nrows += jobs[i]->plan.nrows;
    nevents += jobs[i]->plan.nevents;
    nawarded++;
  }
  if (!nawarded) return PHEME_OK;
  /* one array for every statement's arguments: as large as the largest */
  size_t most = (size_t)nrows * 10, k7 = (size_t)nevents * 7;
  if (k7 > most) most = k7;
  if ((size_t)g->npeople * 6 > most) most = (size_t)g->npeople * 6;
  if ((size_t)g->nguilds * 4 > most) most = (size_t)g->nguilds * 4;
  if ((size_t)g->nmembers * 3 > most) most = (size_t)g->nmembers * 3;
  size_t nskills = 0, ndomains = 0;
  for (int i = 0; i < g->npeople; i++) {
    nskills += (size_t)g->people[i].nskills;
    ndomains += (size_t)g->people[i].ndomains;
  }
  if (nskills * 5 > most) most = nskills * 5;
  if (ndomains * 3 > most) most = ndomains * 3;
  dbv *args = arena_alloc(g->a, sizeof *args * (most + 1));
  if (!args) return PHEME_SYS_NOMEM;
  int k = 0;
  for (int i = 0; i < n; i++) {
    const game_award_plan *pl = &jobs[i]->plan;
    const grp_award *aw = &awards[i];
    for (int j = 0; pl->write && j < pl->nrows; j++) {
      const game_row *r = &pl->rows[j];
      ROW(args, k, 10, dbv_int(aw->o->user_id), r->skill_id ? dbv_int(r->skill_id) : dbv_null(),
          r->counts && aw->guild_id ? dbv_int(aw->guild_id) : dbv_null(),
          r->counts && aw->season_id ? dbv_int(aw->season_id) : dbv_null(), dbv_int(r->amount), dbv_text(r->reason),
          dbv_int(aw->o->sid), dbv_text(r->rule ? r->rule : ""), dbv_text(r->detail ? r->detail : "{}"),
          dbv_int(jobs[i]->now_ms));
    }
  }
  pheme_err e = sx_insert_rows(x, LEDGER_HEAD, "", 10, args, k);
  /* the totals: each person's, skills' and domains' last values, once */
  int64_t now = jobs[n - 1]->now_ms;
  k = 0;
  for (int i = 0; i < g->npeople; i++)
    if (g->people[i].awarded) ROW(args, k, 4, dbv_int(g->people[i].id), dbv_int(g->people[i].xp), dbv_text(g->people[i].level), dbv_int(now));
  if (!e)
    e = sx_insert_rows(x, "INSERT INTO user_xp (user_id, xp, level, updated_at)",
                    " ON CONFLICT (user_id) DO UPDATE SET xp = excluded.xp, level = excluded.level, "
                    "updated_at = excluded.updated_at",
                    4, args, k);
  k = 0;
  for (int i = 0; i < g->npeople; i++) {
    const grp_person *p = &g->people[i];
    if (p->awarded)
      ROW(args, k, 6, dbv_int(p->id), dbv_int(p->streak_current), dbv_int(p->streak_longest), dbv_int(p->streak_last_day),
          dbv_int(p->streak_grace_day), dbv_int(now));
  }
  if (!e)
    e = sx_insert_rows(x, "INSERT INTO streaks (user_id, current, longest, last_day, grace_day, updated_at)",
                    " ON CONFLICT (user_id) DO UPDATE SET current = excluded.current, longest = excluded.longest, "
                    "last_day = excluded.last_day, grace_day = excluded.grace_day, updated_at = excluded.updated_at",
                    6, args, k);
  /* skills and domains of every person */
  k = 0;
  for (int i = 0; i < g->npeople; i++) {
    const grp_person *p = &g->people[i];
    for (int j = 0; j < p->nskills; j++)
      if (p->skills[j].dirty)
        ROW(args, k, 5, dbv_int(p->id), dbv_int(p->skills[j].skill_id), dbv_int(p->skills[j].xp),
            dbv_int(p->skills[j].level), dbv_int(now));
  }
  if (!e)
    e = sx_insert_rows(x, "INSERT INTO skill_levels (user_id, skill_id, xp, level, last_validated)",
                       " ON CONFLICT (user_id, skill_id) DO UPDATE SET xp = excluded.xp, level = excluded.level, "
                       "last_validated = excluded.last_validated",
                       5, args, k);
  k = 0;
  for (int i = 0; i < g->npeople; i++) {
    const grp_person *p = &g->people[i];
    for (int j = 0; j < p->ndomains; j++)
      if (p->domains[j].dirty) ROW(args, k, 3, dbv_int(p->id), dbv_text(p->domains[j].domain), dbv_int(p->domains[j].xp));
  }
  if (!e)
    e = sx_insert_rows(x, "INSERT INTO domain_xp (user_id, domain, xp)",
                       " ON CONFLICT (user_id, domain) DO UPDATE SET xp = excluded.xp", 3, args, k);
  k = 0;
  for (int i = 0; i < g->nguilds; i++)
    if (g->guilds[i].dirty) ROW(args, k, 4, dbv_int(g->guilds[i].id), dbv_int(g->guilds[i].xp), dbv_int(g->guilds[i].level), dbv_int(now));
  if (!e)
    e = sx_insert_rows(x, "INSERT INTO guild_xp (guild_id, xp, level, updated_at)",
                    " ON CONFLICT (guild_id) DO UPDATE SET xp = excluded.xp, level = excluded.level, "
                    "updated_at = excluded.updated_at",
                    4, args, k);
  k = 0;
  for (int i = 0; i < g->nmembers; i++)
    ROW(args, k, 3, dbv_int(g->members[i].guild_id), dbv_int(g->members[i].user_id), dbv_int(g->members[i].delta));
  if (!e)
    e = sx_insert_rows(x, "INSERT INTO guild_member_xp (guild_id, user_id, xp)",
                    " ON CONFLICT (guild_id, user_id) DO UPDATE SET xp = guild_member_xp.xp + excluded.xp", 3, args, k);
  for (int i = 0; !e && i < g->nach; i++)
    e = Q(x, NULL,
          "INSERT INTO guild_achievements (guild_id, slug, reached_at) VALUES ($1, $2, $3) "
          "ON CONFLICT (guild_id, slug) DO NOTHING",
          dbv_int(g->achievements[i].guild_id), dbv_text(g->achievements[i].slug), dbv_int(g->achievements[i].at));
  for (int i = 0; !e && i < g->nprogress; i++) {
    const grp_progress *pr = &g->progress[i];
    if (!pr->dirty) continue;
    e = Q(x, NULL,
          "INSERT INTO quest_progress (quest_id, user_id, steps_done, completed_at, updated_at) VALUES "
          "($1, $2, $3, $4, $5) ON CONFLICT (quest_id, user_id) DO UPDATE SET steps_done = "
          "excluded.steps_done, completed_at = excluded.completed_at, updated_at = excluded.updated_at",
          dbv_int(pr->quest_id), dbv_int(pr->user_id), dbv_int(pr->steps_done),
          pr->completed_at ? dbv_int(pr->completed_at) : dbv_null(), dbv_int(now));
  }
  /* events, in the awards' order (sx_event's columns) */
  k = 0;
  for (int i = 0; i < n; i++) {
    const game_award_plan *pl = &jobs[i]->plan;
    for (int j = 0; pl->write && j < pl->nevents; j++) {
      const game_event *ev = &pl->events[j];
      ROW(args, k, 7, dbv_text(ev->kind), dbv_int(awards[i].o->user_id), dbv_int(ev->is_public ? 1 : 0),
          dbv_text(ev->subject_type ? ev->subject_type : ""), ev->subject_id ? dbv_int(ev->subject_id) : dbv_null(),
          dbv_text(ev->data ? ev->data : "{}"), dbv_int(jobs[i]->now_ms));
    }
  }
  if (!e && k) {
    x->wrote_event = 1;
    e = sx_insert_rows(x, "INSERT INTO events (kind, user_id, public, subject_type, subject_id, data, at)", "", 7, args, k);
  }
  /* the follow-up jobs: badge rules and the people's reputation (src/reputation:
   * reputation.update), one of each for the group's awards (jobs_payload_people, jobs/jobs.h):
   * a job row with its five indexes per award and kind was a tenth of the award's PostgreSQL
   * CPU. An award alone keeps the one-person payloads. The Skill Wallet's progress is enqueued by
   * the badge job once the badges are decided, when a chain is configured (game/badges.h): a
   * progress job of the award's own would do nothing without a chain and the same work twice
   * with one. */
  if (!e) e = enqueue_followups(g, awards, jobs, n);
  /* the outcomes consumed: every one of them, or none (another transaction took one) */
  for (int i = 0; !e && i < n;) {
    int64_t at = jobs[i]->now_ms, *sids = arena_alloc(g->a, sizeof *sids * (size_t)n);
    if (!sids) return PHEME_SYS_NOMEM;
    int m = 0, j = i;
    for (; j < n && jobs[j]->now_ms == at; j++)
      if (jobs[j]->plan.write) sids[m++] = awards[j].o->sid;
    int distinct = 0;
    const char *list = ids_list(g->x, g->a, sids, m, &distinct), *in = ids_in(x, 2);
    if (!list || !in) return PHEME_SYS_NOMEM;
    db_result r;
    if (distinct)
      e = Q(x, &r,
            arena_printf(g->a, "UPDATE outcomes SET consumed_at = $1 WHERE submission_id %s AND consumed_at IS NULL "
                               "RETURNING 1", in),
            dbv_int(at), dbv_text(list));
    if (!e && distinct && r.rows != distinct) e = PHEME_DATA_STATE;
    i = j;
  }
  return e;
}

/* Runs the awards jobs[0..n) in x (see the section comment). When one award fails on its own (no
 * outcome, no person, its decide callback, its claim), *failed is its index; when the group's
 * writes fail, -1. */
static pheme_err award_run(sx *x, game_award_job **jobs, int n, int *failed) {
  *failed = -1;
  arena *saved = x->a;
  x->a = &x->scratch; /* the group's memory; each plan's texts live in its job's arena */
  award_group g = {.x = x, .a = x->a};
  grp_award *awards = arena_zalloc(g.a, sizeof *awards * (size_t)n);
  pheme_err e = awards ? load_outcomes(&g, jobs, n) : PHEME_SYS_NOMEM;
  for (int i = 0; !e && i < n; i++) {
    game_award_plan_init(&jobs[i]->plan);
    awards[i].o = find_outcome(&g, jobs[i]->submission_id);
    if (!awards[i].o) {
      *failed = i;
      e = PHEME_DATA_NOT_FOUND;
    }
  }
  if (!e) e = load_tasks(&g);
  int64_t missing = 0;
  if (!e) e = load_people(&g, jobs[0]->now_ms, &missing);
  for (int i = 0; !e && missing && i < n; i++)
    if (awards[i].o->user_id == missing && !awards[i].o->consumed) {
      *failed = i;
      e = PHEME_DATA_NOT_FOUND;
    }
  g.members = e ? NULL : arena_alloc(g.a, sizeof *g.members * (size_t)n);
  if (!e && !g.members) e = PHEME_SYS_NOMEM;
  if (!e) e = load_guilds(&g, jobs[0]->now_ms);
  /* every row lock of the group is taken (outcomes, people's totals, guilds): the next batch of
   * the other committer may start (store/batch.c); where it shares a row with this one, it waits
   * for this commit, so a person's awards apply in the order they were queued */
  sx_pass_turn(x);
  if (!e) e = load_progress_seasons(&g);
  for (int i = 0; !e && i < n; i++) {
    grp_award *aw = &awards[i];
    aw->p = aw->o->consumed ? NULL : find_person(&g, aw->o->user_id);
    game_award_view v;
    e = make_view(&g, aw, jobs[i]->j.a ? jobs[i]->j.a : g.a, &v);
    if (!e) e = jobs[i]->fn(&v, &jobs[i]->plan, jobs[i]->ctx);
    if (e) {
      *failed = i;
      break;
    }
    if (!jobs[i]->plan.write || v.consumed) jobs[i]->plan.write = 0;
    else e = apply_plan(&g, aw, &jobs[i]->plan, jobs[i]->now_ms);
  }
  if (!e) e = write_group(&g, awards, jobs, n);
  for (int i = 0; !e && i < n; i++)
    if (jobs[i]->claim && (e = jobs_complete_in(x, jobs[i]->claim, jobs[i]->now_ms))) *failed = i;
  x->a = saved;
  return e;
}

static pheme_err award_work_group(struct sx *x, store_job **jobs, int n, int *failed) {
  return award_run(x, (game_award_job **)jobs, n, failed);
}

static pheme_err award_work(struct sx *x, store_job *j) {
  game_award_job *aw = (game_award_job *)j;
  int failed;
  return award_run(x, &aw, 1, &failed);
}

void game_award_job_init(game_award_job *aw, arena *a, int64_t submission_id, int64_t now_ms,
                         game_decide_fn fn, void *ctx) {
  memset(aw, 0, sizeof *aw);
  aw->j.work = award_work;
  aw->j.work_group = award_work_group;
  aw->j.a = a;
  aw->submission_id = submission_id;
  aw->now_ms = now_ms;
  aw->fn = fn;
  aw->ctx = ctx;
}

/* An award handed to the group committer, and the caller waiting for it. */
typedef struct {
  game_award_job aw; /* first */
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int finished;
} award_wait;

static void award_waited(store_job *j) {
  award_wait *w = (award_wait *)j;
  pthread_mutex_lock(&w->mu);
  w->finished = 1;
  pthread_cond_signal(&w->cv);
  pthread_mutex_unlock(&w->mu);
}

/* Through the group committer: the award jobs that several workers run at one time share a
 * transaction (and its reads and writes, award_run) instead of queueing for the writer one by
 * one. */
pheme_err store_game_award(store *s, arena *a, int64_t submission_id, const job_claim *claim,
                           int64_t now_ms, game_decide_fn fn, void *ctx, game_award_plan *plan) {
  award_wait w;
  game_award_job_init(&w.aw, a, submission_id, now_ms, fn, ctx);
  w.aw.claim = claim;
  w.aw.j.done = award_waited;
  w.finished = 0;
  pthread_mutex_init(&w.mu, NULL);
  pthread_cond_init(&w.cv, NULL);
  store_job_submit(s, &w.aw.j);
  pthread_mutex_lock(&w.mu);
  while (!w.finished) pthread_cond_wait(&w.cv, &w.mu);
  pthread_mutex_unlock(&w.mu);
  pthread_mutex_destroy(&w.mu);
  pthread_cond_destroy(&w.cv);
  if (!w.aw.j.err && plan) *plan = w.aw.plan;
  return w.aw.j.err;
}

pheme_err store_game_unconsumed(store *s, arena *a, int64_t before_ms, int limit, int64_t **ids, int *n) {
  sx x;
  *n = 0;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r,
        "SELECT submission_id FROM outcomes WHERE consumed_at IS NULL AND created_at < $1 "
        "ORDER BY created_at, submission_id LIMIT $2",
        dbv_int(before_ms), dbv_int(limit));
  if (!e) {
    *ids = arena_alloc(a, sizeof **ids * (size_t)(r.rows ? r.rows : 1));
    if (!*ids) e = PHEME_SYS_NOMEM;
    for (int i = 0; !e && i < r.rows; i++) (*ids)[i] = db_int(&r, i, 0);
    if (!e) *n = r.rows;
  }
  sx_end(&x);
  return e;
}

/* ---- rebuilding ---- */

/* The whole-table reads of the rebuild and the totals' dump: 1 MiB refused a ledger of 20,000
 * awards (14,000 skill rows); these are operator commands over everything. */
#define GAME_WHOLE_TABLES_MAX ((size_t)1 << 30)

pheme_err store_game_rebuild(store *s, const game_levels *lv, int64_t now_ms, int64_t *people) {
  arena a;
  arena_init(&a, GAME_WHOLE_TABLES_MAX);
  sx x;
  pheme_err e = sx_write(s, &a, &x);
  if (e) {
    arena_release(&a);
    return e;
  }
  db_result r;
  e = Q0(&x, NULL, "DELETE FROM user_xp");
  if (!e)
    e = Q(&x, NULL,
          "INSERT INTO user_xp (user_id, xp, level, updated_at) SELECT user_id, sum(CASE WHEN "
          GAME_REASON_COUNTS_TO_TOTAL " THEN amount ELSE 0 END), 'NOVICE', $1 FROM xp_ledger GROUP BY user_id",
          dbv_int(now_ms));
  if (!e) e = Q0(&x, &r, "SELECT user_id, xp FROM user_xp");
  if (!e && people) *people = r.rows;
  for (int i = 0; !e && i < r.rows; i++)
    e = Q(&x, NULL, "UPDATE user_xp SET level = $1 WHERE user_id = $2", dbv_text(lv->user_level(db_int(&r, i, 1))),
          dbv_int(db_int(&r, i, 0)));
  /* skills: rows the ledger speaks of are recomputed; others (seeded levels) are left alone */
  if (!e)
    e = Q0(&x, NULL,
           "INSERT INTO skill_levels (user_id, skill_id, xp, level) SELECT DISTINCT user_id, skill_id, 0, 0 "
           "FROM xp_ledger WHERE skill_id IS NOT NULL AND reason IN ('task', 'parent_share') "
           "ON CONFLICT (user_id, skill_id) DO NOTHING");
  if (!e)
    e = Q0(&x, &r,
           "SELECT user_id, skill_id, CAST(sum(amount) AS BIGINT) FROM xp_ledger WHERE skill_id IS NOT NULL AND "
           "reason IN ('task', 'parent_share') GROUP BY user_id, skill_id");
  for (int i = 0; !e && i < r.rows; i++) {
    int64_t xp = db_int(&r, i, 2);
    e = Q(&x, NULL, "UPDATE skill_levels SET xp = $1, level = $2 WHERE user_id = $3 AND skill_id = $4",
          dbv_int(xp), dbv_int(lv->skill_level(xp, lv->ctx)), dbv_int(db_int(&r, i, 0)), dbv_int(db_int(&r, i, 1)));
  }
  if (!e) e = Q0(&x, NULL, "DELETE FROM domain_xp");
  if (!e)
    e = Q0(&x, NULL,
           "INSERT INTO domain_xp (user_id, domain, xp) SELECT user_id, substr(rule, 8), sum(amount) "
           "FROM xp_ledger WHERE reason = 'domain_share' GROUP BY user_id, substr(rule, 8)");
  if (!e) e = Q0(&x, NULL, "DELETE FROM guild_member_xp");
  if (!e)
    e = Q0(&x, NULL,
           "INSERT INTO guild_member_xp (guild_id, user_id, xp) SELECT guild_id, user_id, sum(amount) "
           "FROM xp_ledger WHERE guild_id IS NOT NULL AND " GAME_REASON_COUNTS_TO_TOTAL " GROUP BY guild_id, user_id");
  if (!e) e = Q0(&x, NULL, "DELETE FROM guild_xp");
  if (!e)
    e = Q(&x, NULL,
          "INSERT INTO guild_xp (guild_id, xp, level, updated_at) SELECT guild_id, sum(amount), 0, $1 "
          "FROM xp_ledger WHERE guild_id IS NOT NULL AND " GAME_REASON_COUNTS_TO_TOTAL " GROUP BY guild_id",
          dbv_int(now_ms));
  if (!e) e = Q0(&x, &r, "SELECT guild_id, xp FROM guild_xp");
  for (int i = 0; !e && i < r.rows; i++)
    e = Q(&x, NULL, "UPDATE guild_xp SET level = $1 WHERE guild_id = $2",
          dbv_int(lv->guild_level(db_int(&r, i, 1), lv->ctx)), dbv_int(db_int(&r, i, 0)));
  store_actor sys = {0, ""};
  if (!e) e = sx_audit(&x, &sys, "game.rebuild", "ledger", 0, NULL);
  if (!e) e = sx_event(&x, "game.rebuilt", 0, 0, "", 0, NULL, now_ms);
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  arena_release(&a);
  return e;
}

static pheme_err dump(sx *x, buf *b, const char *tag, const char *sql, int cols) {
  db_result r;
  pheme_err e = Q0(x, &r, sql);
  for (int i = 0; !e && i < r.rows; i++) {
    if (buf_adds(b, tag)) return PHEME_SYS_NOMEM;
    for (int c = 0; c < cols; c++) {
      const dbv *v = db_cell(&r, i, c);
      int bad = v->type == DBV_TEXT ? buf_printf(b, " %s", db_text(&r, i, c))
                                    : buf_printf(b, " %lld", (long long)db_int(&r, i, c));
      if (bad) return PHEME_SYS_NOMEM;
    }
    if (buf_adds(b, "\n")) return PHEME_SYS_NOMEM;
  }
  return e;
}

pheme_err store_game_totals_text(store *s, arena *a, const char **out) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  e = sx_snapshot(&x);
  buf b;
  buf_init(&b, GAME_WHOLE_TABLES_MAX);
  if (!e) e = dump(&x, &b, "u", "SELECT user_id, xp, level FROM user_xp WHERE xp <> 0 ORDER BY user_id", 3);
  if (!e)
    e = dump(&x, &b, "s",
             "SELECT user_id, skill_id, xp, level FROM skill_levels WHERE xp <> 0 ORDER BY user_id, skill_id", 4);
  if (!e) e = dump(&x, &b, "d", "SELECT user_id, domain, xp FROM domain_xp WHERE xp <> 0 ORDER BY user_id, domain", 3);
  if (!e) e = dump(&x, &b, "g", "SELECT guild_id, xp, level FROM guild_xp WHERE xp <> 0 ORDER BY guild_id", 3);
  if (!e)
    e = dump(&x, &b, "m",
             "SELECT guild_id, user_id, xp FROM guild_member_xp WHERE xp <> 0 ORDER BY guild_id, user_id", 3);
  sx_end(&x);
  if (!e) {
    *out = arena_strndup(a, b.len ? b.data : "", b.len);
    if (!*out) e = PHEME_SYS_NOMEM;
  }
  buf_release(&b);
  return e;
}

/* ---- reading ---- */

pheme_err store_game_progress(store *s, arena *a, int64_t user_id, game_progress *out) {
  memset(out, 0, sizeof *out);
  out->user_id = user_id;
  out->level = "NOVICE";
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  e = sx_snapshot(&x);
  db_result r;
  if (!e) e = Q(&x, &r, "SELECT utc_offset_min FROM users WHERE id = $1", dbv_int(user_id));
  if (!e && r.rows == 0) e = PHEME_DATA_NOT_FOUND;
  if (!e) out->utc_offset_min = (int)db_int(&r, 0, 0);
  if (!e) e = Q(&x, &r, "SELECT xp, level FROM user_xp WHERE user_id = $1", dbv_int(user_id));
  if (!e && r.rows) {
    out->xp = db_int(&r, 0, 0);
    out->level = db_text(&r, 0, 1);
  }
  if (!e) e = Q(&x, &r, "SELECT current, longest, last_day, grace_day FROM streaks WHERE user_id = $1", dbv_int(user_id));
  if (!e && r.rows) {
    out->streak_current = (int)db_int(&r, 0, 0);
    out->streak_longest = (int)db_int(&r, 0, 1);
    out->streak_last_day = db_int(&r, 0, 2);
    out->streak_grace_day = db_int(&r, 0, 3);
  }
  if (!e)
    e = Q(&x, &r,
          "SELECT k.slug, k.name, k.domain, l.xp, l.level, coalesce(l.last_validated, 0) FROM skill_levels l "
          "JOIN skills k ON k.id = l.skill_id WHERE l.user_id = $1 ORDER BY l.xp DESC, k.slug LIMIT 500",
          dbv_int(user_id));
  if (!e && r.rows) {
    out->skills = arena_zalloc(a, sizeof *out->skills * (size_t)r.rows);
    if (!out->skills) e = PHEME_SYS_NOMEM;
    for (int i = 0; !e && i < r.rows; i++) {
      skill_level *l = &out->skills[i];
      l->slug = db_text(&r, i, 0);
      l->name = db_text(&r, i, 1);
      l->domain = db_text(&r, i, 2);
      l->xp = db_int(&r, i, 3);
      l->level = (int)db_int(&r, i, 4);
      l->last_validated = db_int(&r, i, 5);
    }
    if (!e) out->nskills = r.rows;
  }
  if (!e) e = Q(&x, &r, "SELECT domain, xp FROM domain_xp WHERE user_id = $1 ORDER BY domain", dbv_int(user_id));
  if (!e && r.rows) {
    out->domains = arena_zalloc(a, sizeof *out->domains * (size_t)r.rows);
    if (!out->domains) e = PHEME_SYS_NOMEM;
    for (int i = 0; !e && i < r.rows; i++) {
      out->domains[i].domain = db_text(&r, i, 0);
      out->domains[i].xp = db_int(&r, i, 1);
    }
    if (!e) out->ndomains = r.rows;
  }
  if (!e)
    e = Q(&x, &r,
          "SELECT g.id, g.slug, g.name, coalesce(gx.xp, 0), coalesce(gx.level, 0), coalesce(m.xp, 0) "
          "FROM guild_members gm JOIN guilds g ON g.id = gm.guild_id LEFT JOIN guild_xp gx ON "
          "gx.guild_id = g.id LEFT JOIN guild_member_xp m ON m.guild_id = g.id AND m.user_id = gm.user_id "
          "WHERE gm.user_id = $1 ORDER BY gm.joined_at, g.id LIMIT 100",
          dbv_int(user_id));
  if (!e && r.rows) {
    out->guilds = arena_zalloc(a, sizeof *out->guilds * (size_t)r.rows);
    if (!out->guilds) e = PHEME_SYS_NOMEM;
    for (int i = 0; !e && i < r.rows; i++) {
      struct game_guild_share *g = &out->guilds[i];
      g->guild_id = db_int(&r, i, 0);
      g->slug = db_text(&r, i, 1);
      g->name = db_text(&r, i, 2);
      g->guild_xp = db_int(&r, i, 3);
      g->guild_level = (int)db_int(&r, i, 4);
      g->contributed = db_int(&r, i, 5);
    }
    if (!e) out->nguilds = r.rows;
  }
  sx_end(&x);
  return e;
}

pheme_err store_game_user_xp(store *s, int64_t user_id, int64_t *xp) {
  *xp = 0;
  arena a;
  arena_init(&a, 1024);
  sx x;
  pheme_err e = sx_read(s, &a, &x);
  if (e) {
    arena_release(&a);
    return e;
  }
  db_result r;
  e = Q(&x, &r, "SELECT xp FROM user_xp WHERE user_id = $1", dbv_int(user_id));
  if (!e && r.rows) *xp = db_int(&r, 0, 0);
  sx_end(&x);
  arena_release(&a);
  return e;
}

pheme_err store_game_set_offset(store *s, const store_actor *who, int64_t user_id, int offset_min) {
  if (offset_min < -720 || offset_min > 840) return PHEME_DATA_INVALID;
  arena a;
  arena_init(&a, 4096);
  sx x;
  pheme_err e = sx_write(s, &a, &x);
  db_result r;
  if (!e) e = Q(&x, &r, "UPDATE users SET utc_offset_min = $1 WHERE id = $2 RETURNING id", dbv_int(offset_min),
                dbv_int(user_id));
  if (!e && r.rows == 0) e = PHEME_DATA_NOT_FOUND;
  char detail[48];
  snprintf(detail, sizeof detail, "{\"utc_offset_min\":%d}", offset_min);
  if (!e) e = sx_audit(&x, who, "user.time_zone", "user", user_id, detail);
  if (!e) e = sx_event(&x, "user.time_zone", user_id, 0, "user", user_id, detail, time_now_ms());
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  arena_release(&a);
  return e;
}

pheme_err store_game_ledger(store *s, arena *a, int64_t user_id, int64_t before, int limit,
                            game_ledger_row **out, int *n) {
  *n = 0;
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r,
        "SELECT id, user_id, coalesce(skill_id, 0), coalesce(guild_id, 0), coalesce(season_id, 0), amount, "
        "coalesce(submission_id, 0), at, reason, rule, detail FROM xp_ledger WHERE user_id = $1 AND id < $2 "
        "ORDER BY id DESC LIMIT $3",
        dbv_int(user_id), dbv_int(before > 0 ? before : INT64_MAX), dbv_int(limit));
  if (!e) {
    *out = arena_zalloc(a, sizeof **out * (size_t)(r.rows ? r.rows : 1));
    if (!*out) e = PHEME_SYS_NOMEM;
  }
  for (int i = 0; !e && i < r.rows; i++) {
    game_ledger_row *l = &(*out)[i];
    l->id = db_int(&r, i, 0);
    l->user_id = db_int(&r, i, 1);
    l->skill_id = db_int(&r, i, 2);
    l->guild_id = db_int(&r, i, 3);
    l->season_id = db_int(&r, i, 4);
    l->amount = db_int(&r, i, 5);
    l->submission_id = db_int(&r, i, 6);
    l->at = db_int(&r, i, 7);
    l->reason = db_text(&r, i, 8);
    l->rule = db_text(&r, i, 9);
    l->detail = db_text(&r, i, 10);
  }
  if (!e) *n = r.rows;
  sx_end(&x);
  return e;
}

/* ---- seasons ---- */

#define SEASON_COLS "id, slug, name, starts_at, ends_at, seed_hash, seed, created_at"

static void read_season(const db_result *r, int i, game_season *g) {
  memset(g, 0, sizeof *g);
  g->id = db_int(r, i, 0);
  g->slug = db_text(r, i, 1);
  g->name = db_text(r, i, 2);
  g->starts_at = db_int(r, i, 3);
  g->ends_at = db_int(r, i, 4);
  size_t n = 0;
  const uint8_t *h = db_blob(r, i, 5, &n);
  if (h && n == 32) memcpy(g->seed_hash, h, 32);
  h = db_blob(r, i, 6, &n);
  if (h && n == 32) {
    memcpy(g->seed, h, 32);
    g->revealed = 1;
  }
  g->created_at = db_int(r, i, 7);
}

pheme_err store_season_create(store *s, arena *a, const store_actor *who, game_season *io, const uint8_t seed[32]) {
  if (io->ends_at <= io->starts_at) return PHEME_DATA_INVALID;
  sx x;
  pheme_err e = sx_write(s, a, &x);
  if (e) return e;
  db_result r;
  int64_t now = time_now_ms();
  e = Q(&x, &r, "SELECT id FROM seasons WHERE ends_at > $1 AND starts_at < $2", dbv_int(io->starts_at),
        dbv_int(io->ends_at));
  if (!e && r.rows) e = PHEME_DATA_CONFLICT;
  if (!e)
    e = QID(&x, &io->id,
            "INSERT INTO seasons (slug, name, starts_at, ends_at, seed_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            dbv_text(io->slug), dbv_text(io->name), dbv_int(io->starts_at), dbv_int(io->ends_at),
            dbv_blob(io->seed_hash, 32), dbv_int(now));
  if (!e)
    e = Q(&x, NULL, "INSERT INTO season_secrets (season_id, seed) VALUES ($1, $2)", dbv_int(io->id), dbv_blob(seed, 32));
  char hex[65], *data = NULL;
  bytes_to_hex(hex, io->seed_hash, 32);
  if (!e) {
    data = arena_printf(x.a, "{\"season_id\":%lld,\"seed_hash\":\"0x%s\"}", (long long)io->id, hex);
    if (!data) e = PHEME_SYS_NOMEM;
  }
  if (!e) e = sx_audit(&x, who, "season.create", "season", io->id, data);
  if (!e) e = sx_event(&x, "season.created", 0, 1, "season", io->id, data, now);
  if (!e) e = Q(&x, &r, "SELECT " SEASON_COLS " FROM seasons WHERE id = $1", dbv_int(io->id));
  if (!e) read_season(&r, 0, io);
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  return e;
}

pheme_err store_seasons_list(store *s, arena *a, game_season **out, int *n) {
  *n = 0;
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  e = Q0(&x, &r, "SELECT " SEASON_COLS " FROM seasons ORDER BY starts_at DESC, id DESC LIMIT 1000");
  if (!e) {
    *out = arena_zalloc(a, sizeof **out * (size_t)(r.rows ? r.rows : 1));
    if (!*out) e = PHEME_SYS_NOMEM;
  }
  for (int i = 0; !e && i < r.rows; i++) read_season(&r, i, &(*out)[i]);
  if (!e) *n = r.rows;
  sx_end(&x);
  return e;
}

pheme_err store_season_get(store *s, arena *a, int64_t id, game_season *out) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r, "SELECT " SEASON_COLS " FROM seasons WHERE id = $1", dbv_int(id));
  if (!e && r.rows == 0) e = PHEME_DATA_NOT_FOUND;
  if (!e) read_season(&r, 0, out);
  sx_end(&x);
  return e;
}

static pheme_err reveal_in(sx *x, const store_actor *who, int64_t id, int force, int64_t now) {
  db_result r;
  pheme_err e = Q(x, &r,
                  "SELECT s.ends_at, s.seed IS NOT NULL, ss.seed FROM seasons s LEFT JOIN season_secrets ss ON "
                  "ss.season_id = s.id WHERE s.id = $1",
                  dbv_int(id));
  if (e) return e;
  if (r.rows == 0) return PHEME_DATA_NOT_FOUND;
  if (db_int(&r, 0, 1)) return PHEME_DATA_STATE;
  if (!force && db_int(&r, 0, 0) > now) return PHEME_DATA_STATE;
  size_t n = 0;
  const uint8_t *seed = db_blob(&r, 0, 2, &n);
  if (!seed || n != 32) return PHEME_DATA_STATE;
  uint8_t copy[32];
  memcpy(copy, seed, 32);
  e = Q(x, NULL, "UPDATE seasons SET seed = $1 WHERE id = $2", dbv_blob(copy, 32), dbv_int(id));
  char hex[65], data[128];
  bytes_to_hex(hex, copy, 32);
  snprintf(data, sizeof data, "{\"season_id\":%lld,\"seed\":\"0x%s\"}", (long long)id, hex);
  if (!e) e = sx_audit(x, who, "season.reveal", "season", id, data);
  if (!e) e = sx_event(x, "season.revealed", 0, 1, "season", id, data, now);
  return e;
}

pheme_err store_season_reveal(store *s, const store_actor *who, int64_t id, int force, int64_t now_ms) {
  arena a;
  arena_init(&a, 4096);
  sx x;
  pheme_err e = sx_write(s, &a, &x);
  if (!e) e = reveal_in(&x, who, id, force, now_ms);
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  arena_release(&a);
  return e;
}

pheme_err store_seasons_reveal_ended(store *s, int64_t now_ms, int *n) {
  *n = 0;
  arena a;
  arena_init(&a, 16384);
  sx x;
  pheme_err e = sx_write(s, &a, &x);
  db_result r;
  /* only seasons whose secret is there: one made without it (by hand, or its secret lost) cannot be
   * revealed, and refusing it failed the sweep and held back every other season and award */
  if (!e)
    e = Q(&x, &r,
          "SELECT s.id FROM seasons s JOIN season_secrets ss ON ss.season_id = s.id WHERE s.seed IS NULL AND "
          "s.ends_at <= $1 ORDER BY s.id LIMIT 100",
          dbv_int(now_ms));
  store_actor sys = {0, ""};
  for (int i = 0; !e && i < r.rows; i++) {
    e = reveal_in(&x, &sys, db_int(&r, i, 0), 0, now_ms);
    if (!e) (*n)++;
  }
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  arena_release(&a);
  if (e) *n = 0;
  return e;
}

/* ---- quests ---- */

static pheme_err quest_fill(sx *x, game_quest *q, int64_t user_id) {
  db_result r;
  pheme_err e = Q(x, &r,
                  "SELECT qs.position, qs.task_id, t.title FROM quest_steps qs JOIN tasks t ON t.id = qs.task_id "
                  "WHERE qs.quest_id = $1 ORDER BY qs.position",
                  dbv_int(q->id));
  if (e) return e;
  q->steps = arena_zalloc(x->a, sizeof *q->steps * (size_t)(r.rows ? r.rows : 1));
  if (!q->steps) return PHEME_SYS_NOMEM;
  for (int i = 0; i < r.rows; i++) {
    q->steps[i].position = (int)db_int(&r, i, 0);
    q->steps[i].task_id = db_int(&r, i, 1);
    q->steps[i].task_title = db_text(&r, i, 2);
  }
  q->nsteps = r.rows;
  e = Q(x, &r,
        "SELECT q.slug FROM quest_prerequisites p JOIN quests q ON q.id = p.requires_id WHERE p.quest_id = $1 "
        "ORDER BY q.id",
        dbv_int(q->id));
  if (e) return e;
  q->requires = arena_zalloc(x->a, sizeof *q->requires * (size_t)(r.rows ? r.rows : 1));
  if (!q->requires) return PHEME_SYS_NOMEM;
  for (int i = 0; i < r.rows; i++) q->requires[i] = db_text(&r, i, 0);
  q->nrequires = r.rows;
  q->steps_done = 0;
  q->completed_at = 0;
  if (user_id) {
    e = Q(x, &r, "SELECT steps_done, coalesce(completed_at, 0) FROM quest_progress WHERE quest_id = $1 AND user_id = $2",
          dbv_int(q->id), dbv_int(user_id));
    if (!e && r.rows) {
      q->steps_done = (int)db_int(&r, 0, 0);
      q->completed_at = db_int(&r, 0, 1);
    }
  }
  return e;
}

#define QUEST_COLS "id, slug, name, description, xp_reward, created_at"

static void read_quest(const db_result *r, int i, game_quest *q) {
  memset(q, 0, sizeof *q);
  q->id = db_int(r, i, 0);
  q->slug = db_text(r, i, 1);
  q->name = db_text(r, i, 2);
  q->description = db_text(r, i, 3);
  q->xp_reward = db_int(r, i, 4);
  q->created_at = db_int(r, i, 5);
}

/* Quest slugs go into ledger rules and event data as they are: lower-case letters, digits, '-'. */
static int slug_ok(const char *s) {
  if (!s || !*s || strlen(s) > 64) return 0;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-')) return 0;
  return 1;
}

pheme_err store_quest_create(store *s, arena *a, const store_actor *who, game_quest *io) {
  if (!slug_ok(io->slug)) return PHEME_DATA_INVALID;
  sx x;
  pheme_err e = sx_write(s, a, &x);
  if (e) return e;
  int64_t now = time_now_ms();
  db_result r;
  e = QID(&x, &io->id, "INSERT INTO quests (slug, name, description, xp_reward, created_at) VALUES ($1, $2, $3, $4, $5)",
          dbv_text(io->slug), dbv_text(io->name), dbv_text(io->description ? io->description : ""),
          dbv_int(io->xp_reward), dbv_int(now));
  for (int i = 0; !e && i < io->nsteps; i++) {
    e = Q(&x, &r, "SELECT 1 FROM tasks WHERE id = $1", dbv_int(io->steps[i].task_id));
    if (!e && r.rows == 0) e = PHEME_DATA_NOT_FOUND;
    if (!e)
      e = Q(&x, NULL, "INSERT INTO quest_steps (quest_id, position, task_id) VALUES ($1, $2, $3)", dbv_int(io->id),
            dbv_int(i + 1), dbv_int(io->steps[i].task_id));
  }
  for (int i = 0; !e && i < io->nrequires; i++) {
    e = Q(&x, &r, "SELECT id FROM quests WHERE slug = $1", dbv_text(io->requires[i]));
    if (!e && r.rows == 0) e = PHEME_DATA_NOT_FOUND;
    if (!e)
      e = Q(&x, NULL, "INSERT INTO quest_prerequisites (quest_id, requires_id) VALUES ($1, $2)", dbv_int(io->id),
            dbv_int(db_int(&r, 0, 0)));
  }
  char *data = NULL;
  if (!e) {
    data = arena_printf(x.a, "{\"quest_id\":%lld,\"steps\":%d}", (long long)io->id, io->nsteps);
    if (!data) e = PHEME_SYS_NOMEM;
  }
  if (!e) e = sx_audit(&x, who, "quest.create", "quest", io->id, data);
  if (!e) e = sx_event(&x, "quest.created", 0, 1, "quest", io->id, data, now);
  if (!e) e = Q(&x, &r, "SELECT " QUEST_COLS " FROM quests WHERE id = $1", dbv_int(io->id));
  if (!e) read_quest(&r, 0, io);
  if (!e) e = quest_fill(&x, io, 0);
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  return e;
}

static pheme_err quests_query(store *s, arena *a, int64_t user_id, const char *sql, const dbv *args, int nargs,
                              game_quest **out, int *n) {
  *n = 0;
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  e = sx_snapshot(&x);
  db_result r;
  if (!e) e = sx_query(&x, sql, args, nargs, &r);
  if (!e) {
    *out = arena_zalloc(a, sizeof **out * (size_t)(r.rows ? r.rows : 1));
    if (!*out) e = PHEME_SYS_NOMEM;
  }
  for (int i = 0; !e && i < r.rows; i++) {
    read_quest(&r, i, &(*out)[i]);
    e = quest_fill(&x, &(*out)[i], user_id);
  }
  if (!e) *n = r.rows;
  sx_end(&x);
  return e;
}

pheme_err store_quests_list(store *s, arena *a, int64_t user_id, game_quest **out, int *n) {
  return quests_query(s, a, user_id, "SELECT " QUEST_COLS " FROM quests ORDER BY id LIMIT 1000", NULL, 0, out, n);
}

pheme_err store_quest_get(store *s, arena *a, int64_t id, int64_t user_id, game_quest *out) {
  game_quest *list;
  int n;
  pheme_err e = quests_query(s, a, user_id, "SELECT " QUEST_COLS " FROM quests WHERE id = $1", SX_ARGS(dbv_int(id)),
                             &list, &n);
  if (e) return e;
  if (n == 0) return PHEME_DATA_NOT_FOUND;
  *out = list[0];
  return PHEME_OK;
}

pheme_err store_quests_in_progress(store *s, arena *a, int64_t user_id, game_quest **out, int *n) {
  return quests_query(s, a, user_id,
                      "SELECT q.id, q.slug, q.name, q.description, q.xp_reward, q.created_at FROM quests q JOIN "
                      "quest_progress p ON p.quest_id = q.id WHERE p.user_id = $1 AND p.completed_at IS NULL "
                      "ORDER BY q.id LIMIT 1000",
                      SX_ARGS(dbv_int(user_id)), out, n);
}

pheme_err store_quest_task_locked(store *s, int64_t user_id, int64_t task_id, int *locked, char *why, size_t n) {
  *locked = 0;
  arena a;
  arena_init(&a, 8192);
  sx x;
  pheme_err e = sx_read(s, &a, &x);
  if (e) {
    arena_release(&a);
    return e;
  }
  e = sx_snapshot(&x);
  db_result r;
  if (!e)
    e = Q(&x, &r,
          "SELECT q.id, q.slug, qs.position, coalesce(p.steps_done, 0) FROM quest_steps qs JOIN quests q ON "
          "q.id = qs.quest_id LEFT JOIN quest_progress p ON p.quest_id = q.id AND p.user_id = $1 WHERE qs.task_id = $2",
          dbv_int(user_id), dbv_int(task_id));
  if (!e && r.rows) {
    int64_t qid = db_int(&r, 0, 0);
    const char *slug = db_text(&r, 0, 1);
    int pos = (int)db_int(&r, 0, 2), done = (int)db_int(&r, 0, 3);
    db_result p;
    e = Q(&x, &p,
          "SELECT q.slug FROM quest_prerequisites pr JOIN quests q ON q.id = pr.requires_id LEFT JOIN quest_progress "
          "g ON g.quest_id = q.id AND g.user_id = $1 WHERE pr.quest_id = $2 AND g.completed_at IS NULL ORDER BY q.id LIMIT 1",
          dbv_int(user_id), dbv_int(qid));
    if (!e && p.rows) {
      *locked = 1;
      snprintf(why, n, "task %lld is a step of quest '%s', which requires quest '%s' completed first",
               (long long)task_id, slug, db_text(&p, 0, 0));
    } else if (!e && done < pos - 1) {
      db_result t;
      e = Q(&x, &t, "SELECT task_id FROM quest_steps WHERE quest_id = $1 AND position = $2", dbv_int(qid),
            dbv_int(done + 1));
      *locked = 1;
      snprintf(why, n, "task %lld is step %d of quest '%s': step %d (task %lld) must be approved first",
               (long long)task_id, pos, slug, done + 1, (long long)(!e && t.rows ? db_int(&t, 0, 0) : 0));
    }
  }
  sx_end(&x);
  arena_release(&a);
  return e;
}

pheme_err store_game_guild_achievements(store *s, arena *a, int64_t user_id, const char ***slugs, int *n) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r,
        "SELECT ga.slug FROM guild_achievements ga JOIN guild_members gm ON gm.guild_id = ga.guild_id "
        "WHERE gm.user_id = $1 ORDER BY ga.id",
        dbv_int(user_id));
  if (!e) {
    *slugs = arena_zalloc(a, sizeof **slugs * (size_t)(r.rows ? r.rows : 1));
    if (!*slugs) e = PHEME_SYS_NOMEM;
    for (int i = 0; !e && i < r.rows; i++) (*slugs)[i] = db_text(&r, i, 0);
    if (!e) *n = r.rows;
  }
  sx_end(&x);
  return e;
}
