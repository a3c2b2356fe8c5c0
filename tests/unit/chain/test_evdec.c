/* Tests of the generated event decoders (tools/abigen → chain/events_gen.h) and their runtime
 * (src/chain/evdec.c): for every event of the suite, logs encoded with src/eth/abi.h from varied
 * values decode to structs whose every field equals what was encoded (read through the field
 * table and, for a few events, field by field), and to what abi_decode_log gives; malformed logs
 * (short or long data, wrong topic count or topic 0, bad padding, offsets and lengths past the
 * data, invalid UTF-8) are refused with a message naming the event, reading nothing outside the
 * log (every log lives in a buffer of its exact size, so the ASan build sees any over-read). */
#include <stdlib.h>

#include "chain/events.h"
#include "chain/events_gen.h"
#include "core/util.h"
#include "eth/abi.h"
#include "eth/address.h"
#include "eth/u256.h"
#include "test.h"
#include "core/banned.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

static void random_bytes_(uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) p[i] = (uint8_t)next();
}

static json_t *hex_value(const uint8_t *p, size_t n) {
  char *s = malloc(2 * n + 3);
  s[0] = '0';
  s[1] = 'x';
  bytes_to_hex(s + 2, p, n);
  json_t *j = json_string(s);
  free(s);
  return j;
}

/* A value of a scalar kind, in abi_decode_log's output form. round: 0 small, 1 random, 2 extreme. */
static json_t *scalar(ev_kind k, unsigned size, int round) {
  uint8_t w[32];
  char s[U256_DEC_MAX];
  random_bytes_(w, 32);
  switch (k) {
    case EVK_ADDRESS:
      if (round == 0) memset(w, 0, 20);
      return json_string(address_to_checksum(s, w));
    case EVK_UINT:
    case EVK_U256:
      memset(w, 0, 32 - size / 8);
      if (round == 0) memset(w, 0, 31);
      if (round == 2) memset(w + 32 - size / 8, 0xff, size / 8);
      return json_string(u256_to_dec(s, w));
    case EVK_INT:
    case EVK_I256: {
      size_t hi = 32 - size / 8;
      if (round == 2) {
        memset(w, 0xff, 32);
        w[hi] = 0x80; /* the most negative */
        memset(w + hi + 1, 0, size / 8 - 1);
      }
      memset(w, (w[hi] & 0x80) ? 0xff : 0, hi);
      return json_string(u256_to_sdec(s, w));
    }
    case EVK_BOOL: return json_boolean(round == 1);
    case EVK_BYTES_N: return hex_value(w, size);
    case EVK_BYTES: {
      size_t n = round == 0 ? 0 : round == 1 ? 1 + next() % 40 : 64;
      uint8_t b[64];
      random_bytes_(b, n);
      return hex_value(b, n);
    }
    case EVK_STRING:
      return json_string(round == 0 ? "" : round == 1 ? "a reason, with \"quotes\" and \xc3\xa9" : "0123456789abcdef0123456789abcdef!");
    default: return NULL;
  }
}

static json_t *value_of(const ev_field *f, int round) {
  if (f->kind != EVK_ARRAY) return scalar(f->kind, f->size, round);
  json_t *a = json_array();
  size_t n = round == 0 ? 0 : round == 1 ? 3 : 1;
  for (size_t i = 0; i < n; i++) json_array_append_new(a, scalar(f->elem, f->elem_size, (int)(i % 3)));
  return a;
}

typedef struct {
  uint8_t topics[4][32];
  size_t ntopics;
  uint8_t *data; /* malloc'd, exactly n bytes */
  size_t n;
} enc_log;

/* Encodes values (one per parameter) as a log of event d. 0 or -1. */
static int encode(arena *a, const ev_desc *d, const json_t *values, enc_log *out, abi_sig *sig) {
  pheme_error err;
  if (abi_sig_parse(a, d->signature, strlen(d->signature), sig, &err)) return -1;
  if (abi_encode_topics(sig, values, out->topics, &out->ntopics, &err)) {
    fprintf(stderr, "%s: topics: %s\n", d->name, err.msg);
    return -1;
  }
  buf t;
  buf_init(&t, 4096);
  int bad = buf_addc(&t, '(');
  json_t *data_values = json_array();
  int k = 0;
  for (size_t i = 0; i < sig->params->n_fields; i++) {
    if (sig->params->indexed[i]) continue;
    if (k++) bad |= buf_addc(&t, ',');
    if (abi_type_canonical(&t, sig->params->fields[i])) return -1;
    json_array_append(data_values, json_array_get(values, i));
  }
  bad |= buf_addc(&t, ')');
  if (bad) return -1;
  const abi_type *tt;
  buf enc;
  buf_init(&enc, 1 << 20);
  int rc = abi_type_parse(a, t.data, t.len, &tt, &err) || abi_encode(&enc, tt, data_values, &err);
  if (rc) fprintf(stderr, "%s: data: %s\n", d->name, err.msg);
  out->n = enc.len;
  out->data = malloc(enc.len ? enc.len : 1);
  if (enc.len) memcpy(out->data, enc.data, enc.len);
  buf_release(&enc);
  buf_release(&t);
  json_decref(data_values);
  return rc ? -1 : 0;
}

/* Decodes l as d into a fresh exact-size buffer (so ASan sees writes past the struct too). */
static pheme_err decode(const ev_desc *d, const uint8_t (*topics)[32], size_t nt, const uint8_t *data,
                        size_t n, void **out, char *why, size_t whylen) {
  *out = malloc(d->size);
  return d->decode(topics, nt, data, n, *out, why, whylen);
}

TEST(every_event_round_trips) {
  arena a;
  arena_init(&a, 0);
  int checked = 0;
  for (size_t i = 0; i < EV_ALL_COUNT; i++) {
    const ev_desc *d = ev_all[i];
    for (int round = 0; round < 3; round++) {
      json_t *values = json_array();
      for (size_t f = 0; f < d->nfields; f++) json_array_append_new(values, value_of(&d->fields[f], round));
      enc_log l;
      abi_sig sig;
      REQUIRE(encode(&a, d, values, &l, &sig) == 0);
      void *ev;
      char why[300] = "";
      pheme_err e = decode(d, (const uint8_t(*)[32])l.topics, l.ntopics, l.data, l.n, &ev, why, sizeof why);
      if (e) fprintf(stderr, "%s round %d: %s\n", d->cname, round, why);
      CHECK_INT(e, PHEME_OK);
      if (!e) {
        json_t *got = ev_args_json(d, ev);
        json_t *ref = NULL;
        pheme_error err;
        CHECK_INT(abi_decode_log(&sig, (const uint8_t(*)[32])l.topics, l.ntopics, l.data, l.n, &ref, &err), 0);
        if (!json_equal(got, values)) {
          char *g = json_dumps(got, JSON_COMPACT), *w = json_dumps(values, JSON_COMPACT);
          fprintf(stderr, "%s round %d:\n got  %s\n want %s\n", d->cname, round, g, w);
          free(g);
          free(w);
        }
        CHECK(json_equal(got, values));
        CHECK(json_equal(got, ref));
        json_decref(got);
        json_decref(ref);
        checked++;
      }
      free(ev);
      free(l.data);
      json_decref(values);
    }
  }
  CHECK(checked >= 3 * 80);
  arena_release(&a);
}

/* A few events field by field, the way projections read them. */
TEST(typed_fields) {
  arena a;
  arena_init(&a, 0);
  abi_sig sig;
  enc_log l;
  char why[300];

  uint8_t from[20], to[20];
  memset(from, 0xab, 20);
  memset(to, 0x01, 20);
  char fs[ADDRESS_TEXT], ts[ADDRESS_TEXT];
  json_t *v = json_pack("[s,s,s]", address_to_checksum(fs, from), address_to_checksum(ts, to),
                "115792089237316195423570985008687907853269984665640564039457584007913129639935");
  REQUIRE(encode(&a, &ev_Transfer_PhemeToken_desc, v, &l, &sig) == 0);
  ev_Transfer_PhemeToken t;
  REQUIRE(ev_Transfer_PhemeToken_decode((const uint8_t(*)[32])l.topics, l.ntopics, l.data, l.n, &t, why, sizeof why) == 0);
  CHECK_MEM(t.from, 20, from, 20);
  CHECK_MEM(t.to, 20, to, 20);
  uint8_t max[32];
  memset(max, 0xff, 32);
  CHECK_MEM(t.value, 32, max, 32);
  free(l.data);
  json_decref(v);

  v = json_pack("[s,s,i,s,s]", address_to_checksum(fs, from), "1001", 2, "123456789", "because");
  REQUIRE(encode(&a, &ev_VoteCast_desc, v, &l, &sig) == 0);
  ev_VoteCast vc;
  REQUIRE(ev_VoteCast_decode((const uint8_t(*)[32])l.topics, l.ntopics, l.data, l.n, &vc, why, sizeof why) == 0);
  CHECK_MEM(vc.voter, 20, from, 20);
  uint8_t w[32];
  u256_from_u64(w, 1001);
  CHECK_MEM(vc.proposalId, 32, w, 32);
  CHECK_INT(vc.support, 2);
  u256_from_u64(w, 123456789);
  CHECK_MEM(vc.weight, 32, w, 32);
  CHECK_MEM(vc.reason.p, vc.reason.len, "because", 7);
  CHECK(vc.reason.p >= l.data && vc.reason.p + vc.reason.len <= l.data + l.n); /* a view into the log */
  free(l.data);
  json_decref(v);

  v = json_pack("[s,s,[s,s],[s,s],[s,s],[s,s],s,s,s]", "7", address_to_checksum(fs, from),
                address_to_checksum(ts, to), address_to_checksum(fs, from), "1", "2", "", "transfer(address,uint256)",
                "0x", "0xdeadbeef", "10", "20", "a proposal");
  REQUIRE(encode(&a, &ev_ProposalCreated_desc, v, &l, &sig) == 0);
  ev_ProposalCreated pc;
  REQUIRE(ev_ProposalCreated_decode((const uint8_t(*)[32])l.topics, l.ntopics, l.data, l.n, &pc, why, sizeof why) == 0);
  CHECK_INT(pc.targets.n, 2);
  CHECK_MEM(ev_array_word(&pc.targets, 0) + 12, 20, to, 20);
  CHECK_INT(ev_array_word(&pc.values, 1)[31], 2);
  ev_bytes s1 = ev_array_bytes(&pc.signatures, 1), c1 = ev_array_bytes(&pc.calldatas, 1);
  CHECK_MEM(s1.p, s1.len, "transfer(address,uint256)", 25);
  CHECK_MEM(c1.p, c1.len, "\xde\xad\xbe\xef", 4);
  CHECK_INT(ev_array_bytes(&pc.calldatas, 0).len, 0);
  CHECK_MEM(pc.description.p, pc.description.len, "a proposal", 10);
  free(l.data);
  json_decref(v);

  v = json_pack("[s,i,b,s,s,s]", "5", 3, 1, "18446744073709551615", "0", "ipfs://x");
  REQUIRE(encode(&a, &ev_BadgeTypeCreated_desc, v, &l, &sig) == 0);
  ev_BadgeTypeCreated bt;
  REQUIRE(ev_BadgeTypeCreated_decode((const uint8_t(*)[32])l.topics, l.ntopics, l.data, l.n, &bt, why, sizeof why) == 0);
  CHECK_INT(bt.rarity, 3);
  CHECK(bt.soulbound);
  CHECK(bt.maxSupply == UINT64_MAX);
  CHECK(bt.validity == 0);
  free(l.data);
  json_decref(v);
  arena_release(&a);
}

/* Decodes a copy of data[0..n) in a buffer of exactly n bytes; returns the result and why. */
static pheme_err try(const ev_desc *d, const uint8_t (*topics)[32], size_t nt, const uint8_t *data,
                     size_t n, char *why, size_t whylen) {
  uint8_t *copy = malloc(n ? n : 1);
  if (n) memcpy(copy, data, n);
  void *ev;
  why[0] = 0;
  pheme_err e = decode(d, topics, nt, n ? copy : NULL, n, &ev, why, whylen);
  free(ev);
  free(copy);
  return e;
}

static int says(const char *why, const ev_desc *d, const char *what) {
  int ok = strstr(why, d->name) && strstr(why, what);
  if (!ok) fprintf(stderr, "message '%s' does not name '%s' and '%s'\n", why, d->name, what);
  return ok;
}

TEST(malformed_logs_are_refused) {
  arena a;
  arena_init(&a, 0);
  char why[300];
  for (size_t i = 0; i < EV_ALL_COUNT; i++) {
    const ev_desc *d = ev_all[i];
    json_t *values = json_array();
    for (size_t f = 0; f < d->nfields; f++) json_array_append_new(values, value_of(&d->fields[f], 1));
    enc_log l;
    abi_sig sig;
    REQUIRE(encode(&a, d, values, &l, &sig) == 0);
    const uint8_t(*t)[32] = (const uint8_t(*)[32])l.topics;
    /* every shorter data, and one byte more */
    for (size_t n = 0; n < l.n; n++) CHECK_INT(try(d, t, l.ntopics, l.data, n, why, sizeof why), PHEME_DATA_INVALID);
    uint8_t *longer = calloc(l.n + 32, 1);
    memcpy(longer, l.data, l.n);
    CHECK_INT(try(d, t, l.ntopics, longer, l.n + 1, why, sizeof why), PHEME_DATA_INVALID);
    CHECK_INT(try(d, t, l.ntopics, longer, l.n + 32, why, sizeof why), PHEME_DATA_INVALID);
    free(longer);
    /* a topic missing, one too many, none at all, another event's topic 0 */
    CHECK_INT(try(d, t, l.ntopics - 1, l.data, l.n, why, sizeof why), PHEME_DATA_INVALID);
    if (l.ntopics > 1) CHECK(says(why, d, "topics"));
    if (l.ntopics < 4) {
      CHECK_INT(try(d, t, l.ntopics + 1, l.data, l.n, why, sizeof why), PHEME_DATA_INVALID);
      CHECK(says(why, d, "indexed parameters need"));
    }
    CHECK_INT(try(d, t, 0, l.data, l.n, why, sizeof why), PHEME_DATA_INVALID);
    uint8_t other[4][32];
    memcpy(other, l.topics, sizeof other);
    other[0][5] ^= 1;
    CHECK_INT(try(d, (const uint8_t(*)[32])other, l.ntopics, l.data, l.n, why, sizeof why), PHEME_DATA_INVALID);
    CHECK(says(why, d, "topic 0"));
    /* a nonzero byte in the padding of each address topic */
    size_t ti = 1;
    for (size_t f = 0; f < d->nfields; f++) {
      if (!d->fields[f].indexed) continue;
      if (d->fields[f].kind == EVK_ADDRESS) {
        memcpy(other, l.topics, sizeof other);
        other[ti][0] = 1;
        CHECK_INT(try(d, (const uint8_t(*)[32])other, l.ntopics, l.data, l.n, why, sizeof why), PHEME_DATA_INVALID);
        CHECK(says(why, d, d->fields[f].name));
      }
      ti++;
    }
    /* every data word with its first byte set (high bits of a number, padding of an address,
     * a bool's 31 zero bytes, an offset or length past the data) is refused or decodes to
     * something different — never read out of bounds */
    for (size_t w = 0; w + 32 <= l.n; w += 32) {
      uint8_t *bad = malloc(l.n);
      memcpy(bad, l.data, l.n);
      bad[w] ^= 0x80;
      pheme_err e = try(d, t, l.ntopics, bad, l.n, why, sizeof why);
      if (e) CHECK(says(why, d, "does not decode"));
      free(bad);
    }
    free(l.data);
    json_decref(values);
  }
  arena_release(&a);
}

/* Hand-made data: offsets and lengths that point past the end, huge counts, bad UTF-8. */
TEST(dynamic_values_stay_inside_the_log) {
  char why[300];
  uint8_t t[2][32];
  memcpy(t[0], ev_SkillDefined_desc.topic, 32);
  memset(t[1], 0, 32);
  t[1][31] = 1;
  uint8_t d[96];
  memset(d, 0, sizeof d);
  d[31] = 0x20; /* offset 32 */
  d[63] = 3;    /* length 3 */
  memcpy(d + 64, "abc", 3);
  CHECK_INT(try(&ev_SkillDefined_desc, (const uint8_t(*)[32])t, 2, d, 96, why, sizeof why), PHEME_OK);
  d[63] = 33; /* longer than what follows */
  CHECK_INT(try(&ev_SkillDefined_desc, (const uint8_t(*)[32])t, 2, d, 96, why, sizeof why), PHEME_DATA_INVALID);
  CHECK(says(why, &ev_SkillDefined_desc, "runs past"));
  d[63] = 3;
  d[31] = 0x60; /* offset at the end */
  CHECK_INT(try(&ev_SkillDefined_desc, (const uint8_t(*)[32])t, 2, d, 96, why, sizeof why), PHEME_DATA_INVALID);
  memset(d, 0xff, 32); /* offset 2^256-1 */
  CHECK_INT(try(&ev_SkillDefined_desc, (const uint8_t(*)[32])t, 2, d, 96, why, sizeof why), PHEME_DATA_INVALID);
  CHECK(says(why, &ev_SkillDefined_desc, "too large"));
  memset(d, 0, 32);
  d[31] = 0x20;
  d[64] = 0xff; /* not UTF-8 */
  CHECK_INT(try(&ev_SkillDefined_desc, (const uint8_t(*)[32])t, 2, d, 96, why, sizeof why), PHEME_DATA_INVALID);
  CHECK(says(why, &ev_SkillDefined_desc, "utf-8"));
  d[64] = 'a';
  d[70] = 1; /* padding after the string */
  CHECK_INT(try(&ev_SkillDefined_desc, (const uint8_t(*)[32])t, 2, d, 96, why, sizeof why), PHEME_DATA_INVALID);
  CHECK(says(why, &ev_SkillDefined_desc, "padding"));

  /* GuardiansSet(uint256 indexed tokenId,address[] guardians,uint8 threshold): a count that the
   * data cannot hold */
  uint8_t g[128];
  memset(g, 0, sizeof g);
  memcpy(t[0], ev_GuardiansSet_desc.topic, 32);
  g[31] = 0x40;
  g[63] = 2;
  g[95] = 1; /* one guardian */
  g[127] = 0x42;
  CHECK_INT(try(&ev_GuardiansSet_desc, (const uint8_t(*)[32])t, 2, g, 128, why, sizeof why), PHEME_OK);
  memset(g + 64, 0x7f, 24); /* count 0x7f7f… */
  CHECK_INT(try(&ev_GuardiansSet_desc, (const uint8_t(*)[32])t, 2, g, 128, why, sizeof why), PHEME_DATA_INVALID);
  memset(g + 64, 0, 32);
  g[95] = 3; /* three guardians in room for one */
  CHECK_INT(try(&ev_GuardiansSet_desc, (const uint8_t(*)[32])t, 2, g, 128, why, sizeof why), PHEME_DATA_INVALID);
  CHECK(says(why, &ev_GuardiansSet_desc, "array length exceeds"));
}

/* The event table decodes through the generated decoders: the JSON form equals abi_decode_log's
 * for a log of each contract's Transfer. */
TEST(event_table_uses_the_generated_decoders) {
  REQUIRE(chain_events_init() == 0);
  int n;
  const chain_event *t = chain_events(&n);
  for (int i = 0; i < n; i++) {
    CHECK(t[i].desc != NULL);
    CHECK(memcmp(t[i].topic, t[i].desc->topic, 32) == 0);
    CHECK_STR(t[i].signature, t[i].desc->signature);
  }
  const chain_event *ev = chain_event_find(CC_SKILL_WALLET, ev_Transfer_SkillWallet_desc.topic);
  REQUIRE(ev && ev->desc == &ev_Transfer_SkillWallet_desc);
  ev = chain_event_find(CC_TOKEN, ev_Transfer_PhemeToken_desc.topic);
  REQUIRE(ev && ev->desc == &ev_Transfer_PhemeToken_desc);
}

TEST_MAIN(RUN(every_event_round_trips); RUN(typed_fields); RUN(malformed_logs_are_refused);
          RUN(dynamic_values_stay_inside_the_log); RUN(event_table_uses_the_generated_decoders))
