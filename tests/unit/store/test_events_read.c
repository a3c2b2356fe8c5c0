/* The event outbox's readers (store/events.h): commit order on SQLite and PostgreSQL, a row
 * committed late is never skipped (concurrent writers on PostgreSQL), the listener wake, kind
 * lists and visibility, and the webhooks' durable fan-out. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
#include "store/events.h"
#include "store/internal.h"
#include "store/jobs.h"
#include "test.h"
#include "backends.h"

static store_actor sys = {0, "test"};

static int64_t write_event(const char *kind, int64_t uid, int pub) {
  sx x;
  if (sx_write(S, NULL, &x)) return -1;
  int64_t id = -1;
  if (!sx_event(&x, kind, uid, pub, "", 0, NULL, time_now_ms())) {
    db_result r;
    if (!Q0(&x, &r, "SELECT max(id) FROM events")) id = db_int(&r, 0, 0);
  }
  if (sx_commit(&x)) id = -1;
  sx_end(&x);
  return id;
}

static int64_t make_user(int n) {
  arena a;
  arena_init(&a, 0);
  uint8_t ad[20] = {0xee};
  ad[19] = (uint8_t)n;
  ad[18] = (uint8_t)(n >> 8);
  user u;
  int created;
  int64_t id = store_user_ensure(S, &a, &sys, ad, &u, &created) ? 0 : u.id;
  arena_release(&a);
  return id;
}

TEST(events_read_in_order_after_a_cursor) {
  arena a;
  arena_init(&a, 0);
  event_cursor head;
  REQUIRE(store_events_head(S, &head) == 0);
  int64_t i1 = write_event("test.one", 0, 1), i2 = write_event("test.two", 0, 1);
  REQUIRE(i1 > 0 && i2 > i1);
  event_row *ev;
  int n;
  CHECK_INT(store_events_after(S, &a, &head, 10, &ev, &n), 0);
  REQUIRE(n == 2);
  CHECK_INT(ev[0].id, i1);
  CHECK_STR(ev[0].kind, "test.one");
  CHECK_STR(ev[0].data, "{}");
  CHECK_INT(ev[1].id, i2);
  event_cursor c1;
  CHECK_INT(store_events_cursor_of(S, i1, &c1), 0);
  CHECK_INT(c1.id, i1);
  CHECK_INT(store_events_after(S, &a, &c1, 10, &ev, &n), 0);
  REQUIRE(n == 1);
  CHECK_INT(ev[0].id, i2);
  event_cursor h2;
  CHECK_INT(store_events_head(S, &h2), 0);
  CHECK_INT(h2.id, i2);
  CHECK_INT(store_events_after(S, &a, &h2, 10, &ev, &n), 0);
  CHECK_INT(n, 0);
  CHECK_INT(store_events_cursor_of(S, 99999999, &c1), PHEME_DATA_NOT_FOUND);
  event_row one;
  CHECK_INT(store_event_get(S, &a, i2, &one), 0);
  CHECK_STR(one.kind, "test.two");
  arena_release(&a);
}

/* A transaction that took its id first and commits last: on PostgreSQL the reader holds back
 * the later row until the earlier one is in, and then gives both in commit order. */
TEST(a_row_committed_late_is_not_skipped) {
  if (strcmp(backend, "postgresql") != 0) return; /* SQLite: one writer, no second transaction */
  arena a;
  arena_init(&a, 0);
  event_cursor cur;
  REQUIRE(store_events_head(S, &cur) == 0);
  sx early;
  REQUIRE(sx_write(S, NULL, &early) == 0);
  REQUIRE(sx_event(&early, "test.early", 0, 1, "", 0, NULL, time_now_ms()) == 0);
  int64_t late = write_event("test.late", 0, 1);
  REQUIRE(late > 0);
  event_row *ev;
  int n = -1;
  CHECK_INT(store_events_after(S, &a, &cur, 10, &ev, &n), 0);
  CHECK_INT(n, 0); /* the committed row waits for the older transaction */
  event_cursor head;
  CHECK_INT(store_events_head(S, &head), 0);
  CHECK_INT(head.id, cur.id);
  CHECK_INT(sx_commit(&early), 0);
  sx_end(&early);
  CHECK_INT(store_events_after(S, &a, &cur, 10, &ev, &n), 0);
  REQUIRE(n == 2);
  CHECK_STR(ev[0].kind, "test.early");
  CHECK_STR(ev[1].kind, "test.late");
  CHECK(ev[0].id < ev[1].id);
  arena_release(&a);
}

/* Writers that take ids and commit in random order, a reader following them with its cursor:
 * the reader ends with every committed row exactly once. A reader of "id > last id" loses rows
 * here on PostgreSQL. */
#define W_THREADS 6
#define W_EACH 60
static volatile int writers_left;

static void *writer(void *arg) {
  unsigned seed = (unsigned)(uintptr_t)arg * 7919u;
  for (int i = 0; i < W_EACH; i++) {
    sx x;
    if (sx_write(S, NULL, &x)) continue;
    int ok = !sx_event(&x, "test.race", 0, 1, "", 0, NULL, time_now_ms());
    usleep((useconds_t)(rand_r(&seed) % 3000));
    if (ok) ok = !sx_commit(&x);
    sx_end(&x);
  }
  __atomic_sub_fetch(&writers_left, 1, __ATOMIC_RELEASE);
  return NULL;
}

TEST(concurrent_writers_lose_no_row) {
  arena a;
  arena_init(&a, 0);
  event_cursor cur;
  REQUIRE(store_events_head(S, &cur) == 0);
  int64_t start_id;
  {
    sx x;
    db_result r;
    REQUIRE(sx_read(S, &a, &x) == 0);
    REQUIRE(Q0(&x, &r, "SELECT coalesce(max(id), 0) FROM events") == 0);
    start_id = db_int(&r, 0, 0);
    sx_end(&x);
  }
  writers_left = W_THREADS;
  pthread_t t[W_THREADS];
  for (int i = 0; i < W_THREADS; i++) pthread_create(&t[i], NULL, writer, (void *)(uintptr_t)(i + 1));
  int64_t *seen = calloc(W_THREADS * W_EACH + 1, sizeof *seen);
  int nseen = 0, dup = 0, out_of_order = 0;
  for (;;) {
    int done = __atomic_load_n(&writers_left, __ATOMIC_ACQUIRE) == 0;
    arena_clear(&a);
    event_row *ev;
    int n = 0;
    if (store_events_after(S, &a, &cur, 50, &ev, &n)) break;
    for (int i = 0; i < n; i++) {
      if (strcmp(ev[i].kind, "test.race") != 0) continue;
      if (nseen > W_THREADS * W_EACH) {
        dup++;
        continue;
      }
      for (int j = 0; j < nseen; j++) dup += seen[j] == ev[i].id;
      if (ev[i].txid < cur.txid || (ev[i].txid == cur.txid && ev[i].id <= cur.id)) out_of_order++;
      seen[nseen++] = ev[i].id;
      cur.txid = ev[i].txid;
      cur.id = ev[i].id;
    }
    if (n > 0) {
      cur.txid = ev[n - 1].txid;
      cur.id = ev[n - 1].id;
    }
    if (done && n == 0) break;
    if (n == 0) usleep(200);
  }
  for (int i = 0; i < W_THREADS; i++) pthread_join(t[i], NULL);
  sx x;
  db_result r;
  REQUIRE(sx_read(S, &a, &x) == 0);
  REQUIRE(Q(&x, &r, "SELECT count(*) FROM events WHERE kind = 'test.race' AND id > $1", dbv_int(start_id)) == 0);
  int64_t committed = db_int(&r, 0, 0);
  sx_end(&x);
  CHECK(committed > 0);
  CHECK_INT(nseen, committed);
  CHECK_INT(dup, 0);
  CHECK_INT(out_of_order, 0);
  free(seen);
  arena_release(&a);
}

static int wakes;
static void on_events(void *ctx) { __atomic_add_fetch((int *)ctx, 1, __ATOMIC_RELAXED); }

TEST(a_commit_with_an_event_wakes_the_listener) {
  wakes = 0;
  store_events_listen(S, on_events, &wakes);
  REQUIRE(write_event("test.wake", 0, 1) > 0);
  CHECK_INT(wakes, 1);
  /* a write without an event does not */
  int64_t u = make_user(900);
  CHECK(u > 0);
  CHECK_INT(wakes, 1);
  /* a rolled-back one does not */
  sx x;
  REQUIRE(sx_write(S, NULL, &x) == 0);
  REQUIRE(sx_event(&x, "test.rolled", 0, 1, "", 0, NULL, 1) == 0);
  sx_end(&x);
  CHECK_INT(wakes, 1);
  store_events_listen(S, NULL, NULL);
  REQUIRE(write_event("test.wake", 0, 1) > 0);
  CHECK_INT(wakes, 1);
}

TEST(kind_lists_and_visibility) {
  CHECK(events_kinds_match(NULL, "a.b"));
  CHECK(events_kinds_match("", "a.b"));
  CHECK(events_kinds_match("*", "a.b"));
  CHECK(events_kinds_match("x.y,a.b", "a.b"));
  CHECK(!events_kinds_match("x.y,a.bc", "a.b"));
  CHECK(!events_kinds_match("a.b", "a.bc"));
  CHECK(events_kinds_match("submission.*", "submission.approved"));
  CHECK(!events_kinds_match("submission.*", "submission"));
  CHECK(!events_kinds_match("submission.*", "submissions.x"));
  CHECK(!events_kinds_match("a.b,", "a.c"));
  event_row pub = {.is_public = 1, .user_id = 5}, priv = {.is_public = 0, .user_id = 5},
            none = {.is_public = 0, .user_id = 0};
  CHECK(events_visible(&pub, 0, 0));
  CHECK(!events_visible(&priv, 0, 0));
  CHECK(!events_visible(&priv, 6, 0));
  CHECK(events_visible(&priv, 5, 0));
  CHECK(events_visible(&priv, 6, 1));
  CHECK(!events_visible(&none, 0, 0));
  CHECK(!events_visible(&none, 5, 0));
}

TEST(webhooks_crud_and_fanout_once) {
  arena a;
  arena_init(&a, 0);
  int64_t u = make_user(901), v = make_user(902);
  REQUIRE(u > 0 && v > 0);
  /* bring the fan-out's cursor to the present first */
  int scanned = 0, made = 0;
  do REQUIRE(store_webhooks_fanout(S, "test", "webhook.deliver", 3, 1000, &scanned, &made) == 0);
  while (scanned > 0);
  webhook w = {.user_id = u, .url = "http://example.test/h", .events = "submission.*,xp.awarded",
               .secret = "whsec_x"};
  CHECK_INT(store_webhook_create(S, &sys, &w), 0);
  CHECK(w.id > 0);
  usleep(2000); /* events are for webhooks created before them (ms clock) */
  REQUIRE(write_event("submission.approved", u, 0) > 0); /* u's own: delivered */
  REQUIRE(write_event("submission.approved", v, 0) > 0); /* v's private: not u's */
  REQUIRE(write_event("xp.awarded", v, 1) > 0);          /* public: delivered */
  REQUIRE(write_event("badge.awarded", u, 0) > 0);       /* not a listed kind */
  CHECK_INT(store_webhooks_fanout(S, "test", "webhook.deliver", 3, 1000, &scanned, &made), 0);
  CHECK(scanned >= 4);
  CHECK_INT(made, 2);
  CHECK_INT(store_webhooks_fanout(S, "test", "webhook.deliver", 3, 1000, &scanned, &made), 0);
  CHECK_INT(scanned, 0);
  CHECK_INT(made, 0);
  webhook *list;
  int n;
  store_page p = {0, 10};
  CHECK_INT(store_webhooks_list(S, &a, u, &p, &list, &n), 0);
  REQUIRE(n == 1);
  CHECK_STR(list[0].events, "submission.*,xp.awarded");
  CHECK_INT(store_webhook_update(S, &sys, w.id, NULL, "badge.awarded", 0), 0);
  webhook got;
  CHECK_INT(store_webhook_get(S, &a, w.id, &got), 0);
  CHECK_STR(got.events, "badge.awarded");
  CHECK_STR(got.url, "http://example.test/h");
  CHECK_INT(got.active, 0);
  REQUIRE(write_event("badge.awarded", u, 0) > 0);
  CHECK_INT(store_webhooks_fanout(S, "test", "webhook.deliver", 3, 1000, &scanned, &made), 0);
  CHECK_INT(made, 0); /* inactive */
  webhook_delivery d = {.webhook_id = w.id, .event_id = 1, .attempt = 1, .outcome = "failed",
                        .status = 500, .error = "status 500", .duration_ms = 3, .at = 1};
  CHECK_INT(store_webhook_delivery_add(S, &d), 0);
  webhook_delivery *log;
  CHECK_INT(store_webhook_deliveries(S, &a, w.id, &p, &log, &n), 0);
  REQUIRE(n == 1);
  CHECK_STR(log[0].outcome, "failed");
  CHECK_INT(log[0].status, 500);
  CHECK_INT(store_webhook_delete(S, &sys, w.id), 0);
  CHECK_INT(store_webhook_get(S, &a, w.id, &got), PHEME_DATA_NOT_FOUND);
  CHECK_INT(store_webhook_delete(S, &sys, w.id), PHEME_DATA_NOT_FOUND);
  arena_release(&a);
}

static void all_tests(void) {
  RUN(events_read_in_order_after_a_cursor);
  RUN(a_row_committed_late_is_not_skipped);
  RUN(concurrent_writers_lose_no_row);
  RUN(a_commit_with_an_event_wakes_the_listener);
  RUN(kind_lists_and_visibility);
  RUN(webhooks_crud_and_fanout_once);
}

int main(void) { return backends_main("test_events_read", all_tests); }
