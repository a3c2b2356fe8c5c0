/* The rewards engine: the formula, levels, streaks, the award's plan, the job handlers and the
 * listeners; see game.h and docs/rewards.md. */
#include "game/game.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/log.h"
#include "core/util.h"
#include "eth/keccak.h"
#include "jobs/jobs.h"
#include "core/banned.h"

/* ---- rules ---- */

void game_rules_default(game_rules *r) {
  *r = (game_rules){
      .difficulty_step_pct = 10,
      .quality_min_pct = 50,
      .quality_max_pct = 150,
      .streak_step_pct = 5,
      .streak_max_pct = 150,
      .streak_grace_days = 1,
      .streak_grace_every_days = 7,
      .guild_step_pct = 2,
      .guild_max_pct = 120,
      .guild_level_xp = 1000,
      .crit_rate_ppm = 50000,
      .crit_pct = 200,
      .parent_share_pct = 25,
      .domain_share_pct = 10,
      .skill_curve_xp = 10,
      .sweep_interval_ms = 60000,
      .sweep_age_ms = 30000,
  };
}

void game_rules_from_config(game_rules *r, const pheme_config *c) {
  r->difficulty_step_pct = (int)c->game_difficulty_step_pct;
  r->quality_min_pct = (int)c->game_quality_min_pct;
  r->quality_max_pct = (int)c->game_quality_max_pct;
  r->streak_step_pct = (int)c->game_streak_step_pct;
  r->streak_max_pct = (int)c->game_streak_max_pct;
  r->streak_grace_days = (int)c->game_streak_grace_days;
  r->streak_grace_every_days = (int)c->game_streak_grace_every_days;
  r->guild_step_pct = (int)c->game_guild_step_pct;
  r->guild_max_pct = (int)c->game_guild_max_pct;
  r->guild_level_xp = c->game_guild_level_xp;
  r->crit_rate_ppm = (int)c->game_crit_rate_ppm;
  r->crit_pct = (int)c->game_crit_pct;
  r->parent_share_pct = (int)c->game_parent_share_pct;
  r->domain_share_pct = (int)c->game_domain_share_pct;
  r->skill_curve_xp = c->game_skill_curve_xp;
  r->sweep_interval_ms = c->game_sweep_interval * 1000LL;
  r->sweep_age_ms = c->game_sweep_age * 1000LL;
}

/* ---- levels ---- */

const char *game_level_name(int64_t xp) {
  return xp <= 1000 ? "NOVICE" : xp <= 5000 ? "ADVANCED" : xp <= 10000 ? "EXPERT" : "MASTER";
}

const char *game_level_title(int64_t xp) {
  return xp <= 1000 ? "Novice" : xp <= 5000 ? "Advanced" : xp <= 10000 ? "Expert" : "Master";
}

int64_t game_xp_to_next(int64_t xp) {
  if (xp < 0) return 1001 - xp;
  if (xp <= 1000) return 1001 - xp;
  if (xp <= 5000) return 5001 - xp;
  if (xp <= 10000) return 10001 - xp;
  return 0;
}

/* The greatest L in [0, cap] with unit × L² ≤ xp (binary search: no floating point). */
static int square_level(int64_t xp, int64_t unit, int cap) {
  if (unit < 1) unit = 1;
  if (xp <= 0) return 0;
  int lo = 0, hi = cap;
  while (lo < hi) {
    int mid = lo + (hi - lo + 1) / 2;
    if ((int64_t)mid * mid <= xp / unit) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

int game_skill_level(int64_t xp, int64_t curve_xp) { return square_level(xp, curve_xp, 100); }

int64_t game_skill_level_xp(int level, int64_t curve_xp) {
  if (level < 0) level = 0;
  if (level > 100) level = 100;
  return curve_xp * level * level;
}

int game_guild_level(int64_t xp, int64_t level_xp) { return square_level(xp, level_xp, 3000000); }

/* ---- factors ---- */

int game_difficulty_pct(const game_rules *r, int d) {
  if (d < 1) d = 1;
  if (d > 10) d = 10;
  return 100 + (d - 1) * r->difficulty_step_pct;
}

int game_quality_pct(const game_rules *r, int s) {
  if (s < 0) s = 0;
  if (s > 100) s = 100;
  return r->quality_min_pct + s * (r->quality_max_pct - r->quality_min_pct) / 100;
}

int game_streak_pct(const game_rules *r, int days) {
  if (days < 1) return 100;
  int64_t p = 100 + (int64_t)(days - 1) * r->streak_step_pct;
  return p > r->streak_max_pct ? (r->streak_max_pct > 100 ? r->streak_max_pct : 100) : (int)p;
}

int game_guild_pct(const game_rules *r, int has_guild, int level) {
  if (!has_guild || level < 1) return 100;
  int64_t p = 100 + (int64_t)level * r->guild_step_pct;
  return p > r->guild_max_pct ? (r->guild_max_pct > 100 ? r->guild_max_pct : 100) : (int)p;
}

int64_t game_apply_pct(int64_t x, int pct) { return x * pct / 100; }

int game_critical(const uint8_t seed[32], int64_t sid, int rate_ppm, int64_t *roll) {
  uint8_t in[40], h[32];
  uint64_t u = (uint64_t)sid;
  for (int i = 0; i < 8; i++) in[i] = (uint8_t)(u >> (56 - 8 * i));
  memcpy(in + 8, seed, 32);
  keccak_256(h, in, sizeof in);
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v = v << 8 | h[i];
  int64_t r = (int64_t)(v % 1000000u);
  if (roll) *roll = r;
  return r < rate_ppm;
}

/* ---- streaks ---- */

int64_t game_day(int64_t ms, int offset_min) {
  int64_t t = ms + (int64_t)offset_min * 60000;
  int64_t d = t / GAME_DAY_MS;
  if (t % GAME_DAY_MS < 0) d--;
  return d;
}

static int grace_available(const game_rules *r, const game_streak *s, int64_t day) {
  return r->streak_grace_days > 0 && (s->grace_day == 0 || day - s->grace_day >= r->streak_grace_every_days);
}

int game_streak_step(const game_rules *r, game_streak *s, int64_t day) {
  int grew = 0;
  if (s->current == 0 || s->last_day == 0) {
    s->current = 1;
    grew = 1;
  } else if (day <= s->last_day) {
    return 0;
  } else if (day == s->last_day + 1) {
    s->current++;
    grew = 1;
  } else if (day - s->last_day - 1 <= r->streak_grace_days && grace_available(r, s, day)) {
    s->current++;
    s->grace_day = day;
    grew = 1;
  } else {
    s->current = 1;
    grew = 1;
  }
  s->last_day = day;
  if (s->current > s->longest) s->longest = s->current;
  return grew;
}

int64_t game_streak_deadline(const game_rules *r, const game_streak *s, int offset_min) {
  if (s->current == 0 || s->last_day == 0) return 0;
  /* the next day continues it; with grace available, grace_days more */
  int64_t last_ok = s->last_day + 1;
  if (grace_available(r, s, s->last_day + 1 + r->streak_grace_days)) last_ok += r->streak_grace_days;
  return (last_ok + 1) * GAME_DAY_MS - (int64_t)offset_min * 60000;
}

/* ---- the plan ---- */

/* arena_printf for the plan's JSON texts, which take only %d, %lld and %s: glibc's vsnprintf was
 * 11% of an award's instructions (a ledger row's detail, each event's data). Anything else in fmt, or a text past 1 KiB, goes to arena_vprintf. NULL when memory is
 * short. */
static char *jfmt(arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *jfmt(arena *a, const char *fmt, ...) {
  char out[1024];
  size_t n = 0;
  va_list ap;
  va_start(ap, fmt);
  const char *f = fmt;
  for (; *f; f++) {
    if (*f != '%') { /* the literal up to the next conversion, at once */
      const char *end = strchr(f, '%');
      size_t k = end ? (size_t)(end - f) : strlen(f);
      if (n + k + 24 >= sizeof out) break; /* and room for any one number */
      memcpy(out + n, f, k);
      n += k;
      f += k - 1;
      continue;
    }
    if (n + 24 >= sizeof out) break; /* room for any one number */
    long long v;
    if (f[1] == 'd') {
      v = va_arg(ap, int);
      f += 1;
    } else if (f[1] == 'l' && f[2] == 'l' && f[3] == 'd') {
      v = va_arg(ap, long long);
      f += 3;
    } else if (f[1] == 's') {
      const char *t = va_arg(ap, const char *);
      if (!t) { /* esc() out of arena memory: the caller answers PHEME_SYS_NOMEM for NULL */
        va_end(ap);
        return NULL;
      }
      size_t k = strlen(t);
      if (n + k + 24 >= sizeof out) break;
      memcpy(out + n, t, k);
      n += k;
      f += 1;
      continue;
    } else {
      break;
    }
    char d[24];
    int k = 0;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do d[k++] = (char)('0' + u % 10); while ((u /= 10) != 0);
    if (v < 0) out[n++] = '-';
    while (k) out[n++] = d[--k];
  }
  va_end(ap);
  if (*f) { /* not ours to format: the whole text by vsnprintf */
    va_start(ap, fmt);
    char *o = arena_vprintf(a, fmt, ap);
    va_end(ap);
    return o;
  }
  char *o = arena_alloc(a, n + 1);
  if (!o) return NULL;
  memcpy(o, out, n);
  o[n] = 0;
  return o;
}

/* s as the inside of a JSON string (slugs normally need nothing; a quote, backslash or control
 * character is escaped). NULL when memory is short. */
static const char *esc(arena *a, const char *s) {
  if (!s) return "";
  size_t n = 0, extra = 0;
  for (; s[n]; n++)
    if (s[n] == '"' || s[n] == '\\' || (unsigned char)s[n] < 0x20) extra += 5;
  if (!extra) return s;
  char *o = arena_alloc(a, n + extra + 1), *p = o;
  if (!o) return NULL;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') {
      *p++ = '\\';
      *p++ = (char)c;
    } else if (c < 0x20) {
      p += snprintf(p, 7, "\\u%04x", c);
    } else {
      *p++ = (char)c;
    }
  }
  *p = 0;
  return o;
}

static game_row *add_row(game_award_plan *p, int64_t skill_id, int64_t amount, const char *reason, const char *rule,
                         const char *detail) {
  if (p->nrows >= GAME_MAX_ROWS) return NULL;
  game_row *r = &p->rows[p->nrows++];
  r->skill_id = skill_id;
  r->amount = amount;
  r->reason = reason;
  r->rule = rule ? rule : "";
  r->detail = detail ? detail : "{}";
  return r;
}

static void add_event(game_award_plan *p, const char *kind, int pub, const char *st, int64_t sid, const char *data) {
  if (p->nevents >= GAME_MAX_EVENTS) return;
  p->events[p->nevents++] = (game_event){kind, pub, st, sid, data};
}

/* The plan's total of skill id, starting from base when it is new. */
static game_skill_total *skill_total(game_award_plan *p, int64_t id, int64_t base, int level) {
  for (int i = 0; i < p->nskills; i++)
    if (p->skills[i].skill_id == id) return &p->skills[i];
  if (p->nskills >= (int)(sizeof p->skills / sizeof p->skills[0])) return NULL;
  p->skills[p->nskills] = (game_skill_total){id, base, level};
  return &p->skills[p->nskills++];
}

static game_domain_total *domain_total(game_award_plan *p, const char *domain, int64_t base) {
  for (int i = 0; i < p->ndomains; i++)
    if (strcmp(p->domains[i].domain, domain) == 0) return &p->domains[i];
  if (p->ndomains >= GAME_MAX_SKILLS) return NULL;
  p->domains[p->ndomains] = (game_domain_total){domain, base};
  return &p->domains[p->ndomains++];
}

static const char *const guild_milestones[] = {"level-1", "level-5", "level-10", "level-25",
                                                "xp-10000", "xp-100000", "xp-1000000"};
static const int milestone_level[] = {1, 5, 10, 25, 0, 0, 0};
static const int64_t milestone_xp[] = {0, 0, 0, 0, 10000, 100000, 1000000};

static pheme_err decide(const game_award_view *v, game_award_plan *p, const game_rules *R, arena *a) {
  p->user_id = v->user_id;
  p->guild_id = v->guild_id;
  p->season_id = v->season_id;
  p->at = v->approved_at;
  if (v->consumed) return PHEME_OK; /* paid already: nothing to write */
  p->write = 1;
  p->enqueue_followups = 1;
  /* the streak first: today's activity counts toward today's multiplier */
  game_streak st = {v->streak_current, v->streak_longest, v->streak_last_day, v->streak_grace_day};
  int64_t day = game_day(v->approved_at, v->utc_offset_min);
  int grace_before = (int)st.grace_day;
  int grew = game_streak_step(R, &st, day);
  p->streak_current = st.current;
  p->streak_longest = st.longest;
  p->streak_last_day = st.last_day;
  p->streak_grace_day = st.grace_day;
  /* the formula */
  int dp = game_difficulty_pct(R, v->difficulty), qp = game_quality_pct(R, v->final_score);
  int sp = game_streak_pct(R, st.current), gp = game_guild_pct(R, v->guild_id != 0, v->guild_level);
  int64_t x1 = game_apply_pct(v->task_xp, dp), x2 = game_apply_pct(x1, qp), x3 = game_apply_pct(x2, sp);
  int64_t base = game_apply_pct(x3, gp);
  int64_t roll = -1;
  int crit = v->has_seed && game_critical(v->seed, v->submission_id, R->crit_rate_ppm, &roll);
  int64_t extra = crit ? game_apply_pct(base, R->crit_pct - 100) : 0;
  if (extra < 0) extra = 0;
  const char *detail = jfmt(
      a,
      "{\"task_xp\":%lld,\"difficulty\":%d,\"difficulty_pct\":%d,\"after_difficulty\":%lld,"
      "\"final_score\":%d,\"quality_pct\":%d,\"after_quality\":%lld,\"streak_days\":%d,\"streak_pct\":%d,"
      "\"after_streak\":%lld,\"guild_id\":%lld,\"guild_level\":%d,\"guild_pct\":%d,\"base\":%lld,"
      "\"season_id\":%lld,\"crit_roll\":%lld,\"crit_rate_ppm\":%d,\"critical\":%s,\"skills\":%d}",
      (long long)v->task_xp, v->difficulty, dp, (long long)x1, v->final_score, qp, (long long)x2, st.current, sp,
      (long long)x3, (long long)v->guild_id, v->guild_level, gp, (long long)base, (long long)v->season_id,
      (long long)roll, R->crit_rate_ppm, crit ? "true" : "false", v->nskills);
  if (!detail) return PHEME_SYS_NOMEM;
  /* the task rows: the base split over the task's skills, the remainder to the first */
  int n = v->nskills;
  if (n == 0) add_row(p, 0, base, "task", "", detail);
  for (int i = 0; i < n; i++) {
    const game_skill_in *k = &v->skills[i];
    int64_t amount = base / n + (i == 0 ? base % n : 0);
    add_row(p, k->id, amount, "task", "", detail);
    game_skill_total *t = skill_total(p, k->id, k->xp, k->level);
    if (!t) return PHEME_SYS_INTERNAL;
    t->xp += amount;
    int64_t dshare = game_apply_pct(amount, R->domain_share_pct);
    const char *rule = jfmt(a, "domain:%s", k->domain);
    const char *dd = jfmt(a, "{\"from_skill\":%lld,\"of\":%lld,\"share_pct\":%d}", (long long)k->id,
                                  (long long)amount, R->domain_share_pct);
    if (!rule || !dd) return PHEME_SYS_NOMEM;
    add_row(p, k->id, dshare, "domain_share", rule, dd);
    game_domain_total *dt = domain_total(p, k->domain, k->domain_xp);
    if (!dt) return PHEME_SYS_INTERNAL;
    dt->xp += dshare;
  }
  /* parent shares, one row per distinct parent */
  for (int i = 0; i < n; i++) {
    const game_skill_in *k = &v->skills[i];
    if (!k->parent_id) continue;
    int seen = 0;
    for (int j = 0; j < i; j++) seen |= v->skills[j].parent_id == k->parent_id;
    if (seen) continue;
    int64_t share = 0, of = 0;
    for (int j = i; j < n; j++) {
      if (v->skills[j].parent_id != k->parent_id) continue;
      int64_t amount = base / n + (j == 0 ? base % n : 0);
      of += amount;
      share += game_apply_pct(amount, R->parent_share_pct);
    }
    const char *pd = jfmt(a, "{\"of\":%lld,\"share_pct\":%d}", (long long)of, R->parent_share_pct);
    if (!pd) return PHEME_SYS_NOMEM;
    add_row(p, k->parent_id, share, "parent_share", "", pd);
    game_skill_total *t = skill_total(p, k->parent_id, k->parent_xp, k->parent_level);
    if (!t) return PHEME_SYS_INTERNAL;
    t->xp += share;
  }
  if (crit) {
    const char *cd = jfmt(a, "{\"base\":%lld,\"crit_pct\":%d,\"crit_roll\":%lld,\"crit_rate_ppm\":%d,\"season_id\":%lld}",
                                  (long long)base, R->crit_pct, (long long)roll, R->crit_rate_ppm, (long long)v->season_id);
    if (!cd) return PHEME_SYS_NOMEM;
    add_row(p, 0, extra, "critical", "", cd);
  }
  /* quest progress: this task is the next step of its quest */
  int64_t quest_xp = 0;
  p->quest_steps_done = v->quest_steps_done;
  if (v->quest_id && !v->quest_completed && v->quest_position == v->quest_steps_done + 1) {
    p->quest_steps_done = v->quest_position;
    const char *qd = jfmt(a, "{\"quest_id\":%lld,\"slug\":\"%s\",\"step\":%d,\"steps\":%d}",
                                  (long long)v->quest_id, esc(a, v->quest_slug), v->quest_position, v->quest_steps);
    if (!qd) return PHEME_SYS_NOMEM;
    add_event(p, "quest.step_done", 0, "quest", v->quest_id, qd);
    if (p->quest_steps_done >= v->quest_steps) {
      p->quest_completed = 1;
      quest_xp = v->quest_xp;
      const char *rule = jfmt(a, "quest:%s", v->quest_slug);
      if (!rule) return PHEME_SYS_NOMEM;
      add_row(p, 0, quest_xp, "quest", rule, qd);
      add_event(p, "quest.completed", 0, "quest", v->quest_id, qd);
    }
  }
  /* totals and levels */
  int64_t gained = base + extra + quest_xp;
  p->total_xp = v->total_xp + gained;
  p->level = game_level_name(p->total_xp);
  for (int i = 0; i < p->nskills; i++) {
    game_skill_total *t = &p->skills[i];
    int before = t->level;
    t->level = game_skill_level(t->xp, R->skill_curve_xp);
    if (t->level != before) {
      const char *slug = "";
      for (int j = 0; j < n; j++) if (v->skills[j].id == t->skill_id) slug = v->skills[j].slug;
      const char *d = jfmt(a, "{\"skill_id\":%lld,\"skill\":\"%s\",\"from\":%d,\"to\":%d,\"xp\":%lld}",
                                   (long long)t->skill_id, esc(a, slug), before, t->level, (long long)t->xp);
      if (!d) return PHEME_SYS_NOMEM;
      add_event(p, "skill.level_up", 0, "skill", t->skill_id, d);
    }
  }
  if (v->guild_id) {
    p->guild_member_delta = gained;
    p->guild_xp = v->guild_xp + gained;
    p->guild_level = game_guild_level(p->guild_xp, R->guild_level_xp);
    if (p->guild_level != v->guild_level) {
      const char *d = jfmt(a, "{\"guild_id\":%lld,\"guild\":\"%s\",\"from\":%d,\"to\":%d}", (long long)v->guild_id,
                                   esc(a, v->guild_slug), v->guild_level, p->guild_level);
      if (!d) return PHEME_SYS_NOMEM;
      add_event(p, "guild.level_up", 1, "guild", v->guild_id, d);
    }
    const char **reached = arena_zalloc(a, sizeof *reached * 8);
    if (!reached) return PHEME_SYS_NOMEM;
    for (size_t i = 0; i < sizeof guild_milestones / sizeof guild_milestones[0]; i++) {
      int now = milestone_level[i] ? p->guild_level >= milestone_level[i] : p->guild_xp >= milestone_xp[i];
      int was = milestone_level[i] ? v->guild_level >= milestone_level[i] : v->guild_xp >= milestone_xp[i];
      if (!now || was) continue;
      reached[p->nguild_achievements++] = guild_milestones[i];
      const char *d = jfmt(a, "{\"guild_id\":%lld,\"achievement\":\"%s\"}", (long long)v->guild_id,
                                   guild_milestones[i]);
      if (!d) return PHEME_SYS_NOMEM;
      add_event(p, "guild.achievement", 1, "guild", v->guild_id, d);
    }
    p->guild_achievements = reached;
  }
  const char *ad = jfmt(a,
                                "{\"submission_id\":%lld,\"xp\":%lld,\"base\":%lld,\"critical\":%lld,\"quest\":%lld,"
                                "\"total\":%lld,\"level\":\"%s\"}",
                                (long long)v->submission_id, (long long)gained, (long long)base, (long long)extra,
                                (long long)quest_xp, (long long)p->total_xp, p->level);
  if (!ad) return PHEME_SYS_NOMEM;
  add_event(p, "xp.awarded", 0, "submission", v->submission_id, ad);
  if (strcmp(p->level, v->level ? v->level : "NOVICE") != 0) {
    const char *d = jfmt(a, "{\"from\":\"%s\",\"to\":\"%s\",\"xp\":%lld}", v->level ? v->level : "NOVICE",
                                 p->level, (long long)p->total_xp);
    if (!d) return PHEME_SYS_NOMEM;
    add_event(p, "level.up", 0, "user", v->user_id, d);
  }
  if (grew) {
    const char *d = jfmt(a, "{\"days\":%d,\"longest\":%d,\"grace\":%s,\"next_deadline\":%lld}", st.current,
                                 st.longest, st.grace_day != grace_before ? "true" : "false",
                                 (long long)game_streak_deadline(R, &st, v->utc_offset_min));
    if (!d) return PHEME_SYS_NOMEM;
    add_event(p, "streak.extended", 0, "user", v->user_id, d);
  }
  return PHEME_OK;
}

pheme_err game_decide(const game_award_view *v, game_award_plan *p, void *ctx) {
  game_decide_ctx *c = ctx;
  return decide(v, p, c->rules, c->a);
}

/* ---- listeners ---- */

static pthread_mutex_t listen_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
  void (*fn)(void *ctx, const game_xp_row *rows, int n);
  void *ctx;
} listeners[8];
static int nlisteners;

int game_xp_listen(void (*fn)(void *ctx, const game_xp_row *rows, int n), void *ctx) {
  pthread_mutex_lock(&listen_mu);
  int rc = -1;
  if (nlisteners < 8) {
    listeners[nlisteners].fn = fn;
    listeners[nlisteners].ctx = ctx;
    nlisteners++;
    rc = 0;
  }
  pthread_mutex_unlock(&listen_mu);
  return rc;
}

void game_xp_notify(const game_award_plan *p) {
  if (!p->write) return;
  game_xp_row rows[GAME_MAX_ROWS];
  int n = 0;
  for (int i = 0; i < p->nrows; i++) {
    const game_row *r = &p->rows[i];
    if (!r->counts) continue;
    rows[n++] = (game_xp_row){p->user_id, r->skill_id, p->guild_id, p->season_id, r->amount, p->at};
  }
  pthread_mutex_lock(&listen_mu);
  int k = nlisteners;
  pthread_mutex_unlock(&listen_mu);
  for (int i = 0; i < k; i++) listeners[i].fn(listeners[i].ctx, rows, n);
}

/* ---- the award and the sweep ---- */

void game_init(game *g, store *s, const game_rules *rules) {
  memset(g, 0, sizeof *g);
  g->store = s;
  if (rules) g->rules = *rules;
  else game_rules_default(&g->rules);
}

pheme_err game_award(game *g, arena *a, int64_t sid, const job_claim *claim, int64_t now_ms, game_award_plan *out) {
  game_decide_ctx c = {&g->rules, a};
  game_award_plan plan;
  pheme_err e = store_game_award(g->store, a, sid, claim, now_ms, game_decide, &c, &plan);
  if (e) return e;
  game_xp_notify(&plan);
  if (out) *out = plan;
  return PHEME_OK;
}

pheme_err game_sweep(game *g, int64_t now_ms, int *awarded) {
  if (awarded) *awarded = 0;
  int revealed = 0;
  /* the seasons, then the awards whatever became of the seasons: neither holds the other up.
   * PHEME_DATA_STATE here means another sweep revealed a season first. */
  pheme_err re = store_seasons_reveal_ended(g->store, now_ms, &revealed);
  if (re == PHEME_DATA_STATE) re = PHEME_OK;
  if (re) log_warn("game: revealing the ended seasons failed: %s", pheme_err_message(re));
  if (revealed) log_info("game: revealed the seed of %d ended season(s)", revealed);
  arena a;
  arena_init(&a, 1 << 16);
  int64_t *ids;
  int n;
  pheme_err e = store_game_unconsumed(g->store, &a, now_ms - g->rules.sweep_age_ms, 500, &ids, &n);
  for (int i = 0; !e && i < n; i++) {
    arena one;
    arena_init(&one, 1 << 16);
    game_award_plan p;
    e = game_award(g, &one, ids[i], NULL, now_ms, &p);
    arena_release(&one);
    if (!e && p.write && awarded) (*awarded)++;
    /* an award's PHEME_DATA_STATE is about that award (its outcome consumed meanwhile): the
     * sweep goes on with the other outcomes */
    if (e == PHEME_DATA_STATE) e = PHEME_OK;
  }
  arena_release(&a);
  return e ? e : re;
}

static const char *lv_user(int64_t xp) { return game_level_name(xp); }
static int lv_skill(int64_t xp, void *ctx) { return game_skill_level(xp, ((game_rules *)ctx)->skill_curve_xp); }
static int lv_guild(int64_t xp, void *ctx) { return game_guild_level(xp, ((game_rules *)ctx)->guild_level_xp); }

pheme_err game_rebuild(game *g, int64_t now_ms, int64_t *people) {
  game_levels lv = {lv_user, lv_skill, lv_guild, &g->rules};
  return store_game_rebuild(g->store, &lv, now_ms, people);
}

/* ---- job handlers ---- */

static pheme_err award_handler(jobs_run *run, void *ctx) {
  game *g = ctx;
  json_error_t je;
  json_t *j = json_loads(run->claim->payload, 0, &je);
  int64_t sid = j ? (int64_t)json_int(j, "submission_id", 0) : 0;
  json_decref(j);
  if (sid <= 0) {
    snprintf(run->error, sizeof run->error, "payload names no submission_id");
    run->permanent = 1;
    return PHEME_DATA_INVALID;
  }
  pheme_err e = game_award(g, run->a, sid, run->claim, time_now_ms(), NULL);
  if (e == PHEME_DATA_NOT_FOUND) {
    snprintf(run->error, sizeof run->error, "submission %lld has no outcome", (long long)sid);
    run->permanent = 1;
  } else if (e && e != PHEME_DATA_STATE) {
    snprintf(run->error, sizeof run->error, "award of submission %lld failed: %s", (long long)sid, pheme_err_code(e));
  }
  return e;
}

static pheme_err sweep_handler(jobs_run *run, void *ctx) {
  int n = 0;
  pheme_err e = game_sweep(ctx, time_now_ms(), &n);
  if (e) snprintf(run->error, sizeof run->error, "sweep failed: %s", pheme_err_code(e));
  else if (n) log_info("game: the sweep awarded %d outcome(s) no job had taken", n);
  return e;
}

int game_register(game *g) {
  jobs_kind award = {GAME_JOB_AWARD, award_handler, g, 0, 0, 0, 0};
  jobs_kind sweep = {GAME_JOB_SWEEP, sweep_handler, g, 1, 0, 0, 0};
  if (jobs_register(&award) || jobs_register(&sweep)) return -1;
  static int scheduled;
  if (!scheduled && g->rules.sweep_interval_ms > 0) {
    if (jobs_schedule(GAME_JOB_SWEEP, "{}", g->rules.sweep_interval_ms)) return -1;
    scheduled = 1;
  }
  return 0;
}
