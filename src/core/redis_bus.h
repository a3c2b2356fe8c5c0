/* Notices between PHEME nodes through Redis pub/sub (issue 16; docs/operations.md, "Several
 * nodes: Redis"). A node that commits a domain change publishes a notice: one atomic script that
 * INCRs the shared generation (key pheme:generation in the URL's database) and PUBLISHes its new
 * value on the channel pheme:events:DB. Every node keeps one subscriber thread with a connection
 * of its own on that channel; each notice it reads moves this node's notice count on and calls
 * on_notice (the event hub wakes at once instead of at its next poll, and the answer cache treats
 * what it holds as stale).
 *
 * Notices are a hint, never the data: events are still read from the outbox in commit order, so a
 * lost notice only delays (until the hub's poll). The answer cache cannot wait for a poll: while
 * the subscription is not live (Redis down, reconnecting), or the shared generation is ahead of
 * the last notice read (one is on its way), redis_bus_generation says so and the cache is
 * bypassed; each new subscription moves the count on, so nothing cached before the gap
 * is served after it. While the subscriber's connection is lost the client is held down
 * (redis_hold_down): /readyz and /metrics name Redis degraded. The subscriber reconnects every
 * back-off interval. */
#ifndef PHEME_CORE_REDIS_BUS_H
#define PHEME_CORE_REDIS_BUS_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/metrics.h"
#include "core/redis.h"

typedef struct redis_bus redis_bus;

#define REDIS_BUS_KEY "pheme:generation"
#define REDIS_BUS_CHANNEL "pheme:events:" /* + the database number of the URL */

/* A bus on c (which must outlive it); backoff_ms between reconnects. Nothing runs yet. NULL when
 * memory is short. */
redis_bus *redis_bus_new(redis_client *c, int backoff_ms);
/* Starts the subscriber thread; on_notice(ctx) is called on it for every notice read and after
 * every new subscription (notices may have been missed meanwhile); it must not block. Waits up to
 * wait_ms for the first attempt to subscribe (Redis down is not an error: the thread keeps
 * trying). PHEME_SYS_IO when the thread cannot start. */
pheme_err redis_bus_start(redis_bus *b, void (*on_notice)(void *ctx), void *ctx, int wait_ms) PHEME_MUST_CHECK;
/* Stops the thread (its connection is shut down) and frees the bus. NULL is fine. */
void redis_bus_free(redis_bus *b);
/* Publishes a notice and returns once it is sent (or failed): the bus's publisher thread sends
 * it on a connection of its own, one script for every request made before it started, so
 * concurrent commits share a round trip. Nothing is sent while Redis is down (counted as a
 * failure; the other nodes find the change by polling and their caches are bypassed, their
 * subscription being lost too). Returns at once on a bus not started or stopping. */
void redis_bus_publish(redis_bus *b);
/* 1 with *gen set while subscribed and every notice of the shared generation as it stands now
 * has been read (one GET on the caller's thread's connection: a write acknowledged anywhere
 * before this call has INCRed it); *gen moves on with every notice read and every new
 * subscription. 0 when not subscribed, Redis does not answer, or a notice is still on its way:
 * then nothing cached may be trusted. */
int redis_bus_generation(redis_bus *b, uint64_t *gen);

/* The collector (ctx: the bus): pheme_redis_subscribed, pheme_redis_notices_total{direction},
 * pheme_redis_notice_failures_total, pheme_redis_subscriptions_total,
 * pheme_redis_shared_generation. */
void redis_bus_metrics_collect(metrics_writer *w, void *ctx);

#endif
