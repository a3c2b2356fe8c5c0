/* Tasks and the skills they ask for; see store.h. */
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/util.h"
#include "store/internal.h"
#include "core/banned.h"

void sx_task_read(const db_result *r, int i, task *t) {
  t->id = db_int(r, i, 0);
  t->type = db_text(r, i, 1);
  t->title = db_text(r, i, 2);
  t->description = db_text(r, i, 3);
  t->status = db_text(r, i, 4);
  t->difficulty = (int)db_int(r, i, 5);
  t->xp_reward = db_int(r, i, 6);
  t->token_reward = db_text(r, i, 7);
  t->creator_id = db_int(r, i, 8);
  sx_addr(r, i, 9, t->creator_address);
  t->guild_id = db_int(r, i, 10);
  t->deadline = db_int(r, i, 11);
  t->requirements = db_text(r, i, 12);
  t->validation = db_text(r, i, 13);
  t->created_at = db_int(r, i, 14);
  t->updated_at = db_int(r, i, 15);
}

pheme_err sx_task_skills_fill(arena *a, const db_result *r, task *tasks, int n) {
  for (int i = 0; i < n; i++) {
    int count = 0;
    for (int j = 0; j < r->rows; j++) count += db_int(r, j, 0) == tasks[i].id;
    tasks[i].skills = arena_zalloc(a, sizeof *tasks[i].skills * (size_t)(count ? count : 1));
    if (!tasks[i].skills) return PHEME_SYS_NOMEM;
    tasks[i].nskills = 0;
    for (int j = 0; j < r->rows; j++) {
      if (db_int(r, j, 0) != tasks[i].id) continue;
      task_skill *ts = &tasks[i].skills[tasks[i].nskills++];
      ts->slug = db_text(r, j, 1);
      ts->min_level = (int)db_int(r, j, 2);
    }
  }
  return PHEME_OK;
}

/* Loads the skills of tasks[0..n) with one query over the id range of the page. */
static pheme_err load_skills(sx *x, task *tasks, int n) {
  if (n == 0) return PHEME_OK;
  int64_t lo = tasks[0].id, hi = tasks[0].id;
  for (int i = 1; i < n; i++) {
    if (tasks[i].id < lo) lo = tasks[i].id;
    if (tasks[i].id > hi) hi = tasks[i].id;
  }
  db_result r;
  pheme_err e = Q(x, &r,
                  "SELECT ts.task_id, k.slug, ts.min_level FROM task_skills ts JOIN skills k ON "
                  "k.id = ts.skill_id WHERE ts.task_id BETWEEN $1 AND $2 ORDER BY ts.task_id, k.slug",
                  dbv_int(lo), dbv_int(hi));
  return e ? e : sx_task_skills_fill(x->a, &r, tasks, n);
}

/* A task with its skills in one statement: one row per skill (or one row with NULL skill columns),
 * so a GET costs one query. */
#define TASK_WITH_SKILLS                                                                         \
  "SELECT " TASK_COLS ", k.slug, ts.min_level FROM tasks t JOIN users u ON u.id = t.creator_id " \
  "LEFT JOIN task_skills ts ON ts.task_id = t.id LEFT JOIN skills k ON k.id = ts.skill_id "      \
  "WHERE t.id = $1"
static const char by_id[] = TASK_WITH_SKILLS " ORDER BY k.slug";
/* The same, locking the task's row until the transaction ends (PostgreSQL; SQLite's one writer
 * is already exclusive). */
static const char by_id_locked[] = TASK_WITH_SKILLS " ORDER BY k.slug FOR UPDATE OF t";
static const char by_id_shared[] = TASK_WITH_SKILLS " ORDER BY k.slug FOR SHARE OF t";

pheme_err sx_task_get(sx *x, int64_t id, int lock, task *out) {
  db_result r;
  const char *sql = !lock || !sx_is_pg(x) ? by_id : lock == 2 ? by_id_shared : by_id_locked;
  pheme_err e = Q(x, &r, sql, dbv_int(id));
  if (e) return e;
  if (r.rows == 0) return PHEME_DATA_NOT_FOUND;
  sx_task_read(&r, 0, out);
  int n = db_text(&r, 0, 16) ? r.rows : 0;
  out->skills = arena_zalloc(x->a, sizeof *out->skills * (size_t)(n ? n : 1));
  if (!out->skills) return PHEME_SYS_NOMEM;
  out->nskills = n;
  for (int i = 0; i < n; i++) {
    out->skills[i].slug = db_text(&r, i, 16);
    out->skills[i].min_level = (int)db_int(&r, i, 17);
  }
  return PHEME_OK;
}

static pheme_err insert_skills(sx *x, const task *t) {
  for (int i = 0; i < t->nskills; i++) {
    db_result r;
    pheme_err e = Q(x, &r, "SELECT id FROM skills WHERE slug = $1", dbv_text(t->skills[i].slug));
    if (e) return e;
    if (r.rows == 0) return PHEME_DATA_INVALID;
    e = Q(x, NULL, "INSERT INTO task_skills (task_id, skill_id, min_level) VALUES ($1, $2, $3)",
          dbv_int(t->id), dbv_int(db_int(&r, 0, 0)), dbv_int(t->skills[i].min_level));
    if (e) return e;
  }
  return PHEME_OK;
}

static dbv opt_int(int64_t v) { return v ? dbv_int(v) : dbv_null(); }

pheme_err store_task_create(store *s, arena *a, const store_actor *who, task *t) {
  sx x;
  pheme_err e = sx_write(s, a, &x);
  if (e) return e;
  int64_t now = time_now_ms();
  db_result r;
  e = Q(&x, &r,
        "INSERT INTO tasks (type, title, description, difficulty, xp_reward, token_reward, status, "
        "creator_id, guild_id, deadline, requirements, validation, created_at, updated_at) VALUES "
        "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id",
        dbv_text(t->type), dbv_text(t->title), dbv_text(t->description), dbv_int(t->difficulty),
        dbv_int(t->xp_reward), dbv_text(t->token_reward), dbv_text(t->status),
        dbv_int(t->creator_id), opt_int(t->guild_id), opt_int(t->deadline),
        dbv_text(t->requirements), dbv_text(t->validation), dbv_int(now));
  if (!e) {
    t->id = db_int(&r, 0, 0);
    e = insert_skills(&x, t);
  }
  if (!e) e = sx_audit(&x, who, "task.create", "task", t->id, NULL);
  if (!e) e = sx_task_get(&x, t->id, 0, t);
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  return e;
}

pheme_err store_task_get(store *s, arena *a, int64_t id, task *out) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  e = sx_task_get(&x, id, 0, out);
  sx_end(&x);
  return e;
}

pheme_err store_task_edit(store *s, arena *a, const store_actor *who, int64_t id, task_edit_fn edit,
                          void *ctx, task *out) {
  sx x;
  pheme_err e = sx_write(s, a, &x);
  if (e) return e;
  int replace_skills = 0;
  task t;
  e = sx_task_get(&x, id, 1, &t);
  if (!e) e = edit(&t, &replace_skills, ctx);
  db_result r;
  if (!e)
    e = Q(&x, &r,
          "UPDATE tasks SET type = $1, title = $2, description = $3, difficulty = $4, xp_reward = $5, "
          "token_reward = $6, status = $7, guild_id = $8, deadline = $9, requirements = $10, "
          "validation = $11, updated_at = $12 WHERE id = $13 RETURNING id",
          dbv_text(t.type), dbv_text(t.title), dbv_text(t.description), dbv_int(t.difficulty),
          dbv_int(t.xp_reward), dbv_text(t.token_reward), dbv_text(t.status), opt_int(t.guild_id),
          opt_int(t.deadline), dbv_text(t.requirements), dbv_text(t.validation),
          dbv_int(time_now_ms()), dbv_int(id));
  if (!e && replace_skills) {
    e = Q(&x, NULL, "DELETE FROM task_skills WHERE task_id = $1", dbv_int(id));
    if (!e) e = insert_skills(&x, &t);
  }
  if (!e) {
    char detail[64];
    snprintf(detail, sizeof detail, "{\"status\":\"%s\"}", t.status);
    e = sx_audit(&x, who, "task.update", "task", id, detail);
  }
  if (!e) e = sx_task_get(&x, id, 0, out);
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  return e;
}

pheme_err store_tasks_list(store *s, arena *a, const task_filter *f, const store_page *p,
                           task **out, int *n) {
  /* The WHERE clause is built from the filters that are set; each variant is its own cached
   * prepared statement (at most 2^6 of them). */
  buf sql;
  buf_init(&sql, 4096);
  dbv args[8];
  int na = 0;
  int err = buf_adds(&sql, "SELECT " TASK_COLS " FROM tasks t JOIN users u ON u.id = t.creator_id");
  if (f->skill)
    err |= buf_adds(&sql, " JOIN task_skills ts ON ts.task_id = t.id JOIN skills k ON k.id = ts.skill_id");
  args[na++] = dbv_int(page_before(p));
  err |= buf_adds(&sql, " WHERE t.id < $1");
  if (f->skill) {
    args[na++] = dbv_text(f->skill);
    err |= buf_printf(&sql, " AND k.slug = $%d", na);
  }
  if (f->type) {
    args[na++] = dbv_text(f->type);
    err |= buf_printf(&sql, " AND t.type = $%d", na);
  }
  if (f->status) {
    args[na++] = dbv_text(f->status);
    err |= buf_printf(&sql, " AND t.status = $%d", na);
  }
  if (f->difficulty_min) {
    args[na++] = dbv_int(f->difficulty_min);
    err |= buf_printf(&sql, " AND t.difficulty >= $%d", na);
  }
  if (f->difficulty_max) {
    args[na++] = dbv_int(f->difficulty_max);
    err |= buf_printf(&sql, " AND t.difficulty <= $%d", na);
  }
  if (f->creator_id) {
    args[na++] = dbv_int(f->creator_id);
    err |= buf_printf(&sql, " AND t.creator_id = $%d", na);
  }
  args[na++] = dbv_int(p->limit);
  err |= buf_printf(&sql, " ORDER BY t.id DESC LIMIT $%d", na);
  if (err) {
    buf_release(&sql);
    return PHEME_SYS_NOMEM;
  }
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) {
    buf_release(&sql);
    return e;
  }
  db_result r;
  e = sx_snapshot(&x);
  if (!e) e = sx_query(&x, sql.data, args, na, &r);
  buf_release(&sql);
  if (!e) {
    *out = arena_zalloc(a, sizeof **out * (size_t)(r.rows ? r.rows : 1));
    if (!*out) e = PHEME_SYS_NOMEM;
  }
  if (!e) {
    for (int i = 0; i < r.rows; i++) sx_task_read(&r, i, &(*out)[i]);
    *n = r.rows;
    e = load_skills(&x, *out, r.rows);
  }
  sx_end(&x);
  return e;
}
