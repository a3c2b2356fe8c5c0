/* Reorgs on a real anvil: a chain indexed up to its head is replaced from a fork point by other
 * transactions (evm_snapshot, evm_revert, new blocks), at depths 1, 2 and 10, while the indexer
 * runs in its thread and while it is stopped; after each, what is stored must equal a fresh index
 * of the final chain. A reorg deeper than the configured depth stops the indexer with the alert;
 * an indexer killed in the middle of its work (SIGKILL, in a child process) loses nothing and
 * applies nothing twice once another takes over. */
#include <signal.h>
#include <sys/wait.h>

#include "test_indexer_suite.h"

#define A0 ANVIL_ADDR0
#define A1 ANVIL_ADDR1
#define A2 ANVIL_ADDR2

/* One block with a few events: a token transfer (balances), a stake (stake, votes, locks). */
static int busy_block(suite *s, const char *to, int amount) {
  char args[200];
  snprintf(args, sizeof args, "[\"%s\",\"%d\"]", to, amount);
  return suite_tx(s, A0, CC_TOKEN, "transfer(address,uint256)", args);
}

static int prepare(suite *s) {
  char staking[43], args[200];
  snprintf(args, sizeof args, "[\"%s\",\"1000000000000000000000000\"]", suite_addr(s, CC_STAKING, staking));
  if (suite_tx(s, A0, CC_TOKEN, "approve(address,uint256)", args)) return -1;
  for (int i = 0; i < 3; i++)
    if (busy_block(s, A1, 100 + i)) return -1;
  return 0;
}

static int64_t cursor_of(suite *s, store *st) {
  arena a;
  arena_init(&a, 0);
  store_chain_cursor c;
  int64_t n = store_chain_cursor_get(st, &a, s->o.chain_id, &c) ? -2 : c.block_number;
  arena_release(&a);
  return n;
}

/* Waits (up to 20 s) until the indexer's cursor is the node's head block (number and hash). */
static int wait_caught_up(suite *s, store *st) {
  for (int i = 0; i < 2000; i++) {
    arena a;
    arena_init(&a, 0);
    store_chain_cursor c;
    int64_t head = suite_head(s);
    int done = 0;
    if (head >= 0 && !store_chain_cursor_get(st, &a, s->o.chain_id, &c) && c.block_number == head &&
        c.has_hash) {
      char p[64];
      snprintf(p, sizeof p, "[\"0x%llx\",false]", (unsigned long long)head);
      json_t *b = suite_call(s, "eth_getBlockByNumber", p);
      uint8_t h[32];
      const char *hs = json_string_value(json_object_get(b, "hash"));
      done = hs && strlen(hs) == 66 && hex_to_bytes(h, hs + 2, 32) == 0 && memcmp(h, c.block_hash, 32) == 0;
      json_decref(b);
    }
    arena_release(&a);
    if (done) return 0;
    usleep(10000);
  }
  fprintf(stderr, "indexer did not catch up: cursor %lld, head %lld\n", (long long)cursor_of(s, st),
          (long long)suite_head(s));
  return -1;
}

/* pheme_indexer_reorgs_total of the indexer */
static long long reorgs_seen(indexer *ix) {
  buf m;
  buf_init(&m, 1 << 16);
  long long n = -1;
  const char *p, *needle = "\npheme_indexer_reorgs_total{chain=\"";
  if (indexer_metrics_render(ix, &m) == 0 && m.data && (p = strstr(m.data, needle)) &&
      (p = strstr(p, "\"} ")))
    n = strtoll(p + 3, NULL, 10);
  buf_release(&m);
  return n;
}

/* A reorg of `depth` blocks: depth blocks with events are indexed, then replaced by
 * `replacement` other blocks (other recipients, amounts, a stake). */
static void reorg_case(int depth, int replacement, int stopped) {
  suite s;
  REQUIRE(suite_start(&s) == 0);
  REQUIRE(prepare(&s) == 0);
  store *st = suite_store(&s, "main");
  REQUIRE(st);
  indexer *ix = suite_indexer(&s, st, NULL);
  REQUIRE(ix);
  CHECK(suite_sync(ix) == suite_head(&s));
  char snap[40];
  REQUIRE(suite_snapshot(&s, snap) == 0);
  int64_t fork = suite_head(&s);
  long long reorgs = reorgs_seen(ix);
  if (!stopped) REQUIRE(indexer_start(ix) == 0);
  for (int i = 0; i < depth; i++) CHECK(busy_block(&s, i % 2 ? A1 : A2, 1000 + i) == 0);
  if (stopped) CHECK(suite_sync(ix) == fork + depth);
  else CHECK(wait_caught_up(&s, st) == 0);
  CHECK_INT(cursor_of(&s, st), fork + depth);
  if (stopped) {
    indexer_free(ix); /* stopped while the chain changes */
    ix = NULL;
  }
  REQUIRE(suite_revert(&s, snap) == 0);
  CHECK_INT(suite_head(&s), fork);
  for (int i = 0; i < replacement; i++) {
    CHECK(busy_block(&s, i % 2 ? A2 : A1, 7 + i) == 0);
    if (i == 0) CHECK(suite_tx(&s, A0, CC_STAKING, "stake(uint256)", "[\"5000\"]") == 0);
  }
  if (stopped) {
    ix = suite_indexer(&s, st, NULL);
    REQUIRE(ix);
    CHECK(suite_sync(ix) == suite_head(&s));
  } else {
    CHECK(wait_caught_up(&s, st) == 0);
    indexer_stop(ix);
    /* the thread's last step may have seen an older head: one more sync settles it */
    CHECK(suite_sync(ix) == suite_head(&s));
  }
  CHECK(reorgs_seen(ix) > reorgs); /* the reorg was seen and rolled back, not missed */
  CHECK(suite_equals_fresh(&s, st, "fresh"));
  indexer_free(ix);
  store_free(st);
  suite_stop(&s);
}

TEST(reorg_of_1_block_while_running) { reorg_case(1, 1, 0); }
TEST(reorg_of_2_blocks_while_running) { reorg_case(2, 3, 0); }
TEST(reorg_of_10_blocks_while_running) { reorg_case(10, 4, 0); }
TEST(reorg_of_1_block_while_stopped) { reorg_case(1, 2, 1); }
TEST(reorg_of_2_blocks_while_stopped) { reorg_case(2, 1, 1); }
TEST(reorg_of_10_blocks_while_stopped) { reorg_case(10, 12, 1); }

TEST(reorg_deeper_than_the_depth_stops_with_an_alert) {
  suite s;
  REQUIRE(suite_start(&s) == 0);
  REQUIRE(prepare(&s) == 0);
  store *st = suite_store(&s, "main");
  REQUIRE(st);
  indexer_options o = s.o;
  o.reorg_depth = 3;
  indexer *ix = suite_indexer(&s, st, &o);
  REQUIRE(ix);
  char snap[40];
  REQUIRE(suite_snapshot(&s, snap) == 0);
  for (int i = 0; i < 5; i++) CHECK(busy_block(&s, A2, 50 + i) == 0);
  int64_t top = suite_sync(ix);
  CHECK_INT(top, suite_head(&s));
  arena a;
  arena_init(&a, 0);
  char *before = NULL, *after = NULL;
  CHECK_INT(store_chain_dump(st, &a, s.o.chain_id, &before), 0);
  REQUIRE(suite_revert(&s, snap) == 0);
  for (int i = 0; i < 7; i++) CHECK(busy_block(&s, A1, 60 + i) == 0);
  indexer_step_result r;
  CHECK_INT(indexer_sync(ix, 100, &r), 0);
  CHECK_INT(r.state, INDEXER_HALTED);
  CHECK(strstr(r.why, "deeper than 3 blocks") != NULL);
  store_chain_cursor c;
  CHECK_INT(store_chain_cursor_get(st, &a, s.o.chain_id, &c), 0);
  CHECK(c.halted && strstr(c.halted, "chain_reorg_depth"));
  CHECK_INT(c.block_number, top); /* nothing rolled back, nothing applied */
  CHECK_INT(store_chain_dump(st, &a, s.o.chain_id, &after), 0);
  CHECK(before && after && strcmp(before, after) == 0);
  buf m;
  buf_init(&m, 1 << 16);
  CHECK(indexer_metrics_render(ix, &m) == 0);
  const char *deep = m.data ? strstr(m.data, "pheme_indexer_reorg_too_deep{chain=\"") : NULL;
  CHECK(deep && strncmp(strchr(deep, '}'), "} 1\n", 4) == 0);
  buf_release(&m);
  /* and it stays stopped */
  CHECK_INT(indexer_step(ix, &r), 0);
  CHECK_INT(r.state, INDEXER_HALTED);
  arena_release(&a);
  indexer_free(ix);
  store_free(st);
  suite_stop(&s);
}

TEST(killed_indexer_loses_nothing_and_applies_nothing_twice) {
  suite s;
  REQUIRE(suite_start(&s) == 0);
  REQUIRE(prepare(&s) == 0);
  for (int i = 0; i < 30; i++) CHECK(busy_block(&s, i % 3 ? A1 : A2, 10 + i) == 0);
  store *st = suite_store(&s, "main");
  REQUIRE(st);
  store_free(st); /* migrated; the child opens it on its own */
  for (int round = 0; round < 3; round++) {
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      store *cs = suite_store(&s, "main");
      indexer_options o = s.o;
      o.log_range = 1; /* a commit per block: many points to die between */
      snprintf(o.owner, sizeof o.owner, "doomed-%d", round);
      indexer *cx = cs ? suite_indexer(&s, cs, &o) : NULL;
      indexer_step_result r;
      while (cx && indexer_step(cx, &r) == 0) {
      }
      _exit(3);
    }
    usleep(150000 + 120000 * (useconds_t)round);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
  }
  st = suite_store(&s, "main");
  REQUIRE(st);
  int64_t mid = cursor_of(&s, st);
  CHECK(mid >= 0 && mid <= suite_head(&s)); /* the killed indexers did commit work */
  indexer_options o = s.o;
  snprintf(o.owner, sizeof o.owner, "survivor");
  indexer *ix = suite_indexer(&s, st, &o);
  REQUIRE(ix);
  /* the dead indexer's lease runs out (lease_ms 1000), then the survivor takes over */
  indexer_step_result r;
  int64_t t0 = time_now_ms();
  do {
    CHECK_INT(indexer_sync(ix, 100000, &r), 0);
    if (r.state == INDEXER_STANDBY) usleep(50000);
  } while (r.state == INDEXER_STANDBY && time_now_ms() - t0 < 5000);
  CHECK_INT(r.state, INDEXER_IDLE);
  CHECK_INT(r.cursor, suite_head(&s));
  CHECK(suite_equals_fresh(&s, st, "fresh"));
  indexer_free(ix);
  store_free(st);
  suite_stop(&s);
}

TEST_MAIN(RUN(reorg_of_1_block_while_running); RUN(reorg_of_2_blocks_while_running);
          RUN(reorg_of_10_blocks_while_running); RUN(reorg_of_1_block_while_stopped);
          RUN(reorg_of_2_blocks_while_stopped); RUN(reorg_of_10_blocks_while_stopped);
          RUN(reorg_deeper_than_the_depth_stops_with_an_alert);
          RUN(killed_indexer_loses_nothing_and_applies_nothing_twice))
