/* EigenTrust by power iteration over the segmented layout of eigentrust.h, with a fixed pool of
 * threads per run. The graph is built by bucketing the entries by the endorser's segment, then
 * sorting each segment's (endorsed person, endorser) keys with a least-significant-digit radix
 * sort (a segment's keys fit in cache), then cutting them into runs. One barrier per iteration
 * (et_thread). */
#include "reputation/eigentrust.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/banned.h"

#define ET_WEIGHT_MAX ((int64_t)1 << 40) /* entries, all edges together */
#define RADIX_BITS 12

void et_graph_release(et_graph *g) {
  free(g->block_run);
  free(g->block_entry);
  free(g->block_prev);
  free(g->run);
  free(g->src);
  free(g->out_w);
  free(g->inv_out);
  free(g->seed);
  memset(g, 0, sizeof *g);
}

static int bits_for(uint64_t v) {
  int b = 0;
  while (v >> b) b++;
  return b;
}

/* Sorts keys[0..n) (each < 2^bits) with tmp (n entries) as the other buffer; returns the buffer
 * that holds the result (keys or tmp). */
static uint64_t *radix_sort(uint64_t *keys, uint64_t *tmp, int64_t n, int bits) {
  int passes = (bits + RADIX_BITS - 1) / RADIX_BITS;
  if (passes == 0) return keys;
  int digit = (bits + passes - 1) / passes;
  uint64_t mask = ((uint64_t)1 << digit) - 1;
  int64_t count[1 << RADIX_BITS];
  for (int p = 0; p < passes; p++) {
    int shift = p * digit;
    memset(count, 0, sizeof count);
    for (int64_t i = 0; i < n; i++) count[(keys[i] >> shift) & mask]++;
    int64_t sum = 0;
    for (uint64_t d = 0; d <= mask; d++) {
      int64_t c = count[d];
      count[d] = sum;
      sum += c;
    }
    for (int64_t i = 0; i < n; i++) tmp[count[(keys[i] >> shift) & mask]++] = keys[i];
    uint64_t *sw = keys;
    keys = tmp, tmp = sw;
  }
  return keys;
}

/* Encodes segment s's sorted keys as run headers from h0 and entries from e, recording where each
 * block of endorsed people starts; with write 0 it only counts. Returns the headers written. */
static int64_t encode_segment(et_graph *g, int s, const uint64_t *k, int64_t n, int64_t e, int64_t h0, int write) {
  const int64_t stride = g->nblocks + 1;
  int64_t *br = g->block_run + s * stride, *be = g->block_entry + s * stride;
  int32_t *bp = g->block_prev + s * stride;
  int64_t b = 0, prev = 0, h = h0, len = 0;
  for (int64_t i = 0; i < n; i++, e++) {
    int64_t to = (int64_t)(k[i] >> ET_SEGMENT_BITS);
    if (write) g->src[e] = (uint16_t)(k[i] & (ET_SEGMENT - 1));
    if (len > 0 && to == prev && len < ET_RUN_MAX) {
      len++;
      if (write) g->run[2 * (h - 1) + 1] = (uint8_t)len;
      continue;
    }
    for (; b <= to / ET_BLOCK; b++)
      if (write) br[b] = h, be[b] = e, bp[b] = (int32_t)prev;
    for (; to - prev > ET_SKIP; prev += ET_SKIP, h++)
      if (write) g->run[2 * h] = ET_SKIP, g->run[2 * h + 1] = 0;
    if (write) g->run[2 * h] = (uint8_t)(to - prev), g->run[2 * h + 1] = 1;
    h++;
    prev = to, len = 1;
  }
  for (; b <= g->nblocks; b++)
    if (write) br[b] = h, be[b] = e, bp[b] = (int32_t)prev;
  return h - h0;
}

/* The per-segment work of a build, shared out by segment (s mod threads): phase 0 sorts each
 * segment and counts its headers, phase 1 encodes it. */
typedef struct {
  et_graph *g;
  uint64_t *keys, *tmp; /* tmp: this worker's sort buffer */
  const int64_t *seg;
  int64_t *heads;       /* phase 0: headers per segment; phase 1: where each segment's start */
  int bits, phase, id, threads;
} build_job;

static void *build_part(void *arg) {
  build_job *j = arg;
  for (int s = j->id; s < j->g->nseg; s += j->threads) {
    uint64_t *k = j->keys + j->seg[s];
    int64_t len = j->seg[s + 1] - j->seg[s];
    if (j->phase == 0) {
      uint64_t *sorted = radix_sort(k, j->tmp, len, j->bits);
      if (sorted != k) memcpy(k, sorted, sizeof *k * (size_t)len);
      j->heads[s] = encode_segment(j->g, s, k, len, j->seg[s], 0, 0);
    } else {
      encode_segment(j->g, s, k, len, j->seg[s], j->heads[s], 1);
    }
  }
  return NULL;
}

/* Runs jobs[0..threads) with a thread each (the caller runs the first, and any that cannot start). */
static void build_run(build_job *jobs, int threads) {
  pthread_t th[64];
  int started[64] = {0};
  for (int i = 1; i < threads; i++) started[i] = pthread_create(&th[i], NULL, build_part, &jobs[i]) == 0;
  build_part(&jobs[0]);
  for (int i = 1; i < threads; i++) {
    if (started[i]) pthread_join(th[i], NULL);
    else build_part(&jobs[i]);
  }
}

int et_graph_build(et_graph *g, int64_t n, const et_edge *edges, int64_t m, const int32_t *seeds,
                   int64_t nseeds, int threads) {
  threads = threads < 1 ? 1 : threads > 64 ? 64 : threads;
  memset(g, 0, sizeof *g);
  g->n = n;
  g->nblocks = (n + ET_BLOCK - 1) / ET_BLOCK;
  g->nseg = (int)((n + ET_SEGMENT - 1) / ET_SEGMENT);
  size_t idx = (size_t)g->nseg * (size_t)(g->nblocks + 1) + 1;
  g->out_w = calloc((size_t)n + 1, sizeof *g->out_w);
  g->inv_out = malloc(sizeof *g->inv_out * ((size_t)n + 1));
  g->seed = calloc((size_t)n + 1, 1);
  g->block_run = malloc(sizeof *g->block_run * idx);
  g->block_entry = malloc(sizeof *g->block_entry * idx);
  g->block_prev = malloc(sizeof *g->block_prev * idx);
  int64_t *seg = calloc((size_t)g->nseg + 1, sizeof *seg), *fill = calloc((size_t)g->nseg + 1, sizeof *fill);
  int64_t *heads = calloc((size_t)g->nseg + 1, sizeof *heads);
  uint64_t *keys = NULL, *tmp = NULL;
  if (!heads || !g->out_w || !g->inv_out || !g->seed || !g->block_run || !g->block_entry || !g->block_prev || !seg || !fill) goto fail;
  for (int64_t i = 0; i < nseeds; i++)
    if (seeds[i] >= 0 && seeds[i] < n) g->seed[seeds[i]] = 1;
  /* the entries per segment, and each person's outgoing weight */
  int64_t total = 0;
  for (int64_t i = 0; i < m; i++) {
    const et_edge *x = &edges[i];
    if (x->from == x->to || x->weight <= 0 || x->from < 0 || x->to < 0 || x->from >= n || x->to >= n) continue;
    seg[(x->from >> ET_SEGMENT_BITS) + 1] += x->weight;
    g->out_w[x->from] += x->weight;
    total += x->weight;
    if (total > ET_WEIGHT_MAX) goto fail;
  }
  int64_t biggest = 0;
  for (int s = 0; s < g->nseg; s++) {
    if (seg[s + 1] > biggest) biggest = seg[s + 1];
    seg[s + 1] += seg[s];
  }
  g->m = total;
  if (threads > g->nseg) threads = g->nseg > 0 ? g->nseg : 1;
  keys = malloc(sizeof *keys * (size_t)(total ? total : 1));
  tmp = malloc(sizeof *tmp * (size_t)(biggest ? biggest : 1) * (size_t)threads);
  if (!keys || !tmp) goto fail;
  memcpy(fill, seg, sizeof *fill * (size_t)g->nseg);
  for (int64_t i = 0; i < m; i++) {
    const et_edge *x = &edges[i];
    if (x->from == x->to || x->weight <= 0 || x->from < 0 || x->to < 0 || x->from >= n || x->to >= n) continue;
    uint64_t key = (uint64_t)x->to << ET_SEGMENT_BITS | (uint64_t)(x->from & (ET_SEGMENT - 1));
    int64_t *f = &fill[x->from >> ET_SEGMENT_BITS];
    for (int32_t w = 0; w < x->weight; w++) keys[(*f)++] = key;
  }
  /* sort each segment by (endorsed, endorser) and count its headers, then encode */
  build_job jobs[64];
  for (int i = 0; i < threads; i++)
    jobs[i] = (build_job){g, keys, tmp + (size_t)(biggest ? biggest : 1) * (size_t)i, seg, heads,
                          ET_SEGMENT_BITS + bits_for((uint64_t)(n > 0 ? n - 1 : 0)), 0, i, threads};
  build_run(jobs, threads);
  free(tmp);
  tmp = NULL;
  for (int s = 0; s < g->nseg; s++) {
    int64_t c = heads[s];
    heads[s] = g->nruns;
    g->nruns += c;
  }
  g->run = malloc(2 * (size_t)(g->nruns ? g->nruns : 1));
  g->src = malloc(sizeof *g->src * (size_t)(total ? total : 1));
  if (!g->run || !g->src) goto fail;
  for (int i = 0; i < threads; i++) jobs[i].phase = 1;
  build_run(jobs, threads);
  free(keys), free(seg), free(fill), free(heads);
  for (int64_t v = 0; v < n; v++) g->inv_out[v] = g->out_w[v] ? 1.0 / (double)g->out_w[v] : 0.0;
  return 0;
fail:
  free(keys), free(tmp), free(seg), free(fill), free(heads);
  et_graph_release(g);
  return -1;
}

typedef struct {
  const et_graph *g;
  const et_options *o;
  double *t, *y;          /* current, next */
  double *scaled[2];      /* trust / out weight: read by this iteration's gather, written for the next */
  double *dang[2], *dl[2]; /* per block, by iteration parity: dangling mass, L1 change */
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

/* scaled[v] = t[v] / out_w[v] for block b's people, and the trust of its dangling ones */
static double scale_block(const et_graph *g, const double *t, double *scaled, int64_t b) {
  int64_t v0 = b * ET_BLOCK, v1 = v0 + ET_BLOCK < g->n ? v0 + ET_BLOCK : g->n;
  double d = 0;
  for (int64_t v = v0; v < v1; v++) {
    scaled[v] = t[v] * g->inv_out[v];
    if (g->inv_out[v] == 0.0) d += t[v]; /* out_w 0 */
  }
  return d;
}

/* y[v] for the people of blocks [b0, b1): the sum over their endorsers of scaled[endorser], one
 * run per segment, segments in order. */
static void gather(const et_graph *g, const double *scaled, double *y, int64_t b0, int64_t b1) {
  int64_t v0 = b0 * ET_BLOCK, v1 = b1 * ET_BLOCK < g->n ? b1 * ET_BLOCK : g->n;
  memset(y + v0, 0, sizeof *y * (size_t)(v1 - v0));
  const int64_t stride = g->nblocks + 1;
  for (int s = 0; s < g->nseg; s++) {
    const double *x = scaled + (int64_t)s * ET_SEGMENT;
    const uint8_t *h = g->run + 2 * g->block_run[s * stride + b0], *h1 = g->run + 2 * g->block_run[s * stride + b1];
    const uint16_t *q = g->src + g->block_entry[s * stride + b0];
    int64_t to = g->block_prev[s * stride + b0];
    for (; h < h1; h += 2) {
      int len = h[1];
      to += h[0];
      if (!len) continue; /* a skip */
      double a = x[q[0]];
      for (int i = 1; i < len; i++) a += x[q[i]];
      q += len;
      y[to] += a;
    }
  }
}

/* One barrier per iteration: a thread gathers its people's sums from scaled[it % 2], computes
 * their new trust, and already divides it for the next iteration into scaled[(it + 1) % 2] (with
 * the dangling mass of its blocks); the barrier then makes the whole of it visible. The per-block
 * sums alternate by parity too, so a fast thread never writes what a slow one still reads. */
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
  for (int64_t b = wk->b0; b < wk->b1; b++) sh->dang[0][b] = scale_block(g, t, sh->scaled[0], b);
  pthread_barrier_wait(&sh->bar);
  for (int it = 0; it < sh->o->max_iterations; it++) {
    const int cur = it & 1, nxt = cur ^ 1;
    double dangling = sum_blocks(sh->dang[cur], g->nblocks);
    gather(g, sh->scaled[cur], y, wk->b0, wk->b1);
    double *scaled = sh->scaled[nxt];
    for (int64_t b = wk->b0; b < wk->b1; b++) {
      int64_t v0 = b * ET_BLOCK, v1 = v0 + ET_BLOCK < g->n ? v0 + ET_BLOCK : g->n;
      double dsum = 0, d = 0;
      for (int64_t v = v0; v < v1; v++) {
        double p = g->seed[v] ? sh->seed_share : 0.0;
        double nv = keep * (y[v] + dangling * p) + alpha * p;
        dsum += fabs(nv - t[v]);
        y[v] = nv;
        scaled[v] = nv * g->inv_out[v];
        if (g->inv_out[v] == 0.0) d += nv;
      }
      sh->dl[cur][b] = dsum;
      sh->dang[nxt][b] = d;
    }
    pthread_barrier_wait(&sh->bar);
    double delta = sum_blocks(sh->dl[cur], g->nblocks);
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
  if (g->n == 0 || nseeds == 0) { /* nobody, or no trust to spread: the all-zero answer is exact */
    memset(t, 0, sizeof *t * (size_t)g->n);
    st->converged = 1;
    return 0;
  }
  et_shared sh = {.g = g, .o = o, .t = t, .seed_share = 1.0 / (double)nseeds};
  int threads = o->threads < 1 ? 1 : o->threads > 64 ? 64 : o->threads;
  if (threads > g->nblocks) threads = (int)g->nblocks;
  sh.y = malloc(sizeof *sh.y * (size_t)g->n);
  int ok = sh.y != NULL;
  for (int i = 0; i < 2; i++) {
    sh.scaled[i] = malloc(sizeof *sh.scaled[i] * (size_t)g->n);
    sh.dang[i] = calloc((size_t)g->nblocks, sizeof *sh.dang[i]);
    sh.dl[i] = calloc((size_t)g->nblocks, sizeof *sh.dl[i]);
    ok = ok && sh.scaled[i] && sh.dang[i] && sh.dl[i];
  }
  if (!ok) {
    free(sh.y);
    for (int i = 0; i < 2; i++) free(sh.scaled[i]), free(sh.dang[i]), free(sh.dl[i]);
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
    wk[i] = (et_worker){&sh, g->nblocks * i / threads, g->nblocks * (i + 1) / threads};
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
  free(orig_y);
  for (int i = 0; i < 2; i++) free(sh.scaled[i]), free(sh.dang[i]), free(sh.dl[i]);
  return 0;
}
