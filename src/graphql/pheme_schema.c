/* PHEME's GraphQL schema as a table (graphql/schema.h), with its resolvers. Every resolver
 * answers one field for all the parents of a level at once (graphql/exec.h), reading storage
 * through the same store functions the REST handlers use, or through the batched reads of
 * store/graphql_batch.h where a field would otherwise cost one read per parent. Authorization is
 * REST's: the caller is a work principal, and the rules of work/tasks.h decide who sees which
 * submission.
 *
 * The Graph's conventions: lists take first (0..1000) and skip (0..5000); tasks take where
 * (Task_filter: _in, _not, _gt, _gte, _lt, _lte, _contains), orderBy and orderDirection;
 * tasksConnection is a cursor connection; _meta tells which block the projections are at. */
#include "graphql/pheme_schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "eth/address.h"
#include "store/chain_index.h"
#include "game/leaderboard.h"
#include "reputation/reputation.h"
#include "store/badges.h"
#include "store/game.h"
#include "store/graphql_batch.h"
#include "store/reputation.h"
#include "work/roles.h"
#include "work/tasks.h"
#include "core/banned.h"

#define CTX(c) ((gqlp_ctx *)(c)->app)
#define N(a) (int)(sizeof(a) / sizeof((a)[0]))
#define FIRST_MAX 1000
#define SKIP_MAX 5000

/* Counts a store call and runs it. */
#define STORE(c, call) (CTX(c)->store_calls++, (call))

/* Fails every row of c with e and message (NULL: the code's). */
static int fail_all(gql_call *c, pheme_err e, const char *msg) {
  for (int i = 0; i < c->n; i++) gql_fail_row(&c->out[i], e, msg);
  return 0;
}

/* first/skip of a list field, checked: 0, or -1 after failing every row. */
static int page_args(gql_call *c, int *first, int *skip) {
  int64_t f = gql_arg_int(c, "first", 20), s = gql_arg_int(c, "skip", 0);
  if (f < 0 || f > FIRST_MAX) {
    fail_all(c, PHEME_DATA_INVALID, arena_printf(c->a, "first must be between 0 and %d, not %lld", FIRST_MAX, (long long)f));
    return -1;
  }
  if (s < 0 || s > SKIP_MAX) {
    fail_all(c, PHEME_DATA_INVALID, arena_printf(c->a, "skip must be between 0 and %d, not %lld", SKIP_MAX, (long long)s));
    return -1;
  }
  *first = (int)f;
  *skip = (int)s;
  return 0;
}

/* An ID argument as a positive integer; 0 when it is not one. */
static int64_t id_arg(const gql_rv *v) {
  long long x;
  if (!v || v->kind != GQL_R_STRING || parse_int(v->s, 1, INT64_MAX, &x)) return 0;
  return x;
}

static int address_arg(const gql_call *c, const char *name, uint8_t out[20]) {
  const char *s = gql_arg_str(c, name);
  return s && address_parse_hex(out, s) == 0 ? 0 : -1;
}

static const char *addr_text(arena *a, const uint8_t addr[20]) {
  char *t = arena_alloc(a, ADDRESS_TEXT);
  return t ? address_to_checksum(t, addr) : NULL;
}

/* Distinct ids of the parents, read at offset off of each parent. */
static int64_t *parent_ids(gql_call *c, size_t off, int *m) {
  int64_t *ids = arena_alloc(c->a, sizeof *ids * (size_t)(c->n + 1));
  *m = 0;
  if (!ids) return NULL;
  for (int i = 0; i < c->n; i++) {
    int64_t id = *(const int64_t *)((const char *)c->parents[i] + off);
    if (id <= 0) continue;
    int seen = 0;
    for (int k = 0; k < *m && !seen; k++) seen = ids[k] == id;
    if (!seen) ids[(*m)++] = id;
  }
  return ids;
}

/* For each parent, the rows whose parent id (at row_parent_off of a row of row_size bytes)
 * equals the parent's id (at parent_off), as a list of objects at row_obj_off in each row. */
static int group_rows(gql_call *c, size_t parent_off, const void *rows, int nrows, size_t row_size,
                      size_t row_parent_off, size_t row_obj_off) {
  for (int i = 0; i < c->n; i++) {
    int64_t id = *(const int64_t *)((const char *)c->parents[i] + parent_off);
    int count = 0;
    for (int j = 0; j < nrows; j++)
      count += *(const int64_t *)((const char *)rows + (size_t)j * row_size + row_parent_off) == id;
    gql_rv *items = gql_set_list(c->a, &c->out[i], count);
    if (!items) return PHEME_SYS_NOMEM;
    int k = 0;
    for (int j = 0; j < nrows; j++) {
      const char *row = (const char *)rows + (size_t)j * row_size;
      if (*(const int64_t *)(row + row_parent_off) == id) gql_set_obj(&items[k++], row + row_obj_off, NULL);
    }
  }
  return 0;
}

/* The list field of each parent (whose id is at parent_off) that a grouped read of kind gives
 * (store/graphql_batch.h): one store call for the whole level. */
static int grouped_list(gql_call *c, size_t parent_off, gqls_rows_kind kind) {
  int m;
  int64_t *ids = parent_ids(c, parent_off, &m);
  if (!ids) return PHEME_SYS_NOMEM;
  void *rows;
  int n;
  gqls_rows_shape sh;
  pheme_err e = STORE(c, gqls_rows_by_parents(CTX(c)->store, c->a, kind, ids, m, &rows, &n, &sh));
  if (e) return e;
  return group_rows(c, parent_off, rows, n, sh.size, sh.parent, sh.obj);
}

/* A list the parent holds itself: count items of size bytes at the pointer at items_off, count
 * the int at count_off (a wallet's skills, a task's skills). */
static int held_list(gql_call *c, size_t items_off, size_t count_off, size_t size) {
  for (int i = 0; i < c->n; i++) {
    const char *p = c->parents[i];
    const char *items = *(const char *const *)(p + items_off);
    int count = *(const int *)(p + count_off);
    gql_rv *out = gql_set_list(c->a, &c->out[i], count);
    if (!out) return PHEME_SYS_NOMEM;
    for (int k = 0; k < count; k++) gql_set_obj(&out[k], items + (size_t)k * size, NULL);
  }
  return 0;
}

/* ---- scalars of the generic kinds ---- */

static int res_address(gql_call *c) {
  for (int i = 0; i < c->n; i++)
    gql_set_str(&c->out[i], addr_text(c->a, (const uint8_t *)c->parents[i] + c->field->def->off));
  return 0;
}

/* An int that is "none" when negative. */
static int res_opt_int(gql_call *c) {
  for (int i = 0; i < c->n; i++) {
    int v = *(const int *)((const char *)c->parents[i] + c->field->def->off);
    if (v >= 0) gql_set_int(&c->out[i], v);
  }
  return 0;
}

/* A string that is "none" when empty. */
static int res_opt_str(gql_call *c) {
  for (int i = 0; i < c->n; i++) {
    const char *v = *(const char *const *)((const char *)c->parents[i] + c->field->def->off);
    if (v && v[0]) gql_set_str(&c->out[i], v);
  }
  return 0;
}

/* A decimal amount (text), "0" when absent. */
static int res_amount(gql_call *c) {
  for (int i = 0; i < c->n; i++) {
    const char *v = *(const char *const *)((const char *)c->parents[i] + c->field->def->off);
    gql_set_str(&c->out[i], v && v[0] ? v : "0");
  }
  return 0;
}

/* ---- people ---- */

static int user_roles(gql_call *c) {
  static const unsigned bits[] = {ROLE_USER, ROLE_CREATOR, ROLE_VALIDATOR, ROLE_ADMIN};
  for (int i = 0; i < c->n; i++) {
    const user *u = c->parents[i];
    int m = 0;
    for (int k = 0; k < 4; k++) m += (u->roles & bits[k]) != 0;
    gql_rv *items = gql_set_list(c->a, &c->out[i], m);
    if (!items) return PHEME_SYS_NOMEM;
    m = 0;
    for (int k = 0; k < 4; k++)
      if (u->roles & bits[k]) gql_set_str(&items[m++], role_name(bits[k]));
  }
  return 0;
}

static int user_skills(gql_call *c) { return grouped_list(c, offsetof(user, id), GQLS_SKILL_LEVELS); }

static int user_guilds(gql_call *c) { return grouped_list(c, offsetof(user, id), GQLS_GUILDS); }

static int is_admin(const gql_call *c) { return (CTX(c)->who.roles & ROLE_ADMIN) != 0; }

/* A person's submissions: their own, or anyone's for an admin (REST: /me/submissions). */
/* Whether a submissions field's query asks only for Submission fields that need none of the columns
 * a brief read leaves out (the author's address, text, evidence, feedback). */
static int sub_brief(const gql_call *c) {
  static const char *const brief[] = {"id",        "task",      "author",   "state",       "finalScore", "createdAt",
                                      "updatedAt", "timeline",  "assessments", "reviews", "disputes",   NULL};
  return gql_call_asks_only(c, brief);
}

static int user_submissions(gql_call *c) {
  int first, skip;
  if (page_args(c, &first, &skip)) return 0;
  int64_t *ids = arena_alloc(c->a, sizeof *ids * (size_t)(c->n + 1));
  if (!ids) return PHEME_SYS_NOMEM;
  int m = 0;
  for (int i = 0; i < c->n; i++) {
    const user *u = c->parents[i];
    if (u->id != CTX(c)->who.user_id && !is_admin(c)) {
      gql_fail_row(&c->out[i], PHEME_AUTH_NOT_OWNER, "only the person themself or an admin sees their submissions");
      continue;
    }
    int seen = 0;
    for (int k = 0; k < m && !seen; k++) seen = ids[k] == u->id;
    if (!seen) ids[m++] = u->id;
  }
  if (m == 0) return 0;
  gqls_submission *rows;
  int n;
  pheme_err e = STORE(c, gqls_submissions_by(CTX(c)->store, c->a, "user_id", ids, m, first, skip,
                                             gql_arg_str(c, "state"), sub_brief(c), &rows, &n));
  if (e) return e;
  for (int i = 0; i < c->n; i++) {
    if (c->out[i].error) continue;
    const user *u = c->parents[i];
    int count = 0;
    for (int j = 0; j < n; j++) count += rows[j].parent == u->id;
    gql_rv *items = gql_set_list(c->a, &c->out[i], count);
    if (!items) return PHEME_SYS_NOMEM;
    int k = 0;
    for (int j = 0; j < n; j++)
      if (rows[j].parent == u->id) gql_set_obj(&items[k++], &rows[j].sub, NULL);
  }
  return 0;
}

static int user_validator(gql_call *c) {
  int m;
  int64_t *ids = parent_ids(c, offsetof(user, id), &m);
  if (!ids) return PHEME_SYS_NOMEM;
  validator_row *rows;
  pheme_err e = STORE(c, gqls_validators_by_users(CTX(c)->store, c->a, ids, m, &rows));
  if (e) return e;
  for (int i = 0; i < c->n; i++) {
    const user *u = c->parents[i];
    for (int k = 0; k < m; k++)
      if (rows[k].id && rows[k].user_id == u->id) gql_set_obj(&c->out[i], &rows[k], NULL);
  }
  return 0;
}

/* Resolves users by the id at offset off of each parent (Task.creator, Guild.owner, …). */
static int users_at(gql_call *c, size_t off) {
  int m;
  int64_t *ids = parent_ids(c, off, &m);
  if (!ids) return PHEME_SYS_NOMEM;
  user *rows;
  pheme_err e = STORE(c, gqls_users_by_ids(CTX(c)->store, c->a, ids, m, &rows));
  if (e) return e;
  for (int i = 0; i < c->n; i++) {
    int64_t id = *(const int64_t *)((const char *)c->parents[i] + off);
    for (int k = 0; k < m; k++)
      if (ids[k] == id && rows[k].id) gql_set_obj(&c->out[i], &rows[k], NULL);
  }
  return 0;
}

static int res_user_at(gql_call *c) { return users_at(c, c->field->def->off); }

/* ---- wallets ---- */

static int wallet_user(gql_call *c) {
  for (int i = 0; i < c->n; i++) gql_set_obj(&c->out[i], &((const wallet_view *)c->parents[i])->profile, NULL);
  return 0;
}

static int wallet_skills(gql_call *c) {
  return held_list(c, offsetof(wallet_view, skills), offsetof(wallet_view, nskills), sizeof(skill_level));
}

static int wallet_badges(gql_call *c) {
  return held_list(c, offsetof(wallet_view, badges), offsetof(wallet_view, nbadges), sizeof(badge_award));
}

static int wallet_guilds(gql_call *c) {
  return held_list(c, offsetof(wallet_view, guilds), offsetof(wallet_view, nguilds), sizeof(guild_ref));
}

/* ---- tasks ---- */

/* A task's skills: held by tasks read with them (a root list, task(id)); read in one grouped
 * read for those read without (a submission's task), only when asked. */
static int task_skills(gql_call *c) {
  int held = 1;
  for (int i = 0; i < c->n && held; i++) held = ((const task *)c->parents[i])->skills != NULL;
  if (held) return held_list(c, offsetof(task, skills), offsetof(task, nskills), sizeof(task_skill));
  return grouped_list(c, offsetof(task, id), GQLS_TASK_SKILLS);
}

static int task_guild_id(gql_call *c) {
  for (int i = 0; i < c->n; i++) {
    const task *t = c->parents[i];
    if (t->guild_id) gql_set_str(&c->out[i], arena_printf(c->a, "%lld", (long long)t->guild_id));
  }
  return 0;
}

/* A task's submissions: its creator and admins only (REST: GET /tasks/:id/submissions). */
static int task_submissions(gql_call *c) {
  int first, skip;
  if (page_args(c, &first, &skip)) return 0;
  int64_t *ids = arena_alloc(c->a, sizeof *ids * (size_t)(c->n + 1));
  if (!ids) return PHEME_SYS_NOMEM;
  int m = 0;
  for (int i = 0; i < c->n; i++) {
    const task *t = c->parents[i];
    if (!work_task_owned_by(&CTX(c)->who, t)) {
      gql_fail_row(&c->out[i], PHEME_AUTH_NOT_OWNER, arena_printf(c->a, "task %lld was posted by someone else", (long long)t->id));
      continue;
    }
    ids[m++] = t->id;
  }
  if (m == 0) return 0;
  gqls_submission *rows;
  int n;
  pheme_err e = STORE(c, gqls_submissions_by(CTX(c)->store, c->a, "task_id", ids, m, first, skip,
                                             gql_arg_str(c, "state"), sub_brief(c), &rows, &n));
  if (e) return e;
  for (int i = 0; i < c->n; i++) {
    if (c->out[i].error) continue;
    const task *t = c->parents[i];
    int count = 0;
    for (int j = 0; j < n; j++) count += rows[j].parent == t->id;
    gql_rv *items = gql_set_list(c->a, &c->out[i], count);
    if (!items) return PHEME_SYS_NOMEM;
    int k = 0;
    for (int j = 0; j < n; j++)
      if (rows[j].parent == t->id) gql_set_obj(&items[k++], &rows[j].sub, NULL);
  }
  return 0;
}

/* ---- submissions ---- */

static int sub_task(gql_call *c) {
  int m;
  int64_t *ids = parent_ids(c, offsetof(submission, task_id), &m);
  if (!ids) return PHEME_SYS_NOMEM;
  /* the Task fields that need none of the long or joined columns gqls_tasks_brief_by_ids leaves out */
  static const char *const brief[] = {"id", "type", "title", "status", "difficulty", "xpReward", "tokenReward",
                                      "creator", "guildId", "deadline", "skills", "createdAt", "updatedAt",
                                      "submissions", NULL};
  task *rows;
  pheme_err e = STORE(c, gql_call_asks_only(c, brief) ? gqls_tasks_brief_by_ids(CTX(c)->store, c->a, ids, m, &rows)
                                                        : gqls_tasks_by_ids(CTX(c)->store, c->a, ids, m, &rows));
  if (e) return e;
  for (int i = 0; i < c->n; i++) {
    const submission *s = c->parents[i];
    for (int k = 0; k < m; k++)
      if (ids[k] == s->task_id && rows[k].id) gql_set_obj(&c->out[i], &rows[k], NULL);
  }
  return 0;
}

static int sub_timeline(gql_call *c) { return grouped_list(c, offsetof(submission, id), GQLS_TIMELINE); }

static int sub_assessments(gql_call *c) { return grouped_list(c, offsetof(submission, id), GQLS_ASSESSMENTS); }

static int sub_reviews(gql_call *c) {
  /* the Review fields GQLS_REVIEWS_BRIEF's rows answer (no join to the validators, no long columns) */
  static const char *const brief[] = {"id", "round", "score", "createdAt", NULL};
  return grouped_list(c, offsetof(submission, id), gql_call_asks_only(c, brief) ? GQLS_REVIEWS_BRIEF : GQLS_REVIEWS);
}

static int sub_disputes(gql_call *c) { return grouped_list(c, offsetof(submission, id), GQLS_DISPUTES); }

static int review_signature(gql_call *c) {
  for (int i = 0; i < c->n; i++) {
    const review_row *r = c->parents[i];
    char *hx = arena_alloc(c->a, 2 + 130 + 1);
    if (!hx) return PHEME_SYS_NOMEM;
    hx[0] = '0';
    hx[1] = 'x';
    for (int k = 0; k < 65; k++) snprintf(hx + 2 + 2 * k, 3, "%02x", r->signature[k]);
    gql_set_str(&c->out[i], hx);
  }
  return 0;
}

/* ---- guilds ---- */

static int guild_members(gql_call *c) {
  int first, skip;
  if (page_args(c, &first, &skip)) return 0;
  int m;
  int64_t *ids = parent_ids(c, offsetof(guild, id), &m);
  if (!ids) return PHEME_SYS_NOMEM;
  gqls_member *rows;
  int n;
  pheme_err e = STORE(c, gqls_members_by_guilds(CTX(c)->store, c->a, ids, m, first, &rows, &n));
  if (e) return e;
  return group_rows(c, offsetof(guild, id), rows, n, sizeof *rows, offsetof(gqls_member, parent),
                    offsetof(gqls_member, member));
}

static int membership_guild(gql_call *c) {
  for (int i = 0; i < c->n; i++) gql_set_obj(&c->out[i], &((const gqls_membership *)c->parents[i])->guild, NULL);
  return 0;
}

/* ---- the query root ---- */

static int q_me(gql_call *c) {
  gqlp_ctx *x = CTX(c);
  if (!x->who.user_id) return 0; /* anonymous: null */
  user *u = arena_zalloc(c->a, sizeof *u);
  if (!u) return PHEME_SYS_NOMEM;
  pheme_err e = STORE(c, store_user_get(x->store, c->a, x->who.user_id, u));
  if (e) return e;
  for (int i = 0; i < c->n; i++) gql_set_obj(&c->out[i], u, NULL);
  return 0;
}

static int q_user(gql_call *c) {
  uint8_t a[20];
  user *u = arena_zalloc(c->a, sizeof *u);
  if (!u) return PHEME_SYS_NOMEM;
  pheme_err e;
  int64_t id = id_arg(gql_arg_get(c, "id"));
  if (id)
    e = STORE(c, store_user_get(CTX(c)->store, c->a, id, u));
  else if (address_arg(c, "address", a) == 0)
    e = STORE(c, store_user_by_address(CTX(c)->store, c->a, a, u));
  else
    return fail_all(c, PHEME_DATA_INVALID, "give id (a positive integer) or address (0x and 40 hex digits)");
  if (e == PHEME_DATA_NOT_FOUND) return 0;
  if (e) return e;
  for (int i = 0; i < c->n; i++) gql_set_obj(&c->out[i], u, NULL);
  return 0;
}

static int q_users(gql_call *c) {
  int first, skip;
  if (page_args(c, &first, &skip)) return 0;
  store_page p = {0, first + skip};
  user *list = NULL;
  int n = 0;
  if (p.limit > 0) {
    pheme_err e = STORE(c, store_users_list(CTX(c)->store, c->a, 0, &p, &list, &n));
    if (e) return e;
  }
  int shown = n > skip ? n - skip : 0;
  if (shown > first) shown = first;
  for (int i = 0; i < c->n; i++) {
    gql_rv *items = gql_set_list(c->a, &c->out[i], shown);
    if (!items) return PHEME_SYS_NOMEM;
    for (int k = 0; k < shown; k++) gql_set_obj(&items[k], &list[skip + k], NULL);
  }
  return 0;
}

static int q_wallet(gql_call *c) {
  uint8_t a[20];
  if (address_arg(c, "address", a)) return fail_all(c, PHEME_DATA_INVALID, "address must be 0x and 40 hex digits");
  wallet_view *w = arena_zalloc(c->a, sizeof *w);
  if (!w) return PHEME_SYS_NOMEM;
  pheme_err e = STORE(c, store_wallet_view(CTX(c)->store, c->a, a, w));
  if (e == PHEME_DATA_NOT_FOUND) return 0;
  if (e) return e;
  for (int i = 0; i < c->n; i++) gql_set_obj(&c->out[i], w, NULL);
  return 0;
}

static int q_skill(gql_call *c) {
  skill *k = arena_zalloc(c->a, sizeof *k);
  if (!k) return PHEME_SYS_NOMEM;
  pheme_err e = STORE(c, store_skill_get(CTX(c)->store, c->a, gql_arg_str(c, "slug"), k));
  if (e == PHEME_DATA_NOT_FOUND) return 0;
  if (e) return e;
  for (int i = 0; i < c->n; i++) gql_set_obj(&c->out[i], k, NULL);
  return 0;
}

static int q_skills(gql_call *c) {
  skill *list;
  int n;
  pheme_err e = STORE(c, store_skills_list(CTX(c)->store, c->a, gql_arg_str(c, "domain"), &list, &n));
  if (e) return e;
  for (int i = 0; i < c->n; i++) {
    gql_rv *items = gql_set_list(c->a, &c->out[i], n);
    if (!items) return PHEME_SYS_NOMEM;
    for (int k = 0; k < n; k++) gql_set_obj(&items[k], &list[k], NULL);
  }
  return 0;
}

static int q_task(gql_call *c) {
  int64_t id = id_arg(gql_arg_get(c, "id"));
  if (!id) return fail_all(c, PHEME_DATA_INVALID, "id must be a positive integer");
  task *t = arena_zalloc(c->a, sizeof *t);
  if (!t) return PHEME_SYS_NOMEM;
  pheme_err e = STORE(c, store_task_get(CTX(c)->store, c->a, id, t));
  if (e == PHEME_DATA_NOT_FOUND) return 0;
  if (e) return e;
  for (int i = 0; i < c->n; i++) gql_set_obj(&c->out[i], t, NULL);
  return 0;
}

static const char **enum_list(arena *a, const gql_rv *v, int *n) {
  *n = 0;
  if (!v || v->kind != GQL_R_LIST) return NULL;
  const char **out = arena_alloc(a, sizeof *out * (size_t)(v->n + 1));
  if (!out) return NULL;
  for (int i = 0; i < v->n; i++)
    if (v->items[i].kind == GQL_R_ENUM || v->items[i].kind == GQL_R_STRING) out[(*n)++] = v->items[i].s;
  return out;
}

static int64_t field_int(const gql_rv *w, const char *name, int64_t none) {
  const gql_rv *v = gql_rv_field(w, name);
  return v && v->kind == GQL_R_INT ? v->i : none;
}

static const char *field_str(const gql_rv *w, const char *name) {
  const gql_rv *v = gql_rv_field(w, name);
  return v && (v->kind == GQL_R_STRING || v->kind == GQL_R_ENUM) ? v->s : NULL;
}

/* The where / orderBy of a task list into q: 0, or -1 after failing every row. */
static int task_query(gql_call *c, gqls_task_query *q) {
  gqls_task_query_init(q);
  const gql_rv *w = gql_arg_get(c, "where");
  if (w && w->kind == GQL_R_OBJECT) {
    const gql_rv *id = gql_rv_field(w, "id");
    if (id && id->kind == GQL_R_STRING) {
      int64_t *one = arena_alloc(c->a, sizeof *one);
      if (!one) return -1;
      *one = id_arg(id);
      q->id_in = one;
      q->nid_in = 1;
    }
    const gql_rv *in = gql_rv_field(w, "id_in");
    if (in && in->kind == GQL_R_LIST) {
      if (in->n > 100) {
        fail_all(c, PHEME_DATA_INVALID, "id_in takes at most 100 ids");
        return -1;
      }
      int64_t *ids = arena_alloc(c->a, sizeof *ids * (size_t)(in->n + 1));
      if (!ids) return -1;
      for (int i = 0; i < in->n; i++) ids[i] = id_arg(&in->items[i]);
      q->id_in = ids;
      q->nid_in = in->n ? in->n : 1;
      if (!in->n) ids[0] = 0;
    }
    q->id_gt = id_arg(gql_rv_field(w, "id_gt"));
    q->id_lt = id_arg(gql_rv_field(w, "id_lt"));
    q->type = field_str(w, "type");
    q->status = field_str(w, "status");
    q->not_status = field_str(w, "status_not");
    q->type_in = enum_list(c->a, gql_rv_field(w, "type_in"), &q->ntype_in);
    q->status_in = enum_list(c->a, gql_rv_field(w, "status_in"), &q->nstatus_in);
    q->difficulty = (int)field_int(w, "difficulty", -1);
    q->difficulty_gt = (int)field_int(w, "difficulty_gt", -1);
    q->difficulty_gte = (int)field_int(w, "difficulty_gte", -1);
    q->difficulty_lt = (int)field_int(w, "difficulty_lt", -1);
    q->difficulty_lte = (int)field_int(w, "difficulty_lte", -1);
    q->xp_gt = field_int(w, "xpReward_gt", -1);
    q->xp_gte = field_int(w, "xpReward_gte", -1);
    q->xp_lt = field_int(w, "xpReward_lt", -1);
    q->xp_lte = field_int(w, "xpReward_lte", -1);
    q->title_contains = field_str(w, "title_contains");
    q->skill = field_str(w, "skill");
    const char *creator = field_str(w, "creator");
    if (creator) {
      uint8_t a[20];
      user u;
      if (address_parse_hex(a, creator)) {
        fail_all(c, PHEME_DATA_INVALID, "where.creator must be 0x and 40 hex digits");
        return -1;
      }
      pheme_err e = STORE(c, store_user_by_address(CTX(c)->store, c->a, a, &u));
      q->creator_id = e ? -1 : u.id; /* nobody: no task matches */
    }
  }
  const char *ob = gql_arg_str(c, "orderBy"), *od = gql_arg_str(c, "orderDirection");
  if (ob) q->order_by = ob;
  q->desc = !od || strcmp(od, "desc") == 0;
  return 0;
}

static int q_tasks(gql_call *c) {
  int first, skip;
  gqls_task_query q;
  if (page_args(c, &first, &skip) || task_query(c, &q)) return 0;
  q.first = first;
  q.skip = skip;
  task *list;
  int n;
  pheme_err e = STORE(c, gqls_tasks_query(CTX(c)->store, c->a, &q, &list, &n));
  if (e) return e;
  for (int i = 0; i < c->n; i++) {
    gql_rv *items = gql_set_list(c->a, &c->out[i], n);
    if (!items) return PHEME_SYS_NOMEM;
    for (int k = 0; k < n; k++) gql_set_obj(&items[k], &list[k], NULL);
  }
  return 0;
}

/* A connection page: the tasks and whether more follow (one more row is read than shown). */
typedef struct {
  task *list;
  int n, shown;
} task_page;

typedef struct {
  const char *cursor;
  const task *node;
} task_edge;

static int q_tasks_connection(gql_call *c) {
  int first, skip;
  gqls_task_query q;
  if (page_args(c, &first, &skip) || task_query(c, &q)) return 0;
  const char *after = gql_arg_str(c, "after");
  if (after) {
    long long x;
    if (parse_int(after, 1, INT64_MAX, &x)) return fail_all(c, PHEME_API_BAD_CURSOR, "after is not a cursor of this list");
    q.id_lt = x; /* newest first: after a cursor are the lower ids */
    q.order_by = "id";
    q.desc = 1;
  }
  q.first = first + 1;
  task_page *p = arena_zalloc(c->a, sizeof *p);
  if (!p) return PHEME_SYS_NOMEM;
  pheme_err e = STORE(c, gqls_tasks_query(CTX(c)->store, c->a, &q, &p->list, &p->n));
  if (e) return e;
  p->shown = p->n > first ? first : p->n;
  for (int i = 0; i < c->n; i++) gql_set_obj(&c->out[i], p, NULL);
  return 0;
}

static int conn_edges(gql_call *c) {
  for (int i = 0; i < c->n; i++) {
    const task_page *p = c->parents[i];
    gql_rv *items = gql_set_list(c->a, &c->out[i], p->shown);
    task_edge *edges = arena_alloc(c->a, sizeof *edges * (size_t)(p->shown + 1));
    if (!items || !edges) return PHEME_SYS_NOMEM;
    for (int k = 0; k < p->shown; k++) {
      edges[k].node = &p->list[k];
      edges[k].cursor = arena_printf(c->a, "%lld", (long long)p->list[k].id);
      gql_set_obj(&items[k], &edges[k], NULL);
    }
  }
  return 0;
}

static int conn_page_info(gql_call *c) {
  for (int i = 0; i < c->n; i++) gql_set_obj(&c->out[i], c->parents[i], NULL);
  return 0;
}

static int page_has_next(gql_call *c) {
  for (int i = 0; i < c->n; i++) {
    const task_page *p = c->parents[i];
    gql_set_bool(&c->out[i], p->n > p->shown);
  }
  return 0;
}

static int page_end_cursor(gql_call *c) {
  for (int i = 0; i < c->n; i++) {
    const task_page *p = c->parents[i];
    if (p->shown) gql_set_str(&c->out[i], arena_printf(c->a, "%lld", (long long)p->list[p->shown - 1].id));
  }
  return 0;
}

static int edge_node(gql_call *c) {
  for (int i = 0; i < c->n; i++) gql_set_obj(&c->out[i], ((const task_edge *)c->parents[i])->node, NULL);
  return 0;
}

static int q_submission(gql_call *c) {
  int64_t id = id_arg(gql_arg_get(c, "id"));
  if (!id) return fail_all(c, PHEME_DATA_INVALID, "id must be a positive integer");
  gqlp_ctx *x = CTX(c);
  submission *s = arena_zalloc(c->a, sizeof *s);
  if (!s) return PHEME_SYS_NOMEM;
  pheme_err e = STORE(c, store_submission_get(x->store, c->a, id, s));
  if (e == PHEME_DATA_NOT_FOUND) return 0;
  if (e) return e;
  int64_t creator = 0;
  task t;
  if (!work_sub_visible_to(&x->who, s, 0) && STORE(c, store_task_get(x->store, c->a, s->task_id, &t)) == PHEME_OK)
    creator = t.creator_id;
  if (!work_sub_visible_to(&x->who, s, creator))
    return fail_all(c, PHEME_AUTH_NOT_OWNER, arena_printf(c->a, "submission %lld belongs to someone else", (long long)id));
  for (int i = 0; i < c->n; i++) gql_set_obj(&c->out[i], s, NULL);
  return 0;
}

static int q_guild(gql_call *c) {
  guild *g = arena_zalloc(c->a, sizeof *g);
  if (!g) return PHEME_SYS_NOMEM;
  pheme_err e = STORE(c, store_guild_get(CTX(c)->store, c->a, gql_arg_str(c, "slug"), g));
  if (e == PHEME_DATA_NOT_FOUND) return 0;
  if (e) return e;
  for (int i = 0; i < c->n; i++) gql_set_obj(&c->out[i], g, NULL);
  return 0;
}

static int q_guilds(gql_call *c) {
  int first, skip;
  if (page_args(c, &first, &skip)) return 0;
  store_page p = {0, first + skip};
  guild *list = NULL;
  int n = 0;
  if (p.limit > 0) {
    pheme_err e = STORE(c, store_guilds_list(CTX(c)->store, c->a, gql_arg_str(c, "type"), &p, &list, &n));
    if (e) return e;
  }
  int shown = n > skip ? n - skip : 0;
  if (shown > first) shown = first;
  for (int i = 0; i < c->n; i++) {
    gql_rv *items = gql_set_list(c->a, &c->out[i], shown);
    if (!items) return PHEME_SYS_NOMEM;
    for (int k = 0; k < shown; k++) gql_set_obj(&items[k], &list[skip + k], NULL);
  }
  return 0;
}

/* The validator registry with standing: admins only (REST: GET /admin/validators). */
static int q_validators(gql_call *c) {
  if (!is_admin(c)) return fail_all(c, PHEME_AUTH_FORBIDDEN, "validators needs the admin role");
  int first, skip;
  if (page_args(c, &first, &skip)) return 0;
  const gql_rv *cand = gql_arg_get(c, "slashingCandidates");
  validator_row *list;
  int n;
  pheme_err e = STORE(c, store_validators_list(CTX(c)->store, c->a, cand && cand->b, &list, &n));
  if (e) return e;
  int shown = n > skip ? n - skip : 0;
  if (shown > first) shown = first;
  for (int i = 0; i < c->n; i++) {
    gql_rv *items = gql_set_list(c->a, &c->out[i], shown);
    if (!items) return PHEME_SYS_NOMEM;
    for (int k = 0; k < shown; k++) gql_set_obj(&items[k], &list[skip + k], NULL);
  }
  return 0;
}

/* ---- chain projections ---- */

static uint64_t chain_of(gql_call *c) {
  gqlp_ctx *x = CTX(c);
  uint64_t id = x->chain_id;
  if (!id && STORE(c, store_chain_default(x->store, &id))) id = 0;
  return id;
}

/* ---- one snapshot per query ---- */

void gqlp_query_begin(void *ctx) {
  gqlp_ctx *x = ctx;
  x->pinned = store_read_pin(x->store) == PHEME_OK;
}

void gqlp_query_end(void *ctx) {
  gqlp_ctx *x = ctx;
  if (x->pinned) store_read_unpin(x->store);
  x->pinned = 0;
}

/* ---- time travel: `block: { number }` ---- */

/* The block a projection field answers at, from its `block: Block_height` argument (The Graph's
 * time travel): number is that block, at the block to read at (-1: the latest, read as is). */
typedef struct {
  int64_t number, latest, at;
} block_at;

/* Resolves c's block argument on chain: 0, or -1 after failing every row (no chain, nothing
 * indexed, or a block outside the history kept: store_chain_history). Without the argument the
 * answer is at the latest block (b->at -1, b->number unknown: -1). */
static int block_arg(gql_call *c, uint64_t chain, block_at *b) {
  b->number = b->latest = b->at = -1;
  const gql_rv *arg = gql_arg_get(c, "block");
  if (!arg || arg->kind != GQL_R_OBJECT) return 0;
  int64_t number = field_int(arg, "number", INT64_MIN), gte = field_int(arg, "number_gte", INT64_MIN);
  if (number == INT64_MIN && gte == INT64_MIN) return 0;
  if (number != INT64_MIN && gte != INT64_MIN)
    return fail_all(c, PHEME_DATA_INVALID, "block takes number or number_gte, not both"), -1;
  int64_t asked = number != INT64_MIN ? number : gte;
  if (asked < 0)
    return fail_all(c, PHEME_DATA_INVALID, arena_printf(c->a, "a block number is 0 or more, not %lld", (long long)asked)), -1;
  if (!chain) return fail_all(c, PHEME_DATA_NOT_FOUND, "no chain is configured (set chain_id and chain_rpc)"), -1;
  int64_t lowest;
  pheme_err e = STORE(c, store_chain_history(CTX(c)->store, chain, &lowest, &b->latest));
  if (e == PHEME_DATA_NOT_FOUND)
    return fail_all(c, e, arena_printf(c->a, "chain %llu is not indexed yet", (unsigned long long)chain)), -1;
  if (e) return fail_all(c, e, NULL), -1;
  if (asked > b->latest)
    return fail_all(c, PHEME_DATA_NOT_FOUND,
                    arena_printf(c->a, "block %lld is not indexed yet: the projections are at block %lld",
                                 (long long)asked, (long long)b->latest)),
           -1;
  b->number = number != INT64_MIN ? number : b->latest; /* number_gte: the latest, at least that */
  if (b->number < lowest)
    return fail_all(c, PHEME_DATA_NOT_FOUND,
                    arena_printf(c->a,
                                 "block %lld is older than the history kept: the projections can be read at "
                                 "blocks %lld to %lld",
                                 (long long)b->number, (long long)lowest, (long long)b->latest)),
           -1;
  b->at = b->number == b->latest ? -1 : b->number;
  return 0;
}

/* A projection entity as read at a block (at -1: the latest). The entity comes first, so the
 * resolvers of chain_entity read it as one; nested lists (a proposal's votes) read at its block. */
typedef struct {
  chain_entity e;
  int64_t at;
} proj_entity;

/* Sets every row of c to the list of entities list[skip .. skip + first) read at at. */
static int proj_list(gql_call *c, const chain_entity *list, int n, int first, int skip, int64_t at) {
  int shown = n > skip ? n - skip : 0;
  if (shown > first) shown = first;
  proj_entity *objs = arena_alloc(c->a, sizeof *objs * (size_t)(shown ? shown : 1));
  if (!objs) return PHEME_SYS_NOMEM;
  for (int k = 0; k < shown; k++) objs[k] = (proj_entity){list[skip + k], at};
  for (int i = 0; i < c->n; i++) {
    gql_rv *items = gql_set_list(c->a, &c->out[i], shown);
    if (!items) return PHEME_SYS_NOMEM;
    for (int k = 0; k < shown; k++) gql_set_obj(&items[k], &objs[k], NULL);
  }
  return 0;
}

/* A root list of one kind of entity, newest first, paged, at the block asked. */
static int proj_root_list(gql_call *c, const char *kind) {
  int first, skip;
  if (page_args(c, &first, &skip)) return 0;
  uint64_t chain = chain_of(c);
  block_at b;
  if (block_arg(c, chain, &b)) return 0;
  chain_entity *list = NULL;
  int n = 0;
  if (chain && first + skip > 0) {
    pheme_err e = STORE(c, store_chain_entities_at(CTX(c)->store, c->a, chain, kind, NULL, NULL, b.at, first + skip, &list, &n));
    if (e) return e;
  }
  return proj_list(c, list, n, first, skip, b.at);
}

/* ---- _meta ---- */

typedef struct {
  uint64_t chain_id;
  int64_t number; /* -1: nothing indexed */
  int has_hash;
  uint8_t hash[32];
  int halted;
} meta_view;

/* _meta(block:) tells where the projections stand, or, with block, the block the same argument
 * reads them at elsewhere in the query (refused alike outside the history kept). */
static int q_meta(gql_call *c) {
  meta_view *m = arena_zalloc(c->a, sizeof *m);
  if (!m) return PHEME_SYS_NOMEM;
  m->chain_id = chain_of(c);
  m->number = -1;
  block_at b;
  if (block_arg(c, m->chain_id, &b)) return 0;
  if (m->chain_id) {
    store_chain_cursor cur;
    pheme_err e = STORE(c, store_chain_cursor_get(CTX(c)->store, c->a, m->chain_id, &cur));
    if (e && e != PHEME_DATA_NOT_FOUND) return e;
    if (!e) {
      m->halted = cur.halted != NULL;
      m->number = cur.block_number;
      m->has_hash = cur.has_hash;
      memcpy(m->hash, cur.block_hash, 32);
    }
    if (!e && b.at >= 0) {
      int found = 0;
      e = STORE(c, store_chain_block_hashes(CTX(c)->store, m->chain_id, b.at, b.at, (uint8_t(*)[32])m->hash, &found));
      if (e) return e;
      m->number = b.at;
      m->has_hash = found;
    }
  }
  for (int i = 0; i < c->n; i++) gql_set_obj(&c->out[i], m, NULL);
  return 0;
}

static int meta_block(gql_call *c) {
  for (int i = 0; i < c->n; i++) gql_set_obj(&c->out[i], c->parents[i], NULL);
  return 0;
}

static int meta_errors(gql_call *c) {
  for (int i = 0; i < c->n; i++) gql_set_bool(&c->out[i], ((const meta_view *)c->parents[i])->halted);
  return 0;
}

static int meta_chain(gql_call *c) {
  for (int i = 0; i < c->n; i++) {
    const meta_view *m = c->parents[i];
    if (m->chain_id) gql_set_str(&c->out[i], arena_printf(c->a, "%llu", (unsigned long long)m->chain_id));
  }
  return 0;
}

static int block_number(gql_call *c) {
  for (int i = 0; i < c->n; i++) {
    const meta_view *m = c->parents[i];
    if (m->number >= 0) gql_set_int(&c->out[i], m->number);
  }
  return 0;
}

static int block_hash(gql_call *c) {
  for (int i = 0; i < c->n; i++) {
    const meta_view *m = c->parents[i];
    if (!m->has_hash) continue;
    char *hx = arena_alloc(c->a, 67);
    if (!hx) return PHEME_SYS_NOMEM;
    hx[0] = '0';
    hx[1] = 'x';
    for (int k = 0; k < 32; k++) snprintf(hx + 2 + 2 * k, 3, "%02x", m->hash[k]);
    gql_set_str(&c->out[i], hx);
  }
  return 0;
}

/* ---- staking, proposals, the validator registry ---- */

typedef struct {
  uint8_t address[20];
  const char *stake, *balance, *votes, *claimed;
  const char *staking, *delegation; /* JSON */
} staking_view;

static pheme_err entity_amount(gql_call *c, uint64_t chain, const char *kind, const char *key, int64_t at,
                               const char **amount, const char **data) {
  chain_entity e;
  pheme_err err = STORE(c, store_chain_entity_at(CTX(c)->store, c->a, chain, kind, key, at, &e));
  if (err == PHEME_DATA_NOT_FOUND) {
    *amount = "0";
    if (data) *data = NULL;
    return PHEME_OK;
  }
  if (err) return err;
  *amount = e.amount ? e.amount : "0";
  if (data) *data = e.data;
  return PHEME_OK;
}

static int q_staking(gql_call *c) {
  uint8_t a[20];
  if (address_arg(c, "address", a)) return fail_all(c, PHEME_DATA_INVALID, "address must be 0x and 40 hex digits");
  uint64_t chain = chain_of(c);
  if (!chain) return fail_all(c, PHEME_DATA_NOT_FOUND, "no chain is configured (set chain_id and chain_rpc)");
  block_at b;
  if (block_arg(c, chain, &b)) return 0;
  staking_view *v = arena_zalloc(c->a, sizeof *v);
  if (!v) return PHEME_SYS_NOMEM;
  memcpy(v->address, a, 20);
  char k[43];
  address_format_hex(k, a);
  const char *ignore;
  pheme_err e = entity_amount(c, chain, "stake", k, b.at, &v->stake, &v->staking);
  if (!e) e = entity_amount(c, chain, "token_balance", k, b.at, &v->balance, NULL);
  if (!e) e = entity_amount(c, chain, "token_votes", k, b.at, &v->votes, NULL);
  if (!e) e = entity_amount(c, chain, "delegation", k, b.at, &ignore, &v->delegation);
  if (!e) e = entity_amount(c, chain, "reward_total", k, b.at, &v->claimed, NULL);
  if (e) return e;
  for (int i = 0; i < c->n; i++) gql_set_obj(&c->out[i], v, NULL);
  return 0;
}

static int q_proposals(gql_call *c) { return proj_root_list(c, "proposal"); }

/* The validator registry as indexed from the chain (REST: GET /api/v1/validators). */
static int q_chain_validators(gql_call *c) { return proj_root_list(c, "validator"); }

static int q_proposal(gql_call *c) {
  const char *id = gql_arg_str(c, "id");
  if (!id || !uint256_decimal_valid(id)) return fail_all(c, PHEME_DATA_INVALID, "id must be a proposal id (a decimal uint256)");
  uint64_t chain = chain_of(c);
  block_at b;
  if (block_arg(c, chain, &b)) return 0;
  if (!chain) return 0;
  proj_entity *p = arena_zalloc(c->a, sizeof *p);
  if (!p) return PHEME_SYS_NOMEM;
  p->at = b.at;
  pheme_err err = STORE(c, store_chain_entity_at(CTX(c)->store, c->a, chain, "proposal", id, b.at, &p->e));
  if (err == PHEME_DATA_NOT_FOUND) return 0;
  if (err) return err;
  for (int i = 0; i < c->n; i++) gql_set_obj(&c->out[i], p, NULL);
  return 0;
}

/* A proposal's votes, at the proposal's block: one read per proposal (the projections are keyed
 * "<proposal>/<voter>", with no batched read yet); first is capped at 100 to bound it. */
static int proposal_votes(gql_call *c) {
  int first, skip;
  if (page_args(c, &first, &skip)) return 0;
  if (first > 100) first = 100;
  uint64_t chain = chain_of(c);
  for (int i = 0; i < c->n; i++) {
    const proj_entity *p = c->parents[i];
    chain_entity *list = NULL;
    int n = 0;
    char *prefix = arena_printf(c->a, "%s/", p->e.key);
    if (!prefix) return PHEME_SYS_NOMEM;
    if (chain && first + skip > 0) {
      pheme_err e = STORE(c, store_chain_entities_at(CTX(c)->store, c->a, chain, "vote", NULL, prefix, p->at, first + skip, &list, &n));
      if (e) return e;
    }
    int shown = n > skip ? n - skip : 0;
    if (shown > first) shown = first;
    gql_rv *items = gql_set_list(c->a, &c->out[i], shown);
    if (!items) return PHEME_SYS_NOMEM;
    for (int k = 0; k < shown; k++) gql_set_obj(&items[k], &list[skip + k], NULL);
  }
  return 0;
}

static int entity_owner(gql_call *c) {
  for (int i = 0; i < c->n; i++) {
    const chain_entity *e = c->parents[i];
    if (e->has_owner) gql_set_str(&c->out[i], addr_text(c->a, e->owner));
  }
  return 0;
}

static int entity_data(gql_call *c) {
  for (int i = 0; i < c->n; i++) {
    const chain_entity *e = c->parents[i];
    gql_set_str(&c->out[i], e->data && e->data[0] ? e->data : "{}");
    c->out[i].raw = 1;
  }
  return 0;
}

/* ---- mutations: REST's writes through the same engines ---- */

static int need_role(gql_call *c, unsigned role) {
  if (!CTX(c)->who.user_id) {
    fail_all(c, PHEME_AUTH_MISSING, "sign in or send an API key");
    return -1;
  }
  if (!role_allows(CTX(c)->who.roles, role)) {
    fail_all(c, PHEME_AUTH_FORBIDDEN, arena_printf(c->a, "this mutation needs the %s role", role_name(role)));
    return -1;
  }
  return 0;
}

static int m_create_task(gql_call *c) {
  if (need_role(c, ROLE_CREATOR)) return 0;
  const gql_rv *in = gql_arg_get(c, "input");
  work_task_input ti;
  memset(&ti, 0, sizeof ti);
  task *t = &ti.fields;
  t->type = field_str(in, "type");
  t->title = field_str(in, "title");
  t->description = field_str(in, "description");
  t->difficulty = (int)field_int(in, "difficulty", 0);
  t->xp_reward = field_int(in, "xpReward", -1);
  t->token_reward = field_str(in, "tokenReward");
  t->status = field_str(in, "status");
  if (t->token_reward && !uint256_decimal_valid(t->token_reward))
    return fail_all(c, PHEME_DATA_INVALID, "tokenReward must be a decimal amount in wei");
  const gql_rv *skills = gql_rv_field(in, "skills");
  if (skills && skills->kind == GQL_R_LIST) {
    if (skills->n > 20) return fail_all(c, PHEME_DATA_INVALID, "a task asks for at most 20 skills");
    ti.has_skills = 1;
    t->nskills = skills->n;
    t->skills = arena_zalloc(c->a, sizeof *t->skills * (size_t)(skills->n + 1));
    if (!t->skills) return PHEME_SYS_NOMEM;
    for (int i = 0; i < skills->n; i++) {
      t->skills[i].slug = field_str(&skills->items[i], "skill");
      t->skills[i].min_level = (int)field_int(&skills->items[i], "minLevel", 0);
    }
  }
  task *out = arena_zalloc(c->a, sizeof *out);
  char why[256] = "";
  if (!out) return PHEME_SYS_NOMEM;
  gqlp_ctx *x = CTX(c);
  pheme_err e = STORE(c, work_task_create(x->store, c->a, &x->actor, &x->who, &ti, out, why, sizeof why));
  if (e) return fail_all(c, e, why[0] ? arena_strdup(c->a, why) : NULL);
  for (int i = 0; i < c->n; i++) gql_set_obj(&c->out[i], out, NULL);
  return 0;
}

static int m_submit(gql_call *c) {
  if (need_role(c, ROLE_USER)) return 0;
  int64_t task_id = id_arg(gql_arg_get(c, "taskId"));
  if (!task_id) return fail_all(c, PHEME_DATA_INVALID, "taskId must be a positive integer");
  const gql_rv *ev = gql_arg_get(c, "evidence");
  json_t *evidence = NULL;
  if (ev && ev->kind == GQL_R_LIST) {
    if (ev->n > 20) return fail_all(c, PHEME_DATA_INVALID, "at most 20 evidence items");
    evidence = gql_rv_to_json(ev);
    /* evidence linking stored content (/ipfs/<cid>) is checked by the REST route against the
     * content store; here only links are accepted, as the checks job verifies them */
  }
  submission *out = arena_zalloc(c->a, sizeof *out);
  char why[256] = "";
  if (!out) {
    json_decref(evidence);
    return PHEME_SYS_NOMEM;
  }
  gqlp_ctx *x = CTX(c);
  pheme_err e = STORE(c, work_submit(x->store, c->a, &x->actor, &x->who, task_id, gql_arg_str(c, "text"), evidence, out,
                                     why, sizeof why));
  json_decref(evidence);
  if (e == PHEME_DATA_CONFLICT && !why[0])
    snprintf(why, sizeof why, "you already have a submission for task %lld", (long long)task_id);
  if (e) return fail_all(c, e, why[0] ? arena_strdup(c->a, why) : NULL);
  for (int i = 0; i < c->n; i++) gql_set_obj(&c->out[i], out, NULL);
  return 0;
}

static int m_join_guild(gql_call *c) {
  if (need_role(c, ROLE_USER)) return 0;
  gqlp_ctx *x = CTX(c);
  guild *g = arena_zalloc(c->a, sizeof *g);
  if (!g) return PHEME_SYS_NOMEM;
  pheme_err e = STORE(c, store_guild_get(x->store, c->a, gql_arg_str(c, "slug"), g));
  if (!e) e = STORE(c, store_guild_join(x->store, &x->actor, g->id, x->who.user_id));
  if (e == PHEME_DATA_CONFLICT) return fail_all(c, e, "already a member");
  if (!e) e = STORE(c, store_guild_get(x->store, c->a, g->slug, g));
  if (e) return fail_all(c, e, NULL);
  for (int i = 0; i < c->n; i++) gql_set_obj(&c->out[i], g, NULL);
  return 0;
}

/* ---- progression, badges, reputation, leaderboards, seasons, quests (issues 11, 12) ---- */

static int user_progress(gql_call *c) {
  int m;
  int64_t *ids = parent_ids(c, offsetof(user, id), &m);
  if (!ids) return PHEME_SYS_NOMEM;
  void *rows;
  int n;
  gqls_rows_shape sh;
  pheme_err e = STORE(c, gqls_rows_by_parents(CTX(c)->store, c->a, GQLS_PROGRESS, ids, m, &rows, &n, &sh));
  if (e) return e;
  const gqls_progress *p = rows;
  for (int i = 0; i < c->n; i++) {
    const user *u = c->parents[i];
    for (int k = 0; k < n; k++)
      if (p[k].parent == u->id) gql_set_obj(&c->out[i], &p[k], NULL);
  }
  return 0;
}

static int user_badges(gql_call *c) { return grouped_list(c, offsetof(user, id), GQLS_BADGES); }

/* A score as the resolvers see it: the lookup and whose it is (for explain). */
typedef struct {
  store_rep_lookup l;
  int64_t user_id;
} rep_obj;

/* Every parent user's score in one read (store_rep_lookup_many by primary address). */
static int user_reputation(gql_call *c) {
  uint8_t (*addrs)[20] = arena_alloc(c->a, sizeof *addrs * (size_t)(c->n + 1));
  store_rep_lookup *got = arena_zalloc(c->a, sizeof *got * (size_t)(c->n + 1));
  rep_obj *objs = arena_zalloc(c->a, sizeof *objs * (size_t)(c->n + 1));
  if (!addrs || !got || !objs) return PHEME_SYS_NOMEM;
  for (int i = 0; i < c->n; i++) memcpy(addrs[i], ((const user *)c->parents[i])->address, 20);
  pheme_err e = STORE(c, store_rep_lookup_many(CTX(c)->store, c->a, (const uint8_t(*)[20])addrs, c->n, got));
  if (e) return e;
  for (int i = 0; i < c->n; i++) {
    objs[i].l = got[i];
    objs[i].user_id = ((const user *)c->parents[i])->id;
    gql_set_obj(&c->out[i], &objs[i], NULL);
  }
  return 0;
}

/* Micro-points (int64_t at off) as points. */
static int res_points(gql_call *c) {
  for (int i = 0; i < c->n; i++) {
    int64_t v = *(const int64_t *)((const char *)c->parents[i] + c->field->def->off);
    gql_set_float(&c->out[i], (double)v / 1e6);
  }
  return 0;
}

/* The receipt of a score (rep_explain): one engine run per object, so it costs 10 (root and
 * nested alike; docs/internals/graphql.md). */
static int rep_explain_field(gql_call *c) {
  gqlp_ctx *x = CTX(c);
  if (!x->cfg) return fail_all(c, PHEME_SYS_CONFIG, "explain needs the server's configuration");
  rep_engine eng;
  char why[200];
  pheme_err e = rep_engine_init(&eng, x->store, x->cfg, why, sizeof why);
  if (e) return fail_all(c, e, arena_strdup(c->a, why));
  for (int i = 0; i < c->n; i++) {
    const rep_obj *o = c->parents[i];
    json_t *rc = NULL;
    e = STORE(c, rep_explain(&eng, c->a, o->user_id, time_now_ms(), &rc));
    if (e) {
      gql_fail_row(&c->out[i], e, NULL);
      continue;
    }
    char *text = json_dumps(rc, JSON_COMPACT);
    json_decref(rc);
    if (!text) return PHEME_SYS_NOMEM;
    const char *t = arena_strdup(c->a, text);
    free(text);
    if (!t) return PHEME_SYS_NOMEM;
    gql_set_str(&c->out[i], t);
    c->out[i].raw = 1; /* JSON text, passed through (gql_res_json's form) */
  }
  return 0;
}

static int q_reputation(gql_call *c) {
  uint8_t addr[20];
  if (address_arg(c, "address", addr)) return fail_all(c, PHEME_DATA_INVALID, "address must be 0x and 40 hex digits");
  user *u = arena_zalloc(c->a, sizeof *u);
  if (!u) return PHEME_SYS_NOMEM;
  pheme_err e = STORE(c, store_user_by_address(CTX(c)->store, c->a, addr, u));
  if (e == PHEME_DATA_NOT_FOUND) return 0;
  if (e) return e;
  rep_obj *o = arena_zalloc(c->a, sizeof *o);
  if (!o) return PHEME_SYS_NOMEM;
  e = STORE(c, store_rep_lookup_many(CTX(c)->store, c->a, (const uint8_t(*)[20])addr, 1, &o->l));
  if (e) return e;
  o->user_id = u->id;
  for (int i = 0; i < c->n; i++) gql_set_obj(&c->out[i], o, NULL);
  return 0;
}

static int rep_as_of(gql_call *c) {
  for (int i = 0; i < c->n; i++) {
    const rep_obj *o = c->parents[i];
    if (!o->l.found) continue;
    char *t = arena_alloc(c->a, TIME_RFC3339_TEXT);
    if (!t) return PHEME_SYS_NOMEM;
    time_format_rfc3339(t, o->l.as_of);
    gql_set_str(&c->out[i], t);
  }
  return 0;
}

static int rep_user(gql_call *c) { return users_at(c, offsetof(rep_obj, user_id)); }

/* 32 bytes at off as 0x hex. */
static int res_hash32(gql_call *c) {
  for (int i = 0; i < c->n; i++) {
    char *h = arena_alloc(c->a, 67);
    if (!h) return PHEME_SYS_NOMEM;
    h[0] = '0';
    h[1] = 'x';
    bytes_to_hex(h + 2, (const uint8_t *)c->parents[i] + c->field->def->off, 32);
    gql_set_str(&c->out[i], h);
  }
  return 0;
}

static int season_seed(gql_call *c) {
  for (int i = 0; i < c->n; i++) {
    const game_season *s = c->parents[i];
    if (!s->revealed) continue;
    char *h = arena_alloc(c->a, 67);
    if (!h) return PHEME_SYS_NOMEM;
    h[0] = '0';
    h[1] = 'x';
    bytes_to_hex(h + 2, s->seed, 32);
    gql_set_str(&c->out[i], h);
  }
  return 0;
}

static int q_seasons(gql_call *c) {
  game_season *rows;
  int n;
  pheme_err e = STORE(c, store_seasons_list(CTX(c)->store, c->a, &rows, &n));
  if (e) return e;
  for (int i = 0; i < c->n; i++) {
    gql_rv *items = gql_set_list(c->a, &c->out[i], n);
    if (!items) return PHEME_SYS_NOMEM;
    for (int k = 0; k < n; k++) gql_set_obj(&items[k], &rows[k], NULL);
  }
  return 0;
}

static int q_season(gql_call *c) {
  int64_t id = id_arg(gql_arg_get(c, "id"));
  if (!id) return fail_all(c, PHEME_DATA_INVALID, "id must be a positive integer");
  game_season *s = arena_zalloc(c->a, sizeof *s);
  if (!s) return PHEME_SYS_NOMEM;
  pheme_err e = STORE(c, store_season_get(CTX(c)->store, c->a, id, s));
  if (e == PHEME_DATA_NOT_FOUND) return 0;
  if (e) return e;
  for (int i = 0; i < c->n; i++) gql_set_obj(&c->out[i], s, NULL);
  return 0;
}

/* Quests with the caller's progress (REST: GET /api/v1/quests). */
static int q_quests(gql_call *c) {
  game_quest *rows;
  int n;
  pheme_err e = STORE(c, store_quests_list(CTX(c)->store, c->a, CTX(c)->who.user_id, &rows, &n));
  if (e) return e;
  for (int i = 0; i < c->n; i++) {
    gql_rv *items = gql_set_list(c->a, &c->out[i], n);
    if (!items) return PHEME_SYS_NOMEM;
    for (int k = 0; k < n; k++) gql_set_obj(&items[k], &rows[k], NULL);
  }
  return 0;
}

static int quest_steps(gql_call *c) {
  for (int i = 0; i < c->n; i++) {
    const game_quest *q = c->parents[i];
    gql_rv *items = gql_set_list(c->a, &c->out[i], q->nsteps);
    if (!items) return PHEME_SYS_NOMEM;
    for (int k = 0; k < q->nsteps; k++) gql_set_obj(&items[k], &q->steps[k], NULL);
  }
  return 0;
}

static int quest_requires(gql_call *c) {
  for (int i = 0; i < c->n; i++) {
    const game_quest *q = c->parents[i];
    gql_rv *items = gql_set_list(c->a, &c->out[i], q->nrequires);
    if (!items) return PHEME_SYS_NOMEM;
    for (int k = 0; k < q->nrequires; k++) gql_set_str(&items[k], q->requires[k]);
  }
  return 0;
}

/* The caller's steps done; null when anonymous. */
static int quest_steps_done(gql_call *c) {
  for (int i = 0; i < c->n; i++)
    if (CTX(c)->who.user_id) gql_set_int(&c->out[i], ((const game_quest *)c->parents[i])->steps_done);
  return 0;
}

static int q_badge_types(gql_call *c) {
  int first, skip;
  if (page_args(c, &first, &skip)) return 0;
  store_page p = {0, first + skip > 0 ? first + skip : 1};
  badge_type *rows;
  int n;
  pheme_err e = STORE(c, store_badge_types_list(CTX(c)->store, c->a, 1, &p, &rows, &n));
  if (e) return fail_all(c, e, NULL);
  int from = skip < n ? skip : n, cnt = n - from < first ? n - from : first;
  for (int i = 0; i < c->n; i++) {
    gql_rv *items = gql_set_list(c->a, &c->out[i], cnt);
    if (!items) return PHEME_SYS_NOMEM;
    for (int k = 0; k < cnt; k++) gql_set_obj(&items[k], &rows[from + k], NULL);
  }
  return 0;
}

/* A board's entries (in memory, game/leaderboard.h): global, or one skill, guild or season. */
static int q_leaderboard(gql_call *c) {
  gqlp_ctx *x = CTX(c);
  if (!x->boards) return fail_all(c, PHEME_SYS_STORAGE, "the leaderboards are not loaded in this process");
  int64_t first = gql_arg_int(c, "first", 25), skip = gql_arg_int(c, "skip", 0);
  if (first < 0 || first > 100) return fail_all(c, PHEME_DATA_INVALID, "first must be between 0 and 100");
  if (skip < 0 || skip > SKIP_MAX) return fail_all(c, PHEME_DATA_INVALID, "skip must be between 0 and 5000");
  const char *skill_slug = gql_arg_str(c, "skill"), *guild_slug = gql_arg_str(c, "guild");
  const gql_rv *season = gql_arg_get(c, "season");
  int named = (skill_slug != NULL) + (guild_slug != NULL) + (season && season->kind == GQL_R_STRING);
  if (named > 1) return fail_all(c, PHEME_DATA_INVALID, "name at most one of skill, guild and season");
  lb_kind kind = LB_GLOBAL;
  int64_t id = 0;
  pheme_err e = 0;
  if (skill_slug) {
    skill k;
    kind = LB_SKILL;
    e = STORE(c, store_skill_get(x->store, c->a, skill_slug, &k));
    id = k.id;
  } else if (guild_slug) {
    guild g;
    kind = LB_GUILD;
    e = STORE(c, store_guild_get(x->store, c->a, guild_slug, &g));
    id = g.id;
  } else if (named) {
    kind = LB_SEASON;
    id = id_arg(season);
    if (!id) return fail_all(c, PHEME_DATA_INVALID, "season must be a positive integer");
  }
  if (e == PHEME_DATA_NOT_FOUND)
    return fail_all(c, e, arena_printf(c->a, "no %s '%s'", skill_slug ? "skill" : "guild", skill_slug ? skill_slug : guild_slug));
  if (e) return e;
  rank_set *set = leaderboards_board(x->boards, kind, id);
  rank_entry *rows = arena_zalloc(c->a, sizeof *rows * (size_t)(first + 1));
  if (!rows) return PHEME_SYS_NOMEM;
  int n = set && first ? rank_set_range(set, skip + 1, (int)first, rows) : 0;
  for (int i = 0; i < c->n; i++) {
    gql_rv *items = gql_set_list(c->a, &c->out[i], n);
    if (!items) return PHEME_SYS_NOMEM;
    for (int k = 0; k < n; k++) gql_set_obj(&items[k], &rows[k], NULL);
  }
  return 0;
}

static int m_endorse(gql_call *c) {
  if (need_role(c, ROLE_USER)) return 0;
  gqlp_ctx *x = CTX(c);
  uint8_t to[20];
  if (address_arg(c, "address", to)) return fail_all(c, PHEME_DATA_INVALID, "address must be 0x and 40 hex digits");
  if (!x->cfg) return fail_all(c, PHEME_SYS_CONFIG, "endorse needs the server's configuration");
  rep_engine eng;
  char why[200];
  pheme_err e = rep_engine_init(&eng, x->store, x->cfg, why, sizeof why);
  if (e) return fail_all(c, e, arena_strdup(c->a, why));
  store_rep_endorsement *out = arena_zalloc(c->a, sizeof *out);
  if (!out) return PHEME_SYS_NOMEM;
  e = STORE(c, rep_endorse(&eng, c->a, &x->who, &x->actor, to, gql_arg_str(c, "skill"), out));
  if (e) return fail_all(c, e, NULL);
  for (int i = 0; i < c->n; i++) gql_set_obj(&c->out[i], out, NULL);
  return 0;
}

static int endorsement_from(gql_call *c) {
  for (int i = 0; i < c->n; i++)
    gql_set_str(&c->out[i], addr_text(c->a, ((const store_rep_endorsement *)c->parents[i])->from_address));
  return 0;
}

/* ---- subscriptions: one run per event the hub delivers (api/graphql_sub.c) ---- */

/* An event as the Event type reads it: from the hub's message, its JSON taken apart once. */
typedef struct {
  int64_t id, user_id;
  int is_public;
  const char *kind, *subject, *data, *at;
} gqlp_event;

int gqlp_kind_matches(const char *const *kinds, int n, const char *kind) {
  if (n == 0) return 1;
  for (int i = 0; i < n; i++) {
    const char *k = kinds[i];
    size_t l = strlen(k);
    if (strcmp(k, "*") == 0 || strcmp(k, kind) == 0) return 1;
    if (l >= 3 && k[l - 1] == '*' && k[l - 2] == '.' && strncmp(kind, k, l - 1) == 0) return 1;
  }
  return 0;
}

static const char *json_member_text(arena *a, const json_t *o, const char *key) {
  const json_t *v = json_object_get(o, key);
  if (!v || json_is_null(v)) return NULL;
  if (json_is_string(v)) return arena_strdup(a, json_string_value(v));
  char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
  if (!t) return NULL;
  const char *s = arena_strdup(a, t);
  free(t);
  return s;
}

/* Subscription.events: the root object is the event; one the kinds do not name is marked skipped
 * (the transport sends nothing for it). Visibility is the hub's (the subscriber's viewer). */
static int s_events(gql_call *c) {
  const events_msg *m = CTX(c)->event;
  if (!m) return fail_all(c, PHEME_GQL_REQUEST, "a subscription runs only on events");
  const gql_rv *kinds = gql_arg_get(c, "kinds");
  int nk = kinds && kinds->kind == GQL_R_LIST ? kinds->n : 0;
  const char **ks = arena_alloc(c->a, sizeof *ks * (size_t)(nk + 1));
  if (!ks) return PHEME_SYS_NOMEM;
  for (int i = 0; i < nk; i++) ks[i] = kinds->items[i].kind == GQL_R_STRING ? kinds->items[i].s : "";
  if (!gqlp_kind_matches(ks, nk, m->kind)) CTX(c)->event_skip = 1;
  gqlp_event *ev = arena_zalloc(c->a, sizeof *ev);
  if (!ev) return PHEME_SYS_NOMEM;
  ev->id = m->id;
  ev->user_id = m->user_id;
  ev->is_public = m->is_public;
  ev->kind = m->kind;
  json_t *j = json_loadb(m->json, m->json_len, 0, NULL);
  if (j) {
    ev->subject = json_member_text(c->a, j, "subject");
    ev->data = json_member_text(c->a, j, "data");
    ev->at = json_member_text(c->a, j, "at");
    json_decref(j);
  }
  if (ev->subject && ev->subject[0] != '{') ev->subject = NULL;
  for (int i = 0; i < c->n; i++) gql_set_obj(&c->out[i], ev, NULL);
  return 0;
}

/* A JSON member kept as text (subject, data); null when absent. */
static int ev_json(gql_call *c) {
  for (int i = 0; i < c->n; i++) {
    const char *v = *(const char *const *)((const char *)c->parents[i] + c->field->def->off);
    if (!v) continue;
    gql_set_str(&c->out[i], v);
    c->out[i].raw = 1;
  }
  return 0;
}

static int ev_user_id(gql_call *c) {
  for (int i = 0; i < c->n; i++) {
    const gqlp_event *e = c->parents[i];
    if (e->user_id > 0) gql_set_str(&c->out[i], arena_printf(c->a, "%lld", (long long)e->user_id));
  }
  return 0;
}

/* ---- the table ---- */

#define STR(name, type, member, doc) {name, "String!", NULL, 0, gql_res_str, offsetof(type, member), 0, doc}
#define OSTR(name, type, member, doc) {name, "String", NULL, 0, res_opt_str, offsetof(type, member), 0, doc}
#define ID(type, member) {"id", "ID!", NULL, 0, gql_res_id, offsetof(type, member), 0, NULL}
#define INT(name, type, member, doc) {name, "Int!", NULL, 0, gql_res_int, offsetof(type, member), 0, doc}
#define TIME(name, type, member, doc) {name, "DateTime!", NULL, 0, gql_res_time, offsetof(type, member), 0, doc}
#define OTIME(name, type, member, doc) {name, "DateTime", NULL, 0, gql_res_time, offsetof(type, member), 0, doc}
#define ADDR(name, type, member, doc) {name, "Bytes!", NULL, 0, res_address, offsetof(type, member), 0, doc}
#define JSONF(name, type, member, doc) {name, "JSON!", NULL, 0, gql_res_json, offsetof(type, member), 0, doc}

static const gql_input_def page_args_def[] = {
    {"first", "Int", "20", "At most this many (0..1000)"},
    {"skip", "Int", "0", "Skip this many first (0..5000)"},
};
static const gql_input_def sub_page_args[] = {
    {"first", "Int", "10", "At most this many (0..1000)"},
    {"skip", "Int", "0", "Skip this many first (0..5000)"},
    {"state", "SubmissionState", NULL, "Only submissions in this state"},
};

static const gql_field_def user_fields[] = {
    ID(user, id),
    ADDR("address", user, address, "The primary (payout) wallet, EIP-55"),
    STR("displayName", user, display_name, NULL),
    STR("bio", user, bio, NULL),
    {"roles", "[String!]!", NULL, 0, user_roles, 0, 0, "user, creator, validator, admin"},
    TIME("createdAt", user, created_at, NULL),
    {"skills", "[SkillLevel!]!", NULL, 0, user_skills, 0, 0, "Levels earned per skill, highest XP first"},
    {"guilds", "[Membership!]!", NULL, 0, user_guilds, 0, 0, "Guilds joined, in joining order"},
    {"submissions", "[Submission!]", sub_page_args, N(sub_page_args), user_submissions, 0, 0,
     "Newest first; only the person themself or an admin may ask (AUTH004 otherwise)"},
    {"validator", "Validator", NULL, 0, user_validator, 0, 0, "Their validator registration, if any"},
    {"progress", "Progress!", NULL, 0, user_progress, 0, 0, "Total XP, level and streak"},
    {"badges", "[Badge!]!", NULL, 0, user_badges, 0, 0, "Badges held (not revoked), oldest first"},
    {"reputation", "Reputation!", NULL, 0, user_reputation, 0, 0, "The stored score (0 until computed)"},
};

static const gql_field_def progress_fields[] = {
    {"xp", "BigInt!", NULL, 0, gql_res_bigint, offsetof(gqls_progress, xp), 0, "Total XP"},
    STR("level", gqls_progress, level, "NOVICE, ADVANCED, EXPERT or MASTER"),
    INT("streak", gqls_progress, streak_current, "Consecutive active days, now"),
    INT("longestStreak", gqls_progress, streak_longest, NULL),
};

static const gql_field_def reputation_fields[] = {
    {"score", "Float!", NULL, 0, res_points, offsetof(rep_obj, l.score), 0, "0..100, six decimals"},
    {"technical", "Float!", NULL, 0, res_points, offsetof(rep_obj, l.domain[0]), 0, NULL},
    {"creative", "Float!", NULL, 0, res_points, offsetof(rep_obj, l.domain[1]), 0, NULL},
    {"business", "Float!", NULL, 0, res_points, offsetof(rep_obj, l.domain[2]), 0, NULL},
    {"computed", "Boolean!", NULL, 0, gql_res_bool, offsetof(rep_obj, l.found), 0, "false: never computed (scores 0)"},
    {"asOf", "DateTime", NULL, 0, rep_as_of, 0, 0, NULL},
    {"user", "User", NULL, 0, rep_user, 0, 0, NULL},
    {"explain", "JSON", NULL, 0, rep_explain_field, 0, 10,
     "The receipt: every input and intermediate, the formula version, the diff against the stored score (as GET /api/v1/reputation/:address/explain)"},
};

static const gql_field_def season_fields[] = {
    ID(game_season, id),
    STR("slug", game_season, slug, NULL),
    STR("name", game_season, name, NULL),
    TIME("startsAt", game_season, starts_at, NULL),
    TIME("endsAt", game_season, ends_at, NULL),
    {"seedHash", "Bytes!", NULL, 0, res_hash32, offsetof(game_season, seed_hash), 0, "keccak256 of the seed, published at creation"},
    {"seed", "Bytes", NULL, 0, season_seed, 0, 0, "The seed, once revealed"},
    {"revealed", "Boolean!", NULL, 0, gql_res_bool, offsetof(game_season, revealed), 0, NULL},
    TIME("createdAt", game_season, created_at, NULL),
};

static const gql_field_def quest_fields[] = {
    ID(game_quest, id),
    STR("slug", game_quest, slug, NULL),
    STR("name", game_quest, name, NULL),
    STR("description", game_quest, description, NULL),
    {"xpReward", "BigInt!", NULL, 0, gql_res_bigint, offsetof(game_quest, xp_reward), 0, NULL},
    {"steps", "[QuestStep!]!", NULL, 0, quest_steps, 0, 0, "Tasks in order"},
    {"requires", "[String!]!", NULL, 0, quest_requires, 0, 0, "Slugs of the quests to complete first"},
    {"stepsDone", "Int", NULL, 0, quest_steps_done, 0, 0, "The caller's steps done; null when anonymous"},
    OTIME("completedAt", game_quest, completed_at, "When the caller completed it"),
    TIME("createdAt", game_quest, created_at, NULL),
};

static const gql_field_def quest_step_fields[] = {
    INT("position", game_quest_step, position, "1-based"),
    {"taskId", "ID!", NULL, 0, gql_res_id, offsetof(game_quest_step, task_id), 0, NULL},
    STR("title", game_quest_step, task_title, "The task's title"),
};

static const gql_field_def badge_type_fields[] = {
    ID(badge_type, id),
    STR("slug", badge_type, slug, NULL),
    STR("name", badge_type, name, NULL),
    STR("description", badge_type, description, NULL),
    STR("rarity", badge_type, rarity, "COMMON, RARE, EPIC or LEGENDARY"),
    {"soulbound", "Boolean!", NULL, 0, gql_res_bool, offsetof(badge_type, soulbound), 0, NULL},
    {"maxSupply", "BigInt!", NULL, 0, gql_res_bigint, offsetof(badge_type, max_supply), 0, "0: unlimited"},
    {"supply", "BigInt!", NULL, 0, gql_res_bigint, offsetof(badge_type, supply), 0, "Awards not revoked"},
    STR("issuance", badge_type, issuance, "voucher or mint"),
    JSONF("rule", badge_type, rule, "The rule that earns it (docs/badges.md)"),
    TIME("createdAt", badge_type, created_at, NULL),
};

static const gql_field_def leaderboard_entry_fields[] = {
    {"rank", "Int!", NULL, 0, gql_res_int64, offsetof(rank_entry, rank), 0, "1-based"},
    {"xp", "BigInt!", NULL, 0, gql_res_bigint, offsetof(rank_entry, xp), 0, "XP on this board"},
    {"user", "User", NULL, 0, res_user_at, offsetof(rank_entry, id), 0, "null when the person was deleted since"},
};

static const gql_field_def endorsement_fields[] = {
    ID(store_rep_endorsement, id),
    {"from", "Bytes!", NULL, 0, endorsement_from, 0, 0, "The endorser's address"},
    {"to", "User!", NULL, 0, res_user_at, offsetof(store_rep_endorsement, to_user), 0, NULL},
    STR("skill", store_rep_endorsement, skill, "The skill's slug"),
    {"weight", "BigInt!", NULL, 0, gql_res_bigint, offsetof(store_rep_endorsement, weight), 0, NULL},
    STR("source", store_rep_endorsement, source, NULL),
    TIME("createdAt", store_rep_endorsement, created_at, NULL),
};

static const gql_field_def skill_level_fields[] = {
    STR("slug", skill_level, slug, NULL),
    STR("name", skill_level, name, NULL),
    STR("domain", skill_level, domain, NULL),
    {"xp", "BigInt!", NULL, 0, gql_res_bigint, offsetof(skill_level, xp), 0, NULL},
    INT("level", skill_level, level, "0..100"),
    OTIME("lastValidated", skill_level, last_validated, NULL),
};

static const gql_field_def membership_fields[] = {
    {"guild", "Guild!", NULL, 0, membership_guild, 0, 0, NULL},
    STR("role", gqls_membership, role, "OWNER or MEMBER"),
    TIME("joinedAt", gqls_membership, joined_at, NULL),
};

static const gql_field_def badge_fields[] = {
    STR("slug", badge_award, slug, NULL),
    STR("name", badge_award, name, NULL),
    STR("rarity", badge_award, rarity, NULL),
    {"soulbound", "Boolean!", NULL, 0, gql_res_bool, offsetof(badge_award, soulbound), 0, NULL},
    TIME("awardedAt", badge_award, awarded_at, NULL),
};

static const gql_field_def guild_ref_fields[] = {
    STR("slug", guild_ref, slug, NULL),
    STR("name", guild_ref, name, NULL),
    STR("type", guild_ref, type, NULL),
    STR("role", guild_ref, role, NULL),
};

static const gql_field_def wallet_fields[] = {
    ADDR("address", wallet_view, profile.address, NULL),
    {"user", "User!", NULL, 0, wallet_user, 0, 0, NULL},
    {"xp", "BigInt!", NULL, 0, gql_res_bigint, offsetof(wallet_view, xp), 0, "Total XP"},
    {"skills", "[SkillLevel!]!", NULL, 0, wallet_skills, 0, 0, NULL},
    {"badges", "[Badge!]!", NULL, 0, wallet_badges, 0, 0, NULL},
    {"guilds", "[GuildRef!]!", NULL, 0, wallet_guilds, 0, 0, NULL},
};

static const gql_field_def skill_fields[] = {
    ID(skill, id),
    STR("slug", skill, slug, NULL),
    STR("name", skill, name, NULL),
    STR("domain", skill, domain, "technical, creative or business"),
    STR("description", skill, description, NULL),
    OSTR("parent", skill, parent, "The parent skill's slug"),
};

static const gql_field_def task_skill_fields[] = {
    STR("skill", task_skill, slug, "The skill's slug"),
    INT("minLevel", task_skill, min_level, NULL),
};

static const gql_field_def task_fields[] = {
    ID(task, id),
    {"type", "TaskType!", NULL, 0, gql_res_str, offsetof(task, type), 0, NULL},
    STR("title", task, title, NULL),
    STR("description", task, description, NULL),
    {"status", "TaskStatus!", NULL, 0, gql_res_str, offsetof(task, status), 0, NULL},
    INT("difficulty", task, difficulty, "1..10"),
    {"xpReward", "BigInt!", NULL, 0, gql_res_bigint, offsetof(task, xp_reward), 0, NULL},
    {"tokenReward", "BigInt!", NULL, 0, res_amount, offsetof(task, token_reward), 0, "In wei"},
    {"creator", "User!", NULL, 0, res_user_at, offsetof(task, creator_id), 0, NULL},
    {"guildId", "ID", NULL, 0, task_guild_id, 0, 0, NULL},
    OTIME("deadline", task, deadline, NULL),
    JSONF("requirements", task, requirements, "minReputation, minLevel"),
    JSONF("validation", task, validation, "rubric, aiReview, peerReview, evidenceTypes, minScore, minValidators, consensusThreshold"),
    {"skills", "[TaskSkill!]!", NULL, 0, task_skills, 0, 0, NULL},
    TIME("createdAt", task, created_at, NULL),
    TIME("updatedAt", task, updated_at, NULL),
    {"submissions", "[Submission!]", sub_page_args, N(sub_page_args), task_submissions, 0, 0,
     "Newest first; only the task's creator or an admin may ask (AUTH004 otherwise)"},
};

static const gql_field_def submission_fields[] = {
    ID(submission, id),
    {"task", "Task!", NULL, 0, sub_task, 0, 0, NULL},
    {"author", "User!", NULL, 0, res_user_at, offsetof(submission, user_id), 0, NULL},
    STR("text", submission, text, NULL),
    JSONF("evidence", submission, evidence, "[{type, url, description}]"),
    {"state", "SubmissionState!", NULL, 0, gql_res_str, offsetof(submission, state), 0, NULL},
    STR("feedback", submission, feedback, NULL),
    {"finalScore", "Int", NULL, 0, res_opt_int, offsetof(submission, final_score), 0, "0..100 once decided"},
    TIME("createdAt", submission, created_at, NULL),
    TIME("updatedAt", submission, updated_at, NULL),
    {"timeline", "[SubmissionEvent!]!", NULL, 0, sub_timeline, 0, 0, "Every state change, oldest first"},
    {"assessments", "[Assessment!]!", NULL, 0, sub_assessments, 0, 0, NULL},
    {"reviews", "[Review!]!", NULL, 0, sub_reviews, 0, 0, "Validators' signed reviews, every round"},
    {"disputes", "[Dispute!]!", NULL, 0, sub_disputes, 0, 0, NULL},
};

static const gql_field_def event_fields[] = {
    ID(sub_event_row, id),
    STR("from", sub_event_row, from, "The state before (\"\" for the submission itself)"),
    STR("to", sub_event_row, to, NULL),
    STR("event", sub_event_row, event, NULL),
    STR("actor", sub_event_row, actor, "submitter, creator, validator, admin or system"),
    TIME("at", sub_event_row, at, NULL),
    JSONF("detail", sub_event_row, detail, NULL),
};

static const gql_field_def assessment_fields[] = {
    ID(assessment_row, id),
    STR("assessor", assessment_row, assessor, NULL),
    STR("model", assessment_row, model, NULL),
    JSONF("scores", assessment_row, scores, "[{criterion, score}]"),
    {"overall", "Int", NULL, 0, res_opt_int, offsetof(assessment_row, overall), 0, "0..100; null when it failed"},
    {"confidencePpm", "Int", NULL, 0, res_opt_int, offsetof(assessment_row, confidence_ppm), 0, NULL},
    STR("feedback", assessment_row, feedback, NULL),
    {"ok", "Boolean!", NULL, 0, gql_res_bool, offsetof(assessment_row, ok), 0, NULL},
    STR("reason", assessment_row, reason, "Why it failed"),
    TIME("createdAt", assessment_row, created_at, NULL),
};

static const gql_field_def review_fields[] = {
    ID(review_row, id),
    INT("round", review_row, round, "0 for the first panel, n for the panel of the nth dispute"),
    ADDR("validator", review_row, validator_address, NULL),
    INT("score", review_row, score, NULL),
    JSONF("criteria", review_row, criteria, "[{id, score}] as signed"),
    STR("feedback", review_row, feedback, NULL),
    {"signature", "Bytes!", NULL, 0, review_signature, 0, 0, "The EIP-712 signature"},
    TIME("createdAt", review_row, created_at, NULL),
};

static const gql_field_def dispute_fields[] = {
    ID(dispute_row, id),
    INT("round", dispute_row, round, NULL),
    STR("reason", dispute_row, reason, NULL),
    STR("firstState", dispute_row, first_state, "The decision disputed"),
    {"firstScore", "Int", NULL, 0, res_opt_int, offsetof(dispute_row, first_score), 0, NULL},
    OSTR("outcome", dispute_row, outcome, "The state it settled in; null while open"),
    {"finalScore", "Int", NULL, 0, res_opt_int, offsetof(dispute_row, final_score), 0, NULL},
    TIME("createdAt", dispute_row, created_at, NULL),
    OTIME("resolvedAt", dispute_row, resolved_at, NULL),
};

static const gql_field_def guild_fields[] = {
    ID(guild, id),
    STR("slug", guild, slug, NULL),
    STR("name", guild, name, NULL),
    {"type", "GuildType!", NULL, 0, gql_res_str, offsetof(guild, type), 0, NULL},
    STR("description", guild, description, NULL),
    {"owner", "User!", NULL, 0, res_user_at, offsetof(guild, owner_id), 0, NULL},
    {"memberCount", "Int!", NULL, 0, gql_res_int64, offsetof(guild, member_count), 0, NULL},
    TIME("createdAt", guild, created_at, NULL),
    {"members", "[GuildMember!]!", page_args_def, N(page_args_def), guild_members, 0, 0, "In joining order"},
};

static const gql_field_def guild_member_fields[] = {
    ADDR("address", guild_member, address, NULL),
    STR("displayName", guild_member, display_name, NULL),
    STR("role", guild_member, role, NULL),
    TIME("joinedAt", guild_member, joined_at, NULL),
    {"user", "User!", NULL, 0, res_user_at, offsetof(guild_member, user_id), 0, NULL},
};

static const gql_field_def validator_fields[] = {
    ID(validator_row, id),
    ADDR("address", validator_row, address, NULL),
    {"stake", "BigInt!", NULL, 0, res_amount, offsetof(validator_row, stake), 0, "In wei"},
    JSONF("domains", validator_row, domains, NULL),
    STR("status", validator_row, status, "active or suspended"),
    INT("accuracyPpm", validator_row, accuracy_ppm, NULL),
    INT("outlierStreak", validator_row, outlier_streak, NULL),
    {"slashingCandidate", "Boolean!", NULL, 0, gql_res_bool, offsetof(validator_row, slashing_candidate), 0, NULL},
    {"user", "User!", NULL, 0, res_user_at, offsetof(validator_row, user_id), 0, NULL},
};

static const gql_field_def staking_fields[] = {
    ADDR("address", staking_view, address, NULL),
    {"stake", "BigInt!", NULL, 0, res_amount, offsetof(staking_view, stake), 0, NULL},
    {"tokenBalance", "BigInt!", NULL, 0, res_amount, offsetof(staking_view, balance), 0, NULL},
    {"tokenVotes", "BigInt!", NULL, 0, res_amount, offsetof(staking_view, votes), 0, NULL},
    {"rewardsClaimed", "BigInt!", NULL, 0, res_amount, offsetof(staking_view, claimed), 0, NULL},
    {"staking", "JSON", NULL, 0, gql_res_json, offsetof(staking_view, staking), 0, "Cooldown and unstake requests"},
    {"delegation", "JSON", NULL, 0, gql_res_json, offsetof(staking_view, delegation), 0, NULL},
};

static const gql_input_def vote_args[] = {
    {"first", "Int", "100", "At most this many (0..100)"},
    {"skip", "Int", "0", NULL},
};

static const gql_field_def proposal_fields[] = {
    {"id", "ID!", NULL, 0, gql_res_str, offsetof(chain_entity, key), 0, NULL},
    {"proposer", "Bytes", NULL, 0, entity_owner, 0, 0, NULL},
    {"data", "JSON!", NULL, 0, entity_data, 0, 0, "The proposal as indexed: state, tallies, times"},
    {"block", "Int!", NULL, 0, gql_res_int64, offsetof(chain_entity, block_number), 0, "The block of its last change"},
    {"votes", "[Vote!]!", vote_args, N(vote_args), proposal_votes, 0, 0, NULL},
};

static const gql_field_def vote_fields[] = {
    {"voter", "Bytes", NULL, 0, entity_owner, 0, 0, NULL},
    {"weight", "BigInt!", NULL, 0, res_amount, offsetof(chain_entity, amount), 0, NULL},
    {"data", "JSON!", NULL, 0, entity_data, 0, 0, NULL},
    {"block", "Int!", NULL, 0, gql_res_int64, offsetof(chain_entity, block_number), 0, NULL},
};

static const gql_field_def chain_validator_fields[] = {
    {"address", "Bytes", NULL, 0, entity_owner, 0, 0, NULL},
    {"slashed", "BigInt!", NULL, 0, res_amount, offsetof(chain_entity, amount), 0, "Stake slashed so far, in wei"},
    {"registry", "JSON!", NULL, 0, entity_data, 0, 0, "Status, domains and stake as the registry holds them"},
    {"block", "Int!", NULL, 0, gql_res_int64, offsetof(chain_entity, block_number), 0, "The block of its last change"},
};

static const gql_field_def meta_fields[] = {
    {"block", "_Block_!", NULL, 0, meta_block, 0, 0, "The last block indexed, or the block asked"},
    {"hasIndexingErrors", "Boolean!", NULL, 0, meta_errors, 0, 0, "Whether indexing halted (a reorg past its depth)"},
    {"chainId", "BigInt", NULL, 0, meta_chain, 0, 0, NULL},
};

static const gql_field_def block_fields[] = {
    {"number", "Int", NULL, 0, block_number, 0, 0, "null before the first block"},
    {"hash", "Bytes", NULL, 0, block_hash, 0, 0, NULL},
};

static const gql_field_def connection_fields[] = {
    {"edges", "[TaskEdge!]!", NULL, 0, conn_edges, 0, 0, NULL},
    {"pageInfo", "PageInfo!", NULL, 0, conn_page_info, 0, 0, NULL},
};
static const gql_field_def edge_fields[] = {
    {"cursor", "String!", NULL, 0, gql_res_str, offsetof(task_edge, cursor), 0, NULL},
    {"node", "Task!", NULL, 0, edge_node, 0, 0, NULL},
};
static const gql_field_def page_info_fields[] = {
    {"hasNextPage", "Boolean!", NULL, 0, page_has_next, 0, 0, NULL},
    {"endCursor", "String", NULL, 0, page_end_cursor, 0, 0, NULL},
};

static const gql_input_def id_arg_def[] = {{"id", "ID!", NULL, NULL}};
static const gql_input_def user_args[] = {{"id", "ID", NULL, NULL}, {"address", "Bytes", NULL, "0x and 40 hex digits"}};
static const gql_input_def address_arg_def[] = {{"address", "Bytes!", NULL, "0x and 40 hex digits"}};

/* The chain projections' arguments: The Graph's time travel, `block: { number }`. */
#define BLOCK_ARG {"block", "Block_height", NULL, "The projections as they were at this block (within the history kept)"}
static const gql_input_def block_height_fields[] = {
    {"number", "Int", NULL, "That block"},
    {"number_gte", "Int", NULL, "The latest block, if it is at least this one"},
};
static const gql_input_def staking_args[] = {{"address", "Bytes!", NULL, "0x and 40 hex digits"}, BLOCK_ARG};
static const gql_input_def proj_page_args[] = {
    {"first", "Int", "20", "At most this many (0..1000)"},
    {"skip", "Int", "0", "Skip this many first (0..5000)"},
    BLOCK_ARG,
};
static const gql_input_def meta_args[] = {BLOCK_ARG};
static const gql_input_def slug_arg[] = {{"slug", "String!", NULL, NULL}};
static const gql_input_def domain_arg[] = {{"domain", "String", NULL, "technical, creative or business"}};
static const gql_input_def tasks_args[] = {
    {"first", "Int", "20", "At most this many (0..1000)"},
    {"skip", "Int", "0", "Skip this many first (0..5000)"},
    {"where", "Task_filter", NULL, NULL},
    {"orderBy", "Task_orderBy", "id", NULL},
    {"orderDirection", "OrderDirection", "desc", NULL},
};
static const gql_input_def tasks_conn_args[] = {
    {"first", "Int", "20", "At most this many (0..1000)"},
    {"after", "String", NULL, "The endCursor of the page before"},
    {"where", "Task_filter", NULL, NULL},
};
static const gql_input_def guilds_args[] = {
    {"first", "Int", "20", NULL}, {"skip", "Int", "0", NULL}, {"type", "GuildType", NULL, NULL}};
static const gql_input_def validators_args[] = {
    {"first", "Int", "100", NULL}, {"skip", "Int", "0", NULL}, {"slashingCandidates", "Boolean", "false", NULL}};
static const gql_input_def proposal_arg[] = {{"id", "ID!", NULL, "A decimal uint256"}, BLOCK_ARG};

static const gql_input_def leaderboard_args[] = {
    {"skill", "String", NULL, "A skill's slug: XP in that skill"},
    {"guild", "String", NULL, "A guild's slug: XP earned for that guild"},
    {"season", "ID", NULL, "A season's id: XP in that season"},
    {"first", "Int", "25", "At most this many (0..100)"},
    {"skip", "Int", "0", "From this rank on, less one (0..5000)"},
};
static const gql_input_def endorse_args[] = {
    {"address", "Bytes!", NULL, "The person endorsed"}, {"skill", "String!", NULL, "A skill's slug"}};

static const gql_input_def events_args[] = {
    {"kinds", "[String!]", NULL, "Event kinds (\"submission.*\" for a prefix); all when omitted"}};

static const gql_field_def subscription_fields[] = {
    {"events", "Event!", events_args, N(events_args), s_events, 0, 0,
     "Events as they are committed: public ones, the caller's own private ones, all for an admin (as GET /api/v1/events)"},
};

static const gql_field_def gqlp_event_fields[] = {
    ID(gqlp_event, id),
    STR("kind", gqlp_event, kind, "submission.created, xp.awarded, level.up, badge.awarded, …"),
    {"public", "Boolean!", NULL, 0, gql_res_bool, offsetof(gqlp_event, is_public), 0, NULL},
    {"userId", "ID", NULL, 0, ev_user_id, 0, 0, "The person it is about, if any"},
    {"subject", "JSON", NULL, 0, ev_json, offsetof(gqlp_event, subject), 0, "{type, id}"},
    {"data", "JSON", NULL, 0, ev_json, offsetof(gqlp_event, data), 0, NULL},
    {"at", "DateTime", NULL, 0, res_opt_str, offsetof(gqlp_event, at), 0, NULL},
};

static const gql_field_def query_fields[] = {
    {"me", "User", NULL, 0, q_me, 0, 0, "The caller; null when anonymous"},
    {"user", "User", user_args, N(user_args), q_user, 0, 0, "A person by id or by address"},
    {"users", "[User!]!", page_args_def, N(page_args_def), q_users, 0, 0, "People, newest first"},
    {"wallet", "Wallet", address_arg_def, 1, q_wallet, 0, 0, "The Skill Wallet of an address"},
    {"skill", "Skill", slug_arg, 1, q_skill, 0, 0, NULL},
    {"skills", "[Skill!]!", domain_arg, 1, q_skills, 0, 0, "The skills catalogue"},
    {"task", "Task", id_arg_def, 1, q_task, 0, 0, NULL},
    {"tasks", "[Task!]!", tasks_args, N(tasks_args), q_tasks, 0, 0, "Tasks, filtered and ordered (newest first by default)"},
    {"tasksConnection", "TaskConnection!", tasks_conn_args, N(tasks_conn_args), q_tasks_connection, 0, 0,
     "Tasks newest first as a cursor connection"},
    {"submission", "Submission", id_arg_def, 1, q_submission, 0, 0,
     "Its author, the task's creator, a validator or an admin may ask (AUTH004 otherwise)"},
    {"guild", "Guild", slug_arg, 1, q_guild, 0, 0, NULL},
    {"guilds", "[Guild!]!", guilds_args, N(guilds_args), q_guilds, 0, 0, "Guilds, newest first"},
    {"validators", "[Validator!]!", validators_args, N(validators_args), q_validators, 0, 0,
     "Validators with their standing (admins only)"},
    {"staking", "Staking", staking_args, N(staking_args), q_staking, 0, 0, "Stake, balance, votes of an address, as indexed"},
    {"proposals", "[Proposal!]!", proj_page_args, N(proj_page_args), q_proposals, 0, 0, "Governance proposals, newest first"},
    {"proposal", "Proposal", proposal_arg, N(proposal_arg), q_proposal, 0, 0, NULL},
    {"chainValidators", "[ChainValidator!]!", proj_page_args, N(proj_page_args), q_chain_validators, 0, 0,
     "The validator registry as indexed from the chain, newest first"},
    {"_meta", "_Meta_", meta_args, N(meta_args), q_meta, 0, 0,
     "Where the chain projections stand; with block, that block (refused as the projections would be)"},
    {"reputation", "Reputation", address_arg_def, 1, q_reputation, 0, 0, "The score of the person holding an address; null for nobody"},
    {"seasons", "[Season!]!", NULL, 0, q_seasons, 0, 0, "Seasons, newest start first"},
    {"season", "Season", id_arg_def, 1, q_season, 0, 0, NULL},
    {"quests", "[Quest!]!", NULL, 0, q_quests, 0, 0, "Quest chains, with the caller's progress"},
    {"badgeTypes", "[BadgeType!]!", page_args_def, N(page_args_def), q_badge_types, 0, 0, "Badge types still awarded, newest first"},
    {"leaderboard", "[LeaderboardEntry!]!", leaderboard_args, N(leaderboard_args), q_leaderboard, 0, 0,
     "People by XP: all of it, or in one skill, guild or season (at most one named)"},
};

static const gql_input_def task_input_fields[] = {
    {"type", "TaskType!", NULL, NULL},
    {"title", "String!", NULL, "1..200 characters"},
    {"description", "String!", NULL, NULL},
    {"difficulty", "Int!", NULL, "1..10"},
    {"xpReward", "Int!", NULL, "0..1000000"},
    {"tokenReward", "BigInt", NULL, "In wei; 0 when omitted"},
    {"status", "TaskStatus", NULL, "DRAFT or OPEN (the default)"},
    {"skills", "[TaskSkillInput!]", NULL, NULL},
};
static const gql_input_def task_skill_input_fields[] = {
    {"skill", "String!", NULL, "A skill's slug"},
    {"minLevel", "Int", "0", NULL},
};
static const gql_input_def evidence_input_fields[] = {
    {"type", "String!", NULL, "link, repository, image, video or document"},
    {"url", "String!", NULL, NULL},
    {"description", "String", NULL, NULL},
};
static const gql_input_def create_task_args[] = {{"input", "TaskInput!", NULL, NULL}};
static const gql_input_def submit_args[] = {
    {"taskId", "ID!", NULL, NULL}, {"text", "String!", NULL, NULL}, {"evidence", "[EvidenceInput!]", NULL, NULL}};

static const gql_field_def mutation_fields[] = {
    {"createTask", "Task", create_task_args, 1, m_create_task, 0, 10, "Post a task (creator role), as POST /api/v1/tasks"},
    {"submit", "Submission", submit_args, N(submit_args), m_submit, 0, 10, "Submit work to a task, as POST /api/v1/tasks/:id/submissions"},
    {"joinGuild", "Guild", slug_arg, 1, m_join_guild, 0, 10, "Join a guild, as POST /api/v1/guilds/:slug/join"},
    {"endorse", "Endorsement", endorse_args, N(endorse_args), m_endorse, 0, 10, "Endorse a person in a skill, as POST /api/v1/endorsements"},
};

static const gql_input_def task_filter_fields[] = {
    {"id", "ID", NULL, NULL},
    {"id_in", "[ID!]", NULL, "At most 100"},
    {"id_gt", "ID", NULL, NULL},
    {"id_lt", "ID", NULL, NULL},
    {"type", "TaskType", NULL, NULL},
    {"type_in", "[TaskType!]", NULL, NULL},
    {"status", "TaskStatus", NULL, NULL},
    {"status_not", "TaskStatus", NULL, NULL},
    {"status_in", "[TaskStatus!]", NULL, NULL},
    {"difficulty", "Int", NULL, NULL},
    {"difficulty_gt", "Int", NULL, NULL},
    {"difficulty_gte", "Int", NULL, NULL},
    {"difficulty_lt", "Int", NULL, NULL},
    {"difficulty_lte", "Int", NULL, NULL},
    {"xpReward_gt", "Int", NULL, NULL},
    {"xpReward_gte", "Int", NULL, NULL},
    {"xpReward_lt", "Int", NULL, NULL},
    {"xpReward_lte", "Int", NULL, NULL},
    {"title_contains", "String", NULL, "A substring of the title (case-sensitive)"},
    {"creator", "Bytes", NULL, "The creator's address"},
    {"skill", "String", NULL, "Tasks that ask for this skill (slug)"},
};

static const gql_enum_def order_direction[] = {{"asc"}, {"desc"}};
static const gql_enum_def task_order_by[] = {{"id"}, {"createdAt"}, {"difficulty"}, {"xpReward"}};
static const gql_enum_def task_types[] = {{"LESSON"}, {"BOUNTY"}, {"QUEST"}};
static const gql_enum_def task_statuses[] = {{"DRAFT"}, {"OPEN"}, {"CLOSED"}};
static const gql_enum_def guild_types[] = {{"SKILL"}, {"GEO"}, {"INTEREST"}};
static const gql_enum_def sub_states[] = {{"SUBMITTED"}, {"CHECKING"}, {"AI_REVIEW"}, {"PEER_REVIEW"}, {"APPROVED"},
                                          {"REJECTED"}, {"CHANGES_REQUESTED"}, {"DISPUTED"}, {"RESOLVED"}};

#define OBJ(name, doc, fields) {GQL_OBJECT, name, doc, fields, N(fields)}
#define ENUM(name, doc, values) {GQL_ENUM, name, doc, NULL, 0, NULL, 0, values, N(values)}
#define INPUT(name, doc, fields) {GQL_INPUT_OBJECT, name, doc, NULL, 0, fields, N(fields)}

const gql_type_def gqlp_types[] = {
    OBJ("Query", NULL, query_fields),
    OBJ("Mutation", NULL, mutation_fields),
    OBJ("Subscription", NULL, subscription_fields),
    OBJ("Event", "A domain event, as the event stream gives it", gqlp_event_fields),
    {GQL_SCALAR, "BigInt", "An integer of up to 256 bits as a decimal string"},
    {GQL_SCALAR, "Bytes", "Bytes as 0x-prefixed hex (an address: 20 bytes, EIP-55 in answers)"},
    {GQL_SCALAR, "DateTime", "A time as RFC 3339 text in UTC with milliseconds"},
    {GQL_SCALAR, "JSON", "A JSON value, as it is stored"},
    OBJ("User", "A person, with their primary wallet", user_fields),
    OBJ("SkillLevel", "A person's level in one skill", skill_level_fields),
    OBJ("Membership", "A person's place in a guild", membership_fields),
    OBJ("Badge", "A badge awarded to a person", badge_fields),
    OBJ("GuildRef", "A guild as a Skill Wallet lists it", guild_ref_fields),
    OBJ("Wallet", "The Skill Wallet of an address", wallet_fields),
    OBJ("Skill", NULL, skill_fields),
    OBJ("TaskSkill", "A skill a task asks for, with a minimum level", task_skill_fields),
    OBJ("Task", NULL, task_fields),
    OBJ("Submission", "Work submitted to a task, with its validation", submission_fields),
    OBJ("SubmissionEvent", "One state change of a submission", event_fields),
    OBJ("Assessment", "An automatic assessment of a submission", assessment_fields),
    OBJ("Review", "A validator's signed review", review_fields),
    OBJ("Dispute", NULL, dispute_fields),
    OBJ("Guild", NULL, guild_fields),
    OBJ("GuildMember", NULL, guild_member_fields),
    OBJ("Validator", "A registered validator and its standing", validator_fields),
    OBJ("Staking", "The staking of an address, from the chain's projections", staking_fields),
    OBJ("Proposal", "A governance proposal, from the chain's projections", proposal_fields),
    OBJ("Vote", NULL, vote_fields),
    OBJ("ChainValidator", "A validator as the on-chain registry holds it", chain_validator_fields),
    OBJ("_Meta_", "The indexing status of the chain projections", meta_fields),
    OBJ("_Block_", NULL, block_fields),
    OBJ("Progress", "A person's XP, level and streak", progress_fields),
    OBJ("Reputation", "A person's reputation score (0-100) and its domain scores", reputation_fields),
    OBJ("Season", "A season, with its seed hash (and seed once revealed)", season_fields),
    OBJ("Quest", "A quest chain", quest_fields),
    OBJ("QuestStep", NULL, quest_step_fields),
    OBJ("BadgeType", NULL, badge_type_fields),
    OBJ("LeaderboardEntry", "One place on a leaderboard", leaderboard_entry_fields),
    OBJ("Endorsement", NULL, endorsement_fields),
    OBJ("TaskConnection", NULL, connection_fields),
    OBJ("TaskEdge", NULL, edge_fields),
    OBJ("PageInfo", NULL, page_info_fields),
    INPUT("Block_height", "A block of the chain: the projections as they were when it was the last indexed", block_height_fields),
    INPUT("Task_filter", "Conditions on tasks, all of which must hold", task_filter_fields),
    INPUT("TaskInput", "A new task (as POST /api/v1/tasks; requirements and validation take their defaults)", task_input_fields),
    INPUT("TaskSkillInput", NULL, task_skill_input_fields),
    INPUT("EvidenceInput", "A link to evidence of the work", evidence_input_fields),
    ENUM("OrderDirection", NULL, order_direction),
    ENUM("Task_orderBy", NULL, task_order_by),
    ENUM("TaskType", NULL, task_types),
    ENUM("TaskStatus", NULL, task_statuses),
    ENUM("GuildType", NULL, guild_types),
    ENUM("SubmissionState", NULL, sub_states),
};
const int gqlp_ntypes = N(gqlp_types);

pheme_err gqlp_service_init(gql_service *svc, const gql_limits *lim, char *err, size_t errlen) {
  return gql_service_init(svc, gqlp_types, gqlp_ntypes, "Query", "Mutation", "Subscription", lim, err, errlen);
}

pheme_err gqlp_schema_sdl(buf *out, char *err, size_t errlen) {
  gql_schema s;
  if (gql_schema_build(&s, gqlp_types, gqlp_ntypes, "Query", "Mutation", "Subscription", err, errlen)) return PHEME_SYS_INTERNAL;
  int r = buf_adds(out, "# PHEME's GraphQL schema, written by `pheme graphql schema` from the schema table\n"
                        "# (src/graphql/pheme_schema.c). Do not edit: a test compares the two.\n\n") ||
          gql_schema_sdl(&s, out);
  gql_schema_release(&s);
  if (r) return pheme_fail(PHEME_SYS_NOMEM, err, errlen, "graphql schema: the buffer is too small");
  return 0;
}
