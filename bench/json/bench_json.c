/* JSON of the sign-in, both ways, CPU time per document:
 * - answers: json_dumps(JSON_COMPACT | JSON_ENSURE_ASCII) against jw_value (src/core/jsonw.h), each
 *   doing all http_json does with a tree: text in a malloc'ed block, then freed. The trees have the
 *   shapes of POST /auth/nonce's answer (eleven fields, one a SIWE message of about 450 bytes with
 *   newlines), POST /auth/verify's (a session with a nested user object) and an error answer. Both
 *   writers' bytes are compared before anything is timed.
 * - request bodies: json_loadb(JSON_REJECT_DUPLICATES | JSON_DECODE_ANY) against json_parse_body
 *   (src/core/json.c), tree built and freed, on the bodies of POST /auth/nonce and /auth/verify.
 *   Both trees are compared first.
 *   bench_json [ITERATIONS]     default 200000 per shape and implementation */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/json.h"
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

static json_t *parse_pheme(const char *text, size_t n) {
  json_t *v;
  char msg[256];
  return json_parse_body(text, n, &v, msg, sizeof msg) ? NULL : v;
}

static json_t *parse_jansson(const char *text, size_t n) {
  json_error_t e;
  return json_loadb(text, n, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &e);
}

/* One answer written, or one body parsed, by the implementation `which`. */
enum { DUMPS, JW, LOADB, PARSE };
static void one(int which, const json_t *v, const char *body, size_t body_len) {
  size_t n = 0;
  if (which == DUMPS || which == JW) {
    char *text = which == JW ? write_jw(v, &n) : json_dumps(v, JSON_COMPACT | JSON_ENSURE_ASCII);
    if (!text) abort();
    __asm__ volatile("" ::"r"(text) : "memory"); /* the text is used */
    free(text);
  } else {
    json_t *t = which == PARSE ? parse_pheme(body, body_len) : parse_jansson(body, body_len);
    if (!t) abort();
    json_decref(t);
  }
}

/* Median over 21 batches of the CPU time of one document, in nanoseconds. */
static double time_one(int which, const json_t *v, const char *body, long iterations) {
  double batch[21];
  long per = iterations / 21 + 1;
  size_t body_len = body ? strlen(body) : 0;
  for (int k = 0; k < 21; k++) {
    double t0 = cpu_now();
    for (long i = 0; i < per; i++) one(which, v, body, body_len);
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
    double dumps = time_one(DUMPS, v, NULL, iterations), jwv = time_one(JW, v, NULL, iterations);
    printf("%-14s %6zu %9.0f ns %9.0f ns %6.1fx\n", shapes[s].name, n, dumps, jwv, dumps / jwv);
  }
  /* the request bodies: the nonce's, and the verify's with the nonce answer's message */
  char *verify = NULL;
  {
    json_t *b = json_pack("{s:O,s:s}", "message", json_object_get(shapes[0].v, "message"), "signature",
                          "0x1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeeff0011223344"
                          "5566778899aabbccddeeff00112233445566778899aabbccddeeff001b");
    verify = json_dumps(b, JSON_COMPACT);
    json_decref(b);
  }
  const struct {
    const char *name, *text;
  } bodies[] = {{"nonce body", "{\"address\":\"0x8ba1f109551bD432803012645Ac136ddd64DBA72\",\"chainId\":1}"},
                {"verify body", verify}};
  printf("\n%-14s %6s %12s %12s %7s\n", "shape", "bytes", "json_loadb", "parse_body", "ratio");
  for (size_t s = 0; s < sizeof bodies / sizeof bodies[0]; s++) {
    size_t n = strlen(bodies[s].text);
    json_t *a = parse_jansson(bodies[s].text, n), *b = parse_pheme(bodies[s].text, n);
    if (!a || !b || !json_equal(a, b)) {
      fprintf(stderr, "%s: the parsers differ\n", bodies[s].name);
      return 1;
    }
    json_decref(a);
    json_decref(b);
    double loadb = time_one(LOADB, NULL, bodies[s].text, iterations);
    double parse = time_one(PARSE, NULL, bodies[s].text, iterations);
    printf("%-14s %6zu %9.0f ns %9.0f ns %6.1fx\n", bodies[s].name, n, loadb, parse, loadb / parse);
  }
  free(verify);
  for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) json_decref(shapes[s].v);
  return 0;
}
