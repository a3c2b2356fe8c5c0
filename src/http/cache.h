/* An in-process cache of public GET answers, for routes the table marks cacheable (a task, a
 * Skill Wallet). An entry is served only while the storage generation it was read under is still
 * the current one — every committed write in this process moves the generation on — and while it
 * is younger than the TTL, which bounds how long a write made by another process (pheme seed on
 * the same SQLite file) can go unseen. Memory is bounded: least recently used entries are dropped
 * past the byte budget. See docs/internals/http.md. */
#ifndef PHEME_HTTP_CACHE_H
#define PHEME_HTTP_CACHE_H

#include <stddef.h>
#include <stdint.h>

typedef struct http_cache http_cache;

typedef struct {
  uint64_t hits, misses, entries, bytes;
} http_cache_usage;

/* NULL on OOM. max_bytes counts keys and bodies; ttl_us bounds an entry's age. */
http_cache *http_cache_new(size_t max_bytes, uint64_t ttl_us);
void http_cache_free(http_cache *c);

/* A generation under which nothing is served or kept (the generation cannot be known: the other
 * nodes' notices are not arriving, core/redis_bus.h). */
#define HTTP_CACHE_BYPASS UINT64_MAX

/* A malloc'ed copy of the body cached under key for generation gen, or NULL (a miss). */
char *http_cache_get(http_cache *c, const char *key, uint64_t gen, uint64_t now_us, size_t *len);
/* Keeps a copy of body under key, tagged with the generation it was read under. */
void http_cache_put(http_cache *c, const char *key, const char *body, size_t len, uint64_t gen,
               uint64_t now_us);
void http_cache_stats_get(http_cache *c, http_cache_usage *out);

#endif
