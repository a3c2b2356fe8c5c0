/* Starts and stops tests/validation/fake_openai.mjs (a local OpenAI-compatible server) for a unit
 * test: node on 127.0.0.1, port 0, the port read from its first line of output, stopped by its
 * PID. fake_start returns 1 when node is not on PATH (the caller skips, saying so), -1 on failure. */
#ifndef PHEME_TEST_FAKE_OPENAI_H
#define PHEME_TEST_FAKE_OPENAI_H

#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define FAKE_SCRIPT TEST_DATA_DIR "/../validation/fake_openai.mjs"

typedef struct {
  pid_t pid;
  int port;
  char base[64]; /* http://127.0.0.1:PORT */
} fake_openai;

static int fake__node_on_path(void) {
  const char *path = getenv("PATH");
  char p[4096];
  while (path && *path) {
    const char *e = strchr(path, ':');
    size_t n = e ? (size_t)(e - path) : strlen(path);
    snprintf(p, sizeof p, "%.*s/node", (int)n, path);
    if (access(p, X_OK) == 0) return 1;
    path = e ? e + 1 : NULL;
  }
  return 0;
}

static int fake_start(fake_openai *f, const char *model, const char *key) {
  memset(f, 0, sizeof *f);
  if (!fake__node_on_path()) return 1;
  int fd[2];
  if (pipe(fd) != 0) return -1;
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    dup2(fd[1], 1);
    close(fd[0]);
    close(fd[1]);
    execlp("node", "node", FAKE_SCRIPT, "--model", model, "--key", key, (char *)NULL);
    _exit(127);
  }
  close(fd[1]);
  f->pid = pid;
  char line[128];
  size_t n = 0;
  struct pollfd pf = {fd[0], POLLIN, 0};
  while (n < sizeof line - 1 && poll(&pf, 1, 15000) > 0) {
    ssize_t r = read(fd[0], line + n, 1);
    if (r <= 0 || line[n] == '\n') break;
    n++;
  }
  line[n] = 0;
  close(fd[0]);
  if (sscanf(line, "{\"port\":%d}", &f->port) != 1) {
    fprintf(stderr, "fake_openai: no port in '%s'\n", line);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return -1;
  }
  snprintf(f->base, sizeof f->base, "http://127.0.0.1:%d", f->port);
  return 0;
}

static void fake_stop(fake_openai *f) {
  if (f->pid <= 0) return;
  kill(f->pid, SIGTERM);
  int st;
  while (waitpid(f->pid, &st, 0) < 0 && errno == EINTR) {
  }
  f->pid = 0;
}

static size_t fake__collect(char *p, size_t s, size_t n, void *ud) {
  FILE *f = ud;
  return fwrite(p, s, n, f);
}

/* POST (body non-NULL) or GET a control path; returns the parsed answer (caller decrefs) or NULL. */
static json_t *fake_call(const fake_openai *f, const char *path, const char *body) {
  char url[128], *out = NULL;
  size_t outlen = 0;
  snprintf(url, sizeof url, "%s%s", f->base, path);
  FILE *mem = open_memstream(&out, &outlen);
  CURL *h = curl_easy_init();
  struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
  curl_easy_setopt(h, CURLOPT_URL, url);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, fake__collect);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, mem);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
  if (body) curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
  CURLcode rc = curl_easy_perform(h);
  curl_easy_cleanup(h);
  curl_slist_free_all(hdr);
  fclose(mem);
  json_t *j = rc == CURLE_OK ? json_loadb(out, outlen, 0, NULL) : NULL;
  free(out);
  return j;
}

/* Forgets earlier requests and queues behaviours (a JSON array of names) for the next ones. */
static int fake_queue(const fake_openai *f, const char *queue_json) {
  char body[512];
  snprintf(body, sizeof body, "{\"queue\":%s}", queue_json);
  json_t *a = fake_call(f, "/_reset", "{}"), *b = fake_call(f, "/_control", body);
  int ok = a && b;
  json_decref(a);
  json_decref(b);
  return ok ? 0 : -1;
}

#endif
