/* Chunked bump allocator; see arena.h. */
#include "core/arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/banned.h"

struct arena_chunk {
  arena_chunk *next;
  size_t size, used;
  _Alignas(max_align_t) unsigned char data[];
};

#define ALIGN(n) (((n) + (_Alignof(max_align_t) - 1)) & ~(size_t)(_Alignof(max_align_t) - 1))

void arena_init(arena *a, size_t cap) {
  a->head = NULL;
  a->used = 0;
  a->cap = cap;
  a->first_used = 0;
}

void arena_release(arena *a) {
  arena_chunk *c = a->head;
  while (c) {
    arena_chunk *next = c->next;
    free(c);
    c = next;
  }
  a->head = NULL;
  a->used = 0;
  a->first_used = 0;
}

void arena_clear(arena *a) {
  size_t cap = a->cap;
  arena_release(a);
  arena_init(a, cap);
}

void *arena_alloc(arena *a, size_t n) {
  if (n == 0) n = 1;
  if (n > SIZE_MAX / 2) return NULL;
  size_t need = ALIGN(n);
  if (a->cap && a->used + need > a->cap) return NULL;
  if (a->first_used + need <= sizeof a->first) {
    /* first[] sits at an aligned offset inside the struct only if the struct is aligned;
     * round the offset against the real address to be safe. */
    uintptr_t base = (uintptr_t)(a->first + a->first_used);
    size_t pad = (size_t)(ALIGN(base) - base);
    if (a->first_used + pad + need <= sizeof a->first) {
      void *p = a->first + a->first_used + pad;
      a->first_used += pad + need;
      a->used += need;
      return p;
    }
  }
  arena_chunk *c = a->head;
  if (!c || c->size - c->used < need) {
    size_t size = need > 8192 ? need : 8192;
    if (c && c->size * 2 > size && c->size < (1u << 20)) size = c->size * 2;
    c = malloc(sizeof *c + size);
    if (!c) return NULL;
    c->size = size;
    c->used = 0;
    c->next = a->head;
    a->head = c;
  }
  void *p = c->data + c->used;
  c->used += need;
  a->used += need;
  return p;
}

void *arena_zalloc(arena *a, size_t n) {
  void *p = arena_alloc(a, n);
  if (p) memset(p, 0, n ? n : 1);
  return p;
}

char *arena_strndup(arena *a, const char *s, size_t n) {
  char *p = arena_alloc(a, n + 1);
  if (!p) return NULL;
  memcpy(p, s, n);
  p[n] = 0;
  return p;
}

char *arena_strdup(arena *a, const char *s) { return arena_strndup(a, s, strlen(s)); }

char *arena_vprintf(arena *a, const char *fmt, va_list ap) {
  /* one formatting pass when the text fits a stack buffer (most do), two otherwise */
  char tmp[512];
  va_list cp;
  va_copy(cp, ap);
  int n = vsnprintf(tmp, sizeof tmp, fmt, cp);
  va_end(cp);
  if (n < 0) return NULL;
  char *p = arena_alloc(a, (size_t)n + 1);
  if (!p) return NULL;
  if ((size_t)n < sizeof tmp) memcpy(p, tmp, (size_t)n + 1);
  else vsnprintf(p, (size_t)n + 1, fmt, ap);
  return p;
}

char *arena_printf(arena *a, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *p = arena_vprintf(a, fmt, ap);
  va_end(ap);
  return p;
}
