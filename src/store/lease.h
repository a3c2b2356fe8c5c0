/* Named leases (migration 0026): work that must run once at a time across every process on one
 * database — the full reputation recompute — takes a lease by name, renews it while it works and
 * releases it when done. A holder that dies frees it when its time runs out. Owners must be unique
 * per holder (a thread of one process is a holder of its own), since taking a lease one already
 * holds is a renewal. Errors follow store.h. */
#ifndef PHEME_STORE_LEASE_H
#define PHEME_STORE_LEASE_H

#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "store/store.h"

#define LEASE_NAME_MAX 100
#define LEASE_OWNER_MAX 200

/* Takes lease name for owner until now_ms + ttl_ms when nobody holds it, its time has run out or
 * owner holds it already (then this renews it). *won tells whether owner holds it now; when not,
 * *holder (may be NULL) names who does, in a (left NULL when a is NULL).
 * PHEME_DATA_INVALID for a name or owner out of bounds, or ttl_ms < 1. */
pheme_err store_lease_take(store *s, arena *a, const char *name, const char *owner, int64_t now_ms,
                           int64_t ttl_ms, int *won, const char **holder) PHEME_MUST_CHECK;

/* Gives lease name up if owner holds it; nothing happens otherwise. */
pheme_err store_lease_release(store *s, const char *name, const char *owner) PHEME_MUST_CHECK;

#endif
