/* The metrics registry and its one Prometheus writer (STYLE §13, like Redis's INFO sections).
 *
 * Each module keeps its own numbers (plain integers updated with relaxed atomics, in its own
 * struct) and registers a collector: a function that, when /metrics is scraped, declares its metric
 * families (counter, gauge, histogram, with help text) and writes their samples through the
 * writer below. No module prints exposition text and none reaches into another to print its
 * numbers; the writer groups the samples of a family even when several collectors write it (two
 * indexers, one per chain, both write pheme_indexer_block with their own chain label), and checks
 * that a family keeps one type.
 *
 * The registry is an object the program makes once (api's app holds it) and hands to the modules
 * that register; a unit test makes its own. Registration and rendering may run on any thread. */
#ifndef PHEME_CORE_METRICS_H
#define PHEME_CORE_METRICS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

typedef enum { METRIC_COUNTER, METRIC_GAUGE, METRIC_HISTOGRAM } metric_type;

typedef struct metrics_writer metrics_writer;
typedef void (*metrics_collect_fn)(metrics_writer *w, void *ctx);

#define METRICS_MAX_COLLECTORS 32

typedef struct {
  pthread_mutex_t mu;
  struct {
    metrics_collect_fn fn;
    void *ctx;
  } c[METRICS_MAX_COLLECTORS];
  int n;
} metrics_registry;

void metrics_init(metrics_registry *r);
void metrics_release(metrics_registry *r);
/* Adds a collector; returns 0, or -1 when the table is full (a bug: raise the cap). */
int metrics_register(metrics_registry *r, metrics_collect_fn fn, void *ctx) PHEME_MUST_CHECK;
/* Removes the collector registered with this fn and ctx (a module that stops before the
 * program does unregisters first: its ctx is about to be freed). */
void metrics_unregister(metrics_registry *r, metrics_collect_fn fn, void *ctx);
/* Runs every collector and appends the exposition text (version 0.0.4) to out: for each family,
 * in the order first declared, its HELP and TYPE lines and then all its samples. Returns 0, or
 * -1 when out's cap is reached or memory is short. */
int metrics_render(metrics_registry *r, buf *out) PHEME_MUST_CHECK;

/* The process's own collector: build info, CPU time, resident memory, open descriptors and the
 * start time (ctx points to an int64_t: Unix ms). */
void metrics_process_collect(metrics_writer *w, void *start_ms);

/* ---- for collectors ---- */

/* Declares a family (name [a-zA-Z_:][a-zA-Z0-9_:]*) and makes it the current one: the samples
 * that follow belong to it. Declaring it again (another collector, another instance) continues it;
 * a different type for the same name is a bug. */
void mw_family(metrics_writer *w, const char *name, metric_type type, const char *help);
/* Labels are given as a NULL-terminated list of name, value pairs (values are escaped here):
 *   mw_u64(w, (const char *[]){"route", "GET /x", "status", "200", NULL}, 12);
 * NULL = no labels. Counters and gauges: */
void mw_u64(metrics_writer *w, const char *const *labels, uint64_t v);
void mw_i64(metrics_writer *w, const char *const *labels, int64_t v);
void mw_f64(metrics_writer *w, const char *const *labels, double v);
/* A histogram sample: counts[i] observations fell in (bounds[i-1], bounds[i]] (not cumulative;
 * the writer accumulates), count in all (the +Inf bucket), sum of the observed values. */
void mw_histogram(metrics_writer *w, const char *const *labels, const double *bounds,
                  const uint64_t *counts, int nbounds, double sum, uint64_t count);

#endif
