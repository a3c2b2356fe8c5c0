/* A ranked set of people by XP: the order-statistic structure under every leaderboard.
 *
 * Members are user ids with an XP value; the order is XP descending, then user id ascending, so
 * every member has one position (ties are broken by the older account, and the order is total:
 * a cursor names one place in it). Ranks are 1-based positions in that order.
 *
 * Costs (n members): put / add / remove O(log n); the XP and rank of a member O(log n); a page of
 * k members from a rank, after a cursor or around a member O(log n + k).
 *
 * Thread-safety: any number of readers run concurrently with one writer at a time; every function
 * takes the set's own lock (see rank.c for which lock and why). */
#ifndef PHEME_GAME_RANK_H
#define PHEME_GAME_RANK_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

typedef struct rank_set rank_set;

/* One member at one place. */
typedef struct {
  int64_t id;   /* user id (> 0) */
  int64_t xp;
  int64_t rank; /* 1-based */
} rank_entry;

/* A place in the order, as a page cursor: the members strictly after it come next. */
typedef struct {
  int64_t xp;
  int64_t id;
} rank_key;

/* An empty set, or NULL when memory is short. Free it with rank_set_free. */
rank_set *rank_set_new(void);
/* Frees the set and everything it holds; NULL is a no-op. No reader may be using it. */
void rank_set_free(rank_set *s);

/* Sets member id (> 0) to xp, inserting it if absent. Returns 0, or -1 when memory is short (the
 * set is unchanged). */
int rank_set_put(rank_set *s, int64_t id, int64_t xp) PHEME_MUST_CHECK;
/* Adds delta to member id's XP (saturating at the int64 bounds), inserting it with delta if
 * absent; *xp_after (may be NULL) is the new value. Returns 0, or -1 when memory is short (the set
 * is unchanged). */
int rank_set_add(rank_set *s, int64_t id, int64_t delta, int64_t *xp_after) PHEME_MUST_CHECK;
/* Removes member id. Returns 1 when it was there, 0 when not. */
int rank_set_remove(rank_set *s, int64_t id);

/* The number of members. */
int64_t rank_set_size(rank_set *s);
/* Bytes the set holds (nodes and index), for the metrics. */
size_t rank_set_bytes(rank_set *s);

/* Member id's XP and rank into *out. Returns 1, or 0 when id is not a member. */
int rank_set_get(rank_set *s, int64_t id, rank_entry *out);
/* Up to max members from rank `from` (1-based) on, into out; returns how many. */
int rank_set_range(rank_set *s, int64_t from, int max, rank_entry *out);
/* Up to max members strictly after the place `after` (which need not be a member) into out;
 * returns how many. */
int rank_set_after(rank_set *s, rank_key after, int max, rank_entry *out);
/* Member id with up to `before` members above it and `after` below, in rank order, into out
 * (room for before + 1 + after); returns how many, or 0 when id is not a member. */
int rank_set_around(rank_set *s, int64_t id, int before, int after, rank_entry *out);

/* Checks every invariant of the structure (order, counts, separators, balance, index); for
 * tests. Returns 0, or PHEME_SYS_INTERNAL with why (len bytes) saying what is broken. */
pheme_err rank_set_check(rank_set *s, char *why, size_t len);

#endif
