/* `pheme chain deploy|status` (cli.h): argument handling and output around deploy.h and
 * status.h. */
#include "chain/cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "chain/deploy.h"
#include "chain/status.h"
#include "eth/address.h"
#include "eth/hex.h"

#include "core/banned.h"

static void progress(void *ctx, const char *what, const uint8_t h[32], uint64_t block, uint64_t gas) {
  int *step = ctx;
  char hh[HEX_LEN(32) + 1];
  printf("  %2d. %-70s block %-6" PRIu64 " gas %-8" PRIu64 " %s\n", ++*step, what, block, gas, hex_encode(hh, h, 32));
  fflush(stdout);
}

/* 1 when the manifest at path is for chain_id and every contract in it holds code. */
static int already_deployed(rpc_client *rpc, const char *path, uint64_t chain_id) {
  manifest m;
  char err[512];
  if (manifest_load(&m, path, err, sizeof err) || m.chain_id != chain_id) return 0;
  for (size_t i = 0; i < manifest_field_count; i++)
    if (strcmp(manifest_fields[i].section, "roles") && deploy_has_code(rpc, manifest_address(&m, &manifest_fields[i])) != 1)
      return 0;
  return 1;
}

int chain_cli_deploy(const pheme_config *cfg, char **args, int nargs) {
  int force = 0;
  for (int i = 0; i < nargs; i++) {
    if (strcmp(args[i], "--force") == 0) {
      force = 1;
    } else {
      fprintf(stderr, "pheme chain deploy: unknown argument '%s'\n", args[i]);
      return 2;
    }
  }
  char err[512];
  uint8_t key[32];
  if (deploy_key_parse(cfg->chain_operator_key, key, err, sizeof err)) {
    fprintf(stderr, "pheme chain deploy: %s\n", err);
    return 2;
  }
  deploy_config dc;
  deploy_config_init(&dc);
  if (deploy_config_from_env(&dc, err, sizeof err)) {
    fprintf(stderr, "pheme chain deploy: %s\n", err);
    return 2;
  }
  if (!cfg->chain_rpc || !cfg->chain_rpc[0]) {
    fprintf(stderr, "pheme chain deploy: chain_rpc is not set (--chain-rpc URL or PHEME_CHAIN_RPC)\n");
    return 2;
  }
  /* one endpoint: a deployment is a sequence of nonces from one node's view */
  char url[4096];
  snprintf(url, sizeof url, "%s", cfg->chain_rpc);
  char *comma = strchr(url, ',');
  if (comma) *comma = 0;
  const char *eps[] = {url};
  rpc_options o;
  rpc_options_init(&o);
  o.expected_chain_id = cfg->chain_id > 0 ? (uint64_t)cfg->chain_id : 0;
  rpc_client *rpc = rpc_client_new(eps, 1, &o);
  if (!rpc) {
    fprintf(stderr, "pheme chain deploy: cannot use chain_rpc '%s'\n", url);
    return 2;
  }
  deploy_sender s;
  int rc = 1, step = 0;
  if (deploy_sender_init(&s, rpc, key, err, sizeof err)) {
    fprintf(stderr, "pheme chain deploy: %s\n", err);
    goto out;
  }
  char path[600];
  chain_status_manifest_path(path, sizeof path, cfg, s.chain_id);
  if (!force && already_deployed(rpc, path, s.chain_id)) {
    fprintf(stderr, "pheme chain deploy: the suite in '%s' is already deployed on chain %" PRIu64
                    " (every contract holds code); --force deploys a new one\n", path, s.chain_id);
    rc = 0;
    goto out;
  }
  char a[ADDRESS_TEXT];
  printf("deploying the PHEME suite to chain %" PRIu64 " from %s (nonce %" PRIu64 ")\n", s.chain_id,
         address_to_checksum(a, s.address), s.nonce);
  s.progress = progress;
  s.progress_ctx = &step;
  manifest m;
  if (deploy_suite(&s, &dc, &m, err, sizeof err)) {
    fprintf(stderr, "pheme chain deploy: %s\n", err);
    goto out;
  }
  if (manifest_save(&m, path, err, sizeof err)) {
    fprintf(stderr, "pheme chain deploy: deployed, but %s\n", err);
    goto out;
  }
  printf("deployed and wired in %d transactions; manifest written to %s\n", step, path);
  rc = 0;
out:
  deploy_sender_release(&s);
  rpc_client_free(rpc);
  volatile uint8_t *k = key;
  for (size_t i = 0; i < sizeof key; i++) k[i] = 0;
  return rc;
}

int chain_cli_status(const pheme_config *cfg, store *s, char **args, int nargs) {
  int json = 0;
  for (int i = 0; i < nargs; i++) {
    if (strcmp(args[i], "--json") == 0) {
      json = 1;
    } else {
      fprintf(stderr, "pheme chain status: unknown argument '%s'\n", args[i]);
      return 2;
    }
  }
  chain_status st;
  chain_status_collect(&st, cfg, s, 10000);
  if (json) {
    buf b;
    buf_init(&b, 1 << 20);
    jw w;
    jw_init(&w, &b);
    chain_status_write(&w, &st);
    if (w.err) {
      fprintf(stderr, "pheme chain status: out of memory\n");
      buf_release(&b);
      return 1;
    }
    printf("%s\n", b.data);
    buf_release(&b);
  } else {
    chain_status_print(stdout, &st);
  }
  return st.reachable ? 0 : 1;
}
