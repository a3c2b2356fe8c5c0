/* Storage of the rewards engine; see game.h. The award is one store_job (batch.h) so that it runs
 * alone (store_game_award) or with others in one transaction of the group committer. */
#include "store/game.h"

#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/util.h"
#include "store/internal.h"
#include "core/banned.h"

void game_award_plan_init(game_award_plan *p) { memset(p, 0, sizeof *p); }

static int counts_to_total(const char *reason) {
  static const char *const r[] = {"task", "critical", "quest", "streak", "adjustment"};
  for (size_t i = 0; i < sizeof r / sizeof r[0]; i++)
    if (strcmp(reason, r[i]) == 0) return 1;
  return 0;
}

/* On PostgreSQL the rows an award rewrites are locked when read (FOR UPDATE OF the table named
 * by alias), so two awards of one person (or one guild) do not both start from the same total.
 * SQLite has one writer. */
static pheme_err q_lock(sx *x, db_result *r, const char *alias, const char *sql, const dbv *args, int nargs) {
  if (!sx_is_pg(x)) return sx_query(x, sql, args, nargs, r);
  char *full = arena_printf(x->a, "%s FOR UPDATE OF %s", sql, alias);
  if (!full) return PHEME_SYS_NOMEM;
  return sx_query(x, full, args, nargs, r);
}
#define QL(x, out, alias, sql, ...) q_lock((x), (out), (alias), (sql), SX_ARGS(__VA_ARGS__))

/* ---- the award: reading ---- */

/* The task's skills with the person's XP in each and in its parent, in one query. No lock: every
 * award of one person first locks that person's user_xp row, which orders them. */
static pheme_err load_skills(sx *x, game_award_view *v) {
  db_result r;
  pheme_err e = Q(x, &r,
                  "SELECT k.id, coalesce(k.parent_id, 0), k.slug, k.domain, coalesce(l.xp, 0), coalesce(l.level, 0), "
                  "coalesce(pl.xp, 0), coalesce(pl.level, 0), coalesce(d.xp, 0) FROM task_skills ts JOIN skills k ON "
                  "k.id = ts.skill_id LEFT JOIN skill_levels l ON l.user_id = $1 AND l.skill_id = k.id "
                  "LEFT JOIN skill_levels pl ON pl.user_id = $1 AND pl.skill_id = k.parent_id "
                  "LEFT JOIN domain_xp d ON d.user_id = $1 AND d.domain = k.domain "
                  "WHERE ts.task_id = $2 ORDER BY k.id LIMIT 20",
                  dbv_int(v->user_id), dbv_int(v->task_id));
  if (e) return e;
  v->nskills = r.rows;
  for (int i = 0; i < r.rows; i++) {
    game_skill_in *k = &v->skills[i];
    k->id = db_int(&r, i, 0);
    k->parent_id = db_int(&r, i, 1);
    k->slug = db_text(&r, i, 2);
    k->domain = db_text(&r, i, 3);
    k->xp = db_int(&r, i, 4);
    k->level = (int)db_int(&r, i, 5);
    k->parent_xp = db_int(&r, i, 6);
    k->parent_level = (int)db_int(&r, i, 7);
    k->domain_xp = db_int(&r, i, 8);
  }
  return PHEME_OK;
}

/* The totals an award rewrites are read by an upsert that returns them: ON CONFLICT DO UPDATE
 * locks the row and sees its latest committed version (PostgreSQL, READ COMMITTED), so two awards
 * of one person or one guild never start from the same total; a row read in a later statement
 * of the transaction is then read after the lock, never from a snapshot older than it. */
#define UPSERT_LOCK_USER                                                                         \
  "INSERT INTO user_xp (user_id, xp, level, updated_at) VALUES ($1, 0, 'NOVICE', $2) ON CONFLICT " \
  "(user_id) DO UPDATE SET updated_at = user_xp.updated_at RETURNING xp, level"
#define UPSERT_LOCK_GUILD                                                                          \
  "INSERT INTO guild_xp (guild_id, xp, level, updated_at) VALUES ($1, 0, 0, $2) ON CONFLICT "        \
  "(guild_id) DO UPDATE SET updated_at = guild_xp.updated_at RETURNING xp, level"

static pheme_err load_guild(sx *x, game_award_view *v) {
  db_result r;
  /* the task's guild when the person is a member of it, else the oldest membership */
  pheme_err e = Q(x, &r,
                  "SELECT gm.guild_id, g.slug FROM guild_members gm JOIN guilds g ON g.id = gm.guild_id WHERE "
                  "gm.user_id = $1 ORDER BY CASE WHEN gm.guild_id = $2 THEN 0 ELSE 1 END, gm.joined_at, gm.guild_id LIMIT 1",
                  dbv_int(v->user_id), dbv_int(v->task_guild_id));
  if (e) return e;
  v->guild_id = r.rows ? db_int(&r, 0, 0) : 0;
  if (!v->guild_id) return PHEME_OK;
  v->guild_slug = db_text(&r, 0, 1);
  e = Q(x, &r, UPSERT_LOCK_GUILD, dbv_int(v->guild_id), dbv_int(v->approved_at));
  if (!e && r.rows == 1) {
    v->guild_xp = db_int(&r, 0, 0);
    v->guild_level = (int)db_int(&r, 0, 1);
  }
  return e;
}

static pheme_err load_view(sx *x, int64_t sid, game_award_view *v) {
  memset(v, 0, sizeof *v);
  v->submission_id = sid;
  db_result r;
  pheme_err e = QL(x, &r, "o",
                   "SELECT o.user_id, o.task_id, o.final_score, o.created_at, coalesce(o.consumed_at, 0), "
                   "t.xp_reward, t.difficulty, coalesce(t.guild_id, 0) FROM outcomes o JOIN tasks t ON t.id = o.task_id "
                   "WHERE o.submission_id = $1",
                   dbv_int(sid));
  if (e) return e;
  if (r.rows == 0) return PHEME_DATA_NOT_FOUND;
  v->user_id = db_int(&r, 0, 0);
  v->task_id = db_int(&r, 0, 1);
  v->final_score = (int)db_int(&r, 0, 2);
  v->approved_at = db_int(&r, 0, 3);
  v->consumed = db_int(&r, 0, 4) != 0;
  v->task_xp = db_int(&r, 0, 5);
  v->difficulty = (int)db_int(&r, 0, 6);
  v->task_guild_id = db_int(&r, 0, 7);
  if (v->consumed) return PHEME_OK;
  /* the person's total first: its lock orders every award of one person */
  e = Q(x, &r, UPSERT_LOCK_USER, dbv_int(v->user_id), dbv_int(v->approved_at));
  if (e) return e;
  if (r.rows != 1) return PHEME_DATA_NOT_FOUND;
  v->total_xp = db_int(&r, 0, 0);
  v->level = db_text(&r, 0, 1);
  e = Q(x, &r,
        "SELECT u.utc_offset_min, coalesce(s.current, 0), coalesce(s.longest, 0), coalesce(s.last_day, 0), "
        "coalesce(s.grace_day, 0) FROM users u LEFT JOIN streaks s ON s.user_id = u.id WHERE u.id = $1",
        dbv_int(v->user_id));
  if (e) return e;
  if (r.rows != 1) return PHEME_DATA_NOT_FOUND;
  v->utc_offset_min = (int)db_int(&r, 0, 0);
  v->streak_current = (int)db_int(&r, 0, 1);
  v->streak_longest = (int)db_int(&r, 0, 2);
  v->streak_last_day = db_int(&r, 0, 3);
  v->streak_grace_day = db_int(&r, 0, 4);
  e = load_skills(x, v);
  if (!e) e = load_guild(x, v);
  if (e) return e;
  e = Q(x, &r,
        "SELECT s.id, coalesce(ss.seed, s.seed) FROM seasons s LEFT JOIN season_secrets ss ON "
        "ss.season_id = s.id WHERE s.starts_at <= $1 AND s.ends_at > $1 ORDER BY s.starts_at DESC LIMIT 1",
        dbv_int(v->approved_at));
  if (e) return e;
  if (r.rows) {
    v->season_id = db_int(&r, 0, 0);
    size_t n = 0;
    const uint8_t *seed = db_blob(&r, 0, 1, &n);
    if (seed && n == GAME_SEED_BYTES) {
      memcpy(v->seed, seed, GAME_SEED_BYTES);
      v->has_seed = 1;
    }
  }
  e = Q(x, &r,
        "SELECT q.id, q.slug, q.xp_reward, qs.position, (SELECT count(*) FROM quest_steps c WHERE "
        "c.quest_id = q.id), coalesce(p.steps_done, 0), coalesce(p.completed_at, 0) FROM quest_steps qs "
        "JOIN quests q ON q.id = qs.quest_id LEFT JOIN quest_progress p ON p.quest_id = q.id AND "
        "p.user_id = $1 WHERE qs.task_id = $2",
        dbv_int(v->user_id), dbv_int(v->task_id));
  if (e) return e;
  if (r.rows) {
    v->quest_id = db_int(&r, 0, 0);
    v->quest_slug = db_text(&r, 0, 1);
    v->quest_xp = db_int(&r, 0, 2);
    v->quest_position = (int)db_int(&r, 0, 3);
    v->quest_steps = (int)db_int(&r, 0, 4);
    v->quest_steps_done = (int)db_int(&r, 0, 5);
    v->quest_completed = db_int(&r, 0, 6) != 0;
  }
  return PHEME_OK;
}

/* ---- the award: writing ---- */

static pheme_err write_plan(sx *x, const game_award_view *v, game_award_plan *p, int64_t now) {
  pheme_err e = PHEME_OK;
  /* the ledger rows, three to a statement (the drivers bind at most 32 parameters) */
  for (int from = 0; !e && from < p->nrows; from += 3) {
    int n = p->nrows - from < 3 ? p->nrows - from : 3;
    static const char *const sql[3] = {
        "INSERT INTO xp_ledger (user_id, skill_id, guild_id, season_id, amount, reason, submission_id, rule, "
        "detail, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        "INSERT INTO xp_ledger (user_id, skill_id, guild_id, season_id, amount, reason, submission_id, rule, "
        "detail, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10), ($11, $12, $13, $14, $15, $16, $17, $18, "
        "$19, $20)",
        "INSERT INTO xp_ledger (user_id, skill_id, guild_id, season_id, amount, reason, submission_id, rule, "
        "detail, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10), ($11, $12, $13, $14, $15, $16, $17, $18, "
        "$19, $20), ($21, $22, $23, $24, $25, $26, $27, $28, $29, $30)"};
    dbv args[30];
    for (int i = 0; i < n; i++) {
      game_row *row = &p->rows[from + i];
      row->counts = counts_to_total(row->reason);
      dbv *a = &args[i * 10];
      a[0] = dbv_int(v->user_id);
      a[1] = row->skill_id ? dbv_int(row->skill_id) : dbv_null();
      a[2] = row->counts && v->guild_id ? dbv_int(v->guild_id) : dbv_null();
      a[3] = row->counts && v->season_id ? dbv_int(v->season_id) : dbv_null();
      a[4] = dbv_int(row->amount);
      a[5] = dbv_text(row->reason);
      a[6] = dbv_int(v->submission_id);
      a[7] = dbv_text(row->rule ? row->rule : "");
      a[8] = dbv_text(row->detail ? row->detail : "{}");
      a[9] = dbv_int(now);
    }
    e = sx_query(x, sql[n - 1], args, n * 10, NULL);
  }
  if (!e)
    e = Q(x, NULL, "UPDATE user_xp SET xp = $1, level = $2, updated_at = $3 WHERE user_id = $4",
          dbv_int(p->total_xp), dbv_text(p->level ? p->level : v->level), dbv_int(now), dbv_int(v->user_id));
  for (int i = 0; !e && i < p->nskills; i++)
    e = Q(x, NULL,
          "INSERT INTO skill_levels (user_id, skill_id, xp, level, last_validated) VALUES ($1, $2, $3, $4, $5) "
          "ON CONFLICT (user_id, skill_id) DO UPDATE SET xp = excluded.xp, level = excluded.level, "
          "last_validated = excluded.last_validated",
          dbv_int(v->user_id), dbv_int(p->skills[i].skill_id), dbv_int(p->skills[i].xp), dbv_int(p->skills[i].level),
          dbv_int(now));
  for (int i = 0; !e && i < p->ndomains; i++)
    e = Q(x, NULL,
          "INSERT INTO domain_xp (user_id, domain, xp) VALUES ($1, $2, $3) "
          "ON CONFLICT (user_id, domain) DO UPDATE SET xp = excluded.xp",
          dbv_int(v->user_id), dbv_text(p->domains[i].domain), dbv_int(p->domains[i].xp));
  if (!e && v->guild_id) {
    e = Q(x, NULL, "UPDATE guild_xp SET xp = $1, level = $2, updated_at = $3 WHERE guild_id = $4",
          dbv_int(p->guild_xp), dbv_int(p->guild_level), dbv_int(now), dbv_int(v->guild_id));
    if (!e)
      e = Q(x, NULL,
            "INSERT INTO guild_member_xp (guild_id, user_id, xp) VALUES ($1, $2, $3) "
            "ON CONFLICT (guild_id, user_id) DO UPDATE SET xp = guild_member_xp.xp + excluded.xp",
            dbv_int(v->guild_id), dbv_int(v->user_id), dbv_int(p->guild_member_delta));
    for (int i = 0; !e && i < p->nguild_achievements; i++)
      e = Q(x, NULL,
            "INSERT INTO guild_achievements (guild_id, slug, reached_at) VALUES ($1, $2, $3) "
            "ON CONFLICT (guild_id, slug) DO NOTHING",
            dbv_int(v->guild_id), dbv_text(p->guild_achievements[i]), dbv_int(now));
  }
  if (!e)
    e = Q(x, NULL,
          "INSERT INTO streaks (user_id, current, longest, last_day, grace_day, updated_at) VALUES "
          "($1, $2, $3, $4, $5, $6) ON CONFLICT (user_id) DO UPDATE SET current = excluded.current, "
          "longest = excluded.longest, last_day = excluded.last_day, grace_day = excluded.grace_day, "
          "updated_at = excluded.updated_at",
          dbv_int(v->user_id), dbv_int(p->streak_current), dbv_int(p->streak_longest),
          dbv_int(p->streak_last_day), dbv_int(p->streak_grace_day), dbv_int(now));
  if (!e && v->quest_id && p->quest_steps_done != v->quest_steps_done)
    e = Q(x, NULL,
          "INSERT INTO quest_progress (quest_id, user_id, steps_done, completed_at, updated_at) VALUES "
          "($1, $2, $3, $4, $5) ON CONFLICT (quest_id, user_id) DO UPDATE SET steps_done = "
          "excluded.steps_done, completed_at = excluded.completed_at, updated_at = excluded.updated_at",
          dbv_int(v->quest_id), dbv_int(v->user_id), dbv_int(p->quest_steps_done),
          p->quest_completed ? dbv_int(now) : dbv_null(), dbv_int(now));
  for (int i = 0; !e && i < p->nevents; i++) {
    const game_event *ev = &p->events[i];
    e = sx_event(x, ev->kind, v->user_id, ev->is_public, ev->subject_type, ev->subject_id, ev->data, now);
  }
  if (!e && p->enqueue_followups) {
    char payload[96];
    snprintf(payload, sizeof payload, "{\"user_id\":%lld,\"submission_id\":%lld}", (long long)v->user_id,
             (long long)v->submission_id);
    job_request rq = {.kind = "game.badges", .payload = payload};
    e = jobs_enqueue_in(x, &rq, now, NULL, NULL);
    if (!e) {
      char p2[48];
      snprintf(p2, sizeof p2, "{\"user_id\":%lld}", (long long)v->user_id);
      job_request rq2 = {.kind = "game.chain_progress", .payload = p2};
      e = jobs_enqueue_in(x, &rq2, now, NULL, NULL);
      /* the person's reputation follows the new validated work (src/reputation: reputation.update) */
      job_request rq3 = {.kind = "reputation.update", .payload = p2};
      if (!e) e = jobs_enqueue_in(x, &rq3, now, NULL, NULL);
    }
  }
  if (!e) {
    db_result r;
    e = Q(x, &r, "UPDATE outcomes SET consumed_at = $1 WHERE submission_id = $2 AND consumed_at IS NULL RETURNING 1",
          dbv_int(now), dbv_int(v->submission_id));
    if (!e && r.rows != 1) e = PHEME_DATA_STATE;
  }
  return e;
}

static pheme_err award_work(struct sx *x, store_job *j) {
  game_award_job *aw = (game_award_job *)j;
  game_award_plan_init(&aw->plan);
  game_award_view v;
  pheme_err e = load_view(x, aw->submission_id, &v);
  if (!e) e = aw->fn(&v, &aw->plan, aw->ctx);
  if (!e && aw->plan.write && !v.consumed) e = write_plan(x, &v, &aw->plan, aw->now_ms);
  else aw->plan.write = 0;
  if (!e && aw->claim) e = jobs_complete_in(x, aw->claim, aw->now_ms);
  return e;
}

void game_award_job_init(game_award_job *aw, arena *a, int64_t submission_id, int64_t now_ms,
                         game_decide_fn fn, void *ctx) {
  memset(aw, 0, sizeof *aw);
  aw->j.work = award_work;
  aw->j.a = a;
  aw->submission_id = submission_id;
  aw->now_ms = now_ms;
  aw->fn = fn;
  aw->ctx = ctx;
}

pheme_err store_game_award(store *s, arena *a, int64_t submission_id, const job_claim *claim,
                           int64_t now_ms, game_decide_fn fn, void *ctx, game_award_plan *plan) {
  game_award_job aw;
  game_award_job_init(&aw, a, submission_id, now_ms, fn, ctx);
  aw.claim = claim;
  pheme_err e = store_job_run(s, &aw.j);
  if (!e && plan) *plan = aw.plan;
  return e;
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

pheme_err store_game_rebuild(store *s, const game_levels *lv, int64_t now_ms, int64_t *people) {
  arena a;
  arena_init(&a, 1 << 20);
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
  buf_init(&b, (size_t)256 << 20);
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
  if (!e) e = Q(&x, &r, "SELECT id FROM seasons WHERE seed IS NULL AND ends_at <= $1 ORDER BY id LIMIT 100", dbv_int(now_ms));
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
