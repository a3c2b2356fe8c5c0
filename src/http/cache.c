/* Sharded LRU cache of answer bodies; see cache.h. */
#include "http/cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/banned.h"

#define SHARDS 16
#define SLOTS 4096 /* hash slots per shard */

typedef struct entry {
  struct entry *hnext, *prev, *next;
  uint64_t hash, gen, born_us;
  size_t len, cost;
  char *body;
  char key[];
} entry;

typedef struct {
  pthread_mutex_t mu;
  entry *slots[SLOTS];
  entry *head, *tail; /* most recently used first */
  size_t bytes, entries;
} shard;

struct http_cache {
  size_t max_per_shard;
  uint64_t ttl_us;
  uint64_t hits, misses; /* atomic */
  shard shards[SHARDS];
};

static uint64_t hash_key(const char *s) {
  uint64_t h = 1469598103934665603u;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211u;
  return h;
}

http_cache *http_cache_new(size_t max_bytes, uint64_t ttl_us) {
  http_cache *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->max_per_shard = max_bytes / SHARDS;
  c->ttl_us = ttl_us;
  for (int i = 0; i < SHARDS; i++) pthread_mutex_init(&c->shards[i].mu, NULL);
  return c;
}

static void unlink_lru(shard *s, entry *e) {
  if (e->prev) e->prev->next = e->next; else s->head = e->next;
  if (e->next) e->next->prev = e->prev; else s->tail = e->prev;
  e->prev = e->next = NULL;
}

static void push_lru(shard *s, entry *e) {
  e->next = s->head;
  if (s->head) s->head->prev = e;
  s->head = e;
  if (!s->tail) s->tail = e;
}

static void drop(shard *s, entry *e) {
  entry **p = &s->slots[(e->hash / SHARDS) % SLOTS];
  while (*p && *p != e) p = &(*p)->hnext;
  if (*p) *p = e->hnext;
  unlink_lru(s, e);
  s->bytes -= e->cost;
  s->entries--;
  free(e->body);
  free(e);
}

void http_cache_free(http_cache *c) {
  if (!c) return;
  for (int i = 0; i < SHARDS; i++) {
    while (c->shards[i].head) drop(&c->shards[i], c->shards[i].head);
    pthread_mutex_destroy(&c->shards[i].mu);
  }
  free(c);
}

static entry *find(shard *s, const char *key, uint64_t h) {
  for (entry *e = s->slots[(h / SHARDS) % SLOTS]; e; e = e->hnext)
    if (e->hash == h && strcmp(e->key, key) == 0) return e;
  return NULL;
}

char *http_cache_get(http_cache *c, const char *key, uint64_t gen, uint64_t now_us, size_t *len) {
  if (gen == HTTP_CACHE_BYPASS) {
    __atomic_add_fetch(&c->misses, 1, __ATOMIC_RELAXED);
    return NULL;
  }
  uint64_t h = hash_key(key);
  shard *s = &c->shards[h % SHARDS];
  char *copy = NULL;
  pthread_mutex_lock(&s->mu);
  entry *e = find(s, key, h);
  if (e && (e->gen != gen || now_us - e->born_us > c->ttl_us)) {
    drop(s, e); /* stale: a write happened since, or it is too old */
    e = NULL;
  }
  if (e && (copy = malloc(e->len ? e->len : 1))) {
    memcpy(copy, e->body, e->len);
    *len = e->len;
    unlink_lru(s, e);
    push_lru(s, e);
  }
  pthread_mutex_unlock(&s->mu);
  __atomic_add_fetch(copy ? &c->hits : &c->misses, 1, __ATOMIC_RELAXED);
  return copy;
}

void http_cache_put(http_cache *c, const char *key, const char *body, size_t len, uint64_t gen,
               uint64_t now_us) {
  size_t klen = strlen(key), cost = sizeof(entry) + klen + 1 + len;
  if (gen == HTTP_CACHE_BYPASS || cost > c->max_per_shard / 4) return; /* one answer never takes a large share */
  entry *e = malloc(sizeof *e + klen + 1);
  char *copy = malloc(len ? len : 1);
  if (!e || !copy) {
    free(e);
    free(copy);
    return;
  }
  memcpy(copy, body, len);
  memcpy(e->key, key, klen + 1);
  e->hash = hash_key(key);
  e->gen = gen;
  e->born_us = now_us;
  e->len = len;
  e->cost = cost;
  e->body = copy;
  e->prev = e->next = NULL;
  shard *s = &c->shards[e->hash % SHARDS];
  pthread_mutex_lock(&s->mu);
  entry *old = find(s, key, e->hash);
  if (old) drop(s, old);
  while (s->tail && s->bytes + cost > c->max_per_shard) drop(s, s->tail);
  entry **slot = &s->slots[(e->hash / SHARDS) % SLOTS];
  e->hnext = *slot;
  *slot = e;
  push_lru(s, e);
  s->bytes += cost;
  s->entries++;
  pthread_mutex_unlock(&s->mu);
}

void http_cache_stats_get(http_cache *c, http_cache_usage *out) {
  memset(out, 0, sizeof *out);
  out->hits = __atomic_load_n(&c->hits, __ATOMIC_RELAXED);
  out->misses = __atomic_load_n(&c->misses, __ATOMIC_RELAXED);
  for (int i = 0; i < SHARDS; i++) {
    pthread_mutex_lock(&c->shards[i].mu);
    out->entries += c->shards[i].entries;
    out->bytes += c->shards[i].bytes;
    pthread_mutex_unlock(&c->shards[i].mu);
  }
}
