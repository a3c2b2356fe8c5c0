/* The ranked set of rank.h: a counted B+ tree over (XP desc, id asc) and a hash index id → XP.
 *
 * Why a B+ tree and not a skip list (Redis's zset): a leaderboard's reads walk runs of neighbours
 * (a top-100, a page, the people around someone) and its rank queries descend from the root.
 * A B+ tree keeps 64 keys of 16 bytes in one leaf, contiguous, so a top-100 touches two leaves
 * and a rank query about four inner nodes and one leaf for a million people — each node read is a
 * few cache lines scanned in order, where a skip list chases one pointer (one likely cache miss)
 * per element and per level. Each inner node keeps, per child, the number of members below it
 * (its subtree count), which gives rank (sum the counts left of the path) and select by rank
 * (subtract them on the way down) in O(log n) like the span fields of a skip list. Deletion
 * rebalances (borrow from or merge with a sibling below a quarter full) so the height stays
 * logarithmic under any mix of updates.
 *
 * An XP change is a delete of the old key and an insert of the new one — or, when the new key
 * falls between two other keys of the old one's leaf, a move inside that leaf found on the
 * delete's way down (one descent, no counts to change). The hash index (open addressing, linear
 * probing, backward-shift deletion: no tombstones) finds the old key. Every
 * node an insert could need is allocated before the tree is touched, so running out of memory
 * leaves the set unchanged instead of half-split.
 *
 * Locking: a pthread rwlock per set, set to prefer writers. The critical sections are short (a
 * write is two O(log n) descents, about a microsecond; a top-100 read a few), so readers — HTTP
 * threads — run in parallel and the one writer (the award listener) is never starved by a steady
 * stream of them. Lock-free reads (a seqlock) would not be safe here: a reader follows pointers
 * into nodes a concurrent merge may free; making that safe (RCU, epochs) would cost a copy or a
 * deferred free on every update, which the numbers do not call for. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* pthread_rwlockattr_setkind_np */
#endif
#include "game/rank.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/banned.h"

#define LEAF_MAX 64
#define INNER_MAX 64
#define LEAF_MIN (LEAF_MAX / 4)
#define INNER_MIN (INNER_MAX / 4)
#define SPARES 16 /* inner nodes an insert may need: one per level, far above any real height */

typedef struct node {
  int leaf;
  int n;
} node;

typedef struct leaf {
  node h;
  struct leaf *next;
  rank_key k[LEAF_MAX];
} leaf;

/* sep[i] (i ≥ 1) is a lower bound of child i's keys and above every key of child i - 1; sep[0]
 * means nothing (the parent's separator bounds child 0). */
typedef struct inner {
  node h;
  uint32_t cnt[INNER_MAX];
  rank_key sep[INNER_MAX];
  node *c[INNER_MAX];
} inner;

typedef struct {
  int64_t id; /* 0: empty */
  int64_t xp;
} slot;

struct rank_set {
  pthread_rwlock_t lock;
  node *root;
  int height; /* 1: the root is a leaf */
  int64_t n;
  size_t leaves, inners;
  leaf *spare_leaf;
  inner *spare_inner[SPARES];
  int nspare;
  slot *tab;
  size_t cap, used; /* cap is a power of two */
};

/* ---- the order ---- */

static inline int key_lt(rank_key a, rank_key b) {
  return a.xp > b.xp || (a.xp == b.xp && a.id < b.id);
}
static inline int key_eq(rank_key a, rank_key b) { return a.xp == b.xp && a.id == b.id; }

/* The first index of leaf l whose key is not before k. */
static int leaf_lower(const leaf *l, rank_key k) {
  int lo = 0, hi = l->h.n;
  while (lo < hi) {
    int mid = (lo + hi) >> 1;
    if (key_lt(l->k[mid], k)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/* The child of p whose key range holds k: the last i with i == 0 or sep[i] <= k. */
static int child_of(const inner *p, rank_key k) {
  int lo = 1, hi = p->h.n;
  while (lo < hi) {
    int mid = (lo + hi) >> 1;
    if (key_lt(k, p->sep[mid])) hi = mid;
    else lo = mid + 1;
  }
  return lo - 1;
}

static int64_t node_count(const node *x) {
  if (x->leaf) return x->n;
  const inner *p = (const inner *)x;
  int64_t t = 0;
  for (int i = 0; i < x->n; i++) t += p->cnt[i];
  return t;
}

/* ---- the index: id → XP ---- */

static inline size_t slot_of(const rank_set *s, int64_t id) {
  return (size_t)(((uint64_t)id * 0x9E3779B97F4A7C15ull) >> 17) & (s->cap - 1);
}

static slot *index_find(const rank_set *s, int64_t id) {
  for (size_t i = slot_of(s, id);; i = (i + 1) & (s->cap - 1)) {
    if (s->tab[i].id == id) return &s->tab[i];
    if (s->tab[i].id == 0) return NULL;
  }
}

static void index_put_new(slot *tab, size_t cap, const rank_set *s, int64_t id, int64_t xp) {
  (void)s;
  size_t i = (size_t)(((uint64_t)id * 0x9E3779B97F4A7C15ull) >> 17) & (cap - 1);
  while (tab[i].id) i = (i + 1) & (cap - 1);
  tab[i].id = id;
  tab[i].xp = xp;
}

/* Makes room for one more id (load at most 1/2). Returns 0 or -1 (out of memory). */
static int index_reserve(rank_set *s) {
  if ((s->used + 1) * 2 <= s->cap) return 0;
  size_t cap = s->cap ? s->cap * 2 : 64;
  slot *tab = calloc(cap, sizeof *tab);
  if (!tab) return -1;
  for (size_t i = 0; i < s->cap; i++)
    if (s->tab[i].id) index_put_new(tab, cap, s, s->tab[i].id, s->tab[i].xp);
  free(s->tab);
  s->tab = tab;
  s->cap = cap;
  return 0;
}

/* Removes the slot at e, shifting later members of its probe run back (no tombstones). */
static void index_delete(rank_set *s, slot *e) {
  size_t i = (size_t)(e - s->tab), mask = s->cap - 1;
  for (size_t j = (i + 1) & mask; s->tab[j].id; j = (j + 1) & mask) {
    size_t home = slot_of(s, s->tab[j].id);
    /* j's entry may move to i when its home is not in (i, j] (cyclically) */
    if (((j - home) & mask) >= ((j - i) & mask)) {
      s->tab[i] = s->tab[j];
      i = j;
    }
  }
  s->tab[i].id = 0;
  s->used--;
}

/* ---- nodes ---- */

/* Allocates, before the tree changes, every node one insert may need. */
static int reserve_nodes(rank_set *s) {
  if (!s->spare_leaf && !(s->spare_leaf = malloc(sizeof(leaf)))) return -1;
  while (s->nspare < s->height + 1) {
    if (s->nspare == SPARES) PHEME_BUG("rank set taller than %d levels", SPARES);
    inner *p = malloc(sizeof(inner));
    if (!p) return -1;
    s->spare_inner[s->nspare++] = p;
  }
  return 0;
}

static leaf *take_leaf(rank_set *s) {
  leaf *l = s->spare_leaf;
  s->spare_leaf = NULL;
  l->h.leaf = 1;
  l->h.n = 0;
  l->next = NULL;
  s->leaves++;
  return l;
}

static inner *take_inner(rank_set *s) {
  if (s->nspare == 0) PHEME_BUG("rank set: no spare inner node");
  inner *p = s->spare_inner[--s->nspare];
  p->h.leaf = 0;
  p->h.n = 0;
  s->inners++;
  return p;
}

static void free_node(rank_set *s, node *x) {
  if (x->leaf) s->leaves--;
  else s->inners--;
  free(x);
}

/* ---- insert ---- */

/* Inserts k below x (k is not in the set). When x splits, *split is its new right sibling and
 * *split_key that sibling's lower bound. */
static void ins(rank_set *s, node *x, rank_key k, node **split, rank_key *split_key) {
  *split = NULL;
  if (x->leaf) {
    leaf *l = (leaf *)x;
    int pos = leaf_lower(l, k);
    if (l->h.n < LEAF_MAX) {
      memmove(&l->k[pos + 1], &l->k[pos], sizeof l->k[0] * (size_t)(l->h.n - pos));
      l->k[pos] = k;
      l->h.n++;
      return;
    }
    leaf *r = take_leaf(s);
    int half = LEAF_MAX / 2;
    memcpy(r->k, &l->k[half], sizeof l->k[0] * (size_t)(LEAF_MAX - half));
    r->h.n = LEAF_MAX - half;
    l->h.n = half;
    r->next = l->next;
    l->next = r;
    leaf *into = pos <= half ? l : r;
    if (into == r) pos -= half;
    memmove(&into->k[pos + 1], &into->k[pos], sizeof into->k[0] * (size_t)(into->h.n - pos));
    into->k[pos] = k;
    into->h.n++;
    *split = &r->h;
    *split_key = r->k[0];
    return;
  }
  inner *p = (inner *)x;
  int i = child_of(p, k);
  node *cs;
  rank_key ck;
  ins(s, p->c[i], k, &cs, &ck);
  p->cnt[i]++;
  if (!cs) return;
  uint32_t moved = (uint32_t)node_count(cs);
  p->cnt[i] -= moved;
  int j = i + 1, n = p->h.n;
  if (n < INNER_MAX) {
    memmove(&p->cnt[j + 1], &p->cnt[j], sizeof p->cnt[0] * (size_t)(n - j));
    memmove(&p->sep[j + 1], &p->sep[j], sizeof p->sep[0] * (size_t)(n - j));
    memmove(&p->c[j + 1], &p->c[j], sizeof p->c[0] * (size_t)(n - j));
    p->cnt[j] = moved;
    p->sep[j] = ck;
    p->c[j] = cs;
    p->h.n++;
    return;
  }
  /* full: lay the INNER_MAX + 1 entries out in order, then give the upper half to a new node */
  uint32_t cnt[INNER_MAX + 1];
  rank_key sep[INNER_MAX + 1];
  node *c[INNER_MAX + 1];
  for (int a = 0, b = 0; a <= n; a++) {
    if (a == j) {
      cnt[a] = moved, sep[a] = ck, c[a] = cs;
    } else {
      cnt[a] = p->cnt[b], sep[a] = p->sep[b], c[a] = p->c[b];
      b++;
    }
  }
  inner *r = take_inner(s);
  int left = (n + 1) / 2, right = n + 1 - left;
  memcpy(p->cnt, cnt, sizeof cnt[0] * (size_t)left);
  memcpy(p->sep, sep, sizeof sep[0] * (size_t)left);
  memcpy(p->c, c, sizeof c[0] * (size_t)left);
  p->h.n = left;
  memcpy(r->cnt, &cnt[left], sizeof cnt[0] * (size_t)right);
  memcpy(r->sep, &sep[left], sizeof sep[0] * (size_t)right);
  memcpy(r->c, &c[left], sizeof c[0] * (size_t)right);
  r->h.n = right;
  *split = &r->h;
  *split_key = r->sep[0];
}

static void tree_insert(rank_set *s, rank_key k) {
  node *cs;
  rank_key ck;
  ins(s, s->root, k, &cs, &ck);
  if (cs) {
    inner *top = take_inner(s);
    top->h.n = 2;
    top->c[0] = s->root;
    top->c[1] = cs;
    top->sep[0] = (rank_key){INT64_MAX, INT64_MIN};
    top->sep[1] = ck;
    top->cnt[1] = (uint32_t)node_count(cs);
    top->cnt[0] = (uint32_t)(s->n + 1 - top->cnt[1]);
    s->root = &top->h;
    s->height++;
  }
  s->n++;
}

/* ---- delete ---- */

static void inner_remove_at(inner *p, int j) {
  int n = p->h.n;
  memmove(&p->cnt[j], &p->cnt[j + 1], sizeof p->cnt[0] * (size_t)(n - j - 1));
  memmove(&p->sep[j], &p->sep[j + 1], sizeof p->sep[0] * (size_t)(n - j - 1));
  memmove(&p->c[j], &p->c[j + 1], sizeof p->c[0] * (size_t)(n - j - 1));
  p->h.n--;
}

/* Child i of p has fallen below its minimum: merge it with a sibling, or borrow from one. */
static void fix(rank_set *s, inner *p, int i) {
  int li = i + 1 < p->h.n ? i : i - 1, ri = li + 1;
  node *ln = p->c[li], *rn = p->c[ri];
  if (ln->leaf) {
    leaf *l = (leaf *)ln, *r = (leaf *)rn;
    if (l->h.n + r->h.n <= LEAF_MAX) {
      memcpy(&l->k[l->h.n], r->k, sizeof r->k[0] * (size_t)r->h.n);
      l->h.n += r->h.n;
      l->next = r->next;
      p->cnt[li] += p->cnt[ri];
      inner_remove_at(p, ri);
      free_node(s, rn);
      return;
    }
    if (l->h.n < r->h.n) {
      int m = (r->h.n - l->h.n) / 2;
      memcpy(&l->k[l->h.n], r->k, sizeof r->k[0] * (size_t)m);
      memmove(r->k, &r->k[m], sizeof r->k[0] * (size_t)(r->h.n - m));
      l->h.n += m, r->h.n -= m;
      p->cnt[li] += (uint32_t)m, p->cnt[ri] -= (uint32_t)m;
    } else {
      int m = (l->h.n - r->h.n) / 2;
      memmove(&r->k[m], r->k, sizeof r->k[0] * (size_t)r->h.n);
      memcpy(r->k, &l->k[l->h.n - m], sizeof r->k[0] * (size_t)m);
      l->h.n -= m, r->h.n += m;
      p->cnt[li] -= (uint32_t)m, p->cnt[ri] += (uint32_t)m;
    }
    p->sep[ri] = r->k[0];
    return;
  }
  inner *l = (inner *)ln, *r = (inner *)rn;
  r->sep[0] = p->sep[ri]; /* child 0 of r gets its real lower bound before it moves */
  if (l->h.n + r->h.n <= INNER_MAX) {
    int a = l->h.n, b = r->h.n;
    memcpy(&l->cnt[a], r->cnt, sizeof r->cnt[0] * (size_t)b);
    memcpy(&l->sep[a], r->sep, sizeof r->sep[0] * (size_t)b);
    memcpy(&l->c[a], r->c, sizeof r->c[0] * (size_t)b);
    l->h.n += b;
    p->cnt[li] += p->cnt[ri];
    inner_remove_at(p, ri);
    free_node(s, rn);
    return;
  }
  uint32_t moved = 0;
  if (l->h.n < r->h.n) {
    int m = (r->h.n - l->h.n) / 2, a = l->h.n;
    for (int t = 0; t < m; t++) moved += r->cnt[t];
    memcpy(&l->cnt[a], r->cnt, sizeof r->cnt[0] * (size_t)m);
    memcpy(&l->sep[a], r->sep, sizeof r->sep[0] * (size_t)m);
    memcpy(&l->c[a], r->c, sizeof r->c[0] * (size_t)m);
    int rest = r->h.n - m;
    memmove(r->cnt, &r->cnt[m], sizeof r->cnt[0] * (size_t)rest);
    memmove(r->sep, &r->sep[m], sizeof r->sep[0] * (size_t)rest);
    memmove(r->c, &r->c[m], sizeof r->c[0] * (size_t)rest);
    l->h.n += m, r->h.n -= m;
    p->cnt[li] += moved, p->cnt[ri] -= moved;
  } else {
    int m = (l->h.n - r->h.n) / 2, from = l->h.n - m, b = r->h.n;
    for (int t = from; t < l->h.n; t++) moved += l->cnt[t];
    memmove(&r->cnt[m], r->cnt, sizeof r->cnt[0] * (size_t)b);
    memmove(&r->sep[m], r->sep, sizeof r->sep[0] * (size_t)b);
    memmove(&r->c[m], r->c, sizeof r->c[0] * (size_t)b);
    memcpy(r->cnt, &l->cnt[from], sizeof r->cnt[0] * (size_t)m);
    memcpy(r->sep, &l->sep[from], sizeof r->sep[0] * (size_t)m);
    memcpy(r->c, &l->c[from], sizeof r->c[0] * (size_t)m);
    l->h.n -= m, r->h.n += m;
    p->cnt[li] -= moved, p->cnt[ri] += moved;
  }
  p->sep[ri] = r->sep[0];
}

/* Removes k from below x; returns 1 when it was there, 0 when not. With repl (an XP change of the
 * same member), when repl falls strictly between two other keys of k's leaf it takes k's place in
 * that leaf instead — no count changes, no second descent — and 2 is returned. */
static int del(rank_set *s, node *x, rank_key k, const rank_key *repl) {
  if (x->leaf) {
    leaf *l = (leaf *)x;
    int n = l->h.n, pos = leaf_lower(l, k);
    if (pos >= n || !key_eq(l->k[pos], k)) return 0;
    memmove(&l->k[pos], &l->k[pos + 1], sizeof l->k[0] * (size_t)(n - pos - 1));
    l->h.n = --n;
    if (repl && n >= 2 && key_lt(l->k[0], *repl) && key_lt(*repl, l->k[n - 1])) {
      /* between two keys of this leaf, so within its separators too */
      int at = leaf_lower(l, *repl);
      memmove(&l->k[at + 1], &l->k[at], sizeof l->k[0] * (size_t)(n - at));
      l->k[at] = *repl;
      l->h.n++;
      return 2;
    }
    return 1;
  }
  inner *p = (inner *)x;
  int i = child_of(p, k);
  int r = del(s, p->c[i], k, repl);
  if (r != 1) return r;
  p->cnt[i]--;
  node *c = p->c[i];
  if (c->n < (c->leaf ? LEAF_MIN : INNER_MIN)) fix(s, p, i);
  return 1;
}

/* Removes k (which must be there); with repl, see del. Returns 2 when repl took k's place. */
static int tree_delete(rank_set *s, rank_key k, const rank_key *repl) {
  int r = del(s, s->root, k, repl);
  if (!r) PHEME_BUG("rank set: member %lld missing from the tree", (long long)k.id);
  if (r == 2) return 2;
  s->n--;
  if (!s->root->leaf && s->root->n == 1) {
    node *old = s->root;
    s->root = ((inner *)old)->c[0];
    free_node(s, old);
    s->height--;
  }
  return 1;
}

/* ---- positions ---- */

/* The number of members before k, and the leaf and index where k is or would be. */
static int64_t locate(const rank_set *s, rank_key k, const leaf **lp, int *ip) {
  const node *x = s->root;
  int64_t pos = 0;
  while (!x->leaf) {
    const inner *p = (const inner *)x;
    int i = child_of(p, k);
    for (int j = 0; j < i; j++) pos += p->cnt[j];
    x = p->c[i];
  }
  const leaf *l = (const leaf *)x;
  int i = leaf_lower(l, k);
  *lp = l;
  *ip = i;
  return pos + i;
}

/* The leaf and index of the member at position pos (0-based, < n). */
static void select_pos(const rank_set *s, int64_t pos, const leaf **lp, int *ip) {
  const node *x = s->root;
  while (!x->leaf) {
    const inner *p = (const inner *)x;
    int i = 0;
    while (i < p->h.n - 1 && pos >= p->cnt[i]) pos -= p->cnt[i++];
    x = p->c[i];
  }
  *lp = (const leaf *)x;
  *ip = (int)pos;
}

/* Copies up to max members from (l, i), whose position is pos, into out. */
static int walk(const leaf *l, int i, int64_t pos, int max, rank_entry *out) {
  int got = 0;
  while (l && got < max) {
    if (i >= l->h.n) {
      l = l->next;
      i = 0;
      continue;
    }
    out[got].id = l->k[i].id;
    out[got].xp = l->k[i].xp;
    out[got].rank = pos + got + 1;
    got++;
    i++;
  }
  return got;
}

/* ---- the public functions ---- */

rank_set *rank_set_new(void) {
  rank_set *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  pthread_rwlockattr_t at;
  pthread_rwlockattr_init(&at);
  pthread_rwlockattr_setkind_np(&at, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
  int rc = pthread_rwlock_init(&s->lock, &at);
  pthread_rwlockattr_destroy(&at);
  if (rc) {
    free(s);
    return NULL;
  }
  leaf *l = calloc(1, sizeof *l);
  if (!l) {
    pthread_rwlock_destroy(&s->lock);
    free(s);
    return NULL;
  }
  l->h.leaf = 1;
  s->root = &l->h;
  s->height = 1;
  s->leaves = 1;
  return s;
}

static void free_tree(node *x) {
  if (!x->leaf) {
    inner *p = (inner *)x;
    for (int i = 0; i < x->n; i++) free_tree(p->c[i]);
  }
  free(x);
}

void rank_set_free(rank_set *s) {
  if (!s) return;
  free_tree(s->root);
  free(s->spare_leaf);
  for (int i = 0; i < s->nspare; i++) free(s->spare_inner[i]);
  free(s->tab);
  pthread_rwlock_destroy(&s->lock);
  free(s);
}

/* Sets id to xp with the write lock held. */
static int put_locked(rank_set *s, int64_t id, int64_t xp) {
  if (id <= 0) PHEME_BUG("rank set: member id %lld is not positive", (long long)id);
  slot *e = s->cap ? index_find(s, id) : NULL;
  if (e && e->xp == xp) return 0;
  if (reserve_nodes(s)) return -1;
  if (e) {
    rank_key now = {xp, id};
    /* the delete may have lowered the height, never raised it: the spares still suffice */
    if (tree_delete(s, (rank_key){e->xp, id}, &now) != 2) tree_insert(s, now);
    e->xp = xp;
    return 0;
  }
  if (s->n >= INT32_MAX) return -1; /* the subtree counts are 32-bit */
  if (index_reserve(s)) return -1;
  tree_insert(s, (rank_key){xp, id});
  index_put_new(s->tab, s->cap, s, id, xp);
  s->used++;
  return 0;
}

int rank_set_put(rank_set *s, int64_t id, int64_t xp) {
  pthread_rwlock_wrlock(&s->lock);
  int rc = put_locked(s, id, xp);
  pthread_rwlock_unlock(&s->lock);
  return rc;
}

int rank_set_add(rank_set *s, int64_t id, int64_t delta, int64_t *xp_after) {
  pthread_rwlock_wrlock(&s->lock);
  slot *e = s->cap ? index_find(s, id) : NULL;
  int64_t now = delta;
  if (e && __builtin_add_overflow(e->xp, delta, &now)) now = delta > 0 ? INT64_MAX : INT64_MIN; /* saturate */
  int rc = put_locked(s, id, now);
  pthread_rwlock_unlock(&s->lock);
  if (!rc && xp_after) *xp_after = now;
  return rc;
}

int rank_set_remove(rank_set *s, int64_t id) {
  pthread_rwlock_wrlock(&s->lock);
  slot *e = s->cap ? index_find(s, id) : NULL;
  if (e) {
    tree_delete(s, (rank_key){e->xp, id}, NULL);
    index_delete(s, e);
  }
  pthread_rwlock_unlock(&s->lock);
  return e != NULL;
}

int64_t rank_set_size(rank_set *s) {
  pthread_rwlock_rdlock(&s->lock);
  int64_t n = s->n;
  pthread_rwlock_unlock(&s->lock);
  return n;
}

size_t rank_set_bytes(rank_set *s) {
  pthread_rwlock_rdlock(&s->lock);
  size_t b = sizeof *s + s->leaves * sizeof(leaf) + s->inners * sizeof(inner) +
             s->cap * sizeof(slot) + (s->spare_leaf ? sizeof(leaf) : 0) +
             (size_t)s->nspare * sizeof(inner);
  pthread_rwlock_unlock(&s->lock);
  return b;
}

int rank_set_get(rank_set *s, int64_t id, rank_entry *out) {
  pthread_rwlock_rdlock(&s->lock);
  slot *e = s->cap ? index_find(s, id) : NULL;
  if (e) {
    const leaf *l;
    int i;
    out->id = id;
    out->xp = e->xp;
    out->rank = locate(s, (rank_key){e->xp, id}, &l, &i) + 1;
  }
  pthread_rwlock_unlock(&s->lock);
  return e != NULL;
}

int rank_set_range(rank_set *s, int64_t from, int max, rank_entry *out) {
  if (from < 1 || max <= 0) return 0;
  pthread_rwlock_rdlock(&s->lock);
  int got = 0;
  if (from <= s->n) {
    const leaf *l;
    int i;
    select_pos(s, from - 1, &l, &i);
    got = walk(l, i, from - 1, max, out);
  }
  pthread_rwlock_unlock(&s->lock);
  return got;
}

int rank_set_after(rank_set *s, rank_key after, int max, rank_entry *out) {
  if (max <= 0) return 0;
  pthread_rwlock_rdlock(&s->lock);
  const leaf *l;
  int i;
  int64_t pos = locate(s, after, &l, &i);
  if (i < l->h.n && key_eq(l->k[i], after)) i++, pos++; /* strictly after */
  int got = walk(l, i, pos, max, out);
  pthread_rwlock_unlock(&s->lock);
  return got;
}

int rank_set_around(rank_set *s, int64_t id, int before, int after, rank_entry *out) {
  if (before < 0 || after < 0) return 0;
  pthread_rwlock_rdlock(&s->lock);
  int got = 0;
  slot *e = s->cap ? index_find(s, id) : NULL;
  if (e) {
    const leaf *l;
    int i;
    int64_t pos = locate(s, (rank_key){e->xp, id}, &l, &i);
    int64_t start = pos - before < 0 ? 0 : pos - before;
    if (start != pos) select_pos(s, start, &l, &i);
    got = walk(l, i, start, (int)(pos - start) + 1 + after, out);
  }
  pthread_rwlock_unlock(&s->lock);
  return got;
}

/* ---- the invariants, for tests ---- */

typedef struct {
  char *why;
  size_t len;
  int leaf_depth;
  const leaf *prev_leaf;
  int64_t seen;
  rank_key last;
} check_state;

static pheme_err check_node(const rank_set *s, const node *x, int depth, const rank_key *lo,
                      const rank_key *hi, int64_t *count, check_state *st) {
  int is_root = x == s->root;
  if (x->leaf) {
    const leaf *l = (const leaf *)x;
    if (st->leaf_depth < 0) st->leaf_depth = depth;
    if (depth != st->leaf_depth) return pheme_fail(PHEME_SYS_INTERNAL, st->why, st->len, "leaves at depths %d and %d", depth, st->leaf_depth);
    if (l->h.n > LEAF_MAX || (!is_root && l->h.n < LEAF_MIN))
      return pheme_fail(PHEME_SYS_INTERNAL, st->why, st->len, "leaf with %d keys", l->h.n);
    if (st->prev_leaf && st->prev_leaf->next != l) return pheme_fail(PHEME_SYS_INTERNAL, st->why, st->len, "leaf chain broken");
    st->prev_leaf = l;
    for (int i = 0; i < l->h.n; i++) {
      rank_key k = l->k[i];
      if (st->seen && !key_lt(st->last, k)) return pheme_fail(PHEME_SYS_INTERNAL, st->why, st->len, "keys out of order at id %lld", (long long)k.id);
      if (lo && key_lt(k, *lo)) return pheme_fail(PHEME_SYS_INTERNAL, st->why, st->len, "key of id %lld below its separator", (long long)k.id);
      if (hi && !key_lt(k, *hi)) return pheme_fail(PHEME_SYS_INTERNAL, st->why, st->len, "key of id %lld at or above the next separator", (long long)k.id);
      const slot *e = s->cap ? index_find(s, k.id) : NULL;
      if (!e || e->xp != k.xp) return pheme_fail(PHEME_SYS_INTERNAL, st->why, st->len, "id %lld: index and tree disagree", (long long)k.id);
      st->last = k;
      st->seen++;
    }
    *count = l->h.n;
    return 0;
  }
  const inner *p = (const inner *)x;
  if (p->h.n > INNER_MAX || p->h.n < (is_root ? 2 : INNER_MIN))
    return pheme_fail(PHEME_SYS_INTERNAL, st->why, st->len, "inner node with %d children", p->h.n);
  int64_t total = 0;
  for (int i = 0; i < p->h.n; i++) {
    const rank_key *clo = i ? &p->sep[i] : lo, *chi = i + 1 < p->h.n ? &p->sep[i + 1] : hi;
    int64_t c;
    PHEME_TRY(check_node(s, p->c[i], depth + 1, clo, chi, &c, st));
    if (c != p->cnt[i]) return pheme_fail(PHEME_SYS_INTERNAL, st->why, st->len, "count %u where the subtree holds %lld", p->cnt[i], (long long)c);
    total += c;
  }
  *count = total;
  return 0;
}

pheme_err rank_set_check(rank_set *s, char *why, size_t len) {
  pthread_rwlock_rdlock(&s->lock);
  check_state st = {.why = why, .len = len, .leaf_depth = -1};
  int64_t count = 0;
  pheme_err rc = check_node(s, s->root, 1, NULL, NULL, &count, &st);
  if (!rc && st.leaf_depth != s->height) rc = pheme_fail(PHEME_SYS_INTERNAL, why, len, "height %d, leaves at depth %d", s->height, st.leaf_depth);
  if (!rc && st.prev_leaf && st.prev_leaf->next) rc = pheme_fail(PHEME_SYS_INTERNAL, why, len, "leaf chain runs past the last leaf");
  if (!rc && (count != s->n || (int64_t)s->used != s->n))
    rc = pheme_fail(PHEME_SYS_INTERNAL, why, len, "%lld members, tree holds %lld, index %zu", (long long)s->n, (long long)count, s->used);
  pthread_rwlock_unlock(&s->lock);
  return rc;
}
