/* Sharded token buckets with LRU eviction; see ratelimit.h. */
#include "http/ratelimit.h"

#include <nettle/sha1.h>

#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/banned.h"

#define SHARDS 16
#define KEY_MAX 64

typedef struct bucket {
  struct bucket *hnext;       /* hash chain */
  struct bucket *prev, *next; /* LRU list, most recent first */
  char key[KEY_MAX];
  double tokens;
  uint64_t last_us;
} bucket;

typedef struct {
  pthread_mutex_t mu;
  bucket **table;
  size_t nslots, count, cap;
  bucket *head, *tail;
} shard;

struct ratelimit {
  int limits[RL__CLASSES];
  shard shards[SHARDS];
  redis_client *shared;      /* the buckets every node shares, or NULL (ratelimit_share) */
  char script_sha[41];       /* SHA-1 of BUCKET_SCRIPT, for EVALSHA */
  uint64_t shared_fallbacks; /* atomic: checks answered by this node's buckets: Redis was down */
};

/* The shared token bucket, one atomic script per check. KEYS[1] the bucket; ARGV[1] the limit per
 * minute (also the capacity); ARGV[2] 1 to take a token, 0 to look. Time is the Redis server's
 * (TIME), so the nodes' clocks do not matter. Answers {allowed, tokens as text}. The bucket
 * expires once it would be full again. */
static const char BUCKET_SCRIPT[] =
    "local limit = tonumber(ARGV[1])\n"
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000000 + tonumber(t[2])\n"
    "local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')\n"
    "local tokens, ts = tonumber(b[1]), tonumber(b[2])\n"
    "if not tokens then tokens = limit; ts = now end\n"
    "if now > ts then tokens = math.min(limit, tokens + (now - ts) * limit / 60000000) end\n"
    "local allowed = 0\n"
    "if tokens >= 1 then allowed = 1 end\n"
    "if ARGV[2] == '1' then\n"
    "  if allowed == 1 then tokens = tokens - 1 end\n"
    "  redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))\n"
    "  redis.call('PEXPIRE', KEYS[1], math.ceil((limit - tokens) * 60000 / limit) + 1000)\n"
    "end\n"
    "return {allowed, tostring(tokens)}\n";

void ratelimit_share(ratelimit *rl, redis_client *redis) {
  rl->shared = redis;
  uint8_t d[SHA1_DIGEST_SIZE];
  struct sha1_ctx h;
  sha1_init(&h);
  sha1_update(&h, sizeof BUCKET_SCRIPT - 1, (const uint8_t *)BUCKET_SCRIPT);
  sha1_digest(&h, sizeof d, d);
  for (int i = 0; i < SHA1_DIGEST_SIZE; i++) snprintf(rl->script_sha + 2 * i, 3, "%02x", d[i]);
}

uint64_t ratelimit_shared_fallbacks(ratelimit *rl) { return __atomic_load_n(&rl->shared_fallbacks, __ATOMIC_RELAXED); }

void ratelimit_metrics_collect(metrics_writer *w, void *ctx) {
  ratelimit *rl = ctx;
  mw_family(w, "pheme_ratelimit_buckets", METRIC_GAUGE, "Rate-limit buckets held by this node.");
  mw_i64(w, NULL, (int64_t)ratelimit_size(rl));
  mw_family(w, "pheme_ratelimit_shared", METRIC_GAUGE, "Whether the buckets are shared through Redis (configured).");
  mw_i64(w, NULL, rl->shared != NULL);
  mw_family(w, "pheme_ratelimit_shared_fallbacks_total", METRIC_COUNTER,
            "Checks this node answered with its own buckets because Redis could not (per-node limits meanwhile).");
  mw_i64(w, NULL, (int64_t)ratelimit_shared_fallbacks(rl));
}

/* The shared bucket's answer, or -1 when Redis cannot give one (the caller uses its own). */
static int shared_check(ratelimit *rl, const char *key, int limit, int take, rl_result *r) {
  char k[KEY_MAX + 16], lim[16];
  snprintf(k, sizeof k, "pheme:rl:%s", key);
  snprintf(lim, sizeof lim, "%d", limit);
  const char *argv[] = {"EVALSHA", rl->script_sha, "1", k, lim, take ? "1" : "0"};
  redis_value v;
  pheme_err e = redis_command(rl->shared, 6, argv, &v);
  if (e == PHEME_DATA_INVALID && strncmp(v.s, "NOSCRIPT", 8) == 0) {
    argv[0] = "EVAL";
    argv[1] = BUCKET_SCRIPT; /* runs it and caches it on the server for the next EVALSHA */
    e = redis_command(rl->shared, 6, argv, &v);
  }
  if (e || v.type != REDIS_ARR || v.n != 2 || v.a[0].type != REDIS_INT) {
    __atomic_add_fetch(&rl->shared_fallbacks, 1, __ATOMIC_RELAXED);
    return -1;
  }
  double tokens = strtod(v.a[1].s, NULL), rate = (double)limit / 60e6;
  r->limit = limit;
  r->allowed = v.a[0].i == 1;
  r->retry_after_s = r->allowed ? 0 : (int)((1.0 - tokens) / rate / 1e6) + 1;
  r->remaining = (int)tokens;
  r->reset_s = (int)(((double)limit - tokens) / rate / 1e6 + 0.999);
  return 0;
}

static uint64_t hash_key(const char *s) {
  uint64_t h = 1469598103934665603u;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211u;
  return h;
}

ratelimit *ratelimit_new(const int limits[RL__CLASSES], size_t capacity) {
  ratelimit *rl = calloc(1, sizeof *rl);
  if (!rl) return NULL;
  memcpy(rl->limits, limits, sizeof rl->limits);
  size_t per = capacity / SHARDS ? capacity / SHARDS : 1;
  for (int i = 0; i < SHARDS; i++) {
    shard *s = &rl->shards[i];
    pthread_mutex_init(&s->mu, NULL);
    s->cap = per;
    s->nslots = 64;
    while (s->nslots < per && s->nslots < (1u << 20)) s->nslots *= 2;
    s->table = calloc(s->nslots, sizeof *s->table);
    if (!s->table) {
      ratelimit_free(rl);
      return NULL;
    }
  }
  return rl;
}

void ratelimit_free(ratelimit *rl) {
  if (!rl) return;
  for (int i = 0; i < SHARDS; i++) {
    shard *s = &rl->shards[i];
    for (bucket *b = s->head; b;) {
      bucket *n = b->next;
      free(b);
      b = n;
    }
    free(s->table);
    pthread_mutex_destroy(&s->mu);
  }
  free(rl);
}

static void lru_unlink(shard *s, bucket *b) {
  if (b->prev) b->prev->next = b->next; else s->head = b->next;
  if (b->next) b->next->prev = b->prev; else s->tail = b->prev;
  b->prev = b->next = NULL;
}

static void lru_push(shard *s, bucket *b) {
  b->next = s->head;
  b->prev = NULL;
  if (s->head) s->head->prev = b;
  s->head = b;
  if (!s->tail) s->tail = b;
}

static void table_remove(shard *s, bucket *b, uint64_t h) {
  bucket **p = &s->table[h & (s->nslots - 1)];
  while (*p && *p != b) p = &(*p)->hnext;
  if (*p) *p = b->hnext;
}

/* The bucket of client in class c: its key, hash and shard, and the bucket itself if there is
 * one (call with the shard locked). */
typedef struct {
  char key[KEY_MAX];
  uint64_t h;
  shard *s;
} bucket_ref;

static void bucket_ref_init(ratelimit *rl, const char *client, rl_class c, bucket_ref *ref) {
  snprintf(ref->key, sizeof ref->key, "%d|%s", (int)c, client);
  ref->h = hash_key(ref->key);
  ref->s = &rl->shards[ref->h % SHARDS];
}

static bucket *bucket_find(const bucket_ref *ref) {
  bucket *b = ref->s->table[(ref->h / SHARDS) & (ref->s->nslots - 1)];
  while (b && strcmp(b->key, ref->key) != 0) b = b->hnext;
  return b;
}

rl_result ratelimit_take(ratelimit *rl, const char *client, rl_class c, uint64_t now_us) {
  bucket_ref ref;
  bucket_ref_init(rl, client, c, &ref);
  rl_result shared;
  if (rl->shared && shared_check(rl, ref.key, rl->limits[c], 1, &shared) == 0) return shared;
  shard *s = ref.s;
  uint64_t h = ref.h;
  const char *key = ref.key;
  int limit = rl->limits[c];
  double rate = (double)limit / 60e6; /* tokens per microsecond */
  rl_result r = {0, limit, 0, 0, 0};
  pthread_mutex_lock(&s->mu);
  bucket *b = bucket_find(&ref);
  if (b) {
    lru_unlink(s, b);
  } else {
    if (s->count >= s->cap && s->tail) {
      bucket *old = s->tail;
      lru_unlink(s, old);
      table_remove(s, old, hash_key(old->key) / SHARDS);
      free(old);
      s->count--;
    }
    b = calloc(1, sizeof *b);
    if (!b) { /* out of memory: let the request through rather than fail it */
      pthread_mutex_unlock(&s->mu);
      r.allowed = 1;
      r.remaining = limit;
      return r;
    }
    memcpy(b->key, key, KEY_MAX);
    b->tokens = limit;
    b->last_us = now_us;
    bucket **slot = &s->table[(h / SHARDS) & (s->nslots - 1)];
    b->hnext = *slot;
    *slot = b;
    s->count++;
  }
  lru_push(s, b);
  if (now_us > b->last_us) {
    b->tokens += (double)(now_us - b->last_us) * rate;
    if (b->tokens > limit) b->tokens = limit;
    b->last_us = now_us;
  }
  if (b->tokens >= 1.0) {
    b->tokens -= 1.0;
    r.allowed = 1;
  } else {
    r.retry_after_s = (int)((1.0 - b->tokens) / rate / 1e6) + 1;
  }
  r.remaining = (int)b->tokens;
  r.reset_s = (int)(((double)limit - b->tokens) / rate / 1e6 + 0.999);
  pthread_mutex_unlock(&s->mu);
  return r;
}

rl_result ratelimit_peek(ratelimit *rl, const char *client, rl_class c, uint64_t now_us) {
  bucket_ref ref;
  bucket_ref_init(rl, client, c, &ref);
  rl_result shared;
  if (rl->shared && shared_check(rl, ref.key, rl->limits[c], 0, &shared) == 0) return shared;
  int limit = rl->limits[c];
  double rate = (double)limit / 60e6;
  rl_result r = {1, limit, limit, 0, 0};
  pthread_mutex_lock(&ref.s->mu);
  bucket *b = bucket_find(&ref);
  if (b) {
    double tokens = b->tokens;
    if (now_us > b->last_us) tokens += (double)(now_us - b->last_us) * rate;
    if (tokens > limit) tokens = limit;
    r.allowed = tokens >= 1.0;
    if (!r.allowed) r.retry_after_s = (int)((1.0 - tokens) / rate / 1e6) + 1;
    r.remaining = (int)tokens;
    r.reset_s = (int)(((double)limit - tokens) / rate / 1e6 + 0.999);
  }
  pthread_mutex_unlock(&ref.s->mu);
  return r;
}

size_t ratelimit_size(ratelimit *rl) {
  size_t n = 0;
  for (int i = 0; i < SHARDS; i++) {
    pthread_mutex_lock(&rl->shards[i].mu);
    n += rl->shards[i].count;
    pthread_mutex_unlock(&rl->shards[i].mu);
  }
  return n;
}

int ratelimit_ip_key(const char *addr, char *out, size_t n) {
  struct in_addr v4;
  struct in6_addr v6;
  if (inet_pton(AF_INET, addr, &v4) == 1) {
    snprintf(out, n, "ip:%s", addr);
    return 0;
  }
  if (inet_pton(AF_INET6, addr, &v6) == 1) {
    /* v4-mapped addresses count as IPv4 */
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (memcmp(v6.s6_addr, mapped, 12) == 0) {
      char t[INET_ADDRSTRLEN];
      inet_ntop(AF_INET, v6.s6_addr + 12, t, sizeof t);
      snprintf(out, n, "ip:%s", t);
      return 0;
    }
    memset(v6.s6_addr + 8, 0, 8);
    char t[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, &v6, t, sizeof t);
    snprintf(out, n, "ip:%s/64", t);
    return 0;
  }
  return -1;
}

static int in_list(const char *list, const char *addr, size_t len) {
  for (const char *p = list; p && *p;) {
    while (*p == ' ' || *p == ',') p++;
    size_t l = strcspn(p, ", ");
    if (l && l == len && strncmp(p, addr, len) == 0) return 1;
    p += l;
  }
  return 0;
}

int ratelimit_trusted_proxy(const char *peer, const char *trusted) {
  return trusted && *trusted && in_list(trusted, peer, strlen(peer));
}

void ratelimit_client_ip(const char *peer, const char *forwarded_for, const char *trusted, char *out,
                         size_t n) {
  snprintf(out, n, "%s", peer);
  if (!forwarded_for || !trusted || !*trusted || !in_list(trusted, peer, strlen(peer))) return;
  /* Walk X-Forwarded-For from the right, skipping our own proxies. */
  const char *end = forwarded_for + strlen(forwarded_for);
  while (end > forwarded_for) {
    const char *start = end;
    while (start > forwarded_for && start[-1] != ',') start--;
    const char *a = start, *b = end;
    while (a < b && *a == ' ') a++;
    while (b > a && b[-1] == ' ') b--;
    if (b > a && !in_list(trusted, a, (size_t)(b - a))) {
      char cand[INET6_ADDRSTRLEN + 1];
      size_t l = (size_t)(b - a);
      if (l < sizeof cand) {
        memcpy(cand, a, l);
        cand[l] = 0;
        struct in6_addr tmp;
        if (inet_pton(AF_INET, cand, &tmp) == 1 || inet_pton(AF_INET6, cand, &tmp) == 1)
          snprintf(out, n, "%s", cand);
      }
      return;
    }
    end = start > forwarded_for ? start - 1 : start;
  }
}
