/* src/http/guard.c: the connection budget sized from the fd limit (one descriptor a connection,
 * an event stream included) and the descriptors answers from files take from it. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "http/guard.h"
#include "http/internal.h"
#include "test.h"

/* guard_connection_limit raises the soft limit of the process: run it in a child with a lowered
 * hard limit and return what it answered (or -1). */
static int limit_in_child(rlim_t hard, int wanted, long *fds) {
  int p[2];
  if (pipe(p)) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    close(p[0]);
    struct rlimit rl = {hard / 2, hard};
    long got[2] = {-1, -1};
    if (setrlimit(RLIMIT_NOFILE, &rl) == 0) got[0] = guard_connection_limit(wanted, &got[1]);
    ssize_t w = write(p[1], got, sizeof got);
    _exit(w == (ssize_t)sizeof got ? 0 : 1);
  }
  close(p[1]);
  long got[2] = {-1, -1};
  ssize_t r = read(p[0], got, sizeof got);
  close(p[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (r != (ssize_t)sizeof got) return -1;
  *fds = got[1];
  return (int)got[0];
}

TEST(connections_are_budgeted_one_descriptor_each) {
  long fds = 0;
  /* 20,000: the sandbox's hard limit, which must hold 10,000 event streams */
  int n = limit_in_child(20000, 0, &fds);
  CHECK_INT(fds, 20000); /* the soft limit was raised to the hard one */
  CHECK_INT(n, 20000 - GUARD_FD_HEADROOM - GUARD_RESERVE - GUARD_LINGER_MAX);
  CHECK(n >= 10000);
  CHECK_INT(limit_in_child(20000, 10000, &fds), 10000);
  CHECK_INT(limit_in_child(2000, 5000, &fds), 2000 - 544); /* lowered to what fits */
  CHECK_INT(limit_in_child(600, 0, &fds), 600 - 544);
  CHECK_INT(limit_in_child(500, 0, &fds), 16); /* never below 16 */
}

TEST(files_take_descriptors_from_the_same_budget) {
  http_server s;
  memset(&s, 0, sizeof s);
  pthread_mutex_init(&s.guard_mu, NULL);
  s.conn_limit = 10;
  s.guard_open = 10 + GUARD_RESERVE - 3; /* the reserve's connections count too */
  CHECK_INT(guard_file_take(&s), 1);
  CHECK_INT(guard_file_take(&s), 1);
  CHECK_INT(guard_file_take(&s), 1);
  CHECK_INT(guard_file_take(&s), 0); /* every descriptor of the budget is held */
  CHECK_INT(s.guard_files, 3);
  guard_file_put(&s);
  CHECK_INT(guard_file_take(&s), 1);
  s.guard_open -= 5; /* five connections closed */
  for (int i = 0; i < 5; i++) CHECK_INT(guard_file_take(&s), 1);
  CHECK_INT(guard_file_take(&s), 0);
  CHECK_INT(s.guard_files, 8);
  pthread_mutex_destroy(&s.guard_mu);
}

TEST_MAIN(RUN(connections_are_budgeted_one_descriptor_each); RUN(files_take_descriptors_from_the_same_budget))
