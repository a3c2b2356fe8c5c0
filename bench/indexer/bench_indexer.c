/* The indexer's throughput (issue 5): a recorded chain of the suite's events served by a small
 * local JSON-RPC server, consumed through the real RPC client with every projection on, into a
 * fresh SQLite database; then the same log rows inserted plainly in batches into the same
 * database (another chain id), for the ratio; then a check that every projection is right.
 *
 * The chain is synthetic but valid: per block a fixed number of logs of the suite's contracts
 * (token transfers, stakes, badge mints, skill progress, votes, reputation scores, reward claims,
 * and at block 0 the initial mints and the proposals), topics and data ABI-encoded (each kind is
 * checked once against the event table's decoder before the run). The "recording" is the
 * rendered eth_getLogs / eth_getBlockByNumber answers: the server renders each answer from the
 * generated logs, byte for byte what a node would send.
 *
 *   bench_indexer [BLOCKS [LOGS_PER_BLOCK]]   defaults 10000 × 100 (1,000,000 logs)
 * BENCH_DUMP=file writes the index (store_chain_dump) there, to compare two programs' indexes.
 * Prints one line of key=value results. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "chain/events.h"
#include "chain/indexer.h"
#include "chain/rpcnode.h" /* tests/unit/chain: the scripted node's plumbing */
#include "core/log.h"
#include "core/util.h"
#include "eth/abi.h"
#include "store/chain_index.h"
#include "store/store.h"

#define CHAIN 31337
#define ACCOUNTS 1000
#define PROPOSALS 10
#define INITIAL "1000000000000000000000000" /* 1e24 per account at block 0 */

enum { K_TRANSFER, K_STAKED, K_BADGE, K_PROGRESS, K_VOTE, K_SCORE, K_CLAIM, K_PROPOSAL, K_MINT };

typedef struct {
  uint8_t kind;
  uint32_t a, b;     /* accounts / ids, per kind */
  uint64_t v1, v2, v3;
} glog;

static int nblocks, per_block;
static glog *logs;         /* every log, block by block */
static int64_t *first;     /* first[b] = index of block b's first log; first[nblocks] = total */
static char proposal_data[PROPOSALS][4096];

/* expected state */
static __int128 balance[ACCOUNTS];
static uint64_t stake[ACCOUNTS], claimed[ACCOUNTS], score[ACCOUNTS];
static int has_score[ACCOUNTS];
static uint64_t badge[ACCOUNTS][21];
static uint64_t tally[PROPOSALS][3], voters[PROPOSALS];

static uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

static void generate(void) {
  int64_t total = (int64_t)ACCOUNTS + PROPOSALS + (int64_t)(nblocks - 1) * per_block;
  logs = calloc((size_t)total, sizeof *logs);
  first = calloc((size_t)nblocks + 1, sizeof *first);
  if (!logs || !first) abort();
  int64_t n = 0;
  for (int i = 0; i < ACCOUNTS; i++) {
    logs[n++] = (glog){K_MINT, (uint32_t)i, 0, 0, 0, 0};
    balance[i] = (__int128)1000000 * 1000000 * 1000000 * 1000000; /* 1e24 */
  }
  for (int p = 0; p < PROPOSALS; p++) logs[n++] = (glog){K_PROPOSAL, (uint32_t)p, 0, 0, 0, 0};
  uint64_t voter = 0;
  for (int b = 1; b < nblocks; b++) {
    first[b] = n;
    for (int k = 0; k < per_block; k++) {
      uint64_t r = mix((uint64_t)b * 1000003u + (uint64_t)k);
      uint32_t a = (uint32_t)((r >> 8) % ACCOUNTS), c = (uint32_t)((r >> 20) % ACCOUNTS);
      uint64_t x = 1 + (r >> 32) % 1000;
      glog g = {0};
      switch (r % 10) {
        case 0: case 1: case 2: case 3:
          g = (glog){K_TRANSFER, a, c, x, 0, 0};
          balance[a] -= x;
          balance[c] += x;
          break;
        case 4:
          stake[a] += x;
          g = (glog){K_STAKED, a, 0, x, stake[a], 0};
          break;
        case 5: {
          uint32_t id = 1 + (uint32_t)((r >> 40) % 20);
          g = (glog){K_BADGE, a, id, 1 + x % 5, 0, 0};
          badge[a][id] += 1 + x % 5;
          break;
        }
        case 6:
          g = (glog){K_PROGRESS, a, 1 + (uint32_t)((r >> 40) % 30), x % 101, (r >> 16) % 100000, 0};
          break;
        case 7: {
          uint32_t p = (uint32_t)((r >> 40) % PROPOSALS);
          g = (glog){K_VOTE, p, (uint32_t)(voter++), x % 3, x * 1000, 0};
          tally[p][x % 3] += x * 1000;
          voters[p]++;
          break;
        }
        case 8:
          g = (glog){K_SCORE, a, (uint32_t)b, x % 101, 0, 0};
          score[a] = x % 101;
          has_score[a] = 1;
          break;
        default:
          claimed[a] += x;
          g = (glog){K_CLAIM, a, (uint32_t)b, x, claimed[a], 0};
      }
      logs[n++] = g;
    }
  }
  first[nblocks] = n;
}

/* ---- rendering ---- */

static const uint8_t *contract_addr(int c) {
  static uint8_t a[CC__COUNT][20];
  memset(a[c], 0, 20);
  a[c][19] = (uint8_t)(0x10 + c);
  return a[c];
}

static int contract_of(int kind) {
  switch (kind) {
    case K_TRANSFER: case K_MINT: return CC_TOKEN;
    case K_STAKED: return CC_STAKING;
    case K_BADGE: return CC_BADGES;
    case K_PROGRESS: return CC_SKILL_WALLET;
    case K_VOTE: case K_PROPOSAL: return CC_GOVERNOR;
    case K_SCORE: return CC_ORACLE;
    default: return CC_DISTRIBUTOR;
  }
}

static const char *const sigs[] = {
    [K_TRANSFER] = "Transfer", [K_MINT] = "Transfer", [K_STAKED] = "Staked",
    [K_BADGE] = "TransferSingle", [K_PROGRESS] = "SkillProgress", [K_VOTE] = "VoteCast",
    [K_SCORE] = "ScoreUpdated", [K_CLAIM] = "Claimed", [K_PROPOSAL] = "ProposalCreated"};

static const uint8_t *topic0(int kind) {
  static uint8_t t[16][32];
  static int done[16];
  if (!done[kind]) {
    int n;
    const chain_event *ev = chain_events(&n);
    for (int i = 0; i < n; i++)
      if (strcmp(ev[i].sig.name, sigs[kind]) == 0 && (ev[i].contracts & CC_BIT(contract_of(kind)))) {
        memcpy(t[kind], ev[i].topic, 32);
        done[kind] = 1;
      }
    if (!done[kind]) abort();
  }
  return t[kind];
}

typedef struct {
  char *p;
  size_t len, cap;
} out;

static void put(out *o, const char *s, size_t n) {
  if (o->len + n + 1 > o->cap) {
    o->cap = (o->len + n + 1) * 2;
    o->p = realloc(o->p, o->cap);
    if (!o->p) abort();
  }
  memcpy(o->p + o->len, s, n);
  o->len += n;
  o->p[o->len] = 0;
}
#define PUTS(o, s) put((o), (s), strlen(s))

static void put_word_u64(out *o, uint64_t v) {
  char w[65];
  snprintf(w, sizeof w, "%048d%016llx", 0, (unsigned long long)v);
  put(o, w, 64);
}

static void put_word_account(out *o, uint32_t i, int voter) {
  char w[65];
  /* 12 zero bytes, then the address: 0xabab…ab<i> or, for voters, 0xcdcd…cd<i> */
  snprintf(w, sizeof w, "%024d%s%08x", 0, voter ? "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd" : "abababababababababababababababab", i);
  put(o, w, 64);
}

static void put_hex(out *o, const uint8_t *p, size_t n) {
  char h[129];
  for (size_t i = 0; i < n; i += 64) {
    size_t k = n - i < 64 ? n - i : 64;
    bytes_to_hex(h, p + i, k);
    put(o, h, 2 * k);
  }
}

static void block_hash(out *o, int b) {
  char h[80];
  snprintf(h, sizeof h, "0x%016llx%048llx", 0xb10cULL, (unsigned long long)(b + 1));
  put(o, h, 66);
}

static void render_log(out *o, int b, int64_t idx, int k) {
  const glog *g = &logs[idx];
  PUTS(o, "{\"address\":\"0x");
  put_hex(o, contract_addr(contract_of(g->kind)), 20);
  PUTS(o, "\",\"topics\":[\"0x");
  put_hex(o, topic0(g->kind), 32);
  switch (g->kind) {
    case K_MINT:
    case K_TRANSFER:
      PUTS(o, "\",\"0x");
      if (g->kind == K_MINT) put_word_u64(o, 0);
      else put_word_account(o, g->a, 0);
      PUTS(o, "\",\"0x");
      put_word_account(o, g->kind == K_MINT ? g->a : g->b, 0);
      PUTS(o, "\"],\"data\":\"0x");
      if (g->kind == K_MINT) put(o, "00000000000000000000000000000000000000000000d3c21bcecceda1000000", 64);
      else put_word_u64(o, g->v1);
      break;
    case K_STAKED:
      PUTS(o, "\",\"0x");
      put_word_account(o, g->a, 0);
      PUTS(o, "\"],\"data\":\"0x");
      put_word_u64(o, g->v1);
      put_word_u64(o, g->v2);
      break;
    case K_BADGE:
      PUTS(o, "\",\"0x");
      put_word_account(o, 0, 0); /* operator */
      PUTS(o, "\",\"0x");
      put_word_u64(o, 0); /* from: a mint */
      PUTS(o, "\",\"0x");
      put_word_account(o, g->a, 0);
      PUTS(o, "\"],\"data\":\"0x");
      put_word_u64(o, g->b);
      put_word_u64(o, g->v1);
      break;
    case K_PROGRESS:
      PUTS(o, "\",\"0x");
      put_word_u64(o, g->a + 1);
      PUTS(o, "\",\"0x");
      put_word_u64(o, g->b);
      PUTS(o, "\"],\"data\":\"0x");
      put_word_u64(o, g->v1);
      put_word_u64(o, g->v2);
      break;
    case K_VOTE:
      PUTS(o, "\",\"0x");
      put_word_account(o, g->b, 1);
      PUTS(o, "\"],\"data\":\"0x");
      put_word_u64(o, 1000 + g->a);
      put_word_u64(o, g->v1);
      put_word_u64(o, g->v2);
      put_word_u64(o, 0x80); /* the reason: an empty string after the 4-word head */
      put_word_u64(o, 0);
      break;
    case K_SCORE:
      PUTS(o, "\",\"0x");
      put_word_account(o, g->a, 0);
      PUTS(o, "\",\"0x");
      put_word_u64(o, g->b);
      PUTS(o, "\"],\"data\":\"0x");
      put_word_u64(o, g->v1);
      break;
    case K_CLAIM:
      PUTS(o, "\",\"0x");
      put_word_account(o, g->a, 0);
      PUTS(o, "\",\"0x");
      put_word_u64(o, g->b);
      PUTS(o, "\"],\"data\":\"0x");
      put_word_u64(o, g->v1);
      put_word_u64(o, g->v2);
      break;
    case K_PROPOSAL:
      PUTS(o, "\"],\"data\":\"0x");
      PUTS(o, proposal_data[g->a]);
      break;
  }
  char tail[200];
  snprintf(tail, sizeof tail,
           "\",\"blockNumber\":\"0x%x\",\"transactionHash\":\"0x%032llx%032llx\","
           "\"transactionIndex\":\"0x%x\",\"logIndex\":\"0x%x\",\"removed\":false,\"blockHash\":\"",
           b, 0x7eULL, (unsigned long long)idx, k, k);
  PUTS(o, tail);
  block_hash(o, b);
  PUTS(o, "\"}");
}

static void render_header(out *o, int b) {
  char s[64];
  snprintf(s, sizeof s, "{\"number\":\"0x%x\",\"hash\":\"", b);
  PUTS(o, s);
  block_hash(o, b);
  PUTS(o, "\",\"parentHash\":\"");
  block_hash(o, b - 1);
  PUTS(o, "\",\"timestamp\":\"0x1\",\"transactions\":[]}");
}

static void encode_proposals(void) {
  arena a;
  arena_init(&a, 0);
  const abi_type *t;
  pheme_error err;
  const char *types = "(uint256,address,address[],uint256[],string[],bytes[],uint256,uint256,string)";
  if (abi_type_parse(&a, types, strlen(types), &t, &err)) abort();
  for (int p = 0; p < PROPOSALS; p++) {
    char id[24], desc[64];
    snprintf(id, sizeof id, "%d", 1000 + p);
    snprintf(desc, sizeof desc, "proposal %d: fund guild %d", p, p);
    json_t *v = json_pack("[s,s,[s],[s],[s],[s],s,s,s]", id, "0xabababababababababababababababab00000000",
                          "0x0000000000000000000000000000000000000010", "0", "", "0x", "2", "100000", desc);
    buf b;
    buf_init(&b, 1 << 16);
    if (abi_encode(&b, t, v, &err)) abort();
    bytes_to_hex(proposal_data[p], (const uint8_t *)b.data, b.len);
    buf_release(&b);
    json_decref(v);
  }
  arena_release(&a);
}

/* ---- the JSON-RPC server ---- */

static int srv_fd;
static atomic_int srv_stop;
static atomic_long srv_bytes, srv_requests;

static void answer_call(out *o, json_t *c) {
  const char *m = json_string_value(json_object_get(c, "method"));
  json_t *params = json_object_get(c, "params");
  char head[96];
  snprintf(head, sizeof head, "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":",
           (long long)json_integer_value(json_object_get(c, "id")));
  PUTS(o, head);
  uint64_t x = 0, y = 0;
  if (!m) m = "";
  if (strcmp(m, "eth_chainId") == 0) {
    PUTS(o, "\"0x7a69\"");
  } else if (strcmp(m, "eth_blockNumber") == 0) {
    snprintf(head, sizeof head, "\"0x%x\"", nblocks - 1);
    PUTS(o, head);
  } else if (strcmp(m, "eth_getBlockByNumber") == 0 &&
             !rpc_quantity_parse(json_string_value(json_array_get(params, 0)), &x) &&
             x < (uint64_t)nblocks) {
    render_header(o, (int)x);
  } else if (strcmp(m, "eth_getLogs") == 0 &&
             !rpc_quantity_parse(json_string_value(json_object_get(json_array_get(params, 0), "fromBlock")), &x) &&
             !rpc_quantity_parse(json_string_value(json_object_get(json_array_get(params, 0), "toBlock")), &y) &&
             x <= y && y < (uint64_t)nblocks) {
    put(o, "[", 1);
    int any = 0;
    for (int b = (int)x; b <= (int)y; b++)
      for (int64_t i = first[b]; i < first[b + 1]; i++) {
        if (any++) put(o, ",", 1);
        render_log(o, b, i, (int)(i - first[b]));
      }
    put(o, "]", 1);
  } else {
    PUTS(o, "null");
  }
  put(o, "}", 1);
}

static void *server_main(void *arg) {
  (void)arg;
  static char req[1 << 20];
  out o = {0};
  while (!atomic_load(&srv_stop)) {
    struct pollfd p = {.fd = srv_fd, .events = POLLIN};
    if (poll(&p, 1, 50) <= 0) continue;
    int fd = accept(srv_fd, NULL, NULL);
    if (fd < 0) continue;
    /* keep-alive: answer requests on this connection until the client closes it */
    for (;;) {
      char *body;
      if (rpcnode_read_request(fd, req, sizeof req, 0, &body) < 0) break;
      json_t *in = json_loads(body, 0, NULL);
      o.len = 0;
      if (json_is_array(in)) {
        put(&o, "[", 1);
        size_t i;
        json_t *c;
        json_array_foreach(in, i, c) {
          if (i) put(&o, ",", 1);
          answer_call(&o, c);
        }
        put(&o, "]", 1);
      } else {
        answer_call(&o, in);
      }
      json_decref(in);
      rpcnode_reply(fd, 200, o.p, o.len, 0);
      atomic_fetch_add(&srv_bytes, (long)o.len);
      atomic_fetch_add(&srv_requests, 1);
    }
    close(fd);
  }
  free(o.p);
  return NULL;
}

/* ---- checks ---- */

static int failures;

static void expect(int ok, const char *what, const char *key) {
  if (ok) return;
  if (failures++ < 10) fprintf(stderr, "bench: wrong projection %s %s\n", what, key);
}

static void dec128(char out_[48], __int128 v) {
  char t[48];
  int n = 0;
  do {
    t[n++] = (char)('0' + (int)(v % 10));
    v /= 10;
  } while (v);
  for (int i = 0; i < n; i++) out_[i] = t[n - 1 - i];
  out_[n] = 0;
}

static void check(store *st) {
  arena a;
  arena_init(&a, 0);
  char key[96], want[64];
  chain_entity e;
  for (int i = 0; i < ACCOUNTS; i++) {
    snprintf(key, sizeof key, "0xabababababababababababababababab%08x", i);
    dec128(want, balance[i]);
    expect(!store_chain_entity(st, &a, CHAIN, "token_balance", key, &e) && !strcmp(e.amount, want),
           "token_balance", key);
    snprintf(want, sizeof want, "%llu", (unsigned long long)stake[i]);
    int got = !store_chain_entity(st, &a, CHAIN, "stake", key, &e);
    expect(stake[i] ? got && !strcmp(e.amount, want) : !got, "stake", key);
    snprintf(want, sizeof want, "%llu", (unsigned long long)claimed[i]);
    got = !store_chain_entity(st, &a, CHAIN, "reward_total", key, &e);
    expect(claimed[i] ? got && !strcmp(e.amount, want) : !got, "reward_total", key);
    got = !store_chain_entity(st, &a, CHAIN, "reputation", key, &e);
    snprintf(want, sizeof want, "\"score\":\"%llu\"", (unsigned long long)score[i]);
    expect(has_score[i] ? got && strstr(e.data, want) != NULL : !got, "reputation", key);
    for (int id = 1; id <= 20; id++) {
      char bk[120];
      snprintf(bk, sizeof bk, "%s/%d", key, id);
      got = !store_chain_entity(st, &a, CHAIN, "badge_balance", bk, &e);
      snprintf(want, sizeof want, "%llu", (unsigned long long)badge[i][id]);
      expect(badge[i][id] ? got && !strcmp(e.amount, want) : !got, "badge_balance", bk);
    }
    arena_clear(&a);
  }
  for (int p = 0; p < PROPOSALS; p++) {
    snprintf(key, sizeof key, "%d", 1000 + p);
    int got = !store_chain_entity(st, &a, CHAIN, "proposal", key, &e);
    static const char *const names[3] = {"against", "for", "abstain"};
    for (int s = 0; s < 3 && got; s++) {
      snprintf(want, sizeof want, "\"%s\":\"%llu\"", names[s], (unsigned long long)tally[p][s]);
      if (tally[p][s]) expect(strstr(e.data, want) != NULL, "proposal tally", key);
    }
    snprintf(want, sizeof want, "\"voters\":%llu", (unsigned long long)voters[p]);
    expect(got && strstr(e.data, want) && strstr(e.data, "\"status\":\"created\""), "proposal", key);
  }
  /* skill progress: the last update of each (token, skill) wins */
  static uint64_t level[ACCOUNTS][31], xp[ACCOUNTS][31];
  static uint8_t seen[ACCOUNTS][31];
  for (int64_t i = 0; i < first[nblocks]; i++)
    if (logs[i].kind == K_PROGRESS) {
      level[logs[i].a][logs[i].b] = logs[i].v1;
      xp[logs[i].a][logs[i].b] = logs[i].v2;
      seen[logs[i].a][logs[i].b] = 1;
    }
  for (int i = 0; i < ACCOUNTS; i++)
    for (int s = 1; s <= 30; s++) {
      if (!seen[i][s]) continue;
      snprintf(key, sizeof key, "%d/%d", i + 1, s);
      char w2[64];
      snprintf(want, sizeof want, "\"level\":\"%llu\"", (unsigned long long)level[i][s]);
      snprintf(w2, sizeof w2, "\"xp\":\"%llu\"", (unsigned long long)xp[i][s]);
      expect(!store_chain_entity(st, &a, CHAIN, "wallet_skill", key, &e) && strstr(e.data, want) &&
                 strstr(e.data, w2),
             "wallet_skill", key);
      arena_clear(&a);
    }
  arena_release(&a);
}

/* Every kind of log, rendered, must decode through the event table to the generated values. */
static void validate_encodings(const indexer_options *o) {
  int kinds_seen = 0;
  for (int kind = 0; kind <= K_MINT; kind++) {
    int64_t idx = -1;
    for (int64_t i = 0; i < first[nblocks] && idx < 0; i++)
      if (logs[i].kind == kind) idx = i;
    if (idx < 0) continue;
    int b = 0;
    while (first[b + 1] <= idx) b++;
    out r = {0};
    put(&r, "[", 1);
    render_log(&r, b, idx, (int)(idx - first[b]));
    put(&r, "]", 1);
    json_t *v = json_loads(r.p, 0, NULL);
    arena a;
    arena_init(&a, 0);
    chain_log *l;
    int n;
    char why[240];
    json_t *args = NULL;
    const chain_event *ev = NULL;
    if (!v || indexer_parse_logs(v, o, 0, nblocks, &a, &l, &n, why, sizeof why) || n != 1 ||
        !(ev = chain_event_find(l->contract, l->topics[0])) ||
        chain_event_args(ev, l, &args, why, sizeof why)) {
      fprintf(stderr, "bench: generated log of kind %d does not decode: %s\n", kind, r.p);
      exit(1);
    }
    char *text = json_dumps(args, JSON_COMPACT);
    if (getenv("BENCH_VERBOSE")) fprintf(stderr, "%s %s\n", ev->sig.name, text);
    free(text);
    json_decref(args);
    json_decref(v);
    arena_release(&a);
    free(r.p);
    kinds_seen++;
  }
  if (kinds_seen < 9) {
    fprintf(stderr, "bench: only %d kinds of logs generated\n", kinds_seen);
    exit(1);
  }
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of the calling thread: on a machine shared with other work, the indexer's and the
 * reference's CPU seconds compare more steadily than their wall-clock seconds. */
static double cpu_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double base_cpu;

static store *open_db(const char *url) {
  char err[300];
  store_options so = {2, 10000, 0, NULL};
  store *st;
  int applied;
  if (store_open(&st, url, &so, err, sizeof err) || store_migrate(st, &applied, err, sizeof err)) {
    fprintf(stderr, "bench: %s\n", err);
    exit(1);
  }
  return st;
}

/* The same rows, inserted plainly: one transaction per range of `range` blocks, with the rows
 * rendered and parsed exactly as the indexer gets them (so the bytes match); only the inserts and
 * commits are timed. */
static double baseline(store *st, int range) {
  int won;
  if (store_chain_lease(st, 99, "baseline", 0, time_now_ms(), 3600000, &won) || !won) exit(1);
  indexer_options o;
  indexer_options_init(&o);
  o.chain_id = 99;
  for (int c = 0; c < CC__COUNT; c++) {
    memcpy(o.address[c], contract_addr(c), 20);
    o.present[c] = 1;
  }
  arena a;
  arena_init(&a, 0);
  double timed = 0;
  for (int from = 0; from < nblocks; from += range) {
    int to = from + range - 1 < nblocks - 1 ? from + range - 1 : nblocks - 1;
    out r = {0};
    put(&r, "[", 1);
    for (int b = from; b <= to; b++)
      for (int64_t i = first[b]; i < first[b + 1]; i++) {
        if (r.len > 1) put(&r, ",", 1);
        render_log(&r, b, i, (int)(i - first[b]));
      }
    put(&r, "]", 1);
    json_t *v = json_loads(r.p, 0, NULL);
    chain_log *l;
    int n;
    char why[240];
    if (!v || indexer_parse_logs(v, &o, from, to, &a, &l, &n, why, sizeof why)) exit(1);
    double t1 = now_s(), c1 = cpu_s();
    chain_unit *u;
    if (chain_unit_begin(st, &a, 99, "baseline", &u)) exit(1);
    for (int k = 0; k < n; k++) {
      int ins;
      if (chain_unit_log(u, l[k].block_hash, l[k].log_index, l[k].block_number, l[k].tx_hash,
                         l[k].address, (const uint8_t(*)[32])l[k].topics, l[k].ntopics, l[k].data,
                         l[k].n, &ins))
        exit(1);
    }
    if (chain_unit_commit(u)) exit(1);
    timed += now_s() - t1;
    base_cpu += cpu_s() - c1;
    json_decref(v);
    free(r.p);
    arena_clear(&a);
  }
  arena_release(&a);
  return timed;
}

int main(int argc, char **argv) {
  nblocks = argc > 1 ? atoi(argv[1]) : 10000;
  per_block = argc > 2 ? atoi(argv[2]) : 100;
  const char *db = getenv("BENCH_DB") ? getenv("BENCH_DB") : "/tmp/pheme-bench-indexer.db";
  int range = getenv("BENCH_RANGE") ? atoi(getenv("BENCH_RANGE")) : 100;
  if (nblocks < 2 || per_block < 1) return 2;
  log_init(LOG_WARN, 2);
  if (chain_events_init()) return 1;
  encode_proposals();
  generate();
  long long total = (long long)first[nblocks];

  indexer_options o;
  indexer_options_init(&o);
  o.chain_id = CHAIN;
  o.log_range = range;
  o.header_batch = 200;
  o.poll_ms = 10;
  for (int c = 0; c < CC__COUNT; c++) {
    memcpy(o.address[c], contract_addr(c), 20);
    o.present[c] = 1;
  }
  validate_encodings(&o);

  srv_fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t sl = sizeof sa;
  if (srv_fd < 0 || bind(srv_fd, (struct sockaddr *)&sa, sizeof sa) || listen(srv_fd, 8) ||
      getsockname(srv_fd, (struct sockaddr *)&sa, &sl))
    return 1;
  pthread_t th;
  if (pthread_create(&th, NULL, server_main, NULL)) return 1;
  char url[64];
  snprintf(url, sizeof url, "http://127.0.0.1:%d", ntohs(sa.sin_port));

  char dburl[300], rm[400];
  snprintf(rm, sizeof rm, "rm -f %s %s-wal %s-shm", db, db, db);
  if (system(rm)) return 1;
  snprintf(dburl, sizeof dburl, "sqlite:%s", db);
  store *st = open_db(dburl);
  rpc_options ro;
  rpc_options_init(&ro);
  ro.max_response_bytes = (size_t)64 << 20;
  indexer *ix = indexer_new(st, (const char *[]){url}, 1, &ro, &o);
  if (!ix) return 1;
  double t0 = now_s(), c0 = cpu_s();
  indexer_step_result r;
  pheme_err e = indexer_sync(ix, 10000000, &r);
  double index_s = now_s() - t0, index_cpu = cpu_s() - c0;
  if (e || r.state != INDEXER_IDLE || r.cursor != nblocks - 1) {
    fprintf(stderr, "bench: indexing failed (%s), state %d, cursor %lld\n", r.why, (int)r.state,
            (long long)r.cursor);
    return 1;
  }
  indexer_free(ix);
  atomic_store(&srv_stop, 1);
  pthread_join(th, NULL);
  close(srv_fd);

  if (getenv("BENCH_DUMP")) { /* store_chain_dump of the index, to compare two programs' */
    arena da;
    arena_init(&da, 0);
    char *d;
    FILE *f = fopen(getenv("BENCH_DUMP"), "w");
    if (!f || store_chain_dump(st, &da, CHAIN, &d) || fputs(d, f) < 0 || fclose(f)) {
      fprintf(stderr, "bench: cannot dump the index to %s\n", getenv("BENCH_DUMP"));
      return 1;
    }
    arena_release(&da);
  }
  double t1 = now_s();
  check(st);
  double check_s = now_s() - t1;
  double base_s = baseline(st, range);
  store_free(st);
  printf("logs=%lld blocks=%d range=%d index_s=%.2f events_per_s=%.0f baseline_insert_s=%.2f "
         "baseline_rows_per_s=%.0f ratio_to_plain_inserts=%.3f index_cpu_s=%.2f baseline_cpu_s=%.2f "
         "cpu_ratio_to_plain_inserts=%.3f served_mb=%.0f requests=%ld check_s=%.2f projections=%s\n",
         total, nblocks, range, index_s, (double)total / index_s, base_s, (double)total / base_s,
         ((double)total / index_s) / ((double)total / base_s), index_cpu, base_cpu, base_cpu / index_cpu,
         (double)atomic_load(&srv_bytes) / 1e6, atomic_load(&srv_requests), check_s,
         failures ? "WRONG" : "right");
  return failures ? 1 : 0;
}
