/* A bump allocator for everything made while answering one request or running one command
 * (h2o's req->pool, lwan's arena). Allocations are freed together by arena_release() or
 * arena_clear(); nothing allocated from an arena is freed on its own.
 *
 * An arena has a cap on the total it will hand out: past it, arena_alloc returns NULL, so a
 * hostile request cannot make the server allocate without bound. */
#ifndef PHEME_CORE_ARENA_H
#define PHEME_CORE_ARENA_H

#include <stdarg.h>
#include <stddef.h>

typedef struct arena_chunk arena_chunk;

typedef struct {
  arena_chunk *head;  /* newest chunk first */
  size_t used;        /* bytes handed out, across chunks */
  size_t cap;         /* most bytes this arena will hand out; 0 = unlimited */
  char first[2048];   /* the first allocations come from here, with no malloc at all */
  size_t first_used;
} arena;

/* Prepares caller-owned memory. cap 0 means no limit. */
void arena_init(arena *a, size_t cap);
/* Frees every chunk; the arena may be reused after arena_init. */
void arena_release(arena *a);
/* Frees all but keeps the arena ready for reuse (same cap). */
void arena_clear(arena *a);

/* Returns n bytes aligned for any type, or NULL when the cap would be passed or malloc fails. */
void *arena_alloc(arena *a, size_t n);
/* Like arena_alloc, zero-filled. */
void *arena_zalloc(arena *a, size_t n);
/* Copies n bytes and adds a NUL; NULL on failure. */
char *arena_strndup(arena *a, const char *s, size_t n);
char *arena_strdup(arena *a, const char *s);
/* printf into the arena; NULL on failure. */
char *arena_printf(arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *arena_vprintf(arena *a, const char *fmt, va_list ap);

#endif
