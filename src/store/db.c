/* Driver choice, cell readers and the connection pool; see db.h. */
#include "store/db.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/banned.h"

dbv dbv_text(const char *s) {
  return s ? (dbv){DBV_TEXT, 0, s, strlen(s)} : dbv_null();
}

int64_t db_int(const db_result *r, int row, int col) {
  const dbv *v = db_cell(r, row, col);
  return v->type == DBV_INT ? v->i : 0;
}

const char *db_text(const db_result *r, int row, int col) {
  const dbv *v = db_cell(r, row, col);
  return v->type == DBV_TEXT ? v->p : NULL;
}

const uint8_t *db_blob(const db_result *r, int row, int col, size_t *n) {
  const dbv *v = db_cell(r, row, col);
  if (v->type != DBV_BLOB && v->type != DBV_TEXT) {
    *n = 0;
    return NULL;
  }
  *n = v->n;
  return (const uint8_t *)v->p;
}

uint64_t db_sql_hash(const char *sql) {
  uint64_t h = 1469598103934665603u; /* FNV-1a */
  for (; *sql; sql++) h = (h ^ (unsigned char)*sql) * 1099511628211u;
  return h;
}

pheme_err db_open(db **out, const char *url, const db_options *opt, char *err, size_t errlen) {
  if (strncmp(url, "sqlite:", 7) == 0) return db_sqlite_driver.open(out, url + 7, opt, err, errlen);
  if (strncmp(url, "postgresql:", 11) == 0 || strncmp(url, "postgres:", 9) == 0)
    return db_pg_driver.open(out, url, opt, err, errlen);
  return pheme_fail(PHEME_SYS_CONFIG, err, errlen, "unsupported database URL '%.80s': use sqlite:PATH or postgresql://…", url);
}

struct db_pool {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  db_conn **free;
  int nfree, size, waiting, timeout_ms;
  uint64_t acquired, timeouts;
};

db_pool *db_pool_new(db_conn **conns, int n, int timeout_ms) {
  db_pool *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  p->free = malloc(sizeof *p->free * (size_t)n);
  if (!p->free) {
    free(p);
    return NULL;
  }
  memcpy(p->free, conns, sizeof *p->free * (size_t)n);
  p->nfree = p->size = n;
  p->timeout_ms = timeout_ms;
  pthread_mutex_init(&p->mu, NULL);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&p->cv, &ca);
  pthread_condattr_destroy(&ca);
  return p;
}

db_conn *db_pool_get(db_pool *p) {
  struct timespec deadline;
  clock_gettime(CLOCK_MONOTONIC, &deadline);
  deadline.tv_sec += p->timeout_ms / 1000;
  deadline.tv_nsec += (long)(p->timeout_ms % 1000) * 1000000L;
  if (deadline.tv_nsec >= 1000000000L) {
    deadline.tv_sec++;
    deadline.tv_nsec -= 1000000000L;
  }
  pthread_mutex_lock(&p->mu);
  while (p->nfree == 0) {
    p->waiting++;
    int r = pthread_cond_timedwait(&p->cv, &p->mu, &deadline);
    p->waiting--;
    if (r == ETIMEDOUT && p->nfree == 0) {
      p->timeouts++;
      pthread_mutex_unlock(&p->mu);
      return NULL;
    }
  }
  db_conn *c = p->free[--p->nfree];
  p->acquired++;
  pthread_mutex_unlock(&p->mu);
  return c;
}

void db_pool_put(db_pool *p, db_conn *c) {
  pthread_mutex_lock(&p->mu);
  if (p->nfree >= p->size) PHEME_BUG("connection returned twice to a pool of %d", p->size);
  p->free[p->nfree++] = c;
  pthread_cond_signal(&p->cv);
  pthread_mutex_unlock(&p->mu);
}

void db_pool_stats_get(db_pool *p, db_pool_stats *out) {
  pthread_mutex_lock(&p->mu);
  out->size = p->size;
  out->in_use = p->size - p->nfree;
  out->waiting = p->waiting;
  out->acquired = p->acquired;
  out->timeouts = p->timeouts;
  pthread_mutex_unlock(&p->mu);
}

void db_pool_free(db_pool *p) {
  if (!p) return;
  pthread_mutex_destroy(&p->mu);
  pthread_cond_destroy(&p->cv);
  free(p->free);
  free(p);
}
