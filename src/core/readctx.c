/* The thread's read context and the write hook; see readctx.h. */
#include "core/readctx.h"

#include <stddef.h>

#include "core/banned.h"

static _Thread_local read_ctx *current_;
static void (*hook_)(const read_ctx *, void *);
static void *hook_arg_;

void read_ctx_set_current(read_ctx *c) { current_ = c; }

read_ctx *read_ctx_current(void) { return current_; }

uint64_t read_ctx_key(const char *s) {
  uint64_t h = 1469598103934665603u;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211u;
  return h ? h : 1;
}

void read_ctx_on_write(void (*fn)(const read_ctx *c, void *arg), void *arg) {
  __atomic_store_n(&hook_, NULL, __ATOMIC_RELEASE);
  __atomic_store_n(&hook_arg_, arg, __ATOMIC_RELEASE);
  __atomic_store_n(&hook_, fn, __ATOMIC_RELEASE);
}

void read_ctx_wrote(const read_ctx *c) {
  void (*fn)(const read_ctx *, void *) = __atomic_load_n(&hook_, __ATOMIC_ACQUIRE);
  if (fn && c && c->nkeys) fn(c, __atomic_load_n(&hook_arg_, __ATOMIC_ACQUIRE));
}

int read_ctx_wanted(void) { return __atomic_load_n(&hook_, __ATOMIC_ACQUIRE) != NULL; }
