/* `pheme jobs list|retry|drop|add` for operators and `pheme worker`; see jobs.h. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/util.h"
#include "jobs/jobs.h"
#include "core/banned.h"

static const char *flag(char **args, int nargs, const char *name) {
  for (int i = 0; i + 1 < nargs; i++)
    if (strcmp(args[i], name) == 0) return args[i + 1];
  return NULL;
}

static void print_time(int64_t ms, char out[32]) {
  if (!ms) {
    snprintf(out, 32, "-");
    return;
  }
  time_t t = (time_t)(ms / 1000);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int list(store *s, char **args, int nargs) {
  const char *state = flag(args, nargs, "--state"), *kind = flag(args, nargs, "--kind"),
             *lim = flag(args, nargs, "--limit");
  job_filter f = {kind, -1};
  long long limit = 50;
  if (state && (f.state = job_state_parse(state)) < 0) {
    fprintf(stderr, "pheme jobs list: unknown state '%s' (queued, running, done or dead)\n", state);
    return 2;
  }
  if (lim && parse_int(lim, 1, 10000, &limit)) {
    fprintf(stderr, "pheme jobs list: --limit takes 1 to 10000 (got '%s')\n", lim);
    return 2;
  }
  arena a;
  arena_init(&a, 0);
  store_page p = {0, (int)limit};
  job *jobs;
  int n;
  pheme_err e = store_jobs_list(s, &a, &f, &p, &jobs, &n);
  if (e) {
    fprintf(stderr, "pheme jobs list: %s\n", pheme_err_message(e));
    arena_release(&a);
    return 1;
  }
  printf("%-8s %-24s %-8s %-9s %-20s %s\n", "ID", "KIND", "STATE", "ATTEMPTS", "RUN AT", "LAST ERROR");
  for (int i = 0; i < n; i++) {
    char at[32], tries[24];
    print_time(jobs[i].run_at, at);
    snprintf(tries, sizeof tries, "%d/%d", jobs[i].attempts, jobs[i].max_attempts);
    printf("%-8lld %-24s %-8s %-9s %-20s %s\n", (long long)jobs[i].id, jobs[i].kind,
           job_state_name(jobs[i].state), tries, at, jobs[i].last_error ? jobs[i].last_error : "");
  }
  arena_release(&a);
  return 0;
}

static int by_id(store *s, const char *verb, char **args, int nargs) {
  long long id;
  if (nargs < 1 || parse_int(args[0], 1, INT64_MAX, &id)) {
    fprintf(stderr, "pheme jobs %s: give the job's id (see pheme jobs list)\n", verb);
    return 2;
  }
  store_actor cli = {0, ""}; /* the operator at the console: audited as the system */
  pheme_err e = strcmp(verb, "retry") == 0 ? store_job_retry(s, &cli, id, time_now_ms()) : store_job_drop(s, &cli, id);
  if (e == PHEME_DATA_NOT_FOUND) {
    fprintf(stderr, "pheme jobs %s: no job %lld\n", verb, id);
    return 1;
  }
  if (e == PHEME_DATA_STATE) {
    fprintf(stderr, "pheme jobs %s: job %lld is %s\n", verb, id,
            strcmp(verb, "retry") == 0 ? "not dead (only dead jobs are retried)" : "running (wait for it, or for its lease to expire)");
    return 1;
  }
  if (e) {
    fprintf(stderr, "pheme jobs %s: %s\n", verb, pheme_err_message(e));
    return 1;
  }
  printf("%s job %lld\n", strcmp(verb, "retry") == 0 ? "queued again" : "dropped", id);
  return 0;
}

static int add(store *s, char **args, int nargs) {
  if (nargs < 1) {
    fprintf(stderr, "pheme jobs add: give a kind (e.g. jobs.noop) and optionally a JSON payload\n");
    return 2;
  }
  int64_t id;
  pheme_err e = jobs_submit(s, args[0], nargs > 1 ? args[1] : NULL, NULL, &id);
  if (e) {
    fprintf(stderr, "pheme jobs add: job of kind '%s' refused: %s\n", args[0], pheme_err_message(e));
    return 1;
  }
  printf("queued job %lld (%s)\n", (long long)id, args[0]);
  return 0;
}

int jobs_cli(const pheme_config *cfg, store *s, char **args, int nargs) {
  const char *sub = nargs > 0 ? args[0] : "";
  jobs_options o;
  jobs_options_from_config(&o, cfg);
  if (strcmp(sub, "list") == 0) return list(s, args + 1, nargs - 1);
  if (strcmp(sub, "retry") == 0 || strcmp(sub, "drop") == 0) return by_id(s, sub, args + 1, nargs - 1);
  if (strcmp(sub, "add") == 0) {
    jobs_register_builtin(cfg->jobs_test_kinds);
    return add(s, args + 1, nargs - 1);
  }
  fprintf(stderr, "usage: pheme %s\n", JOBS_CLI_USAGE);
  return 2;
}

int jobs_cli_worker(const pheme_config *cfg, store *s) {
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, NULL);
  signal(SIGPIPE, SIG_IGN);
  jobs_options o;
  jobs_options_from_config(&o, cfg);
  if (o.workers < 1) {
    fprintf(stderr, "pheme worker: jobs_workers is 0; give it 1 or more (--jobs-workers N)\n");
    return 2;
  }
  jobs_register_builtin(cfg->jobs_test_kinds);
  if (cfg->jobs_test_kinds) log_warn("jobs_test_kinds is on: the test-only job kinds are registered");
  char err[256];
  jobs_pool *p = jobs_pool_start(s, &o, err, sizeof err);
  if (!p) {
    log_error("%s", err);
    return 1;
  }
  log_info("pheme worker: %d job worker threads on %s", o.workers, store_driver_name(s));
  printf("pheme worker is running with %d threads. Ctrl-C stops it.\n", o.workers);
  fflush(stdout);
  int sig = 0;
  sigwait(&stop, &sig);
  log_info("received %s: finishing the running jobs", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  jobs_pool_stop(p);
  log_info("stopped");
  return 0;
}
