/* Batch assignment: the applicants of a creator's open bounties matched one-to-one to those
 * bounties for the largest total fit (the Hungarian algorithm), proposed, then confirmed by the
 * creator. */
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "matching/internal.h"
#include "store/matching.h"
#include "work/roles.h"
#include "core/banned.h"

/* ---- the Hungarian algorithm ---- */

/* Minimum-cost assignment of every row of an n × m cost matrix (n ≤ m) to a distinct column:
 * shortest augmenting paths with potentials (u, v), O(n²·m). col_of_row[i] receives the column
 * of row i. Returns 0, or -1 when out of memory. */
static int hungarian_min(int n, int m, const int64_t *cost, int *col_of_row) {
  const int64_t INF = INT64_MAX / 4;
  int64_t *u = calloc((size_t)n + 1, sizeof *u), *v = calloc((size_t)m + 1, sizeof *v);
  int64_t *minv = malloc(((size_t)m + 1) * sizeof *minv);
  int *p = calloc((size_t)m + 1, sizeof *p), *way = calloc((size_t)m + 1, sizeof *way);
  char *used = malloc((size_t)m + 1);
  int rc = -1;
  if (!u || !v || !minv || !p || !way || !used) goto out;
  for (int i = 1; i <= n; i++) {
    p[0] = i;
    int j0 = 0;
    for (int j = 0; j <= m; j++) {
      minv[j] = INF;
      used[j] = 0;
    }
    do {
      used[j0] = 1;
      int i0 = p[j0], j1 = 0;
      int64_t delta = INF;
      for (int j = 1; j <= m; j++) {
        if (used[j]) continue;
        int64_t cur = cost[(size_t)(i0 - 1) * (size_t)m + (size_t)(j - 1)] - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (int j = 0; j <= m; j++) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      }
      j0 = j1;
    } while (p[j0] != 0);
    do {
      int j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0);
  }
  for (int j = 1; j <= m; j++)
    if (p[j]) col_of_row[p[j] - 1] = j - 1;
  rc = 0;
out:
  free(u);
  free(v);
  free(minv);
  free(p);
  free(way);
  free(used);
  return rc;
}

int64_t matching_hungarian(int rows, int cols, const int64_t *fit, int *row_to_col) {
  for (int i = 0; i < rows; i++) row_to_col[i] = -1;
  if (rows <= 0 || cols <= 0) return 0;
  /* The smaller side is assigned (n ≤ m); each of its members may instead take one of n dummy
   * columns of cost 0 (stays unassigned). A real pair costs −fit; a forbidden one costs more than
   * every fit together, so a dummy is always cheaper. */
  int transpose = rows > cols;
  int n = transpose ? cols : rows, other = transpose ? rows : cols, m = other + n;
  int64_t big = 1;
  for (size_t k = 0; k < (size_t)rows * (size_t)cols; k++)
    if (fit[k] > 0) big += fit[k];
  int64_t *cost = malloc((size_t)n * (size_t)m * sizeof *cost);
  int *col = malloc((size_t)n * sizeof *col);
  if (!cost || !col) {
    free(cost);
    free(col);
    return -1;
  }
  for (int i = 0; i < n; i++)
    for (int j = 0; j < m; j++) {
      int64_t c = 0;
      if (j < other) {
        int64_t f = transpose ? fit[(size_t)j * (size_t)cols + (size_t)i] : fit[(size_t)i * (size_t)cols + (size_t)j];
        c = f < 0 ? big : -f;
      }
      cost[(size_t)i * (size_t)m + (size_t)j] = c;
    }
  int64_t total = -1;
  if (hungarian_min(n, m, cost, col) == 0) {
    total = 0;
    for (int i = 0; i < n; i++) {
      int j = col[i];
      if (j >= other) continue;
      int r = transpose ? j : i, c = transpose ? i : j;
      int64_t f = fit[(size_t)r * (size_t)cols + (size_t)c];
      if (f < 0) continue;
      row_to_col[r] = c;
      total += f;
    }
  }
  free(cost);
  free(col);
  return total;
}

/* ---- proposing and confirming ---- */

/* The fit of every (applicant, task) pair under one read lock: -1 where the person does not
 * qualify (or, with applied, did not apply to that task). */
static void fit_matrix(matching *m, const task *tasks, int nt, const int64_t *users, int nu,
                       const store_matching_applicant *apps, int napps, int applied_only, int64_t now,
                       int64_t *fit) {
  pthread_rwlock_rdlock(&m->lock);
  const ix *x = m->cur;
  for (int t = 0; t < nt; t++) {
    const task *tk = &tasks[t];
    int min_rep = 0, min_level = 0, cols[MATCHING_TASK_SKILLS], nsk = tk->nskills;
    int bad = ix_requirements(tk->requirements, &min_rep, &min_level) || nsk > MATCHING_TASK_SKILLS;
    for (int k = 0; !bad && k < nsk; k++) cols[k] = ix_column(x, tk->skills[k].slug);
    for (int u = 0; u < nu; u++) {
      int64_t *out = &fit[(size_t)u * (size_t)nt + (size_t)t];
      *out = -1;
      if (bad) continue;
      if (applied_only) {
        int found = 0;
        for (int k = 0; k < napps && !found; k++) found = apps[k].task_id == tk->id && apps[k].user_id == users[u];
        if (!found) continue;
      }
      int64_t row = ix_row(x, users[u]);
      if (row < 0 || !IX_AVAIL(x, row) || IX_REP(x, row) < min_rep || IX_MAXLV(x, row) < min_level ||
          users[u] == tk->creator_id)
        continue;
      int levels[MATCHING_TASK_SKILLS], ok = 1;
      for (int k = 0; k < nsk && ok; k++) {
        levels[k] = cols[k] >= 0 ? IX_LV(x, row, cols[k]) : 0;
        ok = levels[k] >= tk->skills[k].min_level;
      }
      if (!ok) continue;
      *out = matching_fit_of(levels, nsk, IX_MAXLV(x, row), IX_REP(x, row), x->active[row], now).total;
    }
  }
  pthread_rwlock_unlock(&m->lock);
}

static void proposal_from_store(const store_matching_proposal *sp, matching_proposal *out, arena *a) {
  out->id = sp->id;
  out->creator_id = sp->creator_id;
  out->status = sp->status;
  out->total_fit = sp->total_fit;
  out->created_at = sp->created_at;
  out->confirmed_at = sp->confirmed_at;
  out->npairs = sp->npairs;
  out->pairs = arena_zalloc(a, sizeof *out->pairs * (size_t)(sp->npairs ? sp->npairs : 1));
  for (int i = 0; out->pairs && i < sp->npairs; i++) {
    out->pairs[i].task_id = sp->pairs[i].task_id;
    out->pairs[i].user_id = sp->pairs[i].user_id;
    out->pairs[i].fit = (int)sp->pairs[i].fit;
  }
  if (!out->pairs) out->npairs = 0;
}

static int acts_for(const work_principal *who, int64_t creator_id) {
  return who->system || (who->roles & ROLE_ADMIN) || who->user_id == creator_id;
}

pheme_err matching_assign_propose(matching *m, store *s, arena *a, const store_actor *sa,
                                  const work_principal *who, int64_t creator_id, int applied_only,
                                  int64_t now, matching_proposal *out, char *why, size_t n) {
  why[0] = 0;
  memset(out, 0, sizeof *out);
  if (!acts_for(who, creator_id))
    return pheme_fail(PHEME_AUTH_NOT_OWNER, why, n, "only the creator or an admin may assign the bounties of user %lld",
                      (long long)creator_id);
  int64_t *ids;
  store_matching_applicant *apps;
  int nt, napps;
  pheme_err e = store_matching_bounties(s, a, creator_id, MATCHING_ASSIGN_MAX, &ids, &nt, &apps, &napps);
  if (e) return e;
  task *tasks = arena_zalloc(a, sizeof *tasks * (size_t)(nt ? nt : 1));
  int64_t *users = arena_alloc(a, sizeof *users * (size_t)(napps ? napps : 1));
  if (!tasks || !users) return PHEME_SYS_NOMEM;
  int have = 0;
  for (int i = 0; i < nt; i++) {
    e = store_task_get(s, a, ids[i], &tasks[have]);
    if (e == PHEME_DATA_NOT_FOUND) continue;
    if (e) return e;
    have++;
  }
  nt = have;
  int nu = 0;
  for (int i = 0; i < napps && nu < MATCHING_ASSIGN_MAX; i++) {
    int seen = 0;
    for (int k = 0; k < nu && !seen; k++) seen = users[k] == apps[i].user_id;
    if (!seen) users[nu++] = apps[i].user_id;
  }
  int64_t *fit = malloc(sizeof *fit * (size_t)(nt && nu ? nt * nu : 1));
  int *row_to_col = malloc(sizeof *row_to_col * (size_t)(nu ? nu : 1));
  if (!fit || !row_to_col) {
    free(fit);
    free(row_to_col);
    return PHEME_SYS_NOMEM;
  }
  fit_matrix(m, tasks, nt, users, nu, apps, napps, applied_only, now, fit);
  int64_t total = matching_hungarian(nu, nt, fit, row_to_col);
  store_matching_proposal sp;
  memset(&sp, 0, sizeof sp);
  sp.creator_id = creator_id;
  sp.pairs = arena_zalloc(a, sizeof *sp.pairs * (size_t)(nu ? nu : 1));
  if (total < 0 || !sp.pairs) e = PHEME_SYS_NOMEM;
  for (int u = 0; !e && u < nu; u++) {
    int t = row_to_col[u];
    if (t < 0) continue;
    store_matching_pair *p = &sp.pairs[sp.npairs++];
    p->task_id = tasks[t].id;
    p->user_id = users[u];
    p->fit = fit[(size_t)u * (size_t)nt + (size_t)t];
  }
  free(fit);
  free(row_to_col);
  if (e) return e;
  sp.total_fit = total;
  if ((e = store_matching_proposal_create(s, a, sa, &sp))) return e;
  proposal_from_store(&sp, out, a);
  out->applicants = nu;
  out->bounties = nt;
  return PHEME_OK;
}

pheme_err matching_assign_confirm(matching *m, store *s, arena *a, const store_actor *sa,
                                  const work_principal *who, int64_t id, matching_proposal *out,
                                  char *why, size_t n) {
  why[0] = 0;
  memset(out, 0, sizeof *out);
  int64_t creator = who->system || (who->roles & ROLE_ADMIN) ? 0 : who->user_id;
  store_matching_proposal sp;
  pheme_err e = store_matching_proposal_confirm(s, a, sa, id, creator, time_now_ms(), &sp);
  switch (e) {
    case PHEME_OK: break;
    case PHEME_DATA_NOT_FOUND: return pheme_fail(e, why, n, "proposal %lld does not exist", (long long)id);
    case PHEME_AUTH_NOT_OWNER: return pheme_fail(e, why, n, "proposal %lld was made for another creator", (long long)id);
    case PHEME_DATA_STATE:
      return pheme_fail(e, why, n,
                        "proposal %lld can no longer be confirmed: it is not PROPOSED, or one of its bounties "
                        "was closed or one of its applicants withdrew since (ask for a new one)",
                        (long long)id);
    case PHEME_DATA_CONFLICT:
      return pheme_fail(e, why, n, "proposal %lld names a bounty that was assigned since (ask for a new one)",
                        (long long)id);
    default: return e;
  }
  for (int i = 0; i < sp.npairs; i++) matching_drop_task(m, sp.pairs[i].task_id);
  proposal_from_store(&sp, out, a);
  return PHEME_OK;
}
