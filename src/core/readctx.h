/* Who the current thread's reads are for, so that storage can let a person read their own writes
 * while other reads go to a replica (store/pg/replica.c, docs/operations.md "Read replicas").
 *
 * The HTTP server makes a request's context current on its thread around each step of the request
 * (as it does the trace span, core/trace.h) and names who the request is for: its client address
 * and, once authenticated, the person or key. Elsewhere (jobs, the indexer, start-up) no context
 * is current and storage reads from the primary. When a request that wrote is answered the server
 * calls read_ctx_wrote before the answer leaves, which the store's hook turns into a pin: those
 * keys read from the primary until the replica has replayed that write. */
#ifndef PHEME_CORE_READCTX_H
#define PHEME_CORE_READCTX_H

#include <stdint.h>

enum { READ_ANY = 0, READ_REPLICA = 1, READ_PRIMARY = 2 };

typedef struct {
  uint64_t keys[2]; /* read_ctx_key of the client address, and of the principal when known */
  int nkeys;
  int verdict;      /* READ_ANY until storage decides for this request; READ_PRIMARY sticks */
  int wrote;        /* storage committed a write for this request (then it reads the primary) */
} read_ctx;

/* The calling thread's context (NULL: none). */
void read_ctx_set_current(read_ctx *c);
read_ctx *read_ctx_current(void);
/* A key from a text ("ip:…", "addr:…"): FNV-1a, never 0. */
uint64_t read_ctx_key(const char *s);
/* The hook storage installs (one per process; NULL removes it), and the server's call when a
 * request that wrote (c->wrote) is answered, before its answer is queued. */
void read_ctx_on_write(void (*fn)(const read_ctx *c, void *arg), void *arg);
void read_ctx_wrote(const read_ctx *c);
/* Whether a hook is installed (storage has a replica): without one the keys need not be made. */
int read_ctx_wanted(void);

#endif
