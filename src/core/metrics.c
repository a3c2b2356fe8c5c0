/* The metrics registry and the Prometheus text writer; see metrics.h. A scrape collects every
 * family's samples into a buffer of its own, then writes the families out in the order they were
 * first declared, so that a family written by several collectors stays one group. */
#include "core/metrics.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "core/version.h"

#include "core/banned.h"

#define FAMILY_MAX 256
#define SAMPLES_CAP (8u << 20)

typedef struct {
  const char *name, *help;
  metric_type type;
  buf samples;
} family;

struct metrics_writer {
  family *f;
  int n, cap;
  int current; /* -1: none declared yet */
  int failed;
};

static const char *const type_name[] = {"counter", "gauge", "histogram"};

void metrics_init(metrics_registry *r) {
  memset(r, 0, sizeof *r);
  pthread_mutex_init(&r->mu, NULL);
}

void metrics_release(metrics_registry *r) { pthread_mutex_destroy(&r->mu); }

int metrics_register(metrics_registry *r, metrics_collect_fn fn, void *ctx) {
  pthread_mutex_lock(&r->mu);
  int rc = -1;
  if (r->n < METRICS_MAX_COLLECTORS) {
    r->c[r->n].fn = fn;
    r->c[r->n].ctx = ctx;
    r->n++;
    rc = 0;
  }
  pthread_mutex_unlock(&r->mu);
  return rc;
}

void metrics_unregister(metrics_registry *r, metrics_collect_fn fn, void *ctx) {
  pthread_mutex_lock(&r->mu);
  for (int i = 0; i < r->n; i++)
    if (r->c[i].fn == fn && r->c[i].ctx == ctx) {
      memmove(&r->c[i], &r->c[i + 1], (size_t)(r->n - i - 1) * sizeof r->c[0]);
      r->n--;
      break;
    }
  pthread_mutex_unlock(&r->mu);
}

static int name_valid(const char *s) {
  if (!*s) return 0;
  for (const char *p = s; *p; p++) {
    int c = (unsigned char)*p;
    int alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!alpha && (p == s || c < '0' || c > '9')) return 0;
  }
  return 1;
}

void mw_family(metrics_writer *w, const char *name, metric_type type, const char *help) {
  if (!name_valid(name)) PHEME_BUG("invalid metric name '%s'", name);
  for (int i = 0; i < w->n; i++)
    if (strcmp(w->f[i].name, name) == 0) {
      if (w->f[i].type != type)
        PHEME_BUG("metric '%s' declared as %s and as %s", name, type_name[w->f[i].type],
                  type_name[type]);
      w->current = i;
      return;
    }
  if (w->n == w->cap) {
    int cap = w->cap ? 2 * w->cap : 32;
    family *f = cap <= FAMILY_MAX ? realloc(w->f, (size_t)cap * sizeof *f) : NULL;
    if (!f) {
      w->failed = 1;
      w->current = -1;
      return;
    }
    w->f = f;
    w->cap = cap;
  }
  family *f = &w->f[w->n];
  f->name = name;
  f->help = help;
  f->type = type;
  buf_init(&f->samples, SAMPLES_CAP);
  w->current = w->n++;
}

/* name{k="v",…} with the label values escaped as the text format asks (\\, \", \n) */
static void sample_head(metrics_writer *w, buf *b, const char *suffix, const char *const *labels,
                        const char *le) {
  const family *f = &w->f[w->current];
  int e = buf_adds(b, f->name) | buf_adds(b, suffix);
  if ((labels && labels[0]) || le) {
    e |= buf_addc(b, '{');
    int first = 1;
    for (const char *const *l = labels; l && l[0]; l += 2) {
      if (!l[1]) PHEME_BUG("label '%s' of '%s' has no value", l[0], f->name);
      e |= buf_printf(b, "%s%s=\"", first ? "" : ",", l[0]);
      for (const char *p = l[1]; *p; p++) {
        if (*p == '\\' || *p == '"') e |= buf_addc(b, '\\') | buf_addc(b, *p);
        else if (*p == '\n') e |= buf_adds(b, "\\n");
        else e |= buf_addc(b, *p);
      }
      e |= buf_addc(b, '"');
      first = 0;
    }
    if (le) e |= buf_printf(b, "%sle=\"%s\"", first ? "" : ",", le);
    e |= buf_addc(b, '}');
  }
  if (e) w->failed = 1;
}

static buf *current(metrics_writer *w) {
  if (w->current < 0) {
    if (!w->failed) PHEME_BUG("a metric sample before any mw_family");
    return NULL;
  }
  return &w->f[w->current].samples;
}

void mw_u64(metrics_writer *w, const char *const *labels, uint64_t v) {
  buf *b = current(w);
  if (!b) return;
  sample_head(w, b, "", labels, NULL);
  if (buf_printf(b, " %llu\n", (unsigned long long)v)) w->failed = 1;
}

void mw_i64(metrics_writer *w, const char *const *labels, int64_t v) {
  buf *b = current(w);
  if (!b) return;
  sample_head(w, b, "", labels, NULL);
  if (buf_printf(b, " %lld\n", (long long)v)) w->failed = 1;
}

void mw_f64(metrics_writer *w, const char *const *labels, double v) {
  buf *b = current(w);
  if (!b) return;
  sample_head(w, b, "", labels, NULL);
  if (buf_printf(b, " %.6f\n", v)) w->failed = 1;
}

void mw_histogram(metrics_writer *w, const char *const *labels, const double *bounds,
                  const uint64_t *counts, int nbounds, double sum, uint64_t count) {
  buf *b = current(w);
  if (!b) return;
  if (w->f[w->current].type != METRIC_HISTOGRAM)
    PHEME_BUG("histogram sample of '%s', a %s", w->f[w->current].name,
              type_name[w->f[w->current].type]);
  uint64_t cum = 0;
  char le[32];
  for (int i = 0; i < nbounds; i++) {
    cum += counts[i];
    snprintf(le, sizeof le, "%g", bounds[i]);
    sample_head(w, b, "_bucket", labels, le);
    if (buf_printf(b, " %llu\n", (unsigned long long)cum)) w->failed = 1;
  }
  sample_head(w, b, "_bucket", labels, "+Inf");
  if (buf_printf(b, " %llu\n", (unsigned long long)count)) w->failed = 1;
  sample_head(w, b, "_sum", labels, NULL);
  if (buf_printf(b, " %.6f\n", sum)) w->failed = 1;
  sample_head(w, b, "_count", labels, NULL);
  if (buf_printf(b, " %llu\n", (unsigned long long)count)) w->failed = 1;
}

int metrics_render(metrics_registry *r, buf *out) {
  metrics_writer w = {.current = -1};
  pthread_mutex_lock(&r->mu);
  for (int i = 0; i < r->n; i++) {
    w.current = -1;
    r->c[i].fn(&w, r->c[i].ctx);
  }
  pthread_mutex_unlock(&r->mu);
  int e = w.failed;
  for (int i = 0; i < w.n; i++) {
    family *f = &w.f[i];
    if (!e)
      e = buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help, f->name,
                     type_name[f->type]) ||
          buf_add(out, f->samples.data ? f->samples.data : "", f->samples.len);
    buf_release(&f->samples);
  }
  free(w.f);
  return e ? -1 : 0;
}

static long count_fds(void) {
  DIR *d = opendir("/proc/self/fd");
  if (!d) return -1;
  long n = 0;
  struct dirent *e;
  while ((e = readdir(d)))
    if (e->d_name[0] != '.') n++;
  closedir(d);
  return n - 1; /* the directory's own descriptor */
}

static long rss_bytes(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  long pages = 0, rss = 0;
  if (!f) return -1;
  if (fscanf(f, "%ld %ld", &pages, &rss) != 2) rss = -1;
  fclose(f);
  return rss < 0 ? -1 : rss * sysconf(_SC_PAGESIZE);
}

void metrics_process_collect(metrics_writer *w, void *start_ms) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
               (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
  mw_family(w, "pheme_build_info", METRIC_GAUGE, "Version and commit of this build.");
  mw_u64(w, (const char *[]){"version", PHEME_VERSION, "commit", PHEME_GIT_COMMIT, NULL}, 1);
  mw_family(w, "process_cpu_seconds_total", METRIC_COUNTER, "User and system CPU time.");
  mw_f64(w, NULL, cpu);
  mw_family(w, "process_resident_memory_bytes", METRIC_GAUGE, "Resident memory.");
  mw_i64(w, NULL, rss_bytes());
  mw_family(w, "process_open_fds", METRIC_GAUGE, "Open file descriptors.");
  mw_i64(w, NULL, count_fds());
  mw_family(w, "process_start_time_seconds", METRIC_GAUGE, "Start time since the Unix epoch.");
  mw_f64(w, NULL, (double)*(const int64_t *)start_ms / 1000.0);
}
