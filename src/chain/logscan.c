/* The fast reader of eth_getLogs answers; see logscan.h.
 *
 * Every rule here is the checked way's (rpc.c's envelope, indexer.c's indexer_parse_logs) or
 * stricter: whatever is not certainly accepted there is declined here, never refused, so the
 * checked way stays the only one that words a refusal. */
#include "chain/logscan.h"

#include <stdlib.h>
#include <string.h>

#include "chain/rpc.h"
#include "core/util.h"
#include "core/banned.h"

typedef struct {
  const char *p, *end;
} scan;

static void ws(scan *s) {
  while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r')) s->p++;
}

/* Consumes c after whitespace; 0 when it is not there. */
static int eat(scan *s, char c) {
  ws(s);
  if (s->p >= s->end || *s->p != c) return 0;
  s->p++;
  return 1;
}

/* A string of printable ASCII without escapes: [*b, *b + *n). */
static int str(scan *s, const char **b, size_t *n) {
  if (!eat(s, '"')) return 0;
  const char *q = s->p;
  while (q < s->end && *q != '"') {
    unsigned char ch = (unsigned char)*q;
    if (ch < 0x20 || ch > 0x7e || ch == '\\') return 0;
    q++;
  }
  if (q >= s->end) return 0;
  *b = s->p;
  *n = (size_t)(q - s->p);
  s->p = q + 1;
  return 1;
}

static int lit(scan *s, const char *word) {
  ws(s);
  size_t n = strlen(word);
  if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0) return 0;
  /* a literal must end there ("falsey" is no literal); the cursor moves only on a match, or
   * simple()'s next try would start mid-word ("truefalse" read as true, then false) */
  const char *after = s->p + n;
  if (after < s->end && ((*after >= 'a' && *after <= 'z') || (*after >= '0' && *after <= '9'))) return 0;
  s->p = after;
  return 1;
}

/* A value we skip: a plain string, true, false or null. */
static int simple(scan *s) {
  ws(s);
  if (s->p < s->end && *s->p == '"') {
    const char *b;
    size_t n;
    return str(s, &b, &n);
  }
  return lit(s, "true") || lit(s, "false") || lit(s, "null");
}

static int is(const char *b, size_t n, const char *key) {
  return strlen(key) == n && memcmp(b, key, n) == 0;
}

/* hex_fixed of indexer.c: "0x" or "0X" and exactly 2n hex digits. */
static int fixed(const char *b, size_t len, uint8_t *out, size_t n) {
  if (len != 2 + 2 * n || b[0] != '0' || (b[1] != 'x' && b[1] != 'X')) return 0;
  return hex_to_bytes(out, b + 2, n) == 0;
}

/* quantity of indexer.c: rpc_quantity_parse, and at most INT64_MAX. */
static int qty(const char *b, size_t len, int64_t *out) {
  char t[24];
  if (len >= sizeof t) return 0;
  memcpy(t, b, len);
  t[len] = 0;
  uint64_t u;
  if (rpc_quantity_parse(t, &u) || u > (uint64_t)INT64_MAX) return 0;
  *out = (int64_t)u;
  return 1;
}

enum { K_ADDRESS, K_BNUM, K_BHASH, K_DATA, K_INDEX, K_REMOVED, K_TOPICS, K_TX, K__N };
static const char *const keys[K__N] = {"address", "blockNumber", "blockHash", "data",
                                       "logIndex", "removed", "topics", "transactionHash"};
#define REQUIRED ((1u << K__N) - 1 - (1u << K_REMOVED))

/* One log object into l; 0 to decline. */
static int one_log(scan *s, const indexer_options *o, int64_t from, int64_t to, arena *a,
                   chain_log *l) {
  if (!eat(s, '{')) return 0;
  unsigned seen = 0;
  const char *other[LOGSCAN_MAX_OTHER];
  size_t othern[LOGSCAN_MAX_OTHER];
  int nother = 0;
  if (eat(s, '}')) return 0; /* an empty object lacks every field */
  do {
    const char *kb, *vb;
    size_t kn, vn;
    if (!str(s, &kb, &kn) || !eat(s, ':')) return 0;
    int k = 0;
    while (k < K__N && !is(kb, kn, keys[k])) k++;
    if (k == K__N) {
      for (int j = 0; j < nother; j++)
        if (othern[j] == kn && memcmp(other[j], kb, kn) == 0) return 0; /* a duplicate */
      if (nother == LOGSCAN_MAX_OTHER || !simple(s)) return 0;
      other[nother] = kb;
      othern[nother++] = kn;
      continue;
    }
    if (seen & (1u << k)) return 0;
    seen |= 1u << k;
    switch (k) {
      case K_REMOVED:
        if (!lit(s, "false")) return 0;
        break;
      case K_TOPICS: {
        if (!eat(s, '[')) return 0;
        int nt = 0;
        if (eat(s, ']')) return 0; /* no topics */
        do {
          if (nt == 4 || !str(s, &vb, &vn) || !fixed(vb, vn, l->topics[nt], 32)) return 0;
          nt++;
        } while (eat(s, ','));
        if (!eat(s, ']')) return 0;
        l->ntopics = nt;
        break;
      }
      default:
        if (!str(s, &vb, &vn)) return 0;
        switch (k) {
          case K_ADDRESS:
            if (!fixed(vb, vn, l->address, 20)) return 0;
            break;
          case K_BNUM:
            if (!qty(vb, vn, &l->block_number)) return 0;
            break;
          case K_INDEX:
            if (!qty(vb, vn, &l->log_index)) return 0;
            break;
          case K_BHASH:
            if (!fixed(vb, vn, l->block_hash, 32)) return 0;
            break;
          case K_TX:
            if (!fixed(vb, vn, l->tx_hash, 32)) return 0;
            break;
          case K_DATA: {
            if (vn < 2 || vb[0] != '0' || vb[1] != 'x' || vn % 2) return 0;
            uint8_t *d = arena_alloc(a, vn / 2 ? vn / 2 - 1 + 1 : 1);
            if (!d) return 0;
            if (vn > 2 && hex_to_bytes(d, vb + 2, (vn - 2) / 2)) return 0;
            l->data = d;
            l->n = vn / 2 - 1;
            break;
          }
        }
    }
  } while (eat(s, ','));
  if (!eat(s, '}') || (seen & REQUIRED) != REQUIRED) return 0;
  /* indexer_parse_logs' checks of the values */
  int c = 0;
  while (c < CC__COUNT && !(o->present[c] && memcmp(o->address[c], l->address, 20) == 0)) c++;
  if (c == CC__COUNT || l->block_number < from || l->block_number > to) return 0;
  l->contract = (chain_contract)c;
  l->chain_id = o->chain_id;
  return 1;
}

/* The result array: [] or [log, …]; *cap is what logs holds. */
static int result(scan *s, const indexer_options *o, int64_t from, int64_t to, arena *a,
                  chain_log **out, int *n) {
  if (!eat(s, '[')) return 0;
  /* a log's text is longer than 300 bytes (its required keys and values alone), so the body
   * bounds the count */
  size_t cap = (size_t)(s->end - s->p) / 300 + 1;
  if (cap > LOGSCAN_MAX_LOGS) cap = LOGSCAN_MAX_LOGS;
  chain_log *logs = arena_zalloc(a, sizeof *logs * cap);
  if (!logs) return 0;
  size_t count = 0;
  if (!eat(s, ']')) {
    do {
      if (count == cap || !one_log(s, o, from, to, a, &logs[count])) return 0;
      count++;
    } while (eat(s, ','));
    if (!eat(s, ']')) return 0;
  }
  qsort(logs, count, sizeof *logs, indexer_log_order);
  for (size_t i = 1; i < count; i++)
    if (logs[i].block_number == logs[i - 1].block_number && logs[i].log_index == logs[i - 1].log_index)
      return 0;
  *out = logs;
  *n = (int)count;
  return 1;
}

/* The id: a JSON integer that fits (no fraction, exponent or leading zero). */
static int integer(scan *s, long long *out) {
  ws(s);
  const char *q = s->p;
  int neg = q < s->end && *q == '-';
  if (neg) q++;
  const char *d = q;
  long long v = 0;
  while (q < s->end && *q >= '0' && *q <= '9' && q - d < 18) v = v * 10 + (*q++ - '0');
  if (q == d || (q - d > 1 && *d == '0')) return 0;
  if (q < s->end && ((*q >= '0' && *q <= '9') || *q == '.' || *q == 'e' || *q == 'E')) return 0;
  s->p = q;
  *out = neg ? -v : v;
  return 1;
}

int logscan_answer(const char *body, size_t len, long long id, const indexer_options *o,
                   int64_t from, int64_t to, arena *a, chain_log **out, int *n) {
  scan s = {body, body + len};
  if (!eat(&s, '{')) return 0;
  int got_version = 0, got_id = 0, got_result = 0;
  chain_log *logs = NULL;
  int count = 0;
  do {
    const char *kb, *vb;
    size_t kn, vn;
    if (!str(&s, &kb, &kn) || !eat(&s, ':')) return 0;
    if (is(kb, kn, "jsonrpc")) {
      if (got_version++ || !str(&s, &vb, &vn) || !is(vb, vn, "2.0")) return 0;
    } else if (is(kb, kn, "id")) {
      long long v;
      if (got_id++ || !integer(&s, &v) || v != id) return 0;
    } else if (is(kb, kn, "result")) {
      if (got_result++ || !result(&s, o, from, to, a, &logs, &count)) return 0;
    } else {
      return 0; /* "error" or anything else: the checked way decides */
    }
  } while (eat(&s, ','));
  if (!eat(&s, '}') || !got_version || !got_id || !got_result) return 0;
  ws(&s);
  if (s.p != s.end) return 0;
  *out = logs;
  *n = count;
  return 1;
}
