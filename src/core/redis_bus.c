/* Notices between nodes through Redis pub/sub: see redis_bus.h. */
#include "core/redis_bus.h"

#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "core/log.h"
#include "core/util.h"
#include "core/banned.h"

/* INCR the shared generation and PUBLISH its new value, atomically, in one round trip */
static const char PUBLISH_SCRIPT[] =
    "local g = redis.call('INCR', KEYS[1]) redis.call('PUBLISH', ARGV[1], g) return g";

struct redis_bus {
  redis_client *c;
  int backoff_ms;
  char channel[64];
  void (*on_notice)(void *ctx);
  void *ctx;
  pthread_t thread;
  int started;
  pthread_mutex_t mu; /* stopping, sub, first; cv */
  pthread_cond_t cv;
  int stopping, first;
  redisContext *sub;  /* the subscriber's connection while it has one */
  /* the publisher: one thread with its own connection (core/redis.h's, of that thread) sends
   * the notices the committing threads ask for; one script covers every request made before it
   * started (under pmu) */
  pthread_t pub_thread;
  int pub_started;
  pthread_mutex_t pmu;
  pthread_cond_t pcv, pdone;
  uint64_t asked, done;
  /* atomic */
  int live;
  uint64_t gen, received, sent, failures, subscriptions;
  long long seen; /* the shared generation as of the last notice read (or the subscription) */
};

redis_bus *redis_bus_new(redis_client *c, int backoff_ms) {
  redis_bus *b = calloc(1, sizeof *b);
  if (!b) return NULL;
  b->c = c;
  b->backoff_ms = backoff_ms > 0 ? backoff_ms : 1000;
  const char *db = strrchr(redis_where(c), '/'); /* pub/sub is global to a server: one channel per database */
  snprintf(b->channel, sizeof b->channel, "%s%s", REDIS_BUS_CHANNEL, db ? db + 1 : "0");
  pthread_mutex_init(&b->mu, NULL);
  pthread_cond_init(&b->cv, NULL);
  pthread_mutex_init(&b->pmu, NULL);
  pthread_cond_init(&b->pcv, NULL);
  pthread_cond_init(&b->pdone, NULL);
  return b;
}

/* The shared generation now (GET on the caller's thread's connection): 0 with *v, or -1. */
static int shared_now(redis_bus *b, long long *v) {
  const char *argv[] = {"GET", REDIS_BUS_KEY};
  redis_value r;
  if (redis_command(b->c, 2, argv, &r)) return -1;
  *v = 0;
  if (r.type == REDIS_STR && parse_int(r.s, 0, INT64_MAX, v)) return -1;
  return r.type == REDIS_STR || r.type == REDIS_NIL ? 0 : -1;
}

/* Waits ms unless the bus is stopping (under b->mu). */
static void nap_locked(redis_bus *b, int ms) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_sec += ms / 1000;
  ts.tv_nsec += (long)(ms % 1000) * 1000000L;
  if (ts.tv_nsec >= 1000000000L) {
    ts.tv_sec++;
    ts.tv_nsec -= 1000000000L;
  }
  if (!b->stopping) pthread_cond_timedwait(&b->cv, &b->mu, &ts);
}

/* A connection subscribed to the channel, or NULL with *why set. */
static redisContext *subscribe(redis_bus *b, char *why, size_t n) {
  redisContext *ctx = redis_dial(b->c);
  if (!ctx) {
    redis_last_error(b->c, why, n);
    return NULL;
  }
  struct timeval none = {0, 0}; /* block for notices; a dead peer is found by keep-alive */
  redisSetTimeout(ctx, none);
  redisEnableKeepAlive(ctx);
  redisReply *r = redisCommand(ctx, "SUBSCRIBE %s", b->channel);
  int ok = r && r->type == REDIS_REPLY_ARRAY;
  if (!ok) snprintf(why, n, "SUBSCRIBE %.63s: %.100s", b->channel, r && r->type == REDIS_REPLY_ERROR ? r->str : ctx->errstr);
  if (r) freeReplyObject(r);
  /* where the shared generation stands once subscribed: every later notice comes on ctx */
  long long v = 0;
  if (ok && shared_now(b, &v)) {
    ok = 0;
    snprintf(why, n, "GET %s failed", REDIS_BUS_KEY);
  }
  if (!ok) {
    redisFree(ctx);
    return NULL;
  }
  __atomic_store_n(&b->seen, v, __ATOMIC_RELEASE);
  return ctx;
}

static void *bus_main(void *arg) {
  redis_bus *b = arg;
  char why[200];
  pthread_mutex_lock(&b->mu);
  while (!b->stopping) {
    pthread_mutex_unlock(&b->mu);
    redisContext *ctx = subscribe(b, why, sizeof why);
    pthread_mutex_lock(&b->mu);
    b->first = 1;
    pthread_cond_broadcast(&b->cv);
    if (!ctx) {
      char msg[260];
      snprintf(msg, sizeof msg, "not subscribed to %.63s: %.150s", b->channel, why);
      redis_hold_down(b->c, msg);
      nap_locked(b, b->backoff_ms);
      continue;
    }
    if (b->stopping) {
      redisFree(ctx);
      break;
    }
    b->sub = ctx;
    pthread_mutex_unlock(&b->mu);
    /* a new subscription: what was cached before it may have missed notices */
    __atomic_add_fetch(&b->gen, 1, __ATOMIC_ACQ_REL);
    __atomic_store_n(&b->live, 1, __ATOMIC_RELEASE);
    __atomic_add_fetch(&b->subscriptions, 1, __ATOMIC_RELAXED);
    redis_hold_down(b->c, NULL);
    log_info("redis: subscribed to %s: events and cache invalidations from the other nodes arrive at once", b->channel);
    if (b->on_notice) b->on_notice(b->ctx);
    redisReply *r = NULL;
    while (redisGetReply(ctx, (void **)&r) == REDIS_OK && r) {
      /* ["message", channel, value] */
      if (r->type == REDIS_REPLY_ARRAY && r->elements == 3 && r->element[0]->type == REDIS_REPLY_STRING &&
          strcmp(r->element[0]->str, "message") == 0) {
        long long v;
        /* gen first: a reader that finds seen equal to the shared generation reads gen after */
        __atomic_add_fetch(&b->gen, 1, __ATOMIC_ACQ_REL);
        if (r->element[2]->type == REDIS_REPLY_STRING && !parse_int(r->element[2]->str, 0, INT64_MAX, &v) &&
            v > __atomic_load_n(&b->seen, __ATOMIC_RELAXED))
          __atomic_store_n(&b->seen, v, __ATOMIC_RELEASE);
        __atomic_add_fetch(&b->received, 1, __ATOMIC_RELAXED);
        if (b->on_notice) b->on_notice(b->ctx);
      }
      freeReplyObject(r);
      r = NULL;
    }
    __atomic_store_n(&b->live, 0, __ATOMIC_RELEASE); /* first: the cache is bypassed from here on */
    __atomic_add_fetch(&b->gen, 1, __ATOMIC_ACQ_REL);
    snprintf(why, sizeof why, "%s", ctx->errstr[0] ? ctx->errstr : "connection closed");
    pthread_mutex_lock(&b->mu);
    b->sub = NULL;
    redisFree(ctx);
    if (!b->stopping) {
      char msg[260];
      snprintf(msg, sizeof msg, "the subscription to %.63s was lost: %.150s", b->channel, why);
      redis_hold_down(b->c, msg);
      nap_locked(b, b->backoff_ms);
    }
  }
  pthread_mutex_unlock(&b->mu);
  return NULL;
}

static void send_notice(redis_bus *b) {
  const char *argv[] = {"EVAL", PUBLISH_SCRIPT, "1", REDIS_BUS_KEY, b->channel};
  redis_value v;
  if (redis_command(b->c, 5, argv, &v)) {
    __atomic_add_fetch(&b->failures, 1, __ATOMIC_RELAXED);
    return;
  }
  __atomic_add_fetch(&b->sent, 1, __ATOMIC_RELAXED);
}

static void *pub_main(void *arg) {
  redis_bus *b = arg;
  pthread_mutex_lock(&b->pmu);
  for (;;) {
    while (b->done == b->asked && !__atomic_load_n(&b->stopping, __ATOMIC_ACQUIRE)) pthread_cond_wait(&b->pcv, &b->pmu);
    if (__atomic_load_n(&b->stopping, __ATOMIC_ACQUIRE)) break;
    uint64_t upto = b->asked;
    pthread_mutex_unlock(&b->pmu);
    send_notice(b);
    pthread_mutex_lock(&b->pmu);
    b->done = upto;
    pthread_cond_broadcast(&b->pdone);
  }
  b->done = b->asked; /* nobody waits on a stopped bus */
  pthread_cond_broadcast(&b->pdone);
  pthread_mutex_unlock(&b->pmu);
  return NULL;
}

pheme_err redis_bus_start(redis_bus *b, void (*on_notice)(void *ctx), void *ctx, int wait_ms) {
  b->on_notice = on_notice;
  b->ctx = ctx;
  if (pthread_create(&b->pub_thread, NULL, pub_main, b)) return PHEME_SYS_IO;
  b->pub_started = 1;
  if (pthread_create(&b->thread, NULL, bus_main, b)) return PHEME_SYS_IO;
  b->started = 1;
  uint64_t until = time_mono_us() + (uint64_t)(wait_ms > 0 ? wait_ms : 0) * 1000;
  pthread_mutex_lock(&b->mu);
  while (!b->first && time_mono_us() < until) nap_locked(b, 10);
  pthread_mutex_unlock(&b->mu);
  return PHEME_OK;
}

void redis_bus_free(redis_bus *b) {
  if (!b) return;
  pthread_mutex_lock(&b->mu);
  __atomic_store_n(&b->stopping, 1, __ATOMIC_RELEASE);
  if (b->sub) shutdown(b->sub->fd, SHUT_RDWR); /* the blocked read returns */
  pthread_cond_broadcast(&b->cv);
  pthread_mutex_unlock(&b->mu);
  if (b->started) pthread_join(b->thread, NULL);
  pthread_mutex_lock(&b->pmu);
  pthread_cond_broadcast(&b->pcv);
  pthread_mutex_unlock(&b->pmu);
  if (b->pub_started) pthread_join(b->pub_thread, NULL); /* its connection is freed as it ends */
  pthread_mutex_destroy(&b->mu);
  pthread_cond_destroy(&b->cv);
  pthread_mutex_destroy(&b->pmu);
  pthread_cond_destroy(&b->pcv);
  pthread_cond_destroy(&b->pdone);
  free(b);
}

void redis_bus_publish(redis_bus *b) {
  pthread_mutex_lock(&b->pmu);
  if (b->pub_started && !__atomic_load_n(&b->stopping, __ATOMIC_ACQUIRE)) {
    uint64_t mine = ++b->asked;
    pthread_cond_signal(&b->pcv);
    while (b->done < mine) pthread_cond_wait(&b->pdone, &b->pmu);
  }
  pthread_mutex_unlock(&b->pmu);
}

int redis_bus_generation(redis_bus *b, uint64_t *gen) {
  if (!__atomic_load_n(&b->live, __ATOMIC_ACQUIRE)) return 0;
  /* every write acknowledged anywhere has INCRed the shared generation: while a notice of one is
   * still on its way to the subscriber, nothing cached here may be trusted */
  long long now;
  if (shared_now(b, &now) || now != __atomic_load_n(&b->seen, __ATOMIC_ACQUIRE)) return 0;
  *gen = __atomic_load_n(&b->gen, __ATOMIC_ACQUIRE);
  /* a loss between the two loads moved gen on, so an answer cached under *gen is stale anyway */
  return 1;
}

void redis_bus_metrics_collect(metrics_writer *w, void *ctx) {
  redis_bus *b = ctx;
  mw_family(w, "pheme_redis_subscribed", METRIC_GAUGE,
            "Whether this node is subscribed to the other nodes' notices (0: events come by polling, the answer cache is bypassed).");
  mw_i64(w, NULL, __atomic_load_n(&b->live, __ATOMIC_RELAXED));
  mw_family(w, "pheme_redis_notices_total", METRIC_COUNTER, "Commit notices published by this node and read from the channel.");
  mw_u64(w, (const char *[]){"direction", "sent", NULL}, __atomic_load_n(&b->sent, __ATOMIC_RELAXED));
  mw_u64(w, (const char *[]){"direction", "received", NULL}, __atomic_load_n(&b->received, __ATOMIC_RELAXED));
  mw_family(w, "pheme_redis_notice_failures_total", METRIC_COUNTER, "Commit notices this node could not publish (Redis down).");
  mw_u64(w, NULL, __atomic_load_n(&b->failures, __ATOMIC_RELAXED));
  mw_family(w, "pheme_redis_subscriptions_total", METRIC_COUNTER, "Subscriptions made (the first, then one per reconnect).");
  mw_u64(w, NULL, __atomic_load_n(&b->subscriptions, __ATOMIC_RELAXED));
  mw_family(w, "pheme_redis_shared_generation", METRIC_GAUGE, "The newest shared write generation this node has seen.");
  mw_i64(w, NULL, __atomic_load_n(&b->seen, __ATOMIC_RELAXED));
}
