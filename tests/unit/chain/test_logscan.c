/* Tests of the fast reader of eth_getLogs answers (src/chain/logscan.c): answers of the plain
 * shape (compact or spaced, extra keys, logs in any order, an empty result) are taken, with the
 * same logs as the checked way (rpc_answer_parse + indexer_parse_logs); every answer the checked
 * way refuses is declined (wrong id, error object, removed log, duplicate log or key, foreign
 * contract, block outside the range, bad hex, five topics, trailing bytes, every truncation), and
 * so are the odd shapes the checked way accepts (escapes, a real id). Each body lives in a buffer
 * of its exact size, so the ASan build sees any read past it. */
#include <stdlib.h>
#include <string.h>

#include "chain/indexer.h"
#include "chain/logscan.h"
#include "chain/rpc.h"
#include "test.h"
#include "core/banned.h"

static indexer_options opts(void) {
  indexer_options o;
  memset(&o, 0, sizeof o);
  o.chain_id = 31337;
  o.present[CC_TOKEN] = o.present[CC_SKILL_WALLET] = 1;
  memset(o.address[CC_TOKEN], 0x11, 20);
  memset(o.address[CC_SKILL_WALLET], 0x22, 20);
  return o;
}

#define H32(b) "\"0x" b b b b b b b b b b b b b b b b b b b b b b b b b b b b b b b b "\""
#define A20(b) "\"0x" b b b b b b b b b b b b b b b b b b b b "\""

/* One log: block number and log index as quantities, the address byte, extra text (in one of
 * 16 static buffers, used in turn). */
static char *log_text(const char *bn, const char *li, const char *addr, const char *extra) {
  static char ring[16][2048];
  static int next;
  char *s = ring[next++ % 16];
  snprintf(s, sizeof ring[0],
           "{\"address\":\"0x%s\",\"topics\":[" H32("dd") "," H32("01") "],\"data\":\"0x%s\","
           "\"blockNumber\":\"%s\",\"blockHash\":" H32("03") ",\"transactionHash\":" H32("aa")
           ",\"logIndex\":\"%s\"%s}",
           addr, "0000000000000000000000000000000000000000000000000000000000000005", bn, li, extra);
  return s;
}

static char *addr_of(char b) {
  static char s[41];
  memset(s, b, 40);
  s[40] = 0;
  return s;
}

/* Both ways on body[0..len) (copied into a buffer of exactly len bytes). */
static void both(const char *text, size_t len, int *took, int *accepted, int *same) {
  char *body = malloc(len ? len : 1);
  memcpy(body, text, len);
  indexer_options o = opts();
  arena fa, ca;
  arena_init(&fa, 0);
  arena_init(&ca, 0);
  chain_log *fl = NULL, *cl = NULL;
  int fn = 0, cn = 0;
  *took = logscan_answer(body, len, 7, &o, 0, 1000, &fa, &fl, &fn);
  rpc_error err;
  json_t *r = NULL;
  char why[240];
  *accepted = rpc_answer_parse(body, len, 7, NULL, 0, &r, &ca, &err) == PHEME_OK &&
              indexer_parse_logs(r, &o, 0, 1000, &ca, &cl, &cn, why, sizeof why) == PHEME_OK;
  json_decref(r);
  *same = *took && *accepted && fn == cn;
  for (int i = 0; *same && i < fn; i++)
    *same = fl[i].block_number == cl[i].block_number && fl[i].log_index == cl[i].log_index &&
            fl[i].contract == cl[i].contract && fl[i].ntopics == cl[i].ntopics &&
            fl[i].n == cl[i].n && memcmp(fl[i].data, cl[i].data, fl[i].n) == 0 &&
            memcmp(fl[i].topics, cl[i].topics, sizeof fl[i].topics) == 0 &&
            memcmp(fl[i].block_hash, cl[i].block_hash, 32) == 0 &&
            memcmp(fl[i].tx_hash, cl[i].tx_hash, 32) == 0 &&
            memcmp(fl[i].address, cl[i].address, 20) == 0 && fl[i].chain_id == cl[i].chain_id;
  arena_release(&fa);
  arena_release(&ca);
  free(body);
}

static char *answer(const char *head, const char *l1, const char *l2) {
  char *s = malloc(8192);
  snprintf(s, 8192, "%s\"result\":[%s%s%s]}", head, l1 ? l1 : "", l1 && l2 ? "," : "", l2 ? l2 : "");
  return s;
}

#define STD "{\"jsonrpc\":\"2.0\",\"id\":7,"

TEST(plain_answers_are_taken_with_the_same_logs) {
  char *a = log_text("0x2", "0x1", addr_of('1'), ",\"transactionIndex\":\"0x0\",\"removed\":false");
  char *b = log_text("0x1", "0x0", addr_of('2'), ",\"blockTimestamp\":\"0x5\",\"x\":null");
  const char *heads[] = {STD, "{ \"id\" : 7 ,\n \"jsonrpc\" : \"2.0\" ,\r\n\t"};
  for (size_t h = 0; h < 2; h++) {
    char *s = answer(heads[h], a, b);
    int took, accepted, same;
    both(s, strlen(s), &took, &accepted, &same);
    CHECK(took);
    CHECK(accepted);
    CHECK(same);
    free(s);
  }
  char *e = answer(STD, NULL, NULL);
  int took, accepted, same;
  both(e, strlen(e), &took, &accepted, &same);
  CHECK(took && accepted && same);
  free(e);
}

TEST(refused_answers_are_declined) {
  char *ok = log_text("0x2", "0x1", addr_of('1'), "");
  char *dup = log_text("0x2", "0x1", addr_of('1'), "");
  char *cases[] = {
      answer("{\"jsonrpc\":\"2.0\",\"id\":8,", ok, NULL),             /* wrong id */
      answer("{\"jsonrpc\":\"1.0\",\"id\":7,", ok, NULL),             /* not 2.0 */
      answer(STD "\"error\":{\"code\":1,\"message\":\"x\"},", ok, NULL), /* both */
      answer(STD, ok, dup),                                           /* the same log twice */
      answer(STD, log_text("0x2", "0x1", addr_of('3'), ""), NULL),    /* foreign contract */
      answer(STD, log_text("0x3e9", "0x1", addr_of('1'), ""), NULL),  /* block 1001 */
      answer(STD, log_text("0x02", "0x1", addr_of('1'), ""), NULL),   /* leading zero */
      answer(STD, log_text("0x2", "0x1", addr_of('g'), ""), NULL),    /* not hex */
      answer(STD, log_text("0x2", "0x1", addr_of('1'), ",\"removed\":true"), NULL),
      answer(STD, log_text("0x2", "0x1", addr_of('1'), ",\"logIndex\":\"0x2\""), NULL),
      answer(STD, log_text("0x2", "0x1", addr_of('1'), ",\"y\":1,\"y\":2"), NULL),
      answer(STD "\"result\":[],", ok, NULL),                         /* result twice */
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    int took, accepted, same;
    both(cases[i], strlen(cases[i]), &took, &accepted, &same);
    if (took || accepted) fprintf(stderr, "case %zu: took %d accepted %d\n", i, took, accepted);
    CHECK(!took);
    CHECK(!accepted);
    free(cases[i]);
  }
  /* every truncation of a plain answer, and trailing bytes */
  char *s = answer(STD, ok, NULL);
  size_t n = strlen(s);
  for (size_t k = 0; k < n; k++) {
    int took, accepted, same;
    both(s, k, &took, &accepted, &same);
    CHECK(!took);
  }
  char t[9000];
  snprintf(t, sizeof t, "%s x", s);
  int took, accepted, same;
  both(t, strlen(t), &took, &accepted, &same);
  CHECK(!took && !accepted);
  free(s);
}

TEST(odd_shapes_go_the_checked_way) {
  char *ok = log_text("0x2", "0x1", addr_of('1'), "");
  char *esc = log_text("0x2", "0x1", addr_of('1'), ",\"n\\u0061me\":\"x\"");
  char *cases[] = {
      answer("{\"jsonrpc\":\"2.0\",\"id\":7.0,", ok, NULL), /* refused there too */
      answer(STD, esc, NULL),                               /* an escape: accepted there */
      answer(STD, log_text("0x2", "0x1", addr_of('1'), ",\"o\":{}"), NULL), /* an object */
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    int took, accepted, same;
    both(cases[i], strlen(cases[i]), &took, &accepted, &same);
    CHECK(!took);
    if (i) CHECK(accepted);
    free(cases[i]);
  }
}

TEST_MAIN(RUN(plain_answers_are_taken_with_the_same_logs); RUN(refused_answers_are_declined);
          RUN(odd_shapes_go_the_checked_way))
