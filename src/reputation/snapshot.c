/* The scores by address in memory (reputation.h, rep_lookup_many), so that a batch of 10,000
 * addresses costs hash lookups instead of 20,000 B-tree descents in storage, and its answer's
 * EIP-55 texts cost no Keccak.
 *
 * One table per process (the handlers build an engine per request; the table outlives them), for
 * one store. Every lookup first asks storage for what changed: the head of the event outbox in
 * commit order (every rescore, by any process or node, writes a "reputation.changed" event in its
 * transaction) and the wallets of the people rescored since the last look, which are written over
 * their entries; when nothing changed that is one indexed read of the head and no rows. (Commit
 * order matters on PostgreSQL: a rescore can commit after one with a higher id; reading history
 * ids, an earlier version missed such a rescore until the next full reload.) What the outbox does
 * not show (a
 * wallet unlinked, a person deleted) is caught by a full reload every REP_SNAPSHOT_TTL_MS, like
 * the answer cache's bound on writes from elsewhere (docs/reputation.md, "Bulk lookup"); an
 * address the table does not hold (a wallet linked since) is looked up in storage, as before. */
#include "reputation/reputation.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/util.h"
#include "eth/address.h"
#include "core/banned.h"

#define REP_SNAPSHOT_TTL_MS 60000

typedef struct {
  uint8_t address[20];
  int32_t score, domain[3]; /* micro-points, 0..10⁸ */
  uint64_t upper;           /* EIP-55: bit i set when hex digit i is written upper-case */
} snap_entry;

typedef struct {
  snap_entry *e;
  int64_t n, cap;
  uint32_t *slot; /* open addressing: entry index + 1, 0 empty; size mask + 1, a power of 2 */
  uint64_t mask;
} snap_table;

static struct {
  pthread_rwlock_t lock;    /* the table: read by lookups, written by refreshes */
  pthread_mutex_t refresh;  /* one refresh at a time */
  const store *store;       /* the store the table reflects, and its driver's name */
  const char *driver;
  event_cursor seen;        /* the outbox position the table is current to */
  int64_t loaded_ms;        /* the last full load */
  snap_table t;
} snap = {PTHREAD_RWLOCK_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, NULL, NULL, {0, 0}, 0, {0}};

/* All 20 bytes, mixed: real addresses are uniform, but seeded and test ones often differ only in
 * a few bytes. */
static uint64_t addr_hash(const uint8_t a[20]) {
  uint64_t x, y;
  uint32_t z;
  memcpy(&x, a, 8), memcpy(&y, a + 8, 8), memcpy(&z, a + 16, 4);
  uint64_t h = (x ^ (y * 0x9e3779b97f4a7c15ull) ^ ((uint64_t)z << 17)) * 0xbf58476d1ce4e5b9ull;
  h ^= h >> 31;
  h *= 0x94d049bb133111ebull;
  return h ^ (h >> 29);
}

static int64_t table_find(const snap_table *t, const uint8_t a[20]) {
  if (!t->slot) return -1;
  for (uint64_t i = addr_hash(a) & t->mask;; i = (i + 1) & t->mask) {
    uint32_t s = t->slot[i];
    if (!s) return -1;
    if (memcmp(t->e[s - 1].address, a, 20) == 0) return s - 1;
  }
}

static void table_release(snap_table *t) {
  free(t->e);
  free(t->slot);
  memset(t, 0, sizeof *t);
}

/* Keeps the slots at most half full. Returns -1 when memory runs out. */
static int table_reserve(snap_table *t, int64_t want) {
  if (want > INT32_MAX - 1) return -1;
  if (want > t->cap) {
    int64_t cap = t->cap ? t->cap : 1024;
    while (cap < want) cap *= 2;
    snap_entry *e = realloc(t->e, sizeof *e * (size_t)cap);
    if (!e) return -1;
    t->e = e, t->cap = cap;
  }
  uint64_t size = t->slot ? t->mask + 1 : 0;
  if ((uint64_t)want * 2 <= size) return 0;
  if (!size) size = 2048;
  while (size < (uint64_t)want * 2) size *= 2;
  uint32_t *slot = calloc(size, sizeof *slot);
  if (!slot) return -1;
  free(t->slot);
  t->slot = slot, t->mask = size - 1;
  for (int64_t k = 0; k < t->n; k++) {
    uint64_t i = addr_hash(t->e[k].address) & t->mask;
    while (slot[i]) i = (i + 1) & t->mask;
    slot[i] = (uint32_t)(k + 1);
  }
  return 0;
}

/* Writes w over its address's entry, or adds it (room reserved by the caller), taking the EIP-55
 * case from old (may be NULL) when it holds the address: a reload hashes only new addresses. */
static void table_put(snap_table *t, const store_rep_wallet_score *w, const snap_table *old) {
  int64_t k = table_find(t, w->address);
  if (k < 0) {
    k = t->n++;
    memcpy(t->e[k].address, w->address, 20);
    int64_t was = old ? table_find(old, w->address) : -1;
    uint64_t upper = 0;
    if (was >= 0) {
      upper = old->e[was].upper;
    } else {
      char text[ADDRESS_TEXT];
      address_to_checksum(text, w->address);
      for (int i = 0; i < 40; i++)
        if (text[2 + i] >= 'A' && text[2 + i] <= 'F') upper |= 1ull << i;
    }
    t->e[k].upper = upper;
    uint64_t i = addr_hash(w->address) & t->mask;
    while (t->slot[i]) i = (i + 1) & t->mask;
    t->slot[i] = (uint32_t)(k + 1);
  }
  t->e[k].score = (int32_t)w->score;
  for (int d = 0; d < 3; d++) t->e[k].domain[d] = (int32_t)w->domain[d];
}

/* Brings the table up to date with storage (see the top of the file). */
static pheme_err snapshot_refresh(store *s, arena *a) {
  pthread_mutex_lock(&snap.refresh);
  int64_t now = time_now_ms();
  const char *driver = store_driver_name(s);
  int full = snap.store != s || snap.driver != driver || now - snap.loaded_ms > REP_SNAPSHOT_TTL_MS;
  store_rep_wallet_score *w;
  int64_t n;
  event_cursor head;
  pheme_err e = store_rep_wallet_scores(s, a, full ? NULL : &snap.seen, &w, &n, &head);
  if (!e && !full && (head.txid < snap.seen.txid || (head.txid == snap.seen.txid && head.id < snap.seen.id))) {
    full = 1; /* the outbox went back (a restore): reload */
    e = store_rep_wallet_scores(s, a, NULL, &w, &n, &head);
  }
  if (e) {
    pthread_mutex_unlock(&snap.refresh);
    return e;
  }
  if (full) {
    snap_table t = {0};
    if (table_reserve(&t, n)) {
      pthread_mutex_unlock(&snap.refresh);
      return PHEME_SYS_NOMEM;
    }
    /* only refreshes write snap.t, and this thread holds the refresh lock: reading it is safe */
    for (int64_t i = 0; i < n; i++) table_put(&t, &w[i], &snap.t);
    pthread_rwlock_wrlock(&snap.lock);
    table_release(&snap.t);
    snap.t = t, snap.store = s, snap.driver = driver, snap.seen = head, snap.loaded_ms = now;
    pthread_rwlock_unlock(&snap.lock);
  } else if (n > 0 || head.txid != snap.seen.txid || head.id != snap.seen.id) {
    pthread_rwlock_wrlock(&snap.lock);
    if (table_reserve(&snap.t, snap.t.n + n)) e = PHEME_SYS_NOMEM;
    for (int64_t i = 0; !e && i < n; i++) table_put(&snap.t, &w[i], NULL);
    if (!e) snap.seen = head;
    else snap.store = NULL; /* half applied: the next lookup reloads */
    pthread_rwlock_unlock(&snap.lock);
  }
  pthread_mutex_unlock(&snap.refresh);
  return e;
}

void rep_lookup_forget(void) {
  pthread_mutex_lock(&snap.refresh);
  pthread_rwlock_wrlock(&snap.lock);
  table_release(&snap.t);
  snap.store = NULL, snap.driver = NULL, snap.seen = (event_cursor){0, 0}, snap.loaded_ms = 0;
  pthread_rwlock_unlock(&snap.lock);
  pthread_mutex_unlock(&snap.refresh);
}

static void entry_text(const snap_entry *x, char out[ADDRESS_TEXT]) {
  static const char lower[] = "0123456789abcdef", upper[] = "0123456789ABCDEF";
  out[0] = '0', out[1] = 'x';
  for (int i = 0; i < 40; i++) {
    unsigned nib = (x->address[i / 2] >> (i % 2 ? 0 : 4)) & 15;
    out[2 + i] = (x->upper >> i & 1 ? upper : lower)[nib];
  }
  out[42] = 0;
}

pheme_err rep_lookup_many(store *s, arena *a, const uint8_t (*addresses)[20], int n, store_rep_lookup *out,
                          char (*text)[ADDRESS_TEXT]) {
  memset(out, 0, sizeof *out * (size_t)(n > 0 ? n : 0));
  if (n <= 0) return PHEME_OK;
  PHEME_TRY(snapshot_refresh(s, a));
  int *missing = arena_alloc(a, sizeof *missing * (size_t)n);
  if (!missing) return PHEME_SYS_NOMEM;
  int nmissing = 0;
  pthread_rwlock_rdlock(&snap.lock);
  for (int i = 0; i < n; i++) {
    int64_t k = table_find(&snap.t, addresses[i]);
    if (k < 0) {
      missing[nmissing++] = i;
      continue;
    }
    const snap_entry *x = &snap.t.e[k];
    out[i].found = 1;
    out[i].score = x->score;
    for (int d = 0; d < 3; d++) out[i].domain[d] = x->domain[d];
    if (text) entry_text(x, text[i]);
  }
  pthread_rwlock_unlock(&snap.lock);
  if (nmissing == 0) return PHEME_OK;
  /* not held: a wallet linked since the last load, or nobody's */
  uint8_t(*ask)[20] = arena_alloc(a, 20 * (size_t)nmissing);
  store_rep_lookup *got = arena_alloc(a, sizeof *got * (size_t)nmissing);
  if (!ask || !got) return PHEME_SYS_NOMEM;
  for (int j = 0; j < nmissing; j++) memcpy(ask[j], addresses[missing[j]], 20);
  PHEME_TRY(store_rep_lookup_many(s, a, (const uint8_t(*)[20])ask, nmissing, got));
  for (int j = 0; j < nmissing; j++) {
    int i = missing[j];
    out[i] = got[j];
    out[i].as_of = 0;
    if (text) address_to_checksum(text[i], addresses[i]);
  }
  return PHEME_OK;
}
