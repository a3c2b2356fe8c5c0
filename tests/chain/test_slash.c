/* An admin's slash of a validator, end to end on a real chain: the real `pheme dev` (anvil, the C
 * deployer, the three demo validators staked and registered on chain and in storage, the server
 * with its transaction manager and indexer) in a temporary directory; an admin posts
 * POST /api/v1/admin/validators/:address/slash; the intent goes out through the outbox and the
 * transaction manager as ValidatorRegistry.slash, is mined, and the validator's stake read back
 * from PhemeStaking with eth_call is the seeded stake less the amount. The indexer then shows the
 * slash on GET /api/v1/validators. A slash of an address that is not a validator is refused. */
#include <curl/curl.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "anvil.h"
#include "chain/contracts.h"
#include "chain/deploy.h"
#include "chain/rpc.h"
#include "core/buf.h"
#include "core/util.h"
#include "eth/address.h"
#include "eth/u256.h"
#include "test.h"

/* what `pheme dev` stakes for each demo validator (src/chain/dev.c), and what the test takes */
#define SEEDED_STAKE "20000000000000000000000"
#define SLASHED "1500000000000000000000"
#define LEFT "18500000000000000000000"

static size_t collect(char *p, size_t size, size_t n, void *ud) {
  buf *b = ud;
  return buf_add(b, p, size * n) ? 0 : size * n;
}

/* One request to the server; returns the status (0 when nothing answered), the body in out. */
static long http(int port, const char *method, const char *path, const char *key, const char *body, buf *out) {
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
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
  long status = 0;
  if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(c);
  curl_slist_free_all(h);
  if (buf_add(out, "", 1)) status = 0;
  return status;
}

/* The answer's JSON when the status is want, else NULL (the body is printed). */
static json_t *http_json(int port, const char *method, const char *path, const char *key, const char *body,
                         long want) {
  buf b;
  buf_init(&b, 1 << 22);
  long st = http(port, method, path, key, body, &b);
  json_t *j = st == want ? json_loads(b.data, 0, NULL) : NULL;
  if (!j) fprintf(stderr, "%s %s: %ld %.300s\n", method, path, st, b.data ? b.data : "");
  buf_release(&b);
  return j;
}

static void sleep_ms(long ms) { nanosleep(&(struct timespec){ms / 1000, (ms % 1000) * 1000000L}, NULL); }

/* `pheme ARGS` on the dev database under dir; its last line of output in out. */
static int pheme_cli(const char *dir, char *out, size_t cap, const char *args) {
  char cmd[1200];
  snprintf(cmd, sizeof cmd, "PHEME_DATABASE=sqlite:%s/data/dev/pheme.db %s %s 2>/dev/null", dir, PHEME_BIN, args);
  FILE *p = popen(cmd, "r");
  if (!p) return -1;
  char line[1024];
  out[0] = 0;
  while (fgets(line, sizeof line, p)) {
    line[strcspn(line, "\n")] = 0;
    if (line[0]) snprintf(out, cap, "%.*s", (int)(cap - 1), line);
  }
  int st = pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* PhemeStaking.stakeOf(who) read with eth_call, as decimal wei in out; 0 when read. */
static int stake_of(rpc_client *rpc, const uint8_t staking[20], const uint8_t who[20], char *out, size_t cap) {
  buf cd, ret;
  buf_init(&cd, 1 << 12);
  buf_init(&ret, 1 << 12);
  uint8_t w[32];
  char err[256];
  int rc = ct_PhemeStaking_stakeOf(&cd, who, NULL) ||
           deploy_call(rpc, staking, (const uint8_t *)cd.data, cd.len, &ret, err, sizeof err) ||
           ct_PhemeStaking_stakeOf_result((const uint8_t *)ret.data, ret.len, w, NULL);
  char dec[U256_DEC_MAX];
  if (!rc) snprintf(out, cap, "%s", u256_to_dec(dec, w));
  buf_release(&cd);
  buf_release(&ret);
  return rc ? -1 : 0;
}

/* The "slashed" amount GET /api/v1/validators shows for address (lower-case hex), or "". */
static void indexed_slash(int port, const char *address, char *out, size_t cap) {
  out[0] = 0;
  json_t *vals = http_json(port, "GET", "/api/v1/validators", NULL, NULL, 200);
  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(vals, "items"), i, v) {
    const char *a = json_string_value(json_object_get(v, "address"));
    const char *s = json_string_value(json_object_get(v, "slashed"));
    if (a && s && strcasecmp(a, address) == 0) snprintf(out, cap, "%s", s);
  }
  json_decref(vals);
}

TEST(an_admins_slash_is_mined_and_the_stake_read_back_on_chain) {
  char dir[] = "/tmp/pheme-slash-XXXXXX";
  REQUIRE(mkdtemp(dir) != NULL);
  int port = local_free_port();
  REQUIRE(port > 0);
  char listen[32], public_url[64], logpath[128];
  snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
  snprintf(public_url, sizeof public_url, "http://127.0.0.1:%d", port);
  snprintf(logpath, sizeof logpath, "%s/dev.log", dir);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
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
  buf b;
  buf_init(&b, 1 << 20);
  int ready = 0;
  for (int i = 0; i < 600 && !ready; i++) {
    ready = http(port, "GET", "/readyz", NULL, NULL, &b) == 200;
    if (!ready) sleep_ms(100);
  }
  buf_release(&b);
  if (!ready) {
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    fprintf(stderr, "pheme dev did not become ready; see %s\n", logpath);
  }
  REQUIRE(ready);

  /* the staking contract and the chain's endpoint, as pheme dev set them up */
  json_t *status = http_json(port, "GET", "/api/v1/chain/status", NULL, NULL, 200);
  REQUIRE(status);
  const char *staking_hex = json_string_value(json_object_get(
      json_object_get(json_object_get(json_object_get(status, "manifest"), "contracts"), "PhemeStaking"), "address"));
  uint8_t staking[20], v1[20];
  REQUIRE(staking_hex && address_parse_hex(staking, staking_hex) == 0);
  json_decref(status);
  REQUIRE(address_parse_hex(v1, ANVIL_ADDR1) == 0);
  char anvil_url[64] = "", line[512];
  FILE *lf = fopen(logpath, "r");
  while (lf && fgets(line, sizeof line, lf)) {
    const char *on = strstr(line, "pheme dev: anvil (pid ");
    if (on && (on = strstr(on, ") on ")) != NULL) sscanf(on + 5, "%63s", anvil_url);
  }
  if (lf) fclose(lf);
  REQUIRE(anvil_url[0]);
  const char *eps[] = {anvil_url};
  rpc_client *rpc = rpc_client_new(eps, 1, NULL);
  REQUIRE(rpc);
  char stake[80];
  CHECK_INT(stake_of(rpc, staking, v1, stake, sizeof stake), 0);
  CHECK_STR(stake, SEEDED_STAKE);

  /* an admin slashes the first demo validator; the answer is the queued intent */
  char admin[120];
  CHECK_INT(pheme_cli(dir, admin, sizeof admin, "key create --role admin --owner 0x00000000000000000000000000000000000000ad"), 0);
  REQUIRE(admin[0]);
  json_t *rq = http_json(port, "POST", "/api/v1/admin/validators/" ANVIL_ADDR1 "/slash", admin,
                         "{\"amount\":\"" SLASHED "\",\"burn\":true,\"reason\":\"chain test: outlier\"}", 202);
  REQUIRE(rq);
  CHECK(json_integer_value(json_object_get(rq, "intentId")) > 0);
  CHECK_STR(json_string_value(json_object_get(rq, "kind")), "validator.slash");
  json_decref(rq);
  /* mined by the server's transaction manager: the stake on chain is the seeded one less the slash */
  int mined = 0;
  for (int i = 0; i < 600 && !mined; i++) {
    mined = stake_of(rpc, staking, v1, stake, sizeof stake) == 0 && strcmp(stake, LEFT) == 0;
    if (!mined) sleep_ms(100);
  }
  CHECK(mined);
  CHECK_STR(stake, LEFT);
  /* the indexer brings the slash back to the API */
  char slashed[80] = "";
  for (int i = 0; i < 300 && strcmp(slashed, SLASHED) != 0; i++) {
    indexed_slash(port, ANVIL_ADDR1, slashed, sizeof slashed);
    if (strcmp(slashed, SLASHED) != 0) sleep_ms(100);
  }
  CHECK_STR(slashed, SLASHED);
  /* another validator's stake did not move */
  uint8_t v2[20];
  REQUIRE(address_parse_hex(v2, ANVIL_ADDR2) == 0);
  CHECK_INT(stake_of(rpc, staking, v2, stake, sizeof stake), 0);
  CHECK_STR(stake, SEEDED_STAKE);
  /* an address that is no validator is refused before anything is sent */
  buf nb;
  buf_init(&nb, 1 << 16);
  CHECK_INT(http(port, "POST", "/api/v1/admin/validators/0x00000000000000000000000000000000000000ad/slash", admin,
                 "{\"amount\":\"1\",\"burn\":true,\"reason\":\"nobody\"}", &nb),
            404);
  buf_release(&nb);
  rpc_client_free(rpc);

  kill(pid, SIGINT);
  int wst = 0;
  for (int i = 0; i < 300; i++) {
    if (waitpid(pid, &wst, WNOHANG) == pid) break;
    sleep_ms(100);
  }
  CHECK(WIFEXITED(wst) && WEXITSTATUS(wst) == 0);
  if (test__failed_checks) {
    char cmd[300];
    snprintf(cmd, sizeof cmd, "grep -E '\"level\":\"(warn|error)\"' %s >&2", logpath);
    if (system(cmd) < 0) fprintf(stderr, "could not read %s\n", logpath);
  }
}

TEST_MAIN(RUN(an_admins_slash_is_mined_and_the_stake_read_back_on_chain))
