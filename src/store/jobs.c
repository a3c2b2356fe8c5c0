/* The job queue's SQL; see jobs.h. Every write about a claimed job names its token (claims) and
 * state in the WHERE clause, so a write from a worker whose claim is gone changes no row and is
 * reported as PHEME_DATA_STATE. */
#include "store/jobs.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/util.h"
#include "core/banned.h"

static const char *state_names[] = {"queued", "running", "done", "dead"};

const char *job_state_name(job_state s) {
  return (unsigned)s < ARRAY_SIZE(state_names) ? state_names[s] : "unknown";
}

int job_state_parse(const char *name) {
  for (size_t i = 0; i < ARRAY_SIZE(state_names); i++)
    if (name && strcmp(name, state_names[i]) == 0) return (int)i;
  return -1;
}

/* ---- the listeners: who to wake after a commit that enqueued ---- */

static pthread_mutex_t listen_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
  store *s;
  void (*fn)(void *);
  void *ctx;
} listeners[16];

void store_jobs_listen(store *s, void (*fn)(void *ctx), void *ctx) {
  pthread_mutex_lock(&listen_mu);
  for (size_t i = 0; i < ARRAY_SIZE(listeners); i++) {
    if (fn && !listeners[i].s) {
      listeners[i].s = s;
      listeners[i].fn = fn;
      listeners[i].ctx = ctx;
      break;
    }
    if (!fn && listeners[i].s == s && listeners[i].ctx == ctx) listeners[i].s = NULL;
  }
  pthread_mutex_unlock(&listen_mu);
}

static void wake_listener(store *s) {
  pthread_mutex_lock(&listen_mu);
  for (size_t i = 0; i < ARRAY_SIZE(listeners); i++)
    if (listeners[i].s == s && listeners[i].fn) listeners[i].fn(listeners[i].ctx);
  pthread_mutex_unlock(&listen_mu);
}

/* PostgreSQL: the primary's connection with no transaction around it, so a single statement (a
 * claim, a batch completion, a standalone enqueue) costs one round trip instead of three (BEGIN,
 * the statement, COMMIT). End it with sx_end; the statements commit one by one as they run. */
static pheme_err sx_autocommit(store *s, arena *a, sx *x) {
  memset(x, 0, sizeof *x);
  x->s = s;
  arena_init(&x->scratch, 0);
  x->a = a ? a : &x->scratch;
  x->c = s->drv->acquire(s->db, 1);
  return x->c ? PHEME_OK : PHEME_SYS_STORAGE;
}

/* After sx_autocommit's statements wrote: what sx_commit does after a commit. */
static void autocommitted(store *s, int enqueued) {
  __atomic_add_fetch(&s->generation, 1, __ATOMIC_RELEASE);
  if (enqueued) wake_listener(s);
  store_wrote(s);
}

/* ---- producing ---- */

static int payload_valid(const char *p) {
  size_t n = strlen(p);
  if (n == 0 || n > JOB_PAYLOAD_MAX) return 0;
  if (strcmp(p, "{}") == 0) return 1;
  json_t *v = json_loadb(p, n, JSON_REJECT_DUPLICATES, NULL);
  int ok = v && (json_is_object(v) || json_is_array(v));
  json_decref(v);
  return ok;
}

static int default_attempts = 5;

void store_jobs_set_default_attempts(int max_attempts) {
  if (max_attempts >= 1 && max_attempts <= 1000)
    __atomic_store_n(&default_attempts, max_attempts, __ATOMIC_RELAXED);
}

/* Kinds are names in code: letters, digits and . _ : - (they become metric labels as they are). */
static int kind_valid(const char *k) {
  size_t n = k ? strlen(k) : 0;
  if (n == 0 || n > JOB_KIND_MAX) return 0;
  for (size_t i = 0; i < n; i++) {
    char c = k[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
          c == '_' || c == ':' || c == '-'))
      return 0;
  }
  return 1;
}

pheme_err jobs_enqueue_in(sx *x, const job_request *rq, int64_t now_ms, int64_t *id,
                          int *created) {
  const char *payload = rq->payload ? rq->payload : "{}";
  int max_attempts = rq->max_attempts ? rq->max_attempts : __atomic_load_n(&default_attempts, __ATOMIC_RELAXED);
  if (!kind_valid(rq->kind) || !payload_valid(payload) ||
      max_attempts < 1 || max_attempts > 1000 ||
      (rq->idempotency_key && (!rq->idempotency_key[0] || strlen(rq->idempotency_key) > JOB_KEY_MAX)) ||
      (rq->coalesce && rq->idempotency_key))
    return PHEME_DATA_INVALID;
  int64_t run_at = rq->run_at > 0 ? rq->run_at : now_ms, got = 0;
  int made = 1;
  pheme_err e = PHEME_OK;
  if (rq->coalesce) {
    /* FOR UPDATE waits for a claim that holds the row; afterwards the row is no longer queued,
     * matches no more, and a job of our own is added */
#define WAITING_TWIN "SELECT id FROM jobs WHERE state = 'queued' AND run_at <= $1 AND kind = $2 AND payload = $3 " \
                     "ORDER BY run_at, id LIMIT 1"
    db_result r;
    e = Q(x, &r, sx_is_pg(x) ? WAITING_TWIN " FOR UPDATE" : WAITING_TWIN, dbv_int(run_at), dbv_text(rq->kind),
          dbv_text(payload));
#undef WAITING_TWIN
    if (e) return e;
    if (r.rows) {
      if (id) *id = db_int(&r, 0, 0);
      if (created) *created = 0;
      return PHEME_OK;
    }
  }
  if (!rq->idempotency_key) {
    e = QID(x, &got,
            "INSERT INTO jobs (kind, payload, state, max_attempts, run_at, created_at, updated_at) "
            "VALUES ($1, $2, 'queued', $3, $4, $5, $5)",
            dbv_text(rq->kind), dbv_text(payload), dbv_int(max_attempts), dbv_int(run_at),
            dbv_int(now_ms));
  } else {
    db_result r;
    e = Q(x, &r,
          "INSERT INTO jobs (kind, payload, state, max_attempts, run_at, idempotency_key, "
          "created_at, updated_at) VALUES ($1, $2, 'queued', $3, $4, $5, $6, $6) "
          "ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING RETURNING id",
          dbv_text(rq->kind), dbv_text(payload), dbv_int(max_attempts), dbv_int(run_at),
          dbv_text(rq->idempotency_key), dbv_int(now_ms));
    if (!e && r.rows == 1) {
      got = db_int(&r, 0, 0);
    } else if (!e) {
      made = 0;
      e = Q(x, &r, "SELECT id FROM jobs WHERE idempotency_key = $1 AND idempotency_key IS NOT NULL", dbv_text(rq->idempotency_key));
      if (!e && r.rows != 1) e = PHEME_SYS_STORAGE;
      if (!e) got = db_int(&r, 0, 0);
    }
  }
  if (e) return e;
  if (made) x->on_commit = wake_listener;
  if (id) *id = got;
  if (created) *created = made;
  return PHEME_OK;
}

/* A payload the store formatted itself (jobs_enqueue_many_formed_in): the size and the outer
 * brackets are checked, its JSON is not parsed again. */
static int payload_formed(const char *p) {
  size_t n = strlen(p);
  return n >= 2 && n <= JOB_PAYLOAD_MAX && ((p[0] == '{' && p[n - 1] == '}') || (p[0] == '[' && p[n - 1] == ']'));
}

static pheme_err enqueue_many(sx *x, const job_request *rq, int n, int64_t now_ms, int (*valid)(const char *)) {
  if (n <= 0) return PHEME_OK;
  dbv *args = arena_alloc(x->a, sizeof *args * 6 * (size_t)n);
  if (!args) return PHEME_SYS_NOMEM;
  int fallback = __atomic_load_n(&default_attempts, __ATOMIC_RELAXED);
  for (int i = 0; i < n; i++) {
    const char *payload = rq[i].payload ? rq[i].payload : "{}";
    int max_attempts = rq[i].max_attempts ? rq[i].max_attempts : fallback;
    if (!kind_valid(rq[i].kind) || !valid(payload) || max_attempts < 1 || max_attempts > 1000 ||
        rq[i].idempotency_key)
      return PHEME_DATA_INVALID;
    dbv *a = &args[6 * i];
    a[0] = dbv_text(rq[i].kind);
    a[1] = dbv_text(payload);
    a[2] = dbv_int(max_attempts);
    a[3] = dbv_int(rq[i].run_at > 0 ? rq[i].run_at : now_ms);
    a[4] = dbv_int(now_ms);
    a[5] = dbv_int(now_ms);
  }
  pheme_err e = sx_insert_rows(x, "INSERT INTO jobs (kind, payload, max_attempts, run_at, created_at, updated_at)", "",
                               6, args, n);
  if (!e) x->on_commit = wake_listener;
  return e;
}

pheme_err jobs_enqueue_many_in(sx *x, const job_request *rq, int n, int64_t now_ms) {
  return enqueue_many(x, rq, n, now_ms, payload_valid);
}

pheme_err jobs_enqueue_many_formed_in(sx *x, const job_request *rq, int n, int64_t now_ms) {
  return enqueue_many(x, rq, n, now_ms, payload_formed);
}

/* SQLite: a standalone enqueue joins the store's group commit (store/batch.h), so producers on
 * many threads share one transaction instead of queueing for the one writer one by one. */
typedef struct {
  store_job j;
  const job_request *rq;
  int64_t now, id;
  int created, finished;
  pthread_mutex_t mu;
  pthread_cond_t cv;
} enqueue_job;

static pheme_err enqueue_work(sx *x, store_job *j) {
  enqueue_job *q = (enqueue_job *)j;
  return jobs_enqueue_in(x, q->rq, q->now, &q->id, &q->created);
}

static void enqueue_done(store_job *j) {
  enqueue_job *q = (enqueue_job *)j;
  pthread_mutex_lock(&q->mu);
  q->finished = 1;
  pthread_cond_signal(&q->cv);
  pthread_mutex_unlock(&q->mu);
}

static pheme_err enqueue_grouped(store *s, const job_request *rq, int64_t now_ms, int64_t *id,
                                 int *created) {
  enqueue_job q = {.j = {.work = enqueue_work, .done = enqueue_done}, .rq = rq, .now = now_ms};
  pthread_mutex_init(&q.mu, NULL);
  pthread_cond_init(&q.cv, NULL);
  store_job_submit(s, &q.j);
  pthread_mutex_lock(&q.mu);
  while (!q.finished) pthread_cond_wait(&q.cv, &q.mu);
  pthread_mutex_unlock(&q.mu);
  pthread_mutex_destroy(&q.mu);
  pthread_cond_destroy(&q.cv);
  if (!q.j.err) {
    if (id) *id = q.id;
    if (created) *created = q.created;
  }
  return q.j.err;
}

pheme_err store_job_enqueue(store *s, const job_request *rq, int64_t now_ms, int64_t *id,
                            int *created) {
  if (s->drv != &db_pg_driver) return enqueue_grouped(s, rq, now_ms, id, created);
  /* PostgreSQL: one INSERT (with a key, at most an INSERT and a SELECT, each safe alone) */
  sx x;
  pheme_err e = sx_autocommit(s, NULL, &x);
  if (e) return e;
  e = jobs_enqueue_in(&x, rq, now_ms, id, created);
  int enqueued = !e && x.on_commit != NULL;
  sx_end(&x);
  if (enqueued) autocommitted(s, 1);
  return e;
}

/* ---- working ---- */

/* Reads claims from rows [first, r->rows) whose columns from k are id, kind, payload, attempts,
 * max_attempts, claims; bump is 1 where the row was read before its update. */
static pheme_err claims_from(arena *a, const db_result *r, int first, int k, const char *owner,
                             int64_t expires, int bump, job_claim **out, int *n) {
  int m = r->rows - first;
  *out = arena_zalloc(a, sizeof **out * (size_t)(m > 0 ? m : 1));
  if (!*out) return PHEME_SYS_NOMEM;
  for (int i = 0; i < m; i++) {
    job_claim *c = &(*out)[i];
    int row = first + i;
    c->id = db_int(r, row, k);
    c->kind = db_text(r, row, k + 1);
    c->payload = db_text(r, row, k + 2);
    c->attempt = (int)db_int(r, row, k + 3) + bump;
    c->max_attempts = (int)db_int(r, row, k + 4);
    c->token = db_int(r, row, k + 5) + bump;
    c->owner = owner;
    c->lease_expires_at = expires;
  }
  *n = m > 0 ? m : 0;
  return PHEME_OK;
}

/* SQLite: inside x's write transaction, which is the only writer, so what it reads stays true
 * until it commits; each row is then updated by its key (cheap in-process, and no RETURNING). */
static pheme_err claim_sqlite(sx *x, arena *a, const char *own, int64_t expires, int64_t now_ms,
                              int max, job_claim **out, int *n) {
  db_result r;
  pheme_err e = Q(x, &r,
                  "SELECT id, kind, payload, attempts, max_attempts, claims FROM jobs WHERE state = "
                  "'queued' AND run_at <= $1 ORDER BY run_at, id LIMIT $2",
                  dbv_int(now_ms), dbv_int(max));
  for (int i = 0; !e && i < r.rows; i++)
    e = Q(x, NULL,
          "UPDATE jobs SET state = 'running', lease_owner = $1, lease_expires_at = $2, attempts "
          "= attempts + 1, claims = claims + 1, updated_at = $3 WHERE id = $4",
          dbv_text(own), dbv_int(expires), dbv_int(now_ms), dbv_int(db_int(&r, i, 0)));
  return e ? e : claims_from(a, &r, 0, 0, own, expires, 1, out, n);
}

pheme_err store_jobs_claim(store *s, arena *a, const char *owner, int max, int64_t now_ms,
                           int64_t lease_ms, job_claim **out, int *n) {
  if (!owner || !owner[0] || max < 1 || max > JOB_CLAIM_MAX || lease_ms < 1)
    return PHEME_DATA_INVALID;
  *n = 0;
  const char *own = arena_strdup(a, owner);
  if (!own) return PHEME_SYS_NOMEM;
  int64_t expires = now_ms + lease_ms;
  sx x;
  int pg = s->drv == &db_pg_driver;
  pheme_err e = pg ? sx_autocommit(s, a, &x) : sx_write(s, a, &x);
  if (e) return e;
  db_result r;
  if (pg) {
    /* one statement: the rows no other claimer holds, taken and returned */
    e = Q(&x, &r,
          "UPDATE jobs j SET state = 'running', lease_owner = $1, lease_expires_at = $2, "
          "attempts = j.attempts + 1, claims = j.claims + 1, updated_at = $3 FROM (SELECT id FROM "
          "jobs WHERE state = 'queued' AND run_at <= $3 ORDER BY run_at, id LIMIT $4 FOR UPDATE "
          "SKIP LOCKED) c WHERE j.id = c.id RETURNING j.id, j.kind, j.payload, j.attempts, "
          "j.max_attempts, j.claims",
          dbv_text(own), dbv_int(expires), dbv_int(now_ms), dbv_int(max));
    if (!e) e = claims_from(a, &r, 0, 0, own, expires, 0, out, n);
  } else {
    e = claim_sqlite(&x, a, own, expires, now_ms, max, out, n);
  }
  if (!e && *n == 0) {
    sx_end(&x); /* nothing written: no commit to pay for */
    return PHEME_OK;
  }
  if (!e) e = sx_commit(&x); /* PostgreSQL: already committed; this gives the connection back */
  sx_end(&x);
  if (!e && pg) autocommitted(s, 0);
  if (e) *n = 0;
  return e;
}

/* The WHERE clause that says "this claim still holds" ($1 now, $2 id, $3 token). */
#define CLAIM_HOLDS "id = $2 AND claims = $3 AND state = 'running' AND lease_expires_at > $1"

pheme_err jobs_complete_in(sx *x, const job_claim *c, int64_t now_ms) {
  db_result r;
  pheme_err e = Q(x, &r,
                  "UPDATE jobs SET state = 'done', lease_owner = NULL, lease_expires_at = NULL, "
                  "updated_at = $1 WHERE " CLAIM_HOLDS " RETURNING id",
                  dbv_int(now_ms), dbv_int(c->id), dbv_int(c->token));
  if (e) return e;
  return r.rows == 1 ? PHEME_OK : PHEME_DATA_STATE;
}

/* The claims' ids and tokens as PostgreSQL array texts ('{1,2,3}'), skipping those marked in
 * skip (may be NULL). Returns 0, or -1 when memory is short. */
static int claim_arrays(const job_claim *c, int n, const unsigned char *skip, buf *ids, buf *tokens) {
  buf_init(ids, (size_t)n * 24 + 16);
  buf_init(tokens, (size_t)n * 24 + 16);
  int err = buf_addc(ids, '{') || buf_addc(tokens, '{'), first = 1;
  for (int i = 0; i < n; i++) {
    if (skip && skip[i]) continue;
    err = err || buf_printf(ids, "%s%lld", first ? "" : ",", (long long)c[i].id) ||
          buf_printf(tokens, "%s%lld", first ? "" : ",", (long long)c[i].token);
    first = 0;
  }
  return err || buf_addc(ids, '}') || buf_addc(tokens, '}') ? -1 : 0;
}

/* Marks in done[] the claims whose job is the row id. */
static void mark_done(const job_claim *c, int n, int64_t id, unsigned char *done) {
  for (int i = 0; i < n; i++)
    if (c[i].id == id) done[i] = 1;
}

/* The claims (the parameters ids and tokens: arrays) as rows c(id, token), matched by a join: one
 * probe of the primary key per claim (array_position in the WHERE clause scanned the array per row). */
#define CLAIM_ROWS(ids, tokens) "unnest(CAST(" ids " AS BIGINT[]), CAST(" tokens " AS BIGINT[])) AS c(id, token)"

/* The batch completion's statement ($1 now, $2 ids, $3 tokens). "lease_expires_at > now" says
 * "running" (the table's CHECK ties the two) without naming the state, so the planner takes the
 * primary key for the claims' ids instead of the partial index of running jobs, whose entries for
 * jobs finished since the last vacuum it would otherwise walk on every batch. */
#define COMPLETE_BATCH                                                                            \
  "UPDATE jobs j SET state = 'done', lease_owner = NULL, lease_expires_at = NULL, updated_at = $1 " \
  "FROM " CLAIM_ROWS("$2", "$3") " WHERE j.id = c.id AND j.claims = c.token AND "                   \
  "j.lease_expires_at > $1 RETURNING j.id"

/* After a batch completion: of the claims it did not complete (done[i] 0), those whose job is
 * done under the same token already (their handler completed them in its own transaction) are
 * not lost. *lost gets the rest. One statement, in x. */
static pheme_err count_lost(sx *x, const job_claim *c, int n, const unsigned char *done, int *lost) {
  int left = 0;
  for (int i = 0; i < n; i++) left += !done[i];
  *lost = 0;
  if (!left) return PHEME_OK;
  buf ids, tokens;
  pheme_err e = PHEME_SYS_NOMEM;
  if (!claim_arrays(c, n, done, &ids, &tokens)) {
    db_result r;
    e = Q(x, &r,
          "SELECT count(*) FROM jobs j, " CLAIM_ROWS("$1", "$2") " WHERE j.id = c.id AND j.claims = c.token AND "
          "j.state = 'done'",
          dbv_text(ids.data), dbv_text(tokens.data));
    if (!e) *lost = left - (int)(r.rows ? db_int(&r, 0, 0) : 0);
  }
  buf_release(&ids);
  buf_release(&tokens);
  return e;
}

/* Inside x's write transaction: completes each claim by itself; *lost as count_lost. */
static pheme_err complete_each(sx *x, const job_claim *c, int n, int64_t now_ms, int *lost) {
  *lost = 0;
  pheme_err e = PHEME_OK;
  for (int i = 0; !e && i < n; i++) {
    e = jobs_complete_in(x, &c[i], now_ms);
    if (e == PHEME_DATA_STATE) {
      db_result r;
      e = Q(x, &r, "SELECT 1 FROM jobs WHERE id = $1 AND claims = $2 AND state = 'done'",
            dbv_int(c[i].id), dbv_int(c[i].token));
      if (!e && r.rows == 0) (*lost)++;
    }
  }
  return e;
}

pheme_err store_jobs_complete(store *s, const job_claim *c, int n, int64_t now_ms, int *lost) {
  job_claim *none;
  int got;
  arena a;
  arena_init(&a, 0);
  pheme_err e = store_jobs_complete_claim(s, &a, c, n, NULL, 0, now_ms, 0, &none, &got, lost);
  arena_release(&a);
  return e;
}

pheme_err store_jobs_complete_claim(store *s, arena *a, const job_claim *c, int n,
                                    const char *owner, int max, int64_t now_ms, int64_t lease_ms,
                                    job_claim **out, int *nout, int *lost) {
  *nout = 0;
  if (lost) *lost = 0;
  if (max > 0 && (!owner || !owner[0] || max > JOB_CLAIM_MAX || lease_ms < 1)) return PHEME_DATA_INVALID;
  if (n == 0) return max > 0 ? store_jobs_claim(s, a, owner, max, now_ms, lease_ms, out, nout) : PHEME_OK;
  const char *own = max > 0 ? arena_strdup(a, owner) : NULL;
  if (max > 0 && !own) return PHEME_SYS_NOMEM;
  int64_t expires = now_ms + lease_ms;
  unsigned char *done = arena_zalloc(a, (size_t)n);
  if (!done) return PHEME_SYS_NOMEM;
  int nlost = 0;
  sx x;
  pheme_err e;
  if (s->drv == &db_pg_driver) {
    /* Two autocommitted statements: the batch completed, then the next one claimed. One
     * statement with both as data-modifying CTEs saves a round trip but measured 25-45% slower
     * with four workers (bench/RESULTS.md, 2026-12-07 03:28): the claimed rows stay locked
     * while the completion runs, and the other claimers' SKIP LOCKED scans walk past them. */
    buf ids, tokens;
    if ((e = sx_autocommit(s, a, &x))) return e;
    if (claim_arrays(c, n, NULL, &ids, &tokens)) {
      e = PHEME_SYS_NOMEM;
    } else {
      db_result r;
      e = Q(&x, &r, COMPLETE_BATCH, dbv_int(now_ms), dbv_text(ids.data), dbv_text(tokens.data));
      if (!e) {
        for (int k = 0; k < r.rows; k++) mark_done(c, n, db_int(&r, k, 0), done);
        autocommitted(s, 0);
        e = count_lost(&x, c, n, done, &nlost);
      }
    }
    buf_release(&ids);
    buf_release(&tokens);
    sx_end(&x);
    if (!e && max > 0) {
      /* the completions are committed: a failed claim must not report them as not done */
      pheme_err ce = store_jobs_claim(s, a, own, max, now_ms, lease_ms, out, nout);
      if (ce) {
        log_warn("job worker %s: claiming after completing %d jobs: %s", own, n, pheme_err_message(ce));
        *nout = 0;
      }
    }
  } else {
    if ((e = sx_write(s, a, &x))) return e;
    e = complete_each(&x, c, n, now_ms, &nlost);
    if (!e && max > 0) e = claim_sqlite(&x, a, own, expires, now_ms, max, out, nout);
    if (!e) e = sx_commit(&x);
    sx_end(&x);
  }
  if (e) *nout = 0;
  if (lost) *lost = e ? 0 : nlost;
  return e;
}

pheme_err store_job_complete_noted(store *s, const job_claim *c, const char *action,
                                   const char *detail, int64_t now_ms) {
  if (!action || !action[0]) return PHEME_DATA_INVALID;
  sx x;
  pheme_err e = sx_write(s, NULL, &x);
  if (e) return e;
  /* the completion first: it takes the job's row, so a second run waits here or is refused */
  e = jobs_complete_in(&x, c, now_ms);
  store_actor sys = {0, "job"};
  if (!e) e = sx_audit(&x, &sys, action, "job", c->id, detail);
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  return e;
}

/* Runs one write statement with a RETURNING clause in a transaction of its own; *rows gets how
 * many rows it returned, *first the first cell of the first. */
static pheme_err write1(store *s, const char *sql, const dbv *args, int nargs, int *rows,
                        int64_t *first) {
  sx x;
  pheme_err e = sx_write(s, NULL, &x);
  if (e) return e;
  db_result r;
  e = sx_query(&x, sql, args, nargs, &r);
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  if (!e && rows) *rows = r.rows;
  if (!e && first && r.rows) *first = db_int(&r, 0, 0);
  return e;
}

static const char *cut_error(const char *error, char *out, size_t n) {
  if (!error || !error[0]) return "failed";
  if (strlen(error) < n) return error;
  size_t len = n - 1;
  memcpy(out, error, len);
  out[len] = 0;
  /* do not leave half of a UTF-8 sequence at the end */
  while (len > 0 && ((unsigned char)out[len - 1] & 0xC0) == 0x80) len--;
  if (len > 0 && ((unsigned char)out[len - 1] & 0x80)) len--;
  out[len] = 0;
  return out;
}

pheme_err store_job_fail(store *s, const job_claim *c, const char *error, int64_t retry_at,
                         int64_t now_ms, int *dead) {
  char cut[JOB_ERROR_MAX + 1];
  int rows = 0;
  int64_t became_dead = 0;
  /* the lease need not be live to report a failure: only the token must still be this claim's */
  pheme_err e = write1(
      s,
      "UPDATE jobs SET state = CASE WHEN CAST($1 AS BIGINT) = 0 OR attempts >= max_attempts THEN 'dead' ELSE "
      "'queued' END, run_at = CASE WHEN $1 = 0 THEN run_at ELSE $1 END, last_error = $2, "
      "lease_owner = NULL, lease_expires_at = NULL, updated_at = $3 WHERE id = $4 AND claims = $5 "
      "AND state = 'running' RETURNING CASE WHEN state = 'dead' THEN 1 ELSE 0 END",
      SX_ARGS(dbv_int(retry_at), dbv_text(cut_error(error, cut, sizeof cut)), dbv_int(now_ms),
              dbv_int(c->id), dbv_int(c->token)),
      &rows, &became_dead);
  if (e) return e;
  if (rows != 1) return PHEME_DATA_STATE;
  if (dead) *dead = (int)became_dead;
  return PHEME_OK;
}

pheme_err store_job_renew(store *s, const job_claim *c, int64_t now_ms, int64_t lease_ms) {
  int rows = 0;
  pheme_err e = write1(s,
                       "UPDATE jobs SET lease_expires_at = $1 WHERE id = $2 AND claims = $3 AND "
                       "state = 'running' AND lease_expires_at > $4 RETURNING id",
                       SX_ARGS(dbv_int(now_ms + lease_ms), dbv_int(c->id), dbv_int(c->token),
                               dbv_int(now_ms)),
                       &rows, NULL);
  return e ? e : rows == 1 ? PHEME_OK : PHEME_DATA_STATE;
}

pheme_err store_jobs_release(store *s, const job_claim *c, int n, int64_t now_ms) {
  sx x;
  pheme_err e = sx_write(s, NULL, &x);
  if (e) return e;
  for (int i = 0; !e && i < n; i++)
    e = Q(&x, NULL,
          "UPDATE jobs SET state = 'queued', attempts = attempts - 1, run_at = $1, lease_owner = "
          "NULL, lease_expires_at = NULL, updated_at = $1 WHERE id = $2 AND claims = $3 AND state "
          "= 'running'",
          dbv_int(now_ms), dbv_int(c[i].id), dbv_int(c[i].token));
  if (n) x.on_commit = wake_listener;
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  return e;
}

pheme_err store_jobs_reclaim(store *s, int64_t now_ms, int *requeued, int *dead) {
  sx x;
  pheme_err e = sx_write(s, NULL, &x);
  if (e) return e;
  db_result r;
  /* dead first: those that were on their last attempt */
  e = Q(&x, &r,
        "UPDATE jobs SET state = 'dead', last_error = 'lease of ' || coalesce(lease_owner, '?') || "
        "' expired on attempt ' || attempts || ' of ' || max_attempts || ' (the worker stopped or "
        "stalled)', lease_owner = NULL, lease_expires_at = NULL, updated_at = $1 WHERE state = "
        "'running' AND lease_expires_at <= $1 AND attempts >= max_attempts RETURNING id",
        dbv_int(now_ms));
  int ndead = e ? 0 : r.rows;
  if (!e)
    e = Q(&x, &r,
          "UPDATE jobs SET state = 'queued', run_at = $1, last_error = 'lease of ' || "
          "coalesce(lease_owner, '?') || ' expired on attempt ' || attempts || ' (the worker "
          "stopped or stalled)', lease_owner = NULL, lease_expires_at = NULL, updated_at = $1 "
          "WHERE state = 'running' AND lease_expires_at <= $1 RETURNING id",
          dbv_int(now_ms));
  int nre = e ? 0 : r.rows;
  if (!e && (ndead || nre)) {
    if (nre) x.on_commit = wake_listener;
    e = sx_commit(&x);
  }
  sx_end(&x);
  if (e) return e;
  if (requeued) *requeued = nre;
  if (dead) *dead = ndead;
  return PHEME_OK;
}

/* ---- operators ---- */

#define JOB_COLS                                                                                \
  "id, kind, payload, state, attempts, max_attempts, claims, run_at, lease_owner, "            \
  "coalesce(lease_expires_at, 0), last_error, idempotency_key, created_at, updated_at"

static void read_job(const db_result *r, int i, job *o) {
  memset(o, 0, sizeof *o);
  o->id = db_int(r, i, 0);
  o->kind = db_text(r, i, 1);
  o->payload = db_text(r, i, 2);
  int st = job_state_parse(db_text(r, i, 3));
  o->state = st < 0 ? JOB_DEAD : (job_state)st;
  o->attempts = (int)db_int(r, i, 4);
  o->max_attempts = (int)db_int(r, i, 5);
  o->claims = db_int(r, i, 6);
  o->run_at = db_int(r, i, 7);
  o->lease_owner = db_text(r, i, 8);
  o->lease_expires_at = db_int(r, i, 9);
  o->last_error = db_text(r, i, 10);
  o->idempotency_key = db_text(r, i, 11);
  o->created_at = db_int(r, i, 12);
  o->updated_at = db_int(r, i, 13);
}

pheme_err store_jobs_list(store *s, arena *a, const job_filter *f, const store_page *p, job **out,
                          int *n) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  const char *state = f && f->state >= 0 ? job_state_name((job_state)f->state) : NULL;
  e = Q(&x, &r,
        "SELECT " JOB_COLS " FROM jobs WHERE (CAST($1 AS TEXT) IS NULL OR kind = $1) AND "
        "(CAST($2 AS TEXT) IS NULL OR state = $2) AND id < $3 ORDER BY id DESC LIMIT $4",
        dbv_text(f ? f->kind : NULL), dbv_text(state), dbv_int(page_before(p)), dbv_int(p->limit));
  sx_end(&x);
  if (e) return e;
  *out = arena_zalloc(a, sizeof **out * (size_t)(r.rows ? r.rows : 1));
  if (!*out) return PHEME_SYS_NOMEM;
  for (int i = 0; i < r.rows; i++) read_job(&r, i, &(*out)[i]);
  *n = r.rows;
  return PHEME_OK;
}

pheme_err store_job_get(store *s, arena *a, int64_t id, job *out) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r, "SELECT " JOB_COLS " FROM jobs WHERE id = $1", dbv_int(id));
  sx_end(&x);
  if (e) return e;
  if (r.rows == 0) return PHEME_DATA_NOT_FOUND;
  read_job(&r, 0, out);
  return PHEME_OK;
}

/* Tells "no such job" from "not in a state this allows" after a guarded write changed nothing. */
static pheme_err missing_or_state(store *s, int64_t id) {
  job j;
  arena a;
  arena_init(&a, 0);
  pheme_err e = store_job_get(s, &a, id, &j);
  arena_release(&a);
  return e ? e : PHEME_DATA_STATE;
}

pheme_err store_job_retry(store *s, const store_actor *who, int64_t id, int64_t now_ms) {
  sx x;
  pheme_err e = sx_write(s, NULL, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r,
        "UPDATE jobs SET state = 'queued', attempts = 0, run_at = $1, updated_at = $1 WHERE id = "
        "$2 AND state = 'dead' RETURNING id",
        dbv_int(now_ms), dbv_int(id));
  if (!e && r.rows == 1) {
    e = sx_audit(&x, who, "job.retry", "job", id, NULL);
    x.on_commit = wake_listener;
    if (!e) e = sx_commit(&x);
    sx_end(&x);
    return e;
  }
  sx_end(&x);
  return e ? e : missing_or_state(s, id);
}

pheme_err store_job_drop(store *s, const store_actor *who, int64_t id) {
  sx x;
  pheme_err e = sx_write(s, NULL, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r, "DELETE FROM jobs WHERE id = $1 AND state <> 'running' RETURNING id", dbv_int(id));
  if (!e && r.rows == 1) {
    e = sx_audit(&x, who, "job.drop", "job", id, NULL);
    if (!e) e = sx_commit(&x);
    sx_end(&x);
    return e;
  }
  sx_end(&x);
  return e ? e : missing_or_state(s, id);
}

pheme_err store_jobs_purge(store *s, int64_t done_before_ms, int64_t *n) {
  sx x;
  pheme_err e = sx_write(s, NULL, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r, "DELETE FROM jobs WHERE state = 'done' AND updated_at < $1 RETURNING id",
        dbv_int(done_before_ms));
  /* nothing deleted: no commit, so readers' caches keyed on the store's generation stay valid */
  if (!e && r.rows) e = sx_commit(&x);
  sx_end(&x);
  if (!e && n) *n = r.rows;
  return e;
}

/* ---- metrics ---- */

pheme_err store_jobs_stats(store *s, arena *a, job_kind_stats **out, int *n) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  e = sx_snapshot(&x);
  if (!e)
    e = Q0(&x, &r,
           "SELECT kind, state, count(*), sum(CASE WHEN state = 'queued' AND attempts > 0 THEN 1 "
           "ELSE 0 END), min(CASE WHEN state = 'queued' THEN created_at END) FROM jobs WHERE state "
           "IN ('queued', 'running', 'dead') GROUP BY kind, state ORDER BY kind, state");
  sx_end(&x);
  if (e) return e;
  *out = arena_zalloc(a, sizeof **out * (size_t)(r.rows ? r.rows : 1));
  if (!*out) return PHEME_SYS_NOMEM;
  int k = -1;
  for (int i = 0; i < r.rows; i++) {
    const char *kind = db_text(&r, i, 0);
    if (k < 0 || strcmp((*out)[k].kind, kind) != 0) (*out)[++k].kind = kind;
    job_kind_stats *st = &(*out)[k];
    int sti = job_state_parse(db_text(&r, i, 1));
    if (sti < 0) continue;
    st->count[sti] = db_int(&r, i, 2);
    st->retrying += db_int(&r, i, 3);
    if (sti == JOB_QUEUED) st->oldest_queued = db_int(&r, i, 4);
  }
  *n = k + 1;
  return PHEME_OK;
}
