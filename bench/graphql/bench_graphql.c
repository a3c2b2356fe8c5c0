/* The GraphQL parser's throughput (bytes/s) on bench/graphql/doc.graphql (10 KiB), parsed again
 * and again for a fixed time into an arena cleared between parses. run.sh measures graphql-js's
 * parse on the same file in the same run and reports the ratio.
 *   bench_graphql FILE [SECONDS]   prints "bytes=N parses=P seconds=S bytes_per_s=B" */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "graphql/parse.h"
#include "graphql/pheme_schema.h"
#include "graphql/validate.h"

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: bench_graphql FILE [SECONDS]\n");
    return 2;
  }
  double secs = argc > 2 ? atof(argv[2]) : 3.0;
  FILE *f = fopen(argv[1], "rb");
  if (!f) return 1;
  static char doc[1 << 20];
  size_t n = fread(doc, 1, sizeof doc, f);
  fclose(f);
  arena a;
  arena_init(&a, 0);
  gql_document d;
  gql_parse_error e;
  if (gql_parse(&a, doc, n, NULL, &d, &e)) {
    fprintf(stderr, "bench_graphql: %s\n", e.message);
    return 1;
  }
  /* the document must also be valid against PHEME's schema: a realistic one */
  gql_schema s;
  char err[256];
  if (gql_schema_build(&s, gqlp_types, gqlp_ntypes, "Query", "Mutation", NULL, err, sizeof err)) return 1;
  gql_errors errs;
  gql_errors_init(&errs, &a);
  if (gql_validate(&s, &d, &a, &errs)) {
    fprintf(stderr, "bench_graphql: the document is not valid: %s\n", errs.items[0].message);
    return 1;
  }
  long parses = 0;
  double t0 = now(), t;
  do {
    for (int k = 0; k < 50; k++) {
      arena_clear(&a);
      if (gql_parse(&a, doc, n, NULL, &d, &e)) return 1;
      parses++;
    }
    t = now();
  } while (t - t0 < secs);
  /* validation too, for the record (not part of the ratio) */
  long validations = 0;
  double v0 = now(), v;
  do {
    for (int k = 0; k < 10; k++) {
      arena_clear(&a);
      if (gql_parse(&a, doc, n, NULL, &d, &e)) return 1;
      gql_errors_init(&errs, &a);
      if (gql_validate(&s, &d, &a, &errs)) return 1;
      validations++;
    }
    v = now();
  } while (v - v0 < secs / 3);
  printf("bytes=%zu parses=%ld seconds=%.3f bytes_per_s=%.0f parse_validate_per_s=%.0f\n", n, parses, t - t0,
         (double)n * (double)parses / (t - t0), (double)validations / (v - v0));
  gql_schema_release(&s);
  arena_release(&a);
  return 0;
}
