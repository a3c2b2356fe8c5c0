/* The event hub (jobs/fanout.h) on SQLite and PostgreSQL: live delivery in commit order with
 * kind and visibility filters, the wake after a commit, the poll for rows no commit of this
 * process announced, resuming from a cursor without a gap or a repeat, a slow subscriber dropped
 * while the others go on, heartbeats, and the stop. No timing is asserted: waits are bounded
 * only so a broken hub fails instead of hanging. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
#include "jobs/fanout.h"
#include "store/events.h"
#include "store/internal.h"
#include "test.h"
#include "backends.h"

static int64_t put_event(const char *kind, int64_t uid, int pub, int announce) {
  sx x;
  if (sx_write(S, NULL, &x)) return -1;
  int64_t id = -1;
  pheme_err e;
  if (announce) {
    e = sx_event(&x, kind, uid, pub, "", 0, "{\"n\":1}", time_now_ms());
  } else {
    /* as another process would: the row, and no wake of this process's hub */
    e = Q(&x, NULL, "INSERT INTO events (kind, user_id, public, data, at) VALUES ($1, $2, $3, '{}', $4)",
          dbv_text(kind), uid ? dbv_int(uid) : dbv_null(), dbv_int(pub), dbv_int(time_now_ms()));
  }
  db_result r;
  if (!e) e = Q0(&x, &r, "SELECT max(id) FROM events");
  if (!e) id = db_int(&r, 0, 0);
  if (sx_commit(&x)) id = -1;
  sx_end(&x);
  return id;
}

static int64_t make_user(int n) {
  arena a;
  arena_init(&a, 0);
  uint8_t ad[20] = {0xdd};
  ad[19] = (uint8_t)n;
  user u;
  int created;
  store_actor sys = {0, "test"};
  int64_t id = store_user_ensure(S, &a, &sys, ad, &u, &created) ? 0 : u.id;
  arena_release(&a);
  return id;
}

typedef struct {
  events_sub *sub;
  int64_t ids[256];
  char kinds[256][65];
  int n, heartbeats;
  const char *dropped;
  int notified;
} collector;

static void on_notify(void *ctx) { __atomic_add_fetch(&((collector *)ctx)->notified, 1, __ATOMIC_RELAXED); }

static void drain(collector *c) {
  events_msg *m[64];
  events_take t;
  do {
    t = events_sub_take(c->sub, m, 64);
    for (int i = 0; i < t.n; i++) {
      if (c->n < 256) {
        c->ids[c->n] = m[i]->id;
        snprintf(c->kinds[c->n], sizeof c->kinds[0], "%s", m[i]->kind);
        c->n++;
      }
      events_msg_release(m[i]);
    }
    c->heartbeats += t.heartbeat;
    if (t.dropped) c->dropped = t.dropped;
  } while (t.n > 0);
}

/* Waits (at most 20 s) until c has want messages. */
static void wait_for(collector *c, int want) {
  for (int i = 0; i < 20000 && c->n < want && !c->dropped; i++) {
    drain(c);
    if (c->n < want) usleep(1000);
  }
}

static events_hub *hub_start(int64_t poll_ms, int64_t heartbeat_ms) {
  char err[256];
  events_hub_options o = {poll_ms, heartbeat_ms, NULL, 0, NULL, 0};
  events_hub *h = events_hub_start(S, &o, err, sizeof err);
  if (!h) fprintf(stderr, "%s\n", err);
  return h;
}

static events_sub *sub(events_hub *h, collector *c, int64_t viewer, const char *kinds, int qmax,
                       const event_cursor *from) {
  memset(c, 0, sizeof *c);
  events_sub_options o = {viewer, 0, 0, kinds, qmax, on_notify, c};
  c->sub = events_hub_subscribe(h, &o, from);
  return c->sub;
}

TEST(live_events_in_order_filtered_and_woken_by_the_commit) {
  /* a poll of a minute: what arrives sooner came by the commit's wake */
  events_hub *h = hub_start(60000, 0);
  REQUIRE(h);
  int64_t u = make_user(1), v = make_user(2);
  collector all, mine, subs;
  REQUIRE(sub(h, &all, 0, NULL, 100, NULL));
  REQUIRE(sub(h, &mine, u, NULL, 100, NULL));
  REQUIRE(sub(h, &subs, u, "submission.*", 100, NULL));
  collector about_u; /* an admin following one person */
  memset(&about_u, 0, sizeof about_u);
  events_sub_options ao = {0, 1, u, NULL, 100, on_notify, &about_u};
  REQUIRE((about_u.sub = events_hub_subscribe(h, &ao, NULL)) != NULL);
  int64_t e1 = put_event("submission.approved", u, 0, 1); /* u's private */
  int64_t e2 = put_event("xp.awarded", v, 0, 1);          /* v's private */
  int64_t e3 = put_event("level.up", u, 1, 1);            /* public */
  int64_t e4 = put_event("submission.rejected", v, 1, 1); /* public */
  wait_for(&mine, 3);
  wait_for(&all, 2);
  wait_for(&subs, 2);
  REQUIRE(mine.n == 3);
  CHECK_INT(mine.ids[0], e1);
  CHECK_INT(mine.ids[1], e3);
  CHECK_INT(mine.ids[2], e4);
  REQUIRE(all.n == 2); /* anonymous: public only */
  CHECK_INT(all.ids[0], e3);
  CHECK_INT(all.ids[1], e4);
  wait_for(&about_u, 2);
  REQUIRE(about_u.n == 2); /* u's private and u's public, not v's */
  CHECK_INT(about_u.ids[0], e1);
  CHECK_INT(about_u.ids[1], e3);
  REQUIRE(subs.n == 2);
  CHECK_STR(subs.kinds[0], "submission.approved");
  CHECK_STR(subs.kinds[1], "submission.rejected");
  CHECK(mine.notified > 0);
  (void)e2;
  /* a kind list changed while subscribed */
  REQUIRE(events_sub_set_kinds(subs.sub, "level.up") == 0);
  put_event("submission.approved", u, 0, 1);
  int64_t e6 = put_event("level.up", u, 0, 1);
  wait_for(&subs, 3);
  REQUIRE(subs.n == 3);
  CHECK_INT(subs.ids[2], e6);
  events_hub_stats st;
  events_hub_stats_get(h, &st);
  CHECK_INT(st.subscribers, 4);
  events_sub_close(about_u.sub);
  CHECK(st.wakes > 0);
  events_sub_close(all.sub);
  events_sub_close(mine.sub);
  events_sub_close(subs.sub);
  events_hub_free(h);
}

TEST(rows_of_other_processes_come_by_the_poll) {
  events_hub *h = hub_start(20, 0);
  REQUIRE(h);
  collector c;
  REQUIRE(sub(h, &c, 0, "other.*", 100, NULL));
  int64_t id = put_event("other.process", 0, 1, 0);
  wait_for(&c, 1);
  REQUIRE(c.n == 1);
  CHECK_INT(c.ids[0], id);
  events_sub_close(c.sub);
  events_hub_free(h);
}

TEST(a_resumed_subscriber_gets_the_rest_then_live_without_gap_or_repeat) {
  event_cursor start;
  REQUIRE(store_events_head(S, &start) == 0);
  int64_t ids[8];
  for (int i = 0; i < 6; i++) ids[i] = put_event("resume.x", 0, 1, 1);
  events_hub *h = hub_start(60000, 0);
  REQUIRE(h);
  event_cursor from;
  REQUIRE(store_events_cursor_of(S, ids[1], &from) == 0);
  collector c;
  /* a queue of 2: the replay goes at the pace the subscriber takes, it is not dropped */
  REQUIRE(sub(h, &c, 0, "resume.*", 2, &from));
  wait_for(&c, 4);
  ids[6] = put_event("resume.x", 0, 1, 1);
  ids[7] = put_event("resume.x", 0, 1, 1);
  wait_for(&c, 6);
  CHECK(!c.dropped);
  REQUIRE(c.n == 6);
  for (int i = 0; i < 6; i++) CHECK_INT(c.ids[i], ids[i + 2]);
  usleep(20000);
  drain(&c);
  CHECK_INT(c.n, 6);
  events_sub_close(c.sub);
  events_hub_free(h);
}

TEST(a_slow_subscriber_is_dropped_and_the_others_go_on) {
  events_hub *h = hub_start(60000, 0);
  REQUIRE(h);
  collector slow, fast;
  REQUIRE(sub(h, &slow, 0, "slow.*", 3, NULL));
  REQUIRE(sub(h, &fast, 0, "slow.*", 100, NULL));
  for (int i = 0; i < 10; i++) {
    put_event("slow.x", 0, 1, 1);
    wait_for(&fast, i + 1);
  }
  CHECK_INT(fast.n, 10);
  CHECK(!fast.dropped);
  drain(&slow);
  REQUIRE(slow.dropped != NULL);
  CHECK(strstr(slow.dropped, "too slow") != NULL);
  CHECK(slow.n <= 3);
  events_hub_stats st;
  events_hub_stats_get(h, &st);
  CHECK_INT(st.dropped, 1);
  events_sub_close(slow.sub);
  events_sub_close(fast.sub);
  events_hub_free(h);
}

TEST(heartbeats_and_the_stop_reach_subscribers) {
  events_hub *h = hub_start(60000, 10);
  REQUIRE(h);
  collector c;
  REQUIRE(sub(h, &c, 0, NULL, 10, NULL));
  for (int i = 0; i < 20000 && c.heartbeats < 2; i++) {
    drain(&c);
    usleep(1000);
  }
  CHECK(c.heartbeats >= 2);
  events_hub_stop(h);
  drain(&c);
  REQUIRE(c.dropped != NULL);
  CHECK_STR(c.dropped, "the server is stopping");
  collector late;
  CHECK(sub(h, &late, 0, NULL, 10, NULL) == NULL);
  events_sub_close(c.sub);
  events_hub_free(h);
}

/* Many subscribers: the wake-ups of one cycle are shared with notifier threads. */
TEST(many_subscribers_woken_by_notifier_threads) {
  char err[256];
  events_hub_options o = {60000, 0, NULL, 0, NULL, 3};
  events_hub *h = events_hub_start(S, &o, err, sizeof err);
  REQUIRE(h);
  enum { N = 600 };
  collector *c = calloc(N, sizeof *c);
  REQUIRE(c);
  for (int i = 0; i < N; i++) REQUIRE(sub(h, &c[i], 0, "many.*", 4, NULL));
  int64_t id = put_event("many.x", 0, 1, 1);
  int woken = 0;
  for (int i = 0; i < N; i++) {
    wait_for(&c[i], 1);
    for (int k = 0; k < 20000 && !__atomic_load_n(&c[i].notified, __ATOMIC_RELAXED); k++) usleep(1000);
    woken += __atomic_load_n(&c[i].notified, __ATOMIC_RELAXED) > 0;
    CHECK(c[i].n == 1 && c[i].ids[0] == id);
  }
  CHECK_INT(woken, N);
  for (int i = 0; i < N; i++) events_sub_close(c[i].sub);
  free(c);
  events_hub_free(h);
}

static void all_tests(void) {
  RUN(many_subscribers_woken_by_notifier_threads);
  RUN(live_events_in_order_filtered_and_woken_by_the_commit);
  RUN(rows_of_other_processes_come_by_the_poll);
  RUN(a_resumed_subscriber_gets_the_rest_then_live_without_gap_or_repeat);
  RUN(a_slow_subscriber_is_dropped_and_the_others_go_on);
  RUN(heartbeats_and_the_stop_reach_subscribers);
}

int main(void) { return backends_main("test_fanout", all_tests); }
