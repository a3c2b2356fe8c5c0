/* Token-bucket rate limits per client and route class (DESIGN §7).
 *
 * A client is the signed-in address, else the API key, else the IP address (IPv6 per /64, so
 * one host cannot dodge the limit by rotating addresses within its prefix). A bucket holds up to
 * `limit` tokens and refills at limit/60 per second. Buckets live in a fixed number of shards,
 * each a hash table with a least-recently-used list and a share of the capacity: when a shard is
 * full its least recently used bucket is dropped, so memory is bounded whatever the clients do. */
#ifndef PHEME_HTTP_RATELIMIT_H
#define PHEME_HTTP_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

#include "core/redis.h"

typedef enum { RL_AUTH, RL_READ, RL_WRITE, RL_GRAPHQL, RL__CLASSES } rl_class;

typedef struct ratelimit ratelimit;

/* limits[c] is the per-minute limit of class c; capacity the most buckets kept. NULL on OOM. */
ratelimit *ratelimit_new(const int limits[RL__CLASSES], size_t capacity);
void ratelimit_free(ratelimit *rl);

typedef struct {
  int allowed;
  int limit;          /* the class's limit per minute */
  int remaining;      /* whole tokens left after this request */
  int reset_s;        /* seconds until the bucket is full again */
  int retry_after_s;  /* when refused: seconds until one token is back */
} rl_result;

/* Takes one token from client's bucket of class c at time now_us (monotonic; injectable for tests). */
rl_result ratelimit_take(ratelimit *rl, const char *client, rl_class c, uint64_t now_us);
/* ratelimit_take for a caller that need not wait: 1 when answered now (*out set: this node's
 * bucket, or a lease of shared tokens it holds), 0 when the shared bucket in Redis is asked and
 * done(arg, result) will be called once with the answer, on the Redis client's reader thread
 * (redis_send); whatever Redis does, done is called (with this node's own bucket's answer when
 * Redis fails). The same limits hold as for ratelimit_take: a check that must ask Redis is
 * admitted only on its answer. Concurrent checks share round trips. */
typedef void (*rl_done_fn)(void *arg, const rl_result *r);
int ratelimit_take_async(ratelimit *rl, const char *client, rl_class c, uint64_t now_us, rl_result *out, rl_done_fn done,
                         void *arg, int *overlap);
/* ratelimit_take in two halves on the calling thread's own Redis connection, so that the caller
 * can work while Redis answers: 1 when answered now (*out set, as ratelimit_take_async), 0 when
 * the call went out and *pending is set; ratelimit_take_reply(*pending, spin_us, &result), called
 * once on the same thread, waits for the answer (polling up to spin_us first: redis_command_reply) (this node's bucket answers when Redis fails) and frees
 * it (called on another thread it does not wait and this node's bucket answers).
 *
 * overlap (both calls; NULL: the caller waits for the answer before any work): set to 1 when the
 * caller may do the request's work before the answer is in, holding its response until admitted
 * and answering 429 instead when refused (docs/internals/http.md, "Overlapped checks"), which
 * only read-only work may do. It is 0 for a client Redis refused whose bucket has no token back
 * yet: its work would only be thrown away. Counted in pheme_ratelimit_overlapped_total and, when
 * refused, pheme_ratelimit_overlap_refused_total. */
typedef struct rl_take rl_take;
int ratelimit_take_send(ratelimit *rl, const char *client, rl_class c, uint64_t now_us, rl_result *out,
                        rl_take **pending, int *overlap);
void ratelimit_take_reply(rl_take *pending, int spin_us, rl_result *out);
/* What ratelimit_take would answer, without taking a token or making a bucket (a client with no
 * bucket is allowed with the full limit). For counting failures: peek before the work, take
 * only when it failed. */
rl_result ratelimit_peek(ratelimit *rl, const char *client, rl_class c, uint64_t now_us);
/* Shares the buckets with every node using the same Redis (core/redis.h), so the documented
 * limits hold across nodes: never more than one bucket admits. A check either spends a token of a
 * lease this node holds (no network) or runs one atomic script there that takes a token and may
 * lease a few more to this node (at most 1/64 of the bucket's tokens, for 250 ms; limits under
 * 128 a minute never lease, so each of their checks is exact); docs/operations.md, "Rate limits
 * across nodes", gives the bound. While Redis is down a check is answered by this node's own
 * bucket (per-node limits) and counted; it never fails a request. */
void ratelimit_share(ratelimit *rl, redis_client *redis);
/* Checks answered by this node's buckets because Redis could not answer. */
uint64_t ratelimit_shared_fallbacks(ratelimit *rl);
/* The collector for the metrics registry (ctx: the ratelimit). */
void ratelimit_metrics_collect(metrics_writer *w, void *ctx);
/* Buckets held now (for tests and metrics). */
size_t ratelimit_size(ratelimit *rl);

/* The client key of an IP address given as text: IPv4 as is, IPv6 as its /64 prefix. Writes
 * "ip:…" into out; -1 when addr is not an address. */
int ratelimit_ip_key(const char *addr, char *out, size_t n);

/* Picks the client address from the peer and X-Forwarded-For: the header is believed only when
 * the peer is one of trusted (comma-separated addresses), and then the rightmost entry that is
 * not itself a trusted proxy is the client. Writes the address into out. */
void ratelimit_client_ip(const char *peer, const char *forwarded_for, const char *trusted, char *out,
                         size_t n);

/* Whether peer is one of trusted (comma-separated addresses). */
int ratelimit_trusted_proxy(const char *peer, const char *trusted);

#endif
