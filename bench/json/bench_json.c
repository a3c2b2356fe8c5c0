/* Writing the sign-in's answers: json_dumps(JSON_COMPACT | JSON_ENSURE_ASCII) against jw_value
 * (src/core/jsonw.h), each doing all http_json does with a tree: text in a malloc'ed block, then
 * freed. The trees have the shapes of POST /auth/nonce (eleven fields, one a SIWE message of about
 * 450 bytes with newlines) and POST /auth/verify (a session with a nested user object), and of an
 * error answer. Both writers' bytes are compared before anything is timed.
 *   bench_json [ITERATIONS]     default 200000 per shape and writer */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/jsonw.h"

static double cpu_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static json_t *nonce_answer(void) {
  const char *message =
      "localhost:8080 wants you to sign in with your Ethereum account:\n"
      "0x8ba1f109551bD432803012645Ac136ddd64DBA72\n\n"
      "Sign in to PHEME.\n\n"
      "URI: http://localhost:8080\n"
      "Version: 1\n"
      "Chain ID: 1\n"
      "Nonce: Yq3lWkP0d8vB2mXc9TzR4sHa\n"
      "Issued At: 2026-11-25T21:16:38.398Z\n"
      "Expiration Time: 2026-11-25T21:21:38.398Z\n"
      "Request ID: signin-0123456789abcdef0123456789abcdef\n"
      "Resources:\n"
      "- https://localhost:8080/api/v1/auth/verify\n"
      "- urn:pheme:purpose:signin\n"
      "- urn:pheme:terms:2026-11-01 (the terms the wallet agrees to)";
  return json_pack("{s:s,s:s,s:s,s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "nonce", "Yq3lWkP0d8vB2mXc9TzR4sHa",
                   "message", message, "address", "0x8ba1f109551bD432803012645Ac136ddd64DBA72",
                   "chainId", (json_int_t)1, "domain", "localhost:8080", "uri",
                   "http://localhost:8080", "version", "1", "statement", "Sign in to PHEME.",
                   "issuedAt", "2026-11-25T21:16:38.398Z", "expirationTime",
                   "2026-11-25T21:21:38.398Z", "purpose", "signin");
}

static json_t *verify_answer(void) {
  json_t *user = json_pack("{s:s,s:n,s:n,s:[s],s:s}", "address",
                           "0x8ba1f109551bD432803012645Ac136ddd64DBA72", "displayName", "bio",
                           "roles", "worker", "createdAt", "2026-11-25T21:16:38.398Z");
  json_t *body = json_pack("{s:I,s:s,s:I,s:o,s:b}", "expiresIn", (json_int_t)900, "sessionId",
                           "184467", "refreshExpiresIn", (json_int_t)2592000, "user", user,
                           "created", 1);
  json_object_set_new(body, "tokenType", json_string("Bearer"));
  json_object_set_new(body, "accessToken",
                      json_string("eyJhbGciOiJIUzI1NiIsImtpZCI6ImJlbmNoIiwidHlwIjoiSldUIn0."
                                  "eyJpc3MiOiJodHRwOi8vbG9jYWxob3N0OjgwODAiLCJzdWIiOiIxODQ0NjciLCJ"
                                  "zaWQiOjE4NDQ2NywicnYiOjEsImlhdCI6MTc2NDEwNTM5OCwiZXhwIjoxNzY0MTA"
                                  "2Mjk4fQ.3q2-7wQk9mBf0a8Yc4nV1sLxZ6uTt5rP2oJdKhGiE0M"));
  json_object_set_new(body, "refreshToken",
                      json_string("rt1.184467.Z2V0LXJlZnJlc2gtdG9rZW4tYmVuY2gtMDEyMzQ1Njc4OQ"));
  return body;
}

static json_t *error_answer(void) {
  return json_pack("{s:{s:s,s:s,s:{s:s}}}", "error", "code", "AUTH004", "message",
                   "the signature does not recover to 0x8ba1f109551bD432803012645Ac136ddd64DBA72",
                   "details", "requestId", "pheme-00000000000184467");
}

/* What http_json does with jw_value: a buffer with room reserved, the tree, the bytes handed on. */
static char *write_jw(const json_t *v, size_t *len) {
  buf b;
  buf_init(&b, (size_t)64 << 20);
  jw w;
  jw_init(&w, &b);
  if (buf_reserve(&b, 4000)) w.err = 1;
  jw_value(&w, v);
  if (w.err) abort();
  return buf_detach(&b, len);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Median over 21 batches of the CPU time of one answer, in nanoseconds. */
static double time_one(const json_t *v, int use_jw, long iterations) {
  double batch[21];
  long per = iterations / 21 + 1;
  for (int k = 0; k < 21; k++) {
    double t0 = cpu_now();
    for (long i = 0; i < per; i++) {
      size_t n = 0;
      char *text = use_jw ? write_jw(v, &n) : json_dumps(v, JSON_COMPACT | JSON_ENSURE_ASCII);
      if (!text) abort();
      __asm__ volatile("" ::"r"(text) : "memory"); /* the text is used */
      free(text);
    }
    batch[k] = (cpu_now() - t0) / (double)per * 1e9;
  }
  qsort(batch, 21, sizeof batch[0], cmp_double);
  return batch[10];
}

int main(int argc, char **argv) {
  long iterations = argc > 1 ? atol(argv[1]) : 200000;
  const struct {
    const char *name;
    json_t *v;
  } shapes[] = {{"nonce answer", nonce_answer()},
                {"verify answer", verify_answer()},
                {"error answer", error_answer()}};
  printf("%-14s %6s %12s %12s %7s\n", "shape", "bytes", "json_dumps", "jw_value", "ratio");
  for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
    const json_t *v = shapes[s].v;
    char *want = json_dumps(v, JSON_COMPACT | JSON_ENSURE_ASCII);
    size_t n;
    char *got = write_jw(v, &n);
    if (!want || n != strlen(want) || memcmp(got, want, n) != 0) {
      fprintf(stderr, "%s: the writers differ\njson_dumps: %s\njw_value:   %s\n", shapes[s].name,
              want, got);
      return 1;
    }
    free(want);
    free(got);
    double dumps = time_one(v, 0, iterations), jwv = time_one(v, 1, iterations);
    printf("%-14s %6zu %9.0f ns %9.0f ns %6.1fx\n", shapes[s].name, n, dumps, jwv, dumps / jwv);
  }
  for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) json_decref(shapes[s].v);
  return 0;
}
