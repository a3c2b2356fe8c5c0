/* At most once in effect, under SIGKILL: a transaction manager runs in a forked child that the
 * test kills at random moments (15 times), with intents still arriving meanwhile; a last manager
 * finishes the work. Then the chain itself is checked: every intent (an ETH transfer of a
 * distinct amount to a distinct fresh address) took effect exactly once — each balance equals
 * its amount, the sender's nonce moved by exactly the number of intents — and nothing was lost.
 *
 * The seed is printed; TXM_CRASH_SEED=N repeats a run. Bounded: the kills take a few seconds,
 * the final drain at most 30 s. */
#include <signal.h>
#include <sys/wait.h>

#include "eth/hex.h"
#include "txm_test.h"

enum { KILLS = 15, FIRST = 24, PER_ROUND = 2, TOTAL = FIRST + KILLS * PER_ROUND };
#define LEASE_MS 300

static unsigned seed;
static uint8_t to[TOTAL][20];

static void amount_of(int i, char out[32]) {
  snprintf(out, 32, "%llu", 1000000000000ULL + (unsigned long long)i * 1000 + 7);
}

static int enqueue(store *s, int i) {
  char key[48], value[32];
  snprintf(key, sizeof key, "crash-%u-%d", seed, i);
  amount_of(i, value);
  int64_t id;
  /* half with a gas limit, half estimated at first send */
  return txmt_enqueue_transfer(s, key, to[i], value, (i % 2) ? 21000 : 0, &id);
}

/* The child: its own store connection and manager, ticking until killed. */
static _Noreturn void child(const char *url, const char *node_url) {
  store_options so = {2, 10000, 0, NULL};
  char err[512];
  store *s = NULL;
  if (store_open(&s, url, &so, err, sizeof err)) _exit(3);
  const char *eps[] = {node_url};
  txm_options o;
  txmt_options(&o, NULL, eps);
  o.confirmations = 1;
  o.lease_ttl_ms = LEASE_MS;
  o.poll_ms = 10;
  o.max_intents = 8; /* a few per tick: kills land between ticks and inside them */
  txm *t = NULL;
  if (txm_new(&t, s, &o, err, sizeof err)) _exit(4);
  for (;;) {
    txm_tick_stats st;
    if (txm_tick(t, &st)) nanosleep(&(struct timespec){.tv_nsec = 20000000}, NULL);
    nanosleep(&(struct timespec){.tv_nsec = 2000000}, NULL);
  }
}

TEST(killed_and_restarted_managers_send_every_intent_exactly_once) {
  const char *env = getenv("TXM_CRASH_SEED");
  seed = env ? (unsigned)strtoul(env, NULL, 10) : (unsigned)time(NULL) ^ (unsigned)getpid();
  fprintf(stderr, "test_txm_crash: seed %u (TXM_CRASH_SEED=%u repeats this run)\n", seed, seed);
  srand(seed);
  anvil_node *n = txmt_anvil_start(NULL);
  REQUIRE(n);
  char dir[32], url[128];
  store *s = txmt_store_open(dir, url);
  rpc_client *c = txmt_client(n);
  REQUIRE(s && c);
  for (int i = 0; i < TOTAL; i++) txmt_fresh_address(to[i], "crash", seed, i);
  uint64_t start_nonce = txmt_nonce(c, ANVIL_ADDR0, "latest");
  REQUIRE(start_nonce != UINT64_MAX);
  for (int i = 0; i < FIRST; i++) CHECK_INT(enqueue(s, i), 0);

  int next = FIRST;
  uint64_t t0 = time_mono_us();
  for (int k = 0; k < KILLS; k++) {
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) child(url, n->url);
    /* a new child waits out the dead one's lease; then it works until the kill */
    long ms = LEASE_MS + rand() % 400;
    nanosleep(&(struct timespec){.tv_nsec = ms * 1000000L}, NULL);
    /* intents keep arriving while managers die; the kill follows within 0-25 ms, while the
     * child is likely estimating, signing, storing or broadcasting them */
    for (int j = 0; j < PER_ROUND; j++) CHECK_INT(enqueue(s, next++), 0);
    nanosleep(&(struct timespec){.tv_nsec = (rand() % 26) * 1000000L}, NULL);
    kill(pid, SIGKILL);
    int status = 0;
    CHECK_INT(waitpid(pid, &status, 0), pid);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL); /* it was running, not crashed */
  }
  fprintf(stderr, "test_txm_crash: %d kills in %.1f s\n", KILLS, (double)(time_mono_us() - t0) / 1e6);

  /* the last manager, in this process, finishes the work */
  const char *eps[] = {n->url};
  txm_options o;
  txmt_options(&o, n, eps);
  o.confirmations = 1;
  o.lease_ttl_ms = LEASE_MS;
  txm *t = NULL;
  char err[256];
  REQUIRE(txm_new(&t, s, &o, err, sizeof err) == 0);
  txm_tick_stats st = {0};
  uint64_t deadline = time_mono_us() + 30000000;
  int open = -1;
  while (time_mono_us() < deadline) {
    CHECK_INT(txm_tick(t, &st), 0);
    if (st.lease_held && st.open == 0) {
      open = 0;
      break;
    }
    nanosleep(&(struct timespec){.tv_nsec = 20000000}, NULL);
  }
  CHECK_INT(open, 0);

  /* on chain: each amount arrived once, and no other transaction left the sender */
  int wrong = 0;
  for (int i = 0; i < TOTAL; i++) {
    char want[32], got[32];
    amount_of(i, want);
    snprintf(got, sizeof got, "%llu", (unsigned long long)txmt_balance(c, to[i]));
    if (strcmp(want, got) != 0) {
      fprintf(stderr, "intent %d: balance %s, expected %s\n", i, got, want);
      wrong++;
    }
  }
  CHECK_INT(wrong, 0);
  CHECK_INT(txmt_nonce(c, ANVIL_ADDR0, "latest"), start_nonce + TOTAL);

  /* in the database: all confirmed, one nonce each, and some were replayed from their stored
   * raw transaction or re-signed after a kill */
  arena a;
  arena_init(&a, 0);
  int confirmed = 0, multi = 0, replayed = 0, n_signers = 0;
  const char *signers[TOTAL + 1];
  uint8_t seen[TOTAL] = {0};
  for (int i = 0; i < TOTAL; i++) {
    char key[48];
    snprintf(key, sizeof key, "crash-%u-%d", seed, i);
    outbox_intent in;
    if (outbox_get_by_key(s, &a, key, &in)) continue;
    confirmed += in.state == OUTBOX_CONFIRMED;
    if (in.has_nonce && in.nonce >= start_nonce && in.nonce < start_nonce + TOTAL)
      seen[in.nonce - start_nonce]++;
    outbox_attempt *at;
    int na;
    if (outbox_attempts(s, &a, in.id, &at, &na) != 0) continue;
    multi += na > 1;
    for (int k = 0; k < na; k++) {
      /* the node already had it: a manager died between broadcasting and recording that */
      replayed += at[k].last_error != NULL;
      int known = 0;
      for (int j = 0; j < n_signers; j++) known |= strcmp(signers[j], at[k].signed_by) == 0;
      if (!known && n_signers < TOTAL) signers[n_signers++] = at[k].signed_by;
    }
  }
  CHECK_INT(confirmed, TOTAL);
  for (int i = 0; i < TOTAL; i++) CHECK_INT(seen[i], 1);
  fprintf(stderr, "test_txm_crash: %d intents signed by %d managers; %d broadcasts repeated after "
          "a kill; %d intents with more than one attempt\n", TOTAL, n_signers, replayed, multi);
  arena_release(&a);
  txm_free(t);
  rpc_client_free(c);
  txmt_store_close(s, dir);
  anvil_stop(n);
}

TEST_MAIN(RUN(killed_and_restarted_managers_send_every_intent_exactly_once))
