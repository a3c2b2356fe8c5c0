/* What the chain tests that talk to a real `pheme serve` or `pheme dev` share: requests to it over
 * loopback (libcurl), and `pheme dev` started in a folder of its own (anvil, the C deployer, the
 * seeding, the server), found ready, and its anvil's endpoint read from its log. Every process is
 * stopped by its PID by the test that started it. */
#ifndef PHEME_TEST_CHAIN_SERVER_H
#define PHEME_TEST_CHAIN_SERVER_H

#include <curl/curl.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"

static inline void sleep_ms(long ms) { nanosleep(&(struct timespec){ms / 1000, (ms % 1000) * 1000000L}, NULL); }

static inline size_t server__collect(char *p, size_t size, size_t n, void *ud) {
  buf *b = ud;
  return buf_add(b, p, size * n) ? 0 : size * n;
}

/* One request to the server on port (key: an API key or token sent as Bearer, may be NULL; body:
 * JSON or NULL). Returns the status (0 when nothing answered); the body in out, NUL-terminated. */
static inline long http(int port, const char *method, const char *path, const char *key, const char *body, buf *out) {
  char url[512], auth[200];
  snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
  buf_clear(out);
  CURL *c = curl_easy_init();
  if (!c) return 0;
  struct curl_slist *h = NULL;
  if (key) {
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
    h = curl_slist_append(h, auth);
  }
  if (body) h = curl_slist_append(h, "Content-Type: application/json");
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
  if (body) curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, server__collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
  long status = 0;
  if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(c);
  curl_slist_free_all(h);
  if (buf_add(out, "", 1)) status = 0;
  return status;
}

/* The answer as JSON when its status is want; else NULL, and the answer is printed. */
static inline json_t *http_json(int port, const char *method, const char *path, const char *key, const char *body,
                         long want) {
  buf b;
  buf_init(&b, 1 << 22);
  json_t *j = NULL;
  long st = http(port, method, path, key, body, &b);
  if (st == want) j = json_loads(b.data, 0, NULL);
  if (!j) fprintf(stderr, "%s %s: %ld %.400s\n", method, path, st, b.data ? b.data : "");
  buf_release(&b);
  return j;
}

/* Starts `pheme dev` (PHEME_BIN, anvil from ANVIL_BIN) in dir, listening on port, its output in
 * logpath; waits up to a minute for /readyz. Returns its pid, or -1 (then it is stopped). */
static inline pid_t pheme_dev_start(const char *dir, int port, const char *logpath) {
  char listen[32], public_url[64];
  snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
  snprintf(public_url, sizeof public_url, "http://127.0.0.1:%d", port);
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    if (chdir(dir) != 0) _exit(126);
    int fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    setenv("PHEME_ANVIL", ANVIL_BIN, 1);
    execl(PHEME_BIN, "pheme", "dev", "--listen", listen, "--public-url", public_url, "--web-root", "",
          "--chain-poll-ms", "100", "--rate-limit", "off", (char *)NULL);
    _exit(127);
  }
  /* up: deploy and seed take a few seconds */
  buf b;
  buf_init(&b, 1 << 20);
  int ready = 0;
  for (int i = 0; i < 600 && !ready; i++) {
    ready = http(port, "GET", "/readyz", NULL, NULL, &b) == 200;
    if (!ready) sleep_ms(100);
  }
  buf_release(&b);
  if (ready) return pid;
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  fprintf(stderr, "pheme dev did not become ready; see %s\n", logpath);
  return -1;
}

/* The chain's endpoint, as `pheme dev` printed it in its log; 0, or -1 when not found. */
static inline int pheme_dev_anvil_url(const char *logpath, char *out, size_t n) {
  char line[512];
  out[0] = 0;
  FILE *f = fopen(logpath, "r");
  while (f && fgets(line, sizeof line, f)) {
    const char *on = strstr(line, "pheme dev: anvil (pid ");
    if (on && (on = strstr(on, ") on ")) != NULL) {
      on += 5;
      size_t k = strcspn(on, " \n");
      if (k < n) snprintf(out, n, "%.*s", (int)k, on);
    }
  }
  if (f) fclose(f);
  return out[0] ? 0 : -1;
}

/* Ctrl-C to `pheme dev`: waits up to 30 s; returns its wait status (-1 when it did not stop). */
static inline int pheme_dev_stop(pid_t pid) {
  kill(pid, SIGINT);
  int wst = -1;
  for (int i = 0; i < 300; i++) {
    if (waitpid(pid, &wst, WNOHANG) == pid) return wst;
    sleep_ms(100);
  }
  return -1;
}

#endif
