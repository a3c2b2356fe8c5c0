/* Contract-wallet signatures (src/chain/sigcheck.c) on a real anvil: a test-only ERC-1271
 * wallet (contracts/test/wallet/TestWallet.sol, one owner key) deployed through its CREATE2
 * factory, and a second one left counterfactual for ERC-6492. The factory's creation code is
 * tests/data/sigcheck/TestWalletFactory.hex, which `scripts/contracts.sh test` checks against a
 * fresh build (contracts/test/wallet/embedded.js). A few hand-assembled contracts stand in for
 * wallets that answer oddly. */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "anvil.h"
#include "auth/signin.h"
#include "chain/localnode.h"
#include "chain/rpc.h"
#include "chain/sigcheck.h"
#include "core/config.h"
#include "eth/abi.h"
#include "eth/address.h"
#include "eth/eip191.h"
#include "eth/hex.h"
#include "eth/secp.h"
#include "store/validation.h"
#include "validation/pipeline.h"
#include "work/tasks.h"
#include "test.h"

#define MESSAGE                                                                        \
  "pheme.example wants you to sign in with your Ethereum account:\n%s\n\nSign in to PHEME.\n\n" \
  "URI: https://pheme.example\nVersion: 1\nChain ID: 31337\nNonce: 5bq2NcYx9pLm0aZt3kWd7rVe\n" \
  "Issued At: 2026-11-25T12:00:00Z"

typedef struct {
  anvil_node node;
  rpc_client *rpc;
  arena a;
  uint8_t factory[20];
  uint8_t owner_key[32], other_key[32];
  uint8_t deployed[20];       /* the owner's wallet of salt 1, deployed */
  uint8_t counterfactual[20]; /* the owner's wallet of salt 2, not deployed */
  uint8_t hash[32];           /* EIP-191 hash of a SIWE message for the counterfactual wallet */
} fixture;

static rpc_client *client_for(const char *url) {
  rpc_options o;
  rpc_options_init(&o);
  o.expected_chain_id = ANVIL_CHAIN_ID;
  o.retries = 0;
  o.timeout_ms = 5000;
  o.connect_timeout_ms = 1000;
  o.max_response_bytes = 1 << 20;
  return rpc_client_new((const char *[]){url}, 1, &o);
}

/* A call that must succeed; NULL (after a failed CHECK) when it did not. */
static json_t *call(fixture *f, const char *method, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static json_t *call(fixture *f, const char *method, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *params = arena_vprintf(&f->a, fmt, ap);
  va_end(ap);
  json_t *r = NULL;
  rpc_error e;
  if (!params || rpc_call(f->rpc, &f->a, method, params, &r, &e) != PHEME_OK) {
    fprintf(stderr, "%s failed: %s\n", method, params ? e.message : "no memory");
    CHECK(!"rpc call failed");
    return NULL;
  }
  return r;
}

static char *hex(fixture *f, const uint8_t *p, size_t n) {
  char *s = arena_alloc(&f->a, HEX_LEN(n) + 1);
  return hex_encode(s, p, n);
}

/* Encodes fn(args...) into the arena as "0x…"; args is a JSON array text. */
static char *calldata(fixture *f, const char *fn_text, json_t *args, size_t *len, uint8_t **bytes) {
  abi_sig fn;
  pheme_error ee;
  buf b;
  buf_init(&b, 1 << 16);
  int ok = abi_sig_parse(&f->a, fn_text, strlen(fn_text), &fn, &ee) == PHEME_OK &&
           abi_encode_call(&b, &fn, args, &ee) == PHEME_OK;
  json_decref(args);
  if (!ok) {
    fprintf(stderr, "cannot encode %s: %s\n", fn_text, ee.msg);
    buf_release(&b);
    return NULL;
  }
  char *s = hex(f, (const uint8_t *)b.data, b.len);
  if (bytes) {
    *bytes = arena_alloc(&f->a, b.len);
    memcpy(*bytes, b.data, b.len);
  }
  if (len) *len = b.len;
  buf_release(&b);
  return s;
}

/* Sends a transaction from anvil's unlocked first account (anvil mines it at once) and returns
 * its receipt, whose status must be 1. */
static json_t *send_tx(fixture *f, const char *to, const char *data) {
  json_t *h = call(f, "eth_sendTransaction", "[{\"from\":\"%s\",%s%s%s\"data\":\"%s\",\"gas\":\"0x1c9c380\"}]",
                   ANVIL_ADDR0, to ? "\"to\":\"" : "", to ? to : "", to ? "\"," : "", data);
  if (!h) return NULL;
  json_t *rc = NULL;
  /* anvil mines at once but may answer the receipt a moment later: poll, for 10 s at most */
  for (int i = 0; i < 1000 && (!rc || json_is_null(rc)); i++) {
    if (rc) nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
    json_decref(rc);
    rc = call(f, "eth_getTransactionReceipt", "[\"%s\"]", json_string_value(h));
  }
  json_decref(h);
  if (!rc || json_is_null(rc)) {
    CHECK(!"no receipt within 10 s");
    json_decref(rc);
    return NULL;
  }
  CHECK_STR(json_string_value(json_object_get(rc, "status")), "0x1");
  return rc;
}

/* Deploys creation code given as "0x…" and writes the new contract's address. */
static int deploy(fixture *f, const char *code, uint8_t out[20]) {
  json_t *rc = send_tx(f, NULL, code);
  if (!rc) return -1;
  const json_t *addr = json_object_get(rc, "contractAddress");
  int e = addr ? (int)address_parse(out, json_string_value(addr), json_string_length(addr), 0, NULL) : -1;
  json_decref(rc);
  return e ? -1 : 0;
}

/* Runtime code that answers any call with the first size bytes of memory after storing there
 * the word <head hex> 00… with low_byte as its last byte:
 * PUSH32 word PUSH0 MSTORE PUSH1 size PUSH0 RETURN. */
static char *returning(fixture *f, const char *head, unsigned low_byte, unsigned size) {
  char word[65];
  snprintf(word, sizeof word, "%s%0*u", head, (int)(64 - strlen(head)), 0);
  snprintf(word + 62, 3, "%02x", low_byte);
  return arena_printf(&f->a, "7f%s5f5260%02x5ff3", word, size);
}

/* Deploys runtime code (under 256 bytes) behind a minimal constructor that returns it. */
static int deploy_runtime(fixture *f, const char *runtime_hex, uint8_t out[20]) {
  size_t n = strlen(runtime_hex) / 2;
  /* PUSH1 n PUSH1 10 PUSH0 CODECOPY PUSH1 n PUSH0 RETURN, then the runtime from offset 10 */
  char *code = arena_printf(&f->a, "0x60%02zx600a5f3960%02zx5ff3%s", n, n, runtime_hex);
  return deploy(f, code, out);
}

static size_t code_len(fixture *f, const uint8_t addr[20]) {
  json_t *r = call(f, "eth_getCode", "[\"%s\",\"latest\"]", hex(f, addr, 20));
  size_t n = r && json_is_string(r) ? (json_string_length(r) - 2) / 2 : (size_t)-1;
  json_decref(r);
  return n;
}

/* The owner's address (from its key). */
static void owner_address(fixture *f, char out[ADDRESS_TEXT]) {
  uint8_t addr[20];
  pheme_error ee;
  if (secp_address(addr, f->owner_key, &ee)) PHEME_BUG("bad test key");
  address_to_checksum(out, addr);
}

/* factory.deploy(owner, salt) calldata. */
static char *deploy_call(fixture *f, uint8_t salt, size_t *len, uint8_t **bytes) {
  char owner[ADDRESS_TEXT], salt_hex[67];
  owner_address(f, owner);
  snprintf(salt_hex, sizeof salt_hex, "0x%064x", salt);
  return calldata(f, "deploy(address,bytes32)", json_pack("[ss]", owner, salt_hex), len, bytes);
}

static int address_of(fixture *f, uint8_t salt, uint8_t out[20]) {
  char owner[ADDRESS_TEXT], salt_hex[67];
  owner_address(f, owner);
  snprintf(salt_hex, sizeof salt_hex, "0x%064x", salt);
  char *data = calldata(f, "addressOf(address,bytes32)", json_pack("[ss]", owner, salt_hex), NULL, NULL);
  if (!data) return -1;
  json_t *r = call(f, "eth_call", "[{\"to\":\"%s\",\"data\":\"%s\"},\"latest\"]", hex(f, f->factory, 20), data);
  uint8_t word[32];
  int e = !r || hex_decode(word, 32, NULL, json_string_value(r), json_string_length(r), HEX_EXACT, NULL);
  json_decref(r);
  if (e) return -1;
  memcpy(out, word + 12, 20);
  return 0;
}

/* A 65-byte r || s || v (v 27/28, as ecrecover wants) signature of f->hash by key. */
static void sign(fixture *f, const uint8_t key[32], uint8_t sig[65]) {
  pheme_error ee;
  if (secp_sign(sig, f->hash, key, &ee)) PHEME_BUG("cannot sign: %s", ee.msg);
  secp_v_to_27(sig);
}

/* concat(abi.encode(factory, factoryCalldata, sig), magic) into the arena. */
static uint8_t *wrap_6492(fixture *f, const uint8_t factory[20], const char *factory_calldata,
                          const uint8_t *sig, size_t n, size_t *len) {
  const abi_type *t;
  pheme_error ee;
  buf b;
  buf_init(&b, 1 << 16);
  json_t *v = json_pack("[sss]", hex(f, factory, 20), factory_calldata, hex(f, sig, n));
  int ok = abi_type_parse(&f->a, "(address,bytes,bytes)", 21, &t, &ee) == PHEME_OK &&
           abi_encode(&b, t, v, &ee) == PHEME_OK;
  json_decref(v);
  for (int i = 0; ok && i < 16; i++) ok = buf_add(&b, "\x64\x92", 2) == 0;
  uint8_t *out = ok ? arena_alloc(&f->a, b.len) : NULL;
  if (out) memcpy(out, b.data, b.len);
  *len = b.len;
  buf_release(&b);
  return out;
}

static char *read_text(const char *path) {
  FILE *fp = fopen(path, "rb");
  if (!fp) return NULL;
  static char text[1 << 16];
  size_t n = fread(text, 1, sizeof text - 1, fp);
  fclose(fp);
  while (n && (text[n - 1] == '\n' || text[n - 1] == '\r')) n--;
  text[n] = 0;
  return text;
}

/* anvil, the factory, the owner's deployed wallet (salt 1) and counterfactual one (salt 2). */
static int setup(fixture *f) {
  memset(f, 0, sizeof *f);
  arena_init(&f->a, 64 << 20);
  if (anvil_start(&f->node, NULL) != 0) return -1;
  f->rpc = client_for(f->node.url);
  if (!f->rpc) return -1;
  pheme_error ee;
  if (hex_decode(f->owner_key, 32, NULL, ANVIL_KEY1, 64, HEX_PREFIX_OPTIONAL | HEX_EXACT, &ee) ||
      hex_decode(f->other_key, 32, NULL, ANVIL_KEY2, 64, HEX_PREFIX_OPTIONAL | HEX_EXACT, &ee))
    return -1;
  const char *code = read_text(TEST_DATA_DIR "/sigcheck/TestWalletFactory.hex");
  if (!code) {
    fprintf(stderr, "cannot read %s\n", TEST_DATA_DIR "/sigcheck/TestWalletFactory.hex");
    return -1;
  }
  if (deploy(f, code, f->factory)) return -1;
  char *d = deploy_call(f, 1, NULL, NULL);
  json_t *rc = d ? send_tx(f, hex(f, f->factory, 20), d) : NULL;
  if (!rc) return -1;
  json_decref(rc);
  if (address_of(f, 1, f->deployed) || address_of(f, 2, f->counterfactual)) return -1;
  char msg[512], who[ADDRESS_TEXT];
  snprintf(msg, sizeof msg, MESSAGE, address_to_checksum(who, f->counterfactual));
  eip191_hash(f->hash, msg, strlen(msg));
  return 0;
}

static void teardown(fixture *f) {
  rpc_client_free(f->rpc);
  anvil_stop(&f->node);
  arena_release(&f->a);
}

/* sigcheck_verify of f->hash; with TEST_VERBOSE set, prints each verdict and reason. */
static pheme_err verify(fixture *f, const uint8_t signer[20], const uint8_t *sig, size_t n,
                        sigcheck_result *res) {
  pheme_err e = sigcheck_verify(f->rpc, &f->a, signer, f->hash, sig, n, res);
  if (getenv("TEST_VERBOSE")) fprintf(stderr, "  verdict %d err %d: %s\n", res->verdict, e, res->why);
  return e;
}

TEST(deployed_wallet_accepts_its_owner_and_refuses_others) {
  fixture f;
  if (setup(&f)) { CHECK(!"setup failed"); teardown(&f); return; }
  CHECK(code_len(&f, f.deployed) > 0);
  uint8_t sig[65];
  sigcheck_result res;
  sign(&f, f.owner_key, sig);
  CHECK_INT(verify(&f, f.deployed, sig, 65, &res), PHEME_OK);
  CHECK_INT(res.verdict, SIGCHECK_VALID);
  CHECK_INT(res.erc6492, 0);

  sign(&f, f.other_key, sig);
  CHECK_INT(verify(&f, f.deployed, sig, 65, &res), PHEME_OK);
  CHECK_INT(res.verdict, SIGCHECK_INVALID);
  CHECK(strstr(res.why, "refused the signature: isValidSignature answered 0xffffffff"));
  char who[ADDRESS_TEXT];
  CHECK(strstr(res.why, address_to_checksum(who, f.deployed)));

  /* the owner's signature of another hash */
  sign(&f, f.owner_key, sig);
  f.hash[0] ^= 1;
  CHECK_INT(verify(&f, f.deployed, sig, 65, &res), PHEME_OK);
  CHECK_INT(res.verdict, SIGCHECK_INVALID);
  teardown(&f);
}

TEST(counterfactual_wallet_with_erc6492_signature) {
  fixture f;
  if (setup(&f)) { CHECK(!"setup failed"); teardown(&f); return; }
  REQUIRE(code_len(&f, f.counterfactual) == 0);
  json_t *bn = call(&f, "eth_blockNumber", "[]");
  uint8_t sig[65];
  size_t n;
  sigcheck_result res;
  sign(&f, f.owner_key, sig);
  uint8_t *w = wrap_6492(&f, f.factory, deploy_call(&f, 2, NULL, NULL), sig, 65, &n);
  REQUIRE(w);
  CHECK_INT(verify(&f, f.counterfactual, w, n, &res), PHEME_OK);
  CHECK_INT(res.verdict, SIGCHECK_VALID);
  CHECK_INT(res.erc6492, 1);
  /* an eth_call keeps nothing: still not deployed, no block made */
  CHECK_INT(code_len(&f, f.counterfactual), 0);
  json_t *bn2 = call(&f, "eth_blockNumber", "[]");
  CHECK(bn && bn2 && json_equal(bn, bn2));
  json_decref(bn);
  json_decref(bn2);

  /* the same wrapping around another key's signature */
  sign(&f, f.other_key, sig);
  w = wrap_6492(&f, f.factory, deploy_call(&f, 2, NULL, NULL), sig, 65, &n);
  CHECK_INT(verify(&f, f.counterfactual, w, n, &res), PHEME_OK);
  CHECK_INT(res.verdict, SIGCHECK_INVALID);
  CHECK(strstr(res.why, "refused the ERC-6492 signature"));

  /* a factory call that deploys another wallet (salt 3) than the signer */
  sign(&f, f.owner_key, sig);
  w = wrap_6492(&f, f.factory, deploy_call(&f, 3, NULL, NULL), sig, 65, &n);
  CHECK_INT(verify(&f, f.counterfactual, w, n, &res), PHEME_OK);
  CHECK_INT(res.verdict, SIGCHECK_INVALID);
  CHECK(strstr(res.why, "succeeded but left no code at wallet"));

  /* a factory call that reverts */
  w = wrap_6492(&f, f.factory, "0xdeadbeef", sig, 65, &n);
  CHECK_INT(verify(&f, f.counterfactual, w, n, &res), PHEME_OK);
  CHECK_INT(res.verdict, SIGCHECK_INVALID);
  CHECK(strstr(res.why, "reverted but left no code at wallet"));
  CHECK_INT(code_len(&f, f.counterfactual), 0);
  teardown(&f);
}

TEST(erc6492_signature_stays_valid_after_deployment) {
  fixture f;
  if (setup(&f)) { CHECK(!"setup failed"); teardown(&f); return; }
  uint8_t sig[65];
  size_t n;
  sigcheck_result res;
  sign(&f, f.owner_key, sig);
  /* wrapped for salt 1, whose wallet exists: the factory would revert, the wallet is asked */
  uint8_t *w = wrap_6492(&f, f.factory, deploy_call(&f, 1, NULL, NULL), sig, 65, &n);
  REQUIRE(w);
  CHECK_INT(verify(&f, f.deployed, w, n, &res), PHEME_OK);
  CHECK_INT(res.verdict, SIGCHECK_VALID);
  CHECK_INT(res.erc6492, 1);
  sign(&f, f.other_key, sig);
  w = wrap_6492(&f, f.factory, deploy_call(&f, 1, NULL, NULL), sig, 65, &n);
  CHECK_INT(verify(&f, f.deployed, w, n, &res), PHEME_OK);
  CHECK_INT(res.verdict, SIGCHECK_INVALID);
  teardown(&f);
}

TEST(address_without_code_is_not_a_contract_wallet) {
  fixture f;
  if (setup(&f)) { CHECK(!"setup failed"); teardown(&f); return; }
  uint8_t sig[65], eoa[20];
  sigcheck_result res;
  sign(&f, f.owner_key, sig);
  REQUIRE(address_parse(eoa, ANVIL_ADDR2, strlen(ANVIL_ADDR2), 0, NULL) == PHEME_OK);
  CHECK_INT(verify(&f, eoa, sig, 65, &res), PHEME_OK);
  CHECK_INT(res.verdict, SIGCHECK_NOT_CONTRACT);
  CHECK(strstr(res.why, "has no code"));
  /* the counterfactual wallet too, when the signature is not wrapped */
  CHECK_INT(verify(&f, f.counterfactual, sig, 65, &res), PHEME_OK);
  CHECK_INT(res.verdict, SIGCHECK_NOT_CONTRACT);
  teardown(&f);
}

TEST(contracts_that_are_not_wallets_or_answer_oddly_are_refused) {
  fixture f;
  if (setup(&f)) { CHECK(!"setup failed"); teardown(&f); return; }
  uint8_t sig[65], c[20];
  sigcheck_result res;
  sign(&f, f.owner_key, sig);
  /* the factory has code but no isValidSignature: it reverts */
  CHECK_INT(verify(&f, f.factory, sig, 65, &res), PHEME_OK);
  CHECK_INT(res.verdict, SIGCHECK_INVALID);
  CHECK(strstr(res.why, "failed in isValidSignature"));

  /* answers 0x1626ba7e00…00 to anything: valid (the magic word is all that counts) */
  REQUIRE(deploy_runtime(&f, returning(&f, "1626ba7e", 0, 32), c) == 0);
  CHECK_INT(verify(&f, c, sig, 65, &res), PHEME_OK);
  CHECK_INT(res.verdict, SIGCHECK_VALID);
  /* the magic value with a dirty low-order byte */
  REQUIRE(deploy_runtime(&f, returning(&f, "1626ba7e", 1, 32), c) == 0);
  CHECK_INT(verify(&f, c, sig, 65, &res), PHEME_OK);
  CHECK_INT(res.verdict, SIGCHECK_INVALID);
  CHECK(strstr(res.why, "with nonzero low-order bytes"));
  /* the magic word followed by a zero word: 64 bytes */
  REQUIRE(deploy_runtime(&f, returning(&f, "1626ba7e", 0, 64), c) == 0);
  CHECK_INT(verify(&f, c, sig, 65, &res), PHEME_OK);
  CHECK_INT(res.verdict, SIGCHECK_INVALID);
  CHECK(strstr(res.why, "with 64 bytes"));
  /* 4 bytes: the bare selector */
  REQUIRE(deploy_runtime(&f, returning(&f, "1626ba7e", 0, 4), c) == 0);
  CHECK_INT(verify(&f, c, sig, 65, &res), PHEME_OK);
  CHECK_INT(res.verdict, SIGCHECK_INVALID);
  CHECK(strstr(res.why, "with 4 bytes"));
  /* an invalid opcode (0xfe) */
  REQUIRE(deploy_runtime(&f, "fe", c) == 0);
  CHECK_INT(verify(&f, c, sig, 65, &res), PHEME_OK);
  CHECK_INT(res.verdict, SIGCHECK_INVALID);
  /* loops until out of gas (JUMPDEST PUSH0 JUMP): bounded by the gas cap, a verdict, not an error */
  REQUIRE(deploy_runtime(&f, "5b5f56", c) == 0);
  CHECK_INT(verify(&f, c, sig, 65, &res), PHEME_OK);
  CHECK_INT(res.verdict, SIGCHECK_INVALID);
  /* 1 MiB of zeros (PUSH3 0x100000 PUSH0 RETURN), within the gas cap: past the client's answer
   * cap (1 MiB of body here), refused without reading more */
  REQUIRE(deploy_runtime(&f, "621000005ff3", c) == 0);
  CHECK_INT(verify(&f, c, sig, 65, &res), PHEME_OK);
  CHECK_INT(res.verdict, SIGCHECK_INVALID);
  CHECK(strstr(res.why, "more than the client's answer cap"));
  /* the loop again, behind an ERC-6492 wrapping */
  REQUIRE(deploy_runtime(&f, "5b5f56", c) == 0);
  size_t n;
  uint8_t *w = wrap_6492(&f, f.factory, "0x", sig, 65, &n);
  CHECK_INT(verify(&f, c, w, n, &res), PHEME_OK);
  CHECK_INT(res.verdict, SIGCHECK_INVALID);
  CHECK(strstr(res.why, "reverted or ran out of gas"));
  teardown(&f);
}

TEST(malformed_erc6492_wrapping_is_a_bad_request) {
  fixture f;
  if (setup(&f)) { CHECK(!"setup failed"); teardown(&f); return; }
  uint8_t sig[65];
  sigcheck_result res;
  size_t n;
  sign(&f, f.owner_key, sig);
  uint8_t *w = wrap_6492(&f, f.factory, deploy_call(&f, 2, NULL, NULL), sig, 65, &n);
  REQUIRE(w);
  /* none of these may reach the node: ask them of one that is not there, which would be
   * PHEME_SYS_IO */
  rpc_client *live = f.rpc;
  f.rpc = client_for("http://127.0.0.1:1");
  REQUIRE(f.rpc);
  /* the suffix alone */
  CHECK_INT(verify(&f, f.counterfactual, w + n - 32, 32, &res), PHEME_API_BAD_REQUEST);
  CHECK(strstr(res.why, "malformed ERC-6492 signature"));
  CHECK_INT(res.erc6492, 1);
  /* one byte cut out of the encoding (the suffix kept) */
  uint8_t *cut = arena_alloc(&f.a, n);
  memcpy(cut, w, 100);
  memcpy(cut + 100, w + 101, n - 101);
  CHECK_INT(verify(&f, f.counterfactual, cut, n - 1, &res), PHEME_API_BAD_REQUEST);
  CHECK(strstr(res.why, "malformed ERC-6492 signature"));
  /* an offset pointing outside the data */
  memcpy(cut, w, n);
  cut[63] = 0xff;
  CHECK_INT(verify(&f, f.counterfactual, cut, n, &res), PHEME_API_BAD_REQUEST);
  /* a dirty address word */
  memcpy(cut, w, n);
  cut[0] = 1;
  CHECK_INT(verify(&f, f.counterfactual, cut, n, &res), PHEME_API_BAD_REQUEST);
  /* too long, wrapped or not */
  uint8_t *big = arena_zalloc(&f.a, SIGCHECK_MAX_SIG + 1);
  CHECK_INT(verify(&f, f.deployed, big, SIGCHECK_MAX_SIG + 1, &res), PHEME_API_BAD_REQUEST);
  CHECK(strstr(res.why, "is longer than 16384"));
  rpc_client_free(f.rpc);
  f.rpc = live;
  CHECK_INT(code_len(&f, f.counterfactual), 0);
  teardown(&f);
}

TEST(node_down_is_an_io_error_not_a_verdict) {
  fixture f;
  if (setup(&f)) { CHECK(!"setup failed"); teardown(&f); return; }
  uint8_t sig[65];
  size_t n;
  sigcheck_result res;
  sign(&f, f.owner_key, sig);
  uint8_t *w = wrap_6492(&f, f.factory, deploy_call(&f, 2, NULL, NULL), sig, 65, &n);
  REQUIRE(w);
  anvil_stop(&f.node);
  CHECK_INT(verify(&f, f.deployed, sig, 65, &res), PHEME_SYS_IO);
  CHECK(strstr(res.why, "could not read the code of"));
  CHECK_INT(verify(&f, f.counterfactual, w, n, &res), PHEME_SYS_IO);
  CHECK(strstr(res.why, "could not run the ERC-6492 check"));
  teardown(&f);
}

TEST(unwrap_gives_the_parts) {
  fixture f;
  if (setup(&f)) { CHECK(!"setup failed"); teardown(&f); return; }
  uint8_t sig[65], *dc;
  size_t n, dlen;
  sign(&f, f.owner_key, sig);
  char *d = deploy_call(&f, 2, &dlen, &dc);
  uint8_t *w = wrap_6492(&f, f.factory, d, sig, 65, &n);
  REQUIRE(w);
  CHECK(sigcheck_is_6492(w, n));
  CHECK(!sigcheck_is_6492(w, n - 1));
  CHECK(!sigcheck_is_6492(sig, 65));
  sigcheck_6492 u;
  char why[256];
  CHECK_INT(sigcheck_unwrap_6492(&f.a, w, n, &u, why, sizeof why), PHEME_OK);
  CHECK_MEM(u.factory, 20, f.factory, 20);
  CHECK_MEM(u.factory_calldata, u.factory_calldata_len, dc, dlen);
  CHECK_MEM(u.signature, u.signature_len, sig, 65);
  CHECK_INT(sigcheck_unwrap_6492(&f.a, sig, 65, &u, why, sizeof why), PHEME_DATA_INVALID);
  CHECK(strstr(why, "does not end with the ERC-6492 suffix"));
  teardown(&f);
}

/* The sign-in hook: sigcheck_signin has signin_contract_check's type (this file would not
 * compile otherwise) and maps each verdict to the code signin_check expects. */
TEST(signin_hook_answers_signin_check) {
  fixture f;
  if (setup(&f)) { CHECK(!"setup failed"); teardown(&f); return; }
  signin_contract_check hook = sigcheck_signin;
  sigcheck_signin_ctx ctx;
  char err[320];
  rpc_options o;
  rpc_options_init(&o);
  o.expected_chain_id = ANVIL_CHAIN_ID;
  o.retries = 0;
  REQUIRE(sigcheck_signin_init(&ctx, (const char *[]){f.node.url}, 1, &o, err, sizeof err) == 0);
  uint8_t sig[65], eoa[20];
  size_t n;
  sign(&f, f.owner_key, sig);
  CHECK_INT(hook(&ctx, f.deployed, ANVIL_CHAIN_ID, f.hash, sig, 65, err, sizeof err), PHEME_OK);
  uint8_t *w = wrap_6492(&f, f.factory, deploy_call(&f, 2, NULL, NULL), sig, 65, &n);
  REQUIRE(w);
  CHECK_INT(hook(&ctx, f.counterfactual, ANVIL_CHAIN_ID, f.hash, w, n, err, sizeof err), PHEME_OK);
  CHECK_INT(hook(&ctx, f.counterfactual, 1, f.hash, w, n, err, sizeof err), PHEME_AUTH_INVALID);
  CHECK(strstr(err, "checked on chain 31337 only"));
  CHECK_INT(hook(&ctx, f.counterfactual, ANVIL_CHAIN_ID, f.hash, w + n - 32, 32, err, sizeof err),
            PHEME_API_BAD_REQUEST);
  REQUIRE(address_parse(eoa, ANVIL_ADDR2, strlen(ANVIL_ADDR2), 0, NULL) == PHEME_OK);
  CHECK_INT(hook(&ctx, eoa, ANVIL_CHAIN_ID, f.hash, sig, 65, err, sizeof err), PHEME_DATA_NOT_FOUND);
  sign(&f, f.other_key, sig);
  CHECK_INT(hook(&ctx, f.deployed, ANVIL_CHAIN_ID, f.hash, sig, 65, err, sizeof err), PHEME_AUTH_INVALID);
  CHECK(strstr(err, "refused the signature"));
  anvil_stop(&f.node);
  CHECK_INT(hook(&ctx, f.deployed, ANVIL_CHAIN_ID, f.hash, sig, 65, err, sizeof err), PHEME_SYS_IO);
  sigcheck_signin_release(&ctx);
  CHECK_INT(sigcheck_signin_init(&ctx, NULL, 0, NULL, err, sizeof err), PHEME_SYS_CONFIG);
  CHECK(strstr(err, "needs 1 to 16 chain endpoints"));
  CHECK_INT(sigcheck_signin_init(&ctx, (const char *[]){"ftp://127.0.0.1:1"}, 1, NULL, err, sizeof err), PHEME_SYS_CONFIG);
  teardown(&f);
}

/* The whole SIWE check (src/auth/signin.c) with the hook in place: a contract wallet signs in
 * with its owner's signature, deployed (EIP-1271) or not yet (ERC-6492); without the hook, or
 * with another key, it does not. */
TEST(siwe_check_accepts_contract_wallets_through_the_hook) {
  fixture f;
  if (setup(&f)) { CHECK(!"setup failed"); teardown(&f); return; }
  pheme_config cfg;
  char err[512];
  REQUIRE(config_init(&cfg) == 0);
  REQUIRE(config_set(&cfg, "public_url", "https://pheme.example", "test", err, sizeof err) == 0);
  REQUIRE(config_set(&cfg, "auth_chain_ids", "31337", "test", err, sizeof err) == 0);
  signin_config c;
  REQUIRE(signin_config_load(&c, &cfg, err, sizeof err) == 0);
  sigcheck_signin_ctx ctx;
  rpc_options o;
  rpc_options_init(&o);
  o.expected_chain_id = ANVIL_CHAIN_ID;
  REQUIRE(sigcheck_signin_init(&ctx, (const char *[]){f.node.url}, 1, &o, err, sizeof err) == 0);
  const int64_t now = 1795608030000LL; /* 2026-11-25T12:00:30Z, 30 s after the message's Issued At */
  char msg[512], who[ADDRESS_TEXT], *sighex;
  uint8_t sig[65], hash[32];
  size_t n;
  siwe_message m;
  pheme_error ee;

  /* counterfactual wallet, ERC-6492: refused without the hook (not a key's signature), then accepted */
  snprintf(msg, sizeof msg, MESSAGE, address_to_checksum(who, f.counterfactual));
  sign(&f, f.owner_key, sig);
  uint8_t *w = wrap_6492(&f, f.factory, deploy_call(&f, 2, NULL, NULL), sig, 65, &n);
  REQUIRE(w);
  sighex = hex(&f, w, n);
  CHECK_INT(signin_check(&c, &f.a, msg, strlen(msg), sighex, now, &m, err, sizeof err), PHEME_API_BAD_REQUEST);
  c.contract_check = sigcheck_signin;
  c.contract_ctx = &ctx;
  CHECK_INT(signin_check(&c, &f.a, msg, strlen(msg), sighex, now, &m, err, sizeof err), PHEME_OK);
  /* the owner's bare signature is not the counterfactual wallet's: the key's reason stands */
  CHECK_INT(signin_check(&c, &f.a, msg, strlen(msg), hex(&f, sig, 65), now, &m, err, sizeof err), PHEME_AUTH_INVALID);
  CHECK(strstr(err, "was signed by") != NULL);

  /* deployed wallet, EIP-1271: the owner's signature of the wallet's message */
  snprintf(msg, sizeof msg, MESSAGE, address_to_checksum(who, f.deployed));
  eip191_hash(hash, msg, strlen(msg));
  REQUIRE(secp_sign(sig, hash, f.owner_key, &ee) == 0);
  secp_v_to_27(sig);
  CHECK_INT(signin_check(&c, &f.a, msg, strlen(msg), hex(&f, sig, 65), now, &m, err, sizeof err), PHEME_OK);
  REQUIRE(secp_sign(sig, hash, f.other_key, &ee) == 0);
  secp_v_to_27(sig);
  CHECK_INT(signin_check(&c, &f.a, msg, strlen(msg), hex(&f, sig, 65), now, &m, err, sizeof err), PHEME_AUTH_INVALID);
  CHECK(strstr(err, "refused the signature") != NULL);

  /* the node gone: 503 territory, not a wrong signature */
  anvil_stop(&f.node);
  CHECK_INT(signin_check(&c, &f.a, msg, strlen(msg), hex(&f, sig, 65), now, &m, err, sizeof err), PHEME_SYS_IO);
  sigcheck_signin_release(&ctx);
  signin_config_release(&c);
  config_release(&cfg);
  teardown(&f);
}

/* ---------- over HTTP: a real pheme serve asks the chain ---------- */

static size_t collect(char *p, size_t size, size_t n, void *ud) {
  return buf_add((buf *)ud, p, size * n) ? 0 : size * n;
}

/* POSTs body to the server; returns the status, the answer parsed into *out. */
static long post(int port, const char *path, const char *body, json_t **out) {
  char url[128];
  snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
  buf b;
  buf_init(&b, 1 << 20);
  CURL *c = curl_easy_init();
  struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 15000L);
  long status = 0;
  if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(c);
  curl_slist_free_all(h);
  *out = b.len ? json_loadb(b.data, b.len, 0, NULL) : NULL;
  if (getenv("TEST_VERBOSE")) fprintf(stderr, "POST %s: %ld %.*s\n", path, status, (int)b.len, b.data);
  buf_release(&b);
  return status;
}

/* Asks the server for a nonce for address and signs its message with key (owner of the wallet):
 * the signature as hex, wrapped for ERC-6492 when wrap is set. The message goes into *message. */
static char *nonce_and_sign(fixture *f, int port, const uint8_t address[20], const uint8_t key[32],
                            int wrap, char **message) {
  char who[ADDRESS_TEXT], body[160];
  snprintf(body, sizeof body, "{\"address\":\"%s\",\"chainId\":31337}", address_to_checksum(who, address));
  json_t *a = NULL;
  long st = post(port, "/api/v1/auth/nonce", body, &a);
  const char *m = json_string_value(json_object_get(a, "message"));
  if (st != 200 || !m) {
    fprintf(stderr, "nonce: %ld\n", st);
    json_decref(a);
    return NULL;
  }
  *message = arena_strdup(&f->a, m);
  json_decref(a);
  uint8_t hash[32], sig[65];
  pheme_error ee;
  eip191_hash(hash, *message, strlen(*message));
  if (secp_sign(sig, hash, key, &ee)) return NULL;
  secp_v_to_27(sig);
  if (!wrap) return hex(f, sig, 65);
  size_t n;
  uint8_t *w = wrap_6492(f, f->factory, deploy_call(f, 2, NULL, NULL), sig, 65, &n);
  return w ? hex(f, w, n) : NULL;
}

static long verify_http(int port, const char *message, const char *sighex, json_t **out) {
  json_t *body = json_pack("{s:s,s:s}", "message", message, "signature", sighex);
  char *text = json_dumps(body, JSON_COMPACT);
  long st = post(port, "/api/v1/auth/verify", text, out);
  free(text);
  json_decref(body);
  return st;
}

/* POST /auth/verify with contract wallets against a real `pheme serve` whose chain is the
 * fixture's anvil: the deployed wallet (EIP-1271) and the counterfactual one (ERC-6492) sign in
 * with their owner's signature, another key is refused, and a wallet key still signs in. A few
 * idle connections stay open, so the writes take the server's group-commit path. */
TEST(contract_wallets_sign_in_over_http) {
  fixture f;
  if (setup(&f)) { CHECK(!"setup failed"); teardown(&f); return; }
  char dir[] = "/tmp/pheme-sigcheck-XXXXXX";
  REQUIRE(mkdtemp(dir) != NULL);
  int port = local_free_port();
  REQUIRE(port > 0);
  char listen[32], public_url[64], db_url[128], logpath[128];
  snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
  snprintf(public_url, sizeof public_url, "http://127.0.0.1:%d", port);
  snprintf(db_url, sizeof db_url, "sqlite:%s/pheme.db", dir);
  snprintf(logpath, sizeof logpath, "%s/serve.log", dir);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    execl(PHEME_BIN, "pheme", "serve", "--listen", listen, "--public-url", public_url, "--web-root", "",
          "--database", db_url, "--chain-rpc", f.node.url, "--chain-id", "31337", "--auth-chain-ids", "31337",
          "--chain-indexer", "false", "--chain-sender", "false", "--rate-limit", "off", (char *)NULL);
    _exit(127);
  }
  int ready = 0;
  for (int i = 0; i < 100 && !ready; i++) {
    json_t *j = NULL;
    ready = post(port, "/api/v1/auth/nonce", "{}", &j) == 400; /* up, and answering */
    json_decref(j);
    if (!ready) nanosleep(&(struct timespec){0, 100000000L}, NULL);
  }
  if (!ready) fprintf(stderr, "pheme serve did not start; see %s\n", logpath);
  int idle[3] = {-1, -1, -1};
  for (int i = 0; ready && i < 3; i++) {
    idle[i] = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK_INT(connect(idle[i], (struct sockaddr *)&sa, sizeof sa), 0);
  }
  char *message = NULL, *sig;
  json_t *a = NULL;
  char who[ADDRESS_TEXT];
  if (ready) {
    /* deployed wallet, EIP-1271 */
    sig = nonce_and_sign(&f, port, f.deployed, f.owner_key, 0, &message);
    REQUIRE(sig);
    CHECK_INT(verify_http(port, message, sig, &a), 200);
    CHECK_STR(json_string_value(json_object_get(json_object_get(a, "user"), "address")),
              address_to_checksum(who, f.deployed));
    CHECK(json_string_value(json_object_get(a, "accessToken")) != NULL);
    json_decref(a);
    /* another key's signature: refused with the wallet's reason */
    sig = nonce_and_sign(&f, port, f.deployed, f.other_key, 0, &message);
    REQUIRE(sig);
    CHECK_INT(verify_http(port, message, sig, &a), 401);
    const char *msg = json_string_value(json_object_get(json_object_get(a, "error"), "message"));
    CHECK(msg && strstr(msg, "refused the signature"));
    json_decref(a);
    /* counterfactual wallet, ERC-6492 */
    sig = nonce_and_sign(&f, port, f.counterfactual, f.owner_key, 1, &message);
    REQUIRE(sig);
    CHECK_INT(verify_http(port, message, sig, &a), 200);
    CHECK_STR(json_string_value(json_object_get(json_object_get(a, "user"), "address")),
              address_to_checksum(who, f.counterfactual));
    json_decref(a);
    /* a wallet key still signs in on the same server */
    uint8_t eoa[20];
    REQUIRE(secp_address(eoa, f.other_key, NULL) == 0);
    sig = nonce_and_sign(&f, port, eoa, f.other_key, 0, &message);
    REQUIRE(sig);
    CHECK_INT(verify_http(port, message, sig, &a), 200);
    json_decref(a);
  }
  for (int i = 0; i < 3; i++)
    if (idle[i] >= 0) close(idle[i]);
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  char rm[160];
  snprintf(rm, sizeof rm, "rm -rf %s", dir);
  if (system(rm)) fprintf(stderr, "could not remove %s\n", dir);
  teardown(&f);
}

/* A contract-wallet validator (EIP-1271) reviews a submission: the review's EIP-712 digest is
 * signed by the wallet's owner key, the signature does not recover to the wallet, and the
 * pipeline asks the wallet through the hook (sigcheck_signin) — accepted and counted; the same
 * review signed by another key is refused with VAL001. Storage is a SQLite file of the test's. */
TEST(contract_wallet_validator_reviews_through_the_hook) {
  fixture f;
  if (setup(&f)) { CHECK(!"setup failed"); teardown(&f); return; }
  char dir[] = "/tmp/pheme-sigcheck-review.XXXXXX", url[96], err[512];
  REQUIRE(mkdtemp(dir));
  snprintf(url, sizeof url, "sqlite://%s/pheme.db", dir);
  store *s = NULL;
  store_options so = {4, 5000, 0, NULL, 0, 0};
  int applied;
  REQUIRE(store_open(&s, url, &so, err, sizeof err) == 0);
  REQUIRE(store_migrate(s, &applied, err, sizeof err) == 0);
  pheme_config cfg;
  REQUIRE(config_init(&cfg) == 0);
  cfg.review_chain_id = ANVIL_CHAIN_ID;
  pipeline p;
  REQUIRE(pipeline_init(&p, s, &cfg, err, sizeof err) == 0);
  sigcheck_signin_ctx ctx;
  rpc_options o;
  rpc_options_init(&o);
  o.expected_chain_id = ANVIL_CHAIN_ID;
  o.retries = 0;
  REQUIRE(sigcheck_signin_init(&ctx, (const char *[]){f.node.url}, 1, &o, err, sizeof err) == 0);
  p.contract_check = sigcheck_signin;
  p.contract_ctx = &ctx;

  const store_actor sys = {0, "test"};
  user wallet_user, creator_user, author_user;
  uint8_t creator_addr[20] = {0xc1}, author_addr[20] = {0xa7};
  int created;
  REQUIRE(store_user_ensure(s, &f.a, &sys, f.deployed, &wallet_user, &created) == 0);
  REQUIRE(store_user_ensure(s, &f.a, &sys, creator_addr, &creator_user, &created) == 0);
  REQUIRE(store_user_ensure(s, &f.a, &sys, author_addr, &author_user, &created) == 0);
  validator_row vr;
  REQUIRE(store_validator_put(s, &f.a, &sys, wallet_user.id, f.deployed, "1000000000000000000000", NULL, &vr) == 0);
  work_principal creator = {.user_id = creator_user.id, .roles = ROLE_USER | ROLE_CREATOR},
                 author = {.user_id = author_user.id, .roles = ROLE_USER};
  work_task_input in;
  memset(&in, 0, sizeof in);
  in.fields = (task){.type = "BOUNTY", .title = "Audit a vault", .description = "Find what is wrong",
                     .difficulty = 5, .xp_reward = 100};
  json_t *rules = json_loads("{\"minValidators\":1,\"consensusThreshold\":50}", 0, NULL);
  in.validation = rules;
  task t;
  char why[512];
  REQUIRE(work_task_create(s, &f.a, &sys, &creator, &in, &t, why, sizeof why) == 0);
  json_decref(rules);
  json_t *ev = json_loads("[{\"type\":\"link\",\"url\":\"https://example.com/audit\"}]", 0, NULL);
  submission sub;
  REQUIRE(work_submit(s, &f.a, &sys, &author, t.id, "An audit of the vault: three findings, each with a test.", ev,
                      &sub, why, sizeof why) == 0);
  json_decref(ev);
  char payload[64];
  snprintf(payload, sizeof payload, "{\"submission\":%lld}", (long long)sub.id);
  static const char *const steps[] = {PIPE_JOB_CHECK, PIPE_JOB_ASSESS, PIPE_JOB_PANEL};
  for (size_t i = 0; i < 3; i++) CHECK_INT(pipeline_run(&p, steps[i], payload, NULL, &f.a, why, sizeof why), 0);
  sub_view v;
  REQUIRE(store_submission_view(s, &f.a, sub.id, SUBV_PANEL, &v) == 0);
  CHECK_STR(v.sub.state, "PEER_REVIEW");
  REQUIRE(v.nseats == 1);
  CHECK_MEM(v.seats[0].v.address, 20, f.deployed, 20);

  for (int k = 0; k < 2; k++) {
    review r;
    memset(&r, 0, sizeof r);
    r.submission_id = sub.id;
    memcpy(r.validator, f.deployed, 20);
    r.score = 88;
    r.n_criteria = 1;
    r.criterion_ids[0] = 1;
    r.criterion_scores[0] = 88;
    r.feedback = (char *)"three real findings";
    r.feedback_len = strlen(r.feedback);
    REQUIRE(review_sign(&r, &p.domain, k == 0 ? f.other_key : f.owner_key, err, sizeof err) == 0);
    char addr[ADDRESS_TEXT], sig[131];
    hex_encode(sig, r.signature, 65);
    char *body = arena_printf(&f.a,
                              "{\"submissionId\":%lld,\"round\":0,\"validator\":\"%s\",\"score\":88,"
                              "\"criteria\":[{\"id\":1,\"score\":88}],\"feedback\":\"three real findings\","
                              "\"signature\":\"%s\"}",
                              (long long)sub.id, address_to_checksum(addr, f.deployed), sig);
    int64_t rid = 0;
    pheme_err e = pipeline_review_post(&p, &f.a, &sys, wallet_user.id, sub.id, body, strlen(body), &rid, why, sizeof why);
    if (k == 0) {
      CHECK_INT(e, PHEME_VAL_WRONG_SIGNER); /* another key: the wallet refuses it */
    } else {
      CHECK_INT(e, PHEME_OK);
      CHECK(rid > 0);
    }
  }
  CHECK_INT(pipeline_run(&p, PIPE_JOB_DECIDE, payload, NULL, &f.a, why, sizeof why), 0);
  REQUIRE(store_submission_view(s, &f.a, sub.id, SUBV_PANEL, &v) == 0);
  CHECK_STR(v.sub.state, "APPROVED");
  CHECK_INT(v.sub.final_score, 88);
  CHECK_INT(v.nreviews, 1);
  if (v.nreviews) CHECK_MEM(v.reviews[0].signer, 20, f.deployed, 20);

  sigcheck_signin_release(&ctx);
  pipeline_release(&p);
  config_release(&cfg);
  store_free(s);
  char rm[96];
  snprintf(rm, sizeof rm, "rm -rf %s", dir);
  if (system(rm)) fprintf(stderr, "could not remove %s\n", dir);
  teardown(&f);
}

TEST_MAIN(RUN(deployed_wallet_accepts_its_owner_and_refuses_others);
          RUN(counterfactual_wallet_with_erc6492_signature);
          RUN(erc6492_signature_stays_valid_after_deployment);
          RUN(address_without_code_is_not_a_contract_wallet);
          RUN(contracts_that_are_not_wallets_or_answer_oddly_are_refused);
          RUN(malformed_erc6492_wrapping_is_a_bad_request);
          RUN(node_down_is_an_io_error_not_a_verdict);
          RUN(unwrap_gives_the_parts);
          RUN(signin_hook_answers_signin_check);
          RUN(siwe_check_accepts_contract_wallets_through_the_hook);
          RUN(contract_wallets_sign_in_over_http);
          RUN(contract_wallet_validator_reviews_through_the_hook))
