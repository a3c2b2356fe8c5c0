/* Sharded token buckets with LRU eviction; see ratelimit.h. */
#include "http/ratelimit.h"

#include <nettle/sha1.h>

#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
#include "core/banned.h"

#define SHARDS 16
#define KEY_MAX 64

/* Leases of shared tokens (docs/operations.md, "Rate limits across nodes"). A node asks for at
 * most 1/LEASE_SHARE of the tokens in the shared bucket at once, so every check of a limit under
 * 2 × LEASE_SHARE per minute is one exact call to Redis; it spends a lease for LEASE_MS at most,
 * and Redis keeps the lease's record LEASE_GRACE_MS longer, so that the record outlives every
 * spend (the node's deadline is counted from before its call, Redis's from when it ran). */
#define LEASE_SHARE 64
/* A bucket refills from empty to full in one minute, whatever its limit. */
#define WINDOW_US INT64_C(60000000)
#define LEASE_MS 250
#define LEASE_GRACE_MS 1000
#define LEASE_WANT_MAX (1 << 20)
/* The script's answer packs the tokens granted (at most LEASE_WANT_MAX) in its low bits. */
#define GRANT_BITS 21
#define GRANT_BITS_TEXT "2097152" /* 2^GRANT_BITS */
#define TEXT_(x) #x
#define TEXT(x) TEXT_(x)
#define LEASE_SHARE_TEXT TEXT(LEASE_SHARE)

typedef struct bucket {
  struct bucket *hnext;       /* hash chain */
  struct bucket *prev, *next; /* LRU list, most recent first */
  char key[KEY_MAX];
  double tokens;              /* this node's own bucket (no Redis, or Redis down) */
  uint64_t last_us;
  /* Shared through Redis: the lease this node holds on the shared bucket (see lease_renew). */
  int lease_left;             /* its tokens not spent yet */
  int lease_size;             /* its tokens when granted (after the one spent at once) */
  uint64_t lease_until;       /* monotonic µs: none is spent from this time on */
  uint32_t lease_id;          /* its field in the shared bucket (0: no lease) */
  int renewing;               /* a thread is asking Redis for this bucket now */
  double shared_tokens;       /* the shared bucket's tokens at its last answer (headers) */
  uint64_t refused_until;     /* monotonic µs: Redis last refused this client, with no token back before */
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
  char node[17];             /* this node's name in lease fields: random, per process */
  uint32_t lease_seq;        /* atomic: the last lease id given out */
  uint64_t shared_fallbacks; /* atomic: checks answered by this node's buckets: Redis was down */
  uint64_t shared_calls;     /* atomic: checks that asked Redis */
  uint64_t lease_hits;       /* atomic: checks answered from a lease, without Redis */
  uint64_t overlapped;       /* atomic: checks whose request's work ran while Redis answered */
  uint64_t overlap_refused;  /* atomic: ... and whose answer was no (the work was thrown away) */
};

/* The shared bucket and its leases, one atomic script per call (docs/operations.md, "Rate limits
 * across nodes"; docs/internals/http.md, "The shared rate-limit bucket"). The bucket is kept the
 * GCRA way (generic cell rate algorithm): KEYS[1] is a string holding the bucket's *theoretical
 * arrival time* TAT, an integer in µs of the Redis server's clock (TIME, so the nodes' clocks do
 * not matter). A token costs 60,000,000 / limit µs; the bucket owes `debt` = TAT − now µs (none
 * once TAT has passed) and holds (60,000,000 − debt) / cost tokens. The key expires when the
 * bucket is full again and no lease record lives, so a missing key is a full bucket: a take from
 * it is one `SET … NX PX … GET` (set if absent, else the value it holds) of an integer, with no
 * hash and no float formatting. Outstanding leases follow TAT in the same string, each " SIZE
 * EXPIRY_US FIELD". ARGV: [1] the limit per minute (also the capacity); [2] tokens wanted (0:
 * only look; absent: 1, with nothing given back); [3] how long a new lease lives in Redis, ms;
 * [4] the new lease's field; [5] the field of the lease this node gives back ("" none) and [6]
 * how many of its tokens were spent.
 *
 * Leased tokens are taken out of the bucket when granted (TAT moves on by their cost), and the
 * debt is never less than the cost of the tokens out on lease: so tokens in Redis plus tokens in
 * leases never exceed the limit and nothing is admitted that one bucket would refuse. A lease
 * given back while its record lives returns its unspent tokens; an expired lease is dropped, its
 * tokens counted as spent (the node stopped spending it earlier, see LEASE_MS). A grant is at
 * most the tokens wanted and at most 1/LEASE_SHARE of the whole tokens in the bucket, and at least
 * one when one is there; one token is spent at once by the request that asked, the rest become
 * the lease. Answers one integer, debt × 2^GRANT_BITS + granted (the debt after the grant, µs):
 * an integer reply, no array to build. */
static const char BUCKET_SCRIPT[] =
    "local limit = tonumber(ARGV[1])\n"
    "local want = ARGV[2] and tonumber(ARGV[2]) or 1\n"
    "local per = 60000000 / limit\n"
    "local t = redis.call('TIME')\n"
    "local now = t[1] * 1000000 + t[2]\n"
    "local v\n"
    "if want > 0 then\n"
    "  local g = math.min(want, math.max(1, math.floor(limit / " LEASE_SHARE_TEXT ")), limit)\n"
    "  local debt, rec, life = math.ceil(g * per), '', 0\n"
    "  if g > 1 then\n"
    "    local exp = now + ARGV[3] * 1000\n"
    "    rec, life = string.format(' %d %d ', g - 1, exp) .. ARGV[4], exp - now\n"
    "  end\n"
    "  if debt > life then life = debt end\n"
    "  v = redis.call('SET', KEYS[1], string.format('%d', now + debt) .. rec, 'NX', 'PX', string.format('%d', math.ceil(life / 1000)), 'GET')\n"
    "  if not v then return debt * " GRANT_BITS_TEXT " + g end\n"
    "else\n"
    "  v = redis.call('GET', KEYS[1])\n"
    "end\n"
    "local debt, leased, back, keep, last = 0, 0, nil, '', now\n"
    "if v then\n"
    "  local sp = string.find(v, ' ', 1, true)\n"
    "  debt = tonumber(sp and string.sub(v, 1, sp - 1) or v) - now\n"
    "  if debt < 0 then debt = 0 end\n"
    "  if sp then\n"
    "    for size, exp, f in string.gmatch(string.sub(v, sp), ' (%d+) (%d+) (%S+)') do\n"
    "      local n, e = tonumber(size), tonumber(exp)\n"
    "      if e > now then\n"
    "        leased = leased + n\n"
    "        if f == ARGV[5] then back = n\n"
    "        else\n"
    "          keep = keep .. ' ' .. size .. ' ' .. exp .. ' ' .. f\n"
    "          if e > last then last = e end\n"
    "        end\n"
    "      end\n"
    "    end\n"
    "  end\n"
    "end\n"
    "if debt < leased * per then debt = leased * per end\n"
    "if back then\n"
    "  leased = leased - back\n"
    "  debt = debt - (back - math.min(back, tonumber(ARGV[6]))) * per\n"
    "  if debt < leased * per then debt = leased * per end\n"
    "end\n"
    "local g = 0\n"
    "if want > 0 then\n"
    "  local tokens = math.floor((60000000 - debt) / per)\n"
    "  g = math.min(want, math.max(1, math.floor(tokens / " LEASE_SHARE_TEXT ")), tokens)\n"
    "  if g < 0 then g = 0 end\n"
    "  debt = debt + g * per\n"
    "  if g > 1 then\n"
    "    local exp = now + ARGV[3] * 1000\n"
    "    keep = keep .. string.format(' %d %d ', g - 1, exp) .. ARGV[4]\n"
    "    if exp > last then last = exp end\n"
    "  end\n"
    "end\n"
    "debt = math.ceil(debt)\n"
    "if want > 0 or back then\n"
    "  local life = math.max(debt, last - now, 1)\n"
    "  redis.call('SET', KEYS[1], string.format('%d', now + debt) .. keep, 'PX', string.format('%d', math.ceil(life / 1000)))\n"
    "end\n"
    "return debt * " GRANT_BITS_TEXT " + g\n";

void ratelimit_share(ratelimit *rl, redis_client *redis) {
  rl->shared = redis;
  uint8_t d[SHA1_DIGEST_SIZE];
  struct sha1_ctx h;
  sha1_init(&h);
  sha1_update(&h, sizeof BUCKET_SCRIPT - 1, (const uint8_t *)BUCKET_SCRIPT);
  sha1_digest(&h, sizeof d, d);
  for (int i = 0; i < SHA1_DIGEST_SIZE; i++) snprintf(rl->script_sha + 2 * i, 3, "%02x", d[i]);
  uint8_t id[8];
  if (random_bytes(id, sizeof id)) { /* no entropy: the clock and PID still tell nodes apart */
    uint64_t v = time_mono_us() ^ ((uint64_t)getpid() << 40);
    memcpy(id, &v, sizeof id);
  }
  bytes_to_hex(rl->node, id, sizeof id);
}

uint64_t ratelimit_shared_fallbacks(ratelimit *rl) { return __atomic_load_n(&rl->shared_fallbacks, __ATOMIC_RELAXED); }

void ratelimit_metrics_collect(metrics_writer *w, void *ctx) {
  ratelimit *rl = ctx;
  mw_family(w, "pheme_ratelimit_buckets", METRIC_GAUGE, "Rate-limit buckets held by this node.");
  mw_i64(w, NULL, (int64_t)ratelimit_size(rl));
  mw_family(w, "pheme_ratelimit_shared", METRIC_GAUGE, "Whether the buckets are shared through Redis (configured).");
  mw_i64(w, NULL, rl->shared != NULL);
  mw_family(w, "pheme_ratelimit_shared_calls_total", METRIC_COUNTER, "Checks that asked the shared bucket in Redis.");
  mw_i64(w, NULL, (int64_t)__atomic_load_n(&rl->shared_calls, __ATOMIC_RELAXED));
  mw_family(w, "pheme_ratelimit_lease_hits_total", METRIC_COUNTER,
            "Checks answered from a lease of shared tokens this node holds, without asking Redis.");
  mw_i64(w, NULL, (int64_t)__atomic_load_n(&rl->lease_hits, __ATOMIC_RELAXED));
  mw_family(w, "pheme_ratelimit_shared_fallbacks_total", METRIC_COUNTER,
            "Checks this node answered with its own buckets because Redis could not (per-node limits meanwhile).");
  mw_i64(w, NULL, (int64_t)ratelimit_shared_fallbacks(rl));
  mw_family(w, "pheme_ratelimit_overlapped_total", METRIC_COUNTER,
            "Checks that asked Redis while their request's read-only work ran (its answer held until admitted).");
  mw_i64(w, NULL, (int64_t)__atomic_load_n(&rl->overlapped, __ATOMIC_RELAXED));
  mw_family(w, "pheme_ratelimit_overlap_refused_total", METRIC_COUNTER,
            "Overlapped checks Redis refused: the request was answered 429 and its work thrown away.");
  mw_i64(w, NULL, (int64_t)__atomic_load_n(&rl->overlap_refused, __ATOMIC_RELAXED));
}

/* The script's arguments for one call (shared_call), as text: argc is CALL_ARGC, or CALL_ARGC_ONE
 * for the most common call, one token wanted and no lease given back (the script's defaults). */
enum { CALL_ARGC = 10, CALL_ARGC_ONE = 5 };
typedef struct {
  char k[KEY_MAX + 16], lim[16], w[16], ms[16], nf[32], bf[32], sp[16];
  const char *argv[CALL_ARGC];
  int argc;
} call_args;

static void call_args_init(ratelimit *rl, call_args *a, const char *key, int limit, int want, uint32_t new_id,
                           uint32_t back_id, int spent) {
  /* rl2: the GCRA string, under a prefix of its own: the script before kept a hash under
   * pheme:rl:, and during a rolling upgrade nodes of both kinds must not meet (WRONGTYPE) */
  snprintf(a->k, sizeof a->k, "pheme:rl2:%s", key);
  snprintf(a->lim, sizeof a->lim, "%d", limit);
  const char *one[CALL_ARGC_ONE] = {"EVALSHA", rl->script_sha, "1", a->k, a->lim};
  if (want == 1 && !back_id) {
    memcpy(a->argv, one, sizeof one);
    a->argc = CALL_ARGC_ONE;
    return;
  }
  snprintf(a->w, sizeof a->w, "%d", want);
  snprintf(a->ms, sizeof a->ms, "%d", LEASE_MS + LEASE_GRACE_MS);
  snprintf(a->nf, sizeof a->nf, "%s:%u", rl->node, new_id);
  if (back_id) snprintf(a->bf, sizeof a->bf, "%s:%u", rl->node, back_id); else a->bf[0] = 0;
  snprintf(a->sp, sizeof a->sp, "%d", spent);
  const char *argv[CALL_ARGC] = {"EVALSHA", rl->script_sha, "1", a->k, a->lim, a->w, a->ms, a->nf, a->bf, a->sp};
  memcpy(a->argv, argv, sizeof argv);
  a->argc = CALL_ARGC;
}

/* The script's answer for a bucket of limit: 0 with *granted and the *tokens its debt leaves in
 * the bucket, or -1 (counted as a fallback). */
static int call_answer(ratelimit *rl, pheme_err e, const redis_value *v, int limit, int *granted, double *tokens) {
  if (e || v->type != REDIS_INT || v->i < 0) {
    __atomic_add_fetch(&rl->shared_fallbacks, 1, __ATOMIC_RELAXED);
    return -1;
  }
  *granted = (int)(v->i & ((1 << GRANT_BITS) - 1));
  *tokens = (double)(WINDOW_US - (v->i >> GRANT_BITS)) * limit / WINDOW_US;
  return 0;
}

/* The answer to the call a (e and v, as redis_command returns them), whichever way it went out.
 * NOSCRIPT (a Redis that restarted or was flushed) is answered by sending the script itself once,
 * on this thread's own connection, waiting. */
static int call_reply(ratelimit *rl, call_args *a, pheme_err e, const redis_value *v, int limit, int *granted,
                      double *tokens) {
  redis_value again;
  if (e == PHEME_DATA_INVALID && strncmp(v->s, "NOSCRIPT", 8) == 0) {
    a->argv[0] = "EVAL";
    a->argv[1] = BUCKET_SCRIPT; /* runs it and caches it on the server for the next EVALSHA */
    e = redis_command(rl->shared, a->argc, a->argv, &again);
    v = &again;
  }
  return call_answer(rl, e, v, limit, granted, tokens);
}

/* The call on this thread's own connection, waiting for the answer. */
static int call_wait(ratelimit *rl, call_args *a, int limit, int *granted, double *tokens) {
  redis_value v;
  pheme_err e = redis_command(rl->shared, a->argc, a->argv, &v);
  return call_reply(rl, a, e, &v, limit, granted, tokens);
}

/* One call of the shared bucket's script: want tokens (0: only look), giving back the lease
 * back_id (0: none) of which spent tokens were used; a granted lease gets the field new_id.
 * *granted and *tokens are the script's answer. -1 when Redis cannot answer (the caller uses the
 * node's own bucket). */
static int shared_call(ratelimit *rl, const char *key, int limit, int want, uint32_t new_id, uint32_t back_id, int spent,
                       int *granted, double *tokens) {
  call_args a;
  call_args_init(rl, &a, key, limit, want, new_id, back_id, spent);
  __atomic_add_fetch(&rl->shared_calls, 1, __ATOMIC_RELAXED);
  return call_wait(rl, &a, limit, granted, tokens);
}

/* The answer for a client whose shared bucket holds tokens (plus what this node's lease holds). */
static rl_result shared_result(int limit, int allowed, double tokens) {
  double rate = (double)limit / 60e6;
  rl_result r = {allowed, limit, (int)tokens, 0, 0};
  if (!allowed) r.retry_after_s = (int)((1.0 - tokens) / rate / 1e6) + 1;
  r.reset_s = (int)(((double)limit - tokens) / rate / 1e6 + 0.999);
  if (r.reset_s < 0) r.reset_s = 0;
  return r;
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

/* The bucket of ref, made full if there is none (call with the shard locked). NULL when out of
 * memory. */
static bucket *bucket_get(const bucket_ref *ref, int limit, uint64_t now_us) {
  shard *s = ref->s;
  bucket *b = bucket_find(ref);
  if (b) {
    lru_unlink(s, b);
    lru_push(s, b);
    return b;
  }
  if (s->count >= s->cap && s->tail) {
    bucket *old = s->tail;
    lru_unlink(s, old);
    table_remove(s, old, hash_key(old->key) / SHARDS);
    free(old); /* a lease it held is not given back: its tokens count as spent once it expires */
    s->count--;
  }
  b = calloc(1, sizeof *b);
  if (!b) return NULL;
  memcpy(b->key, ref->key, KEY_MAX);
  b->tokens = limit;
  b->last_us = now_us;
  bucket **slot = &s->table[(ref->h / SHARDS) & (s->nslots - 1)];
  b->hnext = *slot;
  *slot = b;
  s->count++;
  lru_push(s, b);
  return b;
}

/* One take through the shared bucket that asks Redis: what shared_begin decided to ask, and
 * what shared_end does with the answer. */
typedef struct {
  bucket_ref ref;
  int limit;
  uint64_t now_us;
  int renew, want, spent;
  uint32_t id, back;
  int overlapped;      /* the caller's work runs before the answer (ratelimit_take_send's *overlap) */
} shared_take_call;

/* The first half of a take through the shared bucket: from this node's lease while it has tokens
 * and time left (1, *out set), else a call to Redis to make (0, *t filled), renewing the lease on
 * the way (one thread per bucket at a time; the others meanwhile ask for one token each). -1 when
 * there is no bucket (out of memory). overlap (NULL: not asked): the caller would do its work
 * while Redis answers; set to whether it may, which it may not for a client Redis refused and
 * that has no token back yet (its work would only be thrown away). */
static int shared_begin(ratelimit *rl, const bucket_ref *ref, int limit, uint64_t now_us, rl_result *out,
                        shared_take_call *t, int *overlap) {
  pthread_mutex_lock(&ref->s->mu);
  bucket *b = bucket_get(ref, limit, now_us);
  if (!b) {
    pthread_mutex_unlock(&ref->s->mu);
    return -1;
  }
  if (b->lease_left > 0 && now_us < b->lease_until) {
    b->lease_left--;
    *out = shared_result(limit, 1, b->shared_tokens + b->lease_left);
    pthread_mutex_unlock(&ref->s->mu);
    __atomic_add_fetch(&rl->lease_hits, 1, __ATOMIC_RELAXED);
    return 1;
  }
  int renew = !b->renewing, want = 1, spent = 0;
  uint32_t back = 0;
  if (renew) {
    back = b->lease_id;
    spent = b->lease_size - b->lease_left;
    /* used up within its time: the client spends faster than the lease, so ask for twice as
     * much; else for what it spent in one lease's time, and the token wanted now */
    if (now_us < b->lease_until) want = 2 * (b->lease_size + 1);
    else want = spent + 1;
    if (want > LEASE_WANT_MAX) want = LEASE_WANT_MAX;
    b->renewing = 1;
    b->lease_id = 0;
    b->lease_size = b->lease_left = 0;
  }
  int overlapped = overlap && now_us >= b->refused_until;
  pthread_mutex_unlock(&ref->s->mu);
  uint32_t id = 0;
  if (renew)
    while (!(id = __atomic_add_fetch(&rl->lease_seq, 1, __ATOMIC_RELAXED))) {
    }
  *t = (shared_take_call){*ref, limit, now_us, renew, want, spent, id, back, overlapped};
  if (overlap) *overlap = overlapped;
  return 0;
}

/* The second half: the answer of Redis (rc 0: granted and tokens; -1: none) recorded in the
 * bucket. 0 with *out, or -1 when Redis could not answer. */
static int shared_end(ratelimit *rl, const shared_take_call *t, int rc, int granted, double tokens, rl_result *out) {
  const bucket_ref *ref = &t->ref;
  int limit = t->limit, renew = t->renew, refused = rc == 0 && granted < 1;
  uint64_t now_us = t->now_us;
  uint32_t id = t->id;
  if (refused && t->overlapped) __atomic_add_fetch(&rl->overlap_refused, 1, __ATOMIC_RELAXED);
  if (renew || refused) {
    pthread_mutex_lock(&ref->s->mu);
    bucket *b;
    if ((b = bucket_get(ref, limit, now_us))) {
      if (renew) {
        b->renewing = 0;
        if (rc == 0) {
          b->shared_tokens = tokens;
          b->lease_until = now_us + (uint64_t)LEASE_MS * 1000;
          if (granted > 1) {
            b->lease_id = id;
            b->lease_size = b->lease_left = granted - 1;
          }
        }
      }
      /* no token comes back to the bucket before this, but by refill (or a lease another node
       * gives back early, which only makes this cautious) */
      if (refused) b->refused_until = now_us + (uint64_t)((1.0 - tokens) * (double)WINDOW_US / limit) + 1;
    }
    pthread_mutex_unlock(&ref->s->mu);
  }
  if (rc) return -1;
  *out = shared_result(limit, granted >= 1, tokens + (granted > 1 ? granted - 1 : 0));
  return 0;
}

/* Takes a token through the shared bucket, waiting for Redis when it must ask. -1 when Redis
 * cannot answer. */
static int shared_take(ratelimit *rl, const bucket_ref *ref, int limit, uint64_t now_us, rl_result *out) {
  shared_take_call t;
  int rc = shared_begin(rl, ref, limit, now_us, out, &t, NULL);
  if (rc) return rc > 0 ? 0 : -1;
  int granted = 0;
  double tokens = 0;
  rc = shared_call(rl, ref->key, limit, t.want, t.id, t.back, t.spent, &granted, &tokens);
  return shared_end(rl, &t, rc, granted, tokens, out);
}

/* What the shared bucket would answer, without taking a token: a lease with tokens and time left
 * says yes; else Redis is asked. -1 when it cannot answer. */
static int shared_peek(ratelimit *rl, const bucket_ref *ref, int limit, uint64_t now_us, rl_result *out) {
  pthread_mutex_lock(&ref->s->mu);
  bucket *b = bucket_find(ref);
  if (b && b->lease_left > 0 && now_us < b->lease_until) {
    *out = shared_result(limit, 1, b->shared_tokens + b->lease_left);
    pthread_mutex_unlock(&ref->s->mu);
    return 0;
  }
  pthread_mutex_unlock(&ref->s->mu);
  int granted;
  double tokens;
  if (shared_call(rl, ref->key, limit, 0, 0, 0, 0, &granted, &tokens)) return -1;
  *out = shared_result(limit, tokens >= 1.0, tokens);
  return 0;
}

/* A token from this node's own bucket (no Redis, or Redis could not answer). */
static rl_result local_take(const bucket_ref *refp, int limit, uint64_t now_us) {
  bucket_ref ref = *refp;
  rl_result r = {0, limit, 0, 0, 0};
  double rate = (double)limit / 60e6; /* tokens per microsecond */
  pthread_mutex_lock(&ref.s->mu);
  bucket *b = bucket_get(&ref, limit, now_us);
  if (!b) { /* out of memory: let the request through rather than fail it */
    pthread_mutex_unlock(&ref.s->mu);
    r.allowed = 1;
    r.remaining = limit;
    return r;
  }
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
  pthread_mutex_unlock(&ref.s->mu);
  return r;
}

rl_result ratelimit_take(ratelimit *rl, const char *client, rl_class c, uint64_t now_us) {
  bucket_ref ref;
  bucket_ref_init(rl, client, c, &ref);
  int limit = rl->limits[c];
  rl_result r = {0, limit, 0, 0, 0};
  if (rl->shared && shared_take(rl, &ref, limit, now_us, &r) == 0) return r;
  return local_take(&ref, limit, now_us);
}

/* A take whose call to Redis is in flight: the reader thread's (ratelimit_take_async) or its
 * caller's until ratelimit_take_reply (ratelimit_take_send). */
struct rl_take {
  ratelimit *rl;
  shared_take_call t;
  call_args args;
  rl_done_fn done;  /* ratelimit_take_async */
  void *arg;
  pthread_t thread; /* ratelimit_take_send: the thread whose connection it went out on */
};

/* Redis's answer to a take in flight, on the Redis client's reader thread (call_reply: NOSCRIPT
 * is asked again the waiting way, on this thread, once). */
static void take_answered(void *arg, pheme_err e, const redis_value *v) {
  rl_take *f = arg;
  int granted = 0;
  double tokens = 0;
  int limit = f->t.limit;
  int rc = call_reply(f->rl, &f->args, e, v, limit, &granted, &tokens);
  rl_result r;
  if (shared_end(f->rl, &f->t, rc, granted, tokens, &r)) r = local_take(&f->t.ref, f->t.limit, f->t.now_us);
  f->done(f->arg, &r);
  free(f);
}

/* The first half of ratelimit_take_async and ratelimit_take_send: 1 when answered at once (*out;
 * a lease, this node's bucket), 0 with *fp a take whose call is ready to send. */
static int take_begin(ratelimit *rl, const char *client, rl_class c, uint64_t now_us, rl_result *out, int *overlap,
                      rl_take **fp) {
  if (overlap) *overlap = 0;
  bucket_ref ref;
  bucket_ref_init(rl, client, c, &ref);
  int limit = rl->limits[c];
  rl_take *f;
  if (!rl->shared || !(f = malloc(sizeof *f))) {
    *out = ratelimit_take(rl, client, c, now_us);
    return 1;
  }
  int rc = shared_begin(rl, &ref, limit, now_us, out, &f->t, overlap);
  if (rc) {
    free(f);
    if (rc < 0) *out = local_take(&ref, limit, now_us);
    return 1;
  }
  f->rl = rl;
  call_args_init(rl, &f->args, ref.key, limit, f->t.want, f->t.id, f->t.back, f->t.spent);
  __atomic_add_fetch(&rl->shared_calls, 1, __ATOMIC_RELAXED);
  *fp = f;
  return 0;
}

/* The call of f could not be sent (Redis down): the bucket's renewal is undone and this node's own
 * bucket answers at once. Returns 1 (answered). */
static int take_unsent(rl_take *f, rl_result *out, int *overlap) {
  __atomic_add_fetch(&f->rl->shared_fallbacks, 1, __ATOMIC_RELAXED);
  (void)shared_end(f->rl, &f->t, -1, 0, 0, out);
  *out = local_take(&f->t.ref, f->t.limit, f->t.now_us);
  if (overlap) *overlap = 0;
  free(f);
  return 1;
}

int ratelimit_take_async(ratelimit *rl, const char *client, rl_class c, uint64_t now_us, rl_result *out, rl_done_fn done,
                         void *arg, int *overlap) {
  rl_take *f;
  if (take_begin(rl, client, c, now_us, out, overlap, &f)) return 1;
  f->done = done;
  f->arg = arg;
  int overlapped = f->t.overlapped; /* f is the reader thread's once sent */
  if (redis_send(rl->shared, f->args.argc, f->args.argv, take_answered, f) != PHEME_OK) return take_unsent(f, out, overlap);
  if (overlapped) __atomic_add_fetch(&rl->overlapped, 1, __ATOMIC_RELAXED);
  return 0;
}

int ratelimit_take_send(ratelimit *rl, const char *client, rl_class c, uint64_t now_us, rl_result *out,
                        rl_take **pending, int *overlap) {
  rl_take *f;
  *pending = NULL;
  if (take_begin(rl, client, c, now_us, out, overlap, &f)) return 1;
  f->thread = pthread_self();
  if (redis_command_send(rl->shared, f->args.argc, f->args.argv) != PHEME_OK) return take_unsent(f, out, overlap);
  if (f->t.overlapped) __atomic_add_fetch(&rl->overlapped, 1, __ATOMIC_RELAXED);
  *pending = f;
  return 0;
}

void ratelimit_take_reply(rl_take *f, int spin_us, rl_result *out) {
  ratelimit *rl = f->rl;
  int granted = 0, limit = f->t.limit, rc = -1;
  double tokens = 0;
  if (pthread_equal(f->thread, pthread_self())) {
    redis_value v;
    pheme_err e = redis_command_reply(rl->shared, spin_us, &v);
    rc = call_reply(rl, &f->args, e, &v, limit, &granted, &tokens);
  } /* else: on another thread the reply cannot be read (it is dropped by the thread's next send) */
  if (shared_end(rl, &f->t, rc, granted, tokens, out)) *out = local_take(&f->t.ref, limit, f->t.now_us);
  free(f);
}

rl_result ratelimit_peek(ratelimit *rl, const char *client, rl_class c, uint64_t now_us) {
  bucket_ref ref;
  bucket_ref_init(rl, client, c, &ref);
  int limit = rl->limits[c];
  rl_result r = {1, limit, limit, 0, 0};
  if (rl->shared && shared_peek(rl, &ref, limit, now_us, &r) == 0) return r;
  double rate = (double)limit / 60e6;
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
