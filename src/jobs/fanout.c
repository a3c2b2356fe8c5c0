/* The event hub: one dispatcher thread, a list of subscribers with bounded queues (fanout.h).
 *
 * The hub keeps a cursor in commit order (store/events.h) and reads pages of new rows after it.
 * Under its lock it first replays table rows to subscribers that resumed from an older cursor
 * (up to the hub's cursor, as far as their queues have room), then gives the new page to the
 * subscribers that are live, then moves its cursor: a subscriber sees each row once, in order,
 * whether it came from the table or live. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/jsonw.h"
#include "core/log.h"
#include "core/util.h"
#include "jobs/fanout.h"
#include "core/banned.h"

#define HUB_PAGE 500
#define REPLAY_PAGE 256
#define NOTIFY_PARALLEL_MIN 256 /* fewer subscribers to wake than this: the hub wakes them alone */

struct events_sub {
  events_hub *h;
  events_sub *prev, *next; /* the hub's list, under h->mu */
  pthread_mutex_t mu;      /* the queue and the flags below */
  events_msg **q;
  int cap, head, len; /* the ring: cap grows (doubling) up to max as it fills */
  int max;
  int heartbeat;
  const char *dropped;
  char why[160];
  /* under h->mu */
  int64_t viewer, person;
  int admin;
  char kinds[EVENTS_KINDS_MAX + 1];
  int replaying;
  event_cursor cur;
  void (*notify)(void *ctx);
  void *ctx;
};

struct events_hub {
  store *s;
  events_hub_options o;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  pthread_t thread;
  int started, running, woken;
  int wake_later; /* atomic: a wake asked while the lock was held (events_sub_take) */
  event_cursor cur;
  events_sub *subs;
  int nsubs;
  int64_t next_heartbeat, next_poll;
  /* the notifiers: threads that share the wake-ups of one cycle with the hub's thread (an SSE
   * wake is a write to a socket: 10,000 of them are worth more than one core) */
  int nthreads;
  pthread_t notifier[EVENTS_NOTIFY_THREADS_MAX];
  pthread_mutex_t nmu;
  pthread_cond_t ncv, ndone;
  events_sub **wake; /* this cycle's subscribers to notify (under mu) */
  int nwake, wake_cap;
  unsigned ngen;     /* under nmu: a new list to share out */
  int npending, nrunning;
  /* counters (atomic) */
  uint64_t events_read, delivered, dropped, wakes, polls, replayed, webhook_jobs;
  int64_t lag_ms;
};

void events_msg_release(events_msg *m) {
  if (m && __atomic_sub_fetch(&m->refs, 1, __ATOMIC_ACQ_REL) == 0) free(m);
}

events_msg *events_msg_make(const event_row *e) {
  buf b;
  jw w;
  buf_init(&b, 1 << 20);
  jw_init(&w, &b);
  jw_obj(&w);
  jw_key(&w, "id");
  jw_int(&w, e->id);
  jw_key(&w, "kind");
  jw_str(&w, e->kind);
  jw_key(&w, "public");
  jw_bool(&w, e->is_public);
  jw_key(&w, "userId");
  if (e->user_id) jw_int(&w, e->user_id);
  else jw_null(&w);
  jw_key(&w, "subject");
  if (e->subject_type && e->subject_type[0]) {
    jw_obj(&w);
    jw_key(&w, "type");
    jw_str(&w, e->subject_type);
    jw_key(&w, "id");
    jw_int(&w, e->subject_id);
    jw_end(&w);
  } else {
    jw_null(&w);
  }
  jw_key(&w, "data");
  jw_raw(&w, e->data, "{}");
  jw_key(&w, "at");
  jw_time(&w, e->at);
  jw_end(&w);
  events_msg *m = NULL;
  if (!w.err && (m = malloc(sizeof *m + b.len + 1))) {
    m->refs = 1;
    m->id = e->id;
    m->txid = e->txid;
    m->user_id = e->user_id;
    m->is_public = e->is_public;
    snprintf(m->kind, sizeof m->kind, "%s", e->kind);
    memcpy(m->json, b.data, b.len);
    m->json[b.len] = 0;
    m->json_len = b.len;
  }
  buf_release(&b);
  return m;
}

static int cursor_after(const event_cursor *a, const event_cursor *b) {
  return a->txid > b->txid || (a->txid == b->txid && a->id > b->id);
}

static int sub_wants(const events_sub *s, const events_msg *m) {
  event_row e = {.user_id = m->user_id, .is_public = m->is_public};
  return events_visible(&e, s->viewer, s->admin) && (!s->person || m->user_id == s->person) &&
         events_kinds_match(s->kinds, m->kind);
}

/* Marks s dropped (under s->mu). */
static void sub_drop_locked(events_sub *s, const char *why) {
  if (s->dropped) return;
  snprintf(s->why, sizeof s->why, "%s", why);
  s->dropped = s->why;
  for (int i = 0; i < s->len; i++) events_msg_release(s->q[(s->head + i) % s->cap]);
  s->len = 0;
}

/* Queues m for s; a full queue drops s. Returns 1 when queued, 0 when dropped (now or before). */
static int sub_push(events_hub *h, events_sub *s, events_msg *m) {
  pthread_mutex_lock(&s->mu);
  int ok = 0;
  if (!s->dropped) {
    if (s->len == s->cap && s->cap < s->max) {
      /* grow the ring (an idle subscriber holds a small one): unwrap it into a larger array */
      int ncap = s->cap * 2 < s->max ? s->cap * 2 : s->max;
      events_msg **nq = malloc(sizeof *nq * (size_t)ncap);
      if (nq) {
        for (int i = 0; i < s->len; i++) nq[i] = s->q[(s->head + i) % s->cap];
        free(s->q);
        s->q = nq;
        s->cap = ncap;
        s->head = 0;
      }
    }
    if (s->len == s->cap) {
      char why[160];
      snprintf(why, sizeof why, "too slow: %d events were waiting for this subscriber (its limit)", s->max);
      sub_drop_locked(s, why);
      __atomic_add_fetch(&h->dropped, 1, __ATOMIC_RELAXED);
    } else {
      __atomic_add_fetch(&m->refs, 1, __ATOMIC_RELAXED);
      s->q[(s->head + s->len) % s->cap] = m;
      s->len++;
      ok = 1;
    }
  }
  pthread_mutex_unlock(&s->mu);
  return ok;
}

static int sub_room(events_sub *s) {
  pthread_mutex_lock(&s->mu);
  int room = s->dropped ? 0 : s->max - s->len;
  pthread_mutex_unlock(&s->mu);
  return room;
}

/* Replays table rows after s->cur up to the hub's cursor, as far as s has room (under h->mu).
 * Returns 1 when it queued something. */
static int sub_replay(events_hub *h, events_sub *s) {
  int queued = 0;
  arena a;
  arena_init(&a, 0);
  while (s->replaying) {
    int room = sub_room(s);
    if (room <= 0) break;
    if (!cursor_after(&h->cur, &s->cur)) {
      __atomic_store_n(&s->replaying, 0, __ATOMIC_RELAXED); /* caught up: live from the next page */
      break;
    }
    arena_clear(&a);
    event_row *ev;
    int n = 0;
    if (store_events_after(h->s, &a, &s->cur, room < REPLAY_PAGE ? room : REPLAY_PAGE, &ev, &n)) break;
    if (n == 0) {
      __atomic_store_n(&s->replaying, 0, __ATOMIC_RELAXED);
      break;
    }
    for (int i = 0; i < n && s->replaying; i++) {
      event_cursor c = {ev[i].txid, ev[i].id};
      if (cursor_after(&c, &h->cur)) {
        __atomic_store_n(&s->replaying, 0, __ATOMIC_RELAXED); /* the rest comes live */
        break;
      }
      s->cur = c;
      events_msg *m = NULL;
      event_row *e = &ev[i];
      if (events_visible(e, s->viewer, s->admin) && (!s->person || e->user_id == s->person) &&
          events_kinds_match(s->kinds, e->kind) &&
          (m = events_msg_make(e))) {
        queued |= sub_push(h, s, m);
        __atomic_add_fetch(&h->replayed, 1, __ATOMIC_RELAXED);
        events_msg_release(m);
      }
    }
  }
  arena_release(&a);
  return queued;
}

/* Adds s to this cycle's list of subscribers to notify (under h->mu); notifies it at once when
 * the list cannot grow. */
static void wake_add(events_hub *h, events_sub *s) {
  if (h->nwake == h->wake_cap) {
    int cap = h->wake_cap ? h->wake_cap * 2 : 64;
    events_sub **w = realloc(h->wake, sizeof *w * (size_t)cap);
    if (!w) {
      s->notify(s->ctx);
      return;
    }
    h->wake = w;
    h->wake_cap = cap;
  }
  h->wake[h->nwake++] = s;
}

/* Notifies stripe k of nstripes of the cycle's list. */
static void notify_stripe(events_hub *h, int k, int nstripes) {
  for (int i = k; i < h->nwake; i += nstripes) h->wake[i]->notify(h->wake[i]->ctx);
}

static void *notifier_main(void *arg) {
  events_hub *h = arg;
  pthread_mutex_lock(&h->nmu);
  int k = h->nrunning++; /* this thread's stripe is k + 1 (the hub's thread takes 0) */
  unsigned seen = h->ngen;
  pthread_cond_signal(&h->ndone); /* events_hub_start waits until every notifier is here */
  for (;;) {
    while (h->ngen == seen && h->running) pthread_cond_wait(&h->ncv, &h->nmu);
    if (!h->running) break;
    seen = h->ngen;
    pthread_mutex_unlock(&h->nmu);
    notify_stripe(h, k + 1, h->nthreads + 1);
    pthread_mutex_lock(&h->nmu);
    if (--h->npending == 0) pthread_cond_signal(&h->ndone);
  }
  pthread_mutex_unlock(&h->nmu);
  return NULL;
}

/* Notifies the cycle's list (under h->mu, so none of them can be closed meanwhile), shared with
 * the notifier threads when it is long, then empties it. */
static void notify_all(events_hub *h) {
  if (h->nthreads == 0 || h->nwake < NOTIFY_PARALLEL_MIN) {
    notify_stripe(h, 0, 1);
  } else {
    pthread_mutex_lock(&h->nmu);
    h->npending = h->nthreads;
    h->ngen++;
    pthread_cond_broadcast(&h->ncv);
    pthread_mutex_unlock(&h->nmu);
    notify_stripe(h, 0, h->nthreads + 1);
    pthread_mutex_lock(&h->nmu);
    while (h->npending > 0) pthread_cond_wait(&h->ndone, &h->nmu);
    pthread_mutex_unlock(&h->nmu);
  }
  h->nwake = 0;
}

static void hub_cycle(events_hub *h, int64_t now) {
  arena a;
  arena_init(&a, 0);
  event_row *ev = NULL;
  int n = 0;
  pthread_mutex_lock(&h->mu);
  event_cursor from = h->cur;
  pthread_mutex_unlock(&h->mu);
  if (store_events_after(h->s, &a, &from, HUB_PAGE, &ev, &n)) {
    log_warn("event hub: reading events failed; retrying at the next poll");
    n = 0;
  }
  events_msg **msgs = n ? calloc((size_t)n, sizeof *msgs) : NULL;
  for (int i = 0; i < n && msgs; i++) msgs[i] = events_msg_make(&ev[i]);
  pthread_mutex_lock(&h->mu);
  int heartbeat = h->o.heartbeat_ms > 0 && now >= h->next_heartbeat;
  if (heartbeat) h->next_heartbeat = now + h->o.heartbeat_ms;
  for (events_sub *s = h->subs; s; s = s->next) {
    int wake = s->replaying ? sub_replay(h, s) : 0;
    for (int i = 0; i < n && !s->replaying; i++) {
      if (!msgs || !msgs[i] || !sub_wants(s, msgs[i])) continue;
      if (sub_push(h, s, msgs[i])) __atomic_add_fetch(&h->delivered, 1, __ATOMIC_RELAXED);
      wake = 1;
    }
    if (heartbeat) {
      pthread_mutex_lock(&s->mu);
      s->heartbeat = 1;
      pthread_mutex_unlock(&s->mu);
      wake = 1;
    }
    if (wake && s->notify) wake_add(h, s);
  }
  notify_all(h);
  if (n) {
    h->cur.txid = ev[n - 1].txid;
    h->cur.id = ev[n - 1].id;
    __atomic_add_fetch(&h->events_read, (uint64_t)n, __ATOMIC_RELAXED);
    __atomic_store_n(&h->lag_ms, time_now_ms() - ev[n - 1].at, __ATOMIC_RELAXED);
  }
  if (n == HUB_PAGE) h->woken = 1; /* more to read */
  pthread_mutex_unlock(&h->mu);
  for (int i = 0; i < n && msgs; i++) events_msg_release(msgs[i]);
  free(msgs);
  arena_release(&a);
  if (h->o.webhook_job) {
    int scanned = 0, made = 0, rounds = 0;
    do {
      if (store_webhooks_fanout(h->s, "webhooks", h->o.webhook_job, h->o.webhook_attempts, HUB_PAGE,
                                &scanned, &made)) {
        log_warn("event hub: the webhook fan-out failed; retrying at the next poll");
        break;
      }
      __atomic_add_fetch(&h->webhook_jobs, (uint64_t)made, __ATOMIC_RELAXED);
    } while (scanned == HUB_PAGE && ++rounds < 20);
  }
}

static void *hub_main(void *arg) {
  events_hub *h = arg;
  pthread_mutex_lock(&h->mu);
  while (h->running) {
    if (__atomic_exchange_n(&h->wake_later, 0, __ATOMIC_ACQ_REL)) h->woken = 1;
    int64_t now = time_now_ms();
    int64_t until = h->next_poll;
    if (h->o.heartbeat_ms > 0 && h->next_heartbeat < until) until = h->next_heartbeat;
    if (!h->woken && now < until) {
      struct timespec ts;
      clock_gettime(CLOCK_REALTIME, &ts);
      int64_t wait = until - now;
      ts.tv_sec += wait / 1000;
      ts.tv_nsec += (long)(wait % 1000) * 1000000L;
      if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
      }
      pthread_cond_timedwait(&h->cv, &h->mu, &ts);
      continue; /* re-check running, woken and the clock */
    }
    if (h->woken) __atomic_add_fetch(&h->wakes, 1, __ATOMIC_RELAXED);
    else __atomic_add_fetch(&h->polls, 1, __ATOMIC_RELAXED);
    h->woken = 0;
    h->next_poll = now + h->o.poll_ms;
    pthread_mutex_unlock(&h->mu);
    hub_cycle(h, now);
    pthread_mutex_lock(&h->mu);
  }
  pthread_mutex_unlock(&h->mu);
  return NULL;
}

void events_hub_wake(events_hub *h) {
  pthread_mutex_lock(&h->mu);
  h->woken = 1;
  pthread_cond_signal(&h->cv);
  pthread_mutex_unlock(&h->mu);
}

static void hub_on_commit(void *ctx) { events_hub_wake(ctx); }

events_hub *events_hub_start(store *s, const events_hub_options *o, char *err, size_t errlen) {
  events_hub *h = calloc(1, sizeof *h);
  if (!h) {
    snprintf(err, errlen, "out of memory for the event hub");
    return NULL;
  }
  h->s = s;
  h->o = *o;
  if (h->o.poll_ms < 10) h->o.poll_ms = 10;
  if (h->o.poll_ms > 60000) h->o.poll_ms = 60000;
  pthread_mutex_init(&h->mu, NULL);
  pthread_cond_init(&h->cv, NULL);
  pthread_mutex_init(&h->nmu, NULL);
  pthread_cond_init(&h->ncv, NULL);
  pthread_cond_init(&h->ndone, NULL);
  if (store_events_head(s, &h->cur)) {
    snprintf(err, errlen, "the event hub could not read where the events end");
    events_hub_free(h);
    return NULL;
  }
  int64_t now = time_now_ms();
  h->next_poll = now + h->o.poll_ms;
  h->next_heartbeat = now + h->o.heartbeat_ms;
  h->running = 1;
  if (pthread_create(&h->thread, NULL, hub_main, h)) {
    snprintf(err, errlen, "could not start the event hub's thread");
    h->running = 0;
    events_hub_free(h);
    return NULL;
  }
  h->started = 1;
  int want = o->notify_threads < 0 ? 0 : o->notify_threads > EVENTS_NOTIFY_THREADS_MAX ? EVENTS_NOTIFY_THREADS_MAX : o->notify_threads;
  pthread_mutex_lock(&h->nmu);
  for (int i = 0; i < want; i++) {
    if (pthread_create(&h->notifier[i], NULL, notifier_main, h)) break;
    h->nthreads++;
  }
  while (h->nrunning < h->nthreads) pthread_cond_wait(&h->ndone, &h->nmu);
  pthread_mutex_unlock(&h->nmu);
  store_events_listen(s, hub_on_commit, h);
  if (o->metrics && metrics_register(o->metrics, events_hub_metrics_collect, h))
    log_warn("the metrics registry is full: the event hub's metrics are not shown");
  return h;
}

void events_hub_stop(events_hub *h) {
  if (!h) return;
  store_events_listen(h->s, NULL, NULL);
  pthread_mutex_lock(&h->mu);
  int was = h->running;
  h->running = 0;
  pthread_cond_signal(&h->cv);
  for (events_sub *s = h->subs; s; s = s->next) {
    pthread_mutex_lock(&s->mu);
    sub_drop_locked(s, "the server is stopping");
    pthread_mutex_unlock(&s->mu);
    if (s->notify) s->notify(s->ctx);
  }
  pthread_mutex_unlock(&h->mu);
  if (was && h->started) pthread_join(h->thread, NULL);
  h->started = 0;
  pthread_mutex_lock(&h->nmu);
  pthread_cond_broadcast(&h->ncv); /* they see running = 0 */
  pthread_mutex_unlock(&h->nmu);
  for (int i = 0; i < h->nthreads; i++) pthread_join(h->notifier[i], NULL);
  h->nthreads = 0;
}

void events_hub_free(events_hub *h) {
  if (!h) return;
  events_hub_stop(h);
  if (h->o.metrics) metrics_unregister(h->o.metrics, events_hub_metrics_collect, h);
  pthread_mutex_destroy(&h->mu);
  pthread_cond_destroy(&h->cv);
  pthread_mutex_destroy(&h->nmu);
  pthread_cond_destroy(&h->ncv);
  pthread_cond_destroy(&h->ndone);
  free(h->wake);
  free(h);
}

static int kinds_copy(char dst[EVENTS_KINDS_MAX + 1], const char *kinds) {
  if (!kinds) kinds = "";
  size_t n = strlen(kinds);
  if (n > EVENTS_KINDS_MAX) return -1;
  memcpy(dst, kinds, n + 1);
  return 0;
}

events_sub *events_hub_subscribe(events_hub *h, const events_sub_options *o, const event_cursor *from) {
  if (o->queue_max < 1 || o->queue_max > EVENTS_QUEUE_MAX) return NULL;
  events_sub *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  int first = o->queue_max < 8 ? o->queue_max : 8;
  if (kinds_copy(s->kinds, o->kinds) || !(s->q = malloc(sizeof *s->q * (size_t)first))) {
    free(s);
    return NULL;
  }
  s->h = h;
  s->cap = first;
  s->max = o->queue_max;
  s->viewer = o->viewer;
  s->person = o->person;
  s->admin = o->admin;
  s->notify = o->notify;
  s->ctx = o->ctx;
  pthread_mutex_init(&s->mu, NULL);
  pthread_mutex_lock(&h->mu);
  if (!h->running) {
    pthread_mutex_unlock(&h->mu);
    pthread_mutex_destroy(&s->mu);
    free(s->q);
    free(s);
    return NULL;
  }
  if (from && cursor_after(&h->cur, from)) {
    s->cur = *from;
    s->replaying = 1;
    h->woken = 1;
    pthread_cond_signal(&h->cv);
  }
  s->next = h->subs;
  if (h->subs) h->subs->prev = s;
  h->subs = s;
  h->nsubs++;
  pthread_mutex_unlock(&h->mu);
  return s;
}

int events_sub_set_kinds(events_sub *s, const char *kinds) {
  char k[EVENTS_KINDS_MAX + 1];
  if (kinds_copy(k, kinds)) return -1;
  pthread_mutex_lock(&s->h->mu);
  memcpy(s->kinds, k, sizeof k);
  pthread_mutex_unlock(&s->h->mu);
  return 0;
}

events_take events_sub_take(events_sub *s, events_msg **out, int max) {
  events_take t = {0, 0, NULL};
  pthread_mutex_lock(&s->mu);
  while (t.n < max && s->len > 0) {
    out[t.n++] = s->q[s->head];
    s->head = (s->head + 1) % s->cap;
    s->len--;
  }
  t.heartbeat = s->heartbeat;
  s->heartbeat = 0;
  t.dropped = s->len == 0 ? s->dropped : NULL;
  pthread_mutex_unlock(&s->mu);
  /* a resumed subscriber waits for room: tell the hub there is some. A take may run inside the
   * subscriber's notify, under the hub's lock: then the hub finds the flag before it sleeps */
  if (t.n > 0 && __atomic_load_n(&s->replaying, __ATOMIC_RELAXED)) {
    events_hub *h = s->h;
    __atomic_store_n(&h->wake_later, 1, __ATOMIC_RELEASE);
    if (pthread_mutex_trylock(&h->mu) == 0) {
      h->woken = 1;
      pthread_cond_signal(&h->cv);
      pthread_mutex_unlock(&h->mu);
    }
  }
  return t;
}

void events_sub_close(events_sub *s) {
  if (!s) return;
  events_hub *h = s->h;
  pthread_mutex_lock(&h->mu);
  if (s->prev) s->prev->next = s->next;
  else h->subs = s->next;
  if (s->next) s->next->prev = s->prev;
  h->nsubs--;
  pthread_mutex_unlock(&h->mu);
  for (int i = 0; i < s->len; i++) events_msg_release(s->q[(s->head + i) % s->cap]);
  pthread_mutex_destroy(&s->mu);
  free(s->q);
  free(s);
}

void events_hub_stats_get(events_hub *h, events_hub_stats *out) {
  pthread_mutex_lock(&h->mu);
  out->subscribers = h->nsubs;
  pthread_mutex_unlock(&h->mu);
  out->events_read = __atomic_load_n(&h->events_read, __ATOMIC_RELAXED);
  out->delivered = __atomic_load_n(&h->delivered, __ATOMIC_RELAXED);
  out->dropped = __atomic_load_n(&h->dropped, __ATOMIC_RELAXED);
  out->wakes = __atomic_load_n(&h->wakes, __ATOMIC_RELAXED);
  out->polls = __atomic_load_n(&h->polls, __ATOMIC_RELAXED);
  out->replayed = __atomic_load_n(&h->replayed, __ATOMIC_RELAXED);
  out->webhook_jobs = __atomic_load_n(&h->webhook_jobs, __ATOMIC_RELAXED);
  out->lag_ms = __atomic_load_n(&h->lag_ms, __ATOMIC_RELAXED);
}

void events_hub_metrics_collect(metrics_writer *w, void *hub) {
  events_hub_stats st;
  events_hub_stats_get(hub, &st);
  mw_family(w, "pheme_events_subscribers", METRIC_GAUGE, "Event subscribers (SSE, WebSocket, GraphQL) of this process.");
  mw_i64(w, NULL, st.subscribers);
  mw_family(w, "pheme_events_read_total", METRIC_COUNTER, "Event rows the hub read from the outbox.");
  mw_u64(w, NULL, st.events_read);
  mw_family(w, "pheme_events_delivered_total", METRIC_COUNTER, "Events queued to subscribers (one per subscriber).");
  mw_u64(w, NULL, st.delivered);
  mw_family(w, "pheme_events_replayed_total", METRIC_COUNTER, "Events replayed from the table to resuming subscribers.");
  mw_u64(w, NULL, st.replayed);
  mw_family(w, "pheme_events_dropped_subscribers_total", METRIC_COUNTER, "Subscribers dropped because their queue was full.");
  mw_u64(w, NULL, st.dropped);
  mw_family(w, "pheme_events_hub_cycles_total", METRIC_COUNTER, "Reads of the outbox, by cause.");
  mw_u64(w, (const char *[]){"cause", "wake", NULL}, st.wakes);
  mw_u64(w, (const char *[]){"cause", "poll", NULL}, st.polls);
  mw_family(w, "pheme_events_webhook_jobs_total", METRIC_COUNTER, "Webhook delivery jobs the fan-out enqueued.");
  mw_u64(w, NULL, st.webhook_jobs);
  mw_family(w, "pheme_events_lag_seconds", METRIC_GAUGE, "Age of the newest event at its dispatch.");
  mw_f64(w, NULL, (double)st.lag_ms / 1000.0);
}
