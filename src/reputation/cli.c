/* pheme reputation …: recompute (with a progress bar on a terminal), explain ADDRESS (the
 * receipt), verify RECEIPT.json (recomputes it), history ADDRESS, epoch (commits the scores to a
 * new round's Merkle tree). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "core/util.h"
#include "reputation/reputation.h"
#include "core/banned.h"

static void bar(int64_t done, int64_t total, void *ctx) {
  (void)ctx;
  int width = 40, filled = total ? (int)(done * width / total) : width;
  fprintf(stderr, "\r[");
  for (int i = 0; i < width; i++) fputc(i < filled ? '#' : ' ', stderr);
  fprintf(stderr, "] %lld/%lld", (long long)done, (long long)total);
  if (done == total) fputc('\n', stderr);
  fflush(stderr);
}

static int find_user(store *s, arena *a, const char *text, user *u) {
  uint8_t addr[20];
  if (address_parse_hex(addr, text)) {
    fprintf(stderr, "pheme reputation: '%s' is not an address\n", text);
    return -1;
  }
  pheme_err e = store_user_by_address(s, a, addr, u);
  if (e) {
    fprintf(stderr, "pheme reputation: nobody holds '%s' (%s)\n", text, pheme_err_message(e));
    return -1;
  }
  return 0;
}

static int print_json(json_t *j) {
  char *t = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
  if (!t) return 1;
  puts(t);
  free(t);
  return 0;
}

int rep_cli(const pheme_config *cfg, store *s, char **args, int nargs) {
  const char *sub = nargs > 0 ? args[0] : "";
  rep_engine r;
  char err[256];
  if (rep_engine_init(&r, s, cfg, err, sizeof err)) {
    fprintf(stderr, "pheme reputation: %s\n", err);
    return 1;
  }
  arena a;
  arena_init(&a, 0);
  int rc = 2;
  if (strcmp(sub, "recompute") == 0 && nargs == 1) {
    rep_recompute_stats st;
    uint64_t t0 = time_mono_us();
    pheme_err e = rep_recompute(&r, time_now_ms(), isatty(2) ? bar : NULL, NULL, &st);
    if (e) {
      fprintf(stderr, "pheme reputation recompute: %s\n", pheme_err_message(e));
      rc = 1;
    } else {
      printf("recomputed %lld people (%lld changed) in %.3f s; trust: %d iterations, last change %.3g%s\n",
             (long long)st.people, (long long)st.changed, (double)(time_mono_us() - t0) / 1e6, st.trust.iterations,
             st.trust.delta, st.trust.converged ? "" : " (not converged)");
      rc = 0;
    }
  } else if (strcmp(sub, "explain") == 0 && nargs == 2) {
    user u;
    json_t *j;
    if (find_user(s, &a, args[1], &u)) rc = 1;
    else if (rep_explain(&r, &a, u.id, time_now_ms(), &j)) rc = 1;
    else {
      rc = print_json(j);
      json_decref(j);
    }
  } else if (strcmp(sub, "verify") == 0 && nargs == 2) {
    json_error_t je;
    json_t *j = strcmp(args[1], "-") == 0 ? json_loadf(stdin, JSON_REJECT_DUPLICATES, &je)
                                          : json_load_file(args[1], JSON_REJECT_DUPLICATES, &je);
    if (!j) {
      fprintf(stderr, "pheme reputation verify: %s: %s (line %d)\n", args[1], je.text, je.line);
      rc = 1;
    } else {
      char why[600];
      if (rep_verify(j, why, sizeof why)) {
        printf("MISMATCH: %s\n", why);
        rc = 1;
      } else {
        json_t *sc = json_object_get(j, "score");
        printf("OK: %s reproduces exactly (total %s, formula %s, inputs %s)\n", args[1],
               json_string_value(json_object_get(sc, "total")), REP_FORMULA_VERSION,
               json_string_value(json_object_get(j, "inputsDigest")));
        rc = 0;
      }
      json_decref(j);
    }
  } else if (strcmp(sub, "history") == 0 && nargs == 2) {
    user u;
    store_rep_score *h;
    int n;
    store_page p = {0, 100};
    if (find_user(s, &a, args[1], &u) || store_rep_history(s, &a, u.id, &p, &h, &n)) rc = 1;
    else {
      for (int i = 0; i < n; i++)
        printf("%lld  %lld.%06lld  (was %lld)  %s\n", (long long)h[i].as_of, (long long)(h[i].score / 1000000),
               (long long)(h[i].score % 1000000), (long long)h[i].previous, h[i].formula_version);
      rc = 0;
    }
  } else if (strcmp(sub, "epoch") == 0 && nargs == 1) {
    int64_t round, n;
    uint8_t root[32];
    store_actor sys = {0, ""};
    pheme_err e = rep_epoch_build(&r, &sys, &round, root, &n);
    if (e) {
      fprintf(stderr, "pheme reputation epoch: %s\n", e == PHEME_DATA_STATE ? "no scores yet" : pheme_err_message(e));
      rc = 1;
    } else {
      char hex[65];
      bytes_to_hex(hex, root, 32);
      printf("round %lld: %lld scores, root 0x%s\n", (long long)round, (long long)n, hex);
      rc = 0;
    }
  } else {
    fprintf(stderr, "usage: pheme " REP_CLI_USAGE "\n");
  }
  arena_release(&a);
  return rc;
}
