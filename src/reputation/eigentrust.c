/* EigenTrust by power iteration over a CSR matrix, with a fixed pool of threads per run
 * (eigentrust.h). Two barriers per iteration: after each thread has divided its people's trust
 * by their outgoing weight (and summed the dangling mass of its blocks), and after each has
 * computed its people's new trust (and the L1 change of its blocks). */
#include "reputation/eigentrust.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/banned.h"

void et_graph_release(et_graph *g) {
  free(g->in_ptr);
  free(g->in_src);
  free(g->in_cnt);
  free(g->out_w);
  free(g->inv_out);
  free(g->seed);
  memset(g, 0, sizeof *g);
}

/* Sorts one row's edges by endorser (rows are short: insertion sort, in cache). */
static void sort_row(int32_t *src, int32_t *cnt, int64_t n) {
  for (int64_t i = 1; i < n; i++) {
    int32_t s = src[i], c = cnt[i];
    int64_t k = i - 1;
    while (k >= 0 && src[k] > s) {
      src[k + 1] = src[k], cnt[k + 1] = cnt[k];
      k--;
    }
    src[k + 1] = s, cnt[k + 1] = c;
  }
}

static void sort_row_long(int32_t *src, int32_t *cnt, int64_t n);

int et_graph_build(et_graph *g, int64_t n, const et_edge *edges, int64_t m, const int32_t *seeds,
                   int64_t nseeds) {
  memset(g, 0, sizeof *g);
  g->n = n;
  g->in_ptr = calloc((size_t)n + 1, sizeof *g->in_ptr);
  g->out_w = calloc((size_t)n + 1, sizeof *g->out_w);
  g->seed = calloc((size_t)n + 1, 1);
  int64_t *fill = calloc((size_t)n + 1, sizeof *fill);
  g->in_src = malloc(sizeof *g->in_src * (size_t)(m ? m : 1));
  g->in_cnt = malloc(sizeof *g->in_cnt * (size_t)(m ? m : 1));
  if (!g->in_ptr || !g->out_w || !g->seed || !fill || !g->in_src || !g->in_cnt) {
    free(fill);
    et_graph_release(g);
    return -1;
  }
  for (int64_t i = 0; i < nseeds; i++)
    if (seeds[i] >= 0 && seeds[i] < n) g->seed[seeds[i]] = 1;
  /* one counting sort by the endorsed person, then each row sorted by endorser */
  for (int64_t i = 0; i < m; i++)
    if (edges[i].from != edges[i].to) g->in_ptr[edges[i].to + 1]++;
  for (int64_t v = 0; v < n; v++) g->in_ptr[v + 1] += g->in_ptr[v];
  memcpy(fill, g->in_ptr, sizeof *fill * (size_t)n);
  for (int64_t i = 0; i < m; i++) {
    const et_edge *e = &edges[i];
    if (e->from == e->to) continue;
    int64_t j = fill[e->to]++;
    g->in_src[j] = e->from, g->in_cnt[j] = e->weight;
  }
  free(fill);
  /* sort each row by endorser and merge duplicate edges */
  int64_t w = 0, start = 0;
  for (int64_t v = 0; v < n; v++) {
    int64_t end = g->in_ptr[v + 1];
    if (end - start <= 32) sort_row(g->in_src + start, g->in_cnt + start, end - start);
    else sort_row_long(g->in_src + start, g->in_cnt + start, end - start);
    g->in_ptr[v] = w;
    for (int64_t k = start; k < end; k++) {
      if (w > g->in_ptr[v] && g->in_src[w - 1] == g->in_src[k]) {
        g->in_cnt[w - 1] += g->in_cnt[k];
      } else {
        g->in_src[w] = g->in_src[k], g->in_cnt[w] = g->in_cnt[k];
        w++;
      }
    }
    start = end;
  }
  g->in_ptr[n] = w;
  g->m = w;
  g->unit = 1;
  for (int64_t k = 0; k < w; k++) {
    g->out_w[g->in_src[k]] += g->in_cnt[k];
    if (g->in_cnt[k] != 1) g->unit = 0;
  }
  g->inv_out = malloc(sizeof *g->inv_out * (size_t)(n + 1));
  if (!g->inv_out) {
    et_graph_release(g);
    return -1;
  }
  for (int64_t v = 0; v < n; v++) g->inv_out[v] = g->out_w[v] ? 1.0 / (double)g->out_w[v] : 0.0;
  return 0;
}

/* A long row (a popular person): sort (endorser, weight) pairs with qsort. */
typedef struct {
  int32_t src, cnt;
} row_pair;

static int pair_cmp(const void *a, const void *b) {
  int32_t x = ((const row_pair *)a)->src, y = ((const row_pair *)b)->src;
  return (x > y) - (x < y);
}

static void sort_row_long(int32_t *src, int32_t *cnt, int64_t n) {
  row_pair *p = malloc(sizeof *p * (size_t)n);
  if (!p) { /* no memory for the fast way: the slow one is still right */
    sort_row(src, cnt, n);
    return;
  }
  for (int64_t i = 0; i < n; i++) p[i] = (row_pair){src[i], cnt[i]};
  qsort(p, (size_t)n, sizeof *p, pair_cmp);
  for (int64_t i = 0; i < n; i++) src[i] = p[i].src, cnt[i] = p[i].cnt;
  free(p);
}

typedef struct {
  const et_graph *g;
  const et_options *o;
  int64_t nblocks;
  double *t, *y, *scaled; /* current, next, current / out weight */
  double *dang, *dl;      /* per block */
  double seed_share;      /* 1 / seeds */
  pthread_barrier_t bar;
  pthread_mutex_t mu; /* the start gate: threads wait until the barrier is set for them */
  pthread_cond_t cv;
  int go;             /* 1 run, -1 leave */
  et_stats st;
} et_shared;

typedef struct {
  et_shared *sh;
  int64_t b0, b1; /* blocks of this thread */
} et_worker;

static double sum_blocks(const double *x, int64_t nb) {
  double s = 0;
  for (int64_t b = 0; b < nb; b++) s += x[b];
  return s;
}

static void *et_thread(void *arg) {
  et_worker *wk = arg;
  et_shared *sh = wk->sh;
  pthread_mutex_lock(&sh->mu);
  while (!sh->go) pthread_cond_wait(&sh->cv, &sh->mu);
  int go = sh->go;
  pthread_mutex_unlock(&sh->mu);
  if (go < 0) return NULL;
  const et_graph *g = sh->g;
  const double alpha = sh->o->alpha, keep = 1.0 - alpha;
  double *t = sh->t, *y = sh->y;
  for (int it = 0; it < sh->o->max_iterations; it++) {
    for (int64_t b = wk->b0; b < wk->b1; b++) {
      int64_t v0 = b * ET_BLOCK, v1 = v0 + ET_BLOCK < g->n ? v0 + ET_BLOCK : g->n;
      double d = 0;
      for (int64_t v = v0; v < v1; v++) {
        if (g->out_w[v]) {
          sh->scaled[v] = t[v] * g->inv_out[v];
        } else {
          sh->scaled[v] = 0;
          d += t[v];
        }
      }
      sh->dang[b] = d;
    }
    pthread_barrier_wait(&sh->bar);
    double dangling = sum_blocks(sh->dang, sh->nblocks);
    for (int64_t b = wk->b0; b < wk->b1; b++) {
      int64_t v0 = b * ET_BLOCK, v1 = v0 + ET_BLOCK < g->n ? v0 + ET_BLOCK : g->n;
      double dsum = 0;
      for (int64_t v = v0; v < v1; v++) {
        const int64_t k0 = g->in_ptr[v], k1 = g->in_ptr[v + 1];
        const int32_t *src = g->in_src;
        const double *x = sh->scaled;
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int64_t k = k0;
        if (g->unit) { /* the same sums in the same order as below: 1.0 × x is exact */
          for (; k + 4 <= k1; k += 4) {
            s0 += x[src[k]];
            s1 += x[src[k + 1]];
            s2 += x[src[k + 2]];
            s3 += x[src[k + 3]];
          }
        } else {
          const int32_t *cnt = g->in_cnt;
          for (; k + 4 <= k1; k += 4) {
            s0 += (double)cnt[k] * x[src[k]];
            s1 += (double)cnt[k + 1] * x[src[k + 1]];
            s2 += (double)cnt[k + 2] * x[src[k + 2]];
            s3 += (double)cnt[k + 3] * x[src[k + 3]];
          }
        }
        double s = (s0 + s1) + (s2 + s3);
        for (; k < k1; k++) s += (double)g->in_cnt[k] * x[src[k]];
        double p = g->seed[v] ? sh->seed_share : 0.0;
        double nv = keep * (s + dangling * p) + alpha * p;
        dsum += fabs(nv - t[v]);
        y[v] = nv;
      }
      sh->dl[b] = dsum;
    }
    pthread_barrier_wait(&sh->bar);
    double delta = sum_blocks(sh->dl, sh->nblocks);
    double *sw = t;
    t = y, y = sw;
    if (wk->b0 == 0) { /* the first thread keeps the statistics */
      sh->st.iterations = it + 1;
      sh->st.delta = delta;
    }
    if (delta < sh->o->tolerance) {
      if (wk->b0 == 0) sh->st.converged = 1;
      break;
    }
  }
  if (wk->b0 == 0) sh->t = t; /* where the last result is */
  return NULL;
}

int et_run(const et_graph *g, const et_options *o, double *t, et_stats *st) {
  memset(st, 0, sizeof *st);
  int64_t nseeds = 0;
  for (int64_t v = 0; v < g->n; v++) nseeds += g->seed[v];
  if (g->n == 0) return 0;
  if (nseeds == 0) {
    memset(t, 0, sizeof *t * (size_t)g->n);
    st->converged = 1;
    return 0;
  }
  et_shared sh = {.g = g, .o = o, .t = t, .seed_share = 1.0 / (double)nseeds};
  sh.nblocks = (g->n + ET_BLOCK - 1) / ET_BLOCK;
  int threads = o->threads < 1 ? 1 : o->threads > 64 ? 64 : o->threads;
  if (threads > sh.nblocks) threads = (int)sh.nblocks;
  sh.y = malloc(sizeof *sh.y * (size_t)g->n);
  sh.scaled = malloc(sizeof *sh.scaled * (size_t)g->n);
  sh.dang = calloc((size_t)sh.nblocks, sizeof *sh.dang);
  sh.dl = calloc((size_t)sh.nblocks, sizeof *sh.dl);
  if (!sh.y || !sh.scaled || !sh.dang || !sh.dl) {
    free(sh.y), free(sh.scaled), free(sh.dang), free(sh.dl);
    return -1;
  }
  for (int64_t v = 0; v < g->n; v++) t[v] = g->seed[v] ? sh.seed_share : 0.0;
  double *orig_t = t, *orig_y = sh.y;
  et_worker wk[64];
  pthread_t th[64];
  pthread_mutex_init(&sh.mu, NULL);
  pthread_cond_init(&sh.cv, NULL);
  /* start the helpers; if some cannot start, run with those that did (same result) */
  int started = 0;
  for (int i = 1; i < threads; i++) {
    wk[i].sh = &sh;
    if (pthread_create(&th[i], NULL, et_thread, &wk[i])) break;
    started++;
  }
  threads = started + 1;
  for (int i = 0; i < threads; i++)
    wk[i] = (et_worker){&sh, sh.nblocks * i / threads, sh.nblocks * (i + 1) / threads};
  pthread_barrier_init(&sh.bar, NULL, (unsigned)threads);
  pthread_mutex_lock(&sh.mu);
  sh.go = 1;
  pthread_cond_broadcast(&sh.cv);
  pthread_mutex_unlock(&sh.mu);
  et_thread(&wk[0]); /* the caller is thread 0 */
  for (int i = 1; i <= started; i++) pthread_join(th[i], NULL);
  pthread_barrier_destroy(&sh.bar);
  pthread_mutex_destroy(&sh.mu);
  pthread_cond_destroy(&sh.cv);
  if (sh.t != orig_t) memcpy(orig_t, sh.t, sizeof *orig_t * (size_t)g->n);
  *st = sh.st;
  free(orig_y), free(sh.scaled), free(sh.dang), free(sh.dl);
  return 0;
}
