/* Batched reads for the GraphQL resolvers; see graphql_batch.h. Each function is one statement
 * with an IN list of the parents' ids ($1…$n), or, for "N newest per parent", a window function
 * (row_number() over the parent), which SQLite (3.25+) and PostgreSQL both have.
 *
 * On SQLite the hot reads (tasks and reviews by id) have a second text: the ids as one JSON array
 * ($1), walked by json_each and joined to the table (CROSS JOIN: json_each is the outer loop, one
 * index seek per id). SQLite runs "col IN ($1,…,$n)" on an index by first building a temporary
 * b-tree of the n values, a third of such a statement's instructions for 10 ids; the JSON array
 * needs none, and is one statement text whatever n is. PostgreSQL keeps the IN list. */
#include "store/graphql_batch.h"

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "store/internal.h"
#include "core/banned.h"

#define ALLOC(a, p, n) ((p) = arena_zalloc((a), sizeof *(p) * (size_t)((n) ? (n) : 1)))

/* "$1,$2,…,$n" in a: written by hand (one snprintf per id was a tenth of a nested query's
 * statement building). */
static const char *placeholders(arena *a, int n) {
  char *s = arena_alloc(a, (size_t)n * 7 + 1), *p = s; /* "$2000," is 6 */
  if (!s) return NULL;
  for (int i = 1; i <= n; i++) {
    char digits[12];
    int d = 0;
    for (int v = i; v; v /= 10) digits[d++] = (char)('0' + v % 10);
    if (i > 1) *p++ = ',';
    *p++ = '$';
    while (d) *p++ = digits[--d];
  }
  *p = 0;
  return s;
}

/* The texts of the IN-list statements, made once per (format, number of ids) and kept for the
 * life of the process: the same nested query asks the same few, and a text made again is a
 * printf, and for the driver a new hash over it. A slot once filled is never replaced (a thread
 * may be running its text), so when the table is full a text is made in the arena every time. */
#define SQL_TEXT_SLOTS 512
static struct {
  const char *fmt;
  int n;
  const char *sql;
} sql_texts[SQL_TEXT_SLOTS];
static pthread_mutex_t sql_texts_mu = PTHREAD_MUTEX_INITIALIZER;

/* sql_fmt's "%s" the IN list of $1…$n, the placeholders after it numbered from $n+1 ("%d"s). */
static const char *in_list_sql(arena *a, const char *sql_fmt, int n) {
  size_t h = ((size_t)(uintptr_t)sql_fmt / 8 * 31 + (size_t)n) % SQL_TEXT_SLOTS, slot = SQL_TEXT_SLOTS;
  const char *sql = NULL;
  pthread_mutex_lock(&sql_texts_mu);
  for (size_t i = 0; i < 8 && !sql; i++) {
    size_t k = (h + i) % SQL_TEXT_SLOTS;
    if (sql_texts[k].fmt == sql_fmt && sql_texts[k].n == n) sql = sql_texts[k].sql;
    else if (!sql_texts[k].fmt && slot == SQL_TEXT_SLOTS) slot = k;
  }
  pthread_mutex_unlock(&sql_texts_mu);
  if (sql) return sql;
  const char *ph = placeholders(a, n);
  char *made = ph ? arena_printf(a, sql_fmt, ph, n + 1, n + 1, n + 2, n + 3) : NULL;
  if (!made || slot == SQL_TEXT_SLOTS) return made;
  char *kept = strdup(made);
  if (!kept) return made;
  pthread_mutex_lock(&sql_texts_mu);
  if (!sql_texts[slot].fmt) { /* another thread may have taken it meanwhile */
    sql_texts[slot].n = n;
    sql_texts[slot].sql = kept;
    sql_texts[slot].fmt = sql_fmt;
    kept = NULL;
  }
  pthread_mutex_unlock(&sql_texts_mu);
  free(kept);
  return made;
}

/* Runs sql_fmt, whose one "%s" is the IN list of ids ($1…$n), with post (its own placeholders
 * numbered from $n+1, written by the caller with the count given by nplaceholder) after them.
 * SQLite wants placeholders first used in increasing order, so parameters that follow the IN list
 * in the text follow the ids in the arguments. sql_fmt is a string constant (in_list_sql keeps
 * its texts by its address). */
static int cmp_id(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

/* ids as a JSON array of distinct integers, ascending ("[3,7,12]"), in a. */
static const char *ids_json(arena *a, const int64_t *ids, int n) {
  int64_t *sorted = arena_alloc(a, sizeof *sorted * (size_t)n);
  char *s = arena_alloc(a, (size_t)n * 21 + 3), *p = s; /* "-9223372036854775808," is 21 */
  if (!sorted || !s) return NULL;
  memcpy(sorted, ids, sizeof *sorted * (size_t)n);
  qsort(sorted, (size_t)n, sizeof *sorted, cmp_id);
  *p++ = '[';
  for (int i = 0; i < n; i++) {
    if (i && sorted[i] == sorted[i - 1]) continue;
    if (p[-1] != '[') *p++ = ',';
    uint64_t v = sorted[i] < 0 ? 0 - (uint64_t)sorted[i] : (uint64_t)sorted[i];
    char digits[21];
    int d = 0;
    do digits[d++] = (char)('0' + v % 10);
    while (v /= 10);
    if (sorted[i] < 0) *p++ = '-';
    while (d) *p++ = digits[--d];
  }
  *p++ = ']';
  *p = 0;
  return s;
}

/* The same read as query_ids with each_sql on SQLite when there is one: its $1 the ids as a JSON
 * array (distinct, ascending), post numbered from $2. */
static pheme_err query_ids_each(sx *x, const char *sql_fmt, const char *each_sql, const int64_t *ids, int n,
                                const dbv *post, int npost, db_result *r);

static pheme_err query_ids(sx *x, const char *sql_fmt, const int64_t *ids, int n, const dbv *post, int npost,
                           db_result *r) {
  return query_ids_each(x, sql_fmt, NULL, ids, n, post, npost, r);
}

static pheme_err query_ids_each(sx *x, const char *sql_fmt, const char *each_sql, const int64_t *ids, int n,
                                const dbv *post, int npost, db_result *r) {
  if (n <= 0 || n > GQLS_IDS_MAX) return PHEME_DATA_INVALID;
  if (each_sql && !sx_is_pg(x)) {
    const char *json = ids_json(x->a, ids, n);
    dbv *args = arena_alloc(x->a, sizeof *args * (size_t)(npost + 1));
    if (!json || !args) return PHEME_SYS_NOMEM;
    args[0] = dbv_text(json);
    for (int i = 0; i < npost; i++) args[1 + i] = post[i];
    return sx_query(x, each_sql, args, npost + 1, r);
  }
  const char *sql = in_list_sql(x->a, sql_fmt, n);
  dbv *args = arena_alloc(x->a, sizeof *args * (size_t)(n + npost + 1));
  if (!sql || !args) return PHEME_SYS_NOMEM;
  for (int i = 0; i < n; i++) args[i] = dbv_int(ids[i]);
  for (int i = 0; i < npost; i++) args[n + i] = post[i];
  return sx_query(x, sql, args, n + npost, r);
}

/* An empty result for n == 0 (no statement at all). */
#define EMPTY_IF_NONE(a, out, nout)                                 \
  do {                                                              \
    if (n == 0) {                                                   \
      *(nout) = 0;                                                  \
      return ALLOC((a), *(out), 0) ? PHEME_OK : PHEME_SYS_NOMEM;    \
    }                                                               \
  } while (0)

/* Reads row j of a result into the row at out. */
typedef void (*row_reader)(const db_result *r, int j, void *out);

/* One batched read in a read transaction of its own: sql_fmt over ids (query_ids, with post),
 * every row read by read into an array of row_size-byte rows in a. n == 0 runs nothing. */
static pheme_err read_rows_each(store *s, arena *a, const char *sql_fmt, const char *each_sql, const int64_t *ids,
                                int n, const dbv *post, int npost, size_t row_size, row_reader read, void **rows,
                                int *nrows);

static pheme_err read_rows(store *s, arena *a, const char *sql_fmt, const int64_t *ids, int n, const dbv *post,
                           int npost, size_t row_size, row_reader read, void **rows, int *nrows) {
  return read_rows_each(s, a, sql_fmt, NULL, ids, n, post, npost, row_size, read, rows, nrows);
}

/* read_rows with query_ids_each's each_sql. */
static pheme_err read_rows_each(store *s, arena *a, const char *sql_fmt, const char *each_sql, const int64_t *ids,
                                int n, const dbv *post, int npost, size_t row_size, row_reader read, void **rows,
                                int *nrows) {
  *nrows = 0;
  *rows = arena_zalloc(a, row_size);
  if (!*rows) return PHEME_SYS_NOMEM;
  if (n == 0) return PHEME_OK;
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  e = query_ids_each(&x, sql_fmt, each_sql, ids, n, post, npost, &r);
  sx_end(&x);
  if (e) return e;
  if (r.rows > 1 && !(*rows = arena_zalloc(a, row_size * (size_t)r.rows))) return PHEME_SYS_NOMEM;
  for (int j = 0; j < r.rows; j++) read(&r, j, (char *)*rows + (size_t)j * row_size);
  *nrows = r.rows;
  return PHEME_OK;
}

/* out[i] (row_size bytes each, zeroed by the caller) = the row whose int64 id at id_off is ids[i]. */
static void place_by_id(void *out, const int64_t *ids, int n, const void *rows, int nrows, size_t row_size,
                        size_t id_off) {
  for (int j = 0; j < nrows; j++) {
    const char *row = (const char *)rows + (size_t)j * row_size;
    for (int i = 0; i < n; i++)
      if (ids[i] == *(const int64_t *)(row + id_off)) memcpy((char *)out + (size_t)i * row_size, row, row_size);
  }
}

/* A read of rows by id (sql_fmt selects them by "IN (%s)"), placed so that out[i] is ids[i]'s. */
static pheme_err read_by_ids(store *s, arena *a, const char *sql_fmt, const char *each_sql, const int64_t *ids,
                             int n, size_t row_size, size_t id_off, row_reader read, void **out) {
  *out = arena_zalloc(a, row_size * (size_t)(n ? n : 1));
  if (!*out) return PHEME_SYS_NOMEM;
  void *rows;
  int nrows;
  pheme_err e = read_rows_each(s, a, sql_fmt, each_sql, ids, n, NULL, 0, row_size, read, &rows, &nrows);
  if (!e) place_by_id(*out, ids, n, rows, nrows, row_size, id_off);
  return e;
}

/* ---- users ---- */

static void read_user(const db_result *r, int j, void *out) { sx_user_read(r, j, out); }

pheme_err gqls_users_by_ids(store *s, arena *a, const int64_t *ids, int n, user **out) {
  void *rows;
  pheme_err e = read_by_ids(s, a, "SELECT " USER_COLS " FROM users u WHERE u.id IN (%s)",
                            "SELECT " USER_COLS " FROM json_each($1) j CROSS JOIN users u ON u.id = j.value", ids, n,
                            sizeof **out,
                            offsetof(user, id), read_user, &rows);
  *out = rows;
  return e;
}

/* ---- tasks ---- */

/* The skills of tasks[0..n), one statement. */
static pheme_err task_skills(sx *x, task *tasks, int n) {
  int64_t *ids;
  if (!ALLOC(x->a, ids, n)) return PHEME_SYS_NOMEM;
  int m = 0;
  for (int i = 0; i < n; i++)
    if (tasks[i].id) ids[m++] = tasks[i].id;
  if (m == 0) return PHEME_OK;
  db_result r;
  pheme_err e = query_ids(x,
                          "SELECT ts.task_id, k.slug, ts.min_level FROM task_skills ts JOIN skills k ON k.id = "
                          "ts.skill_id WHERE ts.task_id IN (%s) ORDER BY ts.task_id, k.slug",
                          ids, m, NULL, 0, &r);
  return e ? e : sx_task_skills_fill(x->a, &r, tasks, n);
}

static void read_task(const db_result *r, int j, void *out) { sx_task_read(r, j, out); }

pheme_err gqls_tasks_by_ids(store *s, arena *a, const int64_t *ids, int n, task **out) {
  void *rows;
  pheme_err e = read_by_ids(s, a, "SELECT " TASK_COLS " FROM tasks t JOIN users u ON u.id = t.creator_id WHERE t.id IN (%s)",
                            "SELECT " TASK_COLS " FROM json_each($1) j CROSS JOIN tasks t ON t.id = j.value JOIN "
                            "users u ON u.id = t.creator_id",
                            ids, n, sizeof **out, offsetof(task, id), read_task, &rows);
  *out = rows;
  return e;
}

/* TASK_COLS without the long and joined columns (a column costs SQLite and the driver even when it
 * is a NULL): what is not read stays zero. */
#define TASK_BRIEF_COLS                                                                                   \
  "t.id, t.type, t.title, t.status, t.difficulty, t.xp_reward, CAST(t.token_reward AS TEXT), t.creator_id, " \
  "coalesce(t.guild_id, 0), coalesce(t.deadline, 0), t.created_at, t.updated_at"

static void read_task_brief(const db_result *r, int j, void *out) {
  task *t = out;
  t->id = db_int(r, j, 0);
  t->type = db_text(r, j, 1);
  t->title = db_text(r, j, 2);
  t->status = db_text(r, j, 3);
  t->difficulty = (int)db_int(r, j, 4);
  t->xp_reward = db_int(r, j, 5);
  t->token_reward = db_text(r, j, 6);
  t->creator_id = db_int(r, j, 7);
  t->guild_id = db_int(r, j, 8);
  t->deadline = db_int(r, j, 9);
  t->created_at = db_int(r, j, 10);
  t->updated_at = db_int(r, j, 11);
}

pheme_err gqls_tasks_brief_by_ids(store *s, arena *a, const int64_t *ids, int n, task **out) {
  void *rows;
  pheme_err e = read_by_ids(s, a, "SELECT " TASK_BRIEF_COLS " FROM tasks t WHERE t.id IN (%s)",
                            "SELECT " TASK_BRIEF_COLS " FROM json_each($1) j CROSS JOIN tasks t ON t.id = j.value",
                            ids, n, sizeof **out, offsetof(task, id), read_task_brief, &rows);
  *out = rows;
  return e;
}

void gqls_task_query_init(gqls_task_query *q) {
  memset(q, 0, sizeof *q);
  q->difficulty = q->difficulty_gt = q->difficulty_gte = q->difficulty_lt = q->difficulty_lte = -1;
  q->xp_gt = q->xp_gte = q->xp_lt = q->xp_lte = -1;
  q->order_by = "id";
  q->desc = 1;
  q->first = 100;
}

typedef struct {
  buf sql;
  dbv args[128];
  int nargs;
  int err;
} qbuild;

static void cond(qbuild *b, const char *fmt_with_param, dbv v) {
  if (b->nargs >= 128) {
    b->err = 1;
    return;
  }
  b->args[b->nargs++] = v;
  if (buf_adds(&b->sql, " AND ") || buf_printf(&b->sql, fmt_with_param, b->nargs)) b->err = 1;
}

static void cond_in_text(qbuild *b, const char *col, const char *const *v, int n) {
  if (buf_printf(&b->sql, " AND %s IN (", col)) b->err = 1;
  for (int i = 0; i < n && b->nargs < 128; i++) {
    b->args[b->nargs++] = dbv_text(v[i]);
    if (buf_printf(&b->sql, "%s$%d", i ? "," : "", b->nargs)) b->err = 1;
  }
  if (n == 0 && buf_adds(&b->sql, "NULL")) b->err = 1;
  if (buf_addc(&b->sql, ')')) b->err = 1;
}

pheme_err gqls_tasks_query(store *s, arena *a, const gqls_task_query *q, task **out, int *n) {
  *n = 0;
  qbuild b = {0};
  buf_init(&b.sql, 8192);
  if (buf_adds(&b.sql, "SELECT " TASK_COLS " FROM tasks t JOIN users u ON u.id = t.creator_id WHERE 1 = 1")) b.err = 1;
  if (q->nid_in) {
    if (buf_adds(&b.sql, " AND t.id IN (")) b.err = 1;
    for (int i = 0; i < q->nid_in && b.nargs < 128; i++) {
      b.args[b.nargs++] = dbv_int(q->id_in[i]);
      if (buf_printf(&b.sql, "%s$%d", i ? "," : "", b.nargs)) b.err = 1;
    }
    if (buf_addc(&b.sql, ')')) b.err = 1;
  }
  if (q->id_gt > 0) cond(&b, "t.id > $%d", dbv_int(q->id_gt));
  if (q->id_lt > 0) cond(&b, "t.id < $%d", dbv_int(q->id_lt));
  if (q->type) cond(&b, "t.type = $%d", dbv_text(q->type));
  if (q->status) cond(&b, "t.status = $%d", dbv_text(q->status));
  if (q->not_status) cond(&b, "t.status <> $%d", dbv_text(q->not_status));
  if (q->ntype_in || q->type_in) cond_in_text(&b, "t.type", q->type_in, q->ntype_in);
  if (q->nstatus_in || q->status_in) cond_in_text(&b, "t.status", q->status_in, q->nstatus_in);
  if (q->difficulty >= 0) cond(&b, "t.difficulty = $%d", dbv_int(q->difficulty));
  if (q->difficulty_gt >= 0) cond(&b, "t.difficulty > $%d", dbv_int(q->difficulty_gt));
  if (q->difficulty_gte >= 0) cond(&b, "t.difficulty >= $%d", dbv_int(q->difficulty_gte));
  if (q->difficulty_lt >= 0) cond(&b, "t.difficulty < $%d", dbv_int(q->difficulty_lt));
  if (q->difficulty_lte >= 0) cond(&b, "t.difficulty <= $%d", dbv_int(q->difficulty_lte));
  if (q->xp_gt >= 0) cond(&b, "t.xp_reward > $%d", dbv_int(q->xp_gt));
  if (q->xp_gte >= 0) cond(&b, "t.xp_reward >= $%d", dbv_int(q->xp_gte));
  if (q->xp_lt >= 0) cond(&b, "t.xp_reward < $%d", dbv_int(q->xp_lt));
  if (q->xp_lte >= 0) cond(&b, "t.xp_reward <= $%d", dbv_int(q->xp_lte));
  if (q->title_contains) {
    /* a substring, case-sensitive on both backends (instr / strpos, no LIKE wildcards) */
    if (b.nargs < 128) b.args[b.nargs++] = dbv_text(q->title_contains);
    if (buf_printf(&b.sql, " AND ${contains}%d", b.nargs)) b.err = 1;
  }
  if (q->creator_id) cond(&b, "t.creator_id = $%d", dbv_int(q->creator_id));
  if (q->guild_id) cond(&b, "t.guild_id = $%d", dbv_int(q->guild_id));
  if (q->skill)
    cond(&b, "EXISTS (SELECT 1 FROM task_skills ts JOIN skills k ON k.id = ts.skill_id WHERE ts.task_id = t.id AND k.slug = $%d)",
         dbv_text(q->skill));
  const char *col = "t.id";
  if (q->order_by && strcmp(q->order_by, "createdAt") == 0) col = "t.created_at";
  else if (q->order_by && strcmp(q->order_by, "difficulty") == 0) col = "t.difficulty";
  else if (q->order_by && strcmp(q->order_by, "xpReward") == 0) col = "t.xp_reward";
  if (buf_printf(&b.sql, " ORDER BY %s %s, t.id %s LIMIT %d OFFSET %d", col, q->desc ? "DESC" : "ASC",
                 q->desc ? "DESC" : "ASC", q->first < 0 ? 0 : q->first, q->skip < 0 ? 0 : q->skip))
    b.err = 1;
  if (b.err) {
    buf_release(&b.sql);
    return PHEME_DATA_INVALID;
  }
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) {
    buf_release(&b.sql);
    return e;
  }
  /* the substring test differs by dialect */
  char *sql = arena_strndup(a, b.sql.data, b.sql.len);
  buf_release(&b.sql);
  if (!sql) {
    sx_end(&x);
    return PHEME_SYS_NOMEM;
  }
  char *tok = strstr(sql, "${contains}");
  if (tok) {
    const char *f = sx_is_pg(&x) ? "strpos(t.title, $" : "instr(t.title, $";
    char *rest = tok + strlen("${contains}");
    size_t digits = strspn(rest, "0123456789");
    sql = arena_printf(a, "%.*s%s%.*s) > 0%s", (int)(tok - sql), sql, f, (int)digits, rest, rest + digits);
    if (!sql) {
      sx_end(&x);
      return PHEME_SYS_NOMEM;
    }
  }
  db_result r;
  e = sx_snapshot(&x);
  if (!e) e = sx_query(&x, sql, b.args, b.nargs, &r);
  if (!e) {
    if (!ALLOC(a, *out, r.rows)) e = PHEME_SYS_NOMEM;
  }
  if (!e) {
    for (int j = 0; j < r.rows; j++) sx_task_read(&r, j, &(*out)[j]);
    *n = r.rows;
    e = task_skills(&x, *out, *n);
  }
  sx_end(&x);
  return e;
}

/* ---- submissions ---- */

/* The newest submissions of each parent (user_id or task_id): an IN list (%s), then the state,
 * skip and skip + per_parent (%d…). cols and from: SUB_COLS and its join, or the brief ones. */
#define NEWEST_SUBMISSIONS(column, cols, from)                                                              \
  "SELECT * FROM (SELECT s." column " AS parent, " cols ", row_number() OVER (PARTITION BY s." column       \
  " ORDER BY s.id DESC) AS rn " from " WHERE s." column " IN (%s) AND (CAST($%d AS TEXT) IS NULL OR "        \
  "s.state = $%d)) w WHERE rn > $%d AND rn <= $%d ORDER BY parent, id DESC"
/* One parent's page of them (a root field's): on the (parent, id) index, no window. */
#define SUBMISSIONS_PAGE(column, cols, from)                                                                \
  "SELECT s." column " AS parent, " cols " " from " WHERE s." column " = $1 AND (CAST($2 AS TEXT) IS NULL " \
  "OR s.state = $2) ORDER BY s.id DESC LIMIT $3 OFFSET $4"
#define SUB_FROM "FROM submissions s JOIN users u ON u.id = s.user_id"
/* SUB_COLS without the author's address, text, evidence and feedback: no join, and fewer columns
 * (read by read_submission_brief) */
#define SUB_BRIEF_COLS \
  "s.id, s.task_id, s.user_id, s.state, coalesce(s.final_score, -1), s.created_at, s.updated_at"
#define SUB_BRIEF_FROM "FROM submissions s"
/* [brief][by task][one parent's page] */
static const char *const submissions_sql[2][2][2] = {
    {{NEWEST_SUBMISSIONS("user_id", SUB_COLS, SUB_FROM), SUBMISSIONS_PAGE("user_id", SUB_COLS, SUB_FROM)},
     {NEWEST_SUBMISSIONS("task_id", SUB_COLS, SUB_FROM), SUBMISSIONS_PAGE("task_id", SUB_COLS, SUB_FROM)}},
    {{NEWEST_SUBMISSIONS("user_id", SUB_BRIEF_COLS, SUB_BRIEF_FROM),
      SUBMISSIONS_PAGE("user_id", SUB_BRIEF_COLS, SUB_BRIEF_FROM)},
     {NEWEST_SUBMISSIONS("task_id", SUB_BRIEF_COLS, SUB_BRIEF_FROM),
      SUBMISSIONS_PAGE("task_id", SUB_BRIEF_COLS, SUB_BRIEF_FROM)}},
};

/* SUB_BRIEF_COLS from column 1 (after the parent); the rest stays zero. */
static void read_submission_brief(const db_result *r, int j, submission *s) {
  s->id = db_int(r, j, 1);
  s->task_id = db_int(r, j, 2);
  s->user_id = db_int(r, j, 3);
  s->state = db_text(r, j, 4);
  s->final_score = (int)db_int(r, j, 5);
  s->created_at = db_int(r, j, 6);
  s->updated_at = db_int(r, j, 7);
}

pheme_err gqls_submissions_by(store *s, arena *a, const char *column, const int64_t *ids, int n, int per_parent,
                              int skip, const char *state, int brief, gqls_submission **out, int *nout) {
  if (strcmp(column, "user_id") != 0 && strcmp(column, "task_id") != 0) return PHEME_DATA_INVALID;
  int by_task = strcmp(column, "task_id") == 0;
  EMPTY_IF_NONE(a, out, nout);
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  dbv post[3] = {dbv_text(state), dbv_int(skip), dbv_int(skip + per_parent)};
  db_result r;
  if (n == 1) {
    e = Q(&x, &r, submissions_sql[!!brief][by_task][1], dbv_int(ids[0]), dbv_text(state), dbv_int(per_parent),
          dbv_int(skip));
    sx_end(&x);
    if (e) return e;
    goto rows;
  }
  e = query_ids(&x, submissions_sql[!!brief][by_task][0], ids, n, post, 3, &r);
  sx_end(&x);
  if (e) return e;
rows:
  if (!ALLOC(a, *out, r.rows)) return PHEME_SYS_NOMEM;
  for (int j = 0; j < r.rows; j++) {
    (*out)[j].parent = db_int(&r, j, 0);
    if (brief) read_submission_brief(&r, j, &(*out)[j].sub);
    else sx_submission_read(&r, j, 1, &(*out)[j].sub);
  }
  *nout = r.rows;
  return PHEME_OK;
}

static void read_submission(const db_result *r, int j, void *out) { sx_submission_read(r, j, 0, out); }

pheme_err gqls_submissions_by_ids(store *s, arena *a, const int64_t *ids, int n, submission **out) {
  void *rows;
  pheme_err e = read_by_ids(s, a, "SELECT " SUB_COLS " FROM submissions s JOIN users u ON u.id = s.user_id WHERE s.id IN (%s)",
                            "SELECT " SUB_COLS " FROM json_each($1) j CROSS JOIN submissions s ON s.id = j.value "
                            "JOIN users u ON u.id = s.user_id",
                            ids, n, sizeof **out, offsetof(submission, id), read_submission, &rows);
  *out = rows;
  return e;
}

/* ---- rows grouped by their parent: the readers, and the table of the reads ---- */

static void read_skill_level(const db_result *r, int j, void *out) {
  gqls_skill_level *l = out;
  l->parent = db_int(r, j, 0);
  l->level.slug = db_text(r, j, 1);
  l->level.name = db_text(r, j, 2);
  l->level.domain = db_text(r, j, 3);
  l->level.xp = db_int(r, j, 4);
  l->level.level = (int)db_int(r, j, 5);
  l->level.last_validated = db_int(r, j, 6);
}

static void read_membership(const db_result *r, int j, void *out) {
  gqls_membership *m = out;
  m->parent = db_int(r, j, 0);
  m->role = db_text(r, j, 1);
  m->joined_at = db_int(r, j, 2);
  guild *g = &m->guild;
  g->id = db_int(r, j, 3);
  g->slug = db_text(r, j, 4);
  g->name = db_text(r, j, 5);
  g->type = db_text(r, j, 6);
  g->description = db_text(r, j, 7);
  g->owner_id = db_int(r, j, 8);
  g->member_count = db_int(r, j, 9);
  g->created_at = db_int(r, j, 10);
}

static void read_event(const db_result *r, int j, void *out) {
  sub_event_row *v = out;
  v->id = db_int(r, j, 0);
  v->submission_id = db_int(r, j, 1);
  v->from = db_text(r, j, 2);
  v->to = db_text(r, j, 3);
  v->event = db_text(r, j, 4);
  v->actor = db_text(r, j, 5);
  v->actor_id = db_int(r, j, 6);
  v->at = db_int(r, j, 7);
  v->detail = db_text(r, j, 8);
}

static void read_assessment(const db_result *r, int j, void *out) {
  assessment_row *v = out;
  v->id = db_int(r, j, 0);
  v->submission_id = db_int(r, j, 1);
  v->assessor = db_text(r, j, 2);
  v->model = db_text(r, j, 3);
  v->scores = db_text(r, j, 4);
  v->overall = (int)db_int(r, j, 5);
  v->confidence_ppm = (int)db_int(r, j, 6);
  v->feedback = db_text(r, j, 7);
  v->record = db_text(r, j, 8);
  v->ok = (int)db_int(r, j, 9);
  v->reason = db_text(r, j, 10);
  v->created_at = db_int(r, j, 11);
}

static void read_review(const db_result *r, int j, void *out) {
  review_row *v = out;
  v->id = db_int(r, j, 0);
  v->submission_id = db_int(r, j, 1);
  v->round = (int)db_int(r, j, 2);
  v->validator_id = db_int(r, j, 3);
  sx_addr(r, j, 4, v->validator_address);
  v->score = (int)db_int(r, j, 5);
  v->criteria = db_text(r, j, 6);
  v->feedback = db_text(r, j, 7);
  size_t len = 0;
  const uint8_t *sig = db_blob(r, j, 8, &len);
  if (sig && len == 65) memcpy(v->signature, sig, 65);
  sx_addr(r, j, 9, v->signer);
  v->created_at = db_int(r, j, 10);
}

/* REVIEW_BRIEF_COLS's six columns: the rest of the row stays zero (NULL texts, zero address and
 * signature), as the full reader leaves it for NULL columns. */
static void read_review_brief(const db_result *r, int j, void *out) {
  review_row *v = out;
  v->id = db_int(r, j, 0);
  v->submission_id = db_int(r, j, 1);
  v->round = (int)db_int(r, j, 2);
  v->validator_id = db_int(r, j, 3);
  v->score = (int)db_int(r, j, 4);
  v->created_at = db_int(r, j, 5);
}

static void read_dispute(const db_result *r, int j, void *out) {
  dispute_row *v = out;
  v->id = db_int(r, j, 0);
  v->submission_id = db_int(r, j, 1);
  v->round = (int)db_int(r, j, 2);
  v->opened_by = db_int(r, j, 3);
  v->reason = db_text(r, j, 4);
  v->first_state = db_text(r, j, 5);
  v->first_score = (int)db_int(r, j, 6);
  v->outcome = db_text(r, j, 7);
  v->final_score = (int)db_int(r, j, 8);
  v->created_at = db_int(r, j, 9);
  v->resolved_at = db_int(r, j, 10);
}

static void read_progress(const db_result *r, int j, void *out) {
  gqls_progress *p = out;
  p->parent = db_int(r, j, 0);
  p->xp = db_int(r, j, 1);
  p->level = db_text(r, j, 2);
  p->streak_current = (int)db_int(r, j, 3);
  p->streak_longest = (int)db_int(r, j, 4);
  p->streak_last_day = db_int(r, j, 5);
}

static void read_badge(const db_result *r, int j, void *out) {
  gqls_badge *b = out;
  b->parent = db_int(r, j, 0);
  b->badge.id = db_int(r, j, 1);
  b->badge.slug = db_text(r, j, 2);
  b->badge.name = db_text(r, j, 3);
  b->badge.rarity = db_text(r, j, 4);
  b->badge.soulbound = (int)db_int(r, j, 5);
  b->badge.awarded_at = db_int(r, j, 6);
}

static void read_task_skill(const db_result *r, int j, void *out) {
  gqls_task_skill *k = out;
  k->parent = db_int(r, j, 0);
  k->skill.slug = db_text(r, j, 1);
  k->skill.min_level = (int)db_int(r, j, 2);
}

/* Reviews in their statement's order: by submission, round, validator. */
static int review_before(const void *a, const void *b) {
  const review_row *x = a, *y = b;
  if (x->submission_id != y->submission_id) return x->submission_id < y->submission_id;
  if (x->round != y->round) return x->round < y->round;
  return x->validator_id < y->validator_id;
}

/* Puts rows (n of size bytes) in before's order, stably: an insertion sort, linear on rows that
 * come already in order (a json_each read's do, by its plan; this makes the order not depend on it). */
static pheme_err order_rows(arena *a, void *rows, int n, size_t size, int (*before)(const void *, const void *)) {
  char *tmp = n > 1 ? arena_alloc(a, size) : NULL, *base = rows;
  if (n > 1 && !tmp) return PHEME_SYS_NOMEM;
  for (int i = 1; i < n; i++) {
    if (!before(base + (size_t)i * size, base + (size_t)(i - 1) * size)) continue;
    memcpy(tmp, base + (size_t)i * size, size);
    int j = i;
    for (; j > 0 && before(tmp, base + (size_t)(j - 1) * size); j--)
      memcpy(base + (size_t)j * size, base + (size_t)(j - 1) * size, size);
    memcpy(base + (size_t)j * size, tmp, size);
  }
  return PHEME_OK;
}

#define REVIEW_COLS \
  "r.id, r.submission_id, r.round, r.validator_id, v.address, r.score, r.criteria, r.feedback, r.signature, r.signer, r.created_at"
#define REVIEW_BRIEF_COLS "r.id, r.submission_id, r.round, r.validator_id, r.score, r.created_at"

static const struct {
  const char *sql; /* "IN (%s)" takes the parents' ids */
  row_reader read;
  gqls_rows_shape shape;
  const char *each; /* SQLite: the same rows with $1 the ids' JSON array (query_ids_each), or NULL */
  int (*before)(const void *, const void *); /* each's rows put in sql's order by it */
} grouped[GQLS_ROWS__COUNT] = {
    [GQLS_SKILL_LEVELS] = {"SELECT l.user_id, k.slug, k.name, k.domain, l.xp, l.level, coalesce(l.last_validated, 0) "
                           "FROM skill_levels l JOIN skills k ON k.id = l.skill_id WHERE l.user_id IN (%s) ORDER BY "
                           "l.user_id, l.xp DESC, k.slug",
                           read_skill_level,
                           {sizeof(gqls_skill_level), offsetof(gqls_skill_level, parent),
                            offsetof(gqls_skill_level, level)}},
    [GQLS_GUILDS] = {"SELECT m.user_id, m.role, m.joined_at, g.id, g.slug, g.name, g.type, g.description, g.owner_id, "
                     "g.member_count, g.created_at FROM guild_members m JOIN guilds g ON g.id = m.guild_id WHERE "
                     "m.user_id IN (%s) ORDER BY m.user_id, m.joined_at, g.id",
                     read_membership, {sizeof(gqls_membership), offsetof(gqls_membership, parent), 0}},
    [GQLS_TASK_SKILLS] = {"SELECT ts.task_id, k.slug, ts.min_level FROM task_skills ts JOIN skills k ON k.id = "
                          "ts.skill_id WHERE ts.task_id IN (%s) ORDER BY ts.task_id, k.slug",
                          read_task_skill, {sizeof(gqls_task_skill), offsetof(gqls_task_skill, parent),
                                            offsetof(gqls_task_skill, skill)}},
    [GQLS_TIMELINE] = {"SELECT id, submission_id, from_state, to_state, event, actor, coalesce(actor_id, 0), at, "
                       "detail FROM submission_events WHERE submission_id IN (%s) ORDER BY submission_id, id",
                       read_event, {sizeof(sub_event_row), offsetof(sub_event_row, submission_id), 0}},
    [GQLS_ASSESSMENTS] = {"SELECT id, submission_id, assessor, model, scores, coalesce(overall, -1), "
                          "coalesce(confidence_ppm, -1), feedback, record, ok, reason, created_at FROM assessments "
                          "WHERE submission_id IN (%s) ORDER BY submission_id, id",
                          read_assessment, {sizeof(assessment_row), offsetof(assessment_row, submission_id), 0}},
    [GQLS_REVIEWS] = {"SELECT " REVIEW_COLS " FROM reviews r JOIN validators v ON v.id = r.validator_id WHERE "
                      "r.submission_id IN (%s) ORDER BY r.submission_id, r.round, r.validator_id",
                      read_review, {sizeof(review_row), offsetof(review_row, submission_id), 0},
                      "SELECT " REVIEW_COLS " FROM json_each($1) j CROSS JOIN reviews r ON r.submission_id = "
                      "j.value JOIN validators v ON v.id = r.validator_id",
                      review_before},
    [GQLS_REVIEWS_BRIEF] = {"SELECT " REVIEW_BRIEF_COLS " FROM reviews r WHERE r.submission_id IN (%s) ORDER BY "
                            "r.submission_id, r.round, r.validator_id",
                            read_review_brief, {sizeof(review_row), offsetof(review_row, submission_id), 0},
                            "SELECT " REVIEW_BRIEF_COLS " FROM json_each($1) j CROSS JOIN reviews r ON "
                            "r.submission_id = j.value",
                            review_before},
    [GQLS_DISPUTES] = {"SELECT id, submission_id, round, opened_by, reason, first_state, coalesce(first_score, -1), "
                       "outcome, coalesce(final_score, -1), created_at, coalesce(resolved_at, 0) FROM disputes WHERE "
                       "submission_id IN (%s) ORDER BY submission_id, id",
                       read_dispute, {sizeof(dispute_row), offsetof(dispute_row, submission_id), 0}},
    [GQLS_PROGRESS] = {"SELECT u.id, coalesce(x.xp, 0), coalesce(x.level, 'NOVICE'), coalesce(t.current, 0), "
                       "coalesce(t.longest, 0), coalesce(t.last_day, 0) FROM users u LEFT JOIN user_xp x ON "
                       "x.user_id = u.id LEFT JOIN streaks t ON t.user_id = u.id WHERE u.id IN (%s) ORDER BY u.id",
                       read_progress, {sizeof(gqls_progress), offsetof(gqls_progress, parent), 0}},
    [GQLS_BADGES] = {"SELECT w.user_id, t.id, t.slug, t.name, t.rarity, t.soulbound, w.awarded_at FROM badge_awards "
                     "w JOIN badge_types t ON t.id = w.badge_id WHERE w.user_id IN (%s) AND w.revoked_at IS NULL "
                     "ORDER BY w.user_id, w.awarded_at, w.id",
                     read_badge, {sizeof(gqls_badge), offsetof(gqls_badge, parent), offsetof(gqls_badge, badge)}},
};

pheme_err gqls_rows_by_parents(store *s, arena *a, gqls_rows_kind kind, const int64_t *ids, int n, void **rows,
                               int *nrows, gqls_rows_shape *shape) {
  if ((unsigned)kind >= GQLS_ROWS__COUNT) return PHEME_DATA_INVALID;
  *shape = grouped[kind].shape;
  pheme_err e = read_rows_each(s, a, grouped[kind].sql, grouped[kind].each, ids, n, NULL, 0, shape->size,
                               grouped[kind].read, rows, nrows);
  if (!e && grouped[kind].each) e = order_rows(a, *rows, *nrows, shape->size, grouped[kind].before);
  return e;
}

/* ---- guild members, validators ---- */

static void read_member(const db_result *r, int j, void *out) {
  gqls_member *m = out;
  m->parent = db_int(r, j, 0);
  m->member.user_id = db_int(r, j, 1);
  sx_addr(r, j, 2, m->member.address);
  m->member.display_name = db_text(r, j, 3);
  m->member.role = db_text(r, j, 4);
  m->member.joined_at = db_int(r, j, 5);
}

pheme_err gqls_members_by_guilds(store *s, arena *a, const int64_t *ids, int n, int per_parent, gqls_member **out,
                                 int *nout) {
  dbv post[1] = {dbv_int(per_parent)};
  void *rows;
  pheme_err e = read_rows(s, a,
                          "SELECT * FROM (SELECT m.guild_id, m.user_id, u.address, u.display_name, m.role, "
                          "m.joined_at, row_number() OVER (PARTITION BY m.guild_id ORDER BY m.joined_at, m.user_id) "
                          "AS rn FROM guild_members m JOIN users u ON u.id = m.user_id WHERE m.guild_id IN (%s)) w "
                          "WHERE rn <= $%d ORDER BY guild_id, rn",
                          ids, n, post, 1, sizeof **out, read_member, &rows, nout);
  *out = rows;
  return e;
}

static void read_validator(const db_result *r, int j, void *out) { sx_validator_read(r, j, 0, out); }

pheme_err gqls_validators_by_users(store *s, arena *a, const int64_t *ids, int n, validator_row **out) {
  void *rows;
  pheme_err e = read_by_ids(s, a, "SELECT " VAL_COLS " FROM validators v WHERE v.user_id IN (%s)", NULL, ids, n,
                            sizeof **out, offsetof(validator_row, user_id), read_validator, &rows);
  *out = rows;
  return e;
}
