/* pheme reputation …: recompute (with a progress bar on a terminal), explain ADDRESS (the
 * receipt), verify RECEIPT.json (recomputes it), history ADDRESS, epoch (commits the scores to a
 * new round's Merkle tree). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chain/contracts.h"
#include "chain/deploy.h"
#include "chain/manifest.h"
#include "chain/rpc.h"
#include "chain/status.h"
#include "core/log.h"
#include "core/util.h"
#include "eth/hex.h"
#include "eth/secp.h"
#include "eth/u256.h"
#include "reputation/reputation.h"
#include "reputation/round.h"
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

static int parse_round(const char *t, int64_t *round) {
  long long v;
  if (parse_int(t, 1, INT64_MAX, &v)) {
    fprintf(stderr, "pheme: round '%s' is not a positive number\n", t);
    return -1;
  }
  *round = v;
  return 0;
}

static int oracle_cfg(const pheme_config *cfg, rep_oracle *o) {
  char err[600];
  if (rep_oracle_from_config(cfg, o, err, sizeof err) == 0) return 0;
  fprintf(stderr, "pheme: %s\n", err);
  return -1;
}

static int oracle_state(const pheme_config *cfg, const rep_oracle *o, int *threshold) {
  char err[600];
  int64_t latest;
  if (rep_oracle_read(cfg, o, threshold, &latest, err, sizeof err) == 0) return 0;
  fprintf(stderr, "pheme: %s\n", err);
  return -1;
}

int rep_cli_sign_round(const pheme_config *cfg, store *s, char **args, int nargs) {
  const char *key_spec = NULL;
  int64_t round = 0;
  for (int i = 0; i < nargs; i++) {
    if (strcmp(args[i], "--key") == 0 && i + 1 < nargs) key_spec = args[++i];
    else if (!round && parse_round(args[i], &round) == 0) continue;
    else {
      fprintf(stderr, "usage: pheme " REP_SIGN_USAGE "\n");
      return 2;
    }
  }
  if (!round || !key_spec) {
    fprintf(stderr, "usage: pheme " REP_SIGN_USAGE "\n");
    return 2;
  }
  rep_oracle o;
  if (oracle_cfg(cfg, &o)) return 1;
  uint8_t key[32], digest[32], sig[65], signer[20];
  char err[512];
  if (deploy_key_parse(key_spec, key, err, sizeof err)) {
    fprintf(stderr, "pheme validator sign-round: %s\n", err);
    return 1;
  }
  arena a;
  arena_init(&a, 0);
  store_rep_epoch ep;
  int rc = 1;
  if (store_rep_epoch_get(s, &a, round, &ep)) {
    fprintf(stderr, "pheme validator sign-round: no epoch %lld\n", (long long)round);
  } else if (rep_round_digest(&o, round, ep.root, digest, err, sizeof err) ||
             rep_round_sign(digest, key, sig, signer, err, sizeof err)) {
    fprintf(stderr, "pheme validator sign-round: %s\n", err);
  } else {
    char sh[HEX_LEN(65) + 1], ah[43], rh[HEX_LEN(32) + 1];
    address_format_hex(ah, signer);
    printf("{\"round\":%lld,\"root\":\"%s\",\"signer\":\"%s\",\"signature\":\"%s\"}\n", (long long)round,
           hex_encode(rh, ep.root, 32), ah, hex_encode(sh, sig, 65));
    rc = 0;
  }
  memset(key, 0, sizeof key);
  arena_release(&a);
  return rc;
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
    pheme_err e = rep_recompute(&r, time_now_ms(), NULL, isatty(2) ? bar : NULL, NULL, &st);
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
    pheme_err e = rep_epoch_build(&r, &sys, 0, &round, root, &n);
    if (e) {
      fprintf(stderr, "pheme reputation epoch: %s\n", e == PHEME_DATA_STATE ? "no scores yet" : pheme_err_message(e));
      rc = 1;
    } else {
      char hex[65];
      bytes_to_hex(hex, root, 32);
      printf("round %lld: %lld scores, root 0x%s\n", (long long)round, (long long)n, hex);
      rc = 0;
    }
  } else if (strcmp(sub, "add-signature") == 0 && nargs == 3) {
    rep_oracle o;
    int64_t round;
    uint8_t sig[65], signer[20];
    rc = 1;
    if (parse_round(args[1], &round) || oracle_cfg(cfg, &o)) {
    } else if (hex_decode(sig, 65, NULL, args[2], strlen(args[2]), HEX_PREFIX_OPTIONAL | HEX_EXACT, NULL)) {
      fprintf(stderr, "pheme reputation add-signature: the signature must be 65 bytes of hex\n");
    } else if (rep_round_add_signature(s, &o, round, sig, signer, err, sizeof err)) {
      fprintf(stderr, "pheme reputation add-signature: %s\n", err);
    } else {
      char ah[43];
      address_format_hex(ah, signer);
      printf("round %lld: signature of %s stored\n", (long long)round, ah);
      rc = 0;
    }
  } else if (strcmp(sub, "publish") == 0 && nargs == 2) {
    rep_oracle o;
    int64_t round;
    int threshold;
    rep_publish_result pr;
    uint8_t key[32], sender[20];
    pheme_error ee;
    rc = 1;
    if (parse_round(args[1], &round) || oracle_cfg(cfg, &o) || oracle_state(cfg, &o, &threshold)) {
    } else if (!cfg->chain_operator_key || deploy_key_parse(cfg->chain_operator_key, key, err, sizeof err) ||
               secp_address(sender, key, &ee)) {
      fprintf(stderr, "pheme reputation publish: chain_operator_key is needed to send the round\n");
    } else if (rep_round_publish_config(s, cfg, &o, round, threshold, sender, &pr, err, sizeof err)) {
      fprintf(stderr, "pheme reputation publish: %s\n", err);
    } else {
      printf("round %lld queued: submitRound (outbox intent %lld), then %lld changed score(s) in %lld "
             "recordScores chunk(s), %llu gas at most\n",
             (long long)round, (long long)pr.root_intent, (long long)pr.changed, (long long)pr.chunks,
             (unsigned long long)pr.gas);
      rc = 0;
    }
    memset(key, 0, sizeof key);
  } else {
    fprintf(stderr, "usage: pheme " REP_CLI_USAGE "\n");
  }
  arena_release(&a);
  return rc;
}
