/* Reads from a PostgreSQL streaming replica with bounded staleness, and a person reading their
 * own writes (docs/operations.md, "Read replicas"). Internal to the store: store.c asks it where
 * each read goes and tells it of each commit.
 *
 * - Bounded staleness. A thread samples the primary's WAL insert position and then the replica's
 *   replay position every check interval (100 ms, or max_lag_ms / 64 when that is longer). The
 *   replica has caught up to the primary as of the latest sample it has replayed past; its
 *   staleness is the time since then. A read may go to the replica only while that staleness,
 *   plus the age of the check, is at most max_lag_ms; otherwise (or when a check fails, or the
 *   replica is not in recovery) reads go to the primary.
 * - Read your own writes. Only reads of an HTTP request go to the replica (core/readctx.h: jobs,
 *   the indexer and start-up read the primary). After every commit the primary's WAL insert
 *   position is read on the committing connection (one round trip, only with a replica). When a
 *   request that wrote is answered, its keys (client address, person or key) are pinned at that
 *   position: in this process, and through Redis when shared, for every node. A request whose key
 *   is pinned past the replica's replay position reads the primary; a request that wrote reads
 *   the primary for the rest of its life. With Redis configured but down, every request reads the
 *   primary (another node's pins cannot be seen). */
#ifndef PHEME_STORE_PG_REPLICA_H
#define PHEME_STORE_PG_REPLICA_H

#include "core/metrics.h"
#include "core/readctx.h"
#include "core/redis.h"
#include "store/internal.h"

typedef struct replica_gate replica_gate;

/* Starts watching the replica of s's database (its read pool); NULL when out of memory or the
 * thread cannot start (then every read goes to the primary). */
replica_gate *replica_gate_start(store *s, int max_lag_ms);
void replica_gate_stop(replica_gate *g);
/* Whether the calling thread's next read goes to the primary (1) or may go to the replica (0). */
int replica_gate_primary(replica_gate *g);
/* After x committed a write: reads the primary's WAL position on x's connection and notes that
 * the current request (if any) wrote. */
void replica_gate_committed(replica_gate *g, sx *x);
/* Shares pins with the other nodes through r (core/redis.h), or stops sharing (NULL). */
void replica_gate_share(replica_gate *g, redis_client *r);
/* read_ctx_on_write's hook (arg: the gate): pins c's keys at the last commit's position. */
void replica_gate_pin(const read_ctx *c, void *g);
void replica_gate_metrics(metrics_writer *w, replica_gate *g);
/* Whether the replica answered its last check: 1, 0 (down: reads go to the primary; it is
 * checked again with back-off and attached when it answers), -1 not checked yet. *usable: whether
 * reads may go to it now (within the staleness bound). */
int replica_gate_state(replica_gate *g, int *usable);

#endif
