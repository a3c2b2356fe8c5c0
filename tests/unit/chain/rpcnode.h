/* The plumbing of a scripted JSON-RPC node for tests and benchmarks: a loopback listener, a
 * reader of one HTTP request (headers and Content-Length body), and a writer of one answer.
 * What a node answers is each user's own (test_rpc.c's scripts, test_indexer_hostile.c's lying
 * chain, bench/indexer's recorded chain). Header-only: every function is static. */
#ifndef PHEME_TESTS_RPCNODE_H
#define PHEME_TESTS_RPCNODE_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* Writes all of p, or stops at the first error (the client went away). */
static inline void rpcnode_send_all(int fd, const char *p, size_t n) {
  while (n) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w <= 0) return;
    p += w;
    n -= (size_t)w;
  }
}

/* A listening socket on 127.0.0.1 with a free port (*port), or -1. */
static inline int rpcnode_listen(int *port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t sl = sizeof sa;
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 16) != 0 ||
      getsockname(fd, (struct sockaddr *)&sa, &sl) != 0) {
    close(fd);
    return -1;
  }
  *port = ntohs(sa.sin_port);
  return fd;
}

/* Reads one request into req (cap bytes, NUL-terminated), waiting at most timeout_s seconds per
 * read (0: no limit). Returns its length with *body at the body, or -1 when the client closed
 * or the read timed out first. A request longer than cap is cut at cap - 1 bytes. */
static inline long rpcnode_read_request(int fd, char *req, size_t cap, int timeout_s, char **body) {
  size_t len = 0;
  if (timeout_s) {
    struct timeval tv = {.tv_sec = timeout_s};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  *body = NULL;
  for (;;) {
    ssize_t r = recv(fd, req + len, cap - 1 - len, 0);
    if (r <= 0) return -1;
    len += (size_t)r;
    req[len] = 0;
    char *end = strstr(req, "\r\n\r\n");
    if (!end) {
      if (len + 1 >= cap) return -1;
      continue;
    }
    const char *cl = strcasestr(req, "content-length:");
    size_t want = cl ? (size_t)strtoul(cl + 15, NULL, 10) : 0;
    if (len - (size_t)(end + 4 - req) >= want || len + 1 >= cap) {
      *body = end + 4;
      return (long)len;
    }
  }
}

/* Writes an HTTP/1.1 answer with a JSON body; close adds "Connection: close". */
static inline void rpcnode_reply(int fd, int status, const char *body, size_t n, int close_after) {
  char head[256];
  int hn = snprintf(head, sizeof head,
                    "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n%s\r\n",
                    status ? status : 200, n, close_after ? "Connection: close\r\n" : "");
  rpcnode_send_all(fd, head, (size_t)hn);
  rpcnode_send_all(fd, body, n);
}

#endif
