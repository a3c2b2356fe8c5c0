/* The generated contract bindings (tools/abigen.c -> chain/contracts_gen.h) and their run-time
 * half (src/chain/contracts.c): selectors, topics and error selectors against values published
 * for the standard interfaces (ERC-20, ERC-721/1155, AccessControl, OpenZeppelin's custom
 * errors), typed encoding and decoding, revert texts, and the manifest's reader and writer. */
#include "chain/contracts.h"
#include "chain/revert.h"
#include "chain/manifest.h"
#include "eth/address.h"
#include "eth/hex.h"
#include "eth/u256.h"
#include "test.h"

/* tests/data/../.. is the source tree (unit tests know only TEST_DATA_DIR) */

static void hex_of(uint8_t *out, size_t n, const char *hex) {
  if (hex_decode(out, n, NULL, hex, strlen(hex), HEX_PREFIX_OPTIONAL | HEX_EXACT, NULL)) abort();
}

static void check_selector(const char *contract, const char *canonical, const char *want_hex) {
  const contract_info *c = contracts_find(contract);
  CHECK(c != NULL);
  if (!c) return;
  const contract_function *f = contracts_function(c, canonical);
  if (!f) fprintf(stderr, "no %s.%s\n", contract, canonical);
  CHECK(f != NULL);
  if (!f) return;
  uint8_t want[4];
  hex_of(want, 4, want_hex);
  if (memcmp(f->selector, want, 4)) fprintf(stderr, "%s.%s has the wrong selector\n", contract, canonical);
  CHECK_MEM(f->selector, 4, want, 4);
}

TEST(function_selectors_are_the_published_ones) {
  check_selector("PhemeToken", "transfer(address,uint256)", "a9059cbb");
  check_selector("PhemeToken", "balanceOf(address)", "70a08231");
  check_selector("PhemeToken", "approve(address,uint256)", "095ea7b3");
  check_selector("PhemeToken", "transferFrom(address,address,uint256)", "23b872dd");
  check_selector("PhemeToken", "totalSupply()", "18160ddd");
  check_selector("PhemeToken", "delegate(address)", "5c19a95c");
  check_selector("TimelockController", "grantRole(bytes32,address)", "2f2ff15d");
  check_selector("TimelockController", "hasRole(bytes32,address)", "91d14854");
  check_selector("PhemeStaking", "renounceRole(bytes32,address)", "36568abe");
  check_selector("PhemeBadges", "getRoleAdmin(bytes32)", "248a9ca3");
  check_selector("PhemeBadges", "supportsInterface(bytes4)", "01ffc9a7");
  check_selector("PhemeBadges", "balanceOf(address,uint256)", "00fdd58e");
  check_selector("SkillWallet", "ownerOf(uint256)", "6352211e");
  check_selector("SkillWallet", "safeTransferFrom(address,address,uint256)", "42842e0e");
  check_selector("SkillWallet", "safeTransferFrom(address,address,uint256,bytes)", "b88d4fde");
  check_selector("ReputationOracle", "upgradeToAndCall(address,bytes)", "4f1ef286");
  check_selector("ReputationOracle", "proxiableUUID()", "52d1902d");
  check_selector("PhemeGovernor", "castVote(uint256,uint8)", "56781388");
}

TEST(event_topics_and_error_selectors_are_the_published_ones) {
  uint8_t t[32];
  const contract_info *owner = NULL;
  hex_of(t, 32, "ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef");
  const contract_event *ev = contracts_event_by_topic(t, &owner);
  REQUIRE(ev);
  CHECK_STR(ev->canonical, "Transfer(address,address,uint256)");
  hex_of(t, 32, "2f8788117e7eff1d82e926ec794901d17c78024a50270940304540a733656f0d");
  ev = contracts_event_by_topic(t, NULL);
  REQUIRE(ev);
  CHECK_STR(ev->name, "RoleGranted");
  hex_of(t, 32, "bc7cd75a20ee27fd9adebab32041f755214dbc6bffa90cc0225b39da2e5c2d3b");
  ev = contracts_event_by_topic(t, NULL);
  REQUIRE(ev);
  CHECK_STR(ev->canonical, "Upgraded(address)");
  hex_of(t, 32, "00000000000000000000000000000000000000000000000000000000000000ff");
  CHECK(contracts_event_by_topic(t, NULL) == NULL);

  uint8_t s[4];
  hex_of(s, 4, "e2517d3f");
  const contract_error *er = contracts_error_by_selector(s, NULL);
  REQUIRE(er);
  CHECK_STR(er->canonical, "AccessControlUnauthorizedAccount(address,bytes32)");
  hex_of(s, 4, "e450d38c");
  er = contracts_error_by_selector(s, NULL);
  REQUIRE(er);
  CHECK_STR(er->canonical, "ERC20InsufficientBalance(address,uint256,uint256)");
}

TEST(every_contract_of_the_suite_has_bytecode_and_tables) {
  static const char *const names[] = {"ERC1967Proxy", "PhemeBadges", "PhemeGovernor", "PhemeStaking",
                                      "PhemeToken", "PhemeVesting", "ReputationOracle", "RewardDistributor",
                                      "SkillWallet", "TimelockController", "ValidatorRegistry"};
  CHECK_INT(CONTRACTS_SUITE_COUNT, sizeof names / sizeof names[0]);
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    const contract_info *c = contracts_find(names[i]);
    CHECK(c != NULL);
    if (!c) continue;
    CHECK(c->bytecode_len > 100);
    CHECK(strncmp(c->constructor, "constructor(", 12) == 0);
    /* every canonical signature names its function and selectors are unique in a contract */
    for (size_t k = 0; k < c->n_functions; k++) {
      CHECK(strncmp(c->functions[k].canonical, c->functions[k].name, strlen(c->functions[k].name)) == 0);
      for (size_t j = k + 1; j < c->n_functions; j++)
        CHECK(memcmp(c->functions[k].selector, c->functions[j].selector, 4) != 0);
    }
  }
  CHECK(contracts_find("NoSuchContract") == NULL);
}

TEST(typed_call_encodes_like_abi_encode) {
  buf b;
  buf_init(&b, 1 << 16);
  uint8_t to[20], amount[32];
  CHECK_INT(address_parse(to, "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", 42, 0, NULL), 0);
  CHECK_INT(u256_parse(amount, "1000000000000000000", 19, 0, NULL), 0);
  CHECK_INT(ct_PhemeToken_transfer(&b, to, amount, NULL), 0);
  uint8_t want[68];
  hex_of(want, 68,
         "a9059cbb00000000000000000000000070997970c51812dc3a010c7d01b50e0d17dc79c8"
         "0000000000000000000000000000000000000000000000000de0b6b3a7640000");
  CHECK_MEM(b.data, b.len, want, 68);

  /* uint8 is range-checked; nothing is appended on failure */
  buf_clear(&b);
  uint8_t id[32] = {0};
  pheme_error e;
  CHECK_INT(ct_PhemeBadges_createBadgeType(&b, id, 300, 1, 0, 0, "x", &e), PHEME_DATA_INVALID);
  CHECK_INT(b.len, 0);
  CHECK_INT(ct_PhemeBadges_createBadgeType(&b, id, 3, 1, 0, 0, "ipfs://x", &e), 0);
  CHECK_INT(b.len, 4 + 6 * 32 + 32 + 32);

  /* overloads: the fewest parameters keep the plain name */
  buf_clear(&b);
  CHECK_INT(ct_PhemeVesting_release(&b, NULL), 0);
  CHECK_INT(b.len, 4);
  buf_clear(&b);
  CHECK_INT(ct_PhemeVesting_release_address(&b, to, NULL), 0);
  CHECK_INT(b.len, 36);
  buf_release(&b);
}

TEST(typed_results_decode_and_refuse_bad_data) {
  uint8_t ret[32] = {0};
  ret[31] = 1;
  int ok = 0;
  CHECK_INT(ct_PhemeToken_transfer_result(ret, 32, &ok, NULL), 0);
  CHECK_INT(ok, 1);
  ret[31] = 2; /* a bool must be 0 or 1 */
  CHECK_INT(ct_PhemeToken_transfer_result(ret, 32, &ok, NULL), PHEME_DATA_INVALID);
  CHECK_INT(ct_PhemeToken_transfer_result(ret, 31, &ok, NULL), PHEME_DATA_INVALID);
  uint8_t word[64] = {0}, v[32];
  word[31] = 0x2a;
  CHECK_INT(ct_PhemeToken_balanceOf_result(word, 32, v, NULL), 0);
  CHECK_INT(v[31], 0x2a);
  CHECK_INT(ct_PhemeToken_balanceOf_result(word, 64, v, NULL), PHEME_DATA_INVALID); /* trailing */
  /* uint8 decimals into uint64_t */
  uint64_t d = 0;
  word[31] = 18;
  CHECK_INT(ct_PhemeToken_decimals_result(word, 32, &d, NULL), 0);
  CHECK_INT(d, 18);
}

TEST(creation_code_is_bytecode_then_arguments) {
  buf b;
  buf_init(&b, 1 << 20);
  uint8_t impl[20] = {1, 2, 3};
  const uint8_t init[3] = {0xaa, 0xbb, 0xcc};
  CHECK_INT(ct_ERC1967Proxy_deploy(&b, impl, init, 3, NULL), 0);
  CHECK(b.len == ct_ERC1967Proxy.bytecode_len + 32 * 4);
  CHECK(memcmp(b.data, ct_ERC1967Proxy.bytecode, ct_ERC1967Proxy.bytecode_len) == 0);
  const uint8_t *args = (const uint8_t *)b.data + ct_ERC1967Proxy.bytecode_len;
  CHECK_MEM(args + 12, 20, impl, 20);
  CHECK_INT(args[63], 0x40); /* offset of the bytes */
  CHECK_INT(args[95], 3);    /* their length */
  CHECK_MEM(args + 96, 3, init, 3);
  buf_release(&b);
}

/* The suite's errors, decoded by the shared revert decoder (chain/revert.h) as the deployer and
 * the transaction manager read them. */
static const char *revert_text(arena *a, const uint8_t *data, size_t n) {
  revert_info ri;
  const revert_table *t = revert_suite();
  if (!t || revert_decode(t, a, data, n, &ri)) return "(decode failed)";
  if (getenv("TEST_VERBOSE")) fprintf(stderr, "  %s\n", ri.text);
  return ri.text;
}

TEST(revert_texts_name_the_suite_errors_and_their_arguments) {
  arena a;
  arena_init(&a, 0);
  uint8_t data[4 + 64] = {0};
  hex_of(data, 4, "e2517d3f");
  data[4 + 31] = 0x11;
  data[4 + 63] = 0x22;
  CHECK_STR(revert_text(&a, data, sizeof data),
            "AccessControlUnauthorizedAccount(\"0x0000000000000000000000000000000000000011\","
            "\"0x0000000000000000000000000000000000000000000000000000000000000022\")");
  uint8_t panic[36] = {0};
  hex_of(panic, 4, "4e487b71");
  panic[35] = 0x11;
  CHECK_STR(revert_text(&a, panic, sizeof panic), "Panic(0x11: arithmetic overflow or underflow)");
  uint8_t msg[4 + 96] = {0};
  hex_of(msg, 4, "08c379a0");
  msg[4 + 31] = 0x20;
  msg[4 + 63] = 2;
  msg[4 + 64] = 'n', msg[4 + 65] = 'o';
  CHECK_STR(revert_text(&a, msg, sizeof msg), "Error(\"no\")");
  CHECK_STR(revert_text(&a, NULL, 0), "no revert data");
  uint8_t unknown[4] = {0xde, 0xad, 0xbe, 0xef};
  CHECK_STR(revert_text(&a, unknown, 4), "unknown error 0xdeadbeef (4 bytes)");
  /* a known selector whose arguments do not decode */
  CHECK_STR(revert_text(&a, data, 4 + 32),
            "AccessControlUnauthorizedAccount(address,bytes32) with arguments that do not decode (36 bytes)");
  /* every custom error of the suite is known, besides Error and Panic */
  size_t custom = 0;
  for (size_t c = 0; c < CONTRACTS_SUITE_COUNT; c++) custom += contracts_suite[c]->n_errors;
  CHECK(revert_table_size(revert_suite()) > 2);
  CHECK(revert_table_size(revert_suite()) <= 2 + custom);
  arena_release(&a);
}

TEST(events_decode_into_named_values) {
  const contract_info *tok = contracts_find("PhemeToken");
  REQUIRE(tok);
  const contract_event *ev = NULL;
  for (size_t i = 0; i < tok->n_events; i++)
    if (strcmp(tok->events[i].name, "Transfer") == 0) ev = &tok->events[i];
  REQUIRE(ev);
  uint8_t topics[3][32] = {{0}};
  memcpy(topics[0], ev->topic0, 32);
  topics[1][31] = 1;
  topics[2][31] = 2;
  uint8_t data[32] = {0};
  data[31] = 5;
  json_t *o = NULL;
  CHECK_INT(contracts_decode_event(ev, (const uint8_t(*)[32])topics, 3, data, 32, &o, NULL), 0);
  REQUIRE(o);
  CHECK_STR(json_string_value(json_object_get(o, "from")), "0x0000000000000000000000000000000000000001");
  CHECK_STR(json_string_value(json_object_get(o, "value")), "5");
  json_decref(o);
  CHECK_INT(contracts_decode_event(ev, (const uint8_t(*)[32])topics, 2, data, 32, &o, NULL), PHEME_DATA_INVALID);
}

/* ---- manifest ---- */

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  static char text[1 << 16];
  size_t n = fread(text, 1, sizeof text - 1, f);
  fclose(f);
  text[n] = 0;
  return text;
}

TEST(manifest_reads_and_writes_forge_format) {
  manifest m;
  char err[256];
  char *text = slurp(TEST_DATA_DIR "/chain/manifest-31337.json");
  REQUIRE(text);
  CHECK_INT(manifest_parse(&m, text, strlen(text), err, sizeof err), 0);
  CHECK_INT(m.chain_id, 31337);
  char a[ADDRESS_TEXT];
  CHECK_STR(address_to_checksum(a, m.timelock), "0x5FbDB2315678afecb367f032d93F642f64180aa3");
  CHECK_STR(address_to_checksum(a, m.governance), "0x5FbDB2315678afecb367f032d93F642f64180aa3");
  buf b;
  buf_init(&b, 1 << 16);
  CHECK_INT(manifest_format(&b, &m), 0);
  size_t tl = strlen(text);
  while (tl && text[tl - 1] == '\n') text[--tl] = 0;
  CHECK_STR(b.data, text);
  buf_release(&b);
}

TEST(manifest_refuses_what_it_cannot_trust) {
  manifest m;
  char err[256];
  static const char *const bad[] = {
      "", "[]", "{\"version\":1}", "{\"version\":2,\"chainId\":1,\"deploymentBlock\":0}",
      "{\"version\":1,\"version\":1,\"chainId\":1,\"deploymentBlock\":0,\"contracts\":{},\"implementations\":{},\"roles\":{}}",
      "{\"version\":1,\"chainId\":0,\"deploymentBlock\":0,\"contracts\":{},\"implementations\":{},\"roles\":{}}",
      "{\"version\":1,\"chainId\":1,\"deploymentBlock\":-1,\"contracts\":{},\"implementations\":{},\"roles\":{}}",
      "{\"version\":1,\"chainId\":1,\"deploymentBlock\":0,\"contracts\":{},\"implementations\":{},\"roles\":{}}",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    CHECK_INT(manifest_parse(&m, bad[i], strlen(bad[i]), err, sizeof err), PHEME_DATA_INVALID);
  /* a wrong checksum is named */
  char *text = slurp(TEST_DATA_DIR "/chain/manifest-31337.json");
  REQUIRE(text);
  char *p = strstr(text, "0xB7f8BC63BbcaD18155201308C8f3540b07f84F5e");
  REQUIRE(p);
  p[3] = 'F'; /* 0xB7F8…: the checksum no longer matches */
  CHECK_INT(manifest_parse(&m, text, strlen(text), err, sizeof err), PHEME_DATA_INVALID);
  CHECK(strstr(err, "contracts.PhemeBadges") != NULL);
  CHECK_INT(manifest_load(&m, "/nonexistent/manifest.json", err, sizeof err), PHEME_DATA_NOT_FOUND);
}

TEST_MAIN(RUN(function_selectors_are_the_published_ones); RUN(event_topics_and_error_selectors_are_the_published_ones);
          RUN(every_contract_of_the_suite_has_bytecode_and_tables); RUN(typed_call_encodes_like_abi_encode);
          RUN(typed_results_decode_and_refuse_bad_data); RUN(creation_code_is_bytecode_then_arguments);
          RUN(revert_texts_name_the_suite_errors_and_their_arguments); RUN(events_decode_into_named_values);
          RUN(manifest_reads_and_writes_forge_format); RUN(manifest_refuses_what_it_cannot_trust))
